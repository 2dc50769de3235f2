package monge

import (
	"math"
	"testing"
)

// TestEquidistribute1DExact compares with monitors whose cumulative
// integral M has a closed form: the exact nodes solve M(x) = p/(N-1) M(1)
// by bisection to rounding.
func TestEquidistribute1DExact(t *testing.T) {
	const a, x0, d = 20.0, 0.4, 0.05
	tests := []struct {
		name string
		m    func(float64) float64
		cum  func(float64) float64
		tol  float64 // node error
		res  float64 // cell residual
	}{
		// Linear m: the trapezoid rule and the quadratic inversion are exact.
		{"linear 1+3x", func(x float64) float64 { return 1 + 3*x },
			func(x float64) float64 { return x + 1.5*x*x }, 1e-14, 1e-13},
		// tanh front: m = 1 + a sech^2((x - x0)/d), M = x + a d tanh((x - x0)/d).
		{"tanh front", func(x float64) float64 { c := math.Cosh((x - x0) / d); return 1 + a/(c*c) },
			func(x float64) float64 { return x + a*d*(math.Tanh((x-x0)/d)-math.Tanh(-x0/d)) }, 1e-10, 1e-8},
	}
	for _, tc := range tests {
		const nodes = 49
		x, err := Equidistribute1D(tc.m, nodes, 1<<18)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for p, xp := range x {
			worst = math.Max(worst, math.Abs(xp-exactNode(tc.cum, float64(p)/(nodes-1))))
		}
		res, err := Residual1D(tc.m, x, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: max node error %.2e, cell residual %.2e", tc.name, worst, res)
		if worst > tc.tol || res > tc.res {
			t.Errorf("%s: node error %.3g, residual %.3g; want <= %g and <= %g", tc.name, worst, res, tc.tol, tc.res)
		}
	}
}

// exactNode solves cum(x) = f cum(1) for x in [0, 1] by bisection.
func exactNode(cum func(float64) float64, f float64) float64 {
	lo, hi, t := 0.0, 1.0, f*cum(1)
	for range 200 {
		mid := (lo + hi) / 2
		if cum(mid)-cum(0) < t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func TestEquidistribute1DErrors(t *testing.T) {
	one := func(float64) float64 { return 1 }
	_, err := Equidistribute1D(func(x float64) float64 { return x - 0.5 }, 10, 100)
	wantErr(t, "negative monitor", err, "m(0) = -0.5", "fine node 0", "> 0")
	_, err = Equidistribute1D(func(x float64) float64 { return math.Inf(1) }, 10, 100)
	wantErr(t, "infinite monitor", err, "+Inf", "finite")
	_, err = Equidistribute1D(one, 1, 100)
	wantErr(t, "one node", err, "1 nodes", "nodes >= 2")
	_, err = Equidistribute1D(nil, 10, 100)
	wantErr(t, "nil", err, "nil monitor")
	_, err = Residual1D(one, []float64{0, 0.6, 0.5, 1}, 100)
	wantErr(t, "unordered", err, "node 2 at 0.5", "increasing")
	_, err = Residual1D(one, []float64{0, 0.5}, 100)
	wantErr(t, "ends", err, "end nodes", "want 0 and 1")
	if r, err := Residual1D(one, []float64{0, 0.25, 0.5, 0.75, 1}, 8); err != nil || r > 1e-15 {
		t.Errorf("uniform nodes, constant monitor: residual %g (%v); want 0", r, err)
	}
}
