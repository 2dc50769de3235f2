package nn

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// LBFGS is the limited-memory BFGS method (Nocedal and Wright, Numerical
// Optimization, Alg. 7.4) with a strong-Wolfe line search (Alg. 3.5/3.6,
// cubic interpolation), full batch, as PINNs use to finish training.
// Defaults follow torch.optim.LBFGS with line_search_fn="strong_wolfe".
//
// A run of at most MaxIter iterations and MaxEval loss evaluations is
// Minimize, or Begin followed by Iterate until it reports done; State
// captures a run between iterations (curvature pairs, the current point,
// loss and gradient, the counters), so nn.Trainer checkpoints it and a
// resumed run continues bit-identically.
type LBFGS[T tensor.Float] struct {
	Rate      float64 // initial step (1)
	MaxIter   int     // iterations per run (20)
	MaxEval   int     // function evaluations per run (MaxIter * 5/4)
	TolGrad   float64 // stop when max |g| <= TolGrad (1e-7)
	TolChange float64 // stop when steps or loss changes fall below (1e-9)
	History   int     // stored (s, y) pairs (100)

	s, y   [][]float64
	hDiag  float64
	evals  int  // evaluations over all runs (for messages)
	iters  int  // iterations over all runs
	loaded bool // an iteration was taken: later runs start from step Rate

	// The run in progress: the point (float64, whatever T is), its loss
	// and gradient, its counters; x is nil before Begin.
	x, g     []float64
	f        float64
	runEvals int
	runIters int
	done     bool
}

// NewLBFGS returns L-BFGS with PyTorch's defaults.
func NewLBFGS[T tensor.Float]() *LBFGS[T] {
	return &LBFGS[T]{Rate: 1, MaxIter: 20, TolGrad: 1e-7, TolChange: 1e-9, History: 100}
}

// ErrNonFinite marks a loss or gradient that became NaN or infinite.
var ErrNonFinite = errors.New("nn: non-finite loss or gradient")

// Closure evaluates the loss at the parameters' current values and leaves
// its gradient in their Grad fields.
type Closure func() (float64, error)

func flatten[T tensor.Float](params []Param[T]) []float64 {
	var x []float64
	for _, p := range params {
		for _, v := range p.Var.Value.Data() {
			x = append(x, float64(v))
		}
	}
	return x
}

func flatGrad[T tensor.Float](params []Param[T]) []float64 {
	var g []float64
	for _, p := range params {
		n := p.Var.Value.Len()
		if p.Var.Grad == nil {
			g = append(g, make([]float64, n)...)
			continue
		}
		for _, v := range p.Var.Grad.Data() {
			g = append(g, float64(v))
		}
	}
	return g
}

