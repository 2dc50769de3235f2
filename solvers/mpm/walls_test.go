package mpm

import (
	"math"
	"testing"
)

// slidingBlock runs an elastic block that rests on the floor and slides
// along it at 1 m/s under gravity for 0.1 s, and returns its horizontal
// momentum over its initial value and the lowest particle height.
func slidingBlock(t *testing.T, wall Wall) (momentumRatio, lowest, wallTop float64) {
	t.Helper()
	dx := 1.0 / 64
	wallTop = 3 * dx
	block := Body{Parts: []Part{{Shape: Box, Center: [3]float64{0.3, wallTop + 0.05}, Half: [3]float64{0.1, 0.05}}},
		Velocity: [3]float64{1, 0}}
	p := Params{Dim: 2, Cells: 64, Length: 1, Gravity: []float64{0, -9.8}, Wall: wall,
		Material: Material{Kind: NeoHookean, E: 1e5, Nu: 0.3, Rho: 1000}, Scene: Scene{Bodies: []Body{block}}}
	p.Dt = p.MaxStableDt()
	s, st := newSampleSolver(t, p)
	p0 := s.Momentum(st)[0]
	lowest = math.Inf(1)
	for n := 0; float64(n)*p.Dt < 0.1; n++ {
		s.Step(st)
		for i := 0; i < st.Len(); i++ {
			lowest = math.Min(lowest, st.X[2*i+1])
		}
	}
	return s.Momentum(st)[0] / p0, lowest, wallTop
}

// TestWalls: on a slip floor a sliding block keeps its horizontal
// momentum to rounding (the floor only stops downward velocities); on a
// sticky floor it loses it; on both it stays above the wall layer (to
// within a particle spacing).
func TestWalls(t *testing.T) {
	slip, slipLow, top := slidingBlock(t, Slip)
	sticky, stickyLow, _ := slidingBlock(t, Sticky)
	t.Logf("horizontal momentum after 0.1 s: slip %.15f, sticky %.3f; lowest particle %.4f and %.4f above the wall layer's top %.4f",
		slip, sticky, slipLow, stickyLow, top)
	if math.Abs(slip-1) > 1e-12 {
		t.Errorf("slip floor changed the horizontal momentum by %.3g", slip-1)
	}
	if sticky > 0.8 {
		t.Errorf("sticky floor kept %.3f of the horizontal momentum", sticky)
	}
	spacing := 1.0 / 128
	if slipLow < top-spacing || stickyLow < top-spacing {
		t.Errorf("particles sank into the wall layer: lowest %.4f and %.4f, layer top %.4f", slipLow, stickyLow, top)
	}
}
