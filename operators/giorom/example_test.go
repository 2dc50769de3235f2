package giorom_test

import (
	"context"
	"fmt"

	"github.com/surrogo/surrogo/operators/giorom"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// A small 2-D GIOROM: one training loss on a window of 200 particles of
// which a quarter are drawn, a rollout of a sparse subset, and the dense
// reconstruction of all particles from it.
func Example() {
	one := []float64{1, 1}
	stats := lagrangian.Stats{VelMean: []float64{0, 0}, VelStd: one, AccMean: []float64{0, 0}, AccStd: one}
	cfg := giorom.Config{Dim: 2, History: 2, Radius: 0.15, Latent: 16, GridNodes: 8, KernelHidden: 16,
		AttentionWidth: 16, Sampling: 0.25, BoxLo: []float64{0, 0}, BoxHi: one, Stats: stats,
		Recon: true, ReconGrid: 16}
	m, err := giorom.New[float32](cfg, tensor.NewRNG(0))
	if err != nil {
		panic(err)
	}
	r := tensor.NewRNG(1)
	const n = 200
	window := make([]float32, 4*n*2) // [C+2 frames, n, 2]: particles at rest
	for i := 0; i < n*2; i++ {
		x := float32(0.2 + 0.6*r.Float64())
		for f := 0; f < 4; f++ {
			window[f*n*2+i] = x
		}
	}
	loss, err := m.Loss(window, n, r)
	fmt.Println(loss.Shape(), err)

	idx := m.SampleIndices(n, r) // the tracked sparse particles
	hist := make([]float32, 0, 3*len(idx)*2)
	for f := 0; f < 3; f++ {
		for _, i := range idx {
			hist = append(hist, window[(f*n+i)*2:(f*n+i+1)*2]...)
		}
	}
	traj, err := m.Rollout(context.Background(), hist, len(idx), 4)
	fmt.Println(len(idx), len(traj), err)
	dense, err := m.Reconstruct(window[:n*2], n, idx, traj[3*len(idx)*2:])
	fmt.Println(len(dense), err)
	fmt.Println(cfg.ParamCount(), "parameters")
	// Output:
	// [] <nil>
	// 50 400 <nil>
	// 400 <nil>
	// 22772 parameters
}
