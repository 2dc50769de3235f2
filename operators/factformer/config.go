package factformer

import (
	"fmt"
	"math"
)

// The variants New builds.
const (
	VariantFactFormer  = "factformer"    // chained axial kernels, depth distinct blocks, latent time marching
	VariantIFactChain  = "ifactformer-o" // chained kernels, one weight-shared block iterated Layers times
	VariantIFactParall = "ifactformer-m" // parallel kernels concatenated, weight-shared block iterated
)

// Input embeddings.
const (
	EmbedLinear = "linear" // Linear(in_fields*in_frames -> dim) on the stacked frames (FactFormer 2-D)
	EmbedConv   = "conv"   // grouped 1x1 conv per field, GELU, conv over time (FactFormer 3-D, IFactFormer)
)

// Output normalisations of a block's integral.
const (
	NormGroup    = "group"    // per head over the grid and its channels, unbiased variance, eps 1e-8 (FactFormer)
	NormInstance = "instance" // per channel over the grid, biased variance, eps 1e-5 (IFactFormer InstanceNorm3d)
)

// Coordinate schemes of the positional features.
const (
	CoordsEndpoint = "endpoint" // linspace(0, L, n): both ends included, as upstream
	CoordsPeriodic = "periodic" // L i / n, i < n: the periodic grid, endpoint excluded
)

// Config describes a FactFormer or IFactFormer. Zero fields take the
// upstream values of the variant and spatial dimension (WithDefaults).
type Config struct {
	Variant    string `json:"variant"`     // factformer | ifactformer-o | ifactformer-m
	SpatialDim int    `json:"spatial_dim"` // number of spatial axes: 1, 2 or 3
	InFields   int    `json:"in_fields"`   // variables per input frame (upstream in_dim)
	InFrames   int    `json:"in_frames"`   // input frames (upstream in_time_window)
	OutFields  int    `json:"out_fields"`  // variables per output frame (upstream out_dim)
	Embed      string `json:"embed"`       // input embedding: linear | conv

	Dim              int     `json:"dim"`               // hidden width (upstream dim)
	Depth            int     `json:"depth"`             // distinct blocks
	Layers           int     `json:"layers"`            // IFactFormer: iterations of each weight-shared block (upstream n_layer)
	Heads            int     `json:"heads"`             // kernel heads
	DimHead          int     `json:"dim_head"`          // value channels per head
	KernelMultiplier int     `json:"kernel_multiplier"` // q/k width per head = dim_head * kernel_multiplier
	OutNorm          string  `json:"out_norm"`          // normalisation after the integral: group | instance
	Quadrature       bool    `json:"quadrature"`        // weight each axis kernel by 1/n_a (upstream: off)
	LatentMultiplier float64 `json:"latent_multiplier"` // FactFormer: latent width = int(dim * latent_multiplier)
	MaxLatentSteps   int     `json:"max_latent_steps"`  // FactFormer: latent time steps (frames) one call can produce
	DecoderGroups    int     `json:"decoder_groups"`    // FactFormer: GroupNorm groups of the decoder

	RFFSigma    float64   `json:"rff_sigma"`   // std of the frozen random Fourier matrix B
	RFFSeed     uint64    `json:"rff_seed"`    // seed of B: the frozen features depend on the config only
	Coordinates string    `json:"coordinates"` // endpoint | periodic
	Extent      []float64 `json:"extent"`      // domain length per axis (default 2 pi each)
}

