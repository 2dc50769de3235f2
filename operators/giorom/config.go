package giorom

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
)

// Config describes a GIOROM time-stepper on a sparse subset of the
// particles and, optionally (Recon), its dense reconstruction. Zero fields
// take the defaults of WithDefaults; Dim, Radius, the box and the
// statistics describe the data and have no default.
type Config struct {
	Dim               int     `json:"dim"`                // spatial dimension: 2 or 3
	History           int     `json:"history"`            // C: input velocities (C+1 positions); default 5
	Radius            float64 `json:"radius"`             // radius of the graph on the sparse particles, in position units
	Latent            int     `json:"latent"`             // L: node and edge latent width, also the graph MLPs' hidden width; default 128
	InteractionLayers int     `json:"interaction_layers"` // interaction layers before and (as many) after the latent operator; default 2
	GridNodes         int     `json:"grid_nodes"`         // latent grid nodes per axis over [BoxLo, BoxHi]; default 32 (2-D), 16 (3-D)
	GNORadius         float64 `json:"gno_radius"`         // GNO neighbourhood radius; default 2 grid spacings (the largest axis spacing)
	KernelHidden      int     `json:"kernel_hidden"`      // width of the GNO kernel MLPs; default 64
	AttentionLayers   int     `json:"attention_layers"`   // linear-attention blocks on the latent grid; default 2
	AttentionWidth    int     `json:"attention_width"`    // token width of the latent transformer; default 128
	Sampling          float64 `json:"sampling"`           // fraction of particles kept, in (0, 1]; default 0.25
	NoiseStd          float64 `json:"noise_std"`          // std of the last input position's random-walk training noise; 0 for none

	BoxLo []float64        `json:"box_lo"` // walls per axis; also the latent and reconstruction grids' extent
	BoxHi []float64        `json:"box_hi"`
	Stats lagrangian.Stats `json:"stats"` // pooled training statistics (lagrangian.Accumulator), without noise

	// Dense reconstruction (neural field), trained by Loss when Recon is set.
	Recon        bool `json:"recon"`         // build the reconstructor and add its loss
	ReconGrid    int  `json:"recon_grid"`    // splat grid nodes per axis; default 32 (2-D), 16 (3-D)
	ReconSamples int  `json:"recon_samples"` // jittered lookups averaged per query in training; default 8
	PELevels     int  `json:"pe_levels"`     // sin/cos levels of the positional encoding; default 3
	ReconHidden  int  `json:"recon_hidden"`  // width of the residual MLP's two hidden layers; default 64
}

// mlpHidden is the number of hidden layers of every graph MLP (encoder,
// interaction layers, decoder), as upstream's 3-layer MLPs.
const mlpHidden = 2

