package mesh

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// ErrOutside is wrapped by the errors of Locate and Interpolate for a
// query point that no cell contains (beyond the tolerance).
var ErrOutside = errors.New("outside the mesh")

// OutsideTol is the tolerance of point location, relative to the diagonal
// of the mesh's bounding box: a point at most this far outside every cell
// (floating-point error on the boundary) is located in the cell it is
// least outside of, with weights clamped onto that cell.
const OutsideTol = 1e-9

// maxBucketEntries bounds the size of a Locator's bucket lists.
const maxBucketEntries = 1 << 26

// newtonTol and newtonIters control the inverse bilinear Newton iteration:
// it stops when the mapped point is within rounding of the query (a
// residual of at most newtonResidual times the cell's coordinate scale,
// max |vertex coordinate| + diameter) or after a step that moves the
// reference coordinates by at most newtonTol. Convergence is quadratic, so
// either leaves an error below rounding; the residual test is the one that
// ends the iteration on thin cells, whose steps stay at rounding size,
// about 1e-16 |x| / h on a cell of width h, above newtonTol once h < 1e-4.
const (
	newtonTol      = 1e-12
	newtonResidual = 16 * 0x1p-52
	newtonIters    = 50
)

// Locator finds the cell that contains a point. It buckets the cells of a
// mesh into a uniform grid of about 4C buckets over the mesh's bounding
// box (bucket side about half a cell's), each cell listed in every bucket
// its bounding box meets, so a query tests only the few cells of its own
// bucket (about 2 on a uniform mesh): O(1) per query on average instead of
// O(C). A point outside every cell of its bucket, which may still lie
// within the tolerance of a cell of an adjacent bucket, is tried against
// the 3 x 3 buckets around its own. The Locator keeps a pointer to the
// mesh, which must not change while the Locator is in use.
type Locator struct {
	m     *Mesh
	lo    [2]float64 // bounding box corner
	hi    [2]float64
	h     [2]float64 // bucket sides
	nb    [2]int     // buckets per axis
	start []int      // bucket b lists list[start[b]:start[b+1]]
	list  []int32
	tol   float64 // absolute location tolerance
}

// NewLocator validates m, refuses a tangled mesh (an error wrapping
// ErrTangled) and buckets its cells.
func NewLocator(m *Mesh) (*Locator, error) {
	l, err := newLocator(m)
	if err != nil {
		return nil, fmt.Errorf("mesh: NewLocator: %w", err)
	}
	return l, nil
}

// newLocator is NewLocator without the error prefix.
func newLocator(m *Mesh) (*Locator, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	if err := m.untangled(); err != nil {
		return nil, err
	}
	l := &Locator{m: m}
	l.setGrid()
	if err := l.bucket(); err != nil {
		return nil, err
	}
	return l, nil
}

// bucketsPerCell is the number of buckets a Locator makes per cell.
const bucketsPerCell = 4

// setGrid sets the bounding box, the tolerance and about 4C buckets of
// roughly square shape. An untangled mesh has positive extent on both axes.
func (l *Locator) setGrid() {
	l.lo = [2]float64{math.Inf(1), math.Inf(1)}
	l.hi = [2]float64{math.Inf(-1), math.Inf(-1)}
	for i, x := range l.m.Nodes {
		l.lo[i%2] = min(l.lo[i%2], x)
		l.hi[i%2] = max(l.hi[i%2], x)
	}
	w, h := l.hi[0]-l.lo[0], l.hi[1]-l.lo[1]
	l.tol = OutsideTol * math.Hypot(w, h)
	c := bucketsPerCell * l.m.NumCells()
	nx := min(max(int(math.Ceil(math.Sqrt(float64(c)*w/h))), 1), c)
	l.nb = [2]int{nx, max(1, (c+nx-1)/nx)}
	l.h = [2]float64{w / float64(l.nb[0]), h / float64(l.nb[1])}
}

// bucketOf returns the bucket coordinate of x along axis a, clamped.
func (l *Locator) bucketOf(x float64, a int) int {
	t := math.Floor((x - l.lo[a]) / l.h[a])
	return int(min(max(t, 0), float64(l.nb[a]-1)))
}

