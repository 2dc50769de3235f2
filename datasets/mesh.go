package datasets

import (
	"fmt"
	"math"
)

// Unstructured meshes (docs/DATA.md, "Meshes"): node coordinates, cells
// as node indices, node fields for S samples and, for mesh movers, the
// moved node coordinates of every sample, in one group.

// MeshLayout is the value of a mesh group's "layout" attribute.
const MeshLayout = "surrogo-mesh/1"

// Names of the mesh layout's datasets and attributes.
const (
	keyNodes      = "nodes"
	keyCells      = "cells"
	keyFields     = "fields"
	keyMoved      = "moved_nodes"
	attrCellType  = "cell_type"
	attrDim       = "dim"
	attrFieldName = "field_names"
	axesNodes     = "[N, d] with d = 2 or 3"
	axesCells     = "[C, k] with k = 3 (triangles) or 4 (quads)"
	axesFields    = "[S, N, F]"
	axesMoved     = "[S, N, d]"
)

// CellType is the shape of a mesh's cells.
type CellType int

// The cell types a Mesh may hold.
const (
	Triangle CellType = 3 // three nodes a cell
	Quad     CellType = 4 // four nodes a cell, in order around the cell
)

// String returns the cell type's name in files: "triangle" or "quad".
func (c CellType) String() string {
	switch c {
	case Triangle:
		return "triangle"
	case Quad:
		return "quad"
	}
	return fmt.Sprintf("CellType(%d)", int(c))
}

// cellTypeOf parses a cell type's name.
func cellTypeOf(s string) (CellType, bool) {
	switch s {
	case "triangle":
		return Triangle, true
	case "quad":
		return Quad, true
	}
	return 0, false
}

// Mesh is an unstructured mesh of N nodes in d dimensions and C cells of
// k nodes, with F fields at the nodes for S samples and optionally the
// moved node coordinates of each sample (a mesh mover's output).
type Mesh struct {
	Dim      int      // d: 2 or 3
	CellType CellType // Triangle (k = 3) or Quad (k = 4)
	// Nodes is [N, d] row-major; every value finite.
	Nodes []float64
	// Cells is [C, k] row-major: node indices in [0, N).
	Cells []int32
	// Samples is S; FirstSample the index in the stored mesh of the first
	// (non-zero after ReadMesh with start > 0; WriteMesh requires 0).
	Samples     int
	FirstSample int
	// FieldDim is F (0: no fields); Fields is [S, N, F] row-major, nil
	// when F is 0; FieldNames optionally names the F fields.
	FieldDim   int
	Fields     []float32
	FieldNames []string
	// Moved is [S, N, d]: each sample's moved node coordinates, or nil.
	Moved []float64
}

// NumNodes returns N.
func (m *Mesh) NumNodes() int {
	if m.Dim <= 0 {
		return 0
	}
	return len(m.Nodes) / m.Dim
}

// NumCells returns C.
func (m *Mesh) NumCells() int {
	if m.CellType <= 0 {
		return 0
	}
	return len(m.Cells) / int(m.CellType)
}

