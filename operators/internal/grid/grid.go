// Package grid builds the positional inputs neural operators append to
// their input fields: normalised grid coordinates.
package grid

import "github.com/surrogo/surrogo/tensor"

// Coords returns the coordinates [batch, s..., d] of a grid with spatial
// sizes s: axis a takes linspace(0, 1, s_a), as get_grid in the FNO
// scripts and kairos's T1.
func Coords[T tensor.Float](batch int, spatial []int) *tensor.Tensor[T] {
	d := len(spatial)
	n := tensor.Size(spatial)
	g := tensor.New[T](append(append([]int{batch}, spatial...), d)...)
	data := g.Data()
	idx := make([]int, d)
	for p := 0; p < n; p++ {
		rem := p
		for a := d - 1; a >= 0; a-- {
			idx[a] = rem % spatial[a]
			rem /= spatial[a]
		}
		for a := 0; a < d; a++ {
			v := 0.0
			if spatial[a] > 1 {
				v = float64(idx[a]) / float64(spatial[a]-1)
			}
			for b := 0; b < batch; b++ {
				data[(b*n+p)*d+a] = T(v)
			}
		}
	}
	return g
}

// Cache keeps the coordinates of the last (batch, grid) asked for, so a
// model builds them once rather than on every forward pass. Not safe for
// concurrent use.
type Cache[T tensor.Float] struct {
	batch   int
	spatial []int
	coords  *tensor.Tensor[T]
}

// Get returns Coords(batch, spatial), reusing the previous result when the
// request is the same.
func (c *Cache[T]) Get(batch int, spatial []int) *tensor.Tensor[T] {
	if c.coords == nil || c.batch != batch || !tensor.SameShape(c.spatial, spatial) {
		c.coords = Coords[T](batch, spatial)
		c.batch, c.spatial = batch, append([]int{}, spatial...)
	}
	return c.coords
}
