package giorom

import (
	"context"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// dragTrajectory simulates n particles under gravity g and linear drag,
// a = g - gamma v in frame units, from random positions in [0.3, 0.7]^2
// and velocities of std 0.01: [frames, n, 2].
func dragTrajectory(r *tensor.RNG, frames, n int) []float32 {
	const gamma = 0.1
	g := [2]float64{0, -3e-4}
	x := make([]float64, 2*n)
	v := make([]float64, 2*n)
	for k := range x {
		x[k] = 0.3 + 0.4*r.Float64()
		v[k] = 0.01 * r.Normal()
	}
	out := make([]float32, 0, frames*2*n)
	for f := 0; f < frames; f++ {
		for k := range x {
			out = append(out, float32(x[k]))
		}
		for k := range x {
			v[k] += g[k%2] - gamma*v[k]
			x[k] += v[k]
		}
	}
	return out
}

// The time-stepper learns the drag law from sparse subsets: the held-out
// one-step loss (normalised acceleration MSE; predicting the mean
// acceleration scores about 1) falls below 0.05, and a short rollout's
// position MSE is below a tenth of constant velocity's.
func TestLearnsDragOnSparseSubsets(t *testing.T) {
	const n, frames = 100, 14
	r := tensor.NewRNG(30)
	var train [][]float32
	acc := lagrangian.NewAccumulator(2)
	for i := 0; i < 6; i++ {
		tr := dragTrajectory(r, frames, n)
		train = append(train, tr)
		if err := acc.Add(tr, frames, n); err != nil {
			t.Fatal(err)
		}
	}
	test := dragTrajectory(r, frames, n)
	stats, err := acc.Stats()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Dim: 2, History: 2, Radius: 0.15, Latent: 16, InteractionLayers: 1, GridNodes: 8,
		KernelHidden: 16, AttentionLayers: 1, AttentionWidth: 16, Sampling: 0.5, NoiseStd: 1e-5,
		BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}, Stats: stats}
	m, err := New[float32](cfg, tensor.NewRNG(31))
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cfg.History
	fn := n * 2
	window := func(tr []float32, start int) []float32 { return tr[start*fn : (start+c+2)*fn] }
	heldOut := func() float64 {
		rr := tensor.NewRNG(32)
		s := 0.0
		for start := 0; start+c+2 <= frames; start++ {
			l, err := m.Loss(window(test, start), n, rr)
			if err != nil {
				t.Fatal(err)
			}
			s += float64(l.Value.Item())
		}
		return s / float64(frames-c-1)
	}
	before := heldOut()
	ps := m.Params()
	opt := nn.NewAdam[float32](3e-3, 0)
	for step := 0; step < 250; step++ {
		nn.ZeroGrad(ps)
		tr := train[r.Intn(len(train))]
		l, err := m.Loss(window(tr, r.Intn(frames-c-1)), n, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := autograd.Backward(l); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
	}
	after := heldOut()

	// A rollout of the sparse particles against constant velocity.
	idx := m.SampleIndices(n, tensor.NewRNG(33))
	ns := len(idx)
	sub := func(f int) []float32 { return sparse(test[f*fn:(f+1)*fn], idx, 2) }
	var hist []float32
	for f := 0; f <= c; f++ {
		hist = append(hist, sub(f)...)
	}
	steps := frames - c - 1
	pred, err := m.Rollout(context.Background(), hist, ns, steps)
	if err != nil {
		t.Fatal(err)
	}
	var mse, cv float64
	last, prev := sub(c), sub(c-1)
	for s := 0; s < steps; s++ {
		truth := sub(c + 1 + s)
		for k := range truth {
			e := float64(pred[s*ns*2+k] - truth[k])
			mse += e * e
			x := float64(last[k]) + float64(s+1)*(float64(last[k])-float64(prev[k]))
			e = x - float64(truth[k])
			cv += e * e
		}
	}
	mse /= float64(steps * ns * 2)
	cv /= float64(steps * ns * 2)
	t.Logf("held-out one-step loss %.4f -> %.4f; %d-step rollout MSE of %d sparse particles %.3g (constant velocity %.3g)", before, after, steps, ns, mse, cv)
	if !(after < 0.05) {
		t.Errorf("held-out loss %.4f after training, want < 0.05", after)
	}
	if !(mse < cv/10) {
		t.Errorf("rollout MSE %.3g is not a tenth of constant velocity's %.3g", mse, cv)
	}
}