// WithDefaults fills zero fields: History 5, Latent 128,
// InteractionLayers 2, GridNodes 32 in 2-D and 16 in 3-D, KernelHidden
// 64, AttentionLayers 2, AttentionWidth 128, Sampling 0.25, ReconGrid 32
// in 2-D and 16 in 3-D, ReconSamples 8, PELevels 3, ReconHidden 64, and,
// when the box is given, GNORadius = 2 h with h the largest grid spacing.
func (c Config) WithDefaults() Config {
	fill := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	fill(&c.History, 5)
	fill(&c.Latent, 128)
	fill(&c.InteractionLayers, 2)
	if c.Dim == 3 {
		fill(&c.GridNodes, 16)
		fill(&c.ReconGrid, 16)
	} else {
		fill(&c.GridNodes, 32)
		fill(&c.ReconGrid, 32)
	}
	fill(&c.KernelHidden, 64)
	fill(&c.AttentionLayers, 2)
	fill(&c.AttentionWidth, 128)
	fill(&c.ReconSamples, 8)
	fill(&c.PELevels, 3)
	fill(&c.ReconHidden, 64)
	if c.Sampling == 0 {
		c.Sampling = 0.25
	}
	if c.GNORadius == 0 && c.GridNodes >= 2 && len(c.BoxLo) == c.Dim && len(c.BoxHi) == c.Dim && c.Dim > 0 {
		h := 0.0
		for a := 0; a < c.Dim; a++ {
			h = math.Max(h, (c.BoxHi[a]-c.BoxLo[a])/float64(c.GridNodes-1))
		}
		if h > 0 {
			c.GNORadius = 2 * h
		}
	}
	return c
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate checks the configuration (after WithDefaults). Errors name the
// offending field by its JSON name.
//
// GNORadius must be at least half the diagonal of a latent grid cell,
// r >= sqrt(sum_a h_a^2) / 2: every point of the box lies in a cell and
// is at most that far from the cell's nearest corner, so every particle
// in the box has a latent node in reach and the decoding's mean is never
// over an empty set. (A latent node with no particle in reach is allowed:
// its encoding is the empty mean, 0.)
func (c Config) Validate() error {
	if c.Dim != 2 && c.Dim != 3 {
		return fmt.Errorf("giorom: dim must be 2 or 3, got %d", c.Dim)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"history", c.History}, {"latent", c.Latent}, {"interaction_layers", c.InteractionLayers},
		{"kernel_hidden", c.KernelHidden}, {"attention_layers", c.AttentionLayers}, {"attention_width", c.AttentionWidth},
		{"recon_samples", c.ReconSamples}, {"recon_hidden", c.ReconHidden}} {
		if f.v < 1 {
			return fmt.Errorf("giorom: %s must be at least 1, got %d", f.name, f.v)
		}
	}
	if c.PELevels < 0 || c.PELevels > 20 {
		return fmt.Errorf("giorom: pe_levels must be in [0, 20], got %d", c.PELevels)
	}
	if c.GridNodes < 2 {
		return fmt.Errorf("giorom: grid_nodes must be at least 2, got %d", c.GridNodes)
	}
	if c.ReconGrid < 2 {
		return fmt.Errorf("giorom: recon_grid must be at least 2, got %d", c.ReconGrid)
	}
	if math.Pow(float64(c.GridNodes), float64(c.Dim)) > 1<<22 {
		return fmt.Errorf("giorom: grid_nodes = %d gives %v latent nodes in %d-D; at most 2^22", c.GridNodes, math.Pow(float64(c.GridNodes), float64(c.Dim)), c.Dim)
	}
	if math.Pow(float64(c.ReconGrid), float64(c.Dim)) > 1<<26 {
		return fmt.Errorf("giorom: recon_grid = %d gives too many nodes in %d-D; at most 2^26", c.ReconGrid, c.Dim)
	}
	if !(c.Radius > 0) || !finite(c.Radius) {
		return fmt.Errorf("giorom: radius must be positive and finite, got %v", c.Radius)
	}
	if !(c.Sampling > 0 && c.Sampling <= 1) {
		return fmt.Errorf("giorom: sampling must be in (0, 1], got %v", c.Sampling)
	}
	if !(c.NoiseStd >= 0) || !finite(c.NoiseStd) {
		return fmt.Errorf("giorom: noise_std must be finite and >= 0, got %v", c.NoiseStd)
	}
	if len(c.BoxLo) != c.Dim || len(c.BoxHi) != c.Dim {
		return fmt.Errorf("giorom: box_lo and box_hi must have %d entries (dim), got %v and %v", c.Dim, c.BoxLo, c.BoxHi)
	}
	for a := 0; a < c.Dim; a++ {
		lo, hi := c.BoxLo[a], c.BoxHi[a]
		if !finite(lo) || !finite(hi) || !(lo < hi) {
			return fmt.Errorf("giorom: box axis %d is [box_lo, box_hi] = [%v, %v], want finite with box_lo < box_hi", a, lo, hi)
		}
	}
	if !(c.GNORadius > 0) || !finite(c.GNORadius) {
		return fmt.Errorf("giorom: gno_radius must be positive and finite, got %v", c.GNORadius)
	}
	// The margin keeps a point at a cell's centre in reach despite the
	// rounding of the squared distances the radius search compares.
	if half := c.halfDiagonal(); c.GNORadius < half*(1+1e-9) {
		return fmt.Errorf("giorom: gno_radius = %v is below half the latent cell diagonal %v (grid_nodes = %d over the box), so a particle could have no latent node in reach", c.GNORadius, half, c.GridNodes)
	}
	if err := c.Stats.Validate(c.Dim); err != nil {
		return fmt.Errorf("giorom: %w", err)
	}
	return nil
}