func setFlat[T tensor.Float](params []Param[T], x []float64) {
	k := 0
	for _, p := range params {
		d := p.Var.Value.Data()
		for i := range d {
			d[i] = T(x[k])
			k++
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// Minimize runs up to MaxIter L-BFGS iterations from the parameters'
// current values and returns the final loss. Calling it again continues
// with the stored curvature pairs.
func (o *LBFGS[T]) Minimize(params []Param[T], closure Closure) (float64, error) {
	f, done, err := o.Begin(params, closure)
	for err == nil && !done {
		f, done, err = o.Iterate(params, closure)
	}
	return f, err
}

// maxEval is the evaluation budget of a run.
func (o *LBFGS[T]) maxEval() int {
	if o.MaxEval == 0 {
		return o.MaxIter * 5 / 4
	}
	return o.MaxEval
}

// evaluator returns the function that sets the parameters to x and
// evaluates the closure there, counting evaluations in *n.
func (o *LBFGS[T]) evaluator(params []Param[T], closure Closure, n *int) evalFn {
	return func(x []float64) (float64, []float64, error) {
		setFlat(params, x)
		ZeroGrad(params)
		f, err := closure()
		if err != nil {
			return 0, nil, err
		}
		*n++
		g := flatGrad(params)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.IsNaN(maxAbs(g)) || math.IsInf(maxAbs(g), 0) {
			return f, g, fmt.Errorf("L-BFGS evaluation %d: loss %v: %w", o.evals+*n, f, ErrNonFinite)
		}
		return f, g, nil
	}
}

// Begin starts a run from the parameters' current values: it evaluates
// the closure there and returns the loss, and done when the run has
// nothing to do (the gradient already vanishes, or MaxIter < 1).
func (o *LBFGS[T]) Begin(params []Param[T], closure Closure) (float64, bool, error) {
	n := 0
	x := flatten(params)
	f, g, err := o.evaluator(params, closure, &n)(x)
	o.evals += n
	if err != nil {
		return f, false, err
	}
	o.x, o.g, o.f, o.runEvals, o.runIters = x, g, f, n, 0
	o.done = maxAbs(g) <= o.TolGrad || o.MaxIter < 1
	return f, o.done, nil
}

// Begun reports whether a run is in progress or finished (Begin was
// called, here or before the state was saved).
func (o *LBFGS[T]) Begun() bool { return o.x != nil }

// Done reports whether the run has ended (iterations, evaluations or a
// tolerance).
func (o *LBFGS[T]) Done() bool { return o.done }

// Iterate takes one iteration of the run Begin started: the two-loop
// recursion for the direction, a strong-Wolfe line search, the curvature
// pair. It leaves the parameters at the new point and returns its loss,
// and done when the run has ended (MaxIter, MaxEval or a tolerance). On an
// error the run is as before the call and the parameters are back at its
// point, so it can be saved or retried.
func (o *LBFGS[T]) Iterate(params []Param[T], closure Closure) (float64, bool, error) {
	if o.x == nil {
		return 0, false, errors.New("nn: L-BFGS Iterate called before Begin")
	}
	if n := CountParams(params); n != len(o.x) {
		return 0, false, fmt.Errorf("nn: L-BFGS run is over %d values, the parameters hold %d: %w", len(o.x), n, ErrCheckpointMismatch)
	}
	if o.done {
		return o.f, true, nil
	}
	d := o.direction()
	gtd := dot(o.g, d)
	if gtd > -o.TolChange {
		o.iters++
		o.runIters++
		o.done = true
		setFlat(params, o.x)
		return o.f, true, nil
	}
	t := o.Rate
	if len(o.s) == 0 && !o.loaded {
		l1 := 0.0
		for _, v := range o.g {
			l1 += math.Abs(v)
		}
		t = math.Min(1, 1/l1) * o.Rate
	}
	n := 0
	fNew, gNew, tNew, ls, err := o.strongWolfe(o.evaluator(params, closure, &n), o.x, t, d, o.f, o.g, gtd)
	if err != nil {
		setFlat(params, o.x)
		return o.f, false, err
	}
	o.evals += n
	o.iters++
	o.runIters++
	o.runEvals += ls
	o.accept(tNew, d, fNew, gNew)
	setFlat(params, o.x)
	return o.f, o.done, nil
}

// direction returns -H g by the two-loop recursion over the stored pairs.
func (o *LBFGS[T]) direction() []float64 {
	q := append([]float64(nil), o.g...)
	k := len(o.s)
	alpha := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		rho := 1 / dot(o.y[i], o.s[i])
		alpha[i] = rho * dot(o.s[i], q)
		for j := range q {
			q[j] -= alpha[i] * o.y[i][j]
		}
	}
	h := o.hDiag
	if k == 0 {
		h = 1
	}
	for j := range q {
		q[j] *= h
	}
	for i := 0; i < k; i++ {
		rho := 1 / dot(o.y[i], o.s[i])
		beta := rho * dot(o.y[i], q)
		for j := range q {
			q[j] += o.s[i][j] * (alpha[i] - beta)
		}
	}
	for j := range q {
		q[j] = -q[j]
	}
	return q
}

// accept moves the run to x + t d with loss fNew and gradient gNew,
// stores the curvature pair when it is positive enough, and decides
// whether the run has ended.
func (o *LBFGS[T]) accept(t float64, d []float64, fNew float64, gNew []float64) {
	x := o.x
	s := make([]float64, len(x))
	yv := make([]float64, len(x))
	for j := range x {
		s[j] = t * d[j]
		yv[j] = gNew[j] - o.g[j]
	}
	if ys := dot(yv, s); ys > 1e-10 {
		if len(o.s) == o.History {
			o.s, o.y = o.s[1:], o.y[1:]
		}
		o.s = append(o.s, s)
		o.y = append(o.y, yv)
		o.hDiag = ys / dot(yv, yv)
	}
	for j := range x {
		x[j] += s[j]
	}
	fOld := o.f
	o.f, o.g = fNew, gNew
	o.loaded = true
	o.done = o.runEvals >= o.maxEval() || maxAbs(o.g) <= o.TolGrad || maxAbs(s) <= o.TolChange ||
		math.Abs(o.f-fOld) < o.TolChange || o.runIters >= o.MaxIter
}

// lbfgsSlots is the name OptimizerState.Slots files L-BFGS's vectors
// under: they span all parameters, flattened in their order.
const lbfgsSlots = "lbfgs"

// State returns the run between iterations: the counters and the loss as
// scalars, and the point x, its gradient g and the curvature pairs s and
// y (pairs concatenated, oldest first) as slots.
func (o *LBFGS[T]) State() OptimizerState {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	st := OptimizerState{Kind: "lbfgs", Scalars: map[string]float64{
		"lr": o.Rate, "h_diag": o.hDiag, "evals": float64(o.evals), "iters": float64(o.iters), "loaded": b(o.loaded),
		"begun": b(o.x != nil), "f": o.f, "run_evals": float64(o.runEvals), "run_iters": float64(o.runIters),
		"done": b(o.done), "pairs": float64(len(o.s)),
	}, Slots: map[string]map[string][]float64{}}
	if o.x != nil {
		st.Slots[lbfgsSlots] = map[string][]float64{"x": append([]float64(nil), o.x...), "g": append([]float64(nil), o.g...)}
		if len(o.s) > 0 {
			st.Slots[lbfgsSlots]["s"] = concat(o.s)
			st.Slots[lbfgsSlots]["y"] = concat(o.y)
		}
	}
	return st
}

// LoadState restores a state from State.
func (o *LBFGS[T]) LoadState(st OptimizerState) error {
	if st.Kind != "lbfgs" {
		return fmt.Errorf("nn: optimizer state is for %q, this optimizer is \"lbfgs\"", st.Kind)
	}
	sc := map[string]float64{}
	for _, k := range []string{"lr", "h_diag", "evals", "iters", "loaded", "begun", "f", "run_evals", "run_iters", "done", "pairs"} {
		v, err := scalar(st, k)
		if err != nil {
			return err
		}
		sc[k] = v
	}
	x, g, s, y, err := lbfgsVectors(st, sc["begun"] == 1, int(sc["pairs"]))
	if err != nil {
		return err
	}
	o.Rate, o.hDiag, o.f = sc["lr"], sc["h_diag"], sc["f"]
	o.evals, o.iters, o.runEvals, o.runIters = int(sc["evals"]), int(sc["iters"]), int(sc["run_evals"]), int(sc["run_iters"])
	o.loaded, o.done = sc["loaded"] == 1, sc["done"] == 1
	o.x, o.g, o.s, o.y = x, g, s, y
	return nil
}

// lbfgsVectors reads and checks the slots of an L-BFGS state: x and g of
// one length n, s and y of pairs * n values.
func lbfgsVectors(st OptimizerState, begun bool, pairs int) (x, g []float64, s, y [][]float64, err error) {
	if !begun {
		return nil, nil, nil, nil, nil
	}
	v := st.Slots[lbfgsSlots]
	x, g = append([]float64(nil), v["x"]...), append([]float64(nil), v["g"]...)
	n := len(x)
	if n == 0 || len(g) != n || len(v["s"]) != pairs*n || len(v["y"]) != pairs*n {
		return nil, nil, nil, nil, fmt.Errorf("nn: L-BFGS state holds x of %d values, g of %d, s of %d and y of %d; expected x and g of one length n >= 1 and %d pairs of n: %w",
			n, len(g), len(v["s"]), len(v["y"]), pairs, ErrCheckpointMismatch)
	}
	return x, g, split(v["s"], pairs, n), split(v["y"], pairs, n), nil
}

func concat(vs [][]float64) []float64 {
	var out []float64
	for _, v := range vs {
		out = append(out, v...)
	}
	return out
}

func split(v []float64, k, n int) [][]float64 {
	out := make([][]float64, k)
	for i := range out {
		out[i] = append([]float64(nil), v[i*n:(i+1)*n]...)
	}
	return out
}

// cubicMin returns the minimiser of the cubic through (x1, f1, g1) and
// (x2, f2, g2), clamped to the bounds (Nocedal and Wright eq. 3.59).
func cubicMin(x1, f1, g1, x2, f2, g2, lo, hi float64) float64 {
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	sq := d1*d1 - g1*g2
	if sq >= 0 {
		d2 := math.Sqrt(sq)
		var m float64
		if x1 <= x2 {
			m = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
		} else {
			m = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
		}
		return math.Min(math.Max(m, lo), hi)
	}
	return (lo + hi) / 2
}

type evalFn func(x []float64) (float64, []float64, error)

// strongWolfe finds t with f(x + t d) <= f + c1 t gtd and
// |g(x + t d) . d| <= -c2 gtd (c1 = 1e-4, c2 = 0.9).
func (o *LBFGS[T]) strongWolfe(eval evalFn, x []float64, t float64, d []float64, f float64, g []float64, gtd float64) (float64, []float64, float64, int, error) {
	const c1, c2, maxLS = 1e-4, 0.9, 25
	xt := make([]float64, len(x))
	at := func(t float64) (float64, []float64, float64, error) {
		for j := range x {
			xt[j] = x[j] + t*d[j]
		}
		fn, gn, err := eval(xt)
		if err != nil {
			return 0, nil, 0, err
		}
		return fn, gn, dot(gn, d), nil
	}
	fNew, gNew, gtdNew, err := at(t)
	if err != nil {
		return 0, nil, 0, 1, err
	}
	n := 1
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	var lo, hi [2]float64 // t, f
	var gLo []float64
	var gtdLo, gtdHi float64
	bracketed := false
	for n < maxLS {
		if fNew > f+c1*t*gtd || (n > 1 && fNew >= fPrev) {
			lo, hi = [2]float64{tPrev, fPrev}, [2]float64{t, fNew}
			gLo, gtdLo, gtdHi = gPrev, gtdPrev, gtdNew
			bracketed = true
			break
		}
		if math.Abs(gtdNew) <= -c2*gtd {
			return fNew, gNew, t, n, nil
		}
		if gtdNew >= 0 {
			lo, hi = [2]float64{t, fNew}, [2]float64{tPrev, fPrev}
			gLo, gtdLo, gtdHi = gNew, gtdNew, gtdPrev
			bracketed = true
			break
		}
		// Extrapolate.
		tNext := cubicMin(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, t+0.01*(t-tPrev), t*10)
		tPrev, fPrev, gPrev, gtdPrev = t, fNew, gNew, gtdNew
		t = tNext
		fNew, gNew, gtdNew, err = at(t)
		if err != nil {
			return 0, nil, 0, n, err
		}
		n++
	}
	if !bracketed {
		return fNew, gNew, t, n, nil
	}
	// Zoom.
	for n < maxLS {
		if math.Abs(hi[0]-lo[0])*maxAbs(d) < o.TolChange {
			break
		}
		a, b := math.Min(lo[0], hi[0]), math.Max(lo[0], hi[0])
		tz := cubicMin(lo[0], lo[1], gtdLo, hi[0], hi[1], gtdHi, a, b)
		// Keep away from the ends (PyTorch's insufficient-progress rule).
		eps := 0.1 * (b - a)
		if math.Min(b-tz, tz-a) < eps {
			if math.Abs(tz-b) < math.Abs(tz-a) {
				tz = b - eps
			} else {
				tz = a + eps
			}
		}
		fz, gz, gtdz, err := at(tz)
		if err != nil {
			return 0, nil, 0, n, err
		}
		n++
		if fz > f+c1*tz*gtd || fz >= lo[1] {
			hi = [2]float64{tz, fz}
			gtdHi = gtdz
		} else {
			if math.Abs(gtdz) <= -c2*gtd {
				return fz, gz, tz, n, nil
			}
			if gtdz*(hi[0]-lo[0]) >= 0 {
				hi = lo
				gtdHi = gtdLo
			}
			lo = [2]float64{tz, fz}
			gLo, gtdLo = gz, gtdz
		}
	}
	// The best point found is the low end of the bracket.
	return lo[1], gLo, lo[0], n, nil
}