// WithDefaults fills zero fields with the upstream configurations:
// FactFormer 2-D as configs/ns2d_fact_lm.yml (Kolmogorov flow: dim 128,
// depth 4, heads 8, dim_head 64, kernel multiplier 2, latent multiplier
// 2, 4 latent steps, 10 input frames of one field, 16 decoder groups),
// FactFormer 3-D as configs/ns3d_fact_lm.yml (heads 6, kernel multiplier 3,
// latent multiplier 1.5, 2 latent steps, 4 fields, 10 frames, 8 decoder
// groups), IFactFormer as configs/IFactFormer.yml (3-D, dim 96, heads 5,
// dim_head 96, kernel multiplier 3, depth 1, 10 layers, 3 fields, 1
// frame). The random Fourier features have sigma 8 and the coordinates
// are linspace(0, 2 pi, n) with the endpoint on every axis.
func (c Config) WithDefaults() Config {
	if c.Variant == "" {
		c.Variant = VariantFactFormer
	}
	fill := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Variant == VariantFactFormer {
		fill(&c.SpatialDim, 2)
		fill(&c.Dim, 128)
		fill(&c.Depth, 4)
		fill(&c.DimHead, 64)
		fill(&c.InFrames, 10)
		if c.SpatialDim == 3 {
			fill(&c.InFields, 4)
			fill(&c.OutFields, 4)
			fill(&c.Heads, 6)
			fill(&c.KernelMultiplier, 3)
			fill(&c.MaxLatentSteps, 2)
			if c.LatentMultiplier == 0 {
				c.LatentMultiplier = 1.5
			}
			fill(&c.DecoderGroups, 8)
			if c.Embed == "" {
				c.Embed = EmbedConv
			}
		} else {
			fill(&c.InFields, 1)
			fill(&c.OutFields, 1)
			fill(&c.Heads, 8)
			fill(&c.KernelMultiplier, 2)
			fill(&c.MaxLatentSteps, 4)
			if c.LatentMultiplier == 0 {
				c.LatentMultiplier = 2
			}
			fill(&c.DecoderGroups, int(8*c.LatentMultiplier))
			if c.Embed == "" {
				c.Embed = EmbedLinear
			}
		}
		if c.OutNorm == "" {
			c.OutNorm = NormGroup
		}
	} else {
		fill(&c.SpatialDim, 3)
		fill(&c.InFields, 3)
		fill(&c.InFrames, 1)
		fill(&c.OutFields, 3)
		fill(&c.Dim, 96)
		fill(&c.Depth, 1)
		fill(&c.Layers, 10)
		fill(&c.Heads, 5)
		fill(&c.DimHead, 96)
		fill(&c.KernelMultiplier, 3)
		if c.Embed == "" {
			c.Embed = EmbedConv
		}
		if c.OutNorm == "" {
			c.OutNorm = NormInstance
		}
	}
	if c.RFFSigma == 0 {
		c.RFFSigma = 8
	}
	if c.Coordinates == "" {
		c.Coordinates = CoordsEndpoint
	}
	if len(c.Extent) == 0 && c.SpatialDim >= 1 && c.SpatialDim <= 3 {
		c.Extent = make([]float64, c.SpatialDim)
		for i := range c.Extent {
			c.Extent[i] = 2 * math.Pi
		}
	}
	return c
}

// factFormer reports whether the variant marches in latent time.
func (c Config) factFormer() bool { return c.Variant == VariantFactFormer }

// latent is the latent width of FactFormer's time marching.
func (c Config) latent() int { return int(float64(c.Dim) * c.LatentMultiplier) }

// kernelDim is the q/k width per head.
func (c Config) kernelDim() int { return c.DimHead * c.KernelMultiplier }