// checkMesh verifies a mesh before it is written.
func checkMesh(f *File, p string, m *Mesh) error {
	bad := func(sentinel error, obj, format string, args ...any) error {
		return newErr("write", f.name, p+"/"+obj, sentinel, format, args...)
	}
	if m.Dim != 2 && m.Dim != 3 {
		return bad(ErrShape, keyNodes, "dimension %d, expected 2 or 3", m.Dim)
	}
	if m.CellType != Triangle && m.CellType != Quad {
		return bad(ErrArgument, keyCells, "cell type %v, expected Triangle or Quad", m.CellType)
	}
	n, k := m.NumNodes(), int(m.CellType)
	if n < 1 || len(m.Nodes) != n*m.Dim {
		return bad(ErrShape, keyNodes, "%d values, expected a positive multiple of the dimension %d", len(m.Nodes), m.Dim)
	}
	if at := firstNonFinite(m.Nodes); at >= 0 {
		return bad(ErrNonFinite, keyNodes, "value %v at node %d, coordinate %d", m.Nodes[at], at/m.Dim, at%m.Dim)
	}
	if len(m.Cells) == 0 || len(m.Cells)%k != 0 {
		return bad(ErrShape, keyCells, "%d indices, expected a positive multiple of %d (%s cells)", len(m.Cells), k, m.CellType)
	}
	if at := cellOutOfRange(m.Cells, n); at >= 0 {
		return bad(ErrRange, keyCells, "cell %d, corner %d is node %d, expected an index in [0, %d)", at/k, at%k, m.Cells[at], n)
	}
	if m.Samples < 0 || m.FieldDim < 0 {
		return bad(ErrShape, keyFields, "%d samples of %d fields, expected non-negative counts", m.Samples, m.FieldDim)
	}
	if m.FirstSample != 0 {
		return bad(ErrArgument, keyFields, "first sample %d, expected 0 (a whole mesh, not a window)", m.FirstSample)
	}
	if want := m.Samples * n * m.FieldDim; len(m.Fields) != want {
		return bad(ErrShape, keyFields, "shape [%d %d %d] needs %d values, found %d", m.Samples, n, m.FieldDim, want, len(m.Fields))
	}
	if at := firstNonFinite(m.Fields); at >= 0 {
		return bad(ErrNonFinite, keyFields, "value %v at %s", m.Fields[at], nodeValueText(at, n, m.FieldDim, 0, "field"))
	}
	if m.FieldNames != nil && len(m.FieldNames) != m.FieldDim {
		return bad(ErrShape, keyFields, "%d field names for %d fields", len(m.FieldNames), m.FieldDim)
	}
	if m.Moved != nil {
		if want := m.Samples * n * m.Dim; len(m.Moved) != want || want == 0 {
			return bad(ErrShape, keyMoved, "shape [%d %d %d] needs %d values (at least one sample), found %d", m.Samples, n, m.Dim, want, len(m.Moved))
		}
		if at := firstNonFinite(m.Moved); at >= 0 {
			return bad(ErrNonFinite, keyMoved, "value %v at %s", m.Moved[at], nodeValueText(at, n, m.Dim, 0, "coordinate"))
		}
	}
	if m.Samples > 0 && m.FieldDim == 0 && m.Moved == nil {
		return bad(ErrShape, keyFields, "%d samples but neither fields nor moved nodes", m.Samples)
	}
	return nil
}

// cellOutOfRange returns the position of the first index outside [0, n),
// or -1.
func cellOutOfRange[T int32 | int64](cells []T, n int) int {
	for i, c := range cells {
		if c < 0 || int64(c) >= int64(n) {
			return i
		}
	}
	return -1
}

// nodeValueText names element at of an [S, N, w] array whose first sample
// is s0; what names the last axis ("field", "coordinate").
func nodeValueText(at, n, w, s0 int, what string) string {
	return fmt.Sprintf("sample %d, node %d, %s %d", s0+at/(n*w), at/w%n, what, at%w)
}

// WriteMesh writes m into group g (f.Group for the root, or a group made
// with CreateGroup): datasets nodes, cells, fields (when FieldDim > 0) and
// moved_nodes (when Moved is given), attributes layout, cell_type, dim and
// field_names. m is checked whole first: shapes consistent with Dim,
// CellType, Samples and FieldDim, finite values, every cell index in
// [0, N).
func WriteMesh(g *Group, m *Mesh) error {
	if err := g.check("write"); err != nil {
		return err
	}
	if err := checkMesh(g.f, g.pathPrefix(), m); err != nil {
		return err
	}
	n := m.NumNodes()
	if err := Write(g, keyNodes, []int{n, m.Dim}, m.Nodes, nil); err != nil {
		return err
	}
	if err := Write(g, keyCells, []int{m.NumCells(), int(m.CellType)}, m.Cells, nil); err != nil {
		return err
	}
	if m.FieldDim > 0 {
		if err := Write(g, keyFields, []int{m.Samples, n, m.FieldDim}, m.Fields, nil); err != nil {
			return err
		}
	}
	if m.Moved != nil {
		if err := Write(g, keyMoved, []int{m.Samples, n, m.Dim}, m.Moved, nil); err != nil {
			return err
		}
	}
	if err := g.SetAttr(attrLayout, MeshLayout); err != nil {
		return err
	}
	if err := g.SetAttr(attrCellType, m.CellType.String()); err != nil {
		return err
	}
	if err := g.SetAttr(attrDim, int64(m.Dim)); err != nil {
		return err
	}
	if m.FieldNames != nil {
		return g.SetAttr(attrFieldName, m.FieldNames)
	}
	return nil
}

