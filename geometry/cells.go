package geometry

import "math"

// Cell lists bound their cell count by a multiple of the number of points
// (cells beyond that are empty and cost only memory) and by maxCells;
// coarser cells are still correct, only slower. Variables so that tests can
// lower them.
var (
	maxCells      = 1 << 24
	cellsPerPoint = 2
)

// cellGrid is a regular grid of cells over a box with the points of one set
// binned into it by a stable counting sort: the points of cell c are
// order[start[c]:start[c+1]], in increasing index. Axes past dim have one
// cell and stride 0, so loops can always run over three axes.
type cellGrid struct {
	dim    int
	lo     [3]float64
	length [3]float64 // extent of each axis
	side   [3]float64 // length / n
	period [3]float64 // length on periodic axes, 0 elsewhere
	n      [3]int
	stride [3]int
	start  []int32
	order  []int32
	sorted []float64 // the points' coordinates in cell order: point order[k] at sorted[k*dim:]
}

// newCellGrid returns a grid over box (or, for the zero Box, over the
// bounding box of pos) without cells; setCells chooses them.
func newCellGrid(pos []float64, dim, npts int, box Box) *cellGrid {
	g := &cellGrid{dim: dim}
	for a := range 3 {
		g.n[a] = 1
	}
	if !box.Unbounded() {
		for a := range dim {
			g.lo[a] = box.Lo[a]
			g.length[a] = box.Hi[a] - box.Lo[a]
		}
		g.period = box.periods(dim)
		return g
	}
	if npts == 0 {
		return g
	}
	var hi [3]float64
	for a := range dim {
		g.lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for i := range npts {
		for a := range dim {
			x := pos[i*dim+a]
			g.lo[a] = min(g.lo[a], x)
			hi[a] = max(hi[a], x)
		}
	}
	for a := range dim {
		g.length[a] = hi[a] - g.lo[a]
	}
	return g
}

// setCells fixes the cells: want[a] cells along axis a (at least 1),
// halved on the finest axis until the total is within the bound for npts
// points. Fewer cells only make cells larger, which keeps every search
// correct. Sides are length / n exactly, so periodic axes tile their period.
func (g *cellGrid) setCells(want [3]float64, npts int) {
	limit := min(maxCells, max(4096, cellsPerPoint*npts))
	total := 1.0
	for a := range g.dim {
		w := want[a]
		if !(w >= 1) || g.length[a] == 0 { // also NaN
			w = 1
		}
		w = math.Floor(min(w, float64(limit)))
		g.n[a] = int(w)
		total *= w
	}
	for total > float64(limit) {
		f := 0
		for a := range g.dim {
			if g.n[a] > g.n[f] {
				f = a
			}
		}
		total /= float64(g.n[f])
		g.n[f] = (g.n[f] + 1) / 2
		total *= float64(g.n[f])
	}
	s := 1
	for a := 2; a >= 0; a-- {
		if a >= g.dim {
			g.stride[a] = 0
			g.side[a] = 1
			continue
		}
		g.stride[a] = s
		s *= g.n[a]
		if g.length[a] > 0 {
			g.side[a] = g.length[a] / float64(g.n[a])
		} else {
			g.side[a] = 1
		}
	}
}

func (g *cellGrid) numCells() int {
	c := 1
	for a := range g.dim {
		c *= g.n[a]
	}
	return c
}

// wrap maps x on axis a into [lo, lo + length) if the axis is periodic.
func (g *cellGrid) wrap(x float64, a int) float64 {
	p := g.period[a]
	if p == 0 {
		return x
	}
	y := math.Mod(x-g.lo[a], p)
	if y < 0 {
		y += p
	}
	if y >= p {
		y = 0
	}
	return g.lo[a] + y
}

// coord is the cell index of coordinate x on axis a, clamped to the grid
// (points outside the grid, such as queries beyond the sources' bounding
// box, belong to the nearest boundary cell).
func (g *cellGrid) coord(x float64, a int) int {
	t := (g.wrap(x, a) - g.lo[a]) / g.side[a]
	if !(t > 0) {
		return 0
	}
	if t >= float64(g.n[a]) {
		return g.n[a] - 1
	}
	return int(t)
}

// cellOf returns the cell coordinates of point p (length dim).
func (g *cellGrid) cellOf(p []float64) [3]int {
	var c [3]int
	for a := range g.dim {
		c[a] = g.coord(p[a], a)
	}
	return c
}

// bin sorts the npts points of pos into the cells: one pass to count, a
// prefix sum, one pass to place (so each cell lists its points in
// increasing index).
func (g *cellGrid) bin(pos []float64, npts int) {
	dim := g.dim
	nc := g.numCells()
	cell := make([]int32, npts)
	g.start = make([]int32, nc+1)
	for i := range npts {
		c := g.cellOf(pos[i*dim : i*dim+dim])
		k := c[0]*g.stride[0] + c[1]*g.stride[1] + c[2]*g.stride[2]
		cell[i] = int32(k)
		g.start[k+1]++
	}
	for k := range nc {
		g.start[k+1] += g.start[k]
	}
	next := make([]int32, nc)
	copy(next, g.start[:nc])
	g.order = make([]int32, npts)
	for i := range npts {
		k := cell[i]
		g.order[next[k]] = int32(i)
		next[k]++
	}
	g.sorted = make([]float64, npts*dim)
	for k, i := range g.order {
		copy(g.sorted[k*dim:k*dim+dim], pos[int(i)*dim:])
	}
}

// cellOff is a cell index along one axis (already multiplied by the
// stride) and its ring: the number of cells it lies from the centre cell.
type cellOff struct {
	off  int
	ring int
}

// ring appends to list the cells along axis a at most r cells from cell c,
// each once (a periodic axis with fewer than 2r+1 cells reaches a cell from
// both sides; it is listed at its nearer offset, the positive one on a tie).
// It reports whether they are all the axis's cells.
func (g *cellGrid) ring(list []cellOff, a, c, r int) ([]cellOff, bool) {
	list = list[:0]
	if a >= g.dim {
		return append(list, cellOff{0, 0}), true
	}
	n := g.n[a]
	if g.period[a] == 0 {
		for o := -r; o <= r; o++ {
			if k := c + o; k >= 0 && k < n {
				list = append(list, cellOff{k * g.stride[a], abs(o)})
			}
		}
		return list, c-r <= 0 && c+r >= n-1
	}
	for o := -r; o <= r; o++ {
		m := ((o % n) + n) % n
		canon := m
		if n-m < m {
			canon = m - n
		}
		if o == canon {
			list = append(list, cellOff{((c + m) % n) * g.stride[a], abs(o)})
		}
	}
	return list, 2*r+1 >= n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
