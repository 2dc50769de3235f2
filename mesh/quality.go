package mesh

import (
	"fmt"
	"math"
)

// cross returns the z component of (b - a) x (c - a).
func cross(a, b, c [2]float64) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// signedArea returns the signed area of the cell with corners p (k of them).
// Triangles: half the cross product of two edges. Quads: the shoelace sum,
// evaluated as half the cross product of the diagonals, (p2 - p0) x
// (p3 - p1) / 2, which is the same polynomial, free of the origin.
func signedArea(p [4][2]float64, k int) float64 {
	if k == 3 {
		return cross(p[0], p[1], p[2]) / 2
	}
	d1 := [2]float64{p[2][0] - p[0][0], p[2][1] - p[0][1]}
	d2 := [2]float64{p[3][0] - p[1][0], p[3][1] - p[1][1]}
	return (d1[0]*d2[1] - d1[1]*d2[0]) / 2
}

// Areas returns the exact signed area of every cell, positive for a
// counter-clockwise cell (see the package doc).
func (m *Mesh) Areas() ([]float64, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: Areas: %w", err)
	}
	return m.areas(), nil
}

// areas is Areas on a valid mesh.
func (m *Mesh) areas() []float64 {
	a := make([]float64, m.NumCells())
	for c := range a {
		a[c] = signedArea(m.corners(c), int(m.Type))
	}
	return a
}

// Centroids returns the centre of every cell, [C, 2]: the mean of its
// corners. For a triangle that is its centroid; for a quad it is the image
// of the reference centre (1/2, 1/2) under the bilinear map, which is the
// area centroid only for parallelograms.
func (m *Mesh) Centroids() ([]float64, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: Centroids: %w", err)
	}
	k := int(m.Type)
	out := make([]float64, 2*m.NumCells())
	for c := range m.NumCells() {
		p := m.corners(c)
		for v := range k {
			out[2*c] += p[v][0] / float64(k)
			out[2*c+1] += p[v][1] / float64(k)
		}
	}
	return out, nil
}

// cornerTest returns the first corner of a cell whose cross product
// (p_{v+1} - p_v) x (p_{v-1} - p_v) is not positive, and that product, or
// -1 when every corner turns left. For a triangle all three products are
// twice the signed area; for a quad all four are positive exactly when the
// quad is convex and counter-clockwise, which makes the Jacobian of its
// bilinear map positive everywhere.
func cornerTest(p [4][2]float64, k int) (int, float64) {
	for v := range k {
		x := cross(p[v], p[(v+1)%k], p[(v+k-1)%k])
		if !(x > 0) {
			return v, x
		}
	}
	return -1, 0
}

// FirstInverted returns the index of the first inverted cell, or -1 when
// none is: a triangle with non-positive signed area, a quad with a corner
// whose cross product is non-positive (inverted, degenerate or non-convex).
func (m *Mesh) FirstInverted() (int, error) {
	if err := m.validate(); err != nil {
		return -1, fmt.Errorf("mesh: FirstInverted: %w", err)
	}
	c, _, _ := m.firstInverted()
	return c, nil
}

// firstInverted is FirstInverted on a valid mesh, with the corner and its
// cross product.
func (m *Mesh) firstInverted() (cell, corner int, x float64) {
	for c := range m.NumCells() {
		if v, x := cornerTest(m.corners(c), int(m.Type)); v >= 0 {
			return c, v, x
		}
	}
	return -1, -1, 0
}

// CheckUntangled returns nil when no cell is inverted (see FirstInverted),
// and otherwise an error wrapping ErrTangled that names the first inverted
// cell, its nodes and the offending corner.
func (m *Mesh) CheckUntangled() error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("mesh: CheckUntangled: %w", err)
	}
	if err := m.untangled(); err != nil {
		return fmt.Errorf("mesh: CheckUntangled: %w", err)
	}
	return nil
}

// untangled is CheckUntangled on a valid mesh.
func (m *Mesh) untangled() error {
	c, v, x := m.firstInverted()
	if c < 0 {
		return nil
	}
	return fmt.Errorf("%w: %v cell %d (nodes %v) is inverted at corner %d (node %d): cross product %.3g, signed area %.3g; want both positive (counter-clockwise, convex)",
		ErrTangled, m.Type, c, m.cell(c), v, m.cell(c)[v], x, signedArea(m.corners(c), int(m.Type)))
}

// Equi summarises the equidistribution of a monitor over the cells: the
// statistics of e_c = m_c A_c (A_c the signed area). A mesh equidistributes
// m when e_c is the same on every cell, so Std, CV and Range are 0.
type Equi struct {
	Mean  float64 // mean of e_c
	Std   float64 // population standard deviation, sqrt(mean (e_c - Mean)^2)
	CV    float64 // coefficient of variation, Std / Mean
	Min   float64 // smallest e_c
	Max   float64 // largest e_c
	Range float64 // Max - Min
}

