package nn

import (
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
