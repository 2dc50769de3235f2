package gns

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
)

// Config describes a GNS particle simulator. Zero fields take the
// defaults of Sanchez-Gonzalez et al. 2020 (WithDefaults); Dim, Radius,
// the box and the statistics describe the data and have no default.
type Config struct {
	Dim            int              `json:"dim"`             // spatial dimension: 2 or 3
	History        int              `json:"history"`         // C: input velocities (C+1 positions); default 5
	Radius         float64          `json:"radius"`          // connectivity radius r, in position units
	Latent         int              `json:"latent"`          // L: node and edge latent width, also the MLPs' hidden width; default 128
	MessagePassing int              `json:"message_passing"` // M: interaction layers (unshared weights); default 10
	MLPHidden      int              `json:"mlp_hidden"`      // hidden layers per MLP; default 2
	Aggregate      string           `json:"aggregate"`       // "sum" (default) or "mean"
	NoiseStd       float64          `json:"noise_std"`       // std of the last input position's training noise; 0 for none
	BoxLo          []float64        `json:"box_lo"`          // walls per axis
	BoxHi          []float64        `json:"box_hi"`
	Stats          lagrangian.Stats `json:"stats"` // pooled training statistics (lagrangian.Accumulator), without noise
}

// WithDefaults fills zero fields: History 5, Latent 128, MessagePassing
// 10, MLPHidden 2, Aggregate "sum".
func (c Config) WithDefaults() Config {
	fill := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	fill(&c.History, 5)
	fill(&c.Latent, 128)
	fill(&c.MessagePassing, 10)
	fill(&c.MLPHidden, 2)
	if c.Aggregate == "" {
		c.Aggregate = string(nn.AggregateSum)
	}
	return c
}

// Validate checks the configuration (after WithDefaults).
func (c Config) Validate() error {
	if c.Dim != 2 && c.Dim != 3 {
		return fmt.Errorf("gns: dim must be 2 or 3, got %d", c.Dim)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"history", c.History}, {"latent", c.Latent}, {"message_passing", c.MessagePassing}, {"mlp_hidden", c.MLPHidden}} {
		if f.v < 1 {
			return fmt.Errorf("gns: %s must be at least 1, got %d", f.name, f.v)
		}
	}
	if !(c.Radius > 0) || math.IsInf(c.Radius, 0) {
		return fmt.Errorf("gns: radius must be positive and finite, got %v", c.Radius)
	}
	if _, err := nn.ParseAggregation(c.Aggregate); err != nil || c.Aggregate == "" {
		return fmt.Errorf("gns: aggregate must be %q or %q, got %q", nn.AggregateSum, nn.AggregateMean, c.Aggregate)
	}
	if !(c.NoiseStd >= 0) || math.IsInf(c.NoiseStd, 0) {
		return fmt.Errorf("gns: noise_std must be finite and >= 0, got %v", c.NoiseStd)
	}
	if len(c.BoxLo) != c.Dim || len(c.BoxHi) != c.Dim {
		return fmt.Errorf("gns: box_lo and box_hi must have %d entries (dim), got %v and %v", c.Dim, c.BoxLo, c.BoxHi)
	}
	for a := 0; a < c.Dim; a++ {
		lo, hi := c.BoxLo[a], c.BoxHi[a]
		if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) || !(lo < hi) {
			return fmt.Errorf("gns: box axis %d is [box_lo, box_hi] = [%v, %v], want finite with box_lo < box_hi", a, lo, hi)
		}
	}
	if err := c.Stats.Validate(c.Dim); err != nil {
		return fmt.Errorf("gns: %w", err)
	}
	return nil
}

// NodeFeatures is the node input width, C d + 2 d.
func (c Config) NodeFeatures() int { return (c.History + 2) * c.Dim }

// EdgeFeatures is the edge input width, d + 1.
func (c Config) EdgeFeatures() int { return c.Dim + 1 }

// ParamCount is the number of trainable parameters New builds for c
// (after WithDefaults), without building them.
func (c Config) ParamCount() int {
	c = c.WithDefaults()
	return nn.EncodeProcessDecodeParamCount(c.NodeFeatures(), c.EdgeFeatures(), c.Latent, c.MLPHidden, c.MessagePassing, c.Dim)
}

// features is the lagrangian encoding of c, with the noise folded into
// the statistics.
func (c Config) features() lagrangian.Features {
	return lagrangian.Features{Dim: c.Dim, Radius: c.Radius, Lo: c.BoxLo, Hi: c.BoxHi, Stats: c.Stats.Effective(c.NoiseStd)}
}
