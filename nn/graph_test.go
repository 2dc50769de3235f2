package nn

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// testGraph builds a receiver-sorted graph from (sender, receiver) pairs.
func testGraph(t *testing.T, nodes int, pairs [][2]int) *Edges {
	t.Helper()
	sort.SliceStable(pairs, func(a, b int) bool {
		if pairs[a][1] != pairs[b][1] {
			return pairs[a][1] < pairs[b][1]
		}
		return pairs[a][0] < pairs[b][0]
	})
	s := make([]int32, len(pairs))
	r := make([]int32, len(pairs))
	off := make([]int, nodes+1)
	for k, p := range pairs {
		s[k], r[k] = int32(p[0]), int32(p[1])
		off[p[1]+1]++
	}
	for i := 0; i < nodes; i++ {
		off[i+1] += off[i]
	}
	g, err := NewEdges(nodes, s, r, off)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Five nodes; node 4 receives nothing, node 0 has a self-loop.
var smallPairs = [][2]int{{1, 0}, {0, 0}, {2, 0}, {0, 1}, {3, 1}, {4, 2}, {1, 3}, {2, 3}, {4, 3}}

func TestNewEdgesRejects(t *testing.T) {
	for _, c := range []struct {
		name     string
		s, r     []int32
		off      []int
		nodes    int
		contains string
	}{
		{"unsorted", []int32{0, 1}, []int32{1, 0}, []int{0, 1, 2}, 2, "sorted by receiver"},
		{"sender range", []int32{5}, []int32{0}, []int{0, 1, 1}, 2, "outside"},
		{"offsets length", []int32{0}, []int32{0}, []int{0, 1}, 2, "offsets"},
		{"offsets end", []int32{0}, []int32{0}, []int{0, 1, 2}, 2, "edge count"},
		{"lengths", []int32{0}, nil, []int{0, 0, 0}, 2, "receivers"},
	} {
		if _, err := NewEdges(c.nodes, c.s, c.r, c.off); err == nil {
			t.Errorf("%s: accepted", c.name)
		} else if !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.contains)
		}
	}
}

