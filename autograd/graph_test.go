package autograd

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/tensor"
)

// graphStencil is a fixed stencil from 5 source rows to 6 targets, K = 3,
// with repeated sources in one target and source 4 never read.
func graphStencil() *tensor.Stencil[float64] {
	st := &tensor.Stencil[float64]{
		Idx: []int32{0, 1, 2, 3, 3, 1, 2, 0, 0, 1, 3, 2, 0, 2, 1, 3, 1, 0},
		W:   []float64{0.5, -1.25, 2, 0.75, 0.3, -0.4, 1.5, 0.2, -0.7, 1, 0.1, -2, 0.6, 0.9, -0.35, 1.1, 0.05, -0.8},
		K:   3,
		N:   5,
	}
	if err := st.Validate(); err != nil {
		panic(err)
	}
	return st
}

// graphOffsets: five segments over 9 rows, the third one empty.
var graphOffsets = []int{0, 2, 5, 5, 8, 9}

type graphCase struct {
	name  string
	f     fn
	input []int // input shape
}

func graphCases() []graphCase {
	st := graphStencil()
	return []graphCase{
		{"segment sum", func(x []*Var[float64]) *Var[float64] { return SegmentSum(x[0], graphOffsets) }, []int{9, 3}},
		{"segment sum rank 3", func(x []*Var[float64]) *Var[float64] { return SegmentSum(x[0], graphOffsets) }, []int{9, 2, 2}},
		{"repeat segments", func(x []*Var[float64]) *Var[float64] { return RepeatSegments(x[0], graphOffsets) }, []int{5, 3}},
		{"segment mean", func(x []*Var[float64]) *Var[float64] { return SegmentMean(x[0], graphOffsets) }, []int{9, 3}},
		{"segment mean vector", func(x []*Var[float64]) *Var[float64] { return SegmentMean(x[0], graphOffsets) }, []int{9}},
		{"apply stencil", func(x []*Var[float64]) *Var[float64] { return ApplyStencil(x[0], st) }, []int{5, 2}},
		{"apply stencil transpose", func(x []*Var[float64]) *Var[float64] { return ApplyStencilT(x[0], st) }, []int{6, 2}},
	}
}

// TestGraphGradients: finite-difference checks of the gradient and of the
// Hessian-vector product (checkGrad) for each op, squared so that the
// Hessian is not zero.
func TestGraphGradients(t *testing.T) {
	r := tensor.NewRNG(3)
	for _, c := range graphCases() {
		t.Run(c.name, func(t *testing.T) {
			f := func(x []*Var[float64]) *Var[float64] { return Square(c.f(x)) }
			checkGrad(t, c.f, []*tensor.Tensor[float64]{tensor.RandN[float64](r, c.input...)}, false)
			checkGrad(t, f, []*tensor.Tensor[float64]{tensor.RandN[float64](r, c.input...)}, true)
		})
	}
}

// TestGraphSecondOrder differentiates through each op's backward: with
// L(x) = sum(proj * sin(op(x))), h(x) = sum((dL/dx)^2), and dh/dx from
// Grad with createGraph is compared with central differences of h.
func TestGraphSecondOrder(t *testing.T) {
	r := tensor.NewRNG(4)
	for _, c := range graphCases() {
		t.Run(c.name, func(t *testing.T) {
			x0 := tensor.RandN[float64](r, c.input...)
			var outShape []int
			NoGrad(func() { outShape = c.f([]*Var[float64]{Const(x0)}).Shape() })
			proj := tensor.RandN[float64](r, outShape...)
			h := func(x *Var[float64], create bool) *Var[float64] {
				l := Sum(Mul(Sin(c.f([]*Var[float64]{x})), Const(proj)))
				g, err := Grad([]*Var[float64]{l}, []*Var[float64]{x}, nil, create)
				if err != nil {
					t.Fatal(err)
				}
				return Sum(Square(g[0]))
			}
			x := Param(x0.Clone())
			hx := h(x, true)
			if !hx.RequiresGrad() {
				t.Fatal("the gradient was not recorded with createGraph")
			}
			dh, err := Grad([]*Var[float64]{hx}, []*Var[float64]{x}, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			const eps = 1e-6
			for j := range x0.Data() {
				at := func(d float64) float64 {
					xp := x0.Clone()
					xp.Data()[j] += d
					return h(Param(xp), false).Value.Item()
				}
				num := (at(eps) - at(-eps)) / (2 * eps)
				got := dh[0].Value.Data()[j]
				if math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
					t.Fatalf("element %d: d/dx sum(grad^2) = %.10g, finite difference %.10g", j, got, num)
				}
			}
		})
	}
}

