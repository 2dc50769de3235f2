package dmm

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/tensor"
)

// asymField is a smooth field with no symmetry of the square: a tilted
// front plus a bump off the diagonals.
func asymField(n int) []float64 {
	u := make([]float64, n*n)
	for i := range n {
		for j := range n {
			x, y := float64(i)/float64(n-1), float64(j)/float64(n-1)
			u[i*n+j] = math.Tanh((x+0.3*y-0.55)/0.12) + 0.5*math.Exp(-((x-0.7)*(x-0.7)+(y-0.25)*(y-0.25))/0.02)
		}
	}
	return u
}

// TestSymmetryGroup: the 8 symmetries map the grid onto itself as
// distinct permutations, Apply agrees with Grid's node permutation, and
// each has an inverse among them.
func TestSymmetryGroup(t *testing.T) {
	n := 5
	idx := make([]float64, n*n)
	for k := range idx {
		idx[k] = float64(k)
	}
	seen := map[string]bool{}
	for s := range Symmetry(Symmetries) {
		g := s.Grid(idx, n)
		key := ""
		for q, v := range g {
			key += string(rune('a' + int(v)))
			k := int(v) // node k moved to q: q must sit at T(node k)
			x, y := s.Apply(float64(k/n)/float64(n-1), float64(k%n)/float64(n-1))
			if math.Abs(x-float64(q/n)/float64(n-1)) > 1e-15 || math.Abs(y-float64(q%n)/float64(n-1)) > 1e-15 {
				t.Fatalf("symmetry %d: node %d went to %d, Apply gives (%g, %g)", s, k, q, x, y)
			}
		}
		if seen[key] {
			t.Fatalf("symmetry %d repeats a permutation", s)
		}
		seen[key] = true
		inverse := false
		for r := range Symmetry(Symmetries) {
			back := r.Grid(g, n)
			same := true
			for k := range back {
				same = same && back[k] == idx[k]
			}
			inverse = inverse || same
		}
		if !inverse {
			t.Fatalf("symmetry %d has no inverse among the 8", s)
		}
	}
}

