package autograd

import (
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// BenchmarkSpectralConv2D is one FNO-2D Fourier layer forward + backward:
// batch 8, width 32, 64 x 64, 12 x 12 modes per corner, float32.
func BenchmarkSpectralConv2D(b *testing.B) {
	r := tensor.NewRNG(1)
	x := Param(tensor.RandN[float32](r, 8, 32, 64, 64))
	w := Param(tensor.Scale(tensor.RandN[float32](r, 2, 32, 32, 12, 12, 2), 1e-3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		y := SpectralConv(x, w, []int{12, 12})
		if _, err := Grad([]*Var[float32]{Sum(y)}, []*Var[float32]{x, w}, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpectralConv1D is one FNO-1D Fourier layer forward + backward:
// batch 20, width 64, 1024 points, 16 modes (the Burgers setting).
func BenchmarkSpectralConv1D(b *testing.B) {
	r := tensor.NewRNG(1)
	x := Param(tensor.RandN[float32](r, 20, 64, 1024))
	w := Param(tensor.Scale(tensor.RandN[float32](r, 1, 64, 64, 16, 2), 1e-3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		y := SpectralConv(x, w, []int{16})
		if _, err := Grad([]*Var[float32]{Sum(y)}, []*Var[float32]{x, w}, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}
