// Package t1 is Transform Once (Poli, Massaroli, Berto et al., NeurIPS
// 2022; DiffEqML/kairos src/models/t1.py): a frequency-domain model that
// transforms once, works entirely on a block of low modes, and transforms
// back once:
//
//	v = P(a(x), x)                                  lift in physical space (in + d -> width)
//	z = DCT_II(v)[..., :m_1, ..., :m_d]              orthonormal, once
//	z <- z + M_d(...M_1(sigma(C z)))                 L layers
//	u_hat = Q2 sin(Q1 z)                             head on the modes, no biases
//	u = DCT_III(u_hat)                               back to the grid (Inverse)
//
// C is a dense width x width channel mixing per mode (ModeMix), M_a a
// dense m_a x m_a mixing along mode axis a per channel (AxisMix). Since the
// head has no biases the output spectrum is band-limited to the kept modes.
//
// Initialisation follows kairos's init_fn: channel mixing N(0, s^2) with
// the variance-preserving s = gain sqrt(N / (width m)) (N the number of grid
// points, m the kept modes, gain 1 for the DCT), mode mixing N(0, 1/m_a),
// head weights 1e-8 N(0, 1).
//
// Upstream bugs fixed here (METHODS.md 2.5): modes2 is honoured (kairos
// builds every layer with modes1 twice), and the 1D model works (its
// T1Layer1d refers to undefined attributes), the rFFT variant keeps both
// frequency corners on the full-spectrum axes (kairos keeps one, see
// dft.go) and its 2-D inverse is a 2-D irfft (kairos calls the 1-D irfft).
//
// Transform "dct" (default) is the paper's main model; "dft" is the rFFT
// variant with complex weights (dft.go).
package t1

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/grid"
	"github.com/surrogo/surrogo/tensor"
)

// Config describes a T1 model.
type Config struct {
	Dim         int    `json:"dim"`          // 1 or 2
	InChannels  int    `json:"in_channels"`  // input field channels (grid coordinates are added)
	OutChannels int    `json:"out_channels"` // output channels
	Width       int    `json:"width"`        // 48 in the NS configs
	Modes       []int  `json:"modes"`        // kept modes per axis (24 x 24 in the NS configs)
	Layers      int    `json:"layers"`       // 8 in the NS configs
	HeadHidden  int    `json:"head_hidden"`  // 128
	Activation  string `json:"activation"`   // gelu (the NS/DFP configs) or sin
	Init        int    `json:"init"`         // an InitScheme (kairos weight_init): 2 = variance preserving (default)
	SignalSize  []int  `json:"signal_size"`  // grid the VP init is computed for
	Transform   string `json:"transform"`    // "dct" (default) or "dft" (rFFT, complex weights)
}

// WithDefaults fills zero fields with kairos's NS configuration.
func (c Config) WithDefaults() Config {
	if c.Layers == 0 {
		c.Layers = 8
	}
	if c.HeadHidden == 0 {
		c.HeadHidden = 128
	}
	if c.Transform == "" {
		c.Transform = "dct"
	}
	if c.Activation == "" {
		c.Activation = "gelu"
	}
	if c.OutChannels == 0 {
		c.OutChannels = 1
	}
	if c.Init == 0 {
		c.Init = int(InitVP)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Dim < 1 || c.Dim > 2:
		return fmt.Errorf("t1: dim must be 1 or 2, got %d", c.Dim)
	case c.InChannels < 1 || c.OutChannels < 1:
		return fmt.Errorf("t1: channels must be at least 1, got in %d out %d", c.InChannels, c.OutChannels)
	case c.Width < 1:
		return fmt.Errorf("t1: width must be at least 1, got %d", c.Width)
	case c.Layers < 1 || c.HeadHidden < 1:
		return fmt.Errorf("t1: layers and head_hidden must be at least 1, got %d and %d", c.Layers, c.HeadHidden)
	case len(c.Modes) != c.Dim:
		return fmt.Errorf("t1: modes must list %d values, got %v", c.Dim, c.Modes)
	case len(c.SignalSize) != c.Dim:
		return fmt.Errorf("t1: signal_size must list %d values (the training grid), got %v", c.Dim, c.SignalSize)
	}
	if _, err := nn.ParseActivation(c.Activation); err != nil {
		return err
	}
	switch c.Transform {
	case "dct":
		for a, m := range c.Modes {
			if m < 1 || m > c.SignalSize[a] {
				return fmt.Errorf("t1: modes[%d] = %d must be in [1, %d] for a grid of %d points", a, m, c.SignalSize[a], c.SignalSize[a])
			}
		}
	case "dft":
		for a, m := range c.Modes {
			if m < 1 {
				return fmt.Errorf("t1: modes[%d] = %d must be at least 1", a, m)
			}
		}
		if err := c.checkDFTModes(c.SignalSize); err != nil {
			return err
		}
	default:
		return fmt.Errorf("t1: transform must be dct or dft, got %q", c.Transform)
	}
	if _, err := InitStd(InitScheme(c.Init), 1, 1, 1, 1, 1); err != nil {
		return err
	}
	return nil
}

