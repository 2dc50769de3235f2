package factformer

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// checkInputGrads compares d/dx_i of sum(f(x) * proj) with central
// differences (h = 1e-6) at every entry of every input.
func checkInputGrads(t *testing.T, name string, f func(xs []*autograd.Var[float64]) *autograd.Var[float64], vals ...*tensor.Tensor[float64]) {
	t.Helper()
	r := tensor.NewRNG(77)
	var proj *tensor.Tensor[float64]
	eval := func() float64 {
		var l float64
		autograd.NoGrad(func() {
			xs := make([]*autograd.Var[float64], len(vals))
			for i, v := range vals {
				xs[i] = autograd.Const(v)
			}
			y := f(xs)
			if proj == nil {
				proj = tensor.RandN[float64](r, y.Shape()...)
			}
			l = autograd.Sum(autograd.Mul(y, autograd.Const(proj))).Value.Item()
		})
		return l
	}
	eval()
	xs := make([]*autograd.Var[float64], len(vals))
	for i, v := range vals {
		xs[i] = autograd.Param(v)
	}
	loss := autograd.Sum(autograd.Mul(f(xs), autograd.Const(proj)))
	grads, err := autograd.Grad([]*autograd.Var[float64]{loss}, xs, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, v := range vals {
		d := v.Data()
		for j := range d {
			old := d[j]
			d[j] = old + 1e-6
			lp := eval()
			d[j] = old - 1e-6
			lm := eval()
			d[j] = old
			num := (lp - lm) / 2e-6
			got := grads[i].Value.Data()[j]
			e := math.Abs(got-num) / math.Max(1, math.Abs(num))
			worst = math.Max(worst, e)
			if e > 1e-6 {
				t.Fatalf("%s: d/dx%d[%d] = %v, finite difference %v", name, i, j, got, num)
			}
		}
	}
	t.Logf("%s: max relative gradient error %.1e", name, worst)
}

func TestCompositeOpGradients(t *testing.T) {
	r := tensor.NewRNG(11)
	rn := func(shape ...int) *tensor.Tensor[float64] { return tensor.RandN[float64](r, shape...) }
	cos, sin := rotaryTables[float64]([]float64{0, 0.3, 1.1, 2}, 6)
	mask := autograd.Const(rn(2, 2, 3, 4, 3))
	type tc struct {
		name string
		f    func(xs []*autograd.Var[float64]) *autograd.Var[float64]
		vals []*tensor.Tensor[float64]
	}
	cases := []tc{
		{"normalize unbiased", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			return normalizeOver(xs[0], []int{2}, 1e-8, true)
		}, []*tensor.Tensor[float64]{rn(2, 3, 5)}},
		{"normalize biased over two axes", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			return normalizeOver(xs[0], []int{1, 3}, 1e-5, false)
		}, []*tensor.Tensor[float64]{rn(2, 3, 2, 4)}},
		{"geglu", func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return geglu(xs[0]) }, []*tensor.Tensor[float64]{rn(3, 8)}},
		{"rotary", func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return applyRotary(xs[0], cos, sin) }, []*tensor.Tensor[float64]{rn(2, 2, 4, 6)}},
		{"pool axis 1 of 3", func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return poolAxis(xs[0], 1) }, []*tensor.Tensor[float64]{rn(2, 3, 4, 2, 3)}},
		{"heads first", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.Mul(headsFirst(xs[0], 2), mask)
		}, []*tensor.Tensor[float64]{rn(2, 3, 4, 6)}},
		{"heads last", func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return headsLast(xs[0]) }, []*tensor.Tensor[float64]{rn(2, 2, 3, 4, 3)}},
		{"grouped linear", func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return groupedLinear(xs[0], xs[1], 4) }, []*tensor.Tensor[float64]{rn(2, 3, 8), rn(12, 2)}},
	}
	for a := 0; a < 3; a++ {
		a := a
		cases = append(cases, tc{fmt.Sprintf("contract axis %d of 3", a), func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			return contractAxis(xs[0], xs[1], a)
		}, []*tensor.Tensor[float64]{rn(2, 2, []int{4, 3, 5}[a], []int{4, 3, 5}[a]), rn(2, 2, 4, 3, 5, 2)}})
	}
	for _, c := range cases {
		checkInputGrads(t, c.name, c.f, c.vals...)
	}
}

// headsFirst and headsLast are inverse, and channel h*C + c lands in head h.
func TestHeadLayout(t *testing.T) {
	x := tensor.RandN[float64](tensor.NewRNG(1), 2, 3, 4, 6)
	hf := headsFirst(autograd.Const(x), 2)
	if hf.Value.At(1, 1, 2, 3, 0) != x.At(1, 2, 3, 3) {
		t.Fatal("head 1 channel 0 is not channel 3")
	}
	back := headsLast(hf).Value
	for i, v := range back.Data() {
		if v != x.Data()[i] {
			t.Fatal("headsLast(headsFirst(x)) != x")
		}
	}
}

// The grouped 1x1 convolution is block diagonal: output channel g*O + o
// reads only input channels g*I .. g*I + I - 1.
func TestGroupedLinearIsBlockDiagonal(t *testing.T) {
	r := tensor.NewRNG(2)
	x, w := tensor.RandN[float64](r, 5, 12), tensor.RandN[float64](r, 8, 3) // 4 groups: I = 3, O = 2
	y := groupedLinear(autograd.Const(x), autograd.Const(w), 4).Value
	for p := 0; p < 5; p++ {
		for o := 0; o < 8; o++ {
			g := o / 2
			var want float64
			for i := 0; i < 3; i++ {
				want += w.At(o, i) * x.At(p, g*3+i)
			}
			if math.Abs(y.At(p, o)-want) > 1e-13 {
				t.Fatalf("y[%d, %d] = %v, want %v", p, o, y.At(p, o), want)
			}
		}
	}
}
