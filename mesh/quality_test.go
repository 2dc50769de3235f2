package mesh

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestAreasSumToOne(t *testing.T) {
	tests := []struct {
		name string
		m    *Mesh
	}{
		{"quad 48x48", mustQuad(t, 48, 48)},
		{"quad 7x13", mustQuad(t, 7, 13)},
		{"triangles 48x48", mustTri(t, 48, 48)},
		{"moved quad 48x48", moved(t, mustQuad(t, 48, 48))},
		{"moved triangles 33x33", moved(t, mustTri(t, 33, 33))},
		{"jittered quad 20x20", jittered(t, mustQuad(t, 20, 20), 1.0/19, 0.25, 1)},
	}
	for _, tc := range tests {
		a, err := tc.m.Areas()
		if err != nil {
			t.Fatal(err)
		}
		if s := sum(a); !near(s, 1, 1e-13) {
			t.Errorf("%s: areas sum to %.16g; want 1", tc.name, s)
		}
		for c, v := range a {
			if !(v > 0) {
				t.Fatalf("%s: cell %d has area %g", tc.name, c, v)
			}
		}
	}
}

// shoelace is the textbook polygon area, written independently.
func shoelace(p [][2]float64) float64 {
	s := 0.0
	for i := range p {
		j := (i + 1) % len(p)
		s += p[i][0]*p[j][1] - p[j][0]*p[i][1]
	}
	return s / 2
}

func TestQuadAreaExact(t *testing.T) {
	tests := []struct {
		name     string
		p        [][2]float64
		want     float64
		upstream float64 // |d1| |d2| / 2, the DMM code's formula
	}{
		{"unit square", [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, 1, 1},
		{"2x1 rectangle", [][2]float64{{0, 0}, {2, 0}, {2, 1}, {0, 1}}, 2, 2.5},
		{"parallelogram", [][2]float64{{0, 0}, {2, 0}, {3, 1}, {1, 1}}, 2, math.Sqrt(10) * math.Sqrt(2) / 2},
		{"trapezoid", [][2]float64{{0, 0}, {4, 0}, {3, 2}, {1, 2}}, 6, math.Sqrt(13) * math.Sqrt(13) / 2},
		{"kite far from origin", [][2]float64{{1e3, 1e3}, {1e3 + 1, 1e3 - 2}, {1e3 + 2, 1e3}, {1e3 + 1, 1e3 + 1}}, 3, 3},
	}
	for _, tc := range tests {
		var p [4][2]float64
		copy(p[:], tc.p)
		got := signedArea(p, 4)
		if !near(got, tc.want, 1e-12) || !near(shoelace(tc.p), tc.want, 1e-9) {
			t.Errorf("%s: area %.15g (shoelace %.15g); want %g", tc.name, got, shoelace(tc.p), tc.want)
		}
		d1 := math.Hypot(p[2][0]-p[0][0], p[2][1]-p[0][1])
		d2 := math.Hypot(p[3][0]-p[1][0], p[3][1]-p[1][1])
		if !near(d1*d2/2, tc.upstream, 1e-9) {
			t.Errorf("%s: diagonal formula %g; test table says %g", tc.name, d1*d2/2, tc.upstream)
		}
	}
}

func TestCentroids(t *testing.T) {
	m := &Mesh{Type: Quad, Nodes: []float64{0, 0, 2, 0, 2, 1, 0, 1, 3, 0, 3, 1}, Cells: []int32{0, 1, 2, 3, 1, 4, 5, 2}}
	c, err := m.Centroids()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0.5, 2.5, 0.5}
	for i := range want {
		if !near(c[i], want[i], 1e-15) {
			t.Fatalf("centroids %v; want %v", c, want)
		}
	}
	tri, _ := Triangulate(m)
	c, _ = tri.Centroids()
	if !near(c[0], 4.0/3, 1e-15) || !near(c[1], 1.0/3, 1e-15) {
		t.Errorf("triangle (0,0) (2,0) (2,1): centroid (%g, %g); want (4/3, 1/3)", c[0], c[1])
	}
}

// tangle moves node (1, 1) of StructuredQuad(4, 4), at (1/3, 1/3), past
// its neighbour (2, 1) at (2/3, 1/3) to (0.8, 1/3).
func tangle(m *Mesh) *Mesh {
	nodes := append([]float64(nil), m.Nodes...)
	nodes[2*5] = 0.8
	out, _ := m.WithNodes(nodes)
	return out
}

