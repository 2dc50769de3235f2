package monge

import (
	"errors"
	"fmt"
	"math"
)

// Newton-Krylov settings.
const (
	krylovMax    = 60   // GMRES iterations a Newton step (no restart)
	krylovTol    = 1e-3 // relative GMRES residual that ends a Newton step's solve
	lineHalvings = 30   // backtracking halvings before a Newton step fails
)

// newton drives G(phi) = log(m det(I+H)) - mean log(m det(I+H)) to zero by
// Newton's method: each step solves J s = -G by right-preconditioned GMRES
// (J v by a forward difference of G, the preconditioner the inverse
// Neumann Laplacian, which is J at phi = 0 for a constant monitor), then
// backtracks from the full step until det > 0 at every node and the RMS
// of G falls (Armijo, 1e-4).
func (sv *solve) newton() error {
	for {
		done, err := sv.check()
		if done || err != nil {
			return err
		}
		if sv.s.logRes == nil {
			return sv.stalled("det(I + H) <= 0 at a node")
		}
		sv.iters++
		step, err := sv.krylov()
		if err != nil {
			return err
		}
		if err := sv.lineSearch(step); err != nil {
			return err
		}
	}
}

// lineSearch takes the longest step lambda step, lambda = 1, 1/2, ...,
// that keeps det > 0 and lowers the RMS of G.
func (sv *solve) lineSearch(step []float64) error {
	lambda := 1.0
	for range lineHalvings {
		trial, err := sv.eval(axpy(sv.s.phi, lambda, step))
		if err != nil {
			return err
		}
		if trial.logRes != nil && trial.logRMS < (1-1e-4*lambda)*sv.s.logRMS {
			sv.s = trial
			return nil
		}
		lambda /= 2
	}
	return sv.stalled(fmt.Sprintf("line search failed after %d halvings", lineHalvings))
}

// jv returns J v, the derivative of G at the current iterate along v, by a
// forward difference.
func (sv *solve) jv(v []float64) ([]float64, error) {
	eps := 1e-7 * (1 + maxAbs(sv.s.phi)) / math.Max(maxAbs(v), 1e-300)
	trial, err := sv.eval(axpy(sv.s.phi, eps, v))
	if err != nil {
		return nil, err
	}
	if trial.logRes == nil {
		return nil, sv.stalled("det(I + H) <= 0 within the difference step")
	}
	out := make([]float64, len(v))
	for k := range v {
		out[k] = (trial.logRes[k] - sv.s.logRes[k]) / eps
	}
	return out, nil
}

// krylov solves J P y = -G by GMRES and returns the Newton step P y, P the
// inverse Neumann Laplacian.
func (sv *solve) krylov() ([]float64, error) {
	b := axpy(make([]float64, len(sv.s.logRes)), -1, sv.s.logRes)
	beta := math.Sqrt(dot(b, b))
	if beta == 0 {
		return nil, errors.New("zero Newton right-hand side")
	}
	gm := newGMRES(b, beta)
	for j := 0; j < krylovMax && !gm.converged(krylovTol*beta); j++ {
		w, err := sv.jv(sv.g.solveLaplace(gm.v[j]))
		if err != nil {
			return nil, err
		}
		gm.extend(w)
	}
	return sv.g.solveLaplace(gm.solution()), nil
}

// gmres is the state of one GMRES cycle: the Arnoldi basis, the rotated
// Hessenberg matrix (upper triangular) and the rotated right-hand side.
type gmres struct {
	v      [][]float64
	r      [][]float64 // column j of R: r[j][0..j]
	cs, sn []float64
	g      []float64
}

// newGMRES starts a cycle for the right-hand side b of norm beta > 0.
func newGMRES(b []float64, beta float64) *gmres {
	return &gmres{v: [][]float64{axpy(make([]float64, len(b)), 1/beta, b)}, g: []float64{beta}}
}

// converged reports whether the residual norm |g_last| is at most tol.
func (gm *gmres) converged(tol float64) bool {
	return math.Abs(gm.g[len(gm.g)-1]) <= tol
}

// extend orthogonalises w = A v_j against the basis (modified
// Gram-Schmidt), appends the new vector and rotates the new column.
func (gm *gmres) extend(w []float64) {
	j := len(gm.r)
	col := make([]float64, j+2)
	for i := range j + 1 {
		col[i] = dot(w, gm.v[i])
		w = axpy(w, -col[i], gm.v[i])
	}
	col[j+1] = math.Sqrt(dot(w, w))
	if col[j+1] > 0 {
		gm.v = append(gm.v, axpy(make([]float64, len(w)), 1/col[j+1], w))
	} else {
		gm.v = append(gm.v, make([]float64, len(w)))
	}
	for i := range j {
		a, b := col[i], col[i+1]
		col[i], col[i+1] = gm.cs[i]*a+gm.sn[i]*b, -gm.sn[i]*a+gm.cs[i]*b
	}
	d := math.Hypot(col[j], col[j+1])
	c, s := 1.0, 0.0
	if d > 0 {
		c, s = col[j]/d, col[j+1]/d
	}
	gm.cs, gm.sn = append(gm.cs, c), append(gm.sn, s)
	col[j] = d
	gm.g = append(gm.g, -s*gm.g[j])
	gm.g[j] *= c
	gm.r = append(gm.r, col[:j+1])
}

// solution back-substitutes R y = g and returns sum_i y_i v_i.
func (gm *gmres) solution() []float64 {
	k := len(gm.r)
	y := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		s := gm.g[i]
		for l := i + 1; l < k; l++ {
			s -= gm.r[l][i] * y[l]
		}
		if gm.r[i][i] != 0 {
			y[i] = s / gm.r[i][i]
		}
	}
	x := make([]float64, len(gm.v[0]))
	for i := range k {
		x = axpy(x, y[i], gm.v[i])
	}
	return x
}

// maxAbs returns max |v_k|.
func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}
