package geometry

import (
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// maxEdges bounds the edges a radius search may return: 2^28 edges are
// 2 GiB of Senders and Receivers. The count is known before anything of
// that size is allocated. A variable so that tests can lower it.
var maxEdges = 1 << 28

// cellMargin makes cells a little wider than the radius, so that rounding
// in a coordinate's cell index cannot put two points within r of each other
// two cells apart.
const cellMargin = 1e-6

// Graph is a set of directed edges j -> i (sender j, receiver i) in
// compressed-row form by receiver: edge e goes from Senders[e] to
// Receivers[e]; the edges of receiver i are Offsets[i] .. Offsets[i+1]-1,
// sorted by sender; len(Offsets) is the number of receivers plus one.
type Graph struct {
	Senders, Receivers []int32
	Offsets            []int
}

// NumReceivers returns the number of receivers (rows).
func (g *Graph) NumReceivers() int { return len(g.Offsets) - 1 }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.Senders) }

// Neighbours returns the senders of receiver i, in increasing order. The
// slice aliases g.Senders.
func (g *Graph) Neighbours(i int) []int32 {
	return g.Senders[g.Offsets[i]:g.Offsets[i+1]]
}

// Displacements returns, for every edge e from j to i, the displacement
// x_i - x_j (dim values per edge, minimum image on box's periodic axes)
// and its length. senderPos holds the points the senders index and
// receiverPos those the receivers index: the same slice for a RadiusGraph,
// the sources and the queries for a RadiusQuery.
func (g *Graph) Displacements(senderPos, receiverPos []float64, dim int, box Box) (disp, dist []float64, err error) {
	if err := box.Validate(dim); err != nil {
		return nil, nil, err
	}
	if len(senderPos)%dim != 0 || len(receiverPos)%dim != 0 {
		return nil, nil, fmt.Errorf("geometry: Displacements: len(senderPos) = %d and len(receiverPos) = %d must be multiples of dim = %d", len(senderPos), len(receiverPos), dim)
	}
	ns, nr := len(senderPos)/dim, len(receiverPos)/dim
	if len(g.Receivers) != len(g.Senders) {
		return nil, nil, fmt.Errorf("geometry: Displacements: graph has %d senders and %d receivers; want as many", len(g.Senders), len(g.Receivers))
	}
	for e := range g.Senders {
		if j, i := int(g.Senders[e]), int(g.Receivers[e]); j < 0 || j >= ns || i < 0 || i >= nr {
			return nil, nil, fmt.Errorf("geometry: Displacements: edge %d is %d -> %d; want a sender in [0, %d) and a receiver in [0, %d)", e, j, i, ns, nr)
		}
	}
	period := box.periods(dim)
	ne := len(g.Senders)
	disp = make([]float64, ne*dim)
	dist = make([]float64, ne)
	parallel.For(ne, 8*dim, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			xi := receiverPos[int(g.Receivers[e])*dim:]
			xj := senderPos[int(g.Senders[e])*dim:]
			s := 0.0
			for a := range dim {
				d := xi[a] - xj[a]
				if p := period[a]; p > 0 {
					d -= p * math.Round(d/p)
				}
				disp[e*dim+a] = d
				s += d * d
			}
			dist[e] = math.Sqrt(s)
		}
	})
	return disp, dist, nil
}

// RadiusGraph returns the graph of all ordered pairs j -> i of distinct
// points with |x_i - x_j| <= r (minimum image on periodic axes; the test is
// sum_a d_a^2 <= r^2 in float64), plus the self loops i -> i if selfLoops.
// pos holds the points flat, point i at pos[i*dim:(i+1)*dim]. The search
// bins the points into cells of side >= r once and compares each point only
// with the points of its 3^dim neighbouring cells; rows are computed in
// parallel and come out the same for any number of workers.
//
// It fails when r is not positive, r is at least half of a periodic axis,
// a coordinate is not finite, a point lies outside a bounded axis of box,
// len(pos) is not a multiple of dim, or the edges would exceed 2^28.
func RadiusGraph(pos []float64, dim int, box Box, r float64, selfLoops bool) (*Graph, error) {
	const op = "RadiusGraph"
	if err := box.Validate(dim); err != nil {
		return nil, err
	}
	if err := checkRadius(op, r, dim, box); err != nil {
		return nil, err
	}
	n, err := checkPoints(op, "pos", pos, dim, box)
	if err != nil {
		return nil, err
	}
	g := radiusGrid(pos, dim, n, box, r)
	s := &radiusSearch{g: g, qry: pos, r2: r * r, skipSelf: !selfLoops}
	return s.run(op, n)
}

