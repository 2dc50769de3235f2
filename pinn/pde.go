package pinn

import (
	"fmt"
	"math"
)

// Equation kinds.
const (
	Convection = "convection" // u_t + beta u_x = nu u_xx
	Burgers    = "burgers"    // u_t + u u_x = nu u_xx
	Reaction   = "reaction"   // u_t = nu u_xx + rho u (1 - u)
)

// PDE selects the equation and its coefficients.
type PDE struct {
	Kind string  `json:"kind"`
	Beta float64 `json:"beta"` // convection speed
	Nu   float64 `json:"nu"`   // diffusion, >= 0
	Rho  float64 `json:"rho"`  // reaction rate, >= 0
	T    float64 `json:"t"`    // final time (LPINN paper: 1)
}

// Validate checks the equation.
func (p PDE) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.Kind != Convection && p.Kind != Burgers && p.Kind != Reaction:
		return fmt.Errorf("pinn: unknown equation %q (expected %s, %s or %s)", p.Kind, Convection, Burgers, Reaction)
	case !finite(p.Beta):
		return fmt.Errorf("pinn: beta must be finite, got %v", p.Beta)
	case !finite(p.Nu) || p.Nu < 0:
		return fmt.Errorf("pinn: nu must be non-negative, got %v", p.Nu)
	case !finite(p.Rho) || p.Rho < 0:
		return fmt.Errorf("pinn: rho must be non-negative, got %v", p.Rho)
	case !(p.T > 0) || !finite(p.T):
		return fmt.Errorf("pinn: final time t must be positive, got %v", p.T)
	case p.Kind != Convection && p.Beta != 0:
		return fmt.Errorf("pinn: beta %v is set for %s, which has no convection speed", p.Beta, p.Kind)
	case p.Kind != Reaction && p.Rho != 0:
		return fmt.Errorf("pinn: rho %v is set for %s, which has no reaction term", p.Rho, p.Kind)
	}
	return nil
}

// Grid is the (x, t) grid: x_i = 2 pi i / NX (periodic, the end point is
// the start point), t_j = T j / (NT - 1). Points are ordered t-slow:
// index j NX + i, so the first NX points are the initial time.
type Grid struct {
	NX, NT int
	T      float64
}

// Validate checks the grid.
func (g Grid) Validate() error {
	if g.NX < 2 || g.NT < 2 || !(g.T > 0) {
		return fmt.Errorf("pinn: grid needs nx >= 2, nt >= 2 and t > 0, got nx %d, nt %d, t %v", g.NX, g.NT, g.T)
	}
	return nil
}

// X returns the grid's x values, one per column.
func (g Grid) X() []float64 {
	x := make([]float64, g.NX)
	for i := range x {
		x[i] = 2 * math.Pi * float64(i) / float64(g.NX)
	}
	return x
}

// Times returns the grid's t values.
func (g Grid) Times() []float64 {
	t := make([]float64, g.NT)
	for j := range t {
		t[j] = g.T * float64(j) / float64(g.NT-1)
	}
	return t
}

// Points returns every grid point's x and t, t-slow.
func (g Grid) Points() (x, t []float64) {
	xs, ts := g.X(), g.Times()
	for _, tj := range ts {
		for _, xi := range xs {
			x, t = append(x, xi), append(t, tj)
		}
	}
	return x, t
}
