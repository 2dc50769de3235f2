// Package etd computes the coefficients of the fourth-order exponential
// time-differencing Runge-Kutta scheme ETDRK4 (Cox and Matthews, 2002) for
// a diagonal linear operator, by the contour-integral evaluation of
// Kassam and Trefethen (2005), which avoids the cancellation of the phi
// functions at small h*L. For u_t = L u + N(u) with step h:
//
//	a = E2 u + Q N(u);  b = E2 u + Q N(a);  c = E2 a + Q (2 N(b) - N(u))
//	u <- E u + F1 N(u) + 2 F2 (N(a) + N(b)) + F3 N(c)
//
// with E = e^{hL}, E2 = e^{hL/2}. Solvers share it so the scheme lives in
// one place.
package etd

import (
	"math"
	"math/cmplx"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// Coef holds the per-mode coefficients of one step size.
type Coef struct {
	E, E2, Q, F1, F2, F3 []float64
}

// contourPoints is the number of points on the unit circle around h L
// (32 as in Kassam and Trefethen).
const contourPoints = 32

// New returns the coefficients for the diagonal operator lin and step h.
func New(lin []float64, h float64) *Coef {
	n := len(lin)
	c := &Coef{E: make([]float64, n), E2: make([]float64, n), Q: make([]float64, n),
		F1: make([]float64, n), F2: make([]float64, n), F3: make([]float64, n)}
	cache := map[float64][4]float64{}
	for j, l := range lin {
		hl := h * l
		c.E[j] = math.Exp(hl)
		c.E2[j] = math.Exp(hl / 2)
		v, ok := cache[hl]
		if !ok {
			var q, f1, f2, f3 float64
			for i := 1; i <= contourPoints; i++ {
				r := cmplx.Exp(complex(0, math.Pi*(float64(i)-0.5)/contourPoints))
				z := complex(hl, 0) + r
				ez := cmplx.Exp(z)
				z3 := z * z * z
				q += real((cmplx.Exp(z/2) - 1) / z)
				f1 += real((-4 - z + ez*(4-3*z+z*z)) / z3)
				f2 += real((2 + z + ez*(-2+z)) / z3)
				f3 += real((-4 - 3*z - z*z + ez*(4-z)) / z3)
			}
			v = [4]float64{h * q / contourPoints, h * f1 / contourPoints, h * f2 / contourPoints, h * f3 / contourPoints}
			cache[hl] = v
		}
		c.Q[j], c.F1[j], c.F2[j], c.F3[j] = v[0], v[1], v[2], v[3]
	}
	return c
}

// Stepper holds the stage buffers of ETDRK4 for spectra of one length.
type Stepper struct {
	nv, na, nb, nc, a, b, c []complex128
}

// NewStepper allocates buffers for spectra of n coefficients.
func NewStepper(n int) *Stepper {
	s := &Stepper{}
	for _, p := range []*[]complex128{&s.nv, &s.na, &s.nb, &s.nc, &s.a, &s.b, &s.c} {
		*p = make([]complex128, n)
	}
	return s
}

// Step advances v in place by one ETDRK4 step with coefficients c, where
// rhs writes the nonlinear term N(w) into dst.
func (s *Stepper) Step(c *Coef, v []complex128, rhs func(dst, w []complex128)) {
	rhs(s.nv, v)
	parallel.For(len(v), 8, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.a[j] = scale(c.E2[j], v[j]) + scale(c.Q[j], s.nv[j])
		}
	})
	rhs(s.na, s.a)
	parallel.For(len(v), 8, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.b[j] = scale(c.E2[j], v[j]) + scale(c.Q[j], s.na[j])
		}
	})
	rhs(s.nb, s.b)
	parallel.For(len(v), 8, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.c[j] = scale(c.E2[j], s.a[j]) + scale(c.Q[j], 2*s.nb[j]-s.nv[j])
		}
	})
	rhs(s.nc, s.c)
	parallel.For(len(v), 8, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			v[j] = scale(c.E[j], v[j]) + scale(c.F1[j], s.nv[j]) + scale(2*c.F2[j], s.na[j]+s.nb[j]) + scale(c.F3[j], s.nc[j])
		}
	})
}

// scale is r z for real r: two products, where Go's complex product with
// complex(r, 0) takes four.
func scale(r float64, z complex128) complex128 { return complex(r*real(z), r*imag(z)) }

// Cache holds the coefficients of one linear operator for each step size
// used, built on first use: a solver's steps take few distinct sizes (the
// full step and the shortened ones that land on output times). The zero
// Cache is ready; a Cache must serve one operator only.
type Cache struct {
	coefs map[float64]*Coef
}

// For returns the coefficients of lin for step h, from the cache when h
// was used before.
func (c *Cache) For(lin []float64, h float64) *Coef {
	if co, ok := c.coefs[h]; ok {
		return co
	}
	if c.coefs == nil {
		c.coefs = map[float64]*Coef{}
	}
	co := New(lin, h)
	c.coefs[h] = co
	return co
}
