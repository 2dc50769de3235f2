package pinn

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// setLinear makes a branch compute c . (cos x, sin x, t) to relative
// accuracy ~eps^2: every tanh works in its linear range (first unit only)
// and the output undoes the scalings.
func setLinear(b *branch, c [3]float64, eps float64) {
	for _, l := range b.layers {
		for i := range l.W.Value.Data() {
			l.W.Value.Data()[i] = 0
		}
		for i := range l.B.Value.Data() {
			l.B.Value.Data()[i] = 0
		}
	}
	first := b.layers[0].W.Value.Data()
	for k := 0; k < 3; k++ {
		first[k] = eps * c[k] // row 0
	}
	scale := eps
	for _, l := range b.layers[1 : len(b.layers)-1] {
		l.W.Value.Data()[0] = eps
		scale *= eps
	}
	b.layers[len(b.layers)-1].W.Value.Data()[0] = 1 / scale
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// checkExactResiduals: an LPINN hand-set to an exact solution whose state
// does not change along the curves has r_u = 0 exactly and r_x at the
// level of the tanh curvature (setLinear with eps 1e-4) on every grid point.
func checkExactResiduals(t *testing.T, m *LPINN, g Grid) {
	t.Helper()
	x, tt := g.Points()
	_, _, rx, ru, err := m.Residuals(Points{X: x, T: tt})
	if err != nil {
		t.Fatal(err)
	}
	if e := maxAbs(rx.Value.Data()); e > 2e-6 {
		t.Errorf("max |r_x| = %g", e)
	}
	if e := maxAbs(ru.Value.Data()); e != 0 {
		t.Errorf("max |r_u| = %g, want 0 (u does not depend on t)", e)
	}
}

// TestLPINNExactConvection sets the LPINN to the exact Lagrangian solution
// of u_t + beta u_x = 0, u0 = sin x: u(x0, t) = sin x0 on the curves
// x_L = x0 + beta t. Both residuals and the initial-condition misfit
// vanish, and mapped back to the grid it matches sin(x - beta t) to the
// interpolation error.
func TestLPINNExactConvection(t *testing.T) {
	beta := 5.0
	m, err := NewLPINN(PDE{Kind: Convection, Beta: beta, T: 1}, Arch{Hidden: 4, DepthU: 3, DepthX: 2}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	setLinear(m.u, [3]float64{0, 1, 0}, 1e-4)
	setLinear(m.d, [3]float64{0, 0, beta}, 1e-4)
	g := Grid{NX: 256, NT: 11, T: 1}
	checkExactResiduals(t, m, g)
	x, tt := g.Points()
	ic := IC{X: g.X(), U: make([]float64, g.NX)}
	for i, xi := range ic.X {
		ic.U[i] = math.Sin(xi)
	}
	loss, err := m.Loss(Points{X: x, T: tt}, ic, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	if v := loss.Value.Data()[0]; v > 1e-3 { // 10 ||r_x|| + 1000 ||u - sin|| at the tanh curvature level
		t.Errorf("loss of the exact solution %g", v)
	}
	pred, err := m.Predict(g)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Reference(context.Background(), m.PDE, g, math.Sin)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := RelL2(ref, pred)
	if e > 2e-4 { // linear interpolation, dx = 2 pi / 256
		t.Errorf("Eulerian relative L2 %g", e)
	}
}

// TestLPINNHardCurveICBurgers sets the hard-IC LPINN to the exact
// Lagrangian solution of inviscid Burgers from u0 = sin x before the shock
// (t <= 0.5): u(x0, t) = sin x0 on x_L = x0 + t sin x0, i.e. N = sin x0.
// The curves start at x0 exactly for any weights; the residuals vanish; on
// the grid the prediction matches the implicit solution u = sin(x - u t).
func TestLPINNHardCurveICBurgers(t *testing.T) {
	pde := PDE{Kind: Burgers, T: 0.5}
	m, err := NewLPINN(pde, Arch{Hidden: 4, DepthU: 3, DepthX: 2, HardCurveIC: true}, tensor.NewRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	g := Grid{NX: 256, NT: 6, T: 0.5}
	xl, _, err := m.Lagrangian(g)
	if err != nil {
		t.Fatal(err)
	}
	for i, x0 := range g.X() {
		if xl[0][i] != x0 {
			t.Fatalf("random weights: x_L(%v, 0) = %v, want exactly x0", x0, xl[0][i])
		}
	}
	setLinear(m.u, [3]float64{0, 1, 0}, 1e-4)
	setLinear(m.d, [3]float64{0, 1, 0}, 1e-4)
	checkExactResiduals(t, m, g)
	pred, err := m.Predict(g)
	if err != nil {
		t.Fatal(err)
	}
	exact := make([][]float64, g.NT)
	for j, tj := range g.Times() {
		exact[j] = make([]float64, g.NX)
		for i, xi := range g.X() {
			u := math.Sin(xi)
			for k := 0; k < 50; k++ { // Newton on u - sin(x - u t) = 0 (t |cos| < 1)
				u -= (u - math.Sin(xi-u*tj)) / (1 + tj*math.Cos(xi-u*tj))
			}
			exact[j][i] = u
		}
	}
	if e, _ := RelL2(exact, pred); e > 1e-3 { // linear interpolation on curves compressed up to 2x
		t.Errorf("Eulerian relative L2 %g", e)
	}
}

// TestPINNResidualKnownField sets u = sin x (t-independent): the
// convection-diffusion residual is beta cos x + nu sin x, Burgers'
// sin x cos x + nu sin x.
func TestPINNResidualKnownField(t *testing.T) {
	for _, pde := range []PDE{{Kind: Convection, Beta: 3, Nu: 0.1, T: 1}, {Kind: Burgers, Nu: 0.01, T: 1}, {Kind: Reaction, Rho: 2, Nu: 0.5, T: 1}} {
		m, err := NewPINN(pde, Arch{Hidden: 5, DepthU: 3}, tensor.NewRNG(2))
		if err != nil {
			t.Fatal(err)
		}
		setLinear(m.u, [3]float64{0, 1, 0}, 1e-3)
		x := []float64{0.1, 1, 2.5, 4, 6}
		_, r, err := m.Residual(Points{X: x, T: []float64{0, 0.2, 0.4, 0.6, 1}})
		if err != nil {
			t.Fatal(err)
		}
		for i, xi := range x {
			s, c := math.Sin(xi), math.Cos(xi)
			var want float64
			switch pde.Kind {
			case Convection:
				want = pde.Beta*c + pde.Nu*s
			case Burgers:
				want = s*c + pde.Nu*s
			case Reaction:
				want = pde.Nu*s - pde.Rho*s*(1-s)
			}
			if d := math.Abs(r.Value.Data()[i] - want); d > 1e-5 {
				t.Errorf("%s x=%v: residual %v, want %v", pde.Kind, xi, r.Value.Data()[i], want)
			}
		}
	}
}

// TestResidualsMatchFiniteDifferences checks the assembled residuals of
// random networks against central differences of the networks' outputs.
func TestResidualsMatchFiniteDifferences(t *testing.T) {
	r := tensor.NewRNG(3)
	pts := Points{X: []float64{0.3, 2, 5.5}, T: []float64{0.1, 0.5, 0.9}}
	const h = 1e-4
	eval := func(b *branch, x, t float64) float64 {
		var v *autograd.Var[float64]
		autograd.NoGrad(func() { v = b.forward(column([]float64{x}, false), column([]float64{t}, false)) })
		return v.Value.Data()[0]
	}
	pde := PDE{Kind: Burgers, Nu: 0.07, T: 1}
	p, _ := NewPINN(pde, Arch{Hidden: 6, DepthU: 3}, r)
	_, res, err := p.Residual(pts)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLPINN(pde, Arch{Hidden: 6, DepthU: 3, DepthX: 2}, r)
	_, xl, rx, ru, err := l.Residuals(pts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pts.X {
		x, t0 := pts.X[i], pts.T[i]
		u := eval(p.u, x, t0)
		ux := (eval(p.u, x+h, t0) - eval(p.u, x-h, t0)) / (2 * h)
		ut := (eval(p.u, x, t0+h) - eval(p.u, x, t0-h)) / (2 * h)
		uxx := (eval(p.u, x+h, t0) - 2*u + eval(p.u, x-h, t0)) / (h * h)
		if want := ut + u*ux - pde.Nu*uxx; math.Abs(res.Value.Data()[i]-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("PINN residual %v, differences %v", res.Value.Data()[i], want)
		}
		lu := eval(l.u, x, t0)
		lut := (eval(l.u, x, t0+h) - eval(l.u, x, t0-h)) / (2 * h)
		luxx := (eval(l.u, x+h, t0) - 2*lu + eval(l.u, x-h, t0)) / (h * h)
		dt := (eval(l.d, x, t0+h) - eval(l.d, x, t0-h)) / (2 * h)
		if want := dt - lu; math.Abs(rx.Value.Data()[i]-want) > 1e-6 {
			t.Errorf("LPINN r_x %v, differences %v", rx.Value.Data()[i], want)
		}
		if want := lut - pde.Nu*luxx; math.Abs(ru.Value.Data()[i]-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("LPINN r_u %v, differences %v", ru.Value.Data()[i], want)
		}
		if want := x + eval(l.d, x, t0); math.Abs(xl.Value.Data()[i]-want) > 1e-14 {
			t.Errorf("x_L %v, want %v", xl.Value.Data()[i], want)
		}
	}
}

func TestInterpolatePeriodic(t *testing.T) {
	// Samples of cos at shifted, wrapped, unordered positions.
	var xs, us []float64
	for i := 0; i < 64; i++ {
		x := 2*math.Pi*float64((i*37)%64)/64 + 7*math.Pi // wrapped by Mod
		xs, us = append(xs, x), append(us, math.Cos(x))
	}
	q := []float64{0, 0.01, 3, 6.27, -0.5, 100}
	got := InterpolatePeriodic(xs, us, q, 2*math.Pi)
	for i, x := range q {
		if d := math.Abs(got[i] - math.Cos(x)); d > 5e-3 { // (dx)^2 / 8
			t.Errorf("cos(%v): %v, want %v", x, got[i], math.Cos(x))
		}
	}
}

func TestBadInput(t *testing.T) {
	r := tensor.NewRNG(4)
	for name, pde := range map[string]PDE{
		"unknown":        {Kind: "heat", T: 1},
		"negative nu":    {Kind: Convection, Nu: -0.1, T: 1},
		"no time":        {Kind: Convection, Beta: 1},
		"beta on burger": {Kind: Burgers, Beta: 2, T: 1},
	} {
		if _, err := NewPINN(pde, Arch{}, r); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := NewLPINN(PDE{Kind: Convection, T: 1}, Arch{SharedLayers: true, DepthX: 3}, r); err == nil || !strings.Contains(err.Error(), "shared_layers") {
		t.Errorf("shared layers with depth_x 3: %v", err)
	}
	m, _ := NewPINN(PDE{Kind: Convection, Beta: 1, T: 1}, Arch{Hidden: 3, DepthU: 2}, r)
	if _, err := Fit(context.Background(), m, Points{}, IC{X: []float64{0}, U: []float64{0}}, DefaultWeights, FitOptions{AdamSteps: 1, LR: 1e-3}); err == nil || !strings.Contains(err.Error(), "collocation") {
		t.Errorf("zero collocation points: %v", err)
	}
	if _, err := m.Loss(Points{X: []float64{1}, T: []float64{0}}, IC{}, DefaultWeights); err == nil {
		t.Error("empty initial condition accepted")
	}
}

// TestFitLowersLossDeterministically trains a small LPINN for a few steps:
// the loss falls, and the same seed gives the same numbers.
func TestFitLowersLossDeterministically(t *testing.T) {
	run := func() *History {
		m, _ := NewLPINN(PDE{Kind: Convection, Beta: 2, T: 1}, Arch{Hidden: 10, DepthU: 3, DepthX: 2}, tensor.NewRNG(5))
		g := Grid{NX: 32, NT: 8, T: 1}
		x, tt := g.Points()
		ic := IC{X: g.X(), U: make([]float64, g.NX)}
		for i, xi := range ic.X {
			ic.U[i] = math.Sin(xi)
		}
		h, err := Fit(context.Background(), m, Points{X: x, T: tt}, ic, DefaultWeights, FitOptions{AdamSteps: 30, LR: 1e-2, AMSGrad: true, Batch: 64, Seed: 1, LBFGSIters: 5})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b := run(), run()
	if !(a.AdamLoss[len(a.AdamLoss)-1] < 0.5*a.AdamLoss[0]) || !(a.LBFGSLoss < a.AdamLoss[len(a.AdamLoss)-1]) {
		t.Errorf("loss %v -> %v -> L-BFGS %v", a.AdamLoss[0], a.AdamLoss[len(a.AdamLoss)-1], a.LBFGSLoss)
	}
	if a.LBFGSLoss != b.LBFGSLoss || a.AdamLoss[10] != b.AdamLoss[10] {
		t.Errorf("same seed, different runs: %v vs %v", a.LBFGSLoss, b.LBFGSLoss)
	}
}
