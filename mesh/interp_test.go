package mesh

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// interpAt interpolates the node field f of m at the points.
func interpAt(t *testing.T, m *Mesh, f func(x, y float64) float64, pts []float64) []float64 {
	t.Helper()
	l, err := NewLocator(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Interpolate(nodeField(m, f), 1, pts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// maxErr returns max_i |got_i - f(p_i)|.
func maxErr(got []float64, f func(x, y float64) float64, pts []float64) float64 {
	e := 0.0
	for i, g := range got {
		e = max(e, math.Abs(g-f(pts[2*i], pts[2*i+1])))
	}
	return e
}

func TestInterpolateExact(t *testing.T) {
	linear := func(x, y float64) float64 { return 0.3 + 1.7*x - 2.1*y }
	bilinear := func(x, y float64) float64 { return 0.3 + 1.7*x - 2.1*y + 4.2*x*y }
	tests := []struct {
		name string
		m    *Mesh
		f    func(x, y float64) float64
	}{
		{"P1, triangles 9x17, linear", mustTri(t, 9, 17), linear},
		{"P1, moved triangles, linear", moved(t, mustTri(t, 20, 20)), linear},
		{"P1, jittered triangles, linear", jittered(t, mustTri(t, 25, 25), 1.0/24, 0.3, 2), linear},
		{"Q1, quads 7x13, bilinear", mustQuad(t, 7, 13), bilinear},
		{"Q1, quads 48x48, bilinear", mustQuad(t, 48, 48), bilinear},
		{"Q1, moved quads, linear", moved(t, mustQuad(t, 20, 20)), linear},
		{"Q1, jittered quads, linear", jittered(t, mustQuad(t, 25, 25), 1.0/24, 0.3, 3), linear},
	}
	pts := randomPoints(3000, 1)
	pts = append(pts, 0, 0, 1, 1, 0, 1, 1, 0, 0.5, 0, 1, 0.3) // corners and sides
	for _, tc := range tests {
		if e := maxErr(interpAt(t, tc.m, tc.f, pts), tc.f, pts); e > 1e-12 {
			t.Errorf("%s: max error %.3g; want <= 1e-12", tc.name, e)
		}
	}
}

func TestInterpolateChannels(t *testing.T) {
	m := moved(t, mustQuad(t, 10, 10))
	l, _ := NewLocator(m)
	vals := make([]float64, 0, 3*m.NumNodes())
	for i := range m.NumNodes() {
		x, y := m.Nodes[2*i], m.Nodes[2*i+1]
		vals = append(vals, 1, x, 2*x-y)
	}
	pts := []float64{0.1, 0.7, 0.55, 0.25}
	out, err := l.Interpolate(vals, 3, pts)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0.1, -0.5, 1, 0.55, 0.85}
	for i := range want {
		if !near(out[i], want[i], 1e-13) {
			t.Fatalf("3 channels: %v; want %v", out, want)
		}
	}
}

func TestInterpolateSecondOrder(t *testing.T) {
	smooth := func(x, y float64) float64 { return math.Sin(2*x+1)*math.Cos(3*y) + math.Exp(x*y) }
	pts := randomPoints(4000, 5)
	build := []struct {
		name string
		mk   func(n int) *Mesh
	}{
		{"quads", func(n int) *Mesh { return mustQuad(t, n, n) }},
		{"triangles", func(n int) *Mesh { return mustTri(t, n, n) }},
		{"moved quads", func(n int) *Mesh { return moved(t, mustQuad(t, n, n)) }},
		{"moved triangles", func(n int) *Mesh { return moved(t, mustTri(t, n, n)) }},
	}
	for _, b := range build {
		var errs []float64
		for _, n := range []int{17, 33, 65} {
			got := interpAt(t, b.mk(n), smooth, pts)
			s := 0.0
			for i, g := range got {
				d := g - smooth(pts[2*i], pts[2*i+1])
				s += d * d
			}
			errs = append(errs, math.Sqrt(s/float64(len(got))))
		}
		t.Logf("%s: RMS errors at n = 17, 33, 65 nodes per axis: %.3g; orders %.3f, %.3f", b.name, errs, math.Log2(errs[0]/errs[1]), math.Log2(errs[1]/errs[2]))
		for i := 1; i < len(errs); i++ {
			order := math.Log2(errs[i-1] / errs[i])
			if order < 1.8 || order > 2.2 {
				t.Errorf("%s: RMS errors %.3g; observed order %.3f; want in [1.8, 2.2]", b.name, errs, order)
			}
		}
	}
}

func TestInverseBilinear(t *testing.T) {
	quads := []struct {
		name string
		p    [4][2]float64
	}{
		{"general convex", [4][2]float64{{0, 0}, {2, 0.2}, {2.5, 1.8}, {0.3, 1.5}}},
		{"parallelogram", [4][2]float64{{0, 0}, {2, 0}, {3, 1}, {1, 1}}},
		{"thin trapezoid", [4][2]float64{{0, 0}, {0.01, 0}, {0.5, 0.001}, {-0.01, 0.001}}},
	}
	refs := [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}, {0.1, 0.9}, {0.73, 0.02}, {1, 0.4}, {0.999, 0.001}}
	for _, q := range quads {
		for _, r := range refs {
			x := bilinearMap(q.p, r[0], r[1])
			xi, eta, ok := inverseBilinear(q.p, x)
			if !ok || !near(xi, r[0], 1e-12) || !near(eta, r[1], 1e-12) {
				t.Errorf("%s: (%g, %g) -> (%.17g, %.17g), converged %v", q.name, r[0], r[1], xi, eta, ok)
			}
		}
	}
}

// A structured mesh with one column 5e-5 wide: every point is located
// and a linear field interpolated to rounding (the inverse bilinear
// Newton iteration ends on its residual, not on a step that rounding
// keeps above 1e-12 in so thin a cell).
func TestLocateThinCells(t *testing.T) {
	m, err := StructuredQuad(5, 5)
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{0, 0.25, 0.25 + 5e-5, 0.6, 1}
	nodes := make([]float64, len(m.Nodes))
	for ix := range 5 {
		for iy := range 5 {
			k := ix*5 + iy
			nodes[2*k], nodes[2*k+1] = xs[ix], float64(iy)/4
		}
	}
	thin, err := m.WithNodes(nodes)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLocator(thin)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float64, 25)
	for k := range vals {
		vals[k] = 2*nodes[2*k] - 3*nodes[2*k+1] + 1
	}
	var q []float64
	for i, v := range randomPoints(400, 9) {
		if i%2 == 0 {
			v = 0.25 + 5e-5*v
		}
		q = append(q, v)
	}
	q = append(q, nodes...)
	got, err := l.Interpolate(vals, 1, q)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(q) / 2 {
		if want := 2*q[2*i] - 3*q[2*i+1] + 1; math.Abs(got[i]-want) > 1e-12 {
			t.Fatalf("point (%g, %g): %v, want %v", q[2*i], q[2*i+1], got[i], want)
		}
	}
}

