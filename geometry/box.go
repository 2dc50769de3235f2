package geometry

import (
	"fmt"
	"math"
)

// Box is the domain the points live in. Lo and Hi bound each axis; an axis
// with Periodic[a] true wraps, Hi[a] standing for Lo[a], and distances along
// it are minimum images. Points must lie in [Lo[a], Hi[a]] on the other
// axes; on a periodic axis any finite coordinate is accepted and wrapped.
//
// The zero Box (Lo, Hi and Periodic all nil) is unbounded: nothing wraps,
// nothing is out of bounds, and the cell lists span the points' bounding box.
// Periodic may be nil in a bounded box (no axis wraps).
type Box struct {
	Lo, Hi   []float64
	Periodic []bool
}

// Unbounded reports whether b is the zero Box.
func (b Box) Unbounded() bool {
	return b.Lo == nil && b.Hi == nil && b.Periodic == nil
}

// Validate checks b for points of dimension dim: dim 2 or 3, Lo and Hi of
// length dim, finite, Lo[a] < Hi[a], and Periodic nil or of length dim.
func (b Box) Validate(dim int) error {
	if err := checkDim(dim); err != nil {
		return err
	}
	if b.Unbounded() {
		return nil
	}
	if len(b.Lo) != dim || len(b.Hi) != dim {
		return fmt.Errorf("geometry: box has len(Lo) = %d and len(Hi) = %d; want %d each (dim), or both nil for an unbounded box", len(b.Lo), len(b.Hi), dim)
	}
	if b.Periodic != nil && len(b.Periodic) != dim {
		return fmt.Errorf("geometry: box has len(Periodic) = %d; want %d (dim) or nil", len(b.Periodic), dim)
	}
	for a := range dim {
		lo, hi := b.Lo[a], b.Hi[a]
		if !finite(lo) || !finite(hi) {
			return fmt.Errorf("geometry: box axis %d is [%g, %g]; want finite bounds", a, lo, hi)
		}
		if !(lo < hi) {
			return fmt.Errorf("geometry: box axis %d is [%g, %g]; want Lo < Hi", a, lo, hi)
		}
	}
	return nil
}

// periodic reports whether axis a wraps.
func (b Box) periodic(a int) bool {
	return b.Periodic != nil && b.Periodic[a]
}

// periods returns the period of each axis, 0 where the axis does not wrap.
func (b Box) periods(dim int) [3]float64 {
	var p [3]float64
	for a := range dim {
		if b.periodic(a) {
			p[a] = b.Hi[a] - b.Lo[a]
		}
	}
	return p
}

func checkDim(dim int) error {
	if dim != 2 && dim != 3 {
		return fmt.Errorf("geometry: dim = %d; want 2 or 3", dim)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkPoints checks a flat point array named name: its length a multiple
// of dim, at most MaxInt32 points (indices are int32), finite coordinates,
// and inside b on its bounded axes. It returns the number of points.
func checkPoints(op, name string, pos []float64, dim int, b Box) (int, error) {
	if len(pos)%dim != 0 {
		return 0, fmt.Errorf("geometry: %s: len(%s) = %d is not a multiple of dim = %d", op, name, len(pos), dim)
	}
	n := len(pos) / dim
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("geometry: %s: %d %s exceed the %d that int32 indices address", op, n, name, math.MaxInt32)
	}
	bounded := !b.Unbounded()
	for i := range n {
		for a := range dim {
			x := pos[i*dim+a]
			if !finite(x) {
				return 0, fmt.Errorf("geometry: %s: %s point %d has coordinate %d = %g; want finite coordinates", op, name, i, a, x)
			}
			if bounded && !b.periodic(a) && (x < b.Lo[a] || x > b.Hi[a]) {
				return 0, fmt.Errorf("geometry: %s: %s point %d has coordinate %d = %g outside the box [%g, %g] on that non-periodic axis", op, name, i, a, x, b.Lo[a], b.Hi[a])
			}
		}
	}
	return n, nil
}

// sqDist is |x - y|^2 with minimum images on the axes where period > 0:
// each component d becomes d - p round(d / p), so |d| <= p/2.
func sqDist(x, y []float64, period *[3]float64, dim int) float64 {
	s := 0.0
	for a := range dim {
		d := x[a] - y[a]
		if p := period[a]; p > 0 {
			d -= p * math.Round(d/p)
		}
		s += d * d
	}
	return s
}
