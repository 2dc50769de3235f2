package gns

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// springLattice simulates a side x side lattice of unit masses joined to
// their axis neighbours by linear springs (rest length h, stiffness k per
// frame^2), 10 symplectic Euler substeps per frame, from random
// displacements and velocities; it returns [frames, n, 2] positions.
func springLattice(r *tensor.RNG, side, frames int) []float32 {
	const h, k, sub = 0.1, 0.01, 10
	n := side * side
	x := make([]float64, 2*n)
	v := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		x[2*i] = 0.35 + h*float64(i%side) + 0.006*r.Normal()
		x[2*i+1] = 0.35 + h*float64(i/side) + 0.006*r.Normal()
		v[2*i] = 0.001 * r.Normal()
		v[2*i+1] = 0.001 * r.Normal()
	}
	var bonds [][2]int
	for i := 0; i < n; i++ {
		if i%side+1 < side {
			bonds = append(bonds, [2]int{i, i + 1})
		}
		if i/side+1 < side {
			bonds = append(bonds, [2]int{i, i + side})
		}
	}
	out := make([]float32, 0, frames*2*n)
	f := make([]float64, 2*n)
	dt := 1.0 / sub
	for fr := 0; fr < frames; fr++ {
		for _, c := range x {
			out = append(out, float32(c))
		}
		for s := 0; s < sub; s++ {
			clear(f)
			for _, b := range bonds {
				dx, dy := x[2*b[1]]-x[2*b[0]], x[2*b[1]+1]-x[2*b[0]+1]
				l := math.Hypot(dx, dy)
				m := k * (l - h) / l
				f[2*b[0]] += m * dx
				f[2*b[0]+1] += m * dy
				f[2*b[1]] -= m * dx
				f[2*b[1]+1] -= m * dy
			}
			for j := range x {
				v[j] += dt * f[j]
				x[j] += dt * v[j]
			}
		}
	}
	return out
}

// A small GNS (latent 16, 2 message-passing steps) trained with Adam on
// spring-lattice trajectories lowers its held-out one-step loss by a
// large factor, and its 20-step rollout beats constant velocity.
func TestLearnsSpringLattice(t *testing.T) {
	start := time.Now()
	const side, frames, c = 4, 40, 2
	n := side * side
	fn := n * 2
	r := tensor.NewRNG(1)
	var train [][]float32
	acc := lagrangian.NewAccumulator(2)
	for i := 0; i < 8; i++ {
		tr := springLattice(r, side, frames)
		train = append(train, tr)
		if err := acc.Add(tr, frames, n); err != nil {
			t.Fatal(err)
		}
	}
	test := springLattice(r, side, frames)
	st, err := acc.Stats()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Dim: 2, History: c, Radius: 0.15, Latent: 16, MessagePassing: 2, NoiseStd: 2e-5,
		BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}, Stats: st}
	m, err := New[float32](cfg, tensor.NewRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	win := (c + 2) * fn
	heldOut := func() float64 {
		s, cnt := 0.0, 0
		autograd.NoGrad(func() {
			for f := 0; f+c+2 <= frames; f += 3 {
				l, err := m.Loss(test[f*fn:f*fn+win], n, nil)
				if err != nil {
					t.Fatal(err)
				}
				s += float64(l.Value.Item())
				cnt++
			}
		})
		return s / float64(cnt)
	}
	before := heldOut()
	params := m.Params()
	opt := nn.NewAdam[float32](3e-3, 0)
	const steps = 2500
	for s := 0; s < steps; s++ {
		if s == steps/2 {
			opt.SetLR(1e-3)
		}
		tr := train[r.Intn(len(train))]
		f := r.Intn(frames - c - 1)
		l, err := m.Loss(tr[f*fn:f*fn+win], n, r)
		if err != nil {
			t.Fatal(err)
		}
		nn.ZeroGrad(params)
		if err := autograd.Backward(l); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(params); err != nil {
			t.Fatal(err)
		}
	}
	after := heldOut()
	// 20-step rollout from the test trajectory's first C+1 frames against
	// constant velocity.
	const horizon = 20
	out, err := m.Rollout(context.Background(), test[:(c+1)*fn], n, horizon)
	if err != nil {
		t.Fatal(err)
	}
	var gnsErr, cvErr float64
	for s := 0; s < horizon; s++ {
		truth := test[(c+1+s)*fn : (c+2+s)*fn]
		for k := 0; k < fn; k++ {
			last, prev := float64(test[c*fn+k]), float64(test[(c-1)*fn+k])
			cv := last + float64(s+1)*(last-prev)
			gnsErr += math.Pow(float64(out[s*fn+k])-float64(truth[k]), 2)
			cvErr += math.Pow(cv-float64(truth[k]), 2)
		}
	}
	gnsErr /= horizon * float64(fn)
	cvErr /= horizon * float64(fn)
	t.Logf("held-out one-step loss %.4g -> %.4g (%.0fx) after %d Adam steps; 20-step rollout MSE %.3g vs constant velocity %.3g (%.1fx); %v",
		before, after, before/after, steps, gnsErr, cvErr, cvErr/gnsErr, time.Since(start).Round(time.Millisecond))
	if !(after < before/10) {
		t.Errorf("one-step loss fell only from %.4g to %.4g", before, after)
	}
	if !(gnsErr < cvErr/1.5) {
		t.Errorf("rollout MSE %.3g does not beat constant velocity %.3g by 1.5x", gnsErr, cvErr)
	}
}