// crossingInside is an independent point-in-polygon test (crossing
// number); it is not used on points within 1e-9 of an edge.
func crossingInside(p [4][2]float64, k int, x [2]float64) bool {
	in := false
	for v := range k {
		a, b := p[v], p[(v+1)%k]
		if (a[1] > x[1]) != (b[1] > x[1]) {
			xc := a[0] + (x[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x[0] < xc {
				in = !in
			}
		}
	}
	return in
}

// bruteLocate returns the cells that contain x by crossingInside.
func bruteLocate(m *Mesh, x [2]float64) []int {
	var cells []int
	for c := range m.NumCells() {
		if crossingInside(m.corners(c), int(m.Type), x) {
			cells = append(cells, c)
		}
	}
	return cells
}

func TestLocatorMatchesBruteForce(t *testing.T) {
	meshes := []struct {
		name string
		m    *Mesh
	}{
		{"jittered quads", jittered(t, mustQuad(t, 30, 30), 1.0/29, 0.3, 7)},
		{"moved triangles", moved(t, mustTri(t, 25, 25))},
		{"rectangle quads 40x6", mustQuad(t, 40, 6)},
	}
	pts := randomPoints(2000, 9)
	for _, mc := range meshes {
		l, err := NewLocator(mc.m)
		if err != nil {
			t.Fatal(err)
		}
		cells, w, err := l.Locate(pts)
		if err != nil {
			t.Fatal(err)
		}
		k := int(mc.m.Type)
		for q := range len(pts) / 2 {
			x := [2]float64{pts[2*q], pts[2*q+1]}
			want := bruteLocate(mc.m, x)
			if len(want) != 1 || int(cells[q]) != want[0] {
				t.Fatalf("%s: point %d %v in cell %d; brute force %v", mc.name, q, x, cells[q], want)
			}
			// The weights are non-negative, sum to 1 and reproduce the point.
			p := mc.m.corners(int(cells[q]))
			var r [2]float64
			s := 0.0
			for v := range k {
				wt := w[q*k+v]
				if wt < 0 {
					t.Fatalf("%s: point %d: weight %d = %g", mc.name, q, v, wt)
				}
				s += wt
				r[0] += wt * p[v][0]
				r[1] += wt * p[v][1]
			}
			if !near(s, 1, 1e-14) || !near(r[0], x[0], 1e-13) || !near(r[1], x[1], 1e-13) {
				t.Fatalf("%s: point %d %v: weights sum %g, reproduce %v", mc.name, q, x, s, r)
			}
		}
	}
}

func TestLocateBoundaryTolerance(t *testing.T) {
	m := moved(t, mustQuad(t, 12, 12))
	l, _ := NewLocator(m)
	f := func(x, y float64) float64 { return 2 + x - 3*y }
	vals := nodeField(m, f)
	tests := []struct {
		name string
		q    []float64
		want float64 // f at the nearest point of the square
	}{
		{"right side + 1e-12", []float64{1 + 1e-12, 0.4}, f(1, 0.4)},
		{"bottom side - 1e-11", []float64{0.7, -1e-11}, f(0.7, 0)},
		{"corner outside", []float64{-1e-12, 1 + 1e-12}, f(0, 1)},
		{"exact corner", []float64{1, 0}, f(1, 0)},
	}
	for _, tc := range tests {
		out, err := l.Interpolate(vals, 1, tc.q)
		if err != nil || !near(out[0], tc.want, 1e-10) {
			t.Errorf("%s: %v, %v; want %g", tc.name, out, err, tc.want)
		}
	}
}

func TestInterpolateErrors(t *testing.T) {
	m := mustQuad(t, 5, 5)
	l, _ := NewLocator(m)
	vals := nodeField(m, func(x, y float64) float64 { return x })
	// An L-shaped mesh: the 2x2 quads without cell 3 (top right).
	lshape := &Mesh{Type: Quad, Nodes: mustQuad(t, 3, 3).Nodes, Cells: mustQuad(t, 3, 3).Cells[:12]}
	ll, err := NewLocator(lshape)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		l     *Locator
		vals  []float64
		f     int
		q     []float64
		outer bool // wraps ErrOutside
		frags []string
	}{
		{"mismatched rows", l, vals[:20], 1, []float64{0.5, 0.5}, false, []string{"20 values", "want N*F = 25*1"}},
		{"zero channels", l, vals, 0, []float64{0.5, 0.5}, false, []string{"0 per node", "F >= 1"}},
		{"point outside", l, vals, 1, []float64{0.5, 0.5, 1.5, 0.25}, true, []string{"query point 1 (1.5, 0.25)", "outside"}},
		{"just outside", l, vals, 1, []float64{-1e-6, 0.5}, true, []string{"query point 0 (-1e-06, 0.5)", "outside the mesh", "within the tolerance"}},
		{"in a hole", ll, vals[:9], 1, []float64{0.1, 0.1, 0.75, 0.75}, true, []string{"query point 1 (0.75, 0.75)", "no cell holds it"}},
		{"NaN point", l, vals, 1, []float64{0.5, math.NaN()}, false, []string{"query point 0", "NaN"}},
		{"odd coordinates", l, vals, 1, []float64{0.5, 0.5, 0.1}, false, []string{"3 query coordinates"}},
	}
	for _, tc := range tests {
		_, err := tc.l.Interpolate(tc.vals, tc.f, tc.q)
		wantErr(t, tc.name, err, tc.frags...)
		if errors.Is(err, ErrOutside) != tc.outer {
			t.Errorf("%s: errors.Is(ErrOutside) = %v; want %v", tc.name, !tc.outer, tc.outer)
		}
	}
	bad := mustQuad(t, 3, 3)
	bad.Cells[5] = 40
	_, err = NewLocator(bad)
	wantErr(t, "invalid mesh", err, "NewLocator", "cell 1 corner 1 is node 40")
}

func TestSampleGrid(t *testing.T) {
	const n = 17
	g := mustQuad(t, n, n)
	bilinear := func(x, y float64) float64 { return 1 - 2*x + 0.5*y + 3*x*y }
	field := nodeField(g, bilinear)
	pts := randomPoints(500, 4)
	out, err := SampleGrid(field, n, 1, pts)
	if err != nil {
		t.Fatal(err)
	}
	if e := maxErr(out, bilinear, pts); e > 1e-13 {
		t.Errorf("bilinear field: max error %.3g", e)
	}
	_, err = SampleGrid(field, n, 1, []float64{0.5, 1.01})
	wantErr(t, "outside", err, "SampleGrid", "point 0 (0.5, 1.01)", "coordinate 1 = 1.01", "[0, 1]")
	_, err = SampleGrid(field[:10], n, 1, pts)
	wantErr(t, "short field", err, "10 field values", "17*17*1")
}

func TestRoundTrip(t *testing.T) {
	const fine = 129
	g := mustQuad(t, fine, fine)
	bilinear := nodeField(g, func(x, y float64) float64 { return 1 + x - y + 2*x*y })
	// Coarse nodes are fine nodes (128 = 8*16): a bilinear field survives.
	e, err := RoundTripError(bilinear, fine, 1, mustQuad(t, 17, 17))
	if err != nil || e > 1e-14 {
		t.Errorf("bilinear round trip through 17x17: %.3g, %v; want <= 1e-14", e, err)
	}
	// A front at x = 1/2: nodes packed there by x = xi + a sin(2 pi xi)/(2 pi)
	// (spacing 1 - a at the front) cut the round-trip error.
	front := nodeField(g, func(x, y float64) float64 { return math.Tanh((x - 0.5) / 0.04) })
	uni := mustQuad(t, 17, 17)
	nodes := append([]float64(nil), uni.Nodes...)
	for i := 0; i < len(nodes); i += 2 {
		xi := nodes[i]
		nodes[i] = xi + 0.7*math.Sin(2*math.Pi*xi)/(2*math.Pi)
	}
	packed, _ := uni.WithNodes(nodes)
	eu, err1 := RoundTripError(front, fine, 1, uni)
	ep, err2 := RoundTripError(front, fine, 1, packed)
	if err1 != nil || err2 != nil || !(ep < eu/2) {
		t.Errorf("front: uniform %.4g, packed %.4g (%v, %v); want packed < uniform/2", eu, ep, err1, err2)
	}
	t.Logf("tanh front, 129^2 -> 17^2 -> 129^2: uniform %.4f, packed %.4f", eu, ep)
}

func ExampleLocator_Interpolate() {
	m, _ := StructuredQuad(5, 5)
	u := make([]float64, m.NumNodes())
	for i := range u {
		x, y := m.Nodes[2*i], m.Nodes[2*i+1]
		u[i] = x + 2*y + x*y // bilinear: reproduced exactly on quads
	}
	l, _ := NewLocator(m)
	v, _ := l.Interpolate(u, 1, []float64{0.3, 0.6, 1, 1})
	fmt.Printf("%.4f %.4f\n", v[0], v[1])
	_, err := l.Interpolate(u, 1, []float64{2, 0.5})
	fmt.Println(errors.Is(err, ErrOutside))
	// Output:
	// 1.6800 4.0000
	// true
}
