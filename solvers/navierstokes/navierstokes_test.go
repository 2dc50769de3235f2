package navierstokes

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/grf"
	"github.com/surrogo/surrogo/solvers/param"
)

func field(p Params, f func(x, y float64) float64) []float64 {
	x := p.Grid()
	w := make([]float64, p.N*p.N)
	for i := range x {
		for j := range x {
			w[i*p.N+j] = f(x[i], x[j])
		}
	}
	return w
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func solve(t *testing.T, p Params, w0 []float64, times ...float64) [][]float64 {
	t.Helper()
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Solve(context.Background(), w0, times, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTaylorGreen: psi = sin(kx) sin(ky) makes the advection term vanish,
// so w = 2 k^2 sin(kx) sin(ky) e^{-2 nu k^2 t} exactly. ETDRK4 treats the
// viscous term exactly (round-off error); the FNO scheme's Crank-Nicolson
// factor converges at second order.
func TestTaylorGreen(t *testing.T) {
	const k, nu = 3.0, 0.05
	p := Params{Nu: nu, Length: 2 * math.Pi, N: 32, Dt: 0.01}
	w0 := field(p, func(x, y float64) float64 { return 2 * k * k * math.Sin(k*x) * math.Sin(k*y) })
	exact := func(tt float64) []float64 {
		return field(p, func(x, y float64) float64 { return 2 * k * k * math.Sin(k*x) * math.Sin(k*y) * math.Exp(-2*nu*k*k*tt) })
	}
	out := solve(t, p, w0, 1)
	if d := maxDiff(out[0], exact(1)); d > 1e-12 {
		t.Errorf("ETDRK4 Taylor-Green error %.3g, want round-off", d)
	} else {
		t.Logf("ETDRK4 Taylor-Green error at t = 1: %.2e", d)
	}
	s, _ := New(p)
	if e := s.Energy(w0); math.Abs(e-k*k/4) > 1e-12 {
		t.Errorf("energy %v, want k^2/4 = %v", e, k*k/4)
	}
	var errs []float64
	for _, dt := range []float64{0.02, 0.01, 0.005} {
		q := p
		q.Dt, q.Scheme = dt, SchemeFNO
		errs = append(errs, maxDiff(solve(t, q, w0, 1)[0], exact(1)))
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("FNO scheme on Taylor-Green: error %.3g -> %.3g, order %.2f", errs[i-1], errs[i], order)
		if math.Abs(order-2) > 0.1 {
			t.Errorf("Crank-Nicolson order %.2f, want 2", order)
		}
	}
}

// TestLaminarKolmogorov: with forcing A cos(n y) and drag alpha the shear
// flow w_s = A cos(n y) / (nu n^2 + alpha) is steady (its advection term
// vanishes); from rest the solution relaxes to it at rate nu n^2 + alpha.
func TestLaminarKolmogorov(t *testing.T) {
	for _, sch := range []Scheme{SchemeETDRK4, SchemeFNO} {
		// Amplitude 0.05: Reynolds number 0.25, below the Meshalkin-Sinai
		// instability threshold of Kolmogorov flow.
		p := Params{Nu: 0.1, Length: 2 * math.Pi, N: 16, Dt: 0.05, Scheme: sch, Drag: 0.1,
			Forcing: ForcingKolmogorov, Wavenumber: 2, Amplitude: 0.05}
		ws := field(p, func(x, y float64) float64 { return 0.05 * math.Cos(2*y) / (0.1*4 + 0.1) })
		// Start from rest plus a small perturbation.
		w0 := field(p, func(x, y float64) float64 { return 0.01 * math.Sin(x) * math.Cos(3*y) })
		// The linear relaxation rate of the slowest perturbation mode (1, 3)
		// is nu*10 + alpha = 1.1; by t = 60 it is e^-66 smaller.
		out := solve(t, p, w0, 60)
		if d := maxDiff(out[0], ws); d > 1e-8 {
			t.Errorf("%s: distance to the laminar state %.3g", sch, d)
		}
	}
}

// TestTemporalOrders measures the convergence order of both schemes on a
// nonlinear flow from a GRF initial condition (FNO's alpha 2.5, tau 7).
func TestTemporalOrders(t *testing.T) {
	g := grf.Periodic{Dim: 2, N: 32, Alpha: 2.5, Tau: 7, Law: grf.GaussianRF2020}
	w0 := g.Sample(5, 0)
	base := Params{Nu: 1e-2, Length: 1, N: 32, Forcing: ForcingFNO}
	run := func(s Scheme, dt float64) []float64 {
		p := base
		p.Scheme, p.Dt = s, dt
		return solve(t, p, w0, 0.4)[0]
	}
	cases := []struct {
		scheme Scheme
		dts    []float64
		order  float64
	}{
		{SchemeETDRK4, []float64{0.04, 0.02, 0.01}, 4},
		{SchemeFNO, []float64{0.004, 0.002, 0.001}, 1},
	}
	for _, c := range cases {
		ref := run(c.scheme, c.dts[len(c.dts)-1]/16)
		var errs []float64
		for _, dt := range c.dts {
			errs = append(errs, maxDiff(run(c.scheme, dt), ref))
		}
		for i := 1; i < len(errs); i++ {
			order := math.Log2(errs[i-1] / errs[i])
			t.Logf("%s: error %.3g -> %.3g, order %.2f", c.scheme, errs[i-1], errs[i], order)
			if math.Abs(order-c.order) > 0.3 {
				t.Errorf("%s: observed order %.2f, want %.0f", c.scheme, order, c.order)
			}
		}
	}
}

func TestDiagnostics(t *testing.T) {
	g := grf.Periodic{Dim: 2, N: 32, Alpha: 2.5, Tau: 7, Law: grf.GaussianRF2020}
	w := g.Sample(6, 0)
	s, err := New(Params{Nu: 1e-3, Length: 1, N: 32, Dt: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	e := s.Energy(w)
	sum := 0.0
	for _, v := range s.Spectrum(w) {
		sum += v
	}
	if math.Abs(sum-e) > 1e-12*e {
		t.Errorf("spectrum sums to %v, energy %v", sum, e)
	}
	u, v := s.Velocity(w)
	mu, mv := 0.0, 0.0
	for j := range u {
		mu, mv = math.Max(mu, math.Abs(u[j])), math.Max(mv, math.Abs(v[j]))
	}
	if c := s.CFL(w); math.Abs(c-1e-3*(mu+mv)*32) > 1e-15 {
		t.Errorf("CFL %v", c)
	}
	if z := Enstrophy([]float64{1, -1, 2, 0}); z != 0.75 {
		t.Errorf("enstrophy %v", z)
	}
}

func TestBadParams(t *testing.T) {
	good := Params{Nu: 1e-3, Length: 1, N: 64, Dt: 1e-3}
	mut := map[string]func(p *Params){
		"viscosity": func(p *Params) { p.Nu = -1 },
		"grid":      func(p *Params) { p.N = 63 },
		"dt":        func(p *Params) { p.Dt = 0 },
		"scheme":    func(p *Params) { p.Scheme = "rk45" },
		"forcing":   func(p *Params) { p.Forcing = "wind" },
		"kolmo":     func(p *Params) { p.Forcing, p.Wavenumber = ForcingKolmogorov, 30 },
		"drag":      func(p *Params) { p.Drag = math.NaN() },
	}
	for name, m := range mut {
		p := good
		m(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted %+v", name, p)
		}
	}
	s, _ := New(good)
	if _, err := s.Solve(context.Background(), make([]float64, 10), []float64{1}, nil); err == nil || !strings.Contains(err.Error(), "10 values") {
		t.Errorf("wrong size: %v", err)
	}
	if err := checkField([]float64{1, math.Inf(1)}, 10, 0.5, 12); err == nil || !strings.Contains(err.Error(), "t = 0.5 (step 12)") {
		t.Errorf("blow-up check: %v", err)
	}
	if err := checkField([]float64{1e3, 1e3}, 10, 0.5, 12); err == nil || !strings.Contains(err.Error(), "blew up") {
		t.Errorf("growth check: %v", err)
	}
}

// TestResolutionIndependence: the kinetic energy at t = 1 of FNO's forced
// flow at nu = 1e-4 (their V1e-4 setting) from the same GRF initial
// vorticity (generated at 256^2, subsampled to 128^2) agrees within 1%
// between 128^2 and 256^2.
func TestResolutionIndependence(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	g := grf.Periodic{Dim: 2, N: 256, Alpha: 2.5, Tau: 7, Law: grf.GaussianRF2020}
	fine := g.Sample(1, 0)
	coarse := make([]float64, 128*128)
	for i := 0; i < 128; i++ {
		for j := 0; j < 128; j++ {
			coarse[i*128+j] = fine[(2*i)*256+2*j]
		}
	}
	energy := func(n int, w0 []float64) float64 {
		p := Params{Nu: 1e-4, Length: 1, N: n, Dt: 1e-2, Forcing: ForcingFNO}
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Solve(context.Background(), w0, []float64{1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := s.CFL(out[0]); c > 0.5 {
			t.Fatalf("CFL %.2f at n = %d", c, n)
		}
		return s.Energy(out[0])
	}
	e128, e256 := energy(128, coarse), energy(256, fine)
	rel := math.Abs(e128-e256) / e256
	t.Logf("energy at t = 1: %.8g (128^2), %.8g (256^2), relative difference %.2e", e128, e256, rel)
	if rel > 0.01 {
		t.Errorf("energies differ by %.3g%%", 100*rel)
	}
}

// TestValidateNamesTheParameter: each refused parameter is named in a
// *param.Error, so that callers can point at their own key for it.
func TestValidateNamesTheParameter(t *testing.T) {
	good := Params{Nu: 1e-3, Length: 1, N: 64, Dt: 1e-3}
	cases := map[string]func(p *Params){
		"nu":         func(p *Params) { p.Nu = math.Inf(1) },
		"length":     func(p *Params) { p.Length = -1 },
		"n":          func(p *Params) { p.N = 6 },
		"dt":         func(p *Params) { p.Dt = math.NaN() },
		"drag":       func(p *Params) { p.Drag = -0.1 },
		"amplitude":  func(p *Params) { p.Amplitude = math.NaN() },
		"scheme":     func(p *Params) { p.Scheme = "rk45" },
		"forcing":    func(p *Params) { p.Forcing = "wind" },
		"wavenumber": func(p *Params) { p.Forcing, p.Wavenumber = ForcingKolmogorov, 30 },
	}
	for name, bad := range cases {
		p := good
		bad(&p)
		var pe *param.Error
		if err := p.Validate(); !errors.As(err, &pe) || pe.Param != name {
			t.Errorf("%+v: error %v, want a *param.Error naming %s", p, err, name)
		}
	}
}
