package grid

import "testing"

func TestCoords(t *testing.T) {
	g := Coords[float64](2, []int{3, 5})
	if s := g.Shape(); s[0] != 2 || s[1] != 3 || s[2] != 5 || s[3] != 2 {
		t.Fatalf("shape %v", s)
	}
	// Point (2, 4) of sample 1: x = 1, y = 1; point (1, 1): 0.5, 0.25.
	if g.At(1, 2, 4, 0) != 1 || g.At(1, 2, 4, 1) != 1 || g.At(0, 1, 1, 0) != 0.5 || g.At(0, 1, 1, 1) != 0.25 {
		t.Fatalf("values %v", g)
	}
}

func TestCacheReuses(t *testing.T) {
	var c Cache[float32]
	a := c.Get(2, []int{4})
	if c.Get(2, []int{4}) != a {
		t.Fatal("same request rebuilt the coordinates")
	}
	if b := c.Get(3, []int{4}); b == a || b.Shape()[0] != 3 {
		t.Fatal("a new batch size reused stale coordinates")
	}
}