// Central differences of the interaction layer, through both outputs
// projected on fixed random tensors, with respect to node and edge
// latents and every parameter; sum and mean aggregation, with LayerNorm.
func TestInteractionLayerGradCheck(t *testing.T) {
	for _, agg := range []Aggregation{AggregateSum, AggregateMean} {
		r := tensor.NewRNG(11)
		g := testGraph(t, 5, append([][2]int(nil), smallPairs...))
		l, err := NewInteractionLayer[float64](r, 3, 2, 4, 2, agg, true)
		if err != nil {
			t.Fatal(err)
		}
		h := autograd.Param(tensor.RandN[float64](r, 5, 3))
		e := autograd.Param(tensor.RandN[float64](r, g.Len(), 2))
		ph := tensor.RandN[float64](r, 5, 3)
		pe := tensor.RandN[float64](r, g.Len(), 2)
		loss := func() *autograd.Var[float64] {
			h2, e2 := l.Forward(h, e, g)
			return autograd.Add(autograd.Sum(autograd.Mul(h2, autograd.Const(ph))), autograd.Sum(autograd.Mul(e2, autograd.Const(pe))))
		}
		vars := []*autograd.Var[float64]{h, e}
		for _, p := range l.Params() {
			vars = append(vars, p.Var)
		}
		grads, err := autograd.Grad([]*autograd.Var[float64]{loss()}, vars, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		const step = 1e-6
		for i, v := range vars {
			for j := range v.Value.Data() {
				old := v.Value.Data()[j]
				var lp, lm float64
				autograd.NoGrad(func() {
					v.Value.Data()[j] = old + step
					lp = loss().Value.Item()
					v.Value.Data()[j] = old - step
					lm = loss().Value.Item()
				})
				v.Value.Data()[j] = old
				num := (lp - lm) / (2 * step)
				got := grads[i].Value.Data()[j]
				err := math.Abs(got-num) / math.Max(1, math.Abs(num))
				worst = math.Max(worst, err)
				if err > 1e-6 {
					t.Fatalf("%s: input %d entry %d: gradient %v, finite difference %v", agg, i, j, got, num)
				}
			}
		}
		t.Logf("%s: worst relative gradient error %.2g over %d inputs", agg, worst, len(vars))
	}
}

// Renumbering the nodes renumbers the outputs: h'[p[i]] = h[i], and each
// edge (j -> i) keeps its latent as (p[j] -> p[i]).
func TestInteractionLayerPermutationEquivariant(t *testing.T) {
	r := tensor.NewRNG(5)
	const n = 5
	g := testGraph(t, n, append([][2]int(nil), smallPairs...))
	l, err := NewInteractionLayer[float64](r, 4, 3, 8, 2, AggregateSum, true)
	if err != nil {
		t.Fatal(err)
	}
	h := tensor.RandN[float64](r, n, 4)
	e := tensor.RandN[float64](r, g.Len(), 3)
	perm := []int{3, 0, 4, 1, 2}
	// Permuted graph and inputs; an edge's latent travels with it.
	type key struct{ s, r int }
	eOf := map[key][]float64{}
	var pairs [][2]int
	for k := 0; k < g.Len(); k++ {
		eOf[key{perm[g.Senders[k]], perm[g.Receivers[k]]}] = e.Data()[k*3 : k*3+3]
		pairs = append(pairs, [2]int{perm[g.Senders[k]], perm[g.Receivers[k]]})
	}
	pg := testGraph(t, n, pairs)
	ph := tensor.New[float64](n, 4)
	for i := 0; i < n; i++ {
		copy(ph.Data()[perm[i]*4:perm[i]*4+4], h.Data()[i*4:i*4+4])
	}
	pe := tensor.New[float64](pg.Len(), 3)
	for k := 0; k < pg.Len(); k++ {
		copy(pe.Data()[k*3:k*3+3], eOf[key{pg.Senders[k], pg.Receivers[k]}])
	}
	var h1, e1, h2, e2 *autograd.Var[float64]
	autograd.NoGrad(func() {
		h1, e1 = l.Forward(autograd.Const(h), autograd.Const(e), g)
		h2, e2 = l.Forward(autograd.Const(ph), autograd.Const(pe), pg)
	})
	worst := 0.0
	for i := 0; i < n; i++ {
		for c := 0; c < 4; c++ {
			worst = math.Max(worst, math.Abs(h1.Value.Data()[i*4+c]-h2.Value.Data()[perm[i]*4+c]))
		}
	}
	out := map[key][]float64{}
	for k := 0; k < pg.Len(); k++ {
		out[key{pg.Senders[k], pg.Receivers[k]}] = e2.Value.Data()[k*3 : k*3+3]
	}
	for k := 0; k < g.Len(); k++ {
		o := out[key{perm[g.Senders[k]], perm[g.Receivers[k]]}]
		for c := 0; c < 3; c++ {
			worst = math.Max(worst, math.Abs(e1.Value.Data()[k*3+c]-o[c]))
		}
	}
	t.Logf("max difference after renumbering: %.2g", worst)
	if worst > 1e-12 {
		t.Fatalf("renumbered outputs differ by %.3g", worst)
	}
}

// A node without incoming edges aggregates to 0 (sum and mean), so its
// update is h + MLP_n([h, 0]).
func TestInteractionLayerIsolatedNode(t *testing.T) {
	r := tensor.NewRNG(9)
	g := testGraph(t, 5, append([][2]int(nil), smallPairs...))
	for _, agg := range []Aggregation{AggregateSum, AggregateMean} {
		m := autograd.Const(tensor.RandN[float64](r, g.Len(), 3))
		a := Aggregate(m, g, agg).Value.Data()
		for c := 0; c < 3; c++ {
			if a[4*3+c] != 0 {
				t.Fatalf("%s: node 4 has no incoming edges but aggregate %v", agg, a[12:15])
			}
		}
		// Node 3's aggregate from a loop over its edges.
		want := make([]float64, 3)
		cnt := 0.0
		for k := 0; k < g.Len(); k++ {
			if g.Receivers[k] == 3 {
				cnt++
				for c := 0; c < 3; c++ {
					want[c] += m.Value.Data()[k*3+c]
				}
			}
		}
		for c := 0; c < 3; c++ {
			if agg == AggregateMean {
				want[c] /= cnt
			}
			if math.Abs(a[9+c]-want[c]) > 1e-14 {
				t.Fatalf("%s: node 3 aggregate %v, want %v", agg, a[9:12], want)
			}
		}
		l, err := NewInteractionLayer[float64](r, 2, 3, 4, 1, agg, false)
		if err != nil {
			t.Fatal(err)
		}
		h := autograd.Const(tensor.RandN[float64](r, 5, 2))
		h2, _ := l.Forward(h, m, g)
		in := autograd.Const(tensor.FromSlice([]float64{h.Value.Data()[8], h.Value.Data()[9], 0, 0, 0}, 1, 5))
		u := l.NodeMLP.Forward(in).Value.Data()
		for c := 0; c < 2; c++ {
			if want := h.Value.Data()[8+c] + u[c]; math.Abs(h2.Value.Data()[8+c]-want) > 1e-15 {
				t.Fatalf("%s: isolated node updated to %v, want %v", agg, h2.Value.Data()[8+c], want)
			}
		}
	}
}

// The split first layer equals the MLP applied to the concatenation.
func TestInteractionLayerMatchesConcat(t *testing.T) {
	r := tensor.NewRNG(2)
	g := testGraph(t, 5, append([][2]int(nil), smallPairs...))
	l, err := NewInteractionLayer[float64](r, 3, 4, 6, 2, AggregateSum, true)
	if err != nil {
		t.Fatal(err)
	}
	h := autograd.Const(tensor.RandN[float64](r, 5, 3))
	e := autograd.Const(tensor.RandN[float64](r, g.Len(), 4))
	h2, e2 := l.Forward(h, e, g)
	cat := autograd.Concat(1, e, autograd.Gather(h, 0, g.Receivers), autograd.Gather(h, 0, g.Senders))
	msg := l.EdgeMLP.Forward(cat)
	agg := autograd.ScatterAdd(msg, 0, g.Receivers, 5)
	wantH := autograd.Add(h, l.NodeMLP.Forward(autograd.Concat(1, h, agg)))
	wantE := autograd.Add(e, msg)
	for _, p := range [][2]*autograd.Var[float64]{{h2, wantH}, {e2, wantE}} {
		for k, v := range p[0].Value.Data() {
			if math.Abs(v-p[1].Value.Data()[k]) > 1e-13 {
				t.Fatalf("entry %d: %v, want %v", k, v, p[1].Value.Data()[k])
			}
		}
	}
}

func TestGraphMLPParamCount(t *testing.T) {
	r := tensor.NewRNG(1)
	for _, c := range []struct{ in, hid, layers, out int }{{14, 128, 2, 128}, {3, 16, 0, 5}, {7, 4, 3, 2}} {
		for _, ln := range []bool{false, true} {
			m, err := NewGraphMLP[float32](r, c.in, c.hid, c.layers, c.out, ln)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := CountParams(m.Params()), GraphMLPParamCount(c.in, c.hid, c.layers, c.out, ln); got != want {
				t.Fatalf("%+v ln=%v: built %d, counted %d", c, ln, got, want)
			}
			if err := CheckNames(m.Params()); err != nil {
				t.Fatal(err)
			}
		}
	}
	l, _ := NewInteractionLayer[float32](r, 8, 6, 5, 2, AggregateSum, true)
	if got, want := CountParams(l.Params()), InteractionParamCount(8, 6, 5, 2, true); got != want {
		t.Fatalf("interaction layer: built %d, counted %d", got, want)
	}
	if _, err := NewGraphMLP[float32](r, 0, 4, 1, 2, false); err == nil {
		t.Fatal("accepted input width 0")
	}
	if _, err := ParseAggregation("max"); err == nil {
		t.Fatal("accepted aggregation max")
	}
}
