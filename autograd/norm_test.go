package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// composedNormalize is the normalisation as the layers composed it before
// Normalize existed (8 ops): the reference for the fused op.
func composedNormalize[T tensor.Float](x *Var[T], axes []int, eps float64, unbiased bool) *Var[T] {
	n := x.Value.Len() / max(tensor.Size(tensor.ReducedShape(x.Shape(), axes, true)), 1)
	xc := Sub(x, MeanAxes(x, axes, true))
	div := float64(n)
	if unbiased && n > 1 {
		div = float64(n - 1)
	}
	variance := Scale(SumAxes(Square(xc), axes, true), T(1/div))
	return Div(xc, Sqrt(AddScalar(variance, T(eps))))
}

// normPattern is an axis pattern the layers use, with its shape as a
// function of a size m.
type normPattern struct {
	name  string
	shape func(m int) []int
	axes  []int
}

var normPatterns = []normPattern{
	{"last axis (LayerNorm)", func(m int) []int { return []int{2, 3, m} }, []int{-1}},
	{"last two axes", func(m int) []int { return []int{3, m, 2} }, []int{1, 2}},
	{"grid of [B,s1,s2,C]", func(m int) []int { return []int{2, m, 3, 4} }, []int{1, 2}},
	{"grid of [B,s,C]", func(m int) []int { return []int{2, m, 3} }, []int{1}},
	{"axis 2 of [B,H,n]", func(m int) []int { return []int{2, 3, m} }, []int{2}},
	{"axes 1,3 of [B,n,g,c]", func(m int) []int { return []int{2, m, 3, 2} }, []int{1, 3}},
	{"leading axis", func(m int) []int { return []int{m, 4} }, []int{0}},
	{"all axes", func(m int) []int { return []int{m, 3} }, nil},
	{"no axes (each entry a group)", func(m int) []int { return []int{m, 3} }, []int{}},
}

func TestNormalizeGradients(t *testing.T) {
	for _, p := range normPatterns {
		for _, unbiased := range []bool{false, true} {
			name := fmt.Sprintf("%s unbiased=%v", p.name, unbiased)
			t.Run(name, func(t *testing.T) {
				f := func(x []*Var[float64]) *Var[float64] { return Normalize(x[0], p.axes, 1e-5, unbiased) }
				x := tensor.RandN[float64](tensor.NewRNG(7), p.shape(3)...)
				checkGrad(t, f, []*tensor.Tensor[float64]{x}, true)
			})
		}
	}
}

// TestNormalizeSecondOrder differentiates a nonlinear function of the
// createGraph gradient, L2 = sum((dL/dx)^2) with L = sum(tanh(y) proj),
// and compares dL2/dx with central differences of L2.
func TestNormalizeSecondOrder(t *testing.T) {
	for _, p := range normPatterns {
		for _, unbiased := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s unbiased=%v", p.name, unbiased), func(t *testing.T) {
				checkGradOfGrad(t, p.shape(3), p.axes, unbiased)
			})
		}
	}
}

func checkGradOfGrad(t *testing.T, shape, axes []int, unbiased bool) {
	r := tensor.NewRNG(8)
	x0 := tensor.RandN[float64](r, shape...)
	proj := tensor.RandN[float64](r, shape...)
	l2 := func(x *Var[float64]) *Var[float64] {
		l := Sum(Mul(Tanh(Normalize(x, axes, 1e-3, unbiased)), Const(proj)))
		g, err := Grad([]*Var[float64]{l}, []*Var[float64]{x}, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		return Sum(Square(g[0]))
	}
	x := Param(x0.Clone())
	got, err := Grad([]*Var[float64]{l2(x)}, []*Var[float64]{x}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	var worst float64
	for j := range x0.Data() {
		shifted := func(dx float64) float64 {
			v := x0.Clone()
			v.Data()[j] += dx
			return l2(Param(v)).Value.Item()
		}
		num := (shifted(h) - shifted(-h)) / (2 * h)
		e := math.Abs(got[0].Value.Data()[j]-num) / math.Max(1, math.Abs(num))
		worst = math.Max(worst, e)
		if e > 1e-6 {
			t.Fatalf("entry %d: d/dx sum((dL/dx)^2) = %.10g, finite difference %.10g", j, got[0].Value.Data()[j], num)
		}
	}
	t.Logf("max relative error %.1e", worst)
}

// normOutputs returns Normalize's (or the composed reference's) value and
// the first-order gradient of sum(y proj) with respect to x.
func normOutputs[T tensor.Float](t *testing.T, fused bool, x, proj *tensor.Tensor[T], axes []int, unbiased, createGraph bool) (y, dx *tensor.Tensor[T]) {
	t.Helper()
	v := Param(x.Clone())
	var out *Var[T]
	if fused {
		out = Normalize(v, axes, 1e-5, unbiased)
	} else {
		out = composedNormalize(v, axes, 1e-5, unbiased)
	}
	g, err := Grad([]*Var[T]{Sum(Mul(out, Const(proj)))}, []*Var[T]{v}, nil, createGraph)
	if err != nil {
		t.Fatal(err)
	}
	return out.Value, g[0].Value
}

// maxRelDiff is max |a - b| / max(1, |b|).
func maxRelDiff[T tensor.Float](a, b *tensor.Tensor[T]) float64 {
	var worst float64
	for i, v := range a.Data() {
		w := float64(b.Data()[i])
		worst = math.Max(worst, math.Abs(float64(v)-w)/math.Max(1, math.Abs(w)))
	}
	return worst
}

// TestNormalizeMatchesComposed: the fused forward and first-order backward
// equal the composed ops to float64 rounding (1e-12), and in float32 are
// within a few float32 ulps of the float64 result.
func TestNormalizeMatchesComposed(t *testing.T) {
	for _, p := range normPatterns {
		for _, m := range []int{1, 3, 7, 33} {
			for _, unbiased := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s m=%d unbiased=%v", p.name, m, unbiased), func(t *testing.T) {
					compareWithComposed(t, p.shape(m), p.axes, unbiased)
				})
			}
		}
	}
}

