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
