package mesh

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/geometry"
)

// Interpolate evaluates the mesh's finite-element interpolant of a node
// field at the query points: values is [N, f] (node i's f values at
// values[i*f:(i+1)*f]), queries [Q, 2], the result [Q, f], each row the
// weighted sum of the containing cell's corner rows with Locate's weights
// (P1 on triangles, Q1 bilinear on quads). Sizes are checked before any
// work; a point outside the mesh fails as in Locate.
func (l *Locator) Interpolate(values []float64, f int, queries []float64) ([]float64, error) {
	out, err := l.interpolate(values, f, queries)
	if err != nil {
		return nil, fmt.Errorf("mesh: Interpolate: %w", err)
	}
	return out, nil
}

// interpolate is Interpolate without the error prefix.
func (l *Locator) interpolate(values []float64, f int, queries []float64) ([]float64, error) {
	n := l.m.NumNodes()
	if f < 1 || len(values) != n*f {
		return nil, fmt.Errorf("%d values with %d per node; want N*F = %d*%d rows of the mesh's nodes, F >= 1", len(values), f, n, max(f, 1))
	}
	cells, w, err := l.locate(queries)
	if err != nil {
		return nil, err
	}
	k := int(l.m.Type)
	out := make([]float64, len(cells)*f)
	for q, c := range cells {
		for v, node := range l.m.cell(int(c)) {
			wt := w[q*k+v]
			row := values[int(node)*f : (int(node)+1)*f]
			for j, x := range row {
				out[q*f+j] += wt * x
			}
		}
	}
	return out, nil
}

// gridTol is how far outside [0, 1]^2 (absolute) SampleGrid accepts a
// point, clamping it onto the square.
const gridTol = 1e-9

// SampleGrid interpolates a field given on the uniform n x n node grid of
// the unit square (the nodes of StructuredQuad(n, n): node i*n + j at
// (i/(n-1), j/(n-1)), f values each, field [n*n, f]) bilinearly to points
// [P, 2] in [0, 1]^2, using geometry.GridStencil; the result is [P, f]. A
// point more than 1e-9 outside the square is an error.
func SampleGrid(field []float64, n, f int, points []float64) ([]float64, error) {
	out, err := sampleGrid(field, n, f, points)
	if err != nil {
		return nil, fmt.Errorf("mesh: SampleGrid: %w", err)
	}
	return out, nil
}

// sampleGrid is SampleGrid without the error prefix.
func sampleGrid(field []float64, n, f int, points []float64) ([]float64, error) {
	if n < 2 || f < 1 {
		return nil, fmt.Errorf("grid of %d x %d nodes with %d values each; want n >= 2, f >= 1", n, n, f)
	}
	if n > 1<<15 || len(field) != n*n*f {
		return nil, fmt.Errorf("%d field values; want n*n*f = %d*%d*%d (n at most %d)", len(field), n, n, f, 1<<15)
	}
	if len(points)%2 != 0 {
		return nil, fmt.Errorf("%d point coordinates; want a multiple of 2 ([P, 2])", len(points))
	}
	if err := checkFinite("point", points); err != nil {
		return nil, err
	}
	for i, x := range points {
		if x < -gridTol || x > 1+gridTol {
			return nil, fmt.Errorf("point %d (%g, %g): coordinate %d = %g; want it in [0, 1], the grid's square", i/2, points[i-i%2], points[i-i%2+1], i%2, x)
		}
	}
	idx, w, err := geometry.GridStencil(points, 2, []float64{0, 0}, []float64{1, 1}, []int{n, n})
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(points)/2*f)
	for e, node := range idx {
		p := e / 4
		for j := range f {
			out[p*f+j] += w[e] * field[int(node)*f+j]
		}
	}
	return out, nil
}

// ToMesh samples a field on the n x n grid of the unit square (as in
// SampleGrid) at the nodes of m: the first half of the interpolation
// round trip fine grid -> mesh -> fine grid.
func ToMesh(field []float64, n, f int, m *Mesh) ([]float64, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: ToMesh: %w", err)
	}
	out, err := sampleGrid(field, n, f, m.Nodes)
	if err != nil {
		return nil, fmt.Errorf("mesh: ToMesh: %w", err)
	}
	return out, nil
}

// FromMesh interpolates a node field of l's mesh ([N, f]) to the nodes of
// the n x n grid of the unit square, [n*n, f] in SampleGrid's order: the
// second half of the round trip. The mesh must cover [0, 1]^2.
func FromMesh(l *Locator, values []float64, f, n int) ([]float64, error) {
	if n < 2 || n > 1<<15 {
		return nil, fmt.Errorf("mesh: FromMesh: grid of %d x %d nodes; want 2 <= n <= %d", n, n, 1<<15)
	}
	g, _ := StructuredQuad(n, n)
	out, err := l.interpolate(values, f, g.Nodes)
	if err != nil {
		return nil, fmt.Errorf("mesh: FromMesh: %w", err)
	}
	return out, nil
}

// RoundTripError returns the relative l2 error of the round trip of a grid
// field (n x n grid of the unit square, f values a node) through the nodes
// of m, the interpolation-error premise of mesh movers:
//
//	|u - FromMesh(ToMesh(u))|_2 / |u|_2
//
// over all grid nodes and channels. u must not be identically zero.
func RoundTripError(field []float64, n, f int, m *Mesh) (float64, error) {
	l, err := newLocator(m)
	if err != nil {
		return 0, fmt.Errorf("mesh: RoundTripError: %w", err)
	}
	onMesh, err := sampleGrid(field, n, f, m.Nodes)
	if err != nil {
		return 0, fmt.Errorf("mesh: RoundTripError: %w", err)
	}
	g, _ := StructuredQuad(n, n)
	back, err := l.interpolate(onMesh, f, g.Nodes)
	if err != nil {
		return 0, fmt.Errorf("mesh: RoundTripError: %w", err)
	}
	num, den := 0.0, 0.0
	for i, u := range field {
		num += (u - back[i]) * (u - back[i])
		den += u * u
	}
	if !(den > 0) || !finite(den) {
		return 0, fmt.Errorf("mesh: RoundTripError: |u|^2 = %g; want a finite, non-zero field", den)
	}
	return math.Sqrt(num / den), nil
}