func compareWithComposed(t *testing.T, shape, axes []int, unbiased bool) {
	r := tensor.NewRNG(uint64(tensor.Size(shape)))
	// Inputs exactly representable in float32, so that the float32 runs
	// differ from the float64 ones by their arithmetic only.
	x := tensor.Convert[float64](tensor.AddScalar(tensor.Scale(tensor.RandN[float32](r, shape...), 2), 3))
	proj := tensor.Convert[float64](tensor.RandN[float32](r, shape...))
	y, dx := normOutputs(t, true, x, proj, axes, unbiased, false)
	yc, dxc := normOutputs(t, false, x, proj, axes, unbiased, false)
	if e := max(maxRelDiff(y, yc), maxRelDiff(dx, dxc)); e > 1e-12 {
		t.Fatalf("float64: fused and composed differ by %.2g", e)
	}
	x32, proj32 := tensor.Convert[float32](x), tensor.Convert[float32](proj)
	y32, dx32 := normOutputs(t, true, x32, proj32, axes, unbiased, false)
	yc32, dxc32 := normOutputs(t, false, x32, proj32, axes, unbiased, false)
	fusedErr := max(maxRelDiff(tensor.Convert[float64](y32), y), maxRelDiff(tensor.Convert[float64](dx32), dx))
	composedErr := max(maxRelDiff(tensor.Convert[float64](yc32), y), maxRelDiff(tensor.Convert[float64](dxc32), dx))
	t.Logf("float32 error against float64: fused %.2g, composed %.2g", fusedErr, composedErr)
	if fusedErr > 4e-7 { // a few float32 ulps (the composed ops reach 2.4e-6)
		t.Fatalf("float32 error against float64: fused %.2g, composed %.2g", fusedErr, composedErr)
	}
}

// TestNormalizeCreateGraphMatchesFused: the composed backward (createGraph)
// and the fused kernel give the same first-order gradient.
func TestNormalizeCreateGraphMatchesFused(t *testing.T) {
	for _, p := range normPatterns {
		for _, unbiased := range []bool{false, true} {
			shape := p.shape(7)
			r := tensor.NewRNG(3)
			x, proj := tensor.RandN[float64](r, shape...), tensor.RandN[float64](r, shape...)
			_, fused := normOutputs(t, true, x, proj, p.axes, unbiased, false)
			_, composed := normOutputs(t, true, x, proj, p.axes, unbiased, true)
			if e := maxRelDiff(fused, composed); e > 1e-13 {
				t.Errorf("%s unbiased=%v: createGraph and fused gradients differ by %.2g", p.name, unbiased, e)
			}
		}
	}
}

// TestNormalizeStatistics: every group of the output has mean 0 and
// variance var/(var + eps) (biased) or the same with d = n - 1.
func TestNormalizeStatistics(t *testing.T) {
	x := tensor.AddScalar(tensor.Scale(tensor.RandN[float64](tensor.NewRNG(4), 2, 5, 3, 4), 3), 7)
	for _, unbiased := range []bool{false, true} {
		y := Normalize(Const(x), []int{1, 3}, 0, unbiased).Value
		for b := 0; b < 2; b++ {
			for c := 0; c < 3; c++ {
				var s, s2 float64
				for i := 0; i < 5; i++ {
					for k := 0; k < 4; k++ {
						v := y.At(b, i, c, k)
						s, s2 = s+v, s2+v*v
					}
				}
				d := 20.0
				if unbiased {
					d = 19
				}
				if math.Abs(s) > 1e-12 || math.Abs(s2/d-1) > 1e-12 {
					t.Fatalf("unbiased=%v group (%d, %d): sum %g, sum of squares / d %g", unbiased, b, c, s, s2/d)
				}
			}
		}
	}
}

// TestNormalizeWorkers: slabs run in parallel give the same bits as one
// worker (each slab's statistics are summed by one worker, in order).
func TestNormalizeWorkers(t *testing.T) {
	r := tensor.NewRNG(6)
	x, proj := tensor.RandN[float32](r, 8, 512, 4, 8), tensor.RandN[float32](r, 8, 512, 4, 8)
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	y1, dx1 := normOutputs(t, true, x, proj, []int{1, 3}, false, false)
	parallel.SetWorkers(4)
	y4, dx4 := normOutputs(t, true, x, proj, []int{1, 3}, false, false)
	if e := max(maxRelDiff(y1, y4), maxRelDiff(dx1, dx4)); e != 0 {
		t.Errorf("1 and 4 workers differ by %.2g", e)
	}
}
