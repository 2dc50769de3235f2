package monge

import (
	"errors"
	"fmt"
	"math"
)

// maxFine bounds the fine grid of the 1-D equidistribution.
const maxFine = 1 << 26

// Equidistribute1D returns the nodes x_0 = 0 < x_1 < ... < x_{N-1} = 1 that
// equidistribute m > 0 on [0, 1]:
//
//	integral_0^{x_p} m = (p / (N-1)) integral_0^1 m,
//
// the exact solution of the 1-D Monge-Ampere equation m(x(xi)) x'(xi) =
// theta at xi = p/(N-1). The cumulative integral comes from the trapezoid
// rule on fine uniform intervals; inside a fine interval m is taken linear,
// so the cumulative is quadratic there and is inverted exactly (the
// stable root of the quadratic). The error is O(fine^-2) (about 1e-11 for a
// tanh front of width 0.05 with fine = 1<<16). nodes >= 2, fine >= 1, and
// m must be finite and positive at every fine node.
func Equidistribute1D(m func(x float64) float64, nodes, fine int) ([]float64, error) {
	if m == nil {
		return nil, errors.New("monge: Equidistribute1D: nil monitor")
	}
	if nodes < 2 || fine < 1 || fine > maxFine {
		return nil, fmt.Errorf("monge: Equidistribute1D: %d nodes, %d fine intervals; want nodes >= 2, 1 <= fine <= %d", nodes, fine, maxFine)
	}
	mv, cum, err := cumulative(m, fine)
	if err != nil {
		return nil, fmt.Errorf("monge: Equidistribute1D: %w", err)
	}
	return invert(mv, cum, nodes), nil
}

// cumulative samples m at fine+1 uniform nodes of [0, 1] and returns the
// values and their cumulative trapezoid integral.
func cumulative(m func(float64) float64, fine int) (mv, cum []float64, err error) {
	d := 1 / float64(fine)
	mv = make([]float64, fine+1)
	cum = make([]float64, fine+1)
	for k := range mv {
		x := float64(k) * d
		mv[k] = m(x)
		if !(mv[k] > 0) || math.IsInf(mv[k], 1) {
			return nil, nil, fmt.Errorf("monitor m(%g) = %g at fine node %d; want finite and > 0", x, mv[k], k)
		}
		if k > 0 {
			cum[k] = cum[k-1] + d*(mv[k-1]+mv[k])/2
		}
	}
	return mv, cum, nil
}

// invert returns the nodes where the piecewise-quadratic cumulative
// reaches p/(nodes-1) of its total.
func invert(mv, cum []float64, nodes int) []float64 {
	fine := len(mv) - 1
	d := 1 / float64(fine)
	x := make([]float64, nodes)
	x[nodes-1] = 1
	k := 0
	for p := 1; p < nodes-1; p++ {
		t := float64(p) / float64(nodes-1) * cum[fine]
		for k < fine-1 && cum[k+1] < t {
			k++
		}
		// C(s) = cum[k] + m_k s + (m_{k+1} - m_k) s^2 / (2d) = t.
		a := (mv[k+1] - mv[k]) / (2 * d)
		r := t - cum[k]
		disc := math.Max(mv[k]*mv[k]+4*a*r, 0)
		s := 2 * r / (mv[k] + math.Sqrt(disc))
		x[p] = math.Min(math.Max(float64(k)*d+s, 0), 1)
	}
	return x
}

// Residual1D measures how well nodes x (x_0 = 0 < ... < x_{N-1} = 1)
// equidistribute m: the largest |(N-1) integral_{x_p}^{x_{p+1}} m /
// integral_0^1 m - 1| over the cells, each cell's integral by composite
// Simpson with an even number of panels, at least fine / (N-1). It is 0 for
// exact equidistribution; the error names a node out of order.
func Residual1D(m func(x float64) float64, x []float64, fine int) (float64, error) {
	if m == nil || len(x) < 2 || fine < 1 || fine > maxFine {
		return 0, fmt.Errorf("monge: Residual1D: %d nodes, %d fine intervals, monitor set %v; want >= 2 nodes, 1 <= fine <= %d and a monitor", len(x), fine, m != nil, maxFine)
	}
	if x[0] != 0 || x[len(x)-1] != 1 {
		return 0, fmt.Errorf("monge: Residual1D: end nodes %g and %g; want 0 and 1", x[0], x[len(x)-1])
	}
	panels := max(2, (fine/(len(x)-1)+1)&^1)
	cells := make([]float64, len(x)-1)
	total := 0.0
	for p := range cells {
		if !(x[p+1] > x[p]) {
			return 0, fmt.Errorf("monge: Residual1D: node %d at %g does not follow node %d at %g; want increasing nodes", p+1, x[p+1], p, x[p])
		}
		cells[p] = simpson(m, x[p], x[p+1], panels)
		total += cells[p]
	}
	worst := 0.0
	for _, c := range cells {
		worst = math.Max(worst, math.Abs(c*float64(len(cells))/total-1))
	}
	if math.IsNaN(worst) {
		return 0, errors.New("monge: Residual1D: the monitor is not finite on [0, 1]")
	}
	return worst, nil
}

// simpson integrates m over [a, b] with composite Simpson on an even
// number of panels.
func simpson(m func(float64) float64, a, b float64, panels int) float64 {
	d := (b - a) / float64(panels)
	s := m(a) + m(b)
	for k := 1; k < panels; k++ {
		s += float64(2+2*(k%2)) * m(a+float64(k)*d)
	}
	return s * d / 3
}
