package dmm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// smallConfigs are the networks the derivative tests run on.
func smallConfigs() map[string]Config {
	conv := Upstream().Scaled(0.125)
	conv.Input = 12
	return map[string]Config{
		"2d-conv": conv,
		"2d-mlp":  {Dim: 2, Branch: MLPBranch, Input: 5, BranchHidden: []int{7}, Latent: 6, TrunkHidden: []int{5}, HeadHidden: []int{8, 4}},
		"1d-mlp":  {Dim: 1, Branch: MLPBranch, Input: 4, BranchHidden: []int{6}, Latent: 5, TrunkHidden: []int{7}, HeadHidden: []int{6}},
		"1d-centred": {Dim: 1, Branch: MLPBranch, Input: 2, BranchHidden: []int{6}, Latent: 5, TrunkHidden: []int{7}, HeadHidden: []int{6},
			CenterTrunk: true},
		"2d-centred": {Dim: 2, Branch: MLPBranch, Input: 3, BranchHidden: []int{5}, Latent: 4, TrunkHidden: []int{5}, HeadHidden: []int{6},
			CenterTrunk: true},
	}
}

// randomFields returns b fields with random positive monitors for net.
func randomFields(t *testing.T, net *Net, b int, r *tensor.RNG) []Field {
	t.Helper()
	n := 9
	out := make([]Field, b)
	for i := range out {
		u := make([]float64, net.branchLen())
		for k := range u {
			u[k] = r.Normal()
			if net.Config.Branch == GridBranch {
				u[k] = 0.2 + math.Abs(u[k]) // m / theta > 0
			}
		}
		m := make([]float64, pow(n, net.Config.Dim))
		for k := range m {
			m[k] = 0.5 + 2*r.Float64()
		}
		f, err := NewField(u, m, n, net.Config.Dim)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// maxDiff is max |a - b|, a nil tensor (a parameter the loss does not
// reach, as the head's last bias) counting as zeros.
func maxDiff(a, b *tensor.Tensor[float64]) float64 {
	if a == nil {
		a, b = b, a
	}
	if a == nil {
		return 0
	}
	d := 0.0
	for i, x := range a.Data() {
		y := 0.0
		if b != nil {
			y = b.Data()[i]
		}
		d = math.Max(d, math.Abs(x-y))
	}
	return d
}

// TestJetsMatchDoubleAutograd: value, gradient, Hessian and the parameter
// gradient of the full loss agree between the two derivative paths.
func TestJetsMatchDoubleAutograd(t *testing.T) {
	for name, cfg := range smallConfigs() {
		t.Run(name, func(t *testing.T) {
			net, err := New(cfg, tensor.NewRNG(3))
			if err != nil {
				t.Fatal(err)
			}
			fields := randomFields(t, net, 3, tensor.NewRNG(4))
			opt := LossOptions{Interior: 7, Candidates: 40, BoundaryPerSide: 3, BoundaryWeight: 1000, ConvexWeight: 1}
			xi, err := net.points(fields, opt, tensor.NewRNG(5))
			if err != nil {
				t.Fatal(err)
			}
			stretch(net, 40)
			feat := net.Branch(autograd.Const(branchBatch(fields)))
			worst, pg, scale := jetsVsDoubleAutograd(t, net, fields, feat, xi, opt, 6, nil)
			t.Logf("max |jets - double autograd|: derivatives %.2e, parameter gradient %.2e (relative to max(1, max |grad|) = %.3g)", worst, pg, scale)
			if worst > 1e-10 || pg > 1e-10 {
				t.Fatalf("derivatives differ by %g, parameter gradients by %g; want <= 1e-10", worst, pg)
			}
		})
	}
}

// jetsVsDoubleAutograd computes phi's derivatives at xi and the parameter
// gradient of the full loss plus a random functional of the derivatives
// (drawn from seed) by jets and by double autograd, calling check (when
// not nil) on each path's loss parts. It returns the largest difference
// of the derivatives, that of the parameter gradients relative to
// max(1, max |gradient|), and that scale.
func jetsVsDoubleAutograd(t *testing.T, net *Net, fields []Field, feat V, xi *tensor.Tensor[float64], opt LossOptions, seed uint64, check func(Method, *Parts)) (worst, pg, scale float64) {
	t.Helper()
	var dvs [2]*Derivs
	var grads [2][]*tensor.Tensor[float64]
	for i, m := range []Method{Jets, DoubleAutograd} {
		var err error
		if dvs[i], err = net.Derivatives(feat, xi, m); err != nil {
			t.Fatal(err)
		}
		parts := net.assemble(fields, xi, dvs[i], opt)
		if check != nil {
			check(m, parts)
		}
		loss := autograd.Add(parts.Total, functional(dvs[i], tensor.NewRNG(seed)))
		for _, p := range net.Params() {
			p.Var.ZeroGrad()
		}
		if err := autograd.Backward(loss); err != nil {
			t.Fatal(err)
		}
		for _, p := range net.Params() {
			grads[i] = append(grads[i], p.Var.Grad)
		}
	}
	worst = maxDiff(dvs[0].Phi.Value, dvs[1].Phi.Value)
	for k := range dvs[0].Grad {
		worst = math.Max(worst, maxDiff(dvs[0].Grad[k].Value, dvs[1].Grad[k].Value))
	}
	for k := range dvs[0].Hess {
		worst = math.Max(worst, maxDiff(dvs[0].Hess[k].Value, dvs[1].Hess[k].Value))
	}
	scale = 1
	for i := range grads[0] {
		pg = math.Max(pg, maxDiff(grads[0][i], grads[1][i]))
		scale = math.Max(scale, maxDiff(grads[0][i], nil))
	}
	return worst, pg / scale, scale
}

// stretch multiplies the head's last weights by f and the trunk's first
// by 6, so phi is O(1) with O(1) curvature and all loss terms, the
// convexity penalty included, are active.
func stretch(net *Net, f float64) {
	scale := func(w []float64, f float64) {
		for i := range w {
			w[i] *= f
		}
	}
	scale(net.Head.Layers[len(net.Head.Layers)-1].W.Value.Data(), f)
	scale(net.Trunk.Layers[0].W.Value.Data(), 6)
}

// functional is sum c . (phi, grad, Hess) with random weights c: a loss
// whose parameter gradient involves every derivative entry.
func functional(dv *Derivs, r *tensor.RNG) V {
	all := append(append([]V{dv.Phi}, dv.Grad...), dv.Hess...)
	var out V
	for _, v := range all {
		c := autograd.Const(tensor.RandN[float64](r, v.Shape()...))
		term := autograd.Sum(autograd.Mul(c, v))
		if out == nil {
			out = term
		} else {
			out = autograd.Add(out, term)
		}
	}
	return out
}
