package pinn

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// TestLPINNStepMatchesTorch loads PyTorch's weights into an LPINN, and
// compares the loss, every gradient and one Adam (AMSGrad) step with
// scripts/torch_reference.py's (group lpinn_step).
func TestLPINNStepMatchesTorch(t *testing.T) {
	g := golden.Open(t)
	m, err := NewLPINN(PDE{Kind: Convection, Beta: 2, Nu: 0.05, T: 1}, Arch{Hidden: 6, DepthU: 3, DepthX: 2}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var vars []*autograd.Var[float64]
	for _, br := range []struct {
		name string
		b    *branch
	}{{"u", m.u}, {"x", m.d}} {
		for i, l := range br.b.layers {
			for k, v := range map[string]*autograd.Var[float64]{"w": l.W, "b": l.B} {
				key := fmt.Sprintf("%s%d_%s", br.name, i, k)
				w := golden.Load[float64](g, "lpinn_step/"+key)
				if w.Len() != v.Value.Len() {
					t.Fatalf("%s: %d values, reference %d", key, v.Value.Len(), w.Len())
				}
				copy(v.Value.Data(), w.Data())
				names, vars = append(names, key), append(vars, v)
			}
		}
	}
	col := func(name string) []float64 { return golden.Load[float64](g, "lpinn_step/"+name).Data() }
	loss, err := m.Loss(Points{X: col("x"), T: col("t")}, IC{X: col("x0"), U: col("u0")}, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	golden.Agree(t, "loss", loss.Value, golden.Load[float64](g, "lpinn_step/loss"), 1e-12)
	params := m.Params()
	nn.ZeroGrad(params)
	if err := autograd.Backward(loss); err != nil {
		t.Fatal(err)
	}
	for i, v := range vars {
		golden.Agree(t, "grad "+names[i], v.Grad, golden.Load[float64](g, "lpinn_step/grad_"+names[i]), 1e-10)
	}
	opt := nn.NewAdam[float64](0.01, 0)
	opt.AMSGrad = true
	if err := opt.Step(params); err != nil {
		t.Fatal(err)
	}
	for i, v := range vars {
		golden.Agree(t, "step "+names[i], v.Value, golden.Load[float64](g, "lpinn_step/step_"+names[i]), 1e-8)
	}
}
