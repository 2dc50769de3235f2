// Package convection solves the 1D periodic test problems of "PINN failure
// modes" (Krishnapriyan et al., 2021) and Lagrangian PINNs (Mojgani et al.,
// 2023) on [0, L), L = 2 pi by default:
//
//	convection(-diffusion)   u_t + beta u_x = nu u_xx
//	reaction                 u_t = rho u (1 - u)
//	reaction-diffusion       u_t = nu u_xx + rho u (1 - u)
//
// The linear case is solved exactly in Fourier space,
// u_k(t) = u_k(0) exp(-nu k^2 t - i beta k t). Reaction is solved exactly
// pointwise (the logistic solution u0 e^{rho t} / (1 - u0 + u0 e^{rho t})).
// Reaction-diffusion uses Strang splitting of the two exact flows: half a
// reaction step, a full diffusion step, half a reaction step (second order
// in the step).
package convection

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/internal/march"
	"github.com/surrogo/surrogo/solvers/param"
	"github.com/surrogo/surrogo/tensor"
)

// Params describes the problem. Beta, Nu and Rho select the terms; Dt is
// used only when both diffusion and reaction are present.
type Params struct {
	Beta, Nu, Rho float64
	Length        float64 // 0 means 2 pi
	N             int     // grid points x_j = j L / N
	Dt            float64 // splitting step for reaction-diffusion
}

func (p Params) length() float64 {
	if p.Length == 0 {
		return 2 * math.Pi
	}
	return p.Length
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("convection", name, format, args...)
}

// Validate checks the parameters; errors are *param.Error.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(p.Beta):
		return paramError("beta", "convection speed must be finite, got %v", p.Beta)
	case p.Nu < 0:
		return paramError("nu", "viscosity must be non-negative, got %v", p.Nu)
	case !finite(p.Nu):
		return paramError("nu", "viscosity must be finite, got %v", p.Nu)
	case p.Rho < 0:
		return paramError("rho", "reaction rate must be non-negative, got %v", p.Rho)
	case !finite(p.Rho):
		return paramError("rho", "reaction rate must be finite, got %v", p.Rho)
	case p.Length < 0 || !finite(p.Length):
		return paramError("length", "domain length must be positive and finite (0: 2 pi), got %v", p.Length)
	case p.N < 2:
		return paramError("n", "grid size must be at least 2, got %d", p.N)
	case p.Rho > 0 && p.Nu > 0 && !(p.Dt > 0):
		return paramError("dt", "reaction-diffusion needs a positive splitting step, got %v", p.Dt)
	case p.Rho > 0 && p.Beta != 0:
		return paramError("rho", "reaction (rho %v) with convection (beta %v) is not one of the supported problems: set rho or beta to 0", p.Rho, p.Beta)
	}
	return nil
}

// Grid returns x_j = j L / N.
func (p Params) Grid() []float64 {
	x := make([]float64, p.N)
	for j := range x {
		x[j] = float64(j) * p.length() / float64(p.N)
	}
	return x
}

// Solve returns u at each of times (non-decreasing, >= 0) from u0.
func Solve(ctx context.Context, p Params, u0 []float64, times []float64) ([][]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(u0) != p.N {
		return nil, fmt.Errorf("convection: initial condition has %d points, grid has %d", len(u0), p.N)
	}
	for j, v := range u0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("convection: initial condition is not finite at point %d", j)
		}
	}
	out := make([][]float64, 0, len(times))
	prev := 0.0
	for _, t := range times {
		if t < prev || math.IsNaN(t) {
			return nil, fmt.Errorf("convection: output times must be non-decreasing and >= 0, got %v after %v", t, prev)
		}
		prev = t
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var u []float64
		switch {
		case p.Rho == 0:
			u = linear(p, u0, t)
		case p.Nu == 0:
			u = make([]float64, p.N)
			for j, v := range u0 {
				u[j] = logistic(v, p.Rho, t)
			}
		default:
			var err error
			if u, err = strang(p, u0, t); err != nil {
				return nil, err
			}
		}
		for j, v := range u {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("convection: solution not finite at t = %g, point %d", t, j)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// linear applies exp(t (-beta d/dx + nu d2/dx2)) exactly in Fourier space.
func linear(p Params, u0 []float64, t float64) []float64 {
	n := p.N
	f := tensor.NewRealFFT(n)
	U := make([]complex128, n/2+1)
	f.Forward(U, u0)
	for j := range U {
		k := 2 * math.Pi * float64(j) / p.length()
		if 2*j == n {
			// The Nyquist mode is real: it only decays.
			U[j] *= complex(math.Exp(-p.Nu*k*k*t)*math.Cos(p.Beta*k*t), 0)
			continue
		}
		s, c := math.Sincos(-p.Beta * k * t)
		U[j] *= complex(math.Exp(-p.Nu*k*k*t), 0) * complex(c, s)
	}
	u := make([]float64, n)
	f.Inverse(u, U)
	return u
}

// logistic is the exact solution of u' = rho u (1 - u).
func logistic(u0, rho, t float64) float64 {
	e := math.Exp(rho * t)
	return u0 * e / (1 - u0 + u0*e)
}

// strang advances reaction-diffusion with Strang splitting in steps of at
// most Dt, the last shortened to land on t.
func strang(p Params, u0 []float64, t float64) ([]float64, error) {
	u := append([]float64(nil), u0...)
	steps, err := march.Steps(t, p.Dt)
	if err != nil {
		return nil, fmt.Errorf("convection: splitting: %w", err)
	}
	if steps == 0 {
		return u, nil
	}
	dt := t / float64(steps)
	diff := p
	diff.Rho, diff.Beta = 0, 0
	for s := 0; s < steps; s++ {
		for j := range u {
			u[j] = logistic(u[j], p.Rho, dt/2)
		}
		u = linear(diff, u, dt)
		for j := range u {
			u[j] = logistic(u[j], p.Rho, dt/2)
		}
	}
	return u, nil
}