// RadiusQuery returns the bipartite graph of the sources within r of each
// query: edges j -> i with Senders indexing sources, Receivers indexing
// queries, |q_i - s_j| <= r as in RadiusGraph. It carries particles to a
// latent grid (queries the grid nodes) and back (queries the particles).
// Both sets are checked against box as in RadiusGraph.
func RadiusQuery(sources, queries []float64, dim int, box Box, r float64) (*Graph, error) {
	const op = "RadiusQuery"
	if err := box.Validate(dim); err != nil {
		return nil, err
	}
	if err := checkRadius(op, r, dim, box); err != nil {
		return nil, err
	}
	ns, err := checkPoints(op, "sources", sources, dim, box)
	if err != nil {
		return nil, err
	}
	nq, err := checkPoints(op, "queries", queries, dim, box)
	if err != nil {
		return nil, err
	}
	g := radiusGrid(sources, dim, ns, box, r)
	s := &radiusSearch{g: g, qry: queries, r2: r * r}
	return s.run(op, nq)
}

func checkRadius(op string, r float64, dim int, box Box) error {
	if !(r > 0) {
		return fmt.Errorf("geometry: %s: radius r = %g; want r > 0", op, r)
	}
	for a := range dim {
		if box.periodic(a) {
			if half := (box.Hi[a] - box.Lo[a]) / 2; !(r < half) {
				return fmt.Errorf("geometry: %s: radius r = %g on periodic axis %d of length %g; want r < half the period (%g) so that minimum images are unique", op, r, a, 2*half, half)
			}
		}
	}
	return nil
}

// radiusGrid bins the npts points of pos into cells of side at least
// r (1 + cellMargin).
func radiusGrid(pos []float64, dim, npts int, box Box, r float64) *cellGrid {
	g := newCellGrid(pos, dim, npts, box)
	var want [3]float64
	for a := range dim {
		want[a] = g.length[a] / (r * (1 + cellMargin))
	}
	g.setCells(want, npts)
	g.bin(pos, npts)
	return g
}

type radiusSearch struct {
	g        *cellGrid
	qry      []float64
	r2       float64
	skipSelf bool // skip j == i (RadiusGraph without self loops)
}

// run counts each query's neighbours, checks the total, then fills and
// sorts the rows: two passes over the cells, so that nothing grows and the
// memory check comes before the allocation.
func (s *radiusSearch) run(op string, nq int) (*Graph, error) {
	dim := s.g.dim
	offsets := make([]int, nq+1)
	cost := 16 * (1 << dim) * dim
	parallel.For(nq, cost, func(lo, hi int) {
		var lists [3][]cellOff
		for i := lo; i < hi; i++ {
			offsets[i+1] = s.row(i, &lists, nil)
		}
	})
	for i := range nq {
		offsets[i+1] += offsets[i]
	}
	if ne := offsets[nq]; ne > maxEdges {
		return nil, fmt.Errorf("geometry: %s: %d edges exceed the bound of %d (%d MiB of indices); use a smaller radius or fewer points", op, ne, maxEdges, maxEdges*8>>20)
	}
	gr := &Graph{
		Senders:   make([]int32, offsets[nq]),
		Receivers: make([]int32, offsets[nq]),
		Offsets:   offsets,
	}
	parallel.For(nq, cost, func(lo, hi int) {
		var lists [3][]cellOff
		for i := lo; i < hi; i++ {
			a, b := offsets[i], offsets[i+1]
			row := gr.Senders[a:a:b]
			s.row(i, &lists, &row)
			slices.Sort(row)
			for e := a; e < b; e++ {
				gr.Receivers[e] = int32(i)
			}
		}
	})
	return gr, nil
}

// row counts the sources within r of query i and, if out is not nil,
// appends them to *out.
func (s *radiusSearch) row(i int, lists *[3][]cellOff, out *[]int32) int {
	g := s.g
	dim := g.dim
	q := s.qry[i*dim : i*dim+dim]
	c := g.cellOf(q)
	for a := range 3 {
		lists[a], _ = g.ring(lists[a], a, c[a], 1)
	}
	count := 0
	for _, c0 := range lists[0] {
		for _, c1 := range lists[1] {
			for _, c2 := range lists[2] {
				k := c0.off + c1.off + c2.off
				for m := int(g.start[k]); m < int(g.start[k+1]); m++ {
					j := g.order[m]
					if s.skipSelf && int(j) == i {
						continue
					}
					if sqDist(q, g.sorted[m*dim:m*dim+dim], &g.period, dim) <= s.r2 {
						count++
						if out != nil {
							*out = append(*out, j)
						}
					}
				}
			}
		}
	}
	return count
}
