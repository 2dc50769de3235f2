package mesh

import (
	"errors"
	"fmt"
	"math"
)

// CellType is the shape of a mesh's cells; its value is the number of
// nodes a cell, as in datasets.CellType.
type CellType int

// The cell types a Mesh may hold.
const (
	Triangle CellType = 3 // three nodes a cell, counter-clockwise
	Quad     CellType = 4 // four nodes a cell, counter-clockwise around it
)

// String returns "triangle", "quad" or CellType(k).
func (t CellType) String() string {
	switch t {
	case Triangle:
		return "triangle"
	case Quad:
		return "quad"
	}
	return fmt.Sprintf("CellType(%d)", int(t))
}

// maxNodes bounds node and cell counts so that indices fit int32.
const maxNodes = math.MaxInt32

// Mesh is a 2-D mesh of N nodes and C cells of k = int(Type) nodes each.
// Nodes is [N, 2] row-major (node i at Nodes[2i], Nodes[2i+1]); Cells is
// [C, k] row-major, node indices in [0, N) listed counter-clockwise, the
// layout of a datasets.Mesh with Dim 2. A moved mesh has the same Cells and
// new Nodes (WithNodes). Functions of this package never modify a Mesh.
type Mesh struct {
	Type  CellType
	Nodes []float64
	Cells []int32
}

// NumNodes returns N.
func (m *Mesh) NumNodes() int { return len(m.Nodes) / 2 }

// NumCells returns C (0 for an invalid Type).
func (m *Mesh) NumCells() int {
	if m.Type != Triangle && m.Type != Quad {
		return 0
	}
	return len(m.Cells) / int(m.Type)
}

// cell returns the node indices of cell c.
func (m *Mesh) cell(c int) []int32 {
	k := int(m.Type)
	return m.Cells[c*k : (c+1)*k]
}

// corners returns the coordinates of the k corners of cell c.
func (m *Mesh) corners(c int) (p [4][2]float64) {
	for v, i := range m.cell(c) {
		p[v] = [2]float64{m.Nodes[2*i], m.Nodes[2*i+1]}
	}
	return p
}

// StructuredQuad returns the uniform quad mesh of the unit square with nx
// nodes along x and ny along y (so "a 48^2 mesh" is StructuredQuad(48,
// 48): 48*48 nodes, 47*47 cells). Node ix*ny + iy sits at (ix/(nx-1),
// iy/(ny-1)), the row-major [i][j] at (x_i, y_j) order of the solvers'
// fields and of geometry.GridStencil, so a field on an nx x ny grid is a
// node field as it stands. Cell cx*(ny-1) + cy has the corners (cx, cy),
// (cx+1, cy), (cx+1, cy+1), (cx, cy+1): counter-clockwise.
func StructuredQuad(nx, ny int) (*Mesh, error) {
	if nx < 2 || ny < 2 {
		return nil, fmt.Errorf("mesh: StructuredQuad: %d x %d nodes; want at least 2 nodes per axis", nx, ny)
	}
	if nx > maxNodes/ny {
		return nil, fmt.Errorf("mesh: StructuredQuad: %d x %d nodes exceed the %d that int32 indices address", nx, ny, maxNodes)
	}
	m := &Mesh{Type: Quad, Nodes: make([]float64, 0, 2*nx*ny), Cells: make([]int32, 0, 4*(nx-1)*(ny-1))}
	for ix := range nx {
		for iy := range ny {
			m.Nodes = append(m.Nodes, float64(ix)/float64(nx-1), float64(iy)/float64(ny-1))
		}
	}
	node := func(ix, iy int) int32 { return int32(ix*ny + iy) }
	for cx := range nx - 1 {
		for cy := range ny - 1 {
			m.Cells = append(m.Cells, node(cx, cy), node(cx+1, cy), node(cx+1, cy+1), node(cx, cy+1))
		}
	}
	return m, nil
}

