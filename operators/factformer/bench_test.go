package factformer

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// The shapes of docs/PERFORMANCE.md's FactFormer section; bench/workloads
// times the same ones one process per size, side by side with PyTorch.

// BenchmarkBlockForward times the forward pass (no tape) of one 2-D
// block at dim 64, 4 heads of 32 channels, kernel multiplier 2, batch 4:
// FactFormer's (chained integrals, GroupNorm) and IFactFormer-m's
// (parallel, instance norm), on s x s grids.
func BenchmarkBlockForward(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name, norm := "chained", NormGroup
		if parallel {
			name, norm = "parallel", NormInstance
		}
		for _, s := range []int{32, 64, 128} {
			b.Run(fmt.Sprintf("%s/%d", name, s), func(b *testing.B) {
				r := tensor.NewRNG(1)
				blk, err := NewBlock[float32](BlockConfig{Axes: 2, Dim: 64, DimHead: 32, Heads: 4, Latent: 64,
					KernelMultiplier: 2, DimOut: 64, Parallel: parallel, OutNorm: norm}, r)
				if err != nil {
					b.Fatal(err)
				}
				pos := Config{}.Coords([]int{s, s})
				x := autograd.Const(tensor.RandN[float32](r, 4, s, s, 64))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					autograd.NoGrad(func() { _, err = blk.Forward(x, pos) })
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchStep times one training step as bench/workloads' factformer-step-64
// and ifactformer-m-step-64: forward, relative L2 over the predicted
// frames, backward, gradient clipping to norm 1, AdamW (lr 1e-3, weight
// decay 1e-4), batch 4 on a 64 x 64 grid of 4 input frames.
func benchStep(b *testing.B, cfg Config) {
	r := tensor.NewRNG(1)
	m, err := New[float32](cfg, r)
	if err != nil {
		b.Fatal(err)
	}
	x := autograd.Const(tensor.RandN[float32](r, 4, 64, 64, m.Cfg.InFields*m.Cfg.InFrames))
	y := autograd.Const(tensor.RandN[float32](r, 4, 64, 64, m.Cfg.OutFields*m.Cfg.Steps()))
	params := m.Params()
	opt := nn.NewAdamW[float32](1e-3, 1e-4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nn.ZeroGrad(params)
		out, err := m.Forward(x)
		if err != nil {
			b.Fatal(err)
		}
		if err := autograd.Backward(nn.RelL2(out, y)); err != nil {
			b.Fatal(err)
		}
		nn.ClipGradNorm(params, 1)
		if err := opt.Step(params); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepFactFormer64 is the small Kolmogorov-flow FactFormer-2D:
// dim 64, depth 3, heads 4, dim_head 32, kernel multiplier 2, latent
// multiplier 2, 2 latent steps.
func BenchmarkStepFactFormer64(b *testing.B) {
	benchStep(b, Config{Variant: VariantFactFormer, SpatialDim: 2, InFields: 1, InFrames: 4, OutFields: 1, Dim: 64,
		Depth: 3, Heads: 4, DimHead: 32, KernelMultiplier: 2, LatentMultiplier: 2, MaxLatentSteps: 2})
}

// BenchmarkStepIFactFormerM64 is IFactFormer-m in 2-D at the same width:
// one weight-shared parallel block iterated 10 times, linear embedding.
func BenchmarkStepIFactFormerM64(b *testing.B) {
	benchStep(b, Config{Variant: VariantIFactParall, SpatialDim: 2, InFields: 1, InFrames: 4, OutFields: 1,
		Embed: EmbedLinear, Dim: 64, Depth: 1, Layers: 10, Heads: 4, DimHead: 32, KernelMultiplier: 2})
}