func TestTangling(t *testing.T) {
	q := tangle(mustQuad(t, 4, 4))
	tri, _ := Triangulate(mustQuad(t, 4, 4))
	tri = tangle(tri)
	tests := []struct {
		name      string
		m         *Mesh
		cell      int
		fragments []string
	}{
		// Quad 3 = nodes (4, 8, 9, 5) turns right at corner 2, node 9.
		{"quad", q, 3, []string{"quad cell 3", "nodes [4 8 9 5]", "corner 2 (node 9)"}},
		// Triangle 7 = (4, 9, 5) from quad 3 has negative area.
		{"triangle", tri, 7, []string{"triangle cell 7", "nodes [4 9 5]"}},
	}
	for _, tc := range tests {
		c, err := tc.m.FirstInverted()
		if err != nil || c != tc.cell {
			t.Errorf("%s: FirstInverted = %d, %v; want %d", tc.name, c, err, tc.cell)
		}
		err = tc.m.CheckUntangled()
		if !errors.Is(err, ErrTangled) {
			t.Errorf("%s: CheckUntangled = %v; want ErrTangled", tc.name, err)
		}
		wantErr(t, tc.name, err, tc.fragments...)
		_, err = NewLocator(tc.m)
		if !errors.Is(err, ErrTangled) {
			t.Errorf("%s: NewLocator = %v; want ErrTangled", tc.name, err)
		}
	}
	// A non-convex quad (dart) has positive area but a reflex corner.
	dart := &Mesh{Type: Quad, Nodes: []float64{0, 0, 2, 0, 0.5, 0.5, 0, 2}, Cells: []int32{0, 1, 2, 3}}
	a, _ := dart.Areas()
	if c, _ := dart.FirstInverted(); c != 0 || !(a[0] > 0) {
		t.Errorf("dart: FirstInverted %d, area %g; want 0 and positive", c, a[0])
	}
	if err := moved(t, mustQuad(t, 30, 30)).CheckUntangled(); err != nil {
		t.Errorf("smoothly moved mesh: %v", err)
	}
}

func TestAspectRatios(t *testing.T) {
	s3 := math.Sqrt(3)
	tests := []struct {
		name string
		typ  CellType
		p    []float64
		want float64
	}{
		{"equilateral", Triangle, []float64{0, 0, 1, 0, 0.5, s3 / 2}, 1},
		{"right isosceles", Triangle, []float64{0, 0, 1, 0, 0, 1}, (1 + math.Sqrt2) / 2},
		{"3-4-5", Triangle, []float64{0, 0, 4, 0, 4, 3}, 1.25},
		{"clockwise triangle", Triangle, []float64{0, 0, 0, 1, 1, 0}, math.Inf(1)},
		{"square", Quad, []float64{0, 0, 1, 0, 1, 1, 0, 1}, 1},
		{"2x1 rectangle", Quad, []float64{0, 0, 2, 0, 2, 1, 0, 1}, 1.5},
		{"4x1 rectangle", Quad, []float64{0, 0, 4, 0, 4, 1, 0, 1}, 2.5},
		{"60 degree rhombus", Quad, []float64{0, 0, 1, 0, 1.5, s3 / 2, 0.5, s3 / 2}, 2 / s3},
	}
	for _, tc := range tests {
		cells := []int32{0, 1, 2, 3}[:tc.typ]
		m := &Mesh{Type: tc.typ, Nodes: tc.p, Cells: cells}
		ar, err := m.AspectRatios()
		if err != nil {
			t.Fatal(err)
		}
		if !(ar[0] == tc.want || near(ar[0], tc.want, 1e-14)) {
			t.Errorf("%s: aspect ratio %.16g; want %.16g", tc.name, ar[0], tc.want)
		}
	}
	ar, _ := mustTri(t, 5, 5).AspectRatios()
	for c, v := range ar {
		if !near(v, (1+math.Sqrt2)/2, 1e-13) {
			t.Fatalf("triangulated square grid, cell %d: %g; want (1+sqrt 2)/2", c, v)
		}
	}
}