// Triangulate splits every quad (a, b, c, d) of q along its diagonal a-c
// into the triangles (a, b, c) and (a, c, d), cells 2i and 2i+1 for quad
// i; both keep the quad's counter-clockwise order. The nodes are copied.
func Triangulate(q *Mesh) (*Mesh, error) {
	if q.Type != Quad {
		return nil, fmt.Errorf("mesh: Triangulate: cell type %v; want quad", q.Type)
	}
	if err := q.validate(); err != nil {
		return nil, fmt.Errorf("mesh: Triangulate: %w", err)
	}
	t := &Mesh{Type: Triangle, Nodes: append([]float64(nil), q.Nodes...), Cells: make([]int32, 0, 6*q.NumCells())}
	for c := range q.NumCells() {
		v := q.cell(c)
		t.Cells = append(t.Cells, v[0], v[1], v[2], v[0], v[2], v[3])
	}
	return t, nil
}

// WithNodes returns the moved mesh: m's cells (shared, not copied) on a
// copy of nodes, which must hold N finite points, as m.Nodes does.
func (m *Mesh) WithNodes(nodes []float64) (*Mesh, error) {
	if len(nodes) != len(m.Nodes) {
		return nil, fmt.Errorf("mesh: WithNodes: %d coordinates (%d/2 points); want %d for the mesh's %d nodes", len(nodes), len(nodes), len(m.Nodes), m.NumNodes())
	}
	if err := checkFinite("node", nodes); err != nil {
		return nil, fmt.Errorf("mesh: WithNodes: %w", err)
	}
	return &Mesh{Type: m.Type, Nodes: append([]float64(nil), nodes...), Cells: m.Cells}, nil
}

// Validate checks that the mesh is well formed: a known cell type, Nodes
// [N, 2] with N >= 1 and every coordinate finite, Cells [C, k] with C >= 1,
// every index in [0, N) and no node twice in a cell. It does not check
// orientation; see FirstInverted. The error names the node or cell at fault.
func (m *Mesh) Validate() error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("mesh: %w", err)
	}
	return nil
}

// validate is Validate without the package prefix, for callers that add
// their own.
func (m *Mesh) validate() error {
	if m.Type != Triangle && m.Type != Quad {
		return fmt.Errorf("cell type %d; want 3 (triangle) or 4 (quad)", int(m.Type))
	}
	if len(m.Nodes) == 0 || len(m.Nodes)%2 != 0 {
		return fmt.Errorf("%d node coordinates; want a non-zero multiple of 2 ([N, 2])", len(m.Nodes))
	}
	k := int(m.Type)
	if len(m.Cells) == 0 || len(m.Cells)%k != 0 {
		return fmt.Errorf("%d cell indices; want a non-zero multiple of %d ([C, %d] %v cells)", len(m.Cells), k, k, m.Type)
	}
	if m.NumNodes() > maxNodes || m.NumCells() > maxNodes {
		return fmt.Errorf("%d nodes, %d cells; want at most %d of each", m.NumNodes(), m.NumCells(), maxNodes)
	}
	if err := checkFinite("node", m.Nodes); err != nil {
		return err
	}
	return m.checkCells()
}

// checkCells checks the cell indices.
func (m *Mesh) checkCells() error {
	n := int32(m.NumNodes())
	for c := range m.NumCells() {
		v := m.cell(c)
		for a, i := range v {
			if i < 0 || i >= n {
				return fmt.Errorf("cell %d corner %d is node %d; want an index in [0, %d)", c, a, i, n)
			}
			for b := range a {
				if v[b] == i {
					return fmt.Errorf("cell %d lists node %d twice (corners %d and %d): %v", c, i, b, a, v)
				}
			}
		}
	}
	return nil
}

// checkFinite reports the first non-finite coordinate of points [N, 2],
// naming it "what i".
func checkFinite(what string, pts []float64) error {
	for i, x := range pts {
		if !finite(x) {
			return fmt.Errorf("%s %d has coordinate %d = %g; want finite", what, i/2, i%2, x)
		}
	}
	return nil
}

// ErrTangled is wrapped by the errors of CheckUntangled and of anything
// that refuses a tangled mesh (NewLocator).
var ErrTangled = errors.New("tangled mesh")

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