// T1 is the model.
type T1[T tensor.Float] struct {
	Cfg      Config
	Lift     *nn.Linear[T]
	Channel  []*autograd.Var[T]   // [width, width, m_1, ..., m_d] per layer
	Axis     [][]*autograd.Var[T] // per layer, per axis: [m_a, m_a, width]
	Head1    *nn.Linear[T]        // width -> head_hidden, no bias
	Head2    *nn.Linear[T]        // head_hidden -> out, no bias
	HeadDFT  []*autograd.Var[T]   // dft: complex head [width, head_hidden, 2], [head_hidden, out, 2]
	act      nn.Activation
	coords   grid.Cache[T] // positional inputs, built once per grid
	dctCache map[int]*tensor.Tensor[T]
	dftCache map[string]*transforms[T]
}

// New builds a T1 model.
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*T1[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	act, _ := nn.ParseActivation(cfg.Activation)
	m := &T1[T]{Cfg: cfg, act: act, dctCache: map[int]*tensor.Tensor[T]{}, dftCache: map[string]*transforms[T]{}}
	m.Lift = nn.NewLinear[T](r, cfg.InChannels+cfg.Dim, cfg.Width, true)
	if cfg.Transform == "dft" {
		m.initDFT(r)
		return m, nil
	}
	kept := tensor.Size(cfg.Modes)
	std, _ := InitStd(InitScheme(cfg.Init), cfg.Width, cfg.Width, tensor.Size(cfg.SignalSize), kept, 1)
	for l := 0; l < cfg.Layers; l++ {
		shape := append([]int{cfg.Width, cfg.Width}, cfg.Modes...)
		m.Channel = append(m.Channel, autograd.Param(nn.Normal[T](r, 0, std, shape...)))
		var axes []*autograd.Var[T]
		for _, ma := range cfg.Modes {
			axes = append(axes, autograd.Param(nn.Normal[T](r, 0, math.Sqrt(1/float64(ma)), ma, ma, cfg.Width)))
		}
		m.Axis = append(m.Axis, axes)
	}
	m.Head1 = &nn.Linear[T]{In: cfg.Width, Out: cfg.HeadHidden, W: autograd.Param(nn.Normal[T](r, 0, 1e-8, cfg.HeadHidden, cfg.Width))}
	m.Head2 = &nn.Linear[T]{In: cfg.HeadHidden, Out: cfg.OutChannels, W: autograd.Param(nn.Normal[T](r, 0, 1e-8, cfg.OutChannels, cfg.HeadHidden))}
	return m, nil
}

// Params names the parameters (fc0, layers.<l>.channel, layers.<l>.axis<a>,
// fc1, fc2).
func (m *T1[T]) Params() []nn.Param[T] {
	ps := nn.Prefixed("fc0", m.Lift.Params())
	for l := range m.Channel {
		ps = append(ps, nn.Param[T]{Name: fmt.Sprintf("layers.%d.channel", l), Var: m.Channel[l]})
		for a, v := range m.Axis[l] {
			ps = append(ps, nn.Param[T]{Name: fmt.Sprintf("layers.%d.axis%d", l, a), Var: v})
		}
	}
	if m.Cfg.Transform == "dft" {
		return append(ps, nn.Param[T]{Name: "fc1.weight", Var: m.HeadDFT[0]}, nn.Param[T]{Name: "fc2.weight", Var: m.HeadDFT[1]})
	}
	ps = append(ps, nn.Prefixed("fc1", m.Head1.Params())...)
	return append(ps, nn.Prefixed("fc2", m.Head2.Params())...)
}