// cellRange returns the bucket ranges [b0, b1] per axis that the bounding
// box of cell c meets. bucketOf is monotone, so a point in the box has its
// bucket in the range.
func (l *Locator) cellRange(c int) (b0, b1 [2]int) {
	p := l.m.corners(c)
	k := int(l.m.Type)
	for a := range 2 {
		lo, hi := p[0][a], p[0][a]
		for v := 1; v < k; v++ {
			lo, hi = min(lo, p[v][a]), max(hi, p[v][a])
		}
		b0[a], b1[a] = l.bucketOf(lo, a), l.bucketOf(hi, a)
	}
	return b0, b1
}

// bucket lists the cells of each bucket: count, prefix sum, fill, so each
// bucket lists its cells in increasing order. The entry count is checked
// before the lists are allocated.
func (l *Locator) bucket() error {
	nbk := l.nb[0] * l.nb[1]
	l.start = make([]int, nbk+1)
	total := 0
	for c := range l.m.NumCells() {
		b0, b1 := l.cellRange(c)
		total += (b1[0] - b0[0] + 1) * (b1[1] - b0[1] + 1)
		if total > maxBucketEntries {
			return fmt.Errorf("cell bounding boxes cover more than %d bucket entries (%d buckets, %d cells): the mesh is too irregular to bucket", maxBucketEntries, nbk, l.m.NumCells())
		}
		l.eachBucket(b0, b1, func(b int) { l.start[b+1]++ })
	}
	for b := range nbk {
		l.start[b+1] += l.start[b]
	}
	l.list = make([]int32, total)
	next := append([]int(nil), l.start[:nbk]...)
	for c := range l.m.NumCells() {
		b0, b1 := l.cellRange(c)
		l.eachBucket(b0, b1, func(b int) { l.list[next[b]] = int32(c); next[b]++ })
	}
	return nil
}

// eachBucket calls f on every bucket of the block [b0, b1].
func (l *Locator) eachBucket(b0, b1 [2]int, f func(b int)) {
	for bx := b0[0]; bx <= b1[0]; bx++ {
		for by := b0[1]; by <= b1[1]; by++ {
			f(bx*l.nb[1] + by)
		}
	}
}

// Locate returns, for each query point (queries [Q, 2]), the index of the
// cell that contains it and the weights of that cell's k corners (weights
// [Q, k], in the cell's corner order): barycentric for triangles, bilinear
// at the inverse-bilinear reference coordinates for quads (see the package
// doc). The weights are non-negative and sum to 1. A point on a shared edge
// or node goes to one of the cells that hold it (either gives the same
// interpolant). A point within OutsideTol of the mesh but outside every cell
// goes to the cell it is least outside of, weights clamped onto the cell;
// a point farther out gives an error wrapping ErrOutside that names it.
func (l *Locator) Locate(queries []float64) (cells []int32, weights []float64, err error) {
	cells, weights, err = l.locate(queries)
	if err != nil {
		return nil, nil, fmt.Errorf("mesh: Locate: %w", err)
	}
	return cells, weights, nil
}

// locate is Locate without the error prefix.
func (l *Locator) locate(queries []float64) (cells []int32, weights []float64, err error) {
	if len(queries)%2 != 0 {
		return nil, nil, fmt.Errorf("%d query coordinates; want a multiple of 2 ([Q, 2])", len(queries))
	}
	if err := checkFinite("query point", queries); err != nil {
		return nil, nil, err
	}
	nq, k := len(queries)/2, int(l.m.Type)
	cells = make([]int32, nq)
	weights = make([]float64, nq*k)
	fails := make([]miss, nq)
	parallel.For(nq, 64*k, func(q0, q1 int) {
		for q := q0; q < q1; q++ {
			c, w, f := l.find([2]float64{queries[2*q], queries[2*q+1]})
			cells[q] = int32(c)
			copy(weights[q*k:(q+1)*k], w[:k])
			fails[q] = f
		}
	})
	for q, f := range fails {
		if f.kind != located {
			return nil, nil, l.missError(q, queries[2*q:2*q+2], f)
		}
	}
	return cells, weights, nil
}

