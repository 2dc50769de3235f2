package fno

import (
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// benchStep times one Adam step (forward, relative L2 loss, backward,
// update) of an FNO-2D on a batch of random fields.
func benchStep(b *testing.B, batch, s int, pad float64) {
	r := tensor.NewRNG(1)
	m, err := New[float32](Config{Dim: 2, InChannels: 1, Width: 32, Modes: []int{12, 12}, PadFraction: pad}, r)
	if err != nil {
		b.Fatal(err)
	}
	x := autograd.Const(tensor.RandN[float32](r, batch, s, s, 1))
	y := autograd.Const(tensor.RandN[float32](r, batch, s, s, 1))
	opt := nn.NewAdam[float32](1e-3, 0)
	params := m.Params()
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
		opt.Step(params)
	}
}

// BenchmarkStep2D64 is the performance issue's FNO-2D shape: batch 8,
// 64 x 64, width 32, 12 x 12 modes, 4 layers.
func BenchmarkStep2D64(b *testing.B) { benchStep(b, 8, 64, 0) }

// BenchmarkStepDarcy85 is one step of the Darcy run: batch 20, 85 x 85
// padded by 9 points per axis.
func BenchmarkStepDarcy85(b *testing.B) { benchStep(b, 20, 85, 0.106) }
