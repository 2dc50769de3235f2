package mpm_test

import (
	"context"
	"fmt"

	"github.com/surrogo/surrogo/solvers/mpm"
)

// A random 2-D scene of sand bodies falling in a unit box: sample 0 of
// seed 1, 5 frames 20 steps apart.
func ExampleSimulate() {
	p := mpm.Params{
		Dim: 2, Cells: 32, Length: 1, Gravity: []float64{0, -9.8},
		Material: mpm.Material{Kind: mpm.Sand, E: 1e5, Nu: 0.3, Rho: 1000, FrictionAngle: 30},
		Scene:    mpm.Scene{MinBodies: 1, MaxBodies: 3, MaxLinearSpeed: 1, MaxAngularSpeed: 3, Jitter: 0.5},
	}
	p.Dt = p.MaxStableDt()
	st, err := p.Sample(1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	frames, err := mpm.Simulate(context.Background(), p, st, 5, 20)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d frames of %d particles (%d values each), dt %.3g\n", len(frames), st.Len(), len(frames[0]), p.Dt)
	height := func(frame []float32) float32 {
		h := float32(0)
		for i := 1; i < len(frame); i += 2 {
			h += frame[i] / float32(len(frame)/2)
		}
		return h
	}
	fmt.Printf("mean height %.3f -> %.3f\n", height(frames[0]), height(frames[4]))
	// Output:
	// 5 frames of 171 particles (342 values each), dt 0.000855
	// mean height 0.384 -> 0.344
}