// TestSymmetryCommutes: the gradient monitor of a transformed field is
// the transformed monitor (so is the field's DMM sample), the loss of the
// identity map on the transformed field at the transformed points equals
// the original's, and the classical mover's mesh of the transformed
// field is the transformed mesh.
func TestSymmetryCommutes(t *testing.T) {
	n := 12
	u := asymField(n)
	f, err := NewField2D(u, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monge.GradientMonitor(u, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := monge.Move(context.Background(), n, mon, monge.Options{Method: monge.Relaxation, Tol: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	c := Upstream().Scaled(0.25)
	c.Input = n
	net, err := New(c, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	zeroNet(net)
	opt := DefaultLoss()
	opt.Interior, opt.Candidates, opt.UniformFraction = 30, 30, 1
	xi, err := net.points([]Field{f}, opt, tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	base, err := net.lossAt([]Field{f}, xi, opt)
	if err != nil {
		t.Fatal(err)
	}
	worstMesh := 0.0
	for s := range Symmetry(Symmetries) {
		g, err := f.Transformed(s)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := NewField2D(s.Grid(u, n), n, 5)
		if err != nil {
			t.Fatal(err)
		}
		for k := range g.Monitor {
			if math.Abs(g.Monitor[k]-direct.Monitor[k]) > 1e-12*direct.Monitor[k] || g.Branch[k] != direct.Branch[k] {
				t.Fatalf("symmetry %d, node %d: transformed monitor %g, monitor of the transformed field %g", s, k, g.Monitor[k], direct.Monitor[k])
			}
		}
		if math.Abs(g.Theta-direct.Theta) > 1e-12*direct.Theta {
			t.Fatalf("symmetry %d: theta %g, of the transformed field %g", s, g.Theta, direct.Theta)
		}
		txi := xi.Clone()
		d := txi.Data()
		for q := 0; q < len(d); q += 2 {
			d[q], d[q+1] = s.Apply(d[q], d[q+1])
		}
		p, err := net.lossAt([]Field{g}, txi, opt)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := p.Interior.Value.Item(), base.Interior.Value.Item(); !(b > 0.01) || math.Abs(a-b) > 1e-12*b {
			t.Fatalf("symmetry %d: identity-map loss %g at the transformed points; the original's %g (want equal and > 0.01)", s, a, b)
		}
		gm, err := monge.GradientMonitor(s.Grid(u, n), n, 5)
		if err != nil {
			t.Fatal(err)
		}
		moved, err := monge.Move(context.Background(), n, gm, monge.Options{Method: monge.Relaxation, Tol: 1e-9})
		if err != nil {
			t.Fatal(err)
		}
		want := s.Nodes(ref.Mesh.Nodes, n)
		for k, v := range moved.Mesh.Nodes {
			worstMesh = math.Max(worstMesh, math.Abs(v-want[k]))
		}
	}
	// The relaxation's iterates differ in rounding only; converged to 1e-9
	// the meshes agree far below a cell (1/11).
	if !(worstMesh < 1e-6) {
		t.Fatalf("classical meshes of transformed fields differ from the transformed mesh by %g; want < 1e-6", worstMesh)
	}
	t.Logf("largest node difference over the 8 symmetries: %.2g", worstMesh)
}

// TestAugmentDraw: the draws cover the 8 symmetries, Sign flips the
// branch only, Scale stays within its factor, the same seed draws the
// same; bad settings are refused.
func TestAugmentDraw(t *testing.T) {
	n := 6
	u := asymField(n)
	f, err := NewField2D(u, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := Augment{Symmetries: true, Sign: true, Scale: 2}
	r := tensor.NewRNG(3)
	perms := map[float64]bool{}
	neg := 0
	for range 400 {
		g, err := a.draw(f, r)
		if err != nil {
			t.Fatal(err)
		}
		// node 1's monitor value lands somewhere; its position names the symmetry
		for k, v := range g.Monitor {
			if v == f.Monitor[1] {
				perms[float64(k)] = true
			}
		}
		// the branch is c times the transformed field, |c| in [1/2, 2]
		var s Symmetry
		for s = range Symmetry(Symmetries) {
			if h, _ := f.Transformed(s); slices.Equal(h.Monitor, g.Monitor) {
				break
			}
		}
		h, _ := f.Transformed(s)
		c := g.Branch[7] / h.Branch[7]
		if math.Abs(c) < 0.5-1e-12 || math.Abs(c) > 2+1e-12 {
			t.Fatalf("branch factor %g; want |c| in [1/2, 2]", c)
		}
		for k := range g.Branch {
			if math.Abs(g.Branch[k]-c*h.Branch[k]) > 1e-12*math.Abs(c*h.Branch[k])+1e-15 {
				t.Fatalf("branch value %d: %g, want %g x %g", k, g.Branch[k], c, h.Branch[k])
			}
		}
		if c < 0 {
			neg++
		}
	}
	if len(perms) < 8 || neg < 150 || neg > 250 {
		t.Fatalf("node 1 went to %d places (want 8: its orbit), %d of 400 signs flipped (want about 200)", len(perms), neg)
	}
	g1, _ := a.draw(f, tensor.NewRNG(9))
	g2, _ := a.draw(f, tensor.NewRNG(9))
	if !slices.Equal(g1.Branch, g2.Branch) || !slices.Equal(g1.Monitor, g2.Monitor) {
		t.Fatal("the same seed drew different augmentations")
	}
	for _, bad := range []struct {
		a    Augment
		f    Field
		want string
	}{
		{Augment{Scale: 0.5}, f, "Scale"},
		{Augment{Scale: math.NaN()}, f, "Scale"},
		{Augment{Symmetries: true}, Field{Branch: []float64{1, 2, 3}, Monitor: f.Monitor, N: n, Dim: 2, Theta: f.Theta}, "square grid"},
		{Augment{Symmetries: true}, Field{Branch: u[:5], Monitor: f.Monitor[:5], N: 5, Dim: 1, Theta: 1}, "2-D"},
	} {
		if err := bad.a.validate([]Field{bad.f}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: error %v; want one naming %q", bad.a, err, bad.want)
		}
	}
}

// TestMonitorBranch: the branch input becomes m / theta (mean 1 by the
// trapezoid rule), the same for u and -3 u; the monitor is untouched.
func TestMonitorBranch(t *testing.T) {
	n := 9
	u := asymField(n)
	v := make([]float64, len(u))
	for k, x := range u {
		v[k] = -3 * x
	}
	f, err := NewField2D(u, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewField2D(v, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.MonitorBranch(), g.MonitorBranch()
	if !slices.Equal(a.Monitor, f.Monitor) || a.Theta != f.Theta || slices.Equal(f.Branch, a.Branch) {
		t.Fatal("MonitorBranch changed the monitor or kept the field as branch input")
	}
	for k := range a.Branch {
		if math.Abs(a.Branch[k]-f.Monitor[k]/f.Theta) > 1e-15 || math.Abs(a.Branch[k]-b.Branch[k]) > 1e-12 {
			t.Fatalf("node %d: %g for u, %g for -3u; want m / theta = %g", k, a.Branch[k], b.Branch[k], f.Monitor[k]/f.Theta)
		}
	}
	if mean := trapezoid(a.Branch, n, 2); math.Abs(mean-1) > 1e-14 {
		t.Fatalf("trapezoid mean of m / theta = %.17g; want 1", mean)
	}
}