// dct returns the truncated orthonormal DCT-II matrix (m x n).
func (m *T1[T]) dct(n, modes int) *tensor.Tensor[T] {
	key := n*100003 + modes
	if c, ok := m.dctCache[key]; ok {
		return c
	}
	c := tensor.DCTMatrix[T](n, modes)
	m.dctCache[key] = c
	return c
}

// Forward maps a [B, s_1..s_d, InChannels] to u [B, s_1..s_d, OutChannels]
// (physical space: one inverse transform, so the relative L2 in physical
// space equals the DCT-space loss of kairos by Parseval). Grids other than
// the training grid are accepted (the modes must fit).
func (m *T1[T]) Forward(a *autograd.Var[T]) (*autograd.Var[T], error) {
	cfg := m.Cfg
	s := a.Shape()
	if len(s) != cfg.Dim+2 || s[len(s)-1] != cfg.InChannels {
		return nil, fmt.Errorf("t1: input shape %v, expected [batch, %d spatial axes, %d channels]", s, cfg.Dim, cfg.InChannels)
	}
	b := s[0]
	spatial := s[1 : cfg.Dim+1]
	if cfg.Transform == "dft" {
		if err := cfg.checkDFTModes(spatial); err != nil {
			return nil, err
		}
	} else {
		for i, n := range spatial {
			if cfg.Modes[i] > n {
				return nil, fmt.Errorf("t1: modes[%d] = %d exceeds the grid's %d points", i, cfg.Modes[i], n)
			}
		}
	}
	x := autograd.Concat(-1, a, autograd.Const(m.coords.Get(b, spatial)))
	x = m.Lift.Forward(x) // [B, s..., W]
	perm := []int{0, cfg.Dim + 1}
	for i := 1; i <= cfg.Dim; i++ {
		perm = append(perm, i)
	}
	z := autograd.Permute(x, perm...) // [B, W, s...]
	if cfg.Transform == "dft" {
		u := m.forwardDFT(z, spatial)
		return autograd.Permute(u, tensor.InversePermutation(perm)...), nil
	}
	for i, n := range spatial {
		z = autograd.ApplyAlongAxis(z, 2+i, m.dct(n, cfg.Modes[i]))
	}
	for l := 0; l < cfg.Layers; l++ {
		h := nn.Apply(m.act, autograd.ModeMix(z, m.Channel[l]))
		for i := range spatial {
			h = autograd.AxisMix(h, m.Axis[l][i], 2+i)
		}
		z = autograd.Add(h, z)
	}
	// Head on the modes, channels last.
	zl := autograd.Permute(z, tensor.InversePermutation(perm)...) // [B, m..., W]
	u := m.Head2.Forward(autograd.Sin(m.Head1.Forward(zl)))       // [B, m..., out]
	u = autograd.Permute(u, perm...)                              // [B, out, m...]
	for i, n := range spatial {
		u = autograd.ApplyAlongAxis(u, 2+i, tensor.Transpose(m.dct(n, cfg.Modes[i])))
	}
	return autograd.Permute(u, tensor.InversePermutation(perm)...), nil
}

// ParamCount is the number of parameters New builds for c (after
// WithDefaults), computed without allocating them: in float64, so that a
// configuration far too large to build gives a large number rather than an
// overflow. Callers use it to refuse what cannot fit in memory.
func (c Config) ParamCount() float64 {
	c = c.WithDefaults()
	w, h, out := float64(c.Width), float64(c.HeadHidden), float64(c.OutChannels)
	lift := float64(c.InChannels+c.Dim)*w + w
	kept := c.Modes
	parts := 1.0 // real weights (dct), or (re, im) pairs (dft)
	if c.Transform == "dft" {
		kept, parts = c.dftKept(), 2
	}
	channel, axes := w*w*parts, 0.0
	for _, k := range kept {
		channel *= float64(k)
		axes += float64(k) * float64(k) * w * parts
	}
	return lift + float64(c.Layers)*(channel+axes) + parts*(w*h+h*out)
}
