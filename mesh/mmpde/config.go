package mmpde

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/nn"
)

// Config describes the network. Zero fields take WithDefaults' values;
// MeshNodes and Stats describe the data and have none.
type Config struct {
	MeshNodes  int   `json:"mesh_nodes"` // n: nodes per axis of the meshes it runs on (the feature scale h = 1/(n-1))
	Latent     int   `json:"latent"`     // node and edge latent width, also the MLPs' hidden width; default 64
	Layers     int   `json:"layers"`     // interaction layers (unshared weights); default 4
	MLPHidden  int   `json:"mlp_hidden"` // hidden layers per MLP; default 1
	Neighbours int   `json:"neighbours"` // k of the k-nearest-neighbour graph; default 8
	Stats      Stats `json:"stats"`
	// NoiseStd is the standard deviation, in units of Stats.Std, of the
	// Gaussian noise Loss adds to the input node values (the target stays
	// the clean next frame); 0: none.
	NoiseStd float64 `json:"noise_std,omitempty"`
}

// Stats are the training data's statistics the features are scaled by.
type Stats struct {
	Mean   float64 `json:"mean"`    // of u over every training node
	Std    float64 `json:"std"`     // of u
	IncStd float64 `json:"inc_std"` // root mean square of the one-step increment u(t + dt) - u(t)
}

// WithDefaults fills zero fields: Latent 64, Layers 4, MLPHidden 1,
// Neighbours 8 (upstream MM-PDE: 128, 6, and k = 35 at 48^2 nodes).
func (c Config) WithDefaults() Config {
	fill := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	fill(&c.Latent, 64)
	fill(&c.Layers, 4)
	fill(&c.MLPHidden, 1)
	fill(&c.Neighbours, 8)
	return c
}

// Validate checks a configuration after WithDefaults.
func (c Config) Validate() error {
	if c.MeshNodes < 2 || c.MeshNodes > 1<<12 {
		return fmt.Errorf("mmpde: mesh_nodes must be in [2, %d], got %d", 1<<12, c.MeshNodes)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"latent", c.Latent}, {"layers", c.Layers}, {"mlp_hidden", c.MLPHidden}, {"neighbours", c.Neighbours}} {
		if f.v < 1 {
			return fmt.Errorf("mmpde: %s must be at least 1, got %d", f.name, f.v)
		}
	}
	if !(c.NoiseStd >= 0) || math.IsInf(c.NoiseStd, 0) {
		return fmt.Errorf("mmpde: noise_std must be finite and >= 0, got %v", c.NoiseStd)
	}
	if c.Neighbours > c.MeshNodes*c.MeshNodes-1 {
		return fmt.Errorf("mmpde: neighbours = %d, but a mesh of %d^2 nodes has only %d other nodes", c.Neighbours, c.MeshNodes, c.MeshNodes*c.MeshNodes-1)
	}
	return c.Stats.validate()
}

func (s Stats) validate() error {
	ok := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !ok(s.Mean) || !(s.Std > 0) || !ok(s.Std) || !(s.IncStd > 0) || !ok(s.IncStd) {
		return fmt.Errorf("mmpde: statistics mean %v, std %v, inc_std %v; want finite, std and inc_std > 0 (a field that never changes cannot be learnt)",
			s.Mean, s.Std, s.IncStd)
	}
	return nil
}

// Node and edge input widths.
const (
	nodeFeatures = 3 // (u - mean)/std, 2x - 1, 2y - 1
	edgeFeatures = 4 // (u_j - u_i)/std, (x_j - x_i)/h, (y_j - y_i)/h, |x_j - x_i|/h
)

// ParamCount is the number of trainable parameters New builds for c
// (after WithDefaults), without building them.
func (c Config) ParamCount() int {
	c = c.WithDefaults()
	return nn.EncodeProcessDecodeParamCount(nodeFeatures, edgeFeatures, c.Latent, c.MLPHidden, c.Layers, 1)
}
