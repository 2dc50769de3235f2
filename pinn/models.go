package pinn

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Weights of the loss terms.
type Weights struct {
	RX float64 `json:"rx"` // characteristic residual (LPINN, 10)
	RU float64 `json:"ru"` // PDE / state residual (1)
	IC float64 `json:"ic"` // initial conditions (1000)
}

// DefaultWeights are the reference code's gamma_rx, gamma_ru, gamma_ic.
var DefaultWeights = Weights{RX: 10, RU: 1, IC: 1000}

// Points are collocation points (x or the label x0, and t).
type Points struct {
	X, T []float64
}

// IC is the initial condition sampled at x (t = 0).
type IC struct {
	X, U []float64
}

// Model is a PINN or an LPINN.
type Model interface {
	Params() []nn.Param[float64]
	// Loss is the weighted loss at collocation points and the initial
	// condition.
	Loss(c Points, ic IC, w Weights) (*autograd.Var[float64], error)
	// Predict returns u on the Eulerian grid, [NT][NX].
	Predict(g Grid) ([][]float64, error)
}

// transport returns the speed F(u) of the characteristics and the
// reaction R(u) of the equation.
func (p PDE) transport(u *autograd.Var[float64]) (f, r *autograd.Var[float64]) {
	switch p.Kind {
	case Convection:
		f = autograd.Const(tensor.Full(p.Beta, u.Shape()...))
	case Burgers:
		f = u
	}
	if p.Kind == Reaction && p.Rho != 0 {
		r = autograd.Scale(autograd.Mul(u, autograd.AddScalar(autograd.Neg(u), 1)), p.Rho)
	}
	return f, r
}

// derivatives evaluates net at (x, t) and returns u, u_x, u_t and, when
// second, u_xx, all differentiable again (createGraph).
func derivatives(net func(x, t *autograd.Var[float64]) *autograd.Var[float64], xs, ts []float64, second bool) (u, ux, ut, uxx *autograd.Var[float64], err error) {
	if len(xs) != len(ts) || len(xs) == 0 {
		return nil, nil, nil, nil, fmt.Errorf("pinn: %d x and %d t collocation values (expected equal, at least one)", len(xs), len(ts))
	}
	x, t := column(xs, true), column(ts, true)
	u = net(x, t)
	ones := autograd.Const(tensor.Full(1.0, len(xs), 1))
	g, err := autograd.Grad([]*autograd.Var[float64]{u}, []*autograd.Var[float64]{x, t}, []*autograd.Var[float64]{ones}, true)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ux, ut = g[0], g[1]
	if second {
		g2, err := autograd.Grad([]*autograd.Var[float64]{ux}, []*autograd.Var[float64]{x}, []*autograd.Var[float64]{ones}, true)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		uxx = g2[0]
	}
	return u, ux, ut, uxx, nil
}

func checkIC(ic IC) error {
	if len(ic.X) != len(ic.U) || len(ic.X) == 0 {
		return fmt.Errorf("pinn: initial condition has %d x and %d u values (expected equal, at least one)", len(ic.X), len(ic.U))
	}
	return nil
}

// ---------------------------------------------------------------- PINN

// PINN is the Eulerian physics-informed network u(x, t).
type PINN struct {
	PDE  PDE
	Arch Arch
	u    *branch
}

// NewPINN builds a PINN with weights drawn from r.
func NewPINN(pde PDE, arch Arch, r *tensor.RNG) (*PINN, error) {
	arch = arch.WithDefaults()
	if err := pde.Validate(); err != nil {
		return nil, err
	}
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	return &PINN{PDE: pde, Arch: arch, u: newBranch(r, arch.Hidden, arch.DepthU)}, nil
}

// Params names the weights u.<layer>.weight / .bias.
func (m *PINN) Params() []nn.Param[float64] { return params("u.", m.u) }

// Residual returns u and r = u_t + F(u) u_x - nu u_xx - R(u) at points.
func (m *PINN) Residual(c Points) (u, r *autograd.Var[float64], err error) {
	u, ux, ut, uxx, err := derivatives(m.u.forward, c.X, c.T, m.PDE.Nu != 0)
	if err != nil {
		return nil, nil, err
	}
	r = ut
	f, react := m.PDE.transport(u)
	if f != nil {
		r = autograd.Add(r, autograd.Mul(f, ux))
	}
	if uxx != nil {
		r = autograd.Sub(r, autograd.Scale(uxx, m.PDE.Nu))
	}
	if react != nil {
		r = autograd.Sub(r, react)
	}
	return u, r, nil
}

// Loss is w.RU ||r||_2 + w.IC ||u(x, 0) - u0||_2.
func (m *PINN) Loss(c Points, ic IC, w Weights) (*autograd.Var[float64], error) {
	if err := checkIC(ic); err != nil {
		return nil, err
	}
	_, r, err := m.Residual(c)
	if err != nil {
		return nil, err
	}
	u0 := m.u.forward(column(ic.X, false), column(make([]float64, len(ic.X)), false))
	icLoss := l2(autograd.Sub(u0, column(ic.U, false)))
	return autograd.Add(autograd.Scale(l2(r), w.RU), autograd.Scale(icLoss, w.IC)), nil
}

// Predict evaluates u on the grid.
func (m *PINN) Predict(g Grid) ([][]float64, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	x, t := g.Points()
	var u *autograd.Var[float64]
	autograd.NoGrad(func() { u = m.u.forward(column(x, false), column(t, false)) })
	return rows(u.Value.Data(), g.NT, g.NX), nil
}

