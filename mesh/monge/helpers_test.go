package monge

import (
	"math"
	"strings"
	"testing"
)

// ringMonitor is 1 + 10 exp(-((r - 0.25)/0.05)^2), r the distance from
// the centre of the unit square.
func ringMonitor(x, y float64) float64 {
	r := math.Hypot(x-0.5, y-0.5)
	return 1 + 10*math.Exp(-math.Pow((r-0.25)/0.05, 2))
}

// bump is a smooth 1-D monitor factor 1 + a exp(-((x - c)/w)^2).
func bump(a, c, w float64) func(float64) float64 {
	return func(x float64) float64 { return 1 + a*math.Exp(-math.Pow((x-c)/w, 2)) }
}

// tanhField is u = tanh((x - 0.5)/0.05) on the n x n grid.
func tanhField(n int) []float64 {
	u := make([]float64, n*n)
	for i := range n {
		for j := range n {
			u[i*n+j] = math.Tanh((float64(i)/float64(n-1) - 0.5) / 0.05)
		}
	}
	return u
}

// mustFunc returns FuncMonitor(f) or fails.
func mustFunc(t testing.TB, f func(x, y float64) float64) *Monitor {
	t.Helper()
	m, err := FuncMonitor(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tensorError returns the largest node distance between the moved mesh of
// r (n x n) and the tensor product of the 1-D node sets xs (along x) and
// ys (along y).
func tensorError(r *Result, n int, xs, ys []float64) float64 {
	worst := 0.0
	for i := range n {
		for j := range n {
			k := i*n + j
			worst = math.Max(worst, math.Hypot(r.Mesh.Nodes[2*k]-xs[i], r.Mesh.Nodes[2*k+1]-ys[j]))
		}
	}
	return worst
}

// wantErr fails unless err is non-nil and mentions every fragment.
func wantErr(t *testing.T, name string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error; want one mentioning %q", name, fragments)
		return
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not mention %q", name, err, f)
		}
	}
}
