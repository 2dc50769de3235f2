package mesh

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/surrogo/surrogo/geometry"
)

// maxGraphEdges bounds the edges KNNGraph allocates.
const maxGraphEdges = 1 << 28

// KNNGraph returns the k-nearest-neighbour graph of the mesh's nodes as a
// geometry.Graph: receiver i gets an edge from each of its k nearest other
// nodes (self excluded; ties broken by index as in geometry.KNN), listed in
// increasing sender order. It is built with geometry.KNN for k+1
// neighbours, dropping i itself (or, when more than k+1 nodes coincide with
// i and i is not among them, the farthest). k must be in [1, N-1].
func (m *Mesh) KNNGraph(k int) (*geometry.Graph, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: KNNGraph: %w", err)
	}
	n := m.NumNodes()
	if k < 1 || k > n-1 {
		return nil, fmt.Errorf("mesh: KNNGraph: k = %d; want 1 <= k <= N-1 = %d (self excluded)", k, n-1)
	}
	if n > maxGraphEdges/(k+1) {
		return nil, fmt.Errorf("mesh: KNNGraph: %d nodes x %d neighbours exceed %d edges", n, k+1, maxGraphEdges)
	}
	idx, _, err := geometry.KNN(m.Nodes, m.Nodes, 2, geometry.Box{}, k+1)
	if err != nil {
		return nil, fmt.Errorf("mesh: KNNGraph: %w", err)
	}
	g := &geometry.Graph{Senders: make([]int32, 0, n*k), Receivers: make([]int32, 0, n*k), Offsets: make([]int, n+1)}
	for i := range n {
		row := idx[i*(k+1) : (i+1)*(k+1)]
		if s := slices.Index(row, int32(i)); s >= 0 {
			row = slices.Delete(slices.Clone(row), s, s+1)
		} else {
			row = slices.Clone(row[:k])
		}
		slices.Sort(row)
		g.Senders = append(g.Senders, row...)
		for range row {
			g.Receivers = append(g.Receivers, int32(i))
		}
		g.Offsets[i+1] = len(g.Senders)
	}
	return g, nil
}

// Edges returns the unique undirected edges of the cells, [E, 2] flat:
// each pair of consecutive corners of a cell (including last-first), stored
// as (a, b) with a < b, sorted by a then b. An edge shared by two cells is
// listed once. A quad's diagonals are not edges.
func (m *Mesh) Edges() ([]int32, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: Edges: %w", err)
	}
	return m.edges(), nil
}

// edges is Edges on a valid mesh.
func (m *Mesh) edges() []int32 {
	k := int(m.Type)
	pairs := make([][2]int32, 0, len(m.Cells))
	for c := range m.NumCells() {
		v := m.cell(c)
		for a := range k {
			i, j := v[a], v[(a+1)%k]
			pairs = append(pairs, [2]int32{min(i, j), max(i, j)})
		}
	}
	slices.SortFunc(pairs, func(x, y [2]int32) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
	})
	pairs = slices.Compact(pairs)
	out := make([]int32, 0, 2*len(pairs))
	for _, p := range pairs {
		out = append(out, p[0], p[1])
	}
	return out
}

// EdgeGraph returns the cell edges (Edges) as a symmetric geometry.Graph:
// each undirected edge a-b becomes the directed edges a -> b and b -> a,
// every receiver's senders in increasing order. Nodes in no cell have no
// edges.
func (m *Mesh) EdgeGraph() (*geometry.Graph, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("mesh: EdgeGraph: %w", err)
	}
	e := m.edges()
	n := m.NumNodes()
	g := &geometry.Graph{Senders: make([]int32, len(e)), Receivers: make([]int32, len(e)), Offsets: make([]int, n+1)}
	for _, v := range e {
		g.Offsets[v+1]++
	}
	for i := range n {
		g.Offsets[i+1] += g.Offsets[i]
	}
	next := slices.Clone(g.Offsets[:n])
	add := func(from, to int32) {
		g.Senders[next[to]], g.Receivers[next[to]] = from, to
		next[to]++
	}
	for p := 0; p < len(e); p += 2 {
		add(e[p], e[p+1])
		add(e[p+1], e[p])
	}
	for i := range n {
		slices.Sort(g.Senders[g.Offsets[i]:g.Offsets[i+1]])
	}
	return g, nil
}
