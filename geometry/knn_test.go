package geometry

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestKNNMatchesBruteForce(t *testing.T) {
	for _, c := range geomCases() {
		src := c.points(8, 800)
		qry := c.points(9, 300)
		if c.unbound { // queries far outside the sources' bounding box too
			for i := range qry[:len(qry)/3] {
				qry[i] = 5*qry[i] - 2
			}
		}
		for _, k := range []int{1, 2, 7, 40, 800} {
			name := fmt.Sprintf("%s/k=%d", c.name, k)
			idx, dist, err := KNN(src, qry, c.dim, c.box, k)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wi, wd := bruteKNN(src, qry, c.dim, c.box, k)
			if !slices.Equal(idx, wi) {
				for e := range idx {
					if idx[e] != wi[e] {
						t.Fatalf("%s: query %d rank %d: source %d at %g, brute force %d at %g", name, e/k, e%k, idx[e], dist[e], wi[e], wd[e])
					}
				}
			}
			if !slices.Equal(dist, wd) {
				t.Fatalf("%s: distances differ from brute force", name)
			}
		}
	}
}

func TestKNNTieOrder(t *testing.T) {
	src := []float64{1, 0, 0, 1, -1, 0, 0, -1, 2, 0, 0, 0, 0, 0}
	tests := []struct {
		k        int
		wantIdx  []int32
		wantDist []float64
	}{
		{1, []int32{5}, []float64{0}},
		{2, []int32{5, 6}, []float64{0, 0}},
		{4, []int32{5, 6, 0, 1}, []float64{0, 0, 1, 1}},
		{7, []int32{5, 6, 0, 1, 2, 3, 4}, []float64{0, 0, 1, 1, 1, 1, 2}},
	}
	for _, tc := range tests {
		idx, dist, err := KNN(src, []float64{0, 0}, 2, Box{}, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idx, tc.wantIdx) || !slices.Equal(dist, tc.wantDist) {
			t.Errorf("k=%d: %v %v, want %v %v", tc.k, idx, dist, tc.wantIdx, tc.wantDist)
		}
	}
}

func bruteChamfer(a, b []float64, dim int, sq bool) float64 {
	total := 0.0
	for _, p := range [2][2][]float64{{a, b}, {b, a}} {
		s := 0.0
		for i := 0; i < len(p[0]); i += dim {
			best := math.Inf(1)
			for j := 0; j < len(p[1]); j += dim {
				best = min(best, bruteSq(p[0][i:i+dim], p[1][j:j+dim], Box{}))
			}
			if !sq {
				best = math.Sqrt(best)
			}
			s += best
		}
		total += s / float64(len(p[0])/dim)
	}
	return total
}

func TestChamfer(t *testing.T) {
	type fn func(a, b []float64, dim int) (float64, error)
	for _, f := range []struct {
		name string
		f    fn
		sq   bool
	}{{"Chamfer", Chamfer, true}, {"ChamferEuclidean", ChamferEuclidean, false}} {
		for _, dim := range []int{2, 3} {
			a := testPoints(10, 600, dim, 0, 1, nil, false)
			b := testPoints(11, 450, dim, 0.2, 1.3, nil, false)
			perm := make([]float64, len(a))
			for i := range 600 {
				copy(perm[i*dim:i*dim+dim], a[(599-i)*dim:])
			}
			name := fmt.Sprintf("%s/%dd", f.name, dim)
			if d, err := f.f(a, perm, dim); err != nil || d != 0 {
				t.Errorf("%s: identical sets give %g, %v; want 0", name, d, err)
			}
			ab, err := f.f(a, b, dim)
			if err != nil {
				t.Fatal(err)
			}
			ba, _ := f.f(b, a, dim)
			if ab != ba {
				t.Errorf("%s: CD(a,b) = %g, CD(b,a) = %g", name, ab, ba)
			}
			if want := bruteChamfer(a, b, dim, f.sq); math.Abs(ab-want) > 1e-14*want || ab <= 0 {
				t.Errorf("%s: %g, brute force %g", name, ab, want)
			}
		}
	}
	a, b := []float64{0, 0}, []float64{1, 0, 3, 0}
	if d, _ := Chamfer(a, b, 2); d != 6 { // 1 + (1 + 9)/2
		t.Errorf("Chamfer = %g, want 6", d)
	}
	if d, _ := ChamferEuclidean(a, b, 2); d != 3 { // 1 + (1 + 3)/2
		t.Errorf("ChamferEuclidean = %g, want 3", d)
	}
}
