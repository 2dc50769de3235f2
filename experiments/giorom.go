package experiments

import (
	"fmt"
	"math"
	"strings"

	"github.com/surrogo/surrogo/operators/giorom"
	"github.com/surrogo/surrogo/tensor"
)

// giromArch is GIOROM (Viswanath et al.): a time-stepper on a random
// model.sampling fraction of the particles (model.layers interaction
// layers before and after a graph neural operator onto a latent grid with
// a linear-attention transformer) and a neural field that reconstructs
// every particle from them, trained together.
var giromArch = particleArch{
	keys:     []string{"model.t_in", "model.width", "model.layers", "model.radius", "model.noise", "model.sampling", "model.grid_nodes", "model.gno_radius", "model.recon_grid"},
	validate: validateGIOROM,
	build:    buildGIOROM,
	resolve: func(c *Config) ModelConfig {
		m := c.Model
		gc := c.giromConfig(0, nil, nil, giorom.Stats{}).WithDefaults()
		m.TIn, m.Width, m.Layers, m.Sampling = gc.History+1, gc.Latent, gc.InteractionLayers, gc.Sampling
		return m
	},
	windowFrames:   func(c *Config) int { return c.giromConfig(0, nil, nil, giorom.Stats{}).WithDefaults().History + 2 },
	inputFrames:    func(c *Config) int { return c.giromConfig(0, nil, nil, giorom.Stats{}).WithDefaults().History + 1 },
	particleFloats: giromActivations,
}

// giromConfig maps [model] to GIOROM for dim-dimensional data in the box
// [lo, hi] with the training statistics st; the reconstruction is always
// built (it is half of the method).
func (c *Config) giromConfig(dim int, lo, hi []float64, st giorom.Stats) giorom.Config {
	m := c.Model
	gc := giorom.Config{Dim: dim, Radius: m.Radius, Latent: m.Width, InteractionLayers: m.Layers, GridNodes: m.GridNodes,
		GNORadius: m.GNORadius, Sampling: m.Sampling, NoiseStd: m.Noise, BoxLo: lo, BoxHi: hi, Stats: st,
		Recon: true, ReconGrid: m.ReconGrid}
	if m.TIn > 0 {
		gc.History = m.TIn - 1
	}
	return gc
}

func validateGIOROM(c *Config, raw []byte) error {
	if err := validateGNS(c, raw); err != nil {
		return err
	}
	m := c.Model
	switch {
	case m.Sampling < 0 || m.Sampling > 1 || math.IsNaN(m.Sampling):
		return c.fail(raw, "model.sampling", "the fraction of particles advanced must be in (0, 1] (0 or no key: 0.25), got %v", m.Sampling)
	case m.GridNodes == 1 || m.GridNodes < 0:
		return c.fail(raw, "model.grid_nodes", "the latent grid needs at least 2 nodes per axis (0: the default), got %d", m.GridNodes)
	case m.GNORadius < 0 || math.IsNaN(m.GNORadius) || math.IsInf(m.GNORadius, 0):
		return c.fail(raw, "model.gno_radius", "must be positive and finite (0: two grid spacings), got %v", m.GNORadius)
	case m.ReconGrid == 1 || m.ReconGrid < 0:
		return c.fail(raw, "model.recon_grid", "the reconstruction grid needs at least 2 nodes per axis (0: the default), got %d", m.ReconGrid)
	}
	return nil
}

// buildGIOROM fits the statistics and the box to the training
// trajectories (fitParticles) and builds the time-stepper and the
// reconstructor.
func buildGIOROM(c *Config, s particleSetup, r *tensor.RNG) (particleModel, any, error) {
	st, lo, hi, err := fitParticles(s)
	if err != nil {
		return nil, nil, err
	}
	gc := c.giromConfig(s.dim, lo, hi, st).WithDefaults()
	if err := gc.Validate(); err != nil {
		if key := giromKey(err.Error()); key != "" {
			return nil, nil, fmt.Errorf("%w (model.%s)", err, key)
		}
		return nil, nil, fmt.Errorf("%w (from the box and statistics of the training trajectories)", err)
	}
	m, err := giorom.New[float32](gc, r)
	if err != nil {
		return nil, nil, err
	}
	return m, gc, nil
}

// giromKey is the [model] key an error of giorom.Config.Validate is
// about, or "" for what comes from the data.
func giromKey(msg string) string {
	for field, key := range map[string]string{"history": "t_in", "latent": "width", "interaction_layers": "layers", "radius": "radius",
		"noise_std": "noise", "sampling": "sampling", "grid_nodes": "grid_nodes", "gno_radius": "gno_radius", "recon_grid": "recon_grid"} {
		if strings.HasPrefix(msg, "giorom: "+field+" ") {
			return key
		}
	}
	return ""
}

// giromActivations estimates the floats a GIOROM training step keeps per
// (dense) particle with degree neighbours within model.radius: the
// GNS-like layers on the sampled fraction (whose neighbours are that
// fraction of degree), the graph neural operator's edges to the latent
// nodes within gno_radius (encode and decode: the kernel MLP's layers and
// the latent features per edge), and the reconstruction's features and
// MLP per particle; besides, per window, the latent tokens through the
// attention blocks.
func giromActivations(c *Config, dim int, degree float64) (perParticle, perWindow float64) {
	gc := c.giromConfig(dim, nil, nil, giorom.Stats{}).WithDefaults()
	l, kh := float64(gc.Latent), float64(gc.KernelHidden)
	degree = 1 + gc.Sampling*(degree-1)
	sparse := gc.Sampling * float64(2*gc.InteractionLayers+2) * (degree*5*l + 6*l)
	// Latent nodes within gno_radius of a particle: in grid spacings h,
	// pi (r/h)^2 or 4/3 pi (r/h)^3 (r = 2 h by default).
	reach := 2.0
	if gc.GNORadius > 0 && c.Model.GNORadius > 0 {
		reach = c.Model.GNORadius * float64(gc.GridNodes-1) // a unit box
	}
	gnoEdges := radiusDegree(reach, 1, dim)
	gno := gc.Sampling * 2 * gnoEdges * (4*kh + 3*l)
	tokens := math.Pow(float64(gc.GridNodes), float64(dim)) * float64(gc.AttentionWidth) * float64(8*gc.AttentionLayers)
	return sparse + gno + float64(gc.ReconSamples*(dim+1)+3*gc.ReconHidden), tokens
}
