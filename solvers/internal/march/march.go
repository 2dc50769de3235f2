// Package march is the time loop the solvers share: from t = 0 through a
// list of output times with steps of at most dt, each interval split into
// equal steps so that every output time is hit exactly.
package march

import (
	"context"
	"fmt"
	"math"
)

// MaxSteps bounds the steps of one output interval: more is a time step
// too small for the span (days of computing), or one whose step count
// would overflow an int and silently become zero steps.
const MaxSteps = 1_000_000_000

// Steps returns the number of equal steps of at most dt that cover span:
// ceil(span/dt), with a tolerance for rounding so that a span that is a
// whole number of steps is not given one more. It refuses a non-finite
// or non-positive dt and a count above MaxSteps.
func Steps(span, dt float64) (int, error) {
	if !(dt > 0) || math.IsInf(dt, 0) {
		return 0, fmt.Errorf("time step must be positive and finite, got %v", dt)
	}
	if !(span >= 0) || math.IsInf(span, 0) {
		return 0, fmt.Errorf("time span must be finite and >= 0, got %v", span)
	}
	n := math.Ceil(span/dt - 1e-9)
	if !(n <= MaxSteps) {
		return 0, fmt.Errorf("time step %g over a span of %g needs %.3g steps, more than the %d allowed: increase dt", dt, span, n, MaxSteps)
	}
	return int(n), nil
}

// Run calls step(h) for every time step, then after(t, n, last) with the
// time reached, the step count and whether t is an output time; at each
// output time it calls output(). It stops at the first error, or when ctx
// is cancelled.
func Run(ctx context.Context, times []float64, dt float64, step func(h float64),
	after func(t float64, n int, last bool) error, output func() error) error {
	t, n := 0.0, 0
	for _, target := range times {
		if target < t || math.IsNaN(target) {
			return fmt.Errorf("output times must be non-decreasing and >= 0, got %v after %v", target, t)
		}
		span := target - t
		steps, err := Steps(span, dt)
		if err != nil {
			return err
		}
		for i := 0; i < steps; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			h := span / float64(steps)
			step(h)
			n++
			t += h
			if i == steps-1 {
				t = target // no drift from summing the steps
			}
			if err := after(t, n, i == steps-1); err != nil {
				return err
			}
		}
		if err := output(); err != nil {
			return err
		}
	}
	return nil
}
