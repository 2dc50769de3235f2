package nn

import (
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// BenchmarkMLPStep is one Adam step of a 2-50-50-50-50-1 tanh MLP on the
// 25,600 points of a 256 x 100 grid, mean-square loss, float64.
func BenchmarkMLPStep(b *testing.B) {
	r := tensor.NewRNG(1)
	m, _ := NewMLP[float64](r, []int{2, 50, 50, 50, 50, 1}, Tanh)
	x := autograd.Const(tensor.RandU[float64](r, -1, 1, 25600, 2))
	y := autograd.Const(tensor.RandN[float64](r, 25600, 1))
	opt := NewAdam[float64](1e-3, 0)
	params := m.Params()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ZeroGrad(params)
		if err := autograd.Backward(MSE(m.Forward(x), y)); err != nil {
			b.Fatal(err)
		}
		opt.Step(params)
	}
}

// BenchmarkPINNStep adds u_x, u_t and u_xx (viscous Burgers residual) to
// the MLP step: the PINN workload of the performance issue.
func BenchmarkPINNStep(b *testing.B) {
	r := tensor.NewRNG(1)
	m, _ := NewMLP[float64](r, []int{2, 50, 50, 50, 50, 1}, Tanh)
	pts := tensor.RandU[float64](r, -1, 1, 25600, 2)
	opt := NewAdam[float64](1e-3, 0)
	params := m.Params()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ZeroGrad(params)
		x := autograd.Param(pts)
		u := m.Forward(x)
		du, _ := autograd.Grad([]*autograd.Var[float64]{u}, []*autograd.Var[float64]{x}, nil, true)
		ux, ut := autograd.Slice(du[0], 1, 0, 1), autograd.Slice(du[0], 1, 1, 2)
		d2, _ := autograd.Grad([]*autograd.Var[float64]{ux}, []*autograd.Var[float64]{x}, nil, true)
		uxx := autograd.Slice(d2[0], 1, 0, 1)
		res := autograd.Sub(autograd.Add(ut, autograd.Mul(u, ux)), autograd.Scale(uxx, 0.01))
		if err := autograd.Backward(autograd.Mean(autograd.Square(res))); err != nil {
			b.Fatal(err)
		}
		opt.Step(params)
	}
}