// TestSegmentMeanLoop compares SegmentMean with an explicit loop (empty
// segments give zero rows) and with ScatterAdd divided by the counts.
func TestSegmentMeanLoop(t *testing.T) {
	r := tensor.NewRNG(5)
	x := tensor.RandN[float64](r, 9, 4)
	got := SegmentMean(Const(x), graphOffsets).Value
	recv := make([]int, 0, 9)
	for s := 0; s+1 < len(graphOffsets); s++ {
		for e := graphOffsets[s]; e < graphOffsets[s+1]; e++ {
			recv = append(recv, s)
		}
	}
	scat := tensor.ScatterAdd(x, 0, recv, 5)
	for s := 0; s < 5; s++ {
		n := graphOffsets[s+1] - graphOffsets[s]
		for c := 0; c < 4; c++ {
			want := 0.0
			for e := graphOffsets[s]; e < graphOffsets[s+1]; e++ {
				want += x.At(e, c)
			}
			if n > 0 {
				want /= float64(n)
			}
			if g := got.At(s, c); math.Abs(g-want) > 1e-15 {
				t.Fatalf("segment %d channel %d: %v, loop %v", s, c, g, want)
			}
			if n > 0 && math.Abs(scat.At(s, c)/float64(n)-want) > 1e-15 {
				t.Fatalf("segment %d channel %d: ScatterAdd / count %v, loop %v", s, c, scat.At(s, c)/float64(n), want)
			}
		}
	}
	if got.At(2, 0) != 0 || got.At(2, 3) != 0 {
		t.Fatalf("empty segment gives %v, want 0", got.Data()[8:12])
	}
}

// TestTorchGraphMessagePassing: a GNS-style message-passing step with mean
// aggregation against PyTorch (torch_reference.py section 13): values,
// first derivatives with respect to inputs and weights, and the gradient
// of sum(grad_x^2) + sum(grad_e^2). The aggregation runs twice, with
// SegmentMean and with Gather/ScatterAdd divided by the counts.
func TestTorchGraphMessagePassing(t *testing.T) {
	g := golden.Open(t)
	const grp = "graph_message_passing/"
	load := func(name string) *tensor.Tensor[float64] { return golden.Load[float64](g, grp+name) }
	recv, send, offsets := golden.Ints(g, grp+"recv"), golden.Ints(g, grp+"send"), golden.Ints(g, grp+"offsets")
	n := load("x").Dim(0)
	const tol = 1e-12
	for _, path := range []string{"segment", "scatter"} {
		t.Run(path, func(t *testing.T) {
			x, e := Param(load("x")), Param(load("e"))
			w1, b1, w2, b2 := Param(load("w1")), Param(load("b1")), Param(load("w2")), Param(load("b2"))
			var xi *Var[float64]
			if path == "segment" {
				xi = RepeatSegments(x, offsets)
			} else {
				xi = Gather(x, 0, recv)
			}
			h := Concat(1, xi, Gather(x, 0, send), e)
			msg := Linear(Tanh(Linear(h, w1, b1)), w2, b2)
			var agg *Var[float64]
			if path == "segment" {
				agg = SegmentMean(msg, offsets)
			} else {
				inv := tensor.New[float64](n, 1)
				for s := 0; s < n; s++ {
					if c := offsets[s+1] - offsets[s]; c > 0 {
						inv.Data()[s] = 1 / float64(c)
					}
				}
				agg = Mul(ScatterAdd(msg, 0, recv, n), Const(inv))
			}
			loss := Sum(Square(agg))
			golden.Agree(t, "msg", msg.Value, load("msg"), tol)
			golden.Agree(t, "agg", agg.Value, load("agg"), tol)
			golden.Agree(t, "loss", loss.Value, load("loss"), tol)
			ins := []*Var[float64]{x, e, w1, b1, w2, b2}
			gr, err := Grad([]*Var[float64]{loss}, ins, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range []string{"grad_x", "grad_e", "grad_w1", "grad_b1", "grad_w2", "grad_b2"} {
				golden.Agree(t, name, gr[i].Value, load(name), tol)
			}
			second := Add(Sum(Square(gr[0])), Sum(Square(gr[1])))
			golden.Agree(t, "second", second.Value, load("second"), tol)
			gg, err := Grad([]*Var[float64]{second}, []*Var[float64]{x, w1}, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			golden.Agree(t, "grad2_x", gg[0].Value, load("grad2_x"), tol)
			golden.Agree(t, "grad2_w1", gg[1].Value, load("grad2_w1"), tol)
		})
	}
}