// miss says why a point was not located.
type miss struct {
	kind int     // located, outside or noConvergence
	out  float64 // outside: a lower bound on the distance to the mesh
	cell int     // noConvergence: the cell
}

// The kinds of miss.
const (
	located = iota
	outside
	noConvergence
)

// missError describes the failure to locate query point q at x.
func (l *Locator) missError(q int, x []float64, f miss) error {
	if f.kind == noConvergence {
		return fmt.Errorf("query point %d (%g, %g): the inverse bilinear Newton iteration in cell %d did not converge in %d steps", q, x[0], x[1], f.cell, newtonIters)
	}
	if math.IsInf(f.out, 1) {
		return fmt.Errorf("query point %d (%g, %g): %w: no cell lies near it (bounding box [%g, %g] x [%g, %g])", q, x[0], x[1], ErrOutside, l.lo[0], l.hi[0], l.lo[1], l.hi[1])
	}
	return fmt.Errorf("query point %d (%g, %g): %w: no cell holds it within the tolerance %.3g (the nearest cell examined is at least %.3g away)", q, x[0], x[1], ErrOutside, l.tol, f.out)
}

// find locates one point: the cell and the corner weights, or -1 and why
// not.
func (l *Locator) find(x [2]float64) (int, [4]float64, miss) {
	out := 0.0
	for a := range 2 {
		out = max(out, l.lo[a]-x[a], x[a]-l.hi[a])
	}
	if out > l.tol {
		return -1, [4]float64{}, miss{kind: outside, out: out}
	}
	bx, by := l.bucketOf(x[0], 0), l.bucketOf(x[1], 1)
	best, bestD := l.scan(x, [2]int{bx, by}, [2]int{bx, by})
	if bestD < 0 {
		// Within the tolerance of a cell whose box misses this bucket?
		lo := [2]int{max(bx-1, 0), max(by-1, 0)}
		hi := [2]int{min(bx+1, l.nb[0]-1), min(by+1, l.nb[1]-1)}
		best, bestD = l.scan(x, lo, hi)
	}
	if bestD < -l.tol {
		return -1, [4]float64{}, miss{kind: outside, out: -bestD}
	}
	w, ok := cellWeights(l.m.corners(best), int(l.m.Type), x)
	if !ok {
		return -1, [4]float64{}, miss{kind: noConvergence, cell: best}
	}
	return best, w, miss{}
}

// scan tests x against the cells of the buckets [b0, b1] and returns the
// cell it is least outside of (by inside) and that measure, stopping at the
// first cell that contains it; -1 and -Inf when the buckets are empty.
func (l *Locator) scan(x [2]float64, b0, b1 [2]int) (best int, bestD float64) {
	best, bestD = -1, math.Inf(-1)
	for bx := b0[0]; bx <= b1[0]; bx++ {
		for by := b0[1]; by <= b1[1]; by++ {
			b := bx*l.nb[1] + by
			for _, c := range l.list[l.start[b]:l.start[b+1]] {
				if d := inside(l.m.corners(int(c)), int(l.m.Type), x); d > bestD {
					best, bestD = int(c), d
					if d >= 0 {
						return best, bestD
					}
				}
			}
		}
	}
	return best, bestD
}

// inside returns min over the edges of the signed distance from x to the
// edge's line, positive inside: >= 0 when a convex counter-clockwise cell
// holds x, and otherwise minus a lower bound on x's distance to the cell.
func inside(p [4][2]float64, k int, x [2]float64) float64 {
	d := math.Inf(1)
	for v := range k {
		a, b := p[v], p[(v+1)%k]
		d = min(d, cross(a, b, x)/math.Hypot(b[0]-a[0], b[1]-a[1]))
	}
	return d
}

