package geometry

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestGridStencil(t *testing.T) {
	tests := []struct {
		lo, hi []float64
		nodes  []int
	}{
		{[]float64{0, 0}, []float64{1, 1}, []int{2, 2}},
		{[]float64{-1.5, 0.25}, []float64{2, 3}, []int{17, 9}},
		{[]float64{0, 0, 0}, []float64{1, 1, 1}, []int{2, 2, 2}},
		{[]float64{-1, 0.5, -3}, []float64{1, 2, 0.1}, []int{5, 11, 7}},
	}
	coef := []float64{0.3, 1.7, -2.2, 0.9}
	for _, tc := range tests {
		dim := len(tc.lo)
		name := fmt.Sprint(tc.nodes)
		K := 1 << dim
		// nodal values of f(x) = c0 + sum_a c_{a+1} x_a, x_node = lo + i h
		total := 1
		for _, n := range tc.nodes {
			total *= n
		}
		f := make([]float64, total)
		for k := range total {
			f[k] = coef[0]
			rem := k
			for a := dim - 1; a >= 0; a-- {
				i := rem % tc.nodes[a]
				rem /= tc.nodes[a]
				h := (tc.hi[a] - tc.lo[a]) / float64(tc.nodes[a]-1)
				f[k] += coef[a+1] * (tc.lo[a] + float64(i)*h)
			}
		}
		// points inside, outside by up to half the extent, on lo and hi
		rng := rand.New(rand.NewPCG(12, 0))
		n := 500
		pos := make([]float64, n*dim)
		for p := range n {
			for a := range dim {
				u := rng.Float64()*2 - 0.5
				switch p % 5 {
				case 1:
					u = 0
				case 2:
					u = 1
				}
				pos[p*dim+a] = tc.lo[a] + u*(tc.hi[a]-tc.lo[a])
			}
		}
		idx, w, err := GridStencil(pos, dim, tc.lo, tc.hi, tc.nodes)
		if err != nil {
			t.Fatal(err)
		}
		for p := range n {
			sum, u := 0.0, 0.0
			for m := range K {
				if w[p*K+m] < 0 || idx[p*K+m] < 0 || int(idx[p*K+m]) >= total {
					t.Fatalf("%s: point %d entry %d: node %d weight %g", name, p, m, idx[p*K+m], w[p*K+m])
				}
				sum += w[p*K+m]
				u += w[p*K+m] * f[idx[p*K+m]]
			}
			if math.Abs(sum-1) > 1e-15 {
				t.Errorf("%s: point %d: weights sum to 1 + %g", name, p, sum-1)
			}
			want := coef[0]
			for a := range dim {
				x := min(max(pos[p*dim+a], tc.lo[a]), tc.hi[a]) // clamped
				want += coef[a+1] * x
			}
			if math.Abs(u-want) > 1e-14 {
				t.Errorf("%s: point %d at %v: interpolated %g, linear function %g (diff %g)", name, p, pos[p*dim:p*dim+dim], u, want, u-want)
			}
		}
	}
}

func TestGridStencilCorners(t *testing.T) {
	// 3 x 4 grid on [0,2] x [0,3]: node (i, j) is index 4 i + j
	lo, hi, nodes := []float64{0, 0}, []float64{2, 3}, []int{3, 4}
	tests := []struct {
		x, y float64
		idx  []int32
		w    []float64
	}{
		{0, 0, []int32{0, 1, 4, 5}, []float64{1, 0, 0, 0}},
		{0.5, 1.25, []int32{1, 2, 5, 6}, []float64{0.375, 0.125, 0.375, 0.125}},
		{2, 3, []int32{6, 7, 10, 11}, []float64{0, 0, 0, 1}},
		{5, -1, []int32{4, 5, 8, 9}, []float64{0, 0, 1, 0}}, // clamped to (2, 0)
	}
	for _, tc := range tests {
		idx, w, err := GridStencil([]float64{tc.x, tc.y}, 2, lo, hi, nodes)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(idx, w) != fmt.Sprint(tc.idx, tc.w) {
			t.Errorf("(%g, %g): %v %v, want %v %v", tc.x, tc.y, idx, w, tc.idx, tc.w)
		}
	}
}

func TestInverseDistance(t *testing.T) {
	for _, dim := range []int{2, 3} {
		src := testPoints(13, 300, dim, 0, 1, nil, false)[:150*dim] // uniform part: distinct
		ns := len(src) / dim
		vals := make([]float64, 2*ns)
		consts := make([]float64, 2*ns)
		rng := rand.New(rand.NewPCG(14, 0))
		for j := range ns {
			vals[2*j], vals[2*j+1] = rng.NormFloat64(), rng.NormFloat64()
			consts[2*j], consts[2*j+1] = 3.25, -1e3
		}
		for _, k := range []int{1, 4, 12} {
			got, err := InverseDistance(src, vals, 2, src, dim, k, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != vals[i] {
					t.Fatalf("%dd k=%d: value %d at its source is %g, want %g", dim, k, i, got[i], vals[i])
				}
			}
			qry := testPoints(15, 200, dim, -0.2, 1.4, nil, false)
			for _, p := range []float64{0.5, 2, 7} {
				got, err := InverseDistance(src, consts, 2, qry, dim, k, p)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if math.Abs(got[i]-consts[i%2]) > 1e-14*math.Abs(consts[i%2]) {
						t.Fatalf("%dd k=%d p=%g: constant %g reproduced as %g", dim, k, p, consts[i%2], got[i])
					}
				}
			}
		}
	}
	// by hand: sources at 0 and 2 on the x axis, query at 0.5, power 2:
	// weights 1/0.25 and 1/2.25
	got, err := InverseDistance([]float64{0, 0, 2, 0}, []float64{1, 10}, 1, []float64{0.5, 0}, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := (4*1 + 10/2.25) / (4 + 1/2.25); math.Abs(got[0]-want) > 1e-15*want {
		t.Errorf("two sources: %g, want %g", got[0], want)
	}
	// coincident sources: the lower index wins
	got, _ = InverseDistance([]float64{1, 1, 0, 0, 1, 1}, []float64{5, 6, 7}, 1, []float64{1, 1}, 2, 3, 2)
	if got[0] != 5 {
		t.Errorf("query on two coincident sources: %g, want 5 (source 0)", got[0])
	}
}
