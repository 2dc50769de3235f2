package t1

import (
	"fmt"
	"math"
)

// InitScheme selects the standard deviation of T1's N(0, std^2) spectral
// weights (kairos src/utils/init_fn.py, weight_init codes 1-4); it is
// Config.Init.
type InitScheme int

// T1's initialisation schemes, numbered as kairos's weight_init.
const (
	InitNaive   InitScheme = 1 // std = 1 / (fan_in fan_out), FNO-like
	InitVP      InitScheme = 2 // std = gain sqrt(N / (fan_in m)), variance preserving
	InitTiny    InitScheme = 3 // std = 1e-8
	InitKaiming InitScheme = 4 // std = sqrt(1 / fan_in)
)

// InitStd returns the standard deviation of T1's N(0, std^2) init for the
// given scheme: fanIn and fanOut channels, n = N_1 ... N_d grid points,
// m = m_1 ... m_d kept modes, gain 1 for the DCT and 1/2 for the DFT
// (whose real and imaginary parts are drawn separately).
func InitStd(scheme InitScheme, fanIn, fanOut, n, m int, gain float64) (float64, error) {
	switch scheme {
	case InitNaive:
		return 1 / float64(fanIn*fanOut), nil
	case InitVP:
		return gain * math.Sqrt(float64(n)/float64(fanIn*m)), nil
	case InitTiny:
		return 1e-8, nil
	case InitKaiming:
		return math.Sqrt(1 / float64(fanIn)), nil
	}
	return 0, fmt.Errorf("t1: unknown init scheme %d (expected 1 naive, 2 vp, 3 tiny, 4 kaiming)", int(scheme))
}