// cellWeights returns the corner weights of x in a cell, clamped onto the
// cell (non-negative, sum 1): barycentric for triangles, bilinear at the
// inverse-bilinear reference coordinates for quads; ok is false when the
// Newton iteration did not converge.
func cellWeights(p [4][2]float64, k int, x [2]float64) (w [4]float64, ok bool) {
	if k == 3 {
		return barycentric(p, x), true
	}
	xi, eta, ok := inverseBilinear(p, x)
	xi, eta = min(max(xi, 0), 1), min(max(eta, 0), 1)
	return bilinearWeights(xi, eta), ok
}

// barycentric returns the barycentric coordinates of x in triangle p,
// clamped to be non-negative and renormalised to sum 1.
func barycentric(p [4][2]float64, x [2]float64) [4]float64 {
	d := cross(p[0], p[1], p[2])
	l1 := cross(p[0], x, p[2]) / d
	l2 := cross(p[0], p[1], x) / d
	w := [4]float64{1 - l1 - l2, l1, l2}
	if w[0] >= 0 && w[1] >= 0 && w[2] >= 0 {
		return w
	}
	s := 0.0
	for v := range 3 {
		w[v] = max(w[v], 0)
		s += w[v]
	}
	return [4]float64{w[0] / s, w[1] / s, w[2] / s}
}

// bilinearWeights returns the weights of the corners (0,0), (1,0), (1,1),
// (0,1) at reference coordinates (xi, eta).
func bilinearWeights(xi, eta float64) [4]float64 {
	return [4]float64{(1 - xi) * (1 - eta), xi * (1 - eta), xi * eta, (1 - xi) * eta}
}

// bilinearMap returns x(xi, eta) = sum_v w_v(xi, eta) p_v.
func bilinearMap(p [4][2]float64, xi, eta float64) [2]float64 {
	w := bilinearWeights(xi, eta)
	var x [2]float64
	for v := range 4 {
		x[0] += w[v] * p[v][0]
		x[1] += w[v] * p[v][1]
	}
	return x
}

// inverseBilinear solves x(xi, eta) = x for the reference coordinates by
// Newton's method from the centre (1/2, 1/2) and reports whether the last
// step moved them by at most newtonTol.
// coordinateScale is the size rounding is relative to in a quad's
// coordinates: the largest |vertex coordinate| plus the diameter of the
// quad's bounding box.
func coordinateScale(p [4][2]float64) float64 {
	lo, hi, big := p[0], p[0], 0.0
	for _, v := range p {
		for a := range 2 {
			lo[a], hi[a] = math.Min(lo[a], v[a]), math.Max(hi[a], v[a])
			big = math.Max(big, math.Abs(v[a]))
		}
	}
	return big + math.Hypot(hi[0]-lo[0], hi[1]-lo[1])
}

func inverseBilinear(p [4][2]float64, x [2]float64) (xi, eta float64, ok bool) {
	xi, eta = 0.5, 0.5
	tol := newtonResidual * coordinateScale(p)
	for range newtonIters {
		r := bilinearMap(p, xi, eta)
		r[0], r[1] = r[0]-x[0], r[1]-x[1]
		if math.Abs(r[0]) <= tol && math.Abs(r[1]) <= tol {
			return xi, eta, true
		}
		// Columns of the Jacobian: dx/dxi and dx/deta.
		jx0 := (p[1][0]-p[0][0])*(1-eta) + (p[2][0]-p[3][0])*eta
		jx1 := (p[1][1]-p[0][1])*(1-eta) + (p[2][1]-p[3][1])*eta
		je0 := (p[3][0]-p[0][0])*(1-xi) + (p[2][0]-p[1][0])*xi
		je1 := (p[3][1]-p[0][1])*(1-xi) + (p[2][1]-p[1][1])*xi
		det := jx0*je1 - je0*jx1
		dxi := (r[0]*je1 - je0*r[1]) / det
		deta := (jx0*r[1] - r[0]*jx1) / det
		xi, eta = xi-dxi, eta-deta
		if math.Abs(dxi) <= newtonTol && math.Abs(deta) <= newtonTol {
			return xi, eta, true
		}
		if !finite(xi) || !finite(eta) {
			return xi, eta, false
		}
	}
	return xi, eta, false
}
