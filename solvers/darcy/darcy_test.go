package darcy

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/grf"
	"github.com/surrogo/surrogo/solvers/param"
)

// manufactured: a = 1 + x^2 + y, u = sin(pi x) sin(pi y),
// f = -div(a grad u) = 2 pi^2 a u - 2 pi x cos(pi x) sin(pi y) - pi sin(pi x) cos(pi y).
func manufactured(n int) (a, f, u []float64) {
	p := Params{N: n}
	x := p.Grid()
	a, f, u = make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	for i, xi := range x {
		for j, yj := range x {
			k := i*n + j
			a[k] = 1 + xi*xi + yj
			u[k] = math.Sin(math.Pi*xi) * math.Sin(math.Pi*yj)
			f[k] = 2*math.Pi*math.Pi*a[k]*u[k] - 2*math.Pi*xi*math.Cos(math.Pi*xi)*math.Sin(math.Pi*yj) -
				math.Pi*math.Sin(math.Pi*xi)*math.Cos(math.Pi*yj)
		}
	}
	return a, f, u
}

func TestManufacturedSecondOrder(t *testing.T) {
	for _, mean := range []Mean{Arithmetic, Harmonic} {
		var errs []float64
		grids := []int{17, 33, 65, 129}
		for _, n := range grids {
			a, f, exact := manufactured(n)
			u, st, err := Solve(context.Background(), Params{N: n, Mean: mean}, a, f)
			if err != nil {
				t.Fatal(err)
			}
			e := 0.0
			for k := range u {
				e = math.Max(e, math.Abs(u[k]-exact[k]))
			}
			errs = append(errs, e)
			if st.Residual > 1e-10 {
				t.Fatalf("residual %g", st.Residual)
			}
		}
		for i := 1; i < len(errs); i++ {
			order := math.Log2(errs[i-1] / errs[i])
			t.Logf("%s: n %d -> %d: max error %.3g -> %.3g, order %.3f", mean, grids[i-1], grids[i], errs[i-1], errs[i], order)
			if math.Abs(order-2) > 0.1 {
				t.Errorf("%s: observed order %.3f, want 2.0 +- 0.1", mean, order)
			}
		}
	}
}

// TestPiecewiseConstantConverges solves FNO's thresholded coefficient
// (12 / 3 from a Neumann GRF) with f = 1 on nested grids and checks that
// the differences to the finest grid shrink with refinement; the observed
// order is logged (below 2: the coefficient jumps).
func TestPiecewiseConstantConverges(t *testing.T) {
	const fine = 257
	g := grf.Neumann{N: 9, Alpha: 2, Tau: 3}
	coarse := grf.Threshold(g.Sample(4, 0), 12, 3) // 9 x 9 pattern of blocks
	coef := func(n int) []float64 {
		// Piecewise constant on the 8 x 8 cells of the 9 x 9 pattern, sampled at nodes.
		a := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				ci := min(int(float64(i)/float64(n-1)*8), 8)
				cj := min(int(float64(j)/float64(n-1)*8), 8)
				a[i*n+j] = coarse[ci*9+cj]
			}
		}
		return a
	}
	ones := func(n int) []float64 {
		f := make([]float64, n*n)
		for i := range f {
			f[i] = 1
		}
		return f
	}
	ref, _, err := Solve(context.Background(), Params{N: fine, Mean: Harmonic}, coef(fine), ones(fine))
	if err != nil {
		t.Fatal(err)
	}
	var errs []float64
	grids := []int{17, 33, 65}
	for _, n := range grids {
		u, _, err := Solve(context.Background(), Params{N: n, Mean: Harmonic}, coef(n), ones(n))
		if err != nil {
			t.Fatal(err)
		}
		step := (fine - 1) / (n - 1)
		e := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				e = math.Max(e, math.Abs(u[i*n+j]-ref[(i*step)*fine+j*step]))
			}
		}
		errs = append(errs, e)
	}
	for i := 1; i < len(errs); i++ {
		t.Logf("n %d -> %d: difference to n = %d %.3g -> %.3g, order %.2f", grids[i-1], grids[i], fine, errs[i-1], errs[i], math.Log2(errs[i-1]/errs[i]))
		if !(errs[i] < errs[i-1]*0.6) {
			t.Errorf("no convergence: %.3g -> %.3g", errs[i-1], errs[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	if (Params{N: 2}).Validate() == nil || (Params{N: 9, Mean: "geometric"}).Validate() == nil || (Params{N: 9, Tol: 2}).Validate() == nil {
		t.Fatal("bad params accepted")
	}
	a := make([]float64, 25)
	f := make([]float64, 25)
	for i := range a {
		a[i] = 1
	}
	a[7] = -1
	_, _, err := Solve(context.Background(), Params{N: 5}, a, f)
	if err == nil || !strings.Contains(err.Error(), "node (1, 2)") {
		t.Errorf("negative coefficient: %v", err)
	}
	_, _, err = Solve(context.Background(), Params{N: 5}, a[:10], f)
	if err == nil || !strings.Contains(err.Error(), "needs 25") {
		t.Errorf("wrong size: %v", err)
	}
	_, _, err = Solve(context.Background(), Params{N: 65, MaxIter: 3}, make65(), make65())
	if err == nil || !strings.Contains(err.Error(), "after 3 iterations") {
		t.Errorf("iteration cap: %v", err)
	}
}

func make65() []float64 {
	v := make([]float64, 65*65)
	for i := range v {
		v[i] = 1
	}
	return v
}

// TestValidateNamesTheParameter: each refused parameter is named in a
// *param.Error, so that callers can point at their own key for it.
func TestValidateNamesTheParameter(t *testing.T) {
	cases := map[string]Params{
		"n":       {N: 2},
		"tol":     {N: 9, Tol: 2},
		"maxiter": {N: 9, MaxIter: -1},
		"mean":    {N: 9, Mean: "geometric"},
	}
	for name, p := range cases {
		var pe *param.Error
		if err := p.Validate(); !errors.As(err, &pe) || pe.Param != name {
			t.Errorf("%+v: error %v, want a *param.Error naming %s", p, err, name)
		}
	}
}
