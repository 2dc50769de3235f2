package mpm

import (
	"math"
	"testing"
)

// plateScene is an elastic block of mass 0.2 x 0.1 x rho per unit depth
// standing on a plate at height 0.3 (the plate fills y < 0.3), under
// gravity, far from the walls.
func plateScene(t *testing.T, sticky bool) (*Solver, *State, *Plate, float64) {
	t.Helper()
	const base = 0.3
	block := Body{Parts: []Part{{Shape: Box, Center: [3]float64{0.5, base + 0.05 + 1e-9}, Half: [3]float64{0.1, 0.05}}}}
	p := Params{Dim: 2, Cells: 64, Length: 1, Gravity: []float64{0, -9.8},
		Material: Material{Kind: NeoHookean, E: 1e5, Nu: 0.3, Rho: 1000}, Scene: Scene{Bodies: []Body{block}}}
	p.Dt = p.MaxStableDt()
	s, st := newSampleSolver(t, p)
	plate := &Plate{Axis: 1, Position: base, Sticky: sticky}
	if err := s.SetPlate(plate); err != nil {
		t.Fatal(err)
	}
	return s, st, plate, s.ParticleMass(st) * float64(st.Len())
}

// TestPlateCarriesWeight: a block resting on a static plate is held up
// by it (its lowest particle stays within a particle spacing of the
// plate) and the plate's force, averaged over 0.2 s after 0.1 s of
// settling, equals the block's weight to 0.5%.
func TestPlateCarriesWeight(t *testing.T) {
	s, st, plate, mass := plateScene(t, false)
	dt := s.Params().Dt
	force, samples, lowest := 0.0, 0, math.Inf(1)
	for n := 1; float64(n)*dt < 0.3; n++ {
		s.Step(st)
		if float64(n)*dt > 0.1 {
			force += s.PlateForce()
			samples++
		}
		for i := 0; i < st.Len(); i++ {
			lowest = math.Min(lowest, st.X[2*i+1])
		}
	}
	force /= float64(samples)
	weight := mass * 9.8
	t.Logf("mean plate force %.4f N/m, weight %.4f N/m (ratio %.5f); lowest particle %.4f above the plate", force, weight, force/weight, lowest-plate.Position)
	if math.Abs(force/weight-1) > 0.005 {
		t.Errorf("plate force %.4f, want the weight %.4f", force, weight)
	}
	if lowest < plate.Position-1.0/128 {
		t.Errorf("block sank into the plate: lowest particle at %.4f, plate at %.4f", lowest, plate.Position)
	}
}

// TestStickyPlateLifts: a sticky plate under a block, rising at 0.1 m/s
// from rest, lifts the block with it: its mean vertical velocity,
// averaged over 0.1 .. 0.3 s (the jerk of the start rings in the elastic
// block), is the plate's within 1%; the plate moves by Dt * Velocity per
// step.
func TestStickyPlateLifts(t *testing.T) {
	s, st, plate, mass := plateScene(t, true)
	plate.Velocity = 0.1
	start := plate.Position
	dt := s.Params().Dt
	steps := int(0.3 / dt)
	v, samples := 0.0, 0
	for n := 1; n <= steps; n++ {
		s.Step(st)
		if float64(n)*dt > 0.1 {
			v += s.Momentum(st)[1] / mass
			samples++
		}
	}
	v /= float64(samples)
	t.Logf("block's mean vertical velocity %.5f m/s over 0.1 .. 0.3 s on a plate rising at 0.1 m/s; plate moved %.6f (%d steps x dt x v = %.6f)",
		v, plate.Position-start, steps, float64(steps)*dt*0.1)
	if math.Abs(v/0.1-1) > 0.01 {
		t.Errorf("block moves at %.4f, the plate at 0.1", v)
	}
	if math.Abs(plate.Position-start-float64(steps)*dt*0.1) > 1e-12 {
		t.Errorf("plate moved %.9f, want %.9f", plate.Position-start, float64(steps)*dt*0.1)
	}
}

// TestSetPlateAxis: a plate axis outside the dimension is refused.
func TestSetPlateAxis(t *testing.T) {
	s, _, _, _ := plateScene(t, false)
	for _, axis := range []int{-1, 2} {
		if err := s.SetPlate(&Plate{Axis: axis}); err == nil {
			t.Errorf("axis %d accepted in 2-D", axis)
		}
	}
	if err := s.SetPlate(nil); err != nil {
		t.Errorf("removing the plate: %v", err)
	}
}
