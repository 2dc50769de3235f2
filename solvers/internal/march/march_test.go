package march

import (
	"context"
	"math"
	"testing"
)

func TestRunHitsOutputTimes(t *testing.T) {
	var steps []float64
	var outs []float64
	now := 0.0
	err := Run(context.Background(), []float64{0, 0.25, 1}, 0.1,
		func(h float64) { steps = append(steps, h) },
		func(tt float64, n int, last bool) error { now = tt; return nil },
		func() error { outs = append(outs, now); return nil })
	if err != nil {
		t.Fatal(err)
	}
	// 0 -> 0.25 in 3 steps of 1/12, 0.25 -> 1 in 8 steps of 0.09375.
	if len(steps) != 11 || math.Abs(steps[0]-0.25/3) > 1e-15 || math.Abs(steps[3]-0.09375) > 1e-15 {
		t.Fatalf("steps %v", steps)
	}
	if len(outs) != 3 || outs[1] != 0.25 || outs[2] != 1 {
		t.Fatalf("outputs at %v", outs)
	}
	if err := Run(context.Background(), []float64{1, 0.5}, 0.1, func(float64) {},
		func(float64, int, bool) error { return nil }, func() error { return nil }); err == nil {
		t.Fatal("decreasing times accepted")
	}
}
