package monge

import (
	"fmt"
	"math"
)

// state is one iterate phi with everything the solvers and the stopping
// rule read from it.
type state struct {
	phi    []float64
	x      []float64 // moved nodes xi + grad phi, [n*n, 2]
	det    []float64 // det(I + H(phi))
	theta  float64   // trapezoid mean of m det: the consistent theta
	res    []float64 // m det / theta - 1
	max    float64   // max |res|
	rms    float64   // trapezoid-weighted RMS of res
	minDet float64
	logRes []float64 // log(m det) minus its mean, nil unless every det > 0
	logRMS float64   // trapezoid-weighted RMS of logRes
}

// evaluate builds the state of phi: maps the nodes, samples the monitor
// there and forms the Monge-Ampere residual.
func (g *grid) evaluate(mon *Monitor, phi []float64) (*state, error) {
	s := &state{phi: phi, x: g.physical(phi), det: g.det(phi), minDet: math.Inf(1)}
	m, err := mon.at(s.x)
	if err != nil {
		return nil, fmt.Errorf("monitor at the moved nodes: %w", err)
	}
	md := make([]float64, len(m))
	for k := range m {
		md[k] = m[k] * s.det[k]
		s.minDet = math.Min(s.minDet, s.det[k])
	}
	s.theta = g.mean(md)
	s.res = make([]float64, len(m))
	for k, v := range md {
		s.res[k] = v/s.theta - 1
		s.max = math.Max(s.max, math.Abs(s.res[k]))
	}
	s.rms = g.rmsOf(s.res)
	if s.minDet > 0 {
		s.logForm(md, g)
	}
	return s, nil
}

// logForm fills logRes = log(m det) - mean log(m det), the residual the
// Newton solver drives to zero (zero exactly when m det is constant).
func (s *state) logForm(md []float64, g *grid) {
	s.logRes = make([]float64, len(md))
	for k, v := range md {
		s.logRes[k] = math.Log(v)
	}
	mu := g.mean(s.logRes)
	for k := range s.logRes {
		s.logRes[k] -= mu
	}
	s.logRMS = g.rmsOf(s.logRes)
}

// rmsOf is the trapezoid-weighted RMS of v.
func (g *grid) rmsOf(v []float64) float64 {
	s := 0.0
	for k, x := range v {
		s += g.w[k] * x * x
	}
	return math.Sqrt(s)
}

// axpy returns x + a y.
func axpy(x []float64, a float64, y []float64) []float64 {
	out := make([]float64, len(x))
	for k := range x {
		out[k] = x[k] + a*y[k]
	}
	return out
}

// dot is the Euclidean inner product.
func dot(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}
