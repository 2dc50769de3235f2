package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

func mustConv(t testing.TB, r *tensor.RNG, in, out, k, s, p int) *Conv2d[float64] {
	t.Helper()
	c, err := NewConv2d[float64](r, in, out, [2]int{k, k}, [2]int{s, s}, [2]int{p, p}, true)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConv2dInit checks PyTorch's default bounds, U(-b, b) with
// b = 1/sqrt(in kH kW) for weight and bias, and that the weights fill the
// interval (mean square b^2/3 within 5 standard errors, 0.894/sqrt(n)
// relative).
func TestConv2dInit(t *testing.T) {
	for _, c := range []struct{ in, out, k int }{{1, 8, 5}, {8, 16, 5}, {16, 4, 5}, {32, 64, 3}} {
		l := mustConv(t, tensor.NewRNG(3), c.in, c.out, c.k, 1, 0)
		b := 1 / math.Sqrt(float64(c.in*c.k*c.k))
		var ss float64
		for _, v := range l.W.Value.Data() {
			if math.Abs(v) > b {
				t.Fatalf("%+v: weight %g outside +-%g", c, v, b)
			}
			ss += v * v
		}
		n := float64(l.W.Value.Len())
		if v := ss / n; math.Abs(v/(b*b/3)-1) > 5*0.894/math.Sqrt(n) {
			t.Errorf("%+v: weight variance %g, want %g", c, v, b*b/3)
		}
		for _, v := range l.B.Value.Data() {
			if math.Abs(v) > b {
				t.Fatalf("%+v: bias %g outside +-%g", c, v, b)
			}
		}
		if ps := l.Params(); len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" {
			t.Errorf("params %v", ps)
		}
	}
}

func TestConv2dErrors(t *testing.T) {
	one := [2]int{1, 1}
	for _, c := range []struct {
		in, out                 int
		kernel, stride, padding [2]int
		want                    string
	}{
		{0, 4, one, one, one, "channels must be positive"},
		{1, 4, [2]int{0, 3}, one, one, "kernel must be at least 1x1"},
		{1, 4, one, [2]int{1, 0}, one, "stride must be positive"},
		{1, 4, one, one, [2]int{0, -1}, "padding must be non-negative"},
	} {
		if _, err := NewConv2d[float64](tensor.NewRNG(1), c.in, c.out, c.kernel, c.stride, c.padding, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v", c, err)
		}
	}
	l := mustConv(t, tensor.NewRNG(1), 2, 3, 5, 1, 0)
	for _, c := range []struct {
		in   []int
		want string
	}{{[]int{4, 2, 8}, "[N, C, H, W]"}, {[]int{4, 3, 8, 8}, "input has 3 channels"}, {[]int{4, 2, 4, 8}, "smaller than the 5x5 kernel"}} {
		if _, err := l.OutputShape(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %v: error %v, want one mentioning %q", c.in, err, c.want)
		}
	}
}

// TestConv2dNetworkShapes runs the two upstream CNNs: DMM's branch (48^2
// field; padding 2 is what makes tanh(r + conv) add equal shapes and the
// flatten 12^2 = 144 features) and MM-PDE's res_cut ("same" output).
func TestConv2dNetworkShapes(t *testing.T) {
	r := tensor.NewRNG(7)
	for _, c := range []struct {
		name   string
		layers []*Conv2d[float64]
		want   [][]int
	}{
		{"dmm_branch", []*Conv2d[float64]{mustConv(t, r, 1, 8, 5, 2, 2), mustConv(t, r, 8, 16, 5, 1, 2), mustConv(t, r, 16, 8, 5, 1, 2), mustConv(t, r, 8, 1, 5, 2, 2)},
			[][]int{{3, 8, 24, 24}, {3, 16, 24, 24}, {3, 8, 24, 24}, {3, 1, 12, 12}}},
		{"mmpde_res_cut", []*Conv2d[float64]{mustConv(t, r, 1, 4, 5, 1, 2), mustConv(t, r, 4, 16, 5, 1, 2), mustConv(t, r, 16, 4, 5, 1, 2), mustConv(t, r, 4, 1, 5, 1, 2)},
			[][]int{{3, 4, 48, 48}, {3, 16, 48, 48}, {3, 4, 48, 48}, {3, 1, 48, 48}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := autograd.Const(tensor.RandN[float64](r, 3, 1, 48, 48))
			for i, l := range c.layers {
				s, err := l.OutputShape(h.Shape())
				if err != nil {
					t.Fatal(err)
				}
				h = autograd.Tanh(l.Forward(h))
				if !tensor.SameShape(h.Shape(), c.want[i]) || !tensor.SameShape(s, c.want[i]) {
					t.Fatalf("layer %d: shape %v (OutputShape %v), want %v", i, h.Shape(), s, c.want[i])
				}
			}
		})
	}
}

// TestConv2dBiasGrad: the bias gradient is the upstream gradient summed
// over samples and pixels; the weight gradient matches the bias-free op.
func TestConv2dBiasGrad(t *testing.T) {
	r := tensor.NewRNG(9)
	l := mustConv(t, r, 2, 3, 3, 2, 1)
	x := autograd.Const(tensor.RandN[float64](r, 4, 2, 9, 7))
	p := tensor.RandN[float64](r, 4, 3, 5, 4)
	loss := autograd.Sum(autograd.Mul(l.Forward(x), autograd.Const(p)))
	g, err := autograd.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{l.W, l.B}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := tensor.SumAxes(p, []int{0, 2, 3}, false)
	dw := tensor.Conv2DWeightGrad(x.Value, p, l.Kernel, l.Stride, l.Padding)
	for _, c := range []struct{ got, want *tensor.Tensor[float64] }{{g[1].Value, want}, {g[0].Value, dw}} {
		for i, v := range c.want.Data() {
			if math.Abs(c.got.Data()[i]-v) > 1e-12 {
				t.Fatalf("element %d: %g, want %g", i, c.got.Data()[i], v)
			}
		}
	}
}

// BenchmarkConv2dDMMFirst is the DMM branch's first layer, Conv(1->8, 5x5,
// stride 2, padding 2) + tanh on a batch of 160 fields of 48^2, forward and
// backward to weight and bias (the input needs no gradient).
func BenchmarkConv2dDMMFirst(b *testing.B) {
	b.Run("float32", benchConvDMM[float32])
	b.Run("float64", benchConvDMM[float64])
}

func benchConvDMM[T tensor.Float](b *testing.B) {
	r := tensor.NewRNG(1)
	l, err := NewConv2d[T](r, 1, 8, [2]int{5, 5}, [2]int{2, 2}, [2]int{2, 2}, true)
	if err != nil {
		b.Fatal(err)
	}
	x := autograd.Const(tensor.RandN[T](r, 160, 1, 48, 48))
	params := l.Params()
	for b.Loop() {
		ZeroGrad(params)
		if err := autograd.Backward(autograd.Sum(autograd.Tanh(l.Forward(x)))); err != nil {
			b.Fatal(err)
		}
	}
}
