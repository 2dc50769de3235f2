package experiments

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/operators/gns"
	"github.com/surrogo/surrogo/tensor"
)

// gnsArch is the full-order graph network simulator (Sanchez-Gonzalez et
// al. 2020) on particle trajectories: model.t_in frames in (t_in - 1
// velocities), model.width latent, model.layers message-passing steps.
var gnsArch = particleArch{
	keys:     []string{"model.t_in", "model.width", "model.layers", "model.radius", "model.noise"},
	validate: validateGNS,
	build:    buildGNS,
	resolve: func(c *Config) ModelConfig {
		m := c.Model
		gc := c.gnsConfig(0, nil, nil, gns.Stats{}).WithDefaults()
		m.TIn, m.Width, m.Layers = gc.History+1, gc.Latent, gc.MessagePassing
		return m
	},
	windowFrames:   func(c *Config) int { return c.gnsConfig(0, nil, nil, gns.Stats{}).WithDefaults().History + 2 },
	inputFrames:    func(c *Config) int { return c.gnsConfig(0, nil, nil, gns.Stats{}).WithDefaults().History + 1 },
	particleFloats: gnsActivations,
}

// gnsConfig maps [model] to a GNS for dim-dimensional data in the box
// [lo, hi] with the training statistics st.
func (c *Config) gnsConfig(dim int, lo, hi []float64, st gns.Stats) gns.Config {
	m := c.Model
	gc := gns.Config{Dim: dim, Radius: m.Radius, Latent: m.Width, MessagePassing: m.Layers, NoiseStd: m.Noise,
		BoxLo: lo, BoxHi: hi, Stats: st}
	if m.TIn > 0 {
		gc.History = m.TIn - 1
	}
	return gc
}

func validateGNS(c *Config, raw []byte) error {
	m := c.Model
	switch {
	case m.TIn == 1 || m.TIn < 0:
		return c.fail(raw, "model.t_in", "input frames must be at least 2 (one velocity), got %d", m.TIn)
	case m.Width < 0:
		return c.fail(raw, "model.width", "latent width must be positive (0: 128), got %d", m.Width)
	case m.Layers < 0:
		return c.fail(raw, "model.layers", "message-passing steps must be positive (0: 10), got %d", m.Layers)
	case !(m.Radius > 0) || math.IsInf(m.Radius, 0):
		return c.fail(raw, "model.radius", "the connectivity radius must be positive and finite, got %v (GNS: a few particle spacings)", m.Radius)
	case !(m.Noise >= 0) || math.IsInf(m.Noise, 0):
		return c.fail(raw, "model.noise", "the training noise std must be >= 0 and finite, got %v", m.Noise)
	}
	return nil
}

// buildGNS fits the normalisation statistics and the box to the
// training trajectories (fitParticles) and builds the network.
func buildGNS(c *Config, s particleSetup, r *tensor.RNG) (particleModel, any, error) {
	st, lo, hi, err := fitParticles(s)
	if err != nil {
		return nil, nil, err
	}
	gc := c.gnsConfig(s.dim, lo, hi, st).WithDefaults()
	if err := gc.Validate(); err != nil {
		if key := gnsKey(err.Error()); key != "" {
			return nil, nil, fmt.Errorf("%w (model.%s)", err, key)
		}
		return nil, nil, fmt.Errorf("%w (from the box and statistics of the training trajectories)", err)
	}
	m, err := gns.New[float32](gc, r)
	if err != nil {
		return nil, nil, err
	}
	return m, gc, nil
}

// gnsKey is the [model] key an error of gns.Config.Validate is about, or
// "" for what comes from the data (dimension, box, statistics).
func gnsKey(msg string) string {
	for field, key := range map[string]string{"history": "t_in", "latent": "width", "message_passing": "layers", "radius": "radius", "noise_std": "noise"} {
		if strings.HasPrefix(msg, "gns: "+field+" ") {
			return key
		}
	}
	return ""
}

// fitParticles pools the velocity and acceleration statistics over
// every particle and frame of the training trajectories, and returns the
// box the models see: the data's walls widened to every training
// position. A particle model's walls are where the particles stop, and
// MPM particles settle up to two cells inside the wall planes the data
// records (the walls act on grid nodes, the particles keep a cell from
// the domain's edge); a box at the wall planes would make the rollout's
// clamp move particles resting on the floor.
func fitParticles(s particleSetup) (st gns.Stats, lo, hi []float64, err error) {
	acc := gns.NewStatsAccumulator(s.dim)
	lo, hi = slices.Clone(s.boxLo), slices.Clone(s.boxHi)
	err = s.eachTraining(func(tr *datasets.ParticleTrajectory) error {
		for i, x := range tr.Positions {
			a := i % tr.Dim
			lo[a], hi[a] = math.Min(lo[a], float64(x)), math.Max(hi[a], float64(x))
		}
		return acc.Add(tr.Positions, tr.Frames, tr.Particles)
	})
	if err != nil {
		return gns.Stats{}, nil, nil, err
	}
	st, err = acc.Stats()
	return st, lo, hi, err
}

// gnsActivations estimates the floats a GNS training step keeps per
// particle with degree incoming edges: per message-passing step (and the
// encoder's and decoder's) the edge MLP's inputs, hidden layers and
// output on every incoming edge, and the node MLP's.
func gnsActivations(c *Config, dim int, degree float64) (perParticle, perWindow float64) {
	gc := c.gnsConfig(dim, nil, nil, gns.Stats{}).WithDefaults()
	l := float64(gc.Latent)
	return float64(gc.MessagePassing+2) * (degree*(3+float64(gc.MLPHidden)+2)*l + 6*l), 0
}