// pathPrefix is the group's path for joining names ("" for the root).
func (g *Group) pathPrefix() string {
	if g.path == "/" {
		return ""
	}
	return g.path
}

// MeshSamples returns the number of samples of the mesh in g (the leading
// axis of fields or moved_nodes; 0 when it has neither) without reading
// any values.
func MeshSamples(g *Group) (int, error) {
	for _, name := range []string{keyFields, keyMoved} {
		if g.Kind(name) != KindDataset {
			continue
		}
		d, err := g.OpenDataset(name)
		if err != nil {
			return 0, err
		}
		s := d.Len()
		d.Close()
		return s, nil
	}
	return 0, nil
}

// ReadMesh reads the mesh in group g with samples [start, start+n) of its
// fields and moved nodes (n < 0: all from start). It refuses a layout
// attribute other than MeshLayout, a cell_type other than "triangle" or
// "quad" or disagreeing with the cells' width, a dim disagreeing with the
// nodes', cell indices outside [0, N) (ErrRange, naming the cell), fields
// or moved nodes whose N, d or S disagree (ErrShape), integer coordinates
// or fields, NaN or infinite values (ErrNonFinite, naming sample and
// node), and buffers over ReadLimit (ErrTooLarge, before allocating).
// Cells may be stored as any integer type that fits int32.
func ReadMesh(g *Group, start, n int) (*Mesh, error) {
	fname := g.f.name
	if g.HasAttr(attrLayout) {
		l, err := g.AttrString(attrLayout)
		if err != nil {
			return nil, err
		}
		if l != MeshLayout {
			return nil, newErr("read", fname, g.attrObject(attrLayout), ErrLayout, "is %q, expected %q", l, MeshLayout)
		}
	}
	ctName, err := g.AttrString(attrCellType)
	if err != nil {
		return nil, err
	}
	ct, ok := cellTypeOf(ctName)
	if !ok {
		return nil, newErr("read", fname, g.attrObject(attrCellType), ErrLayout, "is %q, expected \"triangle\" or \"quad\"", ctName)
	}
	dim, err := g.AttrInt64(attrDim)
	if err != nil {
		return nil, err
	}
	m := &Mesh{CellType: ct}

	nodes, err := g.OpenDataset(keyNodes)
	if err != nil {
		return nil, err
	}
	defer nodes.Close()
	if err := checkField(nodes, 2, 2, axesNodes); err != nil {
		return nil, err
	}
	ns := nodes.Shape()
	if (ns[1] != 2 && ns[1] != 3) || int64(ns[1]) != dim {
		return nil, newErr("read", fname, nodes.path, ErrLayout, "has shape %v, expected %s matching attribute dim = %d", ns, axesNodes, dim)
	}
	m.Dim = ns[1]
	nn := ns[0]
	if nn < 1 {
		return nil, newErr("read", fname, nodes.path, ErrLayout, "has shape %v, expected at least one node", ns)
	}
	if m.Nodes, err = ReadAll[float64](nodes); err != nil {
		return nil, err
	}
	if at := firstNonFinite(m.Nodes); at >= 0 {
		return nil, newErr("read", fname, nodes.path, ErrNonFinite, "value %v at node %d, coordinate %d", m.Nodes[at], at/m.Dim, at%m.Dim)
	}

	if m.Cells, err = readCells(g, ct, nn); err != nil {
		return nil, err
	}

	total, err := MeshSamples(g)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		n = max(total-start, 0)
	}
	if start < 0 || n < 0 || start > total-n {
		return nil, newErr("read", fname, g.path, ErrRange, "samples [%d, %d) requested, the mesh holds %d", start, start+n, total)
	}
	m.Samples, m.FirstSample = n, start
	if g.Has(keyFields) {
		d, err := g.OpenDataset(keyFields)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		if err := checkField(d, 3, 3, axesFields); err != nil {
			return nil, err
		}
		s := d.Shape()
		if s[0] != total || s[1] != nn {
			return nil, newErr("read", fname, d.path, ErrShape, "has shape %v, expected [%d %d F] for %d samples on %d nodes", s, total, nn, total, nn)
		}
		m.FieldDim = s[2]
		if m.Fields, err = ReadSamples[float32](d, start, n); err != nil {
			return nil, err
		}
		if at := firstNonFinite(m.Fields); at >= 0 {
			return nil, newErr("read", fname, d.path, ErrNonFinite, "value %v at %s", m.Fields[at], nodeValueText(at, nn, m.FieldDim, start, "field"))
		}
		if g.HasAttr(attrFieldName) {
			v, err := g.Attr(attrFieldName)
			if err != nil {
				return nil, err
			}
			names, ok := v.([]string)
			if s, one := v.(string); one {
				names, ok = []string{s}, true
			}
			if !ok || len(names) != m.FieldDim {
				return nil, newErr("read", fname, g.attrObject(attrFieldName), ErrLayout,
					"is %s, expected %d field names like %s %v", describeValue(v), m.FieldDim, d.path, s)
			}
			m.FieldNames = names
		}
	}
	if g.Has(keyMoved) {
		d, err := g.OpenDataset(keyMoved)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		if err := checkField(d, 3, 3, axesMoved); err != nil {
			return nil, err
		}
		s := d.Shape()
		if s[0] != total || s[1] != nn || s[2] != m.Dim {
			return nil, newErr("read", fname, d.path, ErrShape, "has shape %v, expected [%d %d %d] (samples, nodes, dimension)", s, total, nn, m.Dim)
		}
		if m.Moved, err = ReadSamples[float64](d, start, n); err != nil {
			return nil, err
		}
		if at := firstNonFinite(m.Moved); at >= 0 {
			return nil, newErr("read", fname, d.path, ErrNonFinite, "value %v at %s", m.Moved[at], nodeValueText(at, nn, m.Dim, start, "coordinate"))
		}
	}
	return m, nil
}

