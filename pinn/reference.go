package pinn

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/burgers"
	"github.com/surrogo/surrogo/solvers/convection"
)

// BurgersResolution is the grid the Burgers reference is solved on (then
// sampled at the PINN grid): fine enough for the nu = 0.01 moving shock.
const BurgersResolution = 2048

// Reference solves the equation from u0 on the grid with surrogo's
// reference solvers, never a network: convection, convection-diffusion,
// reaction and reaction-diffusion with solvers/convection (exact in Fourier
// space or pointwise; Strang splitting with step 1e-3 for
// reaction-diffusion), Burgers with solvers/burgers (pseudo-spectral
// ETDRK4, 2/3 dealiasing, step 1e-4) on BurgersResolution points (a
// multiple of NX) sampled back. Returns u [NT][NX].
func Reference(ctx context.Context, pde PDE, g Grid, u0 func(x float64) float64) ([][]float64, error) {
	if err := pde.Validate(); err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	times := g.Times()
	if pde.Kind != Burgers {
		p := convection.Params{Beta: pde.Beta, Nu: pde.Nu, Rho: pde.Rho, N: g.NX, Dt: 1e-3}
		init := make([]float64, g.NX)
		for i, x := range p.Grid() {
			init[i] = u0(x)
		}
		return convection.Solve(ctx, p, init, times)
	}
	refine := max(1, (BurgersResolution+g.NX-1)/g.NX)
	n := g.NX * refine
	if n%2 == 1 {
		n, refine = 2*n, 2*refine
	}
	s, err := burgers.New(burgers.Params{Nu: pde.Nu, Length: 2 * math.Pi, N: n, Dt: 1e-4})
	if err != nil {
		return nil, fmt.Errorf("pinn: Burgers reference: %w", err)
	}
	grid := burgers.Params{Length: 2 * math.Pi, N: n}.Grid()
	init := make([]float64, n)
	for i, x := range grid {
		init[i] = u0(x)
	}
	fine, err := s.Solve(ctx, init, times, nil)
	if err != nil {
		return nil, fmt.Errorf("pinn: Burgers reference: %w", err)
	}
	out := make([][]float64, len(fine))
	for j, f := range fine {
		out[j] = make([]float64, g.NX)
		for i := range out[j] {
			out[j][i] = f[i*refine]
		}
	}
	return out, nil
}
