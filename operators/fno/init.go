package fno

import (
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// SpectralInit is the original FNO scripts' init of a complex spectral
// weight: scale * U[0, 1) on both the real and the imaginary parts, with
// scale = 1/(Cin Cout), so every entry has mean 1/(2 Cin Cout) and
// variance 1/(12 (Cin Cout)^2). shape is the interleaved weight shape
// [..., 2].
func SpectralInit[T tensor.Float](r *tensor.RNG, cin, cout int, shape ...int) *tensor.Tensor[T] {
	return nn.Uniform[T](r, 0, 1/float64(cin*cout), shape...)
}