// readCells reads and checks the cells dataset of a mesh of nn nodes.
func readCells(g *Group, ct CellType, nn int) ([]int32, error) {
	d, err := g.OpenDataset(keyCells)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fname := g.f.name
	if !d.dtype.IsInt() {
		return nil, newErr("read", fname, d.path, ErrDtype, "stores %s values, expected integer node indices", d.dtype)
	}
	s := d.Shape()
	if len(s) != 2 || s[1] != int(ct) || s[0] < 1 {
		return nil, newErr("read", fname, d.path, ErrLayout, "has shape %v, expected %s with k = %d for cell_type %q and at least one cell", s, axesCells, int(ct), ct)
	}
	var wide []int64
	if d.dtype == Uint64 {
		// uint64 does not convert to int64 without loss; read what fits.
		u, err := ReadAll[uint64](d)
		if err != nil {
			return nil, err
		}
		wide = make([]int64, len(u))
		for i, v := range u {
			wide[i] = int64(min(v, math.MaxInt64))
		}
	} else if wide, err = ReadAll[int64](d); err != nil {
		return nil, err
	}
	if at := cellOutOfRange(wide, nn); at >= 0 {
		return nil, newErr("read", fname, d.path, ErrRange, "cell %d, corner %d is node %d, expected an index in [0, %d) (nodes has %d rows)",
			at/int(ct), at%int(ct), wide[at], nn, nn)
	}
	cells := make([]int32, len(wide))
	for i, v := range wide {
		cells[i] = int32(v)
	}
	return cells, nil
}
