package autograd

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/tensor"
)

// convGeom is one test geometry: x [n, c, h, w], weight [o, c, k...].
type convGeom struct {
	n, c, h, w, o   int
	kernel          [2]int
	stride, padding [2]int
}

var convGeoms = []convGeom{
	{2, 1, 8, 8, 3, [2]int{5, 5}, [2]int{2, 2}, [2]int{2, 2}},
	{2, 2, 5, 6, 3, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}},
	{1, 3, 6, 5, 2, [2]int{2, 3}, [2]int{1, 1}, [2]int{0, 0}},
	{3, 2, 7, 6, 2, [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 2}},
}

func (g convGeom) String() string {
	return fmt.Sprintf("x%v_w%v_s%v_p%v", []int{g.n, g.c, g.h, g.w}, []int{g.o, g.c, g.kernel[0], g.kernel[1]}, g.stride, g.padding)
}

func (g convGeom) outShape() []int {
	s, err := tensor.Conv2DShape([]int{g.n, g.c, g.h, g.w}, []int{g.o, g.c, g.kernel[0], g.kernel[1]}, g.stride, g.padding)
	if err != nil {
		panic(err)
	}
	return s
}

// TestConv2DGradcheck compares first derivatives with central differences
// and Hessian-vector products (Grad with createGraph) with differences of
// gradients: for the bare convolution (bilinear: only the mixed x-w block
// of the Hessian is non-zero), for tanh(conv + bias), and for the two
// adjoint ops on their own, which are the convolution's backward.
func TestConv2DGradcheck(t *testing.T) {
	for i, g := range convGeoms {
		r := tensor.NewRNG(uint64(40 + i))
		x := tensor.RandN[float64](r, g.n, g.c, g.h, g.w)
		w := tensor.RandN[float64](r, g.o, g.c, g.kernel[0], g.kernel[1])
		b := tensor.RandN[float64](r, g.o)
		dy := tensor.RandN[float64](r, g.outShape()...)
		in := [2]int{g.h, g.w}
		cases := []struct {
			name string
			f    fn
			vals []*tensor.Tensor[float64]
		}{
			{"conv", func(v []*Var[float64]) *Var[float64] { return Conv2D(v[0], v[1], g.stride, g.padding) }, tensorsOf(x, w)},
			{"tanh_conv_bias", func(v []*Var[float64]) *Var[float64] {
				return Tanh(Add(Conv2D(v[0], v[1], g.stride, g.padding), Reshape(v[2], g.o, 1, 1)))
			}, tensorsOf(x, w, b)},
			{"input_grad", func(v []*Var[float64]) *Var[float64] {
				return Tanh(conv2DInputGrad(v[0], v[1], in, g.stride, g.padding))
			}, tensorsOf(dy, w)},
			{"weight_grad", func(v []*Var[float64]) *Var[float64] {
				return Tanh(conv2DWeightGrad(v[0], v[1], g.kernel, g.stride, g.padding))
			}, tensorsOf(x, dy)},
		}
		for _, c := range cases {
			t.Run(g.String()+"/"+c.name, func(t *testing.T) { checkGrad(t, c.f, c.vals, true) })
		}
	}
}

func tensorsOf(ts ...*tensor.Tensor[float64]) []*tensor.Tensor[float64] {
	out := make([]*tensor.Tensor[float64], len(ts))
	for i, v := range ts {
		out[i] = v.Clone()
	}
	return out
}

// TestConv2DMaskedGrad asks for d/dx only and for d/dw only: each must
// equal the corresponding entry of the full gradient.
func TestConv2DMaskedGrad(t *testing.T) {
	g := convGeoms[3]
	r := tensor.NewRNG(5)
	xv, wv := tensor.RandN[float64](r, g.n, g.c, g.h, g.w), tensor.RandN[float64](r, g.o, g.c, g.kernel[0], g.kernel[1])
	x, w := Param(xv), Param(wv)
	loss := Sum(Square(Conv2D(x, w, g.stride, g.padding)))
	all, err := Grad([]*Var[float64]{loss}, []*Var[float64]{x, w}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []*Var[float64]{x, w} {
		one, err := Grad([]*Var[float64]{loss}, []*Var[float64]{v}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range one[0].Value.Data() {
			if v != all[i].Value.Data()[j] {
				t.Fatalf("input %d element %d: gradient alone %g, joint %g", i, j, v, all[i].Value.Data()[j])
			}
		}
	}
}

// TestTorchConv2D compares forward values, first derivatives and double
// backward with torch.nn.functional.conv2d in float64
// (scripts/torch_conv2d_reference.py, testdata/torch_conv2d.h5).
func TestTorchConv2D(t *testing.T) {
	gf := golden.OpenNamed(t, "torch_conv2d.h5")
	const tol = 1e-12
	for _, name := range []string{"dmm_first", "same_5x5", "valid_non_square", "mixed"} {
		t.Run(name, func(t *testing.T) {
			load := func(k string) *tensor.Tensor[float64] { return golden.Load[float64](gf, name+"/"+k) }
			st, pd := golden.Ints(gf, name+"/stride"), golden.Ints(gf, name+"/padding")
			x, w, b := Param(load("x")), Param(load("w")), Param(load("b"))
			y := Add(Conv2D(x, w, [2]int{st[0], st[1]}, [2]int{pd[0], pd[1]}), Reshape(b, b.Shape()[0], 1, 1))
			golden.Agree(t, "y", y.Value, load("y"), tol)
			loss := Sum(Mul(Tanh(y), Const(load("p"))))
			golden.Agree(t, "loss", loss.Value, load("loss"), tol)
			gr, err := Grad([]*Var[float64]{loss}, []*Var[float64]{x, w, b}, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range []string{"grad_x", "grad_w", "grad_b"} {
				golden.Agree(t, k, gr[i].Value, load(k), tol)
			}
			second := Add(Sum(Square(gr[0])), Sum(Square(gr[1])))
			golden.Agree(t, "second", second.Value, load("second"), tol)
			gg, err := Grad([]*Var[float64]{second}, []*Var[float64]{x, w}, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			golden.Agree(t, "grad2_x", gg[0].Value, load("grad2_x"), tol)
			golden.Agree(t, "grad2_w", gg[1].Value, load("grad2_w"), tol)
		})
	}
}
