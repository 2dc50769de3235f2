package giorom

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// BenchmarkLossBackward600 times one Loss + backward on a window of 600
// particles (default 2-D model with Latent 64) at three sampling ratios,
// with the sparse graph radius 0.06/sqrt(sampling), so that each sparse
// particle keeps about the same number of neighbours; "recon" adds the
// reconstruction term (default 64^2 grid, 8 jittered lookups).
func BenchmarkLossBackward600(b *testing.B) {
	const n = 600
	r := tensor.NewRNG(40)
	window := randomWindow(r, 7, n, 2, 0.003)
	for _, recon := range []bool{false, true} {
		for _, s := range []float64{0.25, 0.1, 0.05} {
			b.Run(fmt.Sprintf("sampling=%v/recon=%v", s, recon), func(b *testing.B) {
				cfg := Config{Dim: 2, Radius: 0.06 / math.Sqrt(s), Latent: 64, Sampling: s, NoiseStd: 3e-4, Recon: recon,
					BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}, Stats: unitStats(2)}
				m, err := New[float32](cfg, tensor.NewRNG(41))
				if err != nil {
					b.Fatal(err)
				}
				ps := m.Params()
				rr := tensor.NewRNG(42)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					nn.ZeroGrad(ps)
					l, err := m.Loss(window, n, rr)
					if err != nil {
						b.Fatal(err)
					}
					if err := autograd.Backward(l); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
