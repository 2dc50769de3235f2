package mesh

import (
	"fmt"
	"testing"
)

// TestLocatorBuckets checks that the buckets stay small, so a query tests
// O(1) cells: at most 5 cell entries per bucket on average and 16 in the
// fullest bucket, for uniform, moved and jittered meshes.
func TestLocatorBuckets(t *testing.T) {
	meshes := []struct {
		name string
		m    *Mesh
	}{
		{"quads 48x48", mustQuad(t, 48, 48)},
		{"moved triangles 48x48", moved(t, mustTri(t, 48, 48))},
		{"jittered quads 60x60", jittered(t, mustQuad(t, 60, 60), 1.0/59, 0.3, 8)},
		{"quads 200x5", mustQuad(t, 200, 5)},
	}
	for _, mc := range meshes {
		l, err := NewLocator(mc.m)
		if err != nil {
			t.Fatal(err)
		}
		nb := l.nb[0] * l.nb[1]
		fullest := 0
		for b := range nb {
			fullest = max(fullest, l.start[b+1]-l.start[b])
		}
		mean := float64(len(l.list)) / float64(nb)
		t.Logf("%s: %d cells, %d x %d buckets, %.2f entries per bucket, fullest %d", mc.name, mc.m.NumCells(), l.nb[0], l.nb[1], mean, fullest)
		if mean > 5 || fullest > 16 {
			t.Errorf("%s: %.2f entries per bucket, fullest %d; want <= 5 and <= 16", mc.name, mean, fullest)
		}
	}
}

func BenchmarkLocate(b *testing.B) {
	for _, n := range []int{48, 192} {
		m := moved(b, mustQuad(b, n, n))
		l, err := NewLocator(m)
		if err != nil {
			b.Fatal(err)
		}
		pts := randomPoints(10000, 2)
		b.Run(fmt.Sprintf("quads%dx%d/10k", n, n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := l.Locate(pts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
