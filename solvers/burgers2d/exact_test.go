package burgers2d

import (
	"context"
	"math"
	"testing"

	"github.com/surrogo/surrogo/solvers/burgers"
)

// heatModes is theta of the Cole-Hopf test: four modes, a0 = 1.5 sum |A|
// (theta >= a0 / 3 > 0), steep enough at nu 0.02 to need ~48 points for 1e-13.
var heatModes = []Mode{{1, 0, 1, 0.3}, {0, 1, 0.8, 1.1}, {1, 1, 0.6, 2.0}, {2, -1, 0.4, 0.7}}

const heatA0 = 1.5 * (1 + 0.8 + 0.6 + 0.4)

func maxDiff(a, b []float64) float64 {
	e := 0.0
	for j := range a {
		e = math.Max(e, math.Abs(a[j]-b[j]))
	}
	return e
}

// solveColeHopf runs the vector system from the Cole-Hopf field at t = 0
// and returns the max error against it at tEnd.
func solveColeHopf(t *testing.T, nu float64, n int, dt, tEnd float64) float64 {
	t.Helper()
	p := Params{Nu: nu, N: n, Dt: dt}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Solve(context.Background(), ColeHopfField(p, heatA0, heatModes, 0), []float64{tEnd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := ColeHopfField(p, heatA0, heatModes, tEnd)
	return math.Max(maxDiff(out[0].U, want.U), maxDiff(out[0].V, want.V))
}

// TestColeHopfSpectralConvergence compares the vector system with the
// exact Cole-Hopf solution: the error falls at least 10-fold per grid
// step and ends below the tolerance.
func TestColeHopfSpectralConvergence(t *testing.T) {
	cases := []struct {
		nu, dt, tEnd float64
		grids        []int
		tol          float64
	}{
		{0.05, 2.5e-3, 0.5, []int{12, 16, 24, 32}, 1e-10},
		{0.02, 2.5e-3, 0.5, []int{16, 24, 32, 48}, 1e-10},
	}
	for _, c := range cases {
		var errs []float64
		for _, n := range c.grids {
			errs = append(errs, solveColeHopf(t, c.nu, n, c.dt, c.tEnd))
		}
		t.Logf("nu %g t %g: max errors %.2e on grids %v", c.nu, c.tEnd, errs, c.grids)
		for i := 1; i < len(errs); i++ {
			if !(errs[i] < errs[i-1]/10) && errs[i] > 1e-11 {
				t.Errorf("nu %g: error %.3g on %d^2 did not fall 10-fold from %.3g on %d^2", c.nu, errs[i], c.grids[i], errs[i-1], c.grids[i-1])
			}
		}
		if last := errs[len(errs)-1]; !(last < c.tol) {
			t.Errorf("nu %g: final error %.3g, want below %.1g", c.nu, last, c.tol)
		}
	}
}

// TestColeHopfTemporalOrder checks ETDRK4's fourth order in time against
// the exact solution on a grid fine enough for the spatial error to be
// negligible.
func TestColeHopfTemporalOrder(t *testing.T) {
	dts := []float64{0.04, 0.02, 0.01}
	var errs []float64
	for _, dt := range dts {
		errs = append(errs, solveColeHopf(t, 0.02, 32, dt, 0.8))
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("dt %g -> %g: error %.3g -> %.3g, order %.2f", dts[i-1], dts[i], errs[i-1], errs[i], order)
		if order < 3.6 || order > 4.6 {
			t.Errorf("observed temporal order %.2f, want 4 (3.6..4.6)", order)
		}
	}
}

// TestScalarDiagonalReduction checks the scalar equation against the
// exact 1-D reduction: u = g(x + y, t) solves it when w = 2g solves the
// 1-D Burgers equation w_t + w w_s = 2 nu w_ss, so u0 = A sin(2 pi (x+y))
// gives u = burgers.ColeHopf(2 nu, -2A, 2 pi, x + y, t) / 2.
func TestScalarDiagonalReduction(t *testing.T) {
	const nu, amp, tEnd = 0.02, 0.5, 0.3
	grids := []int{24, 32, 48, 64}
	var errs []float64
	for _, n := range grids {
		p := Params{Nu: nu, N: n, Dt: 2e-3, Equation: EquationScalar}
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		x := p.Grid()
		u0, want := make([]float64, n*n), make([]float64, n*n)
		for i := range x {
			for j := range x {
				u0[i*n+j] = amp * math.Sin(2*math.Pi*(x[i]+x[j]))
				want[i*n+j] = burgers.ColeHopf(2*nu, -2*amp, 2*math.Pi, x[i]+x[j], tEnd) / 2
			}
		}
		out, err := s.Solve(context.Background(), Field{U: u0}, []float64{tEnd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, maxDiff(out[0].U, want))
	}
	t.Logf("scalar nu %g t %g: max errors %.2e on grids %v", nu, tEnd, errs, grids)
	for i := 1; i < len(errs); i++ {
		if !(errs[i] < errs[i-1]/5) && errs[i] > 1e-10 {
			t.Errorf("error %.3g on %d^2 did not fall 5-fold from %.3g", errs[i], grids[i], errs[i-1])
		}
	}
	if last := errs[len(errs)-1]; !(last < 1e-8) {
		t.Errorf("final error %.3g, want below 1e-8", last)
	}
}
