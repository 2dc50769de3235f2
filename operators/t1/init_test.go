package t1

import (
	"math"
	"testing"
)

func TestInitStdFollowsKairos(t *testing.T) {
	cases := []struct {
		name   string
		scheme InitScheme
		gain   float64
		want   float64
	}{
		// fan_in 48, fan_out 40, N = 64 x 64 points, m = 24 x 24 kept modes.
		{"naive", InitNaive, 1, 1.0 / (48 * 40)},
		{"vp dct", InitVP, 1, math.Sqrt(4096.0 / (48 * 576))},
		{"vp dft", InitVP, 0.5, 0.5 * math.Sqrt(4096.0/(48*576))},
		{"tiny", InitTiny, 1, 1e-8},
		{"kaiming", InitKaiming, 1, math.Sqrt(1.0 / 48)},
	}
	for _, c := range cases {
		got, err := InitStd(c.scheme, 48, 40, 64*64, 24*24, c.gain)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(got-c.want) > 1e-15*c.want {
			t.Errorf("%s: std %v, want %v", c.name, got, c.want)
		}
	}
	for _, scheme := range []InitScheme{0, 5, 9, -1} {
		if _, err := InitStd(scheme, 1, 1, 1, 1, 1); err == nil {
			t.Errorf("unknown scheme %d accepted", scheme)
		}
	}
}
