package mesh

import (
	"cmp"
	"slices"
	"testing"
)

// bruteKNN returns the k nearest other nodes of node i, ordered by squared
// distance then index, and then sorted by index.
func bruteKNN(nodes []float64, i, k int) []int32 {
	type cand struct {
		d2 float64
		j  int32
	}
	var cs []cand
	for j := range len(nodes) / 2 {
		if j == i {
			continue
		}
		dx, dy := nodes[2*i]-nodes[2*j], nodes[2*i+1]-nodes[2*j+1]
		cs = append(cs, cand{dx*dx + dy*dy, int32(j)})
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.d2, b.d2), cmp.Compare(a.j, b.j)) })
	out := make([]int32, k)
	for m := range k {
		out[m] = cs[m].j
	}
	slices.Sort(out)
	return out
}

func TestKNNGraphMatchesBruteForce(t *testing.T) {
	meshes := []struct {
		name string
		m    *Mesh
	}{
		{"jittered quads", jittered(t, mustQuad(t, 15, 15), 1.0/14, 0.3, 5)},
		{"moved triangles", moved(t, mustTri(t, 12, 12))},
	}
	for _, mc := range meshes {
		for _, k := range []int{1, 4, 8, 35} {
			g, err := mc.m.KNNGraph(k)
			if err != nil {
				t.Fatal(err)
			}
			n := mc.m.NumNodes()
			if g.NumReceivers() != n || g.NumEdges() != n*k {
				t.Fatalf("%s k=%d: %d receivers, %d edges; want %d, %d", mc.name, k, g.NumReceivers(), g.NumEdges(), n, n*k)
			}
			for i := range n {
				want := bruteKNN(mc.m.Nodes, i, k)
				if got := g.Neighbours(i); !slices.Equal(got, want) {
					t.Fatalf("%s k=%d: node %d <- %v; brute force %v", mc.name, k, i, got, want)
				}
				for e := g.Offsets[i]; e < g.Offsets[i+1]; e++ {
					if g.Receivers[e] != int32(i) {
						t.Fatalf("%s k=%d: edge %d receiver %d; want %d", mc.name, k, e, g.Receivers[e], i)
					}
				}
			}
		}
	}
	// Coincident nodes: self is still excluded.
	dup := &Mesh{Type: Triangle, Nodes: []float64{0, 0, 0, 0, 1, 0, 0, 1}, Cells: []int32{0, 2, 3}}
	g, err := dup.KNNGraph(1)
	if err != nil || !slices.Equal(g.Senders, []int32{1, 0, 0, 0}) {
		t.Errorf("coincident nodes 0, 1: senders %v (%v); want [1 0 0 0]", g.Senders, err)
	}
	_, err = dup.KNNGraph(4)
	wantErr(t, "k too large", err, "k = 4", "N-1 = 3")
}

func TestEdges(t *testing.T) {
	tests := []struct {
		name  string
		m     *Mesh
		edges int
	}{
		// nx (ny-1) vertical plus ny (nx-1) horizontal edges.
		{"quads 4x6", mustQuad(t, 4, 6), 4*5 + 6*3},
		{"quads 48x48", mustQuad(t, 48, 48), 2 * 48 * 47},
		// plus one diagonal per quad.
		{"triangles 4x6", mustTri(t, 4, 6), 4*5 + 6*3 + 3*5},
	}
	for _, tc := range tests {
		e, err := tc.m.Edges()
		if err != nil {
			t.Fatal(err)
		}
		if len(e) != 2*tc.edges {
			t.Errorf("%s: %d edges; want %d", tc.name, len(e)/2, tc.edges)
		}
		for p := 0; p < len(e); p += 2 {
			if e[p] >= e[p+1] || (p > 0 && cmp.Or(cmp.Compare(e[p-2], e[p]), cmp.Compare(e[p-1], e[p+1])) >= 0) {
				t.Fatalf("%s: edge %d = (%d, %d) out of order", tc.name, p/2, e[p], e[p+1])
			}
		}
		g, err := tc.m.EdgeGraph()
		if err != nil {
			t.Fatal(err)
		}
		if g.NumEdges() != 2*tc.edges {
			t.Errorf("%s: edge graph has %d directed edges; want %d", tc.name, g.NumEdges(), 2*tc.edges)
		}
	}
	// 3x3 nodes: the centre, node 4, meets 1, 3, 5, 7 in quads and also
	// 0 and 8 on the triangles' diagonals.
	q, _ := mustQuad(t, 3, 3).EdgeGraph()
	tri, _ := mustTri(t, 3, 3).EdgeGraph()
	if !slices.Equal(q.Neighbours(4), []int32{1, 3, 5, 7}) || !slices.Equal(tri.Neighbours(4), []int32{0, 1, 3, 5, 7, 8}) {
		t.Errorf("centre neighbours: quads %v, triangles %v; want [1 3 5 7], [0 1 3 5 7 8]", q.Neighbours(4), tri.Neighbours(4))
	}
}
