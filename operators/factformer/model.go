package factformer

import (
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Model is a FactFormer or an IFactFormer (Config.Variant).
type Model[T tensor.Float] struct {
	Cfg Config

	// Input embedding: EmbedLin (embed = linear), or the grouped 1x1
	// convolution EmbedW1 [dim/2], EmbedB1 [dim/2] (output channel o reads
	// field o / (dim / (2 in_fields))), GELU, and the time convolution
	// EmbedW2 [dim, dim/2, in_frames] (embed = conv).
	EmbedLin         *nn.Linear[T]
	EmbedW1, EmbedB1 *autograd.Var[T]
	EmbedW2          *autograd.Var[T]

	PosEnc []*nn.Linear[T]     // Linear(dim, dim) of the random Fourier features, per block
	RFF    []*tensor.Tensor[T] // frozen B [spatial_dim, dim/2], per block
	Blocks []*FABlock[T]

	// FactFormer: latent time marching and decoder.
	Expand   *nn.Linear[T]    // dim -> latent, no bias
	TimeEmb  *autograd.Var[T] // [max_latent_steps, latent]
	PropNorm *nn.LayerNorm[T] // LayerNorm(latent)
	Prop1    *nn.Linear[T]    // latent -> dim
	Prop2    *nn.Linear[T]    // dim -> latent
	DecNorm  *nn.GroupNorm[T] // GroupNorm(decoder_groups, latent), channel-last here
	DecGroup *autograd.Var[T] // grouped 1x1 conv [dim, latent/8], 8 groups, no bias
	Dec2     *nn.Linear[T]    // dim -> dim/2, no bias
	Dec3     *nn.Linear[T]    // dim/2 -> out_fields

	// IFactFormer head.
	Head1 *nn.Linear[T] // dim -> dim/2, no bias
	Head2 *nn.Linear[T] // dim/2 -> out_fields

	feat featureCache[T]
}

// featureCache keeps the positional features of the last grid.
type featureCache[T tensor.Float] struct {
	pos  [][]float64
	feat []*tensor.Tensor[T] // per block [s..., dim]
}

// New builds a model with upstream's initialisation: PyTorch's default
// Linear and convolution init, LayerNorm/GroupNorm weight 1 and bias 0,
// Xavier-uniform gain 0.02 for the kernels' q and k, the latent time
// embedding N(0, 0.02^2). The frozen matrices B ~ N(0, rff_sigma^2) come
// from rff_seed (stream l for block l), not from r, so they are fixed by
// the configuration.
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*Model[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model[T]{Cfg: cfg}
	d := cfg.Dim
	if cfg.Embed == EmbedConv {
		m.EmbedW1 = autograd.Param(nn.Uniform[T](r, -1, 1, d/2)) // fan_in 1
		m.EmbedB1 = autograd.Param(nn.Uniform[T](r, -1, 1, d/2))
		bound := 1 / math.Sqrt(float64(d/2*cfg.InFrames))
		m.EmbedW2 = autograd.Param(nn.Uniform[T](r, -bound, bound, d, d/2, cfg.InFrames))
	} else {
		m.EmbedLin = nn.NewLinear[T](r, cfg.InFields*cfg.InFrames, d, true)
	}
	bc := BlockConfig{Axes: cfg.SpatialDim, Dim: d, DimHead: cfg.DimHead, Heads: cfg.Heads, Latent: d,
		KernelMultiplier: cfg.KernelMultiplier, DimOut: d, Parallel: cfg.Variant == VariantIFactParall,
		OutNorm: cfg.OutNorm, Quadrature: cfg.Quadrature}
	for l := 0; l < cfg.Depth; l++ {
		rr := tensor.NewRNGStream(cfg.RFFSeed, uint64(l))
		m.RFF = append(m.RFF, nn.Normal[T](rr, 0, cfg.RFFSigma, cfg.SpatialDim, d/2))
		m.PosEnc = append(m.PosEnc, nn.NewLinear[T](r, d, d, true))
		blk, err := NewBlock[T](bc, r)
		if err != nil {
			return nil, err
		}
		m.Blocks = append(m.Blocks, blk)
	}
	if cfg.factFormer() {
		lat := cfg.latent()
		m.Expand = nn.NewLinear[T](r, d, lat, false)
		m.TimeEmb = autograd.Param(nn.Normal[T](r, 0, 0.02, cfg.MaxLatentSteps, lat))
		m.PropNorm = nn.NewLayerNorm[T](lat)
		m.Prop1 = nn.NewLinear[T](r, lat, d, true)
		m.Prop2 = nn.NewLinear[T](r, d, lat, true)
		gn, err := nn.NewGroupNorm[T](cfg.DecoderGroups, lat)
		if err != nil {
			return nil, err
		}
		m.DecNorm = gn
		bound := 1 / math.Sqrt(float64(lat/8))
		m.DecGroup = autograd.Param(nn.Uniform[T](r, -bound, bound, d, lat/8))
		m.Dec2 = nn.NewLinear[T](r, d, d/2, false)
		m.Dec3 = nn.NewLinear[T](r, d/2, cfg.OutFields, true)
	} else {
		m.Head1 = nn.NewLinear[T](r, d, d/2, false)
		m.Head2 = nn.NewLinear[T](r, d/2, cfg.OutFields, true)
	}
	return m, nil
}

// Params names every trainable parameter as upstream's state_dict
// (examples/turb_ns2d_fact_lm.py FactFormer2D, turb_ns3d_fact_lm.py
// FactFormer3D, IFactFormer libs/model.py Model). Shapes drop the
// convolutions' kernel axes of size 1 and the time embedding's singleton
// axes.
func (m *Model[T]) Params() []nn.Param[T] {
	var ps []nn.Param[T]
	if m.EmbedLin != nil {
		ps = nn.Prefixed("to_in", m.EmbedLin.Params())
	} else {
		ps = []nn.Param[T]{{Name: "to_in.0.weight", Var: m.EmbedW1}, {Name: "to_in.0.bias", Var: m.EmbedB1}, {Name: "to_in.2.weight", Var: m.EmbedW2}}
	}
	for l, blk := range m.Blocks {
		ps = append(ps, nn.Prefixed(fmt.Sprintf("encoder.layers.%d.0.1", l), m.PosEnc[l].Params())...)
		ps = append(ps, nn.Prefixed(fmt.Sprintf("encoder.layers.%d.1", l), blk.Params())...)
	}
	if m.Cfg.factFormer() {
		ps = append(ps, nn.Prefixed("expand_latent", m.Expand.Params())...)
		ps = append(ps, nn.Param[T]{Name: "latent_time_emb", Var: m.TimeEmb})
		ps = append(ps, nn.Prefixed("propagator.norm", m.PropNorm.Params())...)
		ps = append(ps, nn.Prefixed("propagator.fn.net.0", m.Prop1.Params())...)
		ps = append(ps, nn.Prefixed("propagator.fn.net.3", m.Prop2.Params())...)
		ps = append(ps, nn.Prefixed("simple_to_out.1", m.DecNorm.Params())...)
		ps = append(ps, nn.Param[T]{Name: "simple_to_out.2.weight", Var: m.DecGroup})
		ps = append(ps, nn.Prefixed("simple_to_out.4", m.Dec2.Params())...)
		ps = append(ps, nn.Prefixed("simple_to_out.6", m.Dec3.Params())...)
	} else {
		ps = append(ps, nn.Prefixed("simple_to_out.1", m.Head1.Params())...)
		ps = append(ps, nn.Prefixed("simple_to_out.3", m.Head2.Params())...)
	}
	return ps
}

// Buffers returns the frozen random Fourier matrices under upstream's
// names (encoder.layers.<l>.0.0._B): not trained and not in Params.
func (m *Model[T]) Buffers() []nn.Param[T] {
	ps := make([]nn.Param[T], len(m.RFF))
	for l, b := range m.RFF {
		ps[l] = nn.Param[T]{Name: fmt.Sprintf("encoder.layers.%d.0.0._B", l), Var: autograd.Const(b)}
	}
	return ps
}

// Forward maps x [B, s..., in_fields*in_frames] (channels last, frame j's
// field c in channel j*in_fields + c) to [B, s..., out_fields*Steps()] on
// the configured coordinates.
func (m *Model[T]) Forward(x *autograd.Var[T]) (*autograd.Var[T], error) {
	return m.ForwardSteps(x, m.Cfg.Steps())
}

// ForwardSteps is Forward with steps latent time steps (FactFormer, 1 to
// max_latent_steps: the curriculum of upstream's training); the output is
// [B, s..., out_fields*steps], frame-major. IFactFormer takes steps = 1.
func (m *Model[T]) ForwardSteps(x *autograd.Var[T], steps int) (*autograd.Var[T], error) {
	s := x.Shape()
	if len(s) != m.Cfg.SpatialDim+2 {
		return nil, fmt.Errorf("factformer: input shape %v, expected [batch, %d spatial axes, %d channels]", s, m.Cfg.SpatialDim, m.Cfg.InFields*m.Cfg.InFrames)
	}
	return m.ForwardOn(x, m.Cfg.Coords(s[1:len(s)-1]), steps)
}

// ForwardOn is ForwardSteps on explicit coordinates, one list per axis
// (a stretched wall-normal grid, say).
func (m *Model[T]) ForwardOn(x *autograd.Var[T], pos [][]float64, steps int) (*autograd.Var[T], error) {
	cfg := m.Cfg
	s := x.Shape()
	ch := cfg.InFields * cfg.InFrames
	if len(s) != cfg.SpatialDim+2 || s[len(s)-1] != ch {
		return nil, fmt.Errorf("factformer: input shape %v, expected [batch, %d spatial axes, %d channels (%d fields x %d frames)]", s, cfg.SpatialDim, ch, cfg.InFields, cfg.InFrames)
	}
	if steps < 1 || steps > cfg.Steps() {
		return nil, fmt.Errorf("factformer: %d steps asked of a %s model that makes 1 to %d", steps, cfg.Variant, cfg.Steps())
	}
	spatial := s[1 : len(s)-1]
	if err := checkPos(pos, spatial); err != nil {
		return nil, err
	}
	u := m.embed(x)
	feats := m.features(pos)
	for l, blk := range m.Blocks {
		u = autograd.Add(u, m.PosEnc[l].Forward(autograd.Const(feats[l])))
		if cfg.factFormer() {
			y, err := blk.Forward(u, pos)
			if err != nil {
				return nil, err
			}
			u = autograd.Add(y, u)
			continue
		}
		for i := 0; i < cfg.Layers; i++ {
			y, err := blk.Forward(u, pos)
			if err != nil {
				return nil, err
			}
			u = autograd.Add(u, autograd.Scale(y, T(1/float64(cfg.Layers))))
		}
	}
	if !cfg.factFormer() {
		return m.Head2.Forward(autograd.GELU(m.Head1.Forward(u))), nil
	}
	z := m.Expand.Forward(u)
	lat := cfg.latent()
	frames := make([]*autograd.Var[T], steps)
	for t := 0; t < steps; t++ {
		z = autograd.Add(z, autograd.Reshape(autograd.Slice(m.TimeEmb, 0, t, t+1), lat))
		z = autograd.Add(m.Prop2.Forward(autograd.GELU(m.Prop1.Forward(m.PropNorm.Forward(z)))), z)
		frames[t] = m.decode(z)
	}
	if steps == 1 {
		return frames[0], nil
	}
	return autograd.Concat(len(s)-1, frames...), nil
}

// embed lifts the input frames to [B, s..., dim].
func (m *Model[T]) embed(x *autograd.Var[T]) *autograd.Var[T] {
	if m.EmbedLin != nil {
		return m.EmbedLin.Forward(x)
	}
	cfg := m.Cfg
	s := x.Shape()
	n := x.Value.Len() / (s[len(s)-1] * s[0])
	half := cfg.Dim / 2
	per := half / cfg.InFields
	idx := make([]int, half)
	for o := range idx {
		idx[o] = o / per
	}
	h := autograd.Gather(autograd.Reshape(x, s[0], n, cfg.InFrames, cfg.InFields), 3, idx) // [B, N, T, dim/2]
	h = autograd.GELU(autograd.Add(autograd.Mul(h, m.EmbedW1), m.EmbedB1))
	h = autograd.Reshape(h, s[0], n, cfg.InFrames*half)
	w := autograd.Reshape(autograd.Permute(m.EmbedW2, 0, 2, 1), cfg.Dim, cfg.InFrames*half)
	out := autograd.Linear(h, w, nil)
	return autograd.Reshape(out, append(slices.Clone(s[:len(s)-1]), cfg.Dim)...)
}

// decode maps the latent state [B, s..., latent] to one frame [B, s...,
// out_fields]: GroupNorm, grouped 1x1 conv (8 groups), GELU, 1x1 conv,
// GELU, 1x1 conv.
func (m *Model[T]) decode(z *autograd.Var[T]) *autograd.Var[T] {
	s := z.Shape()
	g := m.DecNorm.Groups
	lat := s[len(s)-1]
	n := z.Value.Len() / (s[0] * lat)
	y := autograd.Reshape(normalizeOver(autograd.Reshape(z, s[0], n, g, lat/g), []int{1, 3}, m.DecNorm.Eps, false), s...)
	y = autograd.Add(autograd.Mul(y, m.DecNorm.Weight), m.DecNorm.Bias)
	y = autograd.GELU(groupedLinear(y, m.DecGroup, 8))
	return m.Dec3.Forward(autograd.GELU(m.Dec2.Forward(y)))
}

// features returns the random Fourier features [s..., dim] of every block
// for the grid pos: [sin 2 pi p B, cos 2 pi p B] at each point p, computed
// in precision T in PyTorch's order (p B, then times 2 pi).
func (m *Model[T]) features(pos [][]float64) []*tensor.Tensor[T] {
	c := &m.feat
	if c.feat != nil && slices.EqualFunc(c.pos, pos, slices.Equal[[]float64]) {
		return c.feat
	}
	spatial := make([]int, len(pos))
	for a, p := range pos {
		spatial[a] = len(p)
	}
	n := tensor.Size(spatial)
	d := len(pos)
	half := m.Cfg.Dim / 2
	twoPi := T(2 * math.Pi)
	c.feat = c.feat[:0]
	idx := make([]int, d)
	for _, b := range m.RFF {
		f := tensor.New[T](append(slices.Clone(spatial), 2*half)...)
		fd, bd := f.Data(), b.Data()
		for p := 0; p < n; p++ {
			rem := p
			for a := d - 1; a >= 0; a-- {
				idx[a] = rem % spatial[a]
				rem /= spatial[a]
			}
			for j := 0; j < half; j++ {
				var acc T
				for a := 0; a < d; a++ {
					acc += T(pos[a][idx[a]]) * bd[a*half+j]
				}
				ang := float64(twoPi * acc)
				fd[p*2*half+j] = T(math.Sin(ang))
				fd[p*2*half+half+j] = T(math.Cos(ang))
			}
		}
		c.feat = append(c.feat, f)
	}
	c.pos = make([][]float64, d)
	for a, p := range pos {
		c.pos[a] = slices.Clone(p)
	}
	return c.feat
}
