package dmm

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/tensor"
)

// Field is one training or inference sample: the branch input and the
// monitor it must equidistribute, as node values on a uniform grid of
// [0, 1]^Dim with N nodes per axis (node i*N + j at (i/(N-1), j/(N-1)) in
// 2-D), sampled (bi)linearly.
type Field struct {
	Branch  []float64 // the branch input: the field itself, or any vector the net's branch takes
	Monitor []float64 // monitor node values, N^Dim, finite and > 0
	N, Dim  int
	Theta   float64 // integral of the (bi)linear monitor over [0, 1]^Dim (the trapezoid rule, exactly)
}

// NewField2D returns the sample of a field u on the n x n grid (node i*n +
// j at (i/(n-1), j/(n-1))) with monge.GradientMonitor(u, n, beta): m = 1 +
// beta |grad u| / mean |grad u| (monge.UpstreamBeta = 100 upstream).
func NewField2D(u []float64, n int, beta float64) (Field, error) {
	mon, err := monge.GradientMonitor(u, n, beta)
	if err != nil {
		return Field{}, fmt.Errorf("dmm: NewField2D: %w", err)
	}
	nodes := make([]float64, 0, 2*n*n)
	for i := range n {
		for j := range n {
			nodes = append(nodes, float64(i)/float64(n-1), float64(j)/float64(n-1))
		}
	}
	m, err := mon.At(nodes)
	if err != nil {
		return Field{}, fmt.Errorf("dmm: NewField2D: %w", err)
	}
	return NewField(u, m, n, 2)
}

// MonitorBranch returns f with its branch input replaced by m / theta at
// the monitor's nodes (a copy; the monitor is unchanged): the monitor
// normalised to mean 1. The mesh a monitor asks for depends on the field
// only through m / theta, which is invariant under u -> c u and u -> -u
// as m is, so the branch need not learn the gradient or these
// symmetries; and the linearised equation -Lap phi = m / theta - 1 is
// linear in it. The branch must take N^Dim values (an MLPBranch, or a
// ConvBranch with Input N in 2-D).
func (f Field) MonitorBranch() Field {
	g := f
	g.Branch = make([]float64, len(f.Monitor))
	for k, m := range f.Monitor {
		g.Branch[k] = m / f.Theta
	}
	return g
}

// NewField1D returns the sample of a field u on n = len(u) uniform nodes of
// [0, 1] with the 1-D gradient monitor m = 1 + beta |u'| / mean |u'|: u'
// by central differences inside and second-order one-sided ones at the
// ends, the mean by the trapezoid rule (monge.GradientMonitor's rules in
// one dimension); a u constant up to rounding gives m = 1.
func NewField1D(u []float64, beta float64) (Field, error) {
	n := len(u)
	if n < 3 {
		return Field{}, fmt.Errorf("dmm: NewField1D: %d field values; want at least 3", n)
	}
	if math.IsNaN(beta) || math.IsInf(beta, 0) || beta < 0 {
		return Field{}, fmt.Errorf("dmm: NewField1D: beta = %g; want finite and >= 0", beta)
	}
	if err := checkFinite("field", u); err != nil {
		return Field{}, fmt.Errorf("dmm: NewField1D: %w", err)
	}
	h := 1 / float64(n-1)
	g := make([]float64, n)
	for i := range n {
		switch i {
		case 0:
			g[i] = (-3*u[0] + 4*u[1] - u[2]) / (2 * h)
		case n - 1:
			g[i] = (3*u[n-1] - 4*u[n-2] + u[n-3]) / (2 * h)
		default:
			g[i] = (u[i+1] - u[i-1]) / (2 * h)
		}
		g[i] = math.Abs(g[i])
	}
	mean := trapezoid(g, n, 1)
	m := make([]float64, n)
	flat := mean <= monge.RoundingGradient(u, n)
	for i, v := range g {
		m[i] = 1
		if !flat {
			m[i] += beta * v / mean
		}
	}
	return NewField(u, m, n, 1)
}

// NewField returns a sample with a given monitor on the uniform grid of n
// nodes per axis in dim dimensions (monitor [n^dim], finite and > 0).
// branch is copied as the branch input.
func NewField(branch, monitor []float64, n, dim int) (Field, error) {
	if dim != 1 && dim != 2 {
		return Field{}, fmt.Errorf("dmm: NewField: dim = %d; want 1 or 2", dim)
	}
	if n < 2 || n > 1<<15 || len(monitor) != pow(n, dim) {
		return Field{}, fmt.Errorf("dmm: NewField: %d monitor values on a grid of %d nodes per axis in %d-D; want n >= 2 (at most %d) and n^%d values", len(monitor), n, dim, 1<<15, dim)
	}
	for k, v := range monitor {
		if !(v > 0) || math.IsInf(v, 1) {
			return Field{}, fmt.Errorf("dmm: NewField: monitor at node %d is %g; want finite and > 0", k, v)
		}
	}
	if err := checkFinite("branch input", branch); err != nil {
		return Field{}, fmt.Errorf("dmm: NewField: %w", err)
	}
	f := Field{Branch: append([]float64(nil), branch...), Monitor: append([]float64(nil), monitor...), N: n, Dim: dim}
	f.Theta = trapezoid(f.Monitor, n, dim)
	return f, nil
}

