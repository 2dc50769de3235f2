package gns

import (
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// One training step (loss, backward, Adam) on a 1536-particle 2-D window
// (a jittered 48 x 32 lattice of spacing 0.015, radius 0.035: about 17
// edges per particle with self-loops), latent 64, 4 message-passing
// steps, float32.
func BenchmarkTrainStep1536(b *testing.B) {
	const nx, ny, c = 48, 32, 5
	n := nx * ny
	r := tensor.NewRNG(1)
	pos := make([]float32, (c+2)*n*2)
	for i := 0; i < n; i++ {
		x0 := 0.1 + 0.015*float64(i%nx) + 0.002*r.Normal()
		y0 := 0.1 + 0.015*float64(i/nx) + 0.002*r.Normal()
		vx, vy := 0.001*r.Normal(), 0.001*r.Normal()
		for f := 0; f <= c+1; f++ {
			pos[(f*n+i)*2] = float32(x0 + float64(f)*vx)
			pos[(f*n+i)*2+1] = float32(y0 + float64(f)*vy - 0.0001*float64(f*f))
		}
	}
	cfg := Config{Dim: 2, History: c, Radius: 0.035, Latent: 64, MessagePassing: 4, NoiseStd: 3e-4,
		BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}, Stats: testStats(2)}
	m, err := New[float32](cfg, tensor.NewRNG(2))
	if err != nil {
		b.Fatal(err)
	}
	params := m.Params()
	opt := nn.NewAdam[float32](1e-4, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := m.Loss(pos, n, r)
		if err != nil {
			b.Fatal(err)
		}
		nn.ZeroGrad(params)
		if err := autograd.Backward(l); err != nil {
			b.Fatal(err)
		}
		if err := opt.Step(params); err != nil {
			b.Fatal(err)
		}
	}
}
