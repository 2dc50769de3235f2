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
type LBFGS[T tensor.Float] struct {
	Rate      float64 // initial step (1)
	MaxIter   int     // iterations per Minimize call (20)
	MaxEval   int     // function evaluations per call (MaxIter * 5/4)
	TolGrad   float64 // stop when max |g| <= TolGrad (1e-7)
	TolChange float64 // stop when steps or loss changes fall below (1e-9)
	History   int     // stored (s, y) pairs (100)

	s, y   [][]float64
	hDiag  float64
	evals  int
	iters  int
	loaded bool
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
	maxEval := o.MaxEval
	if maxEval == 0 {
		maxEval = o.MaxIter * 5 / 4
	}
	eval := func(x []float64) (float64, []float64, error) {
		setFlat(params, x)
		ZeroGrad(params)
		f, err := closure()
		if err != nil {
			return 0, nil, err
		}
		o.evals++
		g := flatGrad(params)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.IsNaN(maxAbs(g)) || math.IsInf(maxAbs(g), 0) {
			return f, g, fmt.Errorf("L-BFGS evaluation %d: loss %v: %w", o.evals, f, ErrNonFinite)
		}
		return f, g, nil
	}
	x := flatten(params)
	f, g, err := eval(x)
	if err != nil {
		return f, err
	}
	evals := 1
	if maxAbs(g) <= o.TolGrad {
		return f, nil
	}
	d := make([]float64, len(x))
	for it := 0; it < o.MaxIter; it++ {
		o.iters++
		// Two-loop recursion: d = -H g.
		q := append([]float64(nil), g...)
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
		for j := range d {
			d[j] = -q[j]
		}
		gtd := dot(g, d)
		if gtd > -o.TolChange {
			break
		}
		t := o.Rate
		if k == 0 && !o.loaded {
			l1 := 0.0
			for _, v := range g {
				l1 += math.Abs(v)
			}
			t = math.Min(1, 1/l1) * o.Rate
		}
		fNew, gNew, tNew, n, err := o.strongWolfe(eval, x, t, d, f, g, gtd)
		evals += n
		if err != nil {
			return f, err
		}
		s := make([]float64, len(x))
		yv := make([]float64, len(x))
		for j := range x {
			s[j] = tNew * d[j]
			yv[j] = gNew[j] - g[j]
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
		fOld := f
		f, g = fNew, gNew
		o.loaded = true
		if evals >= maxEval || maxAbs(g) <= o.TolGrad || maxAbs(s) <= o.TolChange || math.Abs(f-fOld) < o.TolChange {
			break
		}
	}
	setFlat(params, x)
	return f, nil
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
