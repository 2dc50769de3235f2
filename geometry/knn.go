package geometry

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// KNN returns the k nearest sources of each query: idx[i*k+m] is the m-th
// nearest source of query i and dist[i*k+m] its distance (minimum image on
// periodic axes), sorted by distance and, among equal distances, by source
// index, so ties come out the same on every run and for any number of
// workers. Sources are binned into cells holding about two points each;
// each query scans rings of cells outward from its own cell until the k-th
// distance found is below the distance to any cell not yet scanned.
//
// It fails when k < 1 or k exceeds the number of sources, and on bad points
// as RadiusGraph does.
func KNN(sources, queries []float64, dim int, box Box, k int) (idx []int32, dist []float64, err error) {
	idx, dist, err = knn("KNN", sources, queries, dim, box, k)
	for i, d2 := range dist {
		dist[i] = math.Sqrt(d2)
	}
	return idx, dist, err
}

// Chamfer returns the symmetric Chamfer distance between point sets a and b
// in the squared-distance convention of point-cloud papers:
//
//	CD(a, b) = 1/|a| sum_{x in a} min_{y in b} |x - y|^2
//	         + 1/|b| sum_{y in b} min_{x in a} |x - y|^2.
//
// It is 0 only when every point of each set is also in the other, is
// symmetric, and is in squared length units. Both sets must be non-empty.
func Chamfer(a, b []float64, dim int) (float64, error) {
	return chamfer("Chamfer", a, b, dim, func(d2 float64) float64 { return d2 })
}

// ChamferEuclidean is Chamfer with distances instead of squared distances:
// the mean distance from a to b plus the mean distance from b to a, in
// length units.
func ChamferEuclidean(a, b []float64, dim int) (float64, error) {
	return chamfer("ChamferEuclidean", a, b, dim, math.Sqrt)
}

func chamfer(op string, a, b []float64, dim int, f func(float64) float64) (float64, error) {
	if err := checkDim(dim); err != nil {
		return 0, err
	}
	if len(a) == 0 || len(b) == 0 {
		return 0, fmt.Errorf("geometry: %s: point sets have %d and %d coordinates; want both non-empty", op, len(a), len(b))
	}
	total := 0.0
	for _, p := range [2][2][]float64{{b, a}, {a, b}} {
		_, d2, err := knn(op, p[0], p[1], dim, Box{}, 1)
		if err != nil {
			return 0, err
		}
		s := 0.0
		for _, d := range d2 {
			s += f(d)
		}
		total += s / float64(len(d2))
	}
	return total, nil
}

// knn is KNN returning squared distances.
func knn(op string, sources, queries []float64, dim int, box Box, k int) ([]int32, []float64, error) {
	if err := box.Validate(dim); err != nil {
		return nil, nil, err
	}
	ns, err := checkPoints(op, "sources", sources, dim, box)
	if err != nil {
		return nil, nil, err
	}
	nq, err := checkPoints(op, "queries", queries, dim, box)
	if err != nil {
		return nil, nil, err
	}
	if k < 1 || k > ns {
		return nil, nil, fmt.Errorf("geometry: %s: k = %d with %d sources; want 1 <= k <= number of sources", op, k, ns)
	}
	if nq > math.MaxInt/k {
		return nil, nil, fmt.Errorf("geometry: %s: %d queries times k = %d overflow int", op, nq, k)
	}
	g := newCellGrid(sources, dim, ns, box)
	g.setCells(knnCells(g, ns), ns)
	g.bin(sources, ns)

	idx := make([]int32, nq*k)
	d2 := make([]float64, nq*k)
	parallel.For(nq, 64*k*dim, func(lo, hi int) {
		var lists [3][]cellOff
		h := make(neighbourHeap, 0, k)
		for i := lo; i < hi; i++ {
			h = g.nearest(queries[i*dim:i*dim+dim], k, h[:0], &lists)
			slices.SortFunc(h, neighbour.cmp)
			for m, nb := range h {
				idx[i*k+m] = nb.j
				d2[i*k+m] = nb.d2
			}
		}
	})
	return idx, d2, nil
}

