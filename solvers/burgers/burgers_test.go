package burgers

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/param"
)

func solveSine(t *testing.T, nu float64, n int, dt, tEnd float64) (Params, []float64) {
	t.Helper()
	p := Params{Nu: nu, Length: 1, N: n, Dt: dt}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	u0 := make([]float64, n)
	for j, x := range p.Grid() {
		u0[j] = math.Sin(2 * math.Pi * x)
	}
	out, err := s.Solve(context.Background(), u0, []float64{tEnd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, out[0]
}

func maxErrVsColeHopf(p Params, u []float64, tEnd float64) float64 {
	e := 0.0
	for j, x := range p.Grid() {
		// u0 = sin(2 pi x) = -a sin(omega x) with a = -1, omega = 2 pi.
		e = math.Max(e, math.Abs(u[j]-ColeHopf(p.Nu, -1, 2*math.Pi, x, tEnd)))
	}
	return e
}

// TestColeHopfAgreementAndSpectralConvergence compares the solver with the
// exact solution for u0 = sin(2 pi x) on [0, 1) at several viscosities,
// including a steep front (nu = 0.002 at t = 0.25), and shows the error
// falling exponentially with the grid size.
func TestColeHopfAgreementAndSpectralConvergence(t *testing.T) {
	cases := []struct {
		nu, tEnd float64
		grids    []int
		finalTol float64
	}{
		{0.1, 0.5, []int{16, 24, 32, 48}, 1e-9},
		{0.02, 0.3, []int{32, 64, 96, 128}, 1e-8},
		{0.002, 0.25, []int{256, 512, 768, 1024, 1536}, 1e-7},
	}
	for _, c := range cases {
		var errs []float64
		for _, n := range c.grids {
			p, u := solveSine(t, c.nu, n, 2e-4, c.tEnd)
			errs = append(errs, maxErrVsColeHopf(p, u, c.tEnd))
		}
		t.Logf("nu %g t %g: max errors %.2e on grids %v", c.nu, c.tEnd, errs, c.grids)
		for i := 1; i < len(errs); i++ {
			if !(errs[i] < errs[i-1]/3) && errs[i] > 1e-11 {
				t.Errorf("nu %g: error %.3g on %d points did not fall fast enough from %.3g on %d", c.nu, errs[i], c.grids[i], errs[i-1], c.grids[i-1])
			}
		}
		if last := errs[len(errs)-1]; last > c.finalTol {
			t.Errorf("nu %g: final error %.3g above %.1g", c.nu, last, c.finalTol)
		}
	}
}

// TestTemporalOrder checks ETDRK4's fourth-order convergence in time.
func TestTemporalOrder(t *testing.T) {
	ref := func(dt float64) []float64 { _, u := solveSine(t, 0.05, 32, dt, 0.2); return u }
	fine := ref(1e-4)
	var errs []float64
	for _, dt := range []float64{0.02, 0.01, 0.005} {
		u := ref(dt)
		e := 0.0
		for j := range u {
			e = math.Max(e, math.Abs(u[j]-fine[j]))
		}
		errs = append(errs, e)
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("dt halved: error %.3g -> %.3g, order %.2f", errs[i-1], errs[i], order)
		if order < 3.7 {
			t.Errorf("observed temporal order %.2f, want about 4", order)
		}
	}
}

// TestBasdevantBenchmark reproduces the classic benchmark of Basdevant et
// al. (1986), "Spectral and finite difference solutions of the Burgers
// equation", Computers & Fluids 14:23-41: u0 = -sin(pi x) on [-1, 1],
// nu = 0.01/pi. The maximum over time of max_x |u_x| is 152.00516, reached
// at t = 1.6037/pi (values quoted throughout the later literature on this
// test case).
func TestBasdevantBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	p := Params{Nu: 0.01 / math.Pi, Length: 2, X0: -1, N: 4096, Dt: 1e-4}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	u0 := make([]float64, p.N)
	for j, x := range p.Grid() {
		u0[j] = -math.Sin(math.Pi * x)
	}
	type sample struct{ t, g float64 }
	var series []sample
	observe := func(tt float64, step int, v []complex128) error {
		if tt < 0.49 || tt > 0.53 {
			return nil
		}
		ux := s.Derivative(v)
		best, bj := 0.0, 0
		for j, g := range ux {
			if math.Abs(g) > best {
				best, bj = math.Abs(g), j
			}
		}
		// Parabola through the three points around the grid maximum.
		gm, g0, gp := math.Abs(ux[(bj-1+p.N)%p.N]), best, math.Abs(ux[(bj+1)%p.N])
		den := gm - 2*g0 + gp
		peak := g0
		if den < 0 {
			off := 0.5 * (gm - gp) / den
			peak = g0 - 0.25*(gm-gp)*off
		}
		series = append(series, sample{tt, peak})
		return nil
	}
	if _, err := s.Solve(context.Background(), u0, []float64{0.53}, observe); err != nil {
		t.Fatal(err)
	}
	bi := 0
	for i, smp := range series {
		if smp.g > series[bi].g {
			bi = i
		}
	}
	if bi == 0 || bi == len(series)-1 {
		t.Fatalf("maximum at the edge of the window: t = %v", series[bi].t)
	}
	a, b, c := series[bi-1], series[bi], series[bi+1]
	h := b.t - a.t
	den := a.g - 2*b.g + c.g
	off := 0.5 * (a.g - c.g) / den
	tMax := b.t + off*h
	gMax := b.g - 0.25*(a.g-c.g)*off
	t.Logf("max |u_x| = %.6f at t = %.6f (pi t = %.5f); reference 152.00516 at pi t = 1.6037", gMax, tMax, math.Pi*tMax)
	if math.Abs(gMax-152.00516) > 0.5e-2 {
		t.Errorf("max |u_x| = %.6f, reference 152.00516 (5 significant digits)", gMax)
	}
	if math.Abs(math.Pi*tMax-1.6037) > 0.5e-4 {
		t.Errorf("pi t* = %.6f, reference 1.6037", math.Pi*tMax)
	}
}

// TestMovingShock checks the LPINN case u0 = sin x + C on [0, 2 pi):
// by Galilean invariance u(x, t) = C + w(x - C t, t) with w the solution
// for C = 0, here compared against the Cole-Hopf solution of w.
func TestMovingShock(t *testing.T) {
	const nu, tEnd = 0.01, 1.0
	for _, c := range []float64{0, 2, 5} {
		p := Params{Nu: nu, Length: 2 * math.Pi, N: 1024, Dt: 5e-4}
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		u0 := make([]float64, p.N)
		for j, x := range p.Grid() {
			u0[j] = math.Sin(x) + c
		}
		out, err := s.Solve(context.Background(), u0, []float64{tEnd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := 0.0
		for j, x := range p.Grid() {
			want := c + ColeHopf(nu, -1, 1, x-c*tEnd, tEnd)
			e = math.Max(e, math.Abs(out[0][j]-want))
		}
		t.Logf("C = %g: max error %.2e", c, e)
		if e > 1e-6 {
			t.Errorf("C = %g: max error %.3g against the shifted Cole-Hopf solution", c, e)
		}
	}
}

func TestBadInput(t *testing.T) {
	bad := []Params{
		{Nu: 0, Length: 1, N: 64, Dt: 1e-3},
		{Nu: -1, Length: 1, N: 64, Dt: 1e-3},
		{Nu: 0.1, Length: 1, N: 63, Dt: 1e-3},
		{Nu: 0.1, Length: 0, N: 64, Dt: 1e-3},
		{Nu: 0.1, Length: 1, N: 64, Dt: 0},
		{Nu: math.Inf(1), Length: 1, N: 64, Dt: 1e-3},
	}
	for _, p := range bad {
		if _, err := New(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	s, _ := New(Params{Nu: 0.1, Length: 1, N: 64, Dt: 0.1})
	u0 := make([]float64, 64)
	for j := range u0 {
		u0[j] = 10
	}
	if _, err := s.Solve(context.Background(), u0, []float64{1}, nil); err == nil || !strings.Contains(err.Error(), "advective limit") {
		t.Errorf("CFL violation: %v", err)
	}
	u0[3] = math.NaN()
	if _, err := s.Solve(context.Background(), u0, []float64{1}, nil); err == nil || !strings.Contains(err.Error(), "point 3") {
		t.Errorf("NaN initial condition: %v", err)
	}
	if _, err := s.Solve(context.Background(), u0[:10], []float64{1}, nil); err == nil {
		t.Error("short initial condition accepted")
	}
	// Blow-up detection names the time and the step.
	q, _ := New(Params{Nu: 0.1, Length: 1, N: 16, Dt: 1e-3})
	v := make([]complex128, 9)
	v[2] = complex(math.NaN(), 0)
	err := q.check(v, 10, 0.25, 250)
	if err == nil || !strings.Contains(err.Error(), "blew up at t = 0.25 (step 250)") {
		t.Errorf("blow-up check: %v", err)
	}
	v[2] = 1e9
	if err := q.check(v, 10, 0.5, 500); err == nil {
		t.Error("growth beyond the bound not reported")
	}
}

// TestValidateNamesTheParameter: each refused parameter is named in a
// *param.Error, so that callers can point at their own key for it.
func TestValidateNamesTheParameter(t *testing.T) {
	good := Params{Nu: 0.1, Length: 1, N: 64, Dt: 1e-3}
	cases := map[string]func(p *Params){
		"nu":     func(p *Params) { p.Nu = -1 },
		"length": func(p *Params) { p.Length = math.Inf(1) },
		"n":      func(p *Params) { p.N = 63 },
		"dt":     func(p *Params) { p.Dt = 0 },
		"x0":     func(p *Params) { p.X0 = math.NaN() },
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
