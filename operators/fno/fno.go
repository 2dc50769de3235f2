// Package fno is the Fourier Neural Operator of Li et al. (ICLR 2021), as in
// the original scripts fourier_1d.py / fourier_2d.py / fourier_3d.py:
//
//	v0 = P(a(x), x)                          lifting, pointwise Linear(in + d -> width)
//	v_{l+1} = sigma(K_l v_l + W_l v_l + b_l)  l = 0..L-1, no sigma after the last layer
//	u = Q2 sigma(Q1 v_L)                      projection width -> 128 -> out
//
// K_l is the spectral convolution (autograd.SpectralConv): rFFT over the d
// spatial axes, a complex Cin x Cout matrix per kept mode, irFFT. Modes
// count per corner, as in the original scripts (modes = 12 in 2D keeps
// 2*12 x 12 coefficients); neuraloperator >= 0.3 counts n_modes = 2 modes
// on full axes. W_l is a 1x1 convolution (a shared Linear over channels).
// The normalised grid coordinates in [0, 1] are appended to the input.
//
// Padding (Darcy): the fields are zero-padded on the high side of every
// spatial axis by PadFraction of their size before the Fourier layers and
// cropped after, so the padding scales with resolution and zero-shot
// super-resolution keeps working (the fixed 9 cells of fourier_2d.py break
// it, issue #72).
package fno

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/grid"
	"github.com/surrogo/surrogo/tensor"
)

// Config describes an FNO.
type Config struct {
	Dim         int     `json:"dim"`          // spatial dimension 1, 2 or 3
	InChannels  int     `json:"in_channels"`  // input field channels (grid coordinates are added)
	OutChannels int     `json:"out_channels"` // output channels
	Width       int     `json:"width"`        // hidden channels (FNO: 64 in 1D, 32 in 2D, 20 in 3D)
	Modes       []int   `json:"modes"`        // kept modes per corner, one per axis
	Layers      int     `json:"layers"`       // Fourier layers (4)
	ProjHidden  int     `json:"proj_hidden"`  // projection hidden size (128)
	PadFraction float64 `json:"pad_fraction"` // domain padding per axis as a fraction of its size (0: none)
	Activation  string  `json:"activation"`   // "gelu"
}

// WithDefaults fills zero fields with the original scripts' values.
func (c Config) WithDefaults() Config {
	if c.Layers == 0 {
		c.Layers = 4
	}
	if c.ProjHidden == 0 {
		c.ProjHidden = 128
	}
	if c.Activation == "" {
		c.Activation = "gelu"
	}
	if c.OutChannels == 0 {
		c.OutChannels = 1
	}
	return c
}

// Validate checks the configuration against nothing but itself; CheckGrid
// checks it against a grid.
func (c Config) Validate() error {
	switch {
	case c.Dim < 1 || c.Dim > 3:
		return fmt.Errorf("fno: dim must be 1, 2 or 3, got %d", c.Dim)
	case c.InChannels < 1:
		return fmt.Errorf("fno: in_channels must be at least 1, got %d", c.InChannels)
	case c.OutChannels < 1:
		return fmt.Errorf("fno: out_channels must be at least 1, got %d", c.OutChannels)
	case c.Width < 1:
		return fmt.Errorf("fno: width must be at least 1, got %d", c.Width)
	case c.Layers < 1:
		return fmt.Errorf("fno: layers must be at least 1, got %d", c.Layers)
	case c.ProjHidden < 1:
		return fmt.Errorf("fno: proj_hidden must be at least 1, got %d", c.ProjHidden)
	case c.PadFraction < 0 || c.PadFraction > 1 || math.IsNaN(c.PadFraction):
		return fmt.Errorf("fno: pad_fraction must be in [0, 1], got %v", c.PadFraction)
	case len(c.Modes) != c.Dim:
		return fmt.Errorf("fno: modes must list %d values (one per axis), got %v", c.Dim, c.Modes)
	}
	for a, m := range c.Modes {
		if m < 1 {
			return fmt.Errorf("fno: modes[%d] must be at least 1, got %d", a, m)
		}
	}
	if _, err := nn.ParseActivation(c.Activation); err != nil {
		return err
	}
	return nil
}

// padded returns the padded size of an axis of n points.
func (c Config) padded(n int) int { return n + int(math.Round(c.PadFraction*float64(n))) }

// CheckGrid verifies that the modes fit the (padded) grid: at most n/2
// per corner on full axes and n/2+1 on the last (half-spectrum) axis.
func (c Config) CheckGrid(spatial []int) error {
	if len(spatial) != c.Dim {
		return fmt.Errorf("fno: a %dD model got a %dD grid %v", c.Dim, len(spatial), spatial)
	}
	for a, n := range spatial {
		p := c.padded(n)
		limit := p / 2
		if a == c.Dim-1 {
			limit = p/2 + 1
		}
		if c.Modes[a] > limit {
			return fmt.Errorf("fno: modes[%d] = %d exceeds what a grid of %d points (padded %d) allows: at most %d", a, c.Modes[a], n, p, limit)
		}
	}
	return nil
}

// FNO is the model.
type FNO[T tensor.Float] struct {
	Cfg       Config
	Lift      *nn.Linear[T]
	Spectral  []*autograd.Var[T] // [2^(d-1), width, width, modes..., 2]
	Pointwise []*nn.Linear[T]    // W_l, b_l as [width, width], [width]
	Proj1     *nn.Linear[T]
	Proj2     *nn.Linear[T]
	act       nn.Activation
	coords    grid.Cache[T] // positional inputs, built once per grid
}

