package mmpde

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// BenchmarkTrainStep is one loss and backward pass over a batch of 4
// pairs on n x n meshes at the D4 study's width (32).
func BenchmarkTrainStep(b *testing.B) {
	for _, n := range []int{24} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			cfg := Config{MeshNodes: n, Latent: 32, Stats: Stats{Std: 1, IncStd: 0.05}}
			m, err := New[float32](cfg, tensor.NewRNG(1))
			if err != nil {
				b.Fatal(err)
			}
			r := tensor.NewRNG(2)
			var batch []*Sample
			for range 4 {
				msh := warpedMesh(n, 0.3)
				md := randomModes(r)
				s, err := m.NewSample(msh, analytic(msh.Nodes, md), heatStep(msh.Nodes, md, 1e-3))
				if err != nil {
					b.Fatal(err)
				}
				batch = append(batch, s)
			}
			params := m.Params()
			for b.Loop() {
				nn.ZeroGrad(params)
				l, err := m.Loss(batch, nil)
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
