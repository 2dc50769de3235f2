package mpm

import "fmt"

// Grips are two rigid grips, slabs of grid nodes beyond two planes
// normal to axis Axis, that hold the ends of a body and move at
// prescribed velocities along Axis: the nodes with x[Axis] <= Low move
// at LowVelocity along Axis, those with x[Axis] >= High at HighVelocity,
// whichever way the material pushes or pulls (a tension or compression
// test). Their lateral velocity is left free (slip grips), so that the
// body can contract or expand sideways without the lateral constraint
// of a sticky grip. Unlike a Plate, a grip is meant to lie inside the
// body's ends: the particles in it move with it, and the gauge section
// between the grips, away from them, is loaded without contact.
//
// The solver reads the grips at every step and advances Low and High
// by Dt times their velocities after it; the caller may change the
// velocities between steps.
type Grips struct {
	Axis                      int
	Low, High                 float64
	LowVelocity, HighVelocity float64
}

// SetGrips attaches grips to the solver (nil removes them). The solver
// keeps the pointer and advances g.Low and g.High at every step.
func (s *Solver) SetGrips(g *Grips) error {
	if g != nil {
		if err := g.check(s.d); err != nil {
			return err
		}
	}
	s.grips = g
	return nil
}

// check validates the grips for a d-dimensional solver.
func (g *Grips) check(d int) error {
	switch {
	case g.Axis < 0 || g.Axis >= d:
		return fmt.Errorf("mpm: grips: axis %d outside 0..%d", g.Axis, d-1)
	case !finite(g.Low) || !finite(g.High) || !(g.Low < g.High):
		return fmt.Errorf("mpm: grips: low %v must be below high %v, both finite", g.Low, g.High)
	case !finite(g.LowVelocity) || !finite(g.HighVelocity):
		return fmt.Errorf("mpm: grips: velocities %v, %v must be finite", g.LowVelocity, g.HighVelocity)
	}
	return nil
}

// applyGrips sets the axial velocity of node idx when a grip holds it.
func (s *Solver) applyGrips(v []float64, idx [3]int) {
	g := s.grips
	x := float64(idx[g.Axis]) * s.dx
	switch {
	case x <= g.Low:
		v[g.Axis] = g.LowVelocity
	case x >= g.High:
		v[g.Axis] = g.HighVelocity
	}
}

// advanceGrips moves the grips by one step.
func (s *Solver) advanceGrips() {
	if s.grips == nil {
		return
	}
	s.grips.Low += s.p.Dt * s.grips.LowVelocity
	s.grips.High += s.p.Dt * s.grips.HighVelocity
}