// spacing is the latent grid spacing along axis a.
func (c Config) spacing(a, nodes int) float64 {
	return (c.BoxHi[a] - c.BoxLo[a]) / float64(nodes-1)
}

// halfDiagonal is half the diagonal of a latent grid cell.
func (c Config) halfDiagonal() float64 {
	s := 0.0
	for a := 0; a < c.Dim; a++ {
		h := c.spacing(a, c.GridNodes)
		s += h * h
	}
	return math.Sqrt(s) / 2
}

// NodeFeatures is the node input width, C d + 2 d.
func (c Config) NodeFeatures() int { return (c.History + 2) * c.Dim }

// EdgeFeatures is the edge input width, d + 1.
func (c Config) EdgeFeatures() int { return c.Dim + 1 }

// LatentNodes is the number of latent grid nodes, GridNodes^Dim.
func (c Config) LatentNodes() int {
	n := 1
	for a := 0; a < c.Dim; a++ {
		n *= c.GridNodes
	}
	return n
}

// reconIn is the residual MLP's input width: the fitted displacement
// (d), its gradient (d^2), the sampled density (1) and the positional
// encoding (2 PELevels d).
func (c Config) reconIn() int { return c.Dim + c.Dim*c.Dim + 1 + 2*c.PELevels*c.Dim }

func linearCount(in, out int) int { return in*out + out }

// ParamCount is the number of trainable parameters New builds for c
// (after WithDefaults), without building them.
func (c Config) ParamCount() int {
	c = c.WithDefaults()
	l, kh, w, d := c.Latent, c.KernelHidden, c.AttentionWidth, c.Dim
	n := nn.GraphMLPParamCount(c.NodeFeatures(), l, mlpHidden, l, true)
	n += nn.GraphMLPParamCount(c.EdgeFeatures(), l, mlpHidden, l, true)
	n += 2 * c.InteractionLayers * nn.InteractionParamCount(l, l, l, mlpHidden, true)
	// GNO encode kernel [d + L, KH, KH, L], tokens in, attention blocks,
	// tokens out, GNO decode kernel [d, KH, KH, L].
	n += linearCount(d+l, kh) + linearCount(kh, kh) + linearCount(kh, l)
	n += linearCount(l+d, w)
	n += c.AttentionLayers * (2*w + 4*linearCount(w, w) + 2*w + 2*linearCount(w, w))
	n += linearCount(w, l)
	n += linearCount(d, kh) + linearCount(kh, kh) + linearCount(kh, l)
	n += nn.GraphMLPParamCount(l, l, mlpHidden, d, false)
	if c.Recon {
		n += c.ReconParamCount()
	}
	return n
}

// ReconParamCount is the number of parameters of the reconstructor's
// residual MLP [d + d^2 + 1 + 2 PELevels d, ReconHidden, ReconHidden, d].
func (c Config) ReconParamCount() int {
	c = c.WithDefaults()
	h := c.ReconHidden
	return linearCount(c.reconIn(), h) + linearCount(h, h) + linearCount(h, c.Dim)
}

// features is the lagrangian encoding of c, with the noise folded into
// the statistics.
func (c Config) features() lagrangian.Features {
	return lagrangian.Features{Dim: c.Dim, Radius: c.Radius, Lo: c.BoxLo, Hi: c.BoxHi, Stats: c.Stats.Effective(c.NoiseStd)}
}