// Validate checks the configuration (after WithDefaults) against nothing
// but itself.
func (c Config) Validate() error {
	pos := func(name string, v int) error {
		if v < 1 {
			return fmt.Errorf("factformer: %s must be at least 1, got %d", name, v)
		}
		return nil
	}
	switch c.Variant {
	case VariantFactFormer, VariantIFactChain, VariantIFactParall:
	default:
		return fmt.Errorf("factformer: variant must be %q, %q or %q, got %q", VariantFactFormer, VariantIFactChain, VariantIFactParall, c.Variant)
	}
	if c.SpatialDim < 1 || c.SpatialDim > 3 {
		return fmt.Errorf("factformer: spatial_dim must be 1, 2 or 3, got %d", c.SpatialDim)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"in_fields", c.InFields}, {"in_frames", c.InFrames}, {"out_fields", c.OutFields}, {"dim", c.Dim},
		{"depth", c.Depth}, {"heads", c.Heads}, {"dim_head", c.DimHead}, {"kernel_multiplier", c.KernelMultiplier}} {
		if err := pos(f.name, f.v); err != nil {
			return err
		}
	}
	if c.Dim%2 != 0 {
		return fmt.Errorf("factformer: dim must be even (the random Fourier features are dim/2 sines and dim/2 cosines), got %d", c.Dim)
	}
	if c.kernelDim()%2 != 0 {
		return fmt.Errorf("factformer: dim_head * kernel_multiplier must be even for the rotary embedding, got %d * %d", c.DimHead, c.KernelMultiplier)
	}
	switch c.Embed {
	case EmbedLinear:
	case EmbedConv:
		if (c.Dim/2)%c.InFields != 0 {
			return fmt.Errorf("factformer: embed = conv needs dim/2 = %d to be a multiple of in_fields = %d (one group per field)", c.Dim/2, c.InFields)
		}
	default:
		return fmt.Errorf("factformer: embed must be %q or %q, got %q", EmbedLinear, EmbedConv, c.Embed)
	}
	switch c.OutNorm {
	case NormGroup, NormInstance:
	default:
		return fmt.Errorf("factformer: out_norm must be %q or %q, got %q", NormGroup, NormInstance, c.OutNorm)
	}
	if c.factFormer() {
		if c.Layers > 1 {
			return fmt.Errorf("factformer: layers (weight-shared iterations) applies to the ifactformer variants; variant factformer stacks depth = %d distinct blocks, got layers = %d", c.Depth, c.Layers)
		}
		if !(c.LatentMultiplier > 0) || math.IsInf(c.LatentMultiplier, 0) {
			return fmt.Errorf("factformer: latent_multiplier must be positive and finite, got %v", c.LatentMultiplier)
		}
		l := c.latent()
		if l < 8 || l%8 != 0 {
			return fmt.Errorf("factformer: the latent width int(dim * latent_multiplier) = %d must be a positive multiple of 8 (the decoder's grouped 1x1 convolution has 8 groups)", l)
		}
		if c.Dim%8 != 0 {
			return fmt.Errorf("factformer: dim must be a multiple of 8 (the decoder's grouped 1x1 convolution has 8 groups), got %d", c.Dim)
		}
		if err := pos("max_latent_steps", c.MaxLatentSteps); err != nil {
			return err
		}
		if c.DecoderGroups < 1 || l%c.DecoderGroups != 0 {
			return fmt.Errorf("factformer: decoder_groups must divide the latent width %d, got %d", l, c.DecoderGroups)
		}
	} else {
		if err := pos("layers", c.Layers); err != nil {
			return err
		}
		switch {
		case c.LatentMultiplier != 0:
			return fmt.Errorf("factformer: latent_multiplier applies to variant factformer only, got %v for %s", c.LatentMultiplier, c.Variant)
		case c.MaxLatentSteps != 0:
			return fmt.Errorf("factformer: max_latent_steps applies to variant factformer only (%s predicts one frame per call), got %d", c.Variant, c.MaxLatentSteps)
		case c.DecoderGroups != 0:
			return fmt.Errorf("factformer: decoder_groups applies to variant factformer only, got %d for %s", c.DecoderGroups, c.Variant)
		}
	}
	if !(c.RFFSigma >= 0) || math.IsInf(c.RFFSigma, 0) {
		return fmt.Errorf("factformer: rff_sigma must be a finite number >= 0, got %v", c.RFFSigma)
	}
	switch c.Coordinates {
	case CoordsEndpoint, CoordsPeriodic:
	default:
		return fmt.Errorf("factformer: coordinates must be %q or %q, got %q", CoordsEndpoint, CoordsPeriodic, c.Coordinates)
	}
	if len(c.Extent) != c.SpatialDim {
		return fmt.Errorf("factformer: extent must list %d lengths (one per axis), got %v", c.SpatialDim, c.Extent)
	}
	for a, l := range c.Extent {
		if !(l > 0) || math.IsInf(l, 0) {
			return fmt.Errorf("factformer: extent[%d] must be positive and finite, got %v", a, l)
		}
	}
	return nil
}

