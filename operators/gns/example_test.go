package gns_test

import (
	"context"
	"fmt"

	"github.com/surrogo/surrogo/operators/gns"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// A small 2-D GNS: statistics pooled from a (here, one) trajectory, one
// training loss and a short rollout.
func Example() {
	const frames, n = 8, 3
	traj := make([]float32, 0, frames*n*2)
	for f := 0; f < frames; f++ {
		for i := 0; i < n; i++ {
			traj = append(traj, 0.4+0.05*float32(i)+0.01*float32(f), 0.5-0.0005*float32(f*f))
		}
	}
	acc := lagrangian.NewAccumulator(2)
	if err := acc.Add(traj, frames, n); err != nil {
		panic(err)
	}
	stats, _ := acc.Stats()
	cfg := gns.Config{Dim: 2, History: 2, Radius: 0.08, Latent: 16, MessagePassing: 2, NoiseStd: 1e-4,
		BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}, Stats: stats}
	m, err := gns.New[float32](cfg, tensor.NewRNG(0))
	if err != nil {
		panic(err)
	}
	loss, err := m.Loss(traj[:4*n*2], n, tensor.NewRNG(1)) // C+2 = 4 frames
	fmt.Println(loss.Shape(), err)
	out, err := m.Rollout(context.Background(), traj[:3*n*2], n, 5) // C+1 = 3 frames in
	fmt.Println(len(out), err)
	fmt.Println(cfg.ParamCount(), "parameters")
	// Output:
	// [] <nil>
	// 30 <nil>
	// 6866 parameters
}
