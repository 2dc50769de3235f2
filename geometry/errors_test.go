package geometry

import (
	"math"
	"testing"
)

func TestBadInputs(t *testing.T) {
	box := Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}}
	per := Box{Lo: []float64{0, 0}, Hi: []float64{1, 2}, Periodic: []bool{false, true}}
	ok := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
	nan := []float64{0.1, 0.2, 0.3, math.NaN()}
	inf := []float64{0.1, math.Inf(1)}
	out := []float64{0.1, 0.2, 0.3, 0.4, 1.5, 0.6}
	graph := func(pos []float64, dim int, b Box, r float64) func() error {
		return func() error { _, err := RadiusGraph(pos, dim, b, r, false); return err }
	}
	query := func(src, qry []float64, b Box, r float64) func() error {
		return func() error { _, err := RadiusQuery(src, qry, 2, b, r); return err }
	}
	knn := func(src, qry []float64, b Box, k int) func() error {
		return func() error { _, _, err := KNN(src, qry, 2, b, k); return err }
	}
	stencil := func(pos, lo, hi []float64, nodes []int) func() error {
		return func() error { _, _, err := GridStencil(pos, 2, lo, hi, nodes); return err }
	}
	idw := func(vals []float64, ch, k int, p float64) func() error {
		return func() error { _, err := InverseDistance(ok, vals, ch, ok, 2, k, p); return err }
	}
	tests := []struct {
		name string
		f    func() error
		subs []string
	}{
		{"r zero", graph(ok, 2, box, 0), []string{"r = 0", "want r > 0"}},
		{"r negative", graph(ok, 2, box, -1), []string{"r = -1", "want r > 0"}},
		{"r NaN", graph(ok, 2, box, math.NaN()), []string{"r = NaN"}},
		{"r half period", graph(ok, 2, per, 1), []string{"r = 1", "periodic axis 1", "length 2", "want r < half the period (1)"}},
		{"NaN coordinate", graph(nan, 2, box, 0.1), []string{"pos point 1", "coordinate 1 = NaN", "want finite"}},
		{"Inf coordinate", graph(inf, 2, Box{}, 0.1), []string{"pos point 0", "coordinate 1 = +Inf"}},
		{"outside box", graph(out, 2, box, 0.1), []string{"pos point 2", "coordinate 0 = 1.5", "outside the box [0, 1]"}},
		{"periodic axis wraps", graph([]float64{0.5, 7.5}, 2, per, 0.1), nil},
		{"length not multiple", graph(ok[:5], 2, box, 0.1), []string{"len(pos) = 5", "not a multiple of dim = 2"}},
		{"dim 4", graph(ok[:4], 4, Box{}, 0.1), []string{"dim = 4", "want 2 or 3"}},
		{"dim 1", graph(ok, 1, Box{}, 0.1), []string{"dim = 1"}},
		{"box inverted", graph(ok, 2, Box{Lo: []float64{0, 1}, Hi: []float64{1, 0}}, 0.1), []string{"axis 1 is [1, 0]", "want Lo < Hi"}},
		{"box NaN", graph(ok, 2, Box{Lo: []float64{0, math.NaN()}, Hi: []float64{1, 1}}, 0.1), []string{"axis 1", "want finite bounds"}},
		{"box short", graph(ok, 2, Box{Lo: []float64{0}, Hi: []float64{1}}, 0.1), []string{"len(Lo) = 1", "want 2"}},
		{"periodic without bounds", graph(ok, 2, Box{Periodic: []bool{true, true}}, 0.1), []string{"len(Lo) = 0"}},
		{"periodic wrong length", graph(ok, 2, Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}, Periodic: []bool{true}}, 0.1), []string{"len(Periodic) = 1"}},
		{"query outside", query(ok, out, box, 0.1), []string{"RadiusQuery", "queries point 2", "coordinate 0 = 1.5"}},
		{"query sources NaN", query(nan, ok, box, 0.1), []string{"sources point 1", "NaN"}},
		{"query r", query(ok, ok, box, math.NaN()), []string{"RadiusQuery", "r = NaN"}},
		{"knn k zero", knn(ok, ok, Box{}, 0), []string{"k = 0 with 3 sources", "want 1 <= k"}},
		{"knn k too big", knn(ok, ok, Box{}, 4), []string{"k = 4 with 3 sources"}},
		{"knn NaN query", knn(ok, nan, Box{}, 1), []string{"KNN", "queries point 1", "NaN"}},
		{"knn outside", knn(out, ok, box, 1), []string{"sources point 2", "outside the box"}},
		{"chamfer empty", func() error { _, err := Chamfer(ok, nil, 2); return err }, []string{"Chamfer", "want both non-empty"}},
		{"chamfer NaN", func() error { _, err := ChamferEuclidean(ok, nan, 2); return err }, []string{"ChamferEuclidean", "NaN"}},
		{"chamfer dim", func() error { _, err := Chamfer(ok, ok, 5); return err }, []string{"dim = 5"}},
		{"stencil one node", stencil(ok, []float64{0, 0}, []float64{1, 1}, []int{4, 1}), []string{"nodes[1] = 1", "at least 2"}},
		{"stencil lo hi", stencil(ok, []float64{0, 1}, []float64{1, 1}, []int{4, 4}), []string{"axis 1 spans [1, 1]", "lo < hi"}},
		{"stencil lengths", stencil(ok, []float64{0}, []float64{1, 1}, []int{4, 4}), []string{"len(lo), len(hi), len(nodes) = 1, 2, 2"}},
		{"stencil NaN", stencil(nan, []float64{0, 0}, []float64{1, 1}, []int{4, 4}), []string{"GridStencil", "point 1", "NaN"}},
		{"stencil too many nodes", stencil(ok, []float64{0, 0}, []float64{1, 1}, []int{1 << 16, 1 << 16}), []string{"int32"}},
		{"idw power", idw([]float64{1, 2, 3}, 1, 2, 0), []string{"power = 0", "positive and finite"}},
		{"idw power Inf", idw([]float64{1, 2, 3}, 1, 2, math.Inf(1)), []string{"power = +Inf"}},
		{"idw channels", idw(nil, 0, 2, 2), []string{"channels = 0"}},
		{"idw values", idw([]float64{1, 2}, 1, 2, 2), []string{"len(values) = 2", "want 1 channels per source"}},
		{"idw NaN value", idw([]float64{1, 2, 3, math.NaN(), 5, 6}, 2, 2, 2), []string{"source 1", "NaN", "channel 1"}},
		{"idw k", idw([]float64{1, 2, 3}, 1, 9, 2), []string{"InverseDistance", "k = 9 with 3 sources"}},
	}
	for _, tc := range tests {
		err := tc.f()
		if tc.subs == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		wantErr(t, tc.name, err, tc.subs...)
	}
}

func TestEdgeBound(t *testing.T) {
	defer func(m int) { maxEdges = m }(maxEdges)
	maxEdges = 5
	pos := testPoints(16, 50, 2, 0, 1, nil, false)
	_, err := RadiusGraph(pos, 2, Box{}, 0.5, false)
	wantErr(t, "RadiusGraph", err, "edges exceed the bound of 5")
	_, err = RadiusQuery(pos, pos, 2, Box{}, 0.5)
	wantErr(t, "RadiusQuery", err, "edges exceed the bound of 5")
}

func TestDisplacementsBadGraph(t *testing.T) {
	g := &Graph{Senders: []int32{0, 3}, Receivers: []int32{0, 0}, Offsets: []int{0, 2}}
	_, _, err := g.Displacements([]float64{0, 0, 1, 1}, []float64{0, 0}, 2, Box{})
	wantErr(t, "sender out of range", err, "edge 1 is 3 -> 0", "sender in [0, 2)")
	_, _, err = g.Displacements([]float64{0, 0, 1}, []float64{0, 0}, 2, Box{})
	wantErr(t, "ragged", err, "multiples of dim = 2")
}
