package geometry

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

type geomCase struct {
	name     string
	dim      int
	box      Box
	periodic bool
	unbound  bool
	r        float64
}

func geomCases() []geomCase {
	var cs []geomCase
	for _, dim := range []int{2, 3} {
		r := 1.0 / 16
		if dim == 3 {
			r = 1.0 / 8
		}
		cs = append(cs,
			geomCase{fmt.Sprintf("%dd/bounded", dim), dim, unitBox(dim, -0.5, 1, false), false, false, r},
			geomCase{fmt.Sprintf("%dd/periodic", dim), dim, unitBox(dim, 0, 1, true), true, false, r},
			geomCase{fmt.Sprintf("%dd/unbounded", dim), dim, Box{}, false, true, r},
		)
	}
	return cs
}

func (c geomCase) points(seed uint64, n int) []float64 {
	lo := -0.5
	if c.periodic {
		lo = 0
	}
	return testPoints(seed, n, c.dim, lo, 1, c.box.Periodic, c.periodic)
}

func TestRadiusGraphMatchesBruteForce(t *testing.T) {
	for _, c := range geomCases() {
		pos := c.points(1, 2000)
		for _, self := range []bool{false, true} {
			name := fmt.Sprintf("%s/self=%v", c.name, self)
			g, err := RadiusGraph(pos, c.dim, c.box, c.r, self)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			s := 0
			if self {
				s = 1
			}
			want := bruteRadius(pos, pos, c.dim, c.box, c.r, s)
			sameGraph(t, name, g, want)
			if g.NumReceivers() != 2000 || g.NumEdges() != len(want.Senders) {
				t.Fatalf("%s: %d receivers, %d edges", name, g.NumReceivers(), g.NumEdges())
			}
			if g.NumEdges() < 2000 {
				t.Fatalf("%s: only %d edges: the test is too sparse", name, g.NumEdges())
			}
		}
	}
}

// TestRadiusGraphExactDistance: pairs exactly r apart are edges, pairs a
// lattice step further are not, across cell faces and the periodic seam.
func TestRadiusGraphExactDistance(t *testing.T) {
	box := Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}, Periodic: []bool{true, false}}
	r := 0.25
	pos := []float64{
		0.125, 0.5, // 0
		0.875, 0.5, // 1: 0.25 from 0 through the seam
		0.125, 0.75, // 2: 0.25 above 0
		0.125, 1, // 3: 0.25 above 2, on the upper bound
		0.375, 0.5, // 4: 0.25 right of 0
		0.125, 0.5, // 5: duplicate of 0
		0.625, 0.5, // 6: 0.25 right of 4, 0.25 left of 1
	}
	g, err := RadiusGraph(pos, 2, box, r, false)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{1, 2, 4, 5}, {0, 5, 6}, {0, 3, 5}, {2}, {0, 5, 6}, {0, 1, 2, 4}, {1, 4}}
	for i, w := range want {
		if got := g.Neighbours(i); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("neighbours of %d = %v, want %v", i, got, w)
		}
	}
}

// TestRadiusGraphCoarseCells: a capped cell grid is only slower.
func TestRadiusGraphCoarseCells(t *testing.T) {
	defer func(m, p int) { maxCells, cellsPerPoint = m, p }(maxCells, cellsPerPoint)
	maxCells, cellsPerPoint = 7, 0
	for _, c := range geomCases() {
		pos := c.points(2, 500)
		g, err := RadiusGraph(pos, c.dim, c.box, c.r, false)
		if err != nil {
			t.Fatal(err)
		}
		sameGraph(t, c.name, g, bruteRadius(pos, pos, c.dim, c.box, c.r, 0))
	}
}

func TestRadiusQueryMatchesBruteForce(t *testing.T) {
	for _, c := range geomCases() {
		src := c.points(3, 1500)
		qry := c.points(4, 700)
		if c.unbound { // queries beyond the sources' bounding box
			for i := range qry {
				qry[i] = 2*qry[i] + 0.25
			}
		}
		g, err := RadiusQuery(src, qry, c.dim, c.box, c.r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameGraph(t, c.name, g, bruteRadius(src, qry, c.dim, c.box, c.r, -1))
	}
}

func TestDisplacements(t *testing.T) {
	for _, c := range geomCases() {
		pos := c.points(5, 400)
		g, err := RadiusGraph(pos, c.dim, c.box, c.r, true)
		if err != nil {
			t.Fatal(err)
		}
		disp, dist, err := g.Displacements(pos, pos, c.dim, c.box)
		if err != nil {
			t.Fatal(err)
		}
		for e := range g.Senders {
			i, j := int(g.Receivers[e]), int(g.Senders[e])
			d := disp[e*c.dim : e*c.dim+c.dim]
			s := 0.0
			for a := range c.dim {
				s += d[a] * d[a]
				// x_j + d is an image of x_i
				if c.box.periodic(a) {
					if k := (pos[j*c.dim+a] + d[a] - pos[i*c.dim+a]); math.Abs(k-math.Round(k)) > 1e-12 {
						t.Fatalf("%s: edge %d axis %d: x_j + d - x_i = %g, not a whole period", c.name, e, a, k)
					}
				} else if d[a] != pos[i*c.dim+a]-pos[j*c.dim+a] {
					t.Fatalf("%s: edge %d axis %d: displacement %g, want x_i - x_j", c.name, e, a, d[a])
				}
			}
			if math.Sqrt(s) != dist[e] || dist[e] > c.r || dist[e] != math.Sqrt(bruteSq(pos[i*c.dim:i*c.dim+c.dim], pos[j*c.dim:j*c.dim+c.dim], c.box)) {
				t.Fatalf("%s: edge %d: dist %g, |disp| %g, r %g", c.name, e, dist[e], math.Sqrt(s), c.r)
			}
		}
	}
}

// TestWorkersDoNotChangeResults: every search gives identical output with
// one worker and with four.
func TestWorkersDoNotChangeResults(t *testing.T) {
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	run := func(c geomCase) string {
		pos := c.points(6, 3000)
		qry := c.points(7, 1000)
		g, err := RadiusGraph(pos, c.dim, c.box, c.r, false)
		if err != nil {
			t.Fatal(err)
		}
		q, err := RadiusQuery(pos, qry, c.dim, c.box, c.r)
		if err != nil {
			t.Fatal(err)
		}
		idx, dist, err := KNN(pos, qry, c.dim, c.box, 9)
		if err != nil {
			t.Fatal(err)
		}
		si, sw, err := GridStencil(pos, c.dim, []float64{-0.5, -0.5, -0.5}[:c.dim], []float64{0.5, 0.5, 0.5}[:c.dim], []int{17, 9, 5}[:c.dim])
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]float64, len(pos))
		copy(vals, pos)
		u, err := InverseDistance(pos, vals, c.dim, qry, c.dim, 6, 2)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(g, q, idx, dist, si, sw, u)
	}
	for _, c := range geomCases() {
		parallel.SetWorkers(1)
		one := run(c)
		parallel.SetWorkers(4)
		if four := run(c); four != one {
			t.Errorf("%s: output with 4 workers differs from 1 worker", c.name)
		}
	}
}
