package main

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/gns"
	"github.com/surrogo/surrogo/tensor"
)

// The GNS workloads of bench/run_gns.sh: one training step of
// operators/gns (loss on one window, backward, Adam lr 1e-4) on a 2-D
// block of particles, float32, history 5, 4 message-passing steps, MLPs
// with 2 hidden layers, radius 0.035 on a lattice of spacing 0.015 (about
// 18 edges per particle with the self loop), random-walk noise 3e-4.
// The radius graph and the features are built inside the step, as
// upstream GNS does every step. bench/gns_torch.py builds the same
// positions (gnsPositions: integer hashing and correctly rounded float64
// arithmetic, no RNG) and the same model in PyTorch.
// Names gns-2d-PARTICLES-wLATENT: 600 (30 x 20) and 2400 (60 x 40)
// particles, latent 64 and 128.
func init() {
	for _, n := range []int{600, 2400} {
		for _, l := range []int{64, 128} {
			workloads[fmt.Sprintf("gns-2d-%d-w%d", n, l)] = gnsStep(n, l)
		}
	}
}

// gnsBlocks maps a workload's particle count to its lattice nx x ny.
var gnsBlocks = map[int][2]int{600: {30, 20}, 2400: {60, 40}}

// gnsHistory is C, the input velocities (C+2 frames per window).
const gnsHistory = 5

// gnsHash is a deterministic value in [-0.5, 0.5) for particle p and
// stream k, the same in Python: ((p 2654435761 + k 40503) mod 2^32) /
// 2^32 - 0.5 (exact in float64).
func gnsHash(p, k int) float64 {
	h := (uint64(p)*2654435761 + uint64(k)*40503) % (1 << 32)
	return float64(h)/(1<<32) - 0.5
}

// gnsPositions returns the window [C+2, n, 2] (float32) of an nx x ny
// block: particle p = iy nx + ix starts at (0.1 + 0.015 ix + 0.004
// h(p,0), 0.1 + 0.015 iy + 0.004 h(p,1)) and moves with velocity (0.002
// h(p,2), 0.002 h(p,3)) and a downward acceleration 2e-4 per frame^2:
// frame f adds f v - 1e-4 f^2 on y. The explicit float64 conversions
// keep the compiler from fusing multiply-adds, so that NumPy computes the
// same float64 values before the rounding to float32.
func gnsPositions(nx, ny int) []float32 {
	n := nx * ny
	pos := make([]float32, (gnsHistory+2)*n*2)
	for p := 0; p < n; p++ {
		ix, iy := p%nx, p/nx
		x0 := float64(0.1+float64(0.015*float64(ix))) + float64(0.004*gnsHash(p, 0))
		y0 := float64(0.1+float64(0.015*float64(iy))) + float64(0.004*gnsHash(p, 1))
		vx, vy := float64(0.002*gnsHash(p, 2)), float64(0.002*gnsHash(p, 3))
		for f := 0; f <= gnsHistory+1; f++ {
			ff := float64(f)
			pos[(f*n+p)*2] = float32(x0 + float64(ff*vx))
			pos[(f*n+p)*2+1] = float32(float64(y0+float64(ff*vy)) - float64(1e-4*float64(ff*ff)))
		}
	}
	return pos
}

// gnsConfig is the workloads' model (noise 3e-4; the agreement test
// passes 0).
func gnsConfig(latent int, noise float64) gns.Config {
	c := gns.Config{Dim: 2, History: gnsHistory, Radius: 0.035, Latent: latent, MessagePassing: 4, MLPHidden: 2,
		Aggregate: "sum", NoiseStd: noise, BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}}
	c.Stats.VelMean, c.Stats.VelStd = []float64{0, 0}, []float64{1e-3, 1e-3}
	c.Stats.AccMean, c.Stats.AccStd = []float64{0, -2e-4}, []float64{3e-4, 3e-4}
	return c
}

// gnsTrainStep returns one training step: the loss on pos (noise from r),
// backward, Adam.
func gnsTrainStep(m *gns.Model[float32], opt *nn.Adam[float32], pos []float32, n int, r *tensor.RNG) func() (float64, error) {
	params := m.Params()
	return func() (float64, error) {
		l, err := m.Loss(pos, n, r)
		if err != nil {
			return 0, err
		}
		nn.ZeroGrad(params)
		if err := autograd.Backward(l); err != nil {
			return 0, err
		}
		return float64(l.Value.Item()), opt.Step(params)
	}
}

func gnsStep(particles, latent int) workload {
	return func(r *tensor.RNG) (func() error, error) {
		b := gnsBlocks[particles]
		n := b[0] * b[1]
		m, err := gns.New[float32](gnsConfig(latent, 3e-4), r)
		if err != nil {
			return nil, err
		}
		step := gnsTrainStep(m, nn.NewAdam[float32](1e-4, 0), gnsPositions(b[0], b[1]), n, r)
		extra["particles"] = n
		return func() error { _, err := step(); return err }, nil
	}
}
