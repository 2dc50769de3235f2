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

func TestStepsRefusesOverflowAndDegenerateSteps(t *testing.T) {
	cases := []struct {
		name      string
		span, dt  float64
		want      int
		wantError bool
	}{
		{"whole number of steps", 1, 0.25, 4, false},
		{"rounding does not add a step", 0.3, 0.1, 3, false},
		{"partial step rounds up", 1, 0.3, 4, false},
		{"empty span", 0, 0.1, 0, false},
		{"count at the limit", 1, 1.0 / MaxSteps, MaxSteps, false},
		{"count overflows int (would be zero steps)", 1, 1e-300, 0, true},
		{"count beyond the limit", 1, 1e-19, 0, true},
		{"zero dt", 1, 0, 0, true},
		{"negative dt", 1, -0.1, 0, true},
		{"nan dt", 1, math.NaN(), 0, true},
		{"inf dt", 1, math.Inf(1), 0, true},
		{"inf span", math.Inf(1), 0.1, 0, true},
		{"nan span", math.NaN(), 0.1, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := Steps(c.span, c.dt)
			if (err != nil) != c.wantError {
				t.Fatalf("Steps(%v, %v) = %d, %v; want error %v", c.span, c.dt, n, err, c.wantError)
			}
			if err == nil && n != c.want {
				t.Fatalf("Steps(%v, %v) = %d, want %d", c.span, c.dt, n, c.want)
			}
		})
	}
	// The time loop stops with the error instead of storing u(t_end) = u(0).
	calls := 0
	err := Run(context.Background(), []float64{0, 1}, 1e-300, func(float64) { calls++ },
		func(float64, int, bool) error { return nil }, func() error { return nil })
	if err == nil || calls != 0 {
		t.Fatalf("Run with dt = 1e-300: err %v after %d steps, want an error before any step", err, calls)
	}
}
