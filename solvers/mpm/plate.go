package mpm

import "fmt"

// Plate is a rigid plane normal to axis Axis that moves at a prescribed
// velocity: a loading platen for compression tests, or a grip for
// stretching. With Above it fills the half-space x[Axis] > Position and
// pushes the material toward lower coordinates; otherwise it fills
// x[Axis] < Position. It acts on the grid like the walls: a node on its
// side whose velocity along Axis moves into the plate faster than the
// plate (relative to it) gets the plate's normal velocity (Slip), or the
// plate's whole velocity (Sticky, which also holds the material when
// the plate pulls away: a grip).
//
// The solver reads the plate at every step and advances Position by
// Dt * Velocity after it; the caller may change Velocity between steps
// (to ramp the loading).
type Plate struct {
	Axis     int
	Position float64
	Velocity float64
	Above    bool
	Sticky   bool
}

// SetPlate attaches a plate to the solver (nil removes it). The solver
// keeps the pointer and advances p.Position at every step.
func (s *Solver) SetPlate(p *Plate) error {
	if p != nil && (p.Axis < 0 || p.Axis >= s.d) {
		return fmt.Errorf("mpm: plate axis %d outside 0..%d", p.Axis, s.d-1)
	}
	s.plate = p
	s.plateForce = 0
	return nil
}

// PlateForce returns the force the plate exerted on the material along
// its axis during the last step (N, or N per unit depth in 2-D): the
// momentum it gave the grid nodes over Dt. A plate pressing down from
// above gives a negative force.
func (s *Solver) PlateForce() float64 { return s.plateForce }

// preparePlate sizes the per-block impulse slots of the grid update.
func (s *Solver) preparePlate() {
	if s.plate == nil {
		return
	}
	if cap(s.plateImpulse) < len(s.active) {
		s.plateImpulse = make([]float64, len(s.active))
	}
	s.plateImpulse = s.plateImpulse[:len(s.active)]
	clear(s.plateImpulse)
}

// finishPlate sums the blocks' impulses in a fixed order (the same for
// any number of workers) and advances the plate.
func (s *Solver) finishPlate() {
	if s.plate == nil {
		return
	}
	total := 0.0
	for _, j := range s.plateImpulse {
		total += j
	}
	s.plateForce = total / s.p.Dt
	s.plate.Position += s.p.Dt * s.plate.Velocity
}

// applyPlate applies the plate to the velocity v of node idx and returns
// the change of its component along the plate's axis.
func (s *Solver) applyPlate(v []float64, idx [3]int) float64 {
	pl := s.plate
	a := pl.Axis
	x := float64(idx[a]) * s.dx
	inside := (pl.Above && x > pl.Position) || (!pl.Above && x < pl.Position)
	if !inside {
		return 0
	}
	before := v[a]
	// Relative normal velocity into the plate.
	into := v[a] - pl.Velocity
	if !pl.Above {
		into = -into
	}
	switch {
	case pl.Sticky:
		clear(v)
		v[a] = pl.Velocity
	case into > 0:
		v[a] = pl.Velocity
	}
	return v[a] - before
}
