package fno

import (
	"math"
	"slices"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

func TestSpectralInitIsScaledUniform(t *testing.T) {
	cases := []struct {
		name      string
		cin, cout int
		shape     []int
	}{
		{"1-D, 4 x 5 channels", 4, 5, []int{1, 4, 5, 600, 2}},
		{"2-D, 3 x 3 channels", 3, 3, []int{2, 3, 3, 20, 20, 2}},
		{"3-D, 1 x 2 channels", 1, 2, []int{4, 1, 2, 8, 8, 8, 2}},
	}
	for _, c := range cases {
		w := SpectralInit[float64](tensor.NewRNG(7), c.cin, c.cout, c.shape...)
		if !slices.Equal(w.Shape(), c.shape) {
			t.Fatalf("%s: shape %v, want %v", c.name, w.Shape(), c.shape)
		}
		scale := 1 / float64(c.cin*c.cout)
		var sum, sum2 float64
		for _, v := range w.Data() {
			if v < 0 || v >= scale {
				t.Fatalf("%s: entry %v outside [0, %v)", c.name, v, scale)
			}
			sum += v
			sum2 += v * v
		}
		n := float64(len(w.Data()))
		mean, variance := sum/n, sum2/n-(sum/n)*(sum/n)
		// U[0, s): mean s/2, variance s^2/12; over >= 2400 draws the
		// standard error of the mean is below 0.6% of s.
		if math.Abs(mean-scale/2) > 0.03*scale || math.Abs(variance-scale*scale/12) > 0.1*scale*scale/12 {
			t.Errorf("%s: mean %v variance %v, want %v and %v", c.name, mean, variance, scale/2, scale*scale/12)
		}
	}
}
