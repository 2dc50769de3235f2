package autograd

import (
	"fmt"
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

// BenchmarkNormalize is one normalisation forward + backward in float32 at
// the FactFormer step's sizes (batch 4, 64 x 64 grid), fused against the
// 8 composed ops it replaces.
func BenchmarkNormalize(b *testing.B) {
	cases := []struct {
		name     string
		shape    []int
		axes     []int
		unbiased bool
	}{
		{"layer-[4,4096,64]-last", []int{4, 4096, 64}, []int{2}, false},
		{"instance-[16,4096,32]-grid", []int{16, 4096, 32}, []int{1}, false},
		{"group-[4,4,131072]-unbiased", []int{4, 4, 131072}, []int{2}, true},
		{"group-[4,4096,16,8]-axes13", []int{4, 4096, 16, 8}, []int{1, 3}, false},
	}
	for _, c := range cases {
		r := tensor.NewRNG(1)
		x := Param(tensor.RandN[float32](r, c.shape...))
		proj := Const(tensor.RandN[float32](r, c.shape...))
		for _, fused := range []bool{true, false} {
			norm, name := Normalize[float32], "fused"
			if !fused {
				norm, name = composedNormalize[float32], "composed"
			}
			b.Run(c.name+"/"+name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					y := norm(x, c.axes, 1e-5, c.unbiased)
					if _, err := Grad([]*Var[float32]{y}, []*Var[float32]{x}, []*Var[float32]{proj}, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLayerNorm is an affine LayerNorm forward + backward (x, weight
// and bias) in float32 at the FactFormer step's sizes: the fused op
// against Normalize + Mul + Add and against the composed ops.
func BenchmarkLayerNorm(b *testing.B) {
	ways := []struct {
		name string
		norm func(x, w, b *Var[float32], eps float64) *Var[float32]
	}{
		{"fused", LayerNorm[float32]},
		{"normalize+affine", func(x, w, b *Var[float32], eps float64) *Var[float32] {
			return Add(Mul(Normalize(x, []int{-1}, eps, false), w), b)
		}},
		{"composed", composedLayerNorm[float32]},
	}
	for _, cols := range []int{64, 128} {
		r := tensor.NewRNG(1)
		x := Param(tensor.RandN[float32](r, 4, 4096, cols))
		w, bias := Param(tensor.RandN[float32](r, cols)), Param(tensor.RandN[float32](r, cols))
		proj := Const(tensor.RandN[float32](r, 4, 4096, cols))
		for _, way := range ways {
			b.Run(fmt.Sprintf("[4,4096,%d]/%s", cols, way.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					y := way.norm(x, w, bias, 1e-5)
					if _, err := Grad([]*Var[float32]{y}, []*Var[float32]{x, w, bias}, []*Var[float32]{proj}, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
