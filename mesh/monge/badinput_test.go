package monge

import (
	"context"
	"testing"
)

// TestBadInputErrors checks the errors of the classical mover for the
// bad inputs of a mesh mover: a monitor that is not positive names the
// node (grid) or the point (function), a field whose size does not match
// its grid names both counts. (Move takes no input mesh: it moves its own
// uniform n x n mesh, so a tangled input cannot reach it.)
func TestBadInputErrors(t *testing.T) {
	ones := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	negative, zero := ones(48*48), ones(48*48)
	negative[17], zero[100] = -0.5, 0
	// Negative where x > 0.6: on the 5 x 5 grid the first such node is
	// i = 3, j = 0, point 15 at (0.75, 0).
	halfNegative := func(x, y float64) float64 {
		if x > 0.6 {
			return -0.5
		}
		return 1
	}
	tests := []struct {
		name string
		run  func() error
		want []string
	}{
		{"grid monitor -0.5", func() error { _, err := GridMonitor(negative, 48); return err },
			[]string{"GridMonitor: node 17 (i=0, j=17)", "= -0.5", "want finite and > 0"}},
		{"grid monitor 0", func() error { _, err := GridMonitor(zero, 48); return err },
			[]string{"node 100 (i=2, j=4)", "m(0.04255", "= 0;"}},
		{"function monitor in Move", func() error {
			_, err := Move(context.Background(), 5, mustFunc(t, halfNegative), Options{})
			return err
		}, []string{"Move", "point 15", "m(0.75, 0) = -0.5", "want finite and > 0"}},
		{"function monitor in At", func() error {
			_, err := mustFunc(t, halfNegative).At([]float64{0.1, 0.1, 0.9, 0.2})
			return err
		}, []string{"point 1", "m(0.9, 0.2) = -0.5"}},
		{"gradient monitor field size", func() error { _, err := GradientMonitor(ones(2300), 48, UpstreamBeta); return err },
			[]string{"GradientMonitor", "2300 field values", "want n*n = 2304 for a 48 x 48 grid"}},
		{"grid monitor size", func() error { _, err := GridMonitor(ones(2300), 48); return err },
			[]string{"GridMonitor", "2300 values", "want n*n = 2304 for a 48 x 48 grid"}},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.run(), tc.want...)
	}
}
