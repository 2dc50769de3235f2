package mesh

import (
	"math"
	"slices"
	"testing"
)

func TestStructuredQuadLayout(t *testing.T) {
	m := mustQuad(t, 3, 4)
	if m.NumNodes() != 12 || m.NumCells() != 6 || m.Type != Quad {
		t.Fatalf("3 x 4: %d nodes, %d %v cells; want 12, 6 quad", m.NumNodes(), m.NumCells(), m.Type)
	}
	// Node ix*ny + iy at (ix/(nx-1), iy/(ny-1)).
	for _, tc := range []struct {
		node int
		x, y float64
	}{{0, 0, 0}, {1, 0, 1.0 / 3}, {3, 0, 1}, {4, 0.5, 0}, {7, 0.5, 1}, {11, 1, 1}} {
		if m.Nodes[2*tc.node] != tc.x || m.Nodes[2*tc.node+1] != tc.y {
			t.Errorf("node %d at (%g, %g); want (%g, %g)", tc.node, m.Nodes[2*tc.node], m.Nodes[2*tc.node+1], tc.x, tc.y)
		}
	}
	// Cell cx*(ny-1) + cy, corners counter-clockwise from (cx, cy).
	if got := m.Cells[4*4 : 4*5]; !slices.Equal(got, []int32{5, 9, 10, 6}) {
		t.Errorf("cell 4 (cx 1, cy 1) = %v; want [5 9 10 6]", got)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if c, _ := m.FirstInverted(); c != -1 {
		t.Errorf("structured mesh: inverted cell %d", c)
	}
}

func TestTriangulate(t *testing.T) {
	q := mustQuad(t, 3, 3)
	tri, err := Triangulate(q)
	if err != nil {
		t.Fatal(err)
	}
	if tri.Type != Triangle || tri.NumCells() != 8 || tri.NumNodes() != 9 {
		t.Fatalf("triangulated 3 x 3: %d %v cells, %d nodes; want 8 triangles, 9 nodes", tri.NumCells(), tri.Type, tri.NumNodes())
	}
	// Quad 0 = (0, 3, 4, 1) -> (0, 3, 4), (0, 4, 1).
	if got := tri.Cells[:6]; !slices.Equal(got, []int32{0, 3, 4, 0, 4, 1}) {
		t.Errorf("triangles of quad 0 = %v; want [0 3 4 0 4 1]", got)
	}
	if c, _ := tri.FirstInverted(); c != -1 {
		t.Errorf("triangulated mesh: inverted cell %d", c)
	}
	if _, err := Triangulate(tri); err == nil {
		t.Error("Triangulate(triangle mesh): no error")
	}
}

func TestWithNodesSharesCells(t *testing.T) {
	m := mustQuad(t, 4, 4)
	mv := moved(t, m)
	if &mv.Cells[0] != &m.Cells[0] {
		t.Error("WithNodes copied the cells; want them shared")
	}
	mv.Nodes[0] = 7
	if m.Nodes[0] != 0 {
		t.Error("WithNodes shares the node slice; want a copy")
	}
	_, err := m.WithNodes(m.Nodes[:10])
	wantErr(t, "short nodes", err, "10 coordinates", "want 32")
	bad := slices.Clone(m.Nodes)
	bad[7] = math.Inf(1)
	_, err = m.WithNodes(bad)
	wantErr(t, "infinite node", err, "node 3", "coordinate 1 = +Inf", "want finite")
}

func TestValidateErrors(t *testing.T) {
	good := func() *Mesh { return mustQuad(t, 3, 3) }
	tests := []struct {
		name  string
		edit  func(m *Mesh)
		frags []string
	}{
		{"NaN node", func(m *Mesh) { m.Nodes[9] = math.NaN() }, []string{"node 4", "coordinate 1 = NaN", "want finite"}},
		{"index out of range", func(m *Mesh) { m.Cells[6] = 9 }, []string{"cell 1", "corner 2", "node 9", "[0, 9)"}},
		{"negative index", func(m *Mesh) { m.Cells[0] = -1 }, []string{"cell 0", "node -1"}},
		{"repeated node", func(m *Mesh) { m.Cells[3] = m.Cells[1] }, []string{"cell 0", "twice", "corners 1 and 3"}},
		{"ragged cells", func(m *Mesh) { m.Cells = m.Cells[:7] }, []string{"7 cell indices", "multiple of 4"}},
		{"odd nodes", func(m *Mesh) { m.Nodes = m.Nodes[:17] }, []string{"17 node coordinates", "multiple of 2"}},
		{"no cells", func(m *Mesh) { m.Cells = nil }, []string{"0 cell indices"}},
		{"bad type", func(m *Mesh) { m.Type = 5 }, []string{"cell type 5", "want 3 (triangle) or 4 (quad)"}},
	}
	for _, tc := range tests {
		m := good()
		tc.edit(m)
		wantErr(t, tc.name, m.Validate(), tc.frags...)
		_, err := m.Areas()
		wantErr(t, tc.name+" (Areas)", err, append([]string{"Areas"}, tc.frags...)...)
	}
	for _, n := range [][2]int{{1, 5}, {5, 0}} {
		_, err := StructuredQuad(n[0], n[1])
		wantErr(t, "StructuredQuad", err, "at least 2 nodes per axis")
	}
}