// Equidistribution returns the statistics of m_c A_c over the cells, with
// monitor holding one finite, positive value m_c per cell (for instance the
// monitor at the cell's centroid). Std is the population standard deviation
// (divide by C); the sample one is sqrt(C/(C-1)) times larger. CV is
// infinite or NaN when Mean is 0.
func (m *Mesh) Equidistribution(monitor []float64) (Equi, error) {
	if err := m.validate(); err != nil {
		return Equi{}, fmt.Errorf("mesh: Equidistribution: %w", err)
	}
	if len(monitor) != m.NumCells() {
		return Equi{}, fmt.Errorf("mesh: Equidistribution: %d monitor values; want one per cell, %d", len(monitor), m.NumCells())
	}
	e := m.areas()
	for c, v := range monitor {
		if !finite(v) || !(v > 0) {
			return Equi{}, fmt.Errorf("mesh: Equidistribution: monitor of cell %d is %g; want finite and > 0", c, v)
		}
		e[c] *= v
	}
	return equiStats(e), nil
}

// equiStats computes Equi from the values e (len >= 1).
func equiStats(e []float64) Equi {
	s := Equi{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range e {
		s.Mean += v
		s.Min = min(s.Min, v)
		s.Max = max(s.Max, v)
	}
	s.Mean /= float64(len(e))
	for _, v := range e {
		s.Std += (v - s.Mean) * (v - s.Mean)
	}
	s.Std = math.Sqrt(s.Std / float64(len(e)))
	s.CV = s.Std / s.Mean
	s.Range = s.Max - s.Min
	return s
}

// AspectRatios returns the aspect ratio of every cell, 1 for the ideal
// shape and larger the more it is stretched or sheared:
//
//   - triangle: the radius ratio R / (2 r) = a b c s / (8 A^2), R the
//     circumradius, r the inradius, a, b, c the edges, s their half sum;
//     1 for equilateral, (1 + sqrt 2)/2 for the right isosceles triangle;
//   - quad: L_max (L_0 + L_1 + L_2 + L_3) / (4 A), L the edge lengths;
//     1 only for a square ((perimeter/4)^2 >= A), (a + b) / (2 b) for an
//     a x b rectangle with a >= b, 1/sin(theta) for a rhombus of angle theta.
//
// A is the signed area; a cell with A <= 0 gets +Inf.
func (m *Mesh) AspectRatios() ([]float64, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: AspectRatios: %w", err)
	}
	out := make([]float64, m.NumCells())
	for c := range out {
		out[c] = aspect(m.corners(c), int(m.Type))
	}
	return out, nil
}

// aspect is the aspect ratio of one cell.
func aspect(p [4][2]float64, k int) float64 {
	a := signedArea(p, k)
	if !(a > 0) {
		return math.Inf(1)
	}
	prod, sum, longest := 1.0, 0.0, 0.0
	for v := range k {
		l := math.Hypot(p[(v+1)%k][0]-p[v][0], p[(v+1)%k][1]-p[v][1])
		prod *= l
		sum += l
		longest = max(longest, l)
	}
	if k == 3 {
		return prod * (sum / 2) / (8 * a * a)
	}
	return longest * sum / (4 * a)
}

// boundaryTol decides which reference nodes lie on the unit square's
// boundary: a coordinate within boundaryTol of 0 or 1.
const boundaryTol = 1e-12

// BoundaryDrift measures how far a moved mesh's boundary nodes left the
// boundary of the unit square [0, 1]^2. A node of ref with coordinate a
// within 1e-12 of 0 or 1 must keep it (a node on a side may slide along
// it, a corner must stay); its drift is the Euclidean norm of its moved
// coordinates' departures from those values. BoundaryDrift returns the
// largest drift and its node, or 0 and -1 when no node of ref lies on the
// boundary. ref and moved must be valid meshes with the same node count.
func BoundaryDrift(ref, moved *Mesh) (drift float64, node int, err error) {
	if err := ref.validate(); err != nil {
		return 0, -1, fmt.Errorf("mesh: BoundaryDrift: reference: %w", err)
	}
	if err := moved.validate(); err != nil {
		return 0, -1, fmt.Errorf("mesh: BoundaryDrift: moved: %w", err)
	}
	if ref.NumNodes() != moved.NumNodes() {
		return 0, -1, fmt.Errorf("mesh: BoundaryDrift: moved mesh has %d nodes; want the reference's %d", moved.NumNodes(), ref.NumNodes())
	}
	node = -1
	for i := range ref.NumNodes() {
		d2, on := 0.0, false
		for a := range 2 {
			for _, side := range []float64{0, 1} {
				if math.Abs(ref.Nodes[2*i+a]-side) <= boundaryTol {
					on = true
					d2 += (moved.Nodes[2*i+a] - side) * (moved.Nodes[2*i+a] - side)
				}
			}
		}
		if on && (node < 0 || math.Sqrt(d2) > drift) {
			drift, node = math.Sqrt(d2), i
		}
	}
	return drift, node, nil
}

// MeanNodeDistance is the mean Euclidean distance between corresponding
// nodes of two meshes of the same nodes (a moved mesh against a
// reference moving of the same mesh).
func MeanNodeDistance(a, b *Mesh) (float64, error) {
	if a == nil || b == nil || len(a.Nodes) != len(b.Nodes) || len(a.Nodes) == 0 {
		na, nb := 0, 0
		if a != nil {
			na = a.NumNodes()
		}
		if b != nil {
			nb = b.NumNodes()
		}
		return 0, fmt.Errorf("mesh: MeanNodeDistance: meshes of %d and %d nodes; want the same, at least one", na, nb)
	}
	d := 0.0
	for i := 0; i < len(a.Nodes); i += 2 {
		d += math.Hypot(a.Nodes[i]-b.Nodes[i], a.Nodes[i+1]-b.Nodes[i+1])
	}
	return d / float64(a.NumNodes()), nil
}
