// Package darcy solves steady 2D Darcy flow on the unit square,
//
//	-div(a grad u) = f  in (0, 1)^2,   u = 0 on the boundary,
//
// with the second-order five-point finite-difference scheme of the FNO
// data generator (solve_gwf.m) on the n x n nodes x_i = i / (n - 1)
// including the boundary:
//
//	-[a_{i+1/2,j}(u_{i+1,j} - u_{i,j}) - a_{i-1/2,j}(u_{i,j} - u_{i-1,j})
//	  + a_{i,j+1/2}(u_{i,j+1} - u_{i,j}) - a_{i,j-1/2}(u_{i,j} - u_{i,j-1})] / h^2 = f_{i,j}
//
// with face coefficients the arithmetic mean of the two nodal values (as
// FNO) or, on request, the harmonic mean (better for discontinuous a). The
// symmetric positive definite system is solved by conjugate gradients
// preconditioned with the diagonal (Jacobi), to a relative residual of
// 1e-10 by default.
package darcy

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/param"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// Mean selects how face coefficients are formed from nodal values.
type Mean string

// Face-coefficient averages.
const (
	Arithmetic Mean = "arithmetic"
	Harmonic   Mean = "harmonic"
)

// Params describes the discretisation.
type Params struct {
	N       int     // nodes per side including the boundary, >= 3
	Mean    Mean    // default arithmetic (FNO)
	Tol     float64 // relative residual; 0 means 1e-10
	MaxIter int     // 0 means 20 n
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("darcy", name, format, args...)
}

// Validate checks the parameters; errors are *param.Error.
func (p Params) Validate() error {
	switch {
	case p.N < 3:
		return paramError("n", "grid size must be at least 3 nodes per side, got %d", p.N)
	case p.Tol < 0 || math.IsNaN(p.Tol) || p.Tol >= 1:
		return paramError("tol", "tolerance must be in [0, 1), got %v", p.Tol)
	case p.MaxIter < 0:
		return paramError("maxiter", "max iterations must be non-negative, got %d", p.MaxIter)
	}
	switch p.Mean {
	case "", Arithmetic, Harmonic:
	default:
		return paramError("mean", "unknown face mean %q (expected %q or %q)", p.Mean, Arithmetic, Harmonic)
	}
	return nil
}

// Grid returns the node coordinates x_i = i / (n - 1).
func (p Params) Grid() []float64 {
	x := make([]float64, p.N)
	for i := range x {
		x[i] = float64(i) / float64(p.N-1)
	}
	return x
}

// Stats reports the linear solve.
type Stats struct {
	Iterations int
	Residual   float64 // final relative residual
}

// Solve returns u (n x n, row-major [i][j] at (x_i, y_j), zero on the
// boundary) for the nodal coefficient a > 0 and right-hand side f.
func Solve(ctx context.Context, p Params, a, f []float64) ([]float64, Stats, error) {
	if err := p.Validate(); err != nil {
		return nil, Stats{}, err
	}
	n := p.N
	if len(a) != n*n || len(f) != n*n {
		return nil, Stats{}, fmt.Errorf("darcy: coefficient has %d and right-hand side %d values, the %d x %d grid needs %d", len(a), len(f), n, n, n*n)
	}
	for k, v := range a {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, Stats{}, fmt.Errorf("darcy: coefficient must be positive and finite, found %v at node (%d, %d)", v, k/n, k%n)
		}
	}
	for k, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, Stats{}, fmt.Errorf("darcy: right-hand side not finite at node (%d, %d)", k/n, k%n)
		}
	}
	m := n - 2 // interior nodes per side
	h2 := 1 / float64((n-1)*(n-1))
	face := func(x, y float64) float64 {
		if p.Mean == Harmonic {
			return 2 * x * y / (x + y)
		}
		return (x + y) / 2
	}
	// Face coefficients of interior node (i, j) (interior indices 0..m-1
	// map to grid nodes i+1, j+1): east/west along i, north/south along j.
	east := make([]float64, m*m)
	west := make([]float64, m*m)
	north := make([]float64, m*m)
	south := make([]float64, m*m)
	diag := make([]float64, m*m)
	b := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			g := (i+1)*n + (j + 1)
			k := i*m + j
			east[k] = face(a[g], a[g+n]) / h2
			west[k] = face(a[g], a[g-n]) / h2
			north[k] = face(a[g], a[g+1]) / h2
			south[k] = face(a[g], a[g-1]) / h2
			diag[k] = east[k] + west[k] + north[k] + south[k]
			b[k] = f[g]
		}
	}
	apply := func(dst, x []float64) {
		parallel.For(m, 10*m, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				for j := 0; j < m; j++ {
					k := i*m + j
					s := diag[k] * x[k]
					if i+1 < m {
						s -= east[k] * x[k+m]
					}
					if i > 0 {
						s -= west[k] * x[k-m]
					}
					if j+1 < m {
						s -= north[k] * x[k+1]
					}
					if j > 0 {
						s -= south[k] * x[k-1]
					}
					dst[k] = s
				}
			}
		})
	}
	tol := p.Tol
	if tol == 0 {
		tol = 1e-10
	}
	maxIter := p.MaxIter
	if maxIter == 0 {
		maxIter = 20 * n
	}
	x, st, err := pcg(ctx, apply, diag, b, tol, maxIter)
	if err != nil {
		return nil, st, err
	}
	u := make([]float64, n*n)
	for i := 0; i < m; i++ {
		copy(u[(i+1)*n+1:(i+1)*n+1+m], x[i*m:(i+1)*m])
	}
	return u, st, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// pcg solves A x = b with Jacobi-preconditioned conjugate gradients.
func pcg(ctx context.Context, apply func(dst, x []float64), diag, b []float64, tol float64, maxIter int) ([]float64, Stats, error) {
	n := len(b)
	x := make([]float64, n)
	r := append([]float64(nil), b...)
	z := make([]float64, n)
	for i := range z {
		z[i] = r[i] / diag[i]
	}
	d := append([]float64(nil), z...)
	q := make([]float64, n)
	bn := math.Sqrt(dot(b, b))
	if bn == 0 {
		return x, Stats{}, nil
	}
	rz := dot(r, z)
	for it := 1; it <= maxIter; it++ {
		if it%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, Stats{Iterations: it}, err
			}
		}
		apply(q, d)
		alpha := rz / dot(d, q)
		for i := range x {
			x[i] += alpha * d[i]
			r[i] -= alpha * q[i]
		}
		res := math.Sqrt(dot(r, r)) / bn
		if math.IsNaN(res) {
			return nil, Stats{Iterations: it}, fmt.Errorf("darcy: conjugate gradients broke down at iteration %d", it)
		}
		if res <= tol {
			return x, Stats{Iterations: it, Residual: res}, nil
		}
		for i := range z {
			z[i] = r[i] / diag[i]
		}
		rzNew := dot(r, z)
		beta := rzNew / rz
		rz = rzNew
		for i := range d {
			d[i] = z[i] + beta*d[i]
		}
	}
	res := math.Sqrt(dot(r, r)) / bn
	return nil, Stats{Iterations: maxIter, Residual: res}, fmt.Errorf("darcy: conjugate gradients reached relative residual %.3g after %d iterations, not %.3g", res, maxIter, tol)
}
