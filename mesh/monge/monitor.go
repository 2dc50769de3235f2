package monge

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/mesh"
)

// UpstreamBeta is the DMM reference code's gradient-monitor weight:
// m = 1 + |grad u| / (0.01 alpha), alpha = integral of |grad u|, i.e.
// beta = 100 in m = 1 + beta |grad u| / mean |grad u|.
const UpstreamBeta = 100

// maxGrid bounds the side of a monitor grid (mesh.SampleGrid's limit).
const maxGrid = 1 << 15

// Monitor is a positive mesh density m(x) on the unit square: either node
// values on a uniform n x n grid of [0, 1]^2 (node i*n + j at (i/(n-1),
// j/(n-1)), the order of mesh.StructuredQuad(n, n)), sampled at any point by
// bilinear interpolation (mesh.SampleGrid), or an analytic Go function.
type Monitor struct {
	n      int
	values []float64
	fn     func(x, y float64) float64
}

// GridMonitor returns the monitor with the given values on the n x n grid
// (values [n*n], copied). Every value must be finite and positive; the
// error names the first node that is not.
func GridMonitor(values []float64, n int) (*Monitor, error) {
	if n < 2 || n > maxGrid {
		return nil, fmt.Errorf("monge: GridMonitor: grid of %d x %d nodes; want 2 <= n <= %d", n, n, maxGrid)
	}
	if len(values) != n*n {
		return nil, fmt.Errorf("monge: GridMonitor: %d values; want n*n = %d for a %d x %d grid", len(values), n*n, n, n)
	}
	for k, v := range values {
		if err := checkValue(v, float64(k/n)/float64(n-1), float64(k%n)/float64(n-1)); err != nil {
			return nil, fmt.Errorf("monge: GridMonitor: node %d (i=%d, j=%d): %w", k, k/n, k%n, err)
		}
	}
	return &Monitor{n: n, values: append([]float64(nil), values...)}, nil
}

// FuncMonitor returns the analytic monitor f, evaluated exactly wherever
// the mover needs it. f must be finite and positive on [0, 1]^2; a value
// that is not is an error at evaluation, naming the point.
func FuncMonitor(f func(x, y float64) float64) (*Monitor, error) {
	if f == nil {
		return nil, errors.New("monge: FuncMonitor: nil function")
	}
	return &Monitor{fn: f}, nil
}

// GradientMonitor returns the DMM reference code's monitor of a field u on
// the n x n grid (u [n*n], node order as in GridMonitor):
//
//	m = 1 + beta |grad u| / mean|grad u|,
//
// beta = UpstreamBeta upstream. grad u uses central differences at
// interior nodes and second-order one-sided differences (-3u_0 + 4u_1 -
// u_2) / (2h) on the edges (the field is not assumed periodic; upstream
// uses first-order one-sided differences everywhere). mean|grad u| is the
// trapezoid-rule integral of |grad u| over [0, 1]^2. A u constant up to
// rounding (mean|grad u| at most RoundingGradient) gives m = 1, not a
// monitor of its rounding noise. beta must be finite and >= 0, n >= 3 and u finite.
func GradientMonitor(u []float64, n int, beta float64) (*Monitor, error) {
	if n < 3 || n > maxGrid {
		return nil, fmt.Errorf("monge: GradientMonitor: grid of %d x %d nodes; want 3 <= n <= %d", n, n, maxGrid)
	}
	if len(u) != n*n {
		return nil, fmt.Errorf("monge: GradientMonitor: %d field values; want n*n = %d for a %d x %d grid", len(u), n*n, n, n)
	}
	if math.IsNaN(beta) || math.IsInf(beta, 0) || beta < 0 {
		return nil, fmt.Errorf("monge: GradientMonitor: beta = %g; want finite and >= 0", beta)
	}
	for k, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("monge: GradientMonitor: u at node %d (i=%d, j=%d) is %g; want finite", k, k/n, k%n, v)
		}
	}
	g := gradNorm(u, n)
	mean := trapezoid2D(g, n)
	m := make([]float64, n*n)
	flat := mean <= RoundingGradient(u, n)
	for k, v := range g {
		m[k] = 1
		if !flat {
			m[k] += beta * v / mean
		}
	}
	return GridMonitor(m, n)
}

// RoundingGradient is the size of |grad u| that rounding alone produces
// in finite differences of u on n nodes per axis: 64 eps max|u| / h.
func RoundingGradient(u []float64, n int) float64 {
	big := 0.0
	for _, v := range u {
		big = math.Max(big, math.Abs(v))
	}
	return 64 * 0x1p-52 * big * float64(n-1)
}

// gradNorm returns |grad u| at every node of the n x n grid.
func gradNorm(u []float64, n int) []float64 {
	h := 1 / float64(n-1)
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			gx := diff(func(a int) float64 { return u[a*n+j] }, i, n, h)
			gy := diff(func(a int) float64 { return u[i*n+a] }, j, n, h)
			out[i*n+j] = math.Hypot(gx, gy)
		}
	}
	return out
}

// diff is the derivative of the line f at index i of n: central inside,
// second-order one-sided at the ends.
func diff(f func(int) float64, i, n int, h float64) float64 {
	switch i {
	case 0:
		return (-3*f(0) + 4*f(1) - f(2)) / (2 * h)
	case n - 1:
		return (3*f(n-1) - 4*f(n-2) + f(n-3)) / (2 * h)
	}
	return (f(i+1) - f(i-1)) / (2 * h)
}

// trapezoid2D is the trapezoid-rule integral over [0, 1]^2 of node values
// on the n x n grid.
func trapezoid2D(v []float64, n int) float64 {
	w := trapezoidWeights(n)
	s := 0.0
	for i := range n {
		for j := range n {
			s += w[i] * w[j] * v[i*n+j]
		}
	}
	return s
}

// trapezoidWeights returns the 1-D trapezoid weights of n nodes on [0, 1]
// (h/2 at the ends, h inside; they sum to 1).
func trapezoidWeights(n int) []float64 {
	h := 1 / float64(n-1)
	w := make([]float64, n)
	for i := range w {
		w[i] = h
	}
	w[0], w[n-1] = h/2, h/2
	return w
}

// checkValue reports a monitor value that is not finite and positive.
func checkValue(v, x, y float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return fmt.Errorf("monitor m(%g, %g) = %g; want finite and > 0", x, y, v)
	}
	return nil
}

// At returns the monitor at points [P, 2] in [0, 1]^2 (bilinear on a grid
// monitor, exact for an analytic one).
func (m *Monitor) At(points []float64) ([]float64, error) {
	out, err := m.at(points)
	if err != nil {
		return nil, fmt.Errorf("monge: Monitor.At: %w", err)
	}
	return out, nil
}

// at is At without the error prefix.
func (m *Monitor) at(points []float64) ([]float64, error) {
	if m == nil || (m.fn == nil && m.values == nil) {
		return nil, errors.New("nil or empty monitor; build one with GridMonitor, FuncMonitor or GradientMonitor")
	}
	if m.fn == nil {
		return mesh.SampleGrid(m.values, m.n, 1, points)
	}
	if len(points)%2 != 0 {
		return nil, fmt.Errorf("%d point coordinates; want a multiple of 2 ([P, 2])", len(points))
	}
	out := make([]float64, len(points)/2)
	for p := range out {
		x, y := points[2*p], points[2*p+1]
		out[p] = m.fn(x, y)
		if err := checkValue(out[p], x, y); err != nil {
			return nil, fmt.Errorf("point %d: %w", p, err)
		}
	}
	return out, nil
}
