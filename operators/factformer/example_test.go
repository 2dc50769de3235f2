package factformer_test

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/operators/factformer"
	"github.com/surrogo/surrogo/tensor"
)

// A small FactFormer for 2-D vorticity: 4 input frames of one field in,
// up to 2 future frames per call by latent time marching.
func Example() {
	cfg := factformer.Config{Dim: 32, Depth: 2, Heads: 4, DimHead: 8, InFrames: 4, MaxLatentSteps: 2}
	m, err := factformer.New[float32](cfg, tensor.NewRNG(0))
	if err != nil {
		panic(err)
	}
	x := autograd.Const(tensor.New[float32](3, 16, 16, 4)) // [batch, x, y, frames]
	var one, two *autograd.Var[float32]
	autograd.NoGrad(func() {
		one, _ = m.ForwardSteps(x, 1)
		two, err = m.Forward(x) // max_latent_steps frames, frame-major channels
	})
	fmt.Println(one.Shape(), two.Shape(), err)
	fmt.Println(cfg.ParamCount(), "trainable parameters")
	// Output:
	// [3 16 16 1] [3 16 16 2] <nil>
	// 51409 trainable parameters
}

// IFactFormer-m as configs/IFactFormer.yml: one weight-shared block
// iterated 10 times on a 3-D channel-flow grid, one frame per call.
func Example_iFactFormer() {
	cfg := factformer.Config{Variant: factformer.VariantIFactParall}.WithDefaults()
	fmt.Println(cfg.Dim, cfg.Heads, cfg.DimHead, cfg.KernelMultiplier, cfg.Layers)
	fmt.Println(cfg.ParamCount()+cfg.FrozenCount(), "parameters, as upstream counts them")
	// Output:
	// 96 5 96 3 10
	// 1.163331e+06 parameters, as upstream counts them
}