func rows(v []float64, nt, nx int) [][]float64 {
	out := make([][]float64, nt)
	for j := range out {
		out[j] = append([]float64(nil), v[j*nx:(j+1)*nx]...)
	}
	return out
}

// ---------------------------------------------------------------- LPINN

// LPINN is the Lagrangian network: u(x0, t) on the characteristics and the
// curves x_L(x0, t) = x0 + d(x0, t).
type LPINN struct {
	PDE  PDE
	Arch Arch
	u, d *branch
}

// NewLPINN builds an LPINN with weights drawn from r (the u branch first).
func NewLPINN(pde PDE, arch Arch, r *tensor.RNG) (*LPINN, error) {
	arch = arch.WithDefaults()
	if err := pde.Validate(); err != nil {
		return nil, err
	}
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	m := &LPINN{PDE: pde, Arch: arch}
	if !arch.SharedLayers {
		m.u = newBranch(r, arch.Hidden, arch.DepthU)
		m.d = newBranch(r, arch.Hidden, arch.DepthX)
		return m, nil
	}
	// The released code: input, hidden1, hidden2 (reused), output.
	in := nn.NewLinear[float64](r, 3, arch.Hidden, true)
	h1 := nn.NewLinear[float64](r, arch.Hidden, arch.Hidden, true)
	h2 := nn.NewLinear[float64](r, arch.Hidden, arch.Hidden, true)
	out := nn.NewLinear[float64](r, arch.Hidden, 1, true)
	m.u = &branch{layers: []*nn.Linear[float64]{in, h1}}
	for i := 2; i < arch.DepthU; i++ {
		m.u.layers = append(m.u.layers, h2)
	}
	m.u.layers = append(m.u.layers, out)
	m.d = &branch{layers: []*nn.Linear[float64]{in, h1, out}}
	return m, nil
}

// Params names the weights: u.<layer> then x.<layer> (shared layers once,
// under u).
func (m *LPINN) Params() []nn.Param[float64] {
	if m.Arch.SharedLayers {
		return params("shared.", m.u, m.d)
	}
	return append(params("u.", m.u), params("x.", m.d)...)
}

// Residuals returns u, x_L, r_x = dx_L/dt - F(u) and
// r_u = du/dt - nu d2u/dx0^2 - R(u) at labels c.
func (m *LPINN) Residuals(c Points) (u, xl, rx, ru *autograd.Var[float64], err error) {
	u, _, ut, uxx, err := derivatives(m.u.forward, c.X, c.T, m.PDE.Nu != 0)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	d, _, dt, _, err := derivatives(m.displacement, c.X, c.T, false)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	xl = autograd.Add(column(c.X, false), d)
	f, react := m.PDE.transport(u)
	rx = dt
	if f != nil {
		rx = autograd.Sub(dt, f)
	}
	ru = ut
	if uxx != nil {
		ru = autograd.Sub(ru, autograd.Scale(uxx, m.PDE.Nu))
	}
	if react != nil {
		ru = autograd.Sub(ru, react)
	}
	return u, xl, rx, ru, nil
}

// Loss is w.RX ||r_x|| + w.RU ||r_u|| + w.IC (||x_L(x0, 0) - x0|| + ||u(x0, 0) - u0||).
func (m *LPINN) Loss(c Points, ic IC, w Weights) (*autograd.Var[float64], error) {
	if err := checkIC(ic); err != nil {
		return nil, err
	}
	_, _, rx, ru, err := m.Residuals(c)
	if err != nil {
		return nil, err
	}
	x0, t0 := column(ic.X, false), column(make([]float64, len(ic.X)), false)
	icLoss := autograd.Add(l2(m.displacement(x0, t0)), l2(autograd.Sub(m.u.forward(x0, t0), column(ic.U, false))))
	loss := autograd.Add(autograd.Scale(l2(rx), w.RX), autograd.Scale(l2(ru), w.RU))
	return autograd.Add(loss, autograd.Scale(icLoss, w.IC)), nil
}

// displacement is d(x0, t) = x_L - x0: the curve branch's output, times t
// when Arch.HardCurveIC (so that x_L(x0, 0) = x0 holds exactly).
func (m *LPINN) displacement(x, t *autograd.Var[float64]) *autograd.Var[float64] {
	d := m.d.forward(x, t)
	if m.Arch.HardCurveIC {
		d = autograd.Mul(d, t)
	}
	return d
}

// Lagrangian returns the curves x_L and states u at the grid's labels,
// [NT][NX] each.
func (m *LPINN) Lagrangian(g Grid) (xl, u [][]float64, err error) {
	if err := g.Validate(); err != nil {
		return nil, nil, err
	}
	x, t := g.Points()
	var uv, dv *autograd.Var[float64]
	autograd.NoGrad(func() {
		xc, tc := column(x, false), column(t, false)
		uv, dv = m.u.forward(xc, tc), m.displacement(xc, tc)
	})
	pos := make([]float64, len(x))
	for i := range pos {
		pos[i] = x[i] + dv.Value.Data()[i]
	}
	return rows(pos, g.NT, g.NX), rows(uv.Value.Data(), g.NT, g.NX), nil
}

// Predict maps the Lagrangian prediction to the Eulerian grid: at each
// time, u at x_i by periodic linear interpolation of (x_L mod 2 pi, u).
func (m *LPINN) Predict(g Grid) ([][]float64, error) {
	xl, u, err := m.Lagrangian(g)
	if err != nil {
		return nil, err
	}
	xs := g.X()
	out := make([][]float64, g.NT)
	for j := range out {
		out[j] = InterpolatePeriodic(xl[j], u[j], xs, 2*math.Pi)
	}
	return out, nil
}
