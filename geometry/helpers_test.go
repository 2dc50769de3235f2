package geometry

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// testPoints returns n points in [lo, lo+L)^dim: half uniform, a quarter on
// the lattice lo + k/64 (so many pairs lie exactly at distances like 1/16
// or 1/8), the rest exact copies of earlier points. With unwrap, a third of
// the coordinates on periodic axes are shifted by a whole period or two.
func testPoints(seed uint64, n, dim int, lo, L float64, periodic []bool, unwrap bool) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	pos := make([]float64, n*dim)
	for i := range n {
		p := pos[i*dim : i*dim+dim]
		switch {
		case i < n/2:
			for a := range p {
				p[a] = lo + L*rng.Float64()
			}
		case i < 3*n/4:
			for a := range p {
				p[a] = lo + L*float64(rng.IntN(65))/64
			}
		default:
			copy(p, pos[rng.IntN(i)*dim:])
		}
	}
	if unwrap {
		for i := range n {
			for a := range dim {
				if periodic != nil && periodic[a] && rng.IntN(3) == 0 {
					pos[i*dim+a] += L * float64(rng.IntN(5)-2)
				}
			}
		}
	}
	return pos
}

// bruteSq is the squared minimum-image distance, written out again
// independently of the package's.
func bruteSq(x, y []float64, box Box) float64 {
	s := 0.0
	for a := range x {
		d := x[a] - y[a]
		if box.Periodic != nil && box.Periodic[a] {
			L := box.Hi[a] - box.Lo[a]
			d -= L * math.Round(d/L)
		}
		s += d * d
	}
	return s
}

// bruteRadius builds the graph of RadiusQuery (self = -1) or RadiusGraph
// (self = 0: no self loops, 1: self loops) by testing every pair.
func bruteRadius(src, qry []float64, dim int, box Box, r float64, self int) *Graph {
	g := &Graph{Offsets: []int{0}}
	for i := range len(qry) / dim {
		for j := range len(src) / dim {
			if self == 0 && i == j {
				continue
			}
			if bruteSq(qry[i*dim:i*dim+dim], src[j*dim:j*dim+dim], box) <= r*r {
				g.Senders = append(g.Senders, int32(j))
				g.Receivers = append(g.Receivers, int32(i))
			}
		}
		g.Offsets = append(g.Offsets, len(g.Senders))
	}
	return g
}

func sameGraph(t *testing.T, name string, got, want *Graph) {
	t.Helper()
	if !slices.Equal(got.Offsets, want.Offsets) {
		for i := range min(len(got.Offsets), len(want.Offsets)) {
			if got.Offsets[i] != want.Offsets[i] {
				t.Fatalf("%s: Offsets[%d] = %d, brute force %d (of %d rows)", name, i, got.Offsets[i], want.Offsets[i], len(want.Offsets)-1)
			}
		}
		t.Fatalf("%s: %d offsets, brute force %d", name, len(got.Offsets), len(want.Offsets))
	}
	if !slices.Equal(got.Senders, want.Senders) || !slices.Equal(got.Receivers, want.Receivers) {
		t.Fatalf("%s: edges differ from brute force (%d edges)", name, len(want.Senders))
	}
}

// bruteKNN returns the k nearest sources of each query by sorting all.
func bruteKNN(src, qry []float64, dim int, box Box, k int) ([]int32, []float64) {
	var idx []int32
	var dist []float64
	type cand struct {
		d2 float64
		j  int32
	}
	for i := range len(qry) / dim {
		var all []cand
		for j := range len(src) / dim {
			all = append(all, cand{bruteSq(qry[i*dim:i*dim+dim], src[j*dim:j*dim+dim], box), int32(j)})
		}
		slices.SortFunc(all, func(a, b cand) int {
			if c := cmp.Compare(a.d2, b.d2); c != 0 {
				return c
			}
			return cmp.Compare(a.j, b.j)
		})
		for _, c := range all[:k] {
			idx = append(idx, c.j)
			dist = append(dist, math.Sqrt(c.d2))
		}
	}
	return idx, dist
}

func unitBox(dim int, lo, L float64, periodic bool) Box {
	b := Box{Lo: make([]float64, dim), Hi: make([]float64, dim)}
	for a := range dim {
		b.Lo[a], b.Hi[a] = lo, lo+L
	}
	if periodic {
		b.Periodic = make([]bool, dim)
		for a := range dim {
			b.Periodic[a] = a != 1 // axis 1 stays bounded: mixed boxes
		}
	}
	return b
}

func wantErr(t *testing.T, name string, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", name, subs)
		return
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q does not mention %q", name, err, s)
		}
	}
}
