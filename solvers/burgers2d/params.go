package burgers2d

import (
	"math"

	"github.com/surrogo/surrogo/solvers/grf"
	"github.com/surrogo/surrogo/solvers/param"
)

// Equation names the form of the 2-D Burgers equation.
type Equation string

// The equations.
const (
	// EquationVector is the velocity system u_t + (u . grad) u = nu Lap u
	// for u = (u, v).
	EquationVector Equation = "vector"
	// EquationScalar is u_t + u u_x + u u_y = nu Lap u for one scalar u.
	EquationScalar Equation = "scalar"
)

// Params describes a problem on the periodic unit square [0, 1)^2, its
// discretisation and its random initial conditions.
type Params struct {
	Nu       float64  // viscosity, > 0
	N        int      // grid points per side, even, >= 8
	Dt       float64  // largest ETDRK4 step (shortened to land on frames)
	Equation Equation // "" means EquationVector

	TEnd   float64 // time of the last frame, > 0 (MM-PDE: 30)
	Frames int     // frames at t = k TEnd / (Frames - 1), k = 0.., >= 2 (MM-PDE: 31)

	// Initial conditions (Generate): each component is the periodic
	// Gaussian field N(0, s^2 (-Laplacian + ICTau^2)^-ICAlpha), s chosen
	// so that the pointwise standard deviation is ICStd.
	ICAlpha float64 // > 1 for a continuous field
	ICTau   float64 // > 0
	ICStd   float64 // > 0
}

// DefaultParams returns the parameters of surrogo's stand-in for the
// MM-PDE Burgers data (see the package comment): 192^2, 31 frames over
// [0, 30], nu 5e-4, IC std 0.1 with alpha 3, tau 5, dt 5e-3 (initial
// CFL number about 0.5). These are surrogo's choice, not upstream's.
func DefaultParams() Params {
	return Params{Nu: 5e-4, N: 192, Dt: 5e-3, Equation: EquationVector, TEnd: 30, Frames: 31,
		ICAlpha: 3, ICTau: 5, ICStd: 0.1}
}

func (p Params) equation() Equation {
	if p.Equation == "" {
		return EquationVector
	}
	return p.Equation
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("burgers2d", name, format, args...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// positive reports whether v is positive and finite.
func positive(v float64) bool { return v > 0 && finite(v) }

// Validate checks the parameters; errors are *param.Error naming the
// parameter, what it must be and what it is.
func (p Params) Validate() error {
	if err := p.validateSolver(); err != nil {
		return err
	}
	return p.validateData()
}

// validateSolver checks the parameters New needs.
func (p Params) validateSolver() error {
	switch {
	case !positive(p.Nu):
		return paramError("nu", "viscosity must be positive and finite, got %v", p.Nu)
	case p.N < 8 || p.N%2 != 0:
		return paramError("n", "the spectral solver needs an even grid of at least 8 points per side, got %d", p.N)
	case !positive(p.Dt):
		return paramError("dt", "time step must be positive and finite, got %v", p.Dt)
	}
	switch p.equation() {
	case EquationVector, EquationScalar:
		return nil
	}
	return paramError("equation", "unknown equation %q (expected %q or %q)", p.Equation, EquationVector, EquationScalar)
}

// validateData checks the frame and initial-condition parameters that
// Generate needs.
func (p Params) validateData() error {
	switch {
	case !positive(p.TEnd):
		return paramError("t_end", "time of the last frame must be positive and finite, got %v", p.TEnd)
	case p.Frames < 2:
		return paramError("frames", "need at least 2 frames (t = 0 and t_end), got %d", p.Frames)
	case !(p.ICAlpha > 1) || !finite(p.ICAlpha):
		return paramError("ic_alpha", "GRF exponent must be finite and > 1 (a continuous 2-D field), got %v", p.ICAlpha)
	case !positive(p.ICTau):
		return paramError("ic_tau", "GRF inverse length must be positive and finite, got %v", p.ICTau)
	case !positive(p.ICStd):
		return paramError("ic_std", "initial standard deviation must be positive and finite, got %v", p.ICStd)
	}
	return nil
}

// Grid returns the coordinates x_j = j / N of each axis.
func (p Params) Grid() []float64 {
	x := make([]float64, p.N)
	for j := range x {
		x[j] = float64(j) / float64(p.N)
	}
	return x
}

// Times returns the frame times k TEnd / (Frames - 1), k = 0..Frames-1.
func (p Params) Times() []float64 {
	t := make([]float64, p.Frames)
	for k := range t {
		t[k] = p.TEnd * float64(k) / float64(p.Frames-1)
	}
	t[len(t)-1] = p.TEnd
	return t
}

// IC returns the Gaussian random field of one component of the initial
// condition: grf.GRF1 with ICAlpha, ICTau and the sigma that makes its
// pointwise variance (over the grid's modes) ICStd^2. p must be valid.
func (p Params) IC() grf.Periodic {
	g := grf.Periodic{Dim: 2, N: p.N, Alpha: p.ICAlpha, Tau: p.ICTau, Sigma: 1, Law: grf.GRF1}
	g.Sigma = p.ICStd / math.Sqrt(g.Variance())
	return g
}
