package monge

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/mesh"
)

// Method selects the Monge-Ampere solver.
type Method int

// The solvers Move offers.
const (
	// Relaxation is the parabolic relaxation of Movement's
	// MongeAmpereMover_Relaxation, -Lap(d phi/d tau) = m det(I + H)/theta - 1,
	// forward Euler in pseudo-time with an adaptive step.
	Relaxation Method = iota
	// Newton is a Jacobian-free Newton-Krylov solve of log(m det(I + H)) =
	// const, GMRES preconditioned by the inverse Neumann Laplacian.
	Newton
)

// String returns "relaxation" or "newton".
func (m Method) String() string {
	switch m {
	case Relaxation:
		return "relaxation"
	case Newton:
		return "newton"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Options configure Move; zero fields take the defaults.
type Options struct {
	Method  Method  // Relaxation (default) or Newton
	Tol     float64 // stop when max |m det(I+H)/theta - 1| < Tol; default 1e-8
	MaxIter int     // iterations (relaxation steps, tried or taken, or Newton steps); default 5000 / 100
	Step    float64 // first pseudo-time step of Relaxation, in (0, 1]; default 0.5
	Refine  int     // solve on the ((n-1) Refine + 1)^2 grid and keep every Refine-th node; default 1
}

// Result is a moved mesh and how it was reached.
type Result struct {
	Mesh        *mesh.Mesh // StructuredQuad(n, n) with nodes xi + grad phi
	Phi         []float64  // the potential on the solver's grid, [N*N], N = (n-1) Refine + 1
	Iterations  int        // relaxation steps (tried or taken) or Newton steps
	Evaluations int        // residual evaluations (monitor samplings at n*n points)
	Residual    float64    // max over nodes of |m det(I+H)/theta - 1|
	RMS         float64    // its trapezoid-weighted RMS
	Theta       float64    // trapezoid integral of m(x(xi)) det(I+H) over the grid
	MinDet      float64    // smallest det(I + H) at a node
	MinArea     float64    // smallest cell area times (n-1)^2 (1 on the uniform mesh)
	Equi        mesh.Equi  // m (at cell centroids) times cell area on the moved mesh
	UniformEqui mesh.Equi  // the same on the uniform mesh, for comparison
}

// defaults fills the zero fields of o and checks the rest.
func (o Options) defaults() (Options, error) {
	if o.Method != Relaxation && o.Method != Newton {
		return o, fmt.Errorf("method %v; want Relaxation or Newton", o.Method)
	}
	if o.Tol == 0 {
		o.Tol = 1e-8
	}
	if o.MaxIter == 0 {
		o.MaxIter = map[Method]int{Relaxation: 5000, Newton: 100}[o.Method]
	}
	if o.Step == 0 {
		o.Step = 0.5
	}
	if o.Refine == 0 {
		o.Refine = 1
	}
	if !(o.Tol > 0 && o.Tol < 1) || o.MaxIter < 1 || !(o.Step > 0 && o.Step <= 1) || o.Refine < 1 {
		return o, fmt.Errorf("options Tol = %g, MaxIter = %d, Step = %g, Refine = %d; want 0 < Tol < 1, MaxIter >= 1, 0 < Step <= 1, Refine >= 1", o.Tol, o.MaxIter, o.Step, o.Refine)
	}
	return o, nil
}

// relaxDtol is the divergence tolerance of Relaxation: a step whose RMS
// residual exceeds relaxDtol times the best so far is rejected (Movement's
// dtol is 2 times the first residual).
const relaxDtol = 2

// minNodes is the smallest grid Move accepts: 3 x 3 has one interior node.
const minNodes = 3

// maxMoveNodes bounds the grid side: the dense cosine transforms cost
// O(n^3) a step.
const maxMoveNodes = 1024

// Move solves m(xi + grad phi) det(I + H(phi)) = theta on the n x n node
// grid of the unit square with phi_n = 0 on its sides (see the package
// documentation) and returns the moved StructuredQuad(n, n) mesh. It stops
// when max |m det/theta - 1| < opt.Tol and fails, saying where it stalled,
// after opt.MaxIter iterations; ctx cancels it between iterations.
func Move(ctx context.Context, n int, mon *Monitor, opt Options) (*Result, error) {
	opt, err := opt.defaults()
	if err != nil {
		return nil, fmt.Errorf("monge: Move: %w", err)
	}
	if n < minNodes || n > maxMoveNodes || (n-1)*opt.Refine+1 > maxMoveNodes {
		return nil, fmt.Errorf("monge: Move: grid of %d x %d nodes, Refine %d; want %d <= n and (n-1) Refine + 1 <= %d", n, n, opt.Refine, minNodes, maxMoveNodes)
	}
	if mon == nil || (mon.fn == nil && mon.values == nil) {
		return nil, errors.New("monge: Move: nil or empty monitor; build one with GridMonitor, FuncMonitor or GradientMonitor")
	}
	g := newGrid((n-1)*opt.Refine + 1)
	s, err := g.evaluate(mon, make([]float64, g.n*g.n))
	if err != nil {
		return nil, fmt.Errorf("monge: Move: %w", err)
	}
	sv := &solve{ctx: ctx, g: g, mon: mon, opt: opt, s: s, evals: 1}
	if opt.Method == Newton {
		err = sv.newton()
	} else {
		err = sv.relax()
	}
	if err != nil {
		return nil, fmt.Errorf("monge: Move (%v, %d x %d grid): %w", opt.Method, g.n, g.n, err)
	}
	return sv.result(n)
}

// solve is one run of a solver: the current iterate and the counters.
type solve struct {
	ctx   context.Context
	g     *grid
	mon   *Monitor
	opt   Options
	s     *state
	iters int
	evals int
}

// eval evaluates phi and counts it.
func (sv *solve) eval(phi []float64) (*state, error) {
	sv.evals++
	return sv.g.evaluate(sv.mon, phi)
}

// check returns nil when converged-or-continuing is decided: done reports
// convergence; a non-nil error is cancellation or the iteration limit.
func (sv *solve) check() (done bool, err error) {
	if sv.s.max < sv.opt.Tol {
		return true, nil
	}
	if err := sv.ctx.Err(); err != nil {
		return false, fmt.Errorf("cancelled after %d iterations at residual %.3g: %w", sv.iters, sv.s.max, err)
	}
	if sv.iters >= sv.opt.MaxIter {
		return false, sv.stalled(fmt.Sprintf("no convergence in MaxIter = %d iterations", sv.opt.MaxIter))
	}
	return false, nil
}

// stalled describes where the solver stopped.
func (sv *solve) stalled(why string) error {
	worst, n := 0, sv.g.n
	for k, r := range sv.s.res {
		if math.Abs(r) > math.Abs(sv.s.res[worst]) {
			worst = k
		}
	}
	return fmt.Errorf("%s: residual max %.3g (node i=%d, j=%d at x = (%.4g, %.4g)), RMS %.3g, min det %.3g; want max < Tol = %g",
		why, sv.s.max, worst/n, worst%n, sv.s.x[2*worst], sv.s.x[2*worst+1], sv.s.rms, sv.s.minDet, sv.opt.Tol)
}

// relax runs the pseudo-time relaxation -Lap(phi_new - phi) = dtau res,
// res = m det/theta - 1. A step is taken when the new iterate keeps det >
// 0 at every node and lowers the residual's RMS; then dtau grows by 1.2
// (to at most 1), otherwise it is halved and the step retried.
func (sv *solve) relax() error {
	dt, best := sv.opt.Step, sv.s.rms
	for {
		done, err := sv.check()
		if done || err != nil {
			return err
		}
		sv.iters++
		d := sv.g.solveLaplace(axpy(make([]float64, len(sv.s.res)), -dt, sv.s.res))
		trial, err := sv.eval(axpy(sv.s.phi, 1, d))
		if err != nil {
			return err
		}
		if trial.minDet > 0 && trial.rms < relaxDtol*best {
			if trial.rms < sv.s.rms {
				dt = math.Min(1.2*dt, 1)
			} else {
				dt /= 2
			}
			sv.s, best = trial, math.Min(best, trial.rms)
			continue
		}
		if dt /= 2; dt < 1e-12 {
			return sv.stalled("pseudo-time step below 1e-12")
		}
	}
}

// result assembles the Result of the converged state for the n x n mesh.
func (sv *solve) result(n int) (*Result, error) {
	s := sv.s
	ref, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, fmt.Errorf("monge: Move: %w", err)
	}
	moved, err := ref.WithNodes(sv.subsample(n))
	if err != nil {
		return nil, fmt.Errorf("monge: Move: %w", err)
	}
	r := &Result{Mesh: moved, Phi: s.phi, Iterations: sv.iters, Evaluations: sv.evals,
		Residual: s.max, RMS: s.rms, Theta: s.theta, MinDet: s.minDet}
	if r.Equi, r.MinArea, err = Quality(moved, sv.mon); err != nil {
		return nil, fmt.Errorf("monge: Move: moved mesh: %w", err)
	}
	r.MinArea *= float64((n - 1) * (n - 1))
	if r.UniformEqui, _, err = Quality(ref, sv.mon); err != nil {
		return nil, fmt.Errorf("monge: Move: uniform mesh: %w", err)
	}
	return r, nil
}

// subsample returns the moved nodes of every Refine-th grid node, those of
// the n x n mesh.
func (sv *solve) subsample(n int) []float64 {
	r, big := sv.opt.Refine, sv.g.n
	x := make([]float64, 0, 2*n*n)
	for i := range n {
		for j := range n {
			k := i*r*big + j*r
			x = append(x, sv.s.x[2*k], sv.s.x[2*k+1])
		}
	}
	return x
}

// Quality returns the equidistribution of m A on mesh m (the monitor at
// the cell centroids times the cell areas) and the smallest cell area:
// how Move judges its result, for any mesh of the monitor's square.
func Quality(m *mesh.Mesh, mon *Monitor) (mesh.Equi, float64, error) {
	c, err := m.Centroids()
	if err != nil {
		return mesh.Equi{}, 0, err
	}
	mc, err := mon.at(c)
	if err != nil {
		return mesh.Equi{}, 0, err
	}
	eq, err := m.Equidistribution(mc)
	if err != nil {
		return mesh.Equi{}, 0, err
	}
	areas, err := m.Areas()
	if err != nil {
		return mesh.Equi{}, 0, err
	}
	smallest := math.Inf(1)
	for _, a := range areas {
		smallest = math.Min(smallest, a)
	}
	return eq, smallest, nil
}