// knnCells asks for cells holding about two sources each, spread over the
// axes that have extent in proportion to it.
func knnCells(g *cellGrid, ns int) [3]float64 {
	vol, m := 1.0, 0
	for a := range g.dim {
		if g.length[a] > 0 {
			vol *= g.length[a]
			m++
		}
	}
	var want [3]float64
	if m == 0 {
		return want
	}
	side := math.Pow(vol/max(1, float64(ns)/2), 1/float64(m))
	for a := range g.dim {
		want[a] = g.length[a] / side
	}
	return want
}

// nearest collects the k nearest sources of q into h, scanning ring R of
// cells (the cells R cells away from q's cell along some axis and no more
// along any) for R = 0, 1, ... A source not yet scanned lies beyond the
// scanned block along some axis, so at least as far as the block's nearest
// face; the scan stops once the k-th squared distance is strictly below
// that (less a rounding margin), or when every cell has been scanned.
func (g *cellGrid) nearest(q []float64, k int, h neighbourHeap, lists *[3][]cellOff) neighbourHeap {
	dim := g.dim
	c := g.cellOf(q)
	for r := 0; ; r++ {
		all := true
		gap := math.Inf(1)
		for a := range 3 {
			var cov bool
			lists[a], cov = g.ring(lists[a], a, c[a], r)
			all = all && cov
			if a >= dim || cov {
				continue
			}
			x := g.wrap(q[a], a)
			margin := 1e-9*g.side[a] + 1e-12*(math.Abs(x)+math.Abs(g.lo[a]))
			if g.period[a] > 0 || c[a]-r > 0 {
				gap = min(gap, x-(g.lo[a]+float64(c[a]-r)*g.side[a])-margin)
			}
			if g.period[a] > 0 || c[a]+r < g.n[a]-1 {
				gap = min(gap, g.lo[a]+float64(c[a]+r+1)*g.side[a]-x-margin)
			}
		}
		for _, c0 := range lists[0] {
			for _, c1 := range lists[1] {
				for _, c2 := range lists[2] {
					if max(c0.ring, c1.ring, c2.ring) != r {
						continue
					}
					cell := c0.off + c1.off + c2.off
					for m := int(g.start[cell]); m < int(g.start[cell+1]); m++ {
						h = h.offer(neighbour{sqDist(q, g.sorted[m*dim:m*dim+dim], &g.period, dim), g.order[m]}, k)
					}
				}
			}
		}
		if all || (len(h) == k && gap > 0 && h[0].d2 < gap*gap) {
			return h
		}
	}
}

// neighbour is a candidate source: squared distance and index.
type neighbour struct {
	d2 float64
	j  int32
}

// cmp orders by distance, then index.
func (a neighbour) cmp(b neighbour) int {
	if c := cmp.Compare(a.d2, b.d2); c != 0 {
		return c
	}
	return cmp.Compare(a.j, b.j)
}

// neighbourHeap is a max-heap under cmp of at most k candidates: the k
// best seen so far, the worst on top.
type neighbourHeap []neighbour

// offer adds nb if the heap has fewer than k entries or nb is better than
// the worst of them.
func (h neighbourHeap) offer(nb neighbour, k int) neighbourHeap {
	if len(h) < k {
		h = append(h, nb)
		for i := len(h) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if h[p].cmp(h[i]) >= 0 {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	if nb.cmp(h[0]) >= 0 {
		return h
	}
	h[0] = nb
	for i := 0; ; { // sift down
		l, m := 2*i+1, i
		if l < len(h) && h[l].cmp(h[m]) > 0 {
			m = l
		}
		if l+1 < len(h) && h[l+1].cmp(h[m]) > 0 {
			m = l + 1
		}
		if m == i {
			return h
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
