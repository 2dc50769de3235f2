package nn

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// Initialisers fill a fresh tensor from an explicit seeded generator; fan
// in and fan out follow PyTorch (for a [out, in, ...] weight: fan_in =
// in * receptive field, fan_out = out * receptive field).

// Fans returns (fan_in, fan_out) of a weight shaped [out, in, k...].
func Fans(shape []int) (fanIn, fanOut int) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return shape[0], shape[0]
	}
	rf := 1
	for _, s := range shape[2:] {
		rf *= s
	}
	return shape[1] * rf, shape[0] * rf
}

// Uniform returns U[lo, hi) draws.
func Uniform[T tensor.Float](r *tensor.RNG, lo, hi float64, shape ...int) *tensor.Tensor[T] {
	return tensor.RandU[T](r, lo, hi, shape...)
}

// Normal returns N(mean, std^2) draws.
func Normal[T tensor.Float](r *tensor.RNG, mean, std float64, shape ...int) *tensor.Tensor[T] {
	t := tensor.New[T](shape...)
	d := t.Data()
	for i := range d {
		d[i] = T(mean + std*r.Normal())
	}
	return t
}

// XavierUniform is Glorot's U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)).
func XavierUniform[T tensor.Float](r *tensor.RNG, gain float64, shape ...int) *tensor.Tensor[T] {
	fi, fo := Fans(shape)
	a := gain * math.Sqrt(6/float64(fi+fo))
	return Uniform[T](r, -a, a, shape...)
}

// XavierNormal is Glorot's N(0, gain^2 2 / (fan_in + fan_out)).
func XavierNormal[T tensor.Float](r *tensor.RNG, gain float64, shape ...int) *tensor.Tensor[T] {
	fi, fo := Fans(shape)
	return Normal[T](r, 0, gain*math.Sqrt(2/float64(fi+fo)), shape...)
}

// KaimingUniform is He's U(-b, b), b = gain sqrt(3 / fan), with gain
// sqrt(2 / (1 + a^2)) for leaky ReLU slope a and fan = fan_in (fanOut
// false) or fan_out.
func KaimingUniform[T tensor.Float](r *tensor.RNG, a float64, fanOut bool, shape ...int) *tensor.Tensor[T] {
	fi, fo := Fans(shape)
	fan := fi
	if fanOut {
		fan = fo
	}
	b := math.Sqrt(2/(1+a*a)) * math.Sqrt(3/float64(fan))
	return Uniform[T](r, -b, b, shape...)
}

// KaimingNormal is He's N(0, gain^2 / fan).
func KaimingNormal[T tensor.Float](r *tensor.RNG, a float64, fanOut bool, shape ...int) *tensor.Tensor[T] {
	fi, fo := Fans(shape)
	fan := fi
	if fanOut {
		fan = fo
	}
	return Normal[T](r, 0, math.Sqrt(2/(1+a*a))/math.Sqrt(float64(fan)), shape...)
}

// FNOSpectralInit is the original FNO scripts' complex weight init:
// scale * U[0, 1) on both real and imaginary parts, scale = 1/(Cin Cout).
// shape is the interleaved weight shape [..., 2].
func FNOSpectralInit[T tensor.Float](r *tensor.RNG, cin, cout int, shape ...int) *tensor.Tensor[T] {
	return Uniform[T](r, 0, 1/float64(cin*cout), shape...)
}

// T1Init selects a standard deviation for T1's spectral weights
// (kairos src/utils/init_fn.py, weight_init codes 1-4).
type T1Init int

// T1 initialisation schemes.
const (
	T1InitNaive   T1Init = 1 // 1 / (fan_in fan_out), FNO-like
	T1InitVP      T1Init = 2 // gain sqrt(N / (fan_in m)), variance preserving
	T1InitTiny    T1Init = 3 // 1e-8
	T1InitKaiming T1Init = 4 // sqrt(1 / fan_in)
)

// T1InitStd returns the standard deviation of T1's N(0, std^2) init for
// the given scheme: fanIn, fanOut channels, signal length n (N1 N2), kept
// modes m (m1 m2), gain 1 for DCT and 1/2 for DFT.
func T1InitStd(scheme T1Init, fanIn, fanOut, n, m int, gain float64) (float64, error) {
	switch scheme {
	case T1InitNaive:
		return 1 / float64(fanIn*fanOut), nil
	case T1InitVP:
		return gain * math.Sqrt(float64(n)/float64(fanIn*m)), nil
	case T1InitTiny:
		return 1e-8, nil
	case T1InitKaiming:
		return math.Sqrt(1 / float64(fanIn)), nil
	}
	return 0, fmt.Errorf("nn: unknown T1 init scheme %d (expected 1 naive, 2 vp, 3 tiny, 4 kaiming)", int(scheme))
}
