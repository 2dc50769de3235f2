package pinn

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Arch sizes the networks.
type Arch struct {
	Hidden int `json:"hidden"`  // neurons per hidden layer (50)
	DepthU int `json:"depth_u"` // tanh layers of the u network (5)
	DepthX int `json:"depth_x"` // tanh layers of the LPINN curve network (2)
	// SharedLayers makes the LPINN branches share their first two and
	// output layers, the u branch reusing its second hidden layer for the
	// deeper ones (the released code); false: two separate networks.
	SharedLayers bool `json:"shared_layers"`
	// HardCurveIC writes the LPINN curves as x_L = x0 + t N(x0, t), so
	// x_L(x0, 0) = x0 holds by construction instead of through the
	// initial-condition loss.
	HardCurveIC bool `json:"hard_curve_ic"`
}

// WithDefaults fills zero sizes with the paper's.
func (a Arch) WithDefaults() Arch {
	if a.Hidden == 0 {
		a.Hidden = 50
	}
	if a.DepthU == 0 {
		a.DepthU = 5
	}
	if a.DepthX == 0 {
		a.DepthX = 2
	}
	return a
}

// Validate checks the sizes.
func (a Arch) Validate() error {
	if a.Hidden < 1 || a.DepthU < 1 || a.DepthX < 1 {
		return fmt.Errorf("pinn: hidden, depth_u and depth_x must be at least 1, got %d, %d, %d", a.Hidden, a.DepthU, a.DepthX)
	}
	if a.SharedLayers && (a.DepthU < 2 || a.DepthX != 2) {
		return fmt.Errorf("pinn: shared_layers reproduces the released code: depth_u >= 2 and depth_x = 2, got %d and %d", a.DepthU, a.DepthX)
	}
	return nil
}

// branch is a tanh network on the periodic embedding (cos x, sin x, t):
// its layers in order, tanh after all but the last. A layer may appear
// more than once (weight reuse).
type branch struct {
	layers []*nn.Linear[float64]
}

func newBranch(r *tensor.RNG, hidden, depth int) *branch {
	b := &branch{layers: []*nn.Linear[float64]{nn.NewLinear[float64](r, 3, hidden, true)}}
	for i := 1; i < depth; i++ {
		b.layers = append(b.layers, nn.NewLinear[float64](r, hidden, hidden, true))
	}
	b.layers = append(b.layers, nn.NewLinear[float64](r, hidden, 1, true))
	return b
}

// forward evaluates the branch at points x, t ([P, 1] each).
func (b *branch) forward(x, t *autograd.Var[float64]) *autograd.Var[float64] {
	h := autograd.Concat(1, autograd.Cos(x), autograd.Sin(x), t)
	for i, l := range b.layers {
		h = l.Forward(h)
		if i+1 < len(b.layers) {
			h = autograd.Tanh(h)
		}
	}
	return h
}

// params names each distinct layer's weights once, prefixed.
func params(prefix string, branches ...*branch) []nn.Param[float64] {
	seen := map[*nn.Linear[float64]]bool{}
	var ps []nn.Param[float64]
	n := 0
	for _, b := range branches {
		for _, l := range b.layers {
			if seen[l] {
				continue
			}
			seen[l] = true
			ps = append(ps, nn.Prefixed(fmt.Sprintf("%s%d", prefix, n), l.Params())...)
			n++
		}
	}
	return ps
}

// column makes a [P, 1] leaf from values; with grad, derivatives with
// respect to it can be taken.
func column(v []float64, grad bool) *autograd.Var[float64] {
	t := tensor.FromSlice(append([]float64(nil), v...), len(v), 1)
	if grad {
		return autograd.Param(t)
	}
	return autograd.Const(t)
}

// l2 is the Euclidean norm ||v||_2 (a tiny floor keeps its gradient
// finite at v = 0).
func l2(v *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Sqrt(autograd.AddScalar(autograd.Sum(autograd.Square(v)), 1e-300))
}