// New builds an FNO with the original scripts' initialisation: PyTorch's
// default Linear / 1x1-conv init, spectral weights scale * U[0, 1) with
// scale = 1/(width^2).
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*FNO[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	act, _ := nn.ParseActivation(cfg.Activation)
	m := &FNO[T]{Cfg: cfg, act: act}
	m.Lift = nn.NewLinear[T](r, cfg.InChannels+cfg.Dim, cfg.Width, true)
	blocks := autograd.SpectralBlocks(cfg.Dim)
	shape := append([]int{blocks, cfg.Width, cfg.Width}, cfg.Modes...)
	shape = append(shape, 2)
	for l := 0; l < cfg.Layers; l++ {
		m.Spectral = append(m.Spectral, autograd.Param(SpectralInit[T](r, cfg.Width, cfg.Width, shape...)))
		m.Pointwise = append(m.Pointwise, nn.NewLinear[T](r, cfg.Width, cfg.Width, true))
	}
	m.Proj1 = nn.NewLinear[T](r, cfg.Width, cfg.ProjHidden, true)
	m.Proj2 = nn.NewLinear[T](r, cfg.ProjHidden, cfg.OutChannels, true)
	return m, nil
}

// Params names every parameter as the original scripts do (fc0, conv<l>,
// w<l>, fc1, fc2).
func (m *FNO[T]) Params() []nn.Param[T] {
	ps := nn.Prefixed("fc0", m.Lift.Params())
	for l := range m.Spectral {
		ps = append(ps, nn.Param[T]{Name: fmt.Sprintf("conv%d.weights", l), Var: m.Spectral[l]})
		ps = append(ps, nn.Prefixed(fmt.Sprintf("w%d", l), m.Pointwise[l].Params())...)
	}
	ps = append(ps, nn.Prefixed("fc1", m.Proj1.Params())...)
	return append(ps, nn.Prefixed("fc2", m.Proj2.Params())...)
}

// Forward maps a [B, s_1..s_d, InChannels] (channels last, as the FNO
// scripts) to u [B, s_1..s_d, OutChannels]. Any resolution whose modes fit
// is accepted (zero-shot super-resolution).
func (m *FNO[T]) Forward(a *autograd.Var[T]) (*autograd.Var[T], error) {
	cfg := m.Cfg
	s := a.Shape()
	if len(s) != cfg.Dim+2 || s[len(s)-1] != cfg.InChannels {
		return nil, fmt.Errorf("fno: input shape %v, expected [batch, %d spatial axes, %d channels]", s, cfg.Dim, cfg.InChannels)
	}
	b := s[0]
	spatial := append([]int{}, s[1:cfg.Dim+1]...)
	if err := cfg.CheckGrid(spatial); err != nil {
		return nil, err
	}
	// Under NoGrad (inference) each intermediate is recycled as soon as the
	// next one is computed from it: no graph refers to it.
	recycle := !autograd.GradEnabled()
	next := func(prev, v *autograd.Var[T]) *autograd.Var[T] {
		if recycle && (v == nil || !tensor.SameBuffer(prev.Value, v.Value)) {
			tensor.Recycle(prev.Value)
		}
		return v
	}
	x := autograd.Concat(-1, a, autograd.Const(m.coords.Get(b, spatial)))
	x = next(x, m.Lift.Forward(x)) // [B, s..., W]
	// Channels first for the Fourier layers: [B, W, s...].
	perm := []int{0, cfg.Dim + 1}
	for i := 1; i <= cfg.Dim; i++ {
		perm = append(perm, i)
	}
	x = next(x, autograd.Permute(x, perm...))
	padded := make([]int, cfg.Dim)
	for i, n := range spatial {
		padded[i] = cfg.padded(n)
		if padded[i] > n {
			x = next(x, autograd.Pad(x, 2+i, 0, padded[i]-n, 0))
		}
	}
	npts := tensor.Size(padded)
	for l := 0; l < cfg.Layers; l++ {
		k := autograd.SpectralConv(x, m.Spectral[l], cfg.Modes)
		// x = K x + W x + b: the pointwise layer added to the spectral branch.
		flat := autograd.Reshape(x, b, cfg.Width, npts)
		sum := autograd.ChannelLinear(flat, m.Pointwise[l].W, m.Pointwise[l].B, autograd.Reshape(k, b, cfg.Width, npts))
		next(k, nil)
		x = next(x, autograd.Reshape(sum, append([]int{b, cfg.Width}, padded...)...))
		if l+1 < cfg.Layers {
			x = next(x, nn.Apply(m.act, x))
		}
	}
	for i, n := range spatial {
		if padded[i] > n {
			x = next(x, autograd.Slice(x, 2+i, 0, n))
		}
	}
	x = next(x, autograd.Permute(x, tensor.InversePermutation(perm)...)) // [B, s..., W]
	x = next(x, m.Proj1.Forward(x))
	x = next(x, nn.Apply(m.act, x))
	return next(x, m.Proj2.Forward(x)), nil
}

// ParamCount is the number of parameters New builds for c (after
// WithDefaults), computed without allocating them: in float64, so that a
// configuration far too large to build gives a large number rather than an
// overflow. Callers use it to refuse what cannot fit in memory.
func (c Config) ParamCount() float64 {
	c = c.WithDefaults()
	kept := float64(autograd.SpectralBlocks(max(c.Dim, 1))) // one block of modes per corner
	for _, m := range c.Modes {
		kept *= float64(m)
	}
	w, in, out, p := float64(c.Width), float64(c.InChannels+c.Dim), float64(c.OutChannels), float64(c.ProjHidden)
	perLayer := 2*w*w*kept + w*w + w // complex spectral weights, 1x1 convolution and its bias
	return in*w + w + float64(c.Layers)*perLayer + w*p + p + p*out + out
}
