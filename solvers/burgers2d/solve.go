package burgers2d

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/internal/march"
)

// Observer is called after every time step with the time, the step number
// and the field (physical space, read-only, valid during the call);
// returning an error stops the solve.
type Observer func(t float64, step int, f Field) error

// MaxCFL is the largest CFL number (see CFL) Solve accepts for the
// initial field, a margin under the explicit ETDRK4 treatment of
// advection's stability limit (an estimate, not measured here; the
// default parameters start at 0.45 median, 0.72 at most over 1200
// samples).
const MaxCFL = 0.8

// checkField checks that f has the components and size of the solver's
// equation and grid, and finite values; it returns max |component|.
func (s *Solver) checkField(f Field) (float64, error) {
	comps := [][]float64{f.U, f.V}[:s.comps]
	if s.comps == 1 && f.V != nil {
		return 0, fmt.Errorf("burgers2d: the scalar equation takes U only, got a V component")
	}
	big := 0.0
	for c, x := range comps {
		if len(x) != s.n*s.n {
			return 0, fmt.Errorf("burgers2d: component %d has %d values, the %d x %d grid needs %d", c, len(x), s.n, s.n, s.n*s.n)
		}
		for j, v := range x {
			if !finite(v) {
				return 0, fmt.Errorf("burgers2d: component %d is not finite at point %d", c, j)
			}
			big = math.Max(big, math.Abs(v))
		}
	}
	return big, nil
}

// CFL returns dt (max|u| + max|v|) / dx, the CFL number of f at step Dt
// (the scalar equation advects with speed (u, u)).
func (s *Solver) CFL(f Field) float64 {
	mu, mv := maxAbs(f.U), maxAbs(f.V)
	if s.comps == 1 {
		mv = mu
	}
	return s.p.Dt * (mu + mv) * float64(s.n)
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// Solve integrates from f0 at t = 0 and returns the field at each of
// times (non-decreasing, >= 0). Steps of at most Dt are shortened so that
// every output time is hit exactly. It refuses an initial field whose CFL
// number exceeds MaxCFL, and stops with an error naming the time and step
// when the solution stops being finite or grows beyond 1e6 times its
// initial size, or when ctx is cancelled.
func (s *Solver) Solve(ctx context.Context, f0 Field, times []float64, observe Observer) ([]Field, error) {
	big, err := s.checkField(f0)
	if err != nil {
		return nil, err
	}
	if c := s.CFL(f0); c > MaxCFL {
		return nil, fmt.Errorf("burgers2d: dt %g gives CFL number %.3g > %g for the initial field; reduce dt", s.p.Dt, c, MaxCFL)
	}
	w := s.forward(f0)
	bound := 1e6 * math.Max(big, 1)
	out := make([]Field, 0, len(times))
	err = march.Run(ctx, times, s.p.Dt, func(h float64) { s.step(w, h) },
		func(t float64, step int, last bool) error {
			if observe == nil && step%16 != 0 && !last {
				return nil
			}
			f := s.physical(w, s.u, s.v)
			if err := checkBound(f, bound, t, step); err != nil {
				return err
			}
			if observe != nil {
				return observe(t, step, f)
			}
			return nil
		},
		func() error {
			out = append(out, s.physical(w, make([]float64, s.n*s.n), make([]float64, s.n*s.n)))
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("burgers2d: %w", err)
	}
	return out, nil
}

// forward returns the stacked spectra of f.
func (s *Solver) forward(f Field) []complex128 {
	w := make([]complex128, s.comps*s.m)
	s.fft.Forward(w[:s.m], append([]float64(nil), f.U...))
	if s.comps == 2 {
		s.fft.Forward(w[s.m:], append([]float64(nil), f.V...))
	}
	return w
}

// physical writes the fields of the stacked spectra w into u (and v).
func (s *Solver) physical(w []complex128, u, v []float64) Field {
	s.inverse(u, w[:s.m], nil)
	if s.comps == 1 {
		return Field{U: u}
	}
	s.inverse(v, w[s.m:], nil)
	return Field{U: u, V: v}
}

func checkBound(f Field, bound, t float64, step int) error {
	for _, x := range [][]float64{f.U, f.V} {
		for _, v := range x {
			if !finite(v) || math.Abs(v) > bound {
				return fmt.Errorf("solution blew up at t = %g (step %d): |u| = %g", t, step, math.Abs(v))
			}
		}
	}
	return nil
}

// Energy returns (1/2) mean(u^2 + v^2) of f (for the scalar equation,
// (1/2) mean(u^2)).
func Energy(f Field) float64 {
	e := 0.0
	for _, x := range [][]float64{f.U, f.V} {
		for _, v := range x {
			e += v * v
		}
	}
	return 0.5 * e / float64(len(f.U))
}

// Mean returns the means of U and V over the grid (0 for a nil V).
func Mean(f Field) (mu, mv float64) {
	for _, v := range f.U {
		mu += v
	}
	for _, v := range f.V {
		mv += v
	}
	return mu / float64(len(f.U)), mv / float64(len(f.U))
}