func TestEquidistribution(t *testing.T) {
	uniform := mustQuad(t, 48, 48)
	ones := make([]float64, uniform.NumCells())
	for i := range ones {
		ones[i] = 1
	}
	// 3x3 nodes: four cells of area 1/4; moved: the middle column (nodes
	// 3, 4, 5) to x = 0.75, so cells 0, 1 (left) have area 3/8 and cells
	// 2, 3 (right) 1/8.
	small := mustQuad(t, 3, 3)
	mv := append([]float64(nil), small.Nodes...)
	mv[6], mv[8], mv[10] = 0.75, 0.75, 0.75
	shifted, _ := small.WithNodes(mv)
	tests := []struct {
		name    string
		m       *Mesh
		monitor []float64
		want    Equi
	}{
		{"uniform, constant m", uniform, ones, Equi{Mean: 1.0 / (47 * 47), Min: 1.0 / (47 * 47), Max: 1.0 / (47 * 47)}},
		{"uniform, m = 1..4", small, []float64{1, 2, 3, 4}, Equi{Mean: 0.625, Std: math.Sqrt(0.078125), CV: 1 / math.Sqrt(5), Min: 0.25, Max: 1, Range: 0.75}},
		// m A = 3/8, 3/8, 3/8, 3/8: equidistributed.
		{"moved, m = 1,1,3,3", shifted, []float64{1, 1, 3, 3}, Equi{Mean: 0.375, Min: 0.375, Max: 0.375}},
		// m A = 3/8, 3/4, 1/8, 1/8.
		{"moved, m = 1,2,1,1", shifted, []float64{1, 2, 1, 1}, Equi{Mean: 0.34375, Std: math.Sqrt(0.0654296875), CV: math.Sqrt(0.0654296875) / 0.34375, Min: 0.125, Max: 0.75, Range: 0.625}},
	}
	for _, tc := range tests {
		got, err := tc.m.Equidistribution(tc.monitor)
		if err != nil {
			t.Fatal(err)
		}
		g := []float64{got.Mean, got.Std, got.CV, got.Min, got.Max, got.Range}
		w := []float64{tc.want.Mean, tc.want.Std, tc.want.CV, tc.want.Min, tc.want.Max, tc.want.Range}
		for i := range g {
			if !near(g[i], w[i], 1e-13) {
				t.Errorf("%s: %+v; want %+v", tc.name, got, tc.want)
				break
			}
		}
	}
	// On a dyadic grid every area is exactly 1/32^2: CV exactly 0.
	dyadic := mustQuad(t, 33, 33)
	if e, _ := dyadic.Equidistribution(ones[:dyadic.NumCells()]); e.CV != 0 || e.Range != 0 || e.Mean != 1.0/1024 {
		t.Errorf("33x33, constant m: %+v; want mean 1/1024, CV and range exactly 0", e)
	}
	_, err := small.Equidistribution([]float64{1, 2})
	wantErr(t, "short monitor", err, "2 monitor values", "one per cell, 4")
	_, err = small.Equidistribution([]float64{1, 2, math.NaN(), 4})
	wantErr(t, "NaN monitor", err, "cell 2", "NaN")
}

func TestBoundaryDrift(t *testing.T) {
	ref := mustQuad(t, 5, 5)
	slide := append([]float64(nil), ref.Nodes...)
	slide[2*1+1] += 0.1 // node 1 (0, 0.25) slides along x = 0: allowed
	slide[2*7] += 0.003 // node 7 (0.25, 0.5) is interior: ignored
	off := append([]float64(nil), slide...)
	off[2*10+1] = 0.001 // node 10 (0.5, 0) leaves y = 0 by 0.001
	off[2*24] = 1.001   // corner 24 (1, 1) moves to (1.001, 0.999)
	off[2*24+1] = 0.999
	tests := []struct {
		name  string
		nodes []float64
		drift float64
		node  int
	}{
		{"identity", ref.Nodes, 0, 0},
		{"smooth map", moved(t, ref).Nodes, 0, 0},
		{"sliding", slide, 0, 0},
		{"off", off, 0.001 * math.Sqrt2, 24},
	}
	for _, tc := range tests {
		mv, _ := ref.WithNodes(tc.nodes)
		d, n, err := BoundaryDrift(ref, mv)
		if err != nil || !near(d, tc.drift, 1e-15) || n != tc.node {
			t.Errorf("%s: drift %g at node %d (%v); want %g at %d", tc.name, d, n, err, tc.drift, tc.node)
		}
	}
	_, _, err := BoundaryDrift(ref, mustQuad(t, 4, 4))
	wantErr(t, "sizes", err, "16 nodes", "reference's 25")
}

func ExampleMesh_Equidistribution() {
	m, _ := StructuredQuad(3, 3)
	e, _ := m.Equidistribution([]float64{1, 2, 3, 4})
	fmt.Printf("mean %.4f std %.4f cv %.4f range %.2f\n", e.Mean, e.Std, e.CV, e.Range)
	// Output: mean 0.6250 std 0.2795 cv 0.4472 range 0.75
}

// TestMeanNodeDistance: a mesh shifted by (0.03, 0.04) is 0.05 from
// itself at every node; meshes of different sizes are refused.
func TestMeanNodeDistance(t *testing.T) {
	a, _ := StructuredQuad(5, 4)
	nodes := make([]float64, len(a.Nodes))
	for i, x := range a.Nodes {
		nodes[i] = x + []float64{0.03, 0.04}[i%2]
	}
	b := &Mesh{Type: a.Type, Nodes: nodes, Cells: a.Cells}
	if d, err := MeanNodeDistance(a, b); err != nil || math.Abs(d-0.05) > 1e-15 {
		t.Errorf("distance %v, %v; want 0.05", d, err)
	}
	c, _ := StructuredQuad(4, 4)
	if _, err := MeanNodeDistance(a, c); err == nil || !strings.Contains(err.Error(), "meshes of 20 and 16 nodes") {
		t.Errorf("different sizes: %v", err)
	}
}
