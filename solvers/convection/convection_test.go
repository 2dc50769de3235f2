package convection

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/param"
)

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func TestConvectionDiffusionExact(t *testing.T) {
	for _, c := range []struct{ beta, nu float64 }{{1, 0}, {30, 0}, {50, 0}, {1, 0.01}, {10, 0.5}} {
		p := Params{Beta: c.beta, Nu: c.nu, N: 256}
		x := p.Grid()
		u0 := make([]float64, p.N)
		for j := range u0 {
			u0[j] = math.Sin(x[j])
		}
		times := []float64{0, 0.3, 1}
		out, err := Solve(context.Background(), p, u0, times)
		if err != nil {
			t.Fatal(err)
		}
		for i, tt := range times {
			want := make([]float64, p.N)
			for j := range want {
				want[j] = math.Exp(-c.nu*tt) * math.Sin(x[j]-c.beta*tt)
			}
			if d := maxDiff(out[i], want); d > 1e-12 {
				t.Errorf("beta %g nu %g t %g: error %.3g against e^{-nu t} sin(x - beta t)", c.beta, c.nu, tt, d)
			}
		}
	}
}

func TestReactionExact(t *testing.T) {
	p := Params{Rho: 5, N: 64}
	x := p.Grid()
	u0 := make([]float64, p.N)
	for j := range u0 {
		// The failure-modes initial condition: a Gaussian bump.
		u0[j] = math.Exp(-math.Pow(x[j]-math.Pi, 2) / (2 * math.Pow(math.Pi/4, 2)))
	}
	out, err := Solve(context.Background(), p, u0, []float64{1})
	if err != nil {
		t.Fatal(err)
	}
	// Against classical RK4 on u' = rho u (1 - u) with 10^4 steps.
	for j, v := range u0 {
		u, h := v, 1e-4
		f := func(u float64) float64 { return 5 * u * (1 - u) }
		for s := 0; s < 10000; s++ {
			k1 := f(u)
			k2 := f(u + h/2*k1)
			k3 := f(u + h/2*k2)
			k4 := f(u + h*k3)
			u += h / 6 * (k1 + 2*k2 + 2*k3 + k4)
		}
		if math.Abs(out[0][j]-u) > 1e-12 {
			t.Fatalf("point %d: exact %v, RK4 %v", j, out[0][j], u)
		}
	}
}

func TestStrangSecondOrder(t *testing.T) {
	base := Params{Nu: 0.5, Rho: 3, N: 64}
	x := base.Grid()
	u0 := make([]float64, base.N)
	for j := range u0 {
		u0[j] = 0.5 + 0.4*math.Sin(x[j])
	}
	run := func(dt float64) []float64 {
		p := base
		p.Dt = dt
		out, err := Solve(context.Background(), p, u0, []float64{0.5})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	ref := run(1e-4)
	var errs []float64
	for _, dt := range []float64{0.05, 0.025, 0.0125} {
		errs = append(errs, maxDiff(run(dt), ref))
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("splitting error %.3g -> %.3g: order %.2f", errs[i-1], errs[i], order)
		if math.Abs(order-2) > 0.15 {
			t.Errorf("observed splitting order %.2f, want 2", order)
		}
	}
}

func TestBadParams(t *testing.T) {
	cases := map[string]Params{
		"viscosity":   {Nu: -1, N: 8},
		"rho":         {Rho: -2, N: 8},
		"grid":        {N: 1},
		"dt":          {Nu: 1, Rho: 1, N: 8},
		"beta with ρ": {Beta: 1, Rho: 1, N: 8},
		"finite":      {Beta: math.NaN(), N: 8},
	}
	for name, p := range cases {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, p)
		}
	}
	_, err := Solve(context.Background(), Params{N: 8}, []float64{1, 2}, []float64{1})
	if err == nil || !strings.Contains(err.Error(), "2 points, grid has 8") {
		t.Errorf("short initial condition: %v", err)
	}
	// A splitting step so small its count overflows would take zero steps
	// and return u0 as u(t): refused instead.
	tiny := Params{Nu: 0.5, Rho: 3, N: 8, Dt: 1e-300}
	_, err = Solve(context.Background(), tiny, make([]float64, 8), []float64{0, 1})
	if err == nil || !strings.Contains(err.Error(), "steps") {
		t.Errorf("dt = 1e-300: %v, want a step-count error", err)
	}
}

// TestValidateNamesTheParameter: each refused parameter is named in a
// *param.Error, so that callers can point at their own key for it.
func TestValidateNamesTheParameter(t *testing.T) {
	cases := map[string][]Params{
		"beta":   {{Beta: math.Inf(-1), N: 8}},
		"nu":     {{Nu: -1, N: 8}, {Nu: math.NaN(), N: 8}},
		"rho":    {{Rho: -2, N: 8}, {Rho: math.Inf(1), N: 8}, {Beta: 1, Rho: 1, N: 8}},
		"length": {{Length: -1, N: 8}},
		"n":      {{N: 1}},
		"dt":     {{Nu: 1, Rho: 1, N: 8, Dt: -1}},
	}
	for name, ps := range cases {
		for _, p := range ps {
			var pe *param.Error
			if err := p.Validate(); !errors.As(err, &pe) || pe.Param != name {
				t.Errorf("%+v: error %v, want a *param.Error naming %s", p, err, name)
			}
		}
	}
}
