package mpm

import (
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestSceneShapes: Scene.Shapes restricts random bodies to the listed
// shapes (a box or a ball is one part of that shape, a union 2-3 parts),
// and every listed shape is drawn.
func TestSceneShapes(t *testing.T) {
	cases := []struct {
		shapes []Shape
		want   map[Shape]bool // body kinds that must appear
	}{
		{[]Shape{Box}, map[Shape]bool{Box: true}},
		{[]Shape{Ball}, map[Shape]bool{Ball: true}},
		{[]Shape{Union}, map[Shape]bool{Union: true}},
		{[]Shape{Box, Union}, map[Shape]bool{Box: true, Union: true}},
	}
	for _, c := range cases {
		p := goodParams()
		p.Scene.Shapes = c.shapes
		seen := map[Shape]bool{}
		for i := 0; i < 40; i++ {
			for _, b := range p.RandomBodies(tensor.NewRNGStream(5, uint64(i))) {
				kind := b.Parts[0].Shape
				if len(b.Parts) > 1 {
					kind = Union
				}
				if !c.want[kind] {
					t.Fatalf("shapes %v: drew a %s body (%d parts)", c.shapes, kind, len(b.Parts))
				}
				if kind == Union && (len(b.Parts) < 2 || len(b.Parts) > 3) {
					t.Fatalf("shapes %v: union of %d parts", c.shapes, len(b.Parts))
				}
				seen[kind] = true
			}
		}
		if len(seen) != len(c.want) {
			t.Errorf("shapes %v: drew %v in 40 samples", c.shapes, seen)
		}
	}
}