// Steps is the number of frames one Forward call returns: MaxLatentSteps
// for FactFormer, 1 for IFactFormer.
func (c Config) Steps() int {
	if c.factFormer() {
		return c.MaxLatentSteps
	}
	return 1
}

// ParamCount is the number of trainable parameters New builds for c
// (after WithDefaults), computed without allocating them, in float64 so
// that a configuration far too large to build gives a large number
// rather than an overflow. The frozen random Fourier matrices are not
// counted (FrozenCount).
func (c Config) ParamCount() float64 {
	c = c.WithDefaults()
	d, h, dh := float64(c.Dim), float64(c.Heads), float64(c.DimHead)
	kd := float64(c.kernelDim())
	axes := float64(c.SpatialDim)
	var n float64
	// Input embedding.
	if c.Embed == EmbedConv {
		n += d + d*float64(c.InFrames)*d/2 // grouped 1x1 conv (weight and bias per output), time conv (no bias)
	} else {
		ch := float64(c.InFields * c.InFrames)
		n += ch*d + d
	}
	// One block: LayerNorm, value, input projection, a pooling reducer
	// (Linear, LayerNorm, GeGLU MLP [dim, dim, latent], latent = dim here)
	// and a low-rank kernel (q, k) per axis, output MLP.
	cat := 1.0
	if c.Variant == VariantIFactParall {
		cat = axes
	}
	reducer := d*d + 2*d + (d*2*d + 2*d) + (d*d + d)
	block := 2*d + d*h*dh + d*d + axes*(reducer+2*d*h*kd) + cat*h*dh*d + d*d
	posEnc := d*d + d
	n += float64(c.Depth) * (posEnc + block)
	if c.factFormer() {
		l := float64(c.latent())
		n += d * l                                                                 // expand_latent
		n += float64(c.MaxLatentSteps) * l                                         // time embedding
		n += 2*l + (l*d + d) + (d*l + l)                                           // propagator: LayerNorm, MLP [latent, dim, latent]
		n += 2*l + d*l/8 + d*d/2 + d/2*float64(c.OutFields) + float64(c.OutFields) // decoder
	} else {
		n += d*d/2 + d/2*float64(c.OutFields) + float64(c.OutFields) // head: 1x1 conv (no bias), GELU, 1x1 conv
	}
	return n
}

// FrozenCount is the number of frozen (untrained) values: the random
// Fourier matrices B, [spatial_dim, dim/2] per block. PyTorch counts them
// among a model's parameters (requires_grad=False), so upstream parameter
// totals are ParamCount + FrozenCount.
func (c Config) FrozenCount() float64 {
	c = c.WithDefaults()
	return float64(c.Depth) * float64(c.SpatialDim) * float64(c.Dim/2)
}

// Coords returns the coordinates of a grid with the given sizes on each
// axis: linspace(0, L_a, n_a) (endpoint) or L_a i / n_a (periodic).
func (c Config) Coords(spatial []int) [][]float64 {
	c = c.WithDefaults()
	out := make([][]float64, len(spatial))
	for a, n := range spatial {
		l := 2 * math.Pi
		if a < len(c.Extent) {
			l = c.Extent[a]
		}
		x := make([]float64, n)
		for i := range x {
			switch {
			case c.Coordinates == CoordsPeriodic:
				x[i] = l * float64(i) / float64(n)
			case n > 1:
				x[i] = l * float64(i) / float64(n-1)
			}
		}
		out[a] = x
	}
	return out
}