// pow is n^d for small d.
func pow(n, d int) int {
	if d == 1 {
		return n
	}
	return n * n
}

// checkFinite reports the first value that is NaN or infinite.
func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s value %d is %g; want finite", what, i, x)
		}
	}
	return nil
}

// trapezoid is the trapezoid-rule integral over [0, 1]^dim of node values,
// which is the exact integral of their (bi)linear interpolant.
func trapezoid(v []float64, n, dim int) float64 {
	w := func(i int) float64 {
		if i == 0 || i == n-1 {
			return 0.5 / float64(n-1)
		}
		return 1 / float64(n-1)
	}
	s := 0.0
	for k, x := range v {
		if dim == 1 {
			s += w(k) * x
		} else {
			s += w(k/n) * w(k%n) * x
		}
	}
	return s
}

// cell returns the cell index and local coordinate of x in [0, 1] on n
// nodes (x clamped; clamped reports that it was outside).
func cell(x float64, n int) (i int, t float64, clamped bool) {
	if x < 0 || x > 1 {
		clamped = true
		x = math.Min(math.Max(x, 0), 1)
	}
	s := x * float64(n-1)
	i = min(int(s), n-2)
	return i, s - float64(i), clamped
}

// at returns the monitor and its gradient at point x [Dim]. Coordinates
// outside [0, 1] are clamped, and the gradient along them is 0 (the
// clamped interpolant is constant there).
func (f *Field) at(x []float64) (m float64, grad [2]float64) {
	n := f.N
	h := float64(n - 1)
	i, t, ci := cell(x[0], n)
	if f.Dim == 1 {
		m0, m1 := f.Monitor[i], f.Monitor[i+1]
		if !ci {
			grad[0] = h * (m1 - m0)
		}
		return m0 + t*(m1-m0), grad
	}
	j, s, cj := cell(x[1], n)
	m00, m10 := f.Monitor[i*n+j], f.Monitor[(i+1)*n+j]
	m01, m11 := f.Monitor[i*n+j+1], f.Monitor[(i+1)*n+j+1]
	m = m00 + t*(m10-m00) + s*(m01-m00) + t*s*(m11-m10-m01+m00) // exact for a constant
	if !ci {
		grad[0] = h * ((1-s)*(m10-m00) + s*(m11-m01))
	}
	if !cj {
		grad[1] = h * ((1-t)*(m01-m00) + t*(m11-m10))
	}
	return m, grad
}

// sampleMonitor evaluates each field's monitor at its moved points x [B,
// P, Dim] as a differentiable op: value m(x) and d m / d x exact (the
// gradient of the bilinear interpolant, 0 along a clamped coordinate).
// It is built as m(x0) + sum_k dm/dx_k(x0) (x_k - x0_k) with x0 = x's
// value, so its second derivative in x is not represented (the loss
// needs only the first).
func sampleMonitor(fields []Field, x V) V {
	s := x.Shape()
	b, p, d := s[0], s[1], s[2]
	val := tensor.New[float64](b, p)
	grad := tensor.New[float64](b, p, d)
	xs, vs, gs := x.Value.Data(), val.Data(), grad.Data()
	for q := range b * p {
		m, g := fields[q/p].at(xs[q*d : q*d+d])
		vs[q] = m
		copy(gs[q*d:q*d+d], g[:d])
	}
	lin := autograd.Mul(autograd.Const(grad), autograd.Sub(x, autograd.Const(x.Value)))
	return autograd.Add(autograd.Const(val), autograd.SumAxes(lin, []int{2}, false))
}

// samplePoints draws n interior points of [0, 1]^Dim with probability
// proportional to the monitor: k uniform candidates, n of them kept
// without replacement with weights m(candidate) (Efraimidis-Spirakis
// keys log(U) / m, the n largest).
func (f *Field) samplePoints(n, k int, r *tensor.RNG) ([]float64, error) {
	if r == nil {
		return nil, errors.New("nil RNG")
	}
	d := f.Dim
	cand := make([]float64, k*d)
	for i := range cand {
		cand[i] = r.Float64()
	}
	key := make([]float64, k)
	order := make([]int, k)
	for c := range k {
		m, _ := f.at(cand[c*d : c*d+d])
		key[c] = math.Log(1-r.Float64()) / m
		order[c] = c
	}
	out := make([]float64, 0, n*d)
	if n == 0 { // all points uniform (UniformFraction 1): the draws above keep the RNG's stream, nothing to rank
		return out, nil
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(key[b], key[a]) })
	for _, c := range order[:n] {
		out = append(out, cand[c*d:c*d+d]...)
	}
	return out, nil
}
