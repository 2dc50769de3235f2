package factformer

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// BlockConfig describes one factorized attention block.
type BlockConfig struct {
	Axes             int    // spatial axes d (1, 2 or 3)
	Dim              int    // input channels
	DimHead          int    // value channels per head
	Heads            int    // heads
	Latent           int    // width of the reduced axis functions (upstream passes dim)
	KernelMultiplier int    // q/k width per head = DimHead * KernelMultiplier
	DimOut           int    // output channels
	Parallel         bool   // IFactFormer-m: axis integrals side by side instead of chained
	OutNorm          string // NormGroup or NormInstance
	Quadrature       bool   // weight each axis kernel by 1/n_a
}

// FABlock is the factorized attention block (upstream FABlock2D/FABlock3D,
// FABlock3D_o, FABlock3D_m), one implementation for any number of axes:
//
//	u_n = LayerNorm(u); v = W_v u_n; u' = W_in u_n
//	z_a = Reducer_a(mean over the other axes of u')       [B, n_a, latent]
//	K_a = LowRankKernel_a(z_a, x_a)                        [B, H, n_a, n_a]
//	chained:  w = K_1 x_1 (K_2 x_2 (... K_d x_d v))        (x_a: contraction along axis a)
//	parallel: w = per head [K_1 x_1 v, ..., K_d x_d v]     (3 H dh channels in 3-D)
//	out = W_2 GELU(W_1 Norm(w))                            (W_1, W_2 without bias)
type FABlock[T tensor.Float] struct {
	Cfg      BlockConfig
	InNorm   *nn.LayerNorm[T]
	ToV      *nn.Linear[T]
	ToIn     *nn.Linear[T]
	Reducers []*PoolingReducer[T]
	Kernels  []*LowRankKernel[T]
	Out1     *nn.Linear[T]
	Out2     *nn.Linear[T]
}

func (c BlockConfig) validate() error {
	switch {
	case c.Axes < 1 || c.Axes > 3:
		return fmt.Errorf("factformer: a block has 1, 2 or 3 axes, got %d", c.Axes)
	case c.Dim < 1 || c.DimHead < 1 || c.Heads < 1 || c.Latent < 1 || c.KernelMultiplier < 1 || c.DimOut < 1:
		return fmt.Errorf("factformer: block sizes must be positive, got %+v", c)
	case (c.DimHead*c.KernelMultiplier)%2 != 0:
		return fmt.Errorf("factformer: the rotary embedding needs an even q/k width, got %d", c.DimHead*c.KernelMultiplier)
	case c.OutNorm != NormGroup && c.OutNorm != NormInstance:
		return fmt.Errorf("factformer: block out_norm %q", c.OutNorm)
	}
	return nil
}

// kernelScaling is upstream's: 1, or 1/sqrt(d) when the kernel multiplier
// exceeds 4.
func (c BlockConfig) kernelScaling() float64 {
	if c.KernelMultiplier > 4 {
		return 1 / math.Sqrt(float64(c.DimHead*c.KernelMultiplier))
	}
	return 1
}

// NewBlock builds a block with upstream's initialisation (PyTorch's
// default Linear init, Xavier-uniform gain 0.02 for q and k).
func NewBlock[T tensor.Float](c BlockConfig, r *tensor.RNG) (*FABlock[T], error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	b := &FABlock[T]{Cfg: c,
		InNorm: nn.NewLayerNorm[T](c.Dim),
		ToV:    nn.NewLinear[T](r, c.Dim, c.Heads*c.DimHead, false),
		ToIn:   nn.NewLinear[T](r, c.Dim, c.Dim, false),
	}
	for a := 0; a < c.Axes; a++ {
		b.Reducers = append(b.Reducers, NewPoolingReducer[T](r, c.Dim, c.Latent))
	}
	for a := 0; a < c.Axes; a++ {
		b.Kernels = append(b.Kernels, NewLowRankKernel[T](r, c.Latent, c.DimHead*c.KernelMultiplier, c.Heads, c.kernelScaling()))
	}
	cat := 1
	if c.Parallel {
		cat = c.Axes
	}
	b.Out1 = nn.NewLinear[T](r, cat*c.Heads*c.DimHead, c.DimOut, false)
	b.Out2 = nn.NewLinear[T](r, c.DimOut, c.DimOut, false)
	return b, nil
}

var axisNames = []string{"x", "y", "z"}

// Params names the parameters as upstream's state_dict (to_x.0, to_y.1,
// to_z.1 for the reducers, low_rank_kernel_x.., to_out.1/3 after a
// GroupNorm, to_out.2/4 after InstanceNorm3d and a Rearrange).
func (b *FABlock[T]) Params() []nn.Param[T] {
	ps := nn.Prefixed("in_norm", b.InNorm.Params())
	ps = append(ps, nn.Prefixed("to_v", b.ToV.Params())...)
	ps = append(ps, nn.Prefixed("to_in", b.ToIn.Params())...)
	for a, red := range b.Reducers {
		idx := 1 // after the Rearrange that brings the axis first
		if a == 0 {
			idx = 0
		}
		ps = append(ps, nn.Prefixed(fmt.Sprintf("to_%s.%d", axisNames[a], idx), red.Params())...)
	}
	for a, k := range b.Kernels {
		ps = append(ps, nn.Prefixed("low_rank_kernel_"+axisNames[a], k.Params())...)
	}
	first := 1
	if b.Cfg.OutNorm == NormInstance {
		first = 2
	}
	ps = append(ps, nn.Prefixed(fmt.Sprintf("to_out.%d", first), b.Out1.Params())...)
	return append(ps, nn.Prefixed(fmt.Sprintf("to_out.%d", first+2), b.Out2.Params())...)
}

// AxisKernels returns the kernels K_a [B, H, n_a, n_a] of u [B, s..., dim]
// on the coordinates pos, and the value v [B, H, s..., dh].
func (b *FABlock[T]) AxisKernels(u *autograd.Var[T], pos [][]float64) (kernels []*autograd.Var[T], v *autograd.Var[T], err error) {
	c := b.Cfg
	s := u.Shape()
	if len(s) != c.Axes+2 || s[len(s)-1] != c.Dim {
		return nil, nil, fmt.Errorf("factformer: block input shape %v, expected [batch, %d spatial axes, %d channels]", s, c.Axes, c.Dim)
	}
	if err := checkPos(pos, s[1:c.Axes+1]); err != nil {
		return nil, nil, err
	}
	un := b.InNorm.Forward(u)
	v = headsFirst(b.ToV.Forward(un), c.Heads)
	for a := 0; a < c.Axes; a++ {
		z := b.Reducers[a].Forward(b.ToIn.Forward(poolAxis(un, a)))
		w := 1.0
		if c.Quadrature {
			w = 1 / float64(s[1+a])
		}
		kernels = append(kernels, b.Kernels[a].Forward(z, pos[a], w))
	}
	return kernels, v, nil
}

// Integrate applies the axis kernels to the value v [B, H, s..., dh]:
// chained (K_1 x_1 ... K_d x_d v, in upstream's order x, y, z) or, for
// Parallel, the single-axis integrals concatenated per head along the
// channels ([B, H, s..., d*dh], head h's channels ordered x, y, z).
func (b *FABlock[T]) Integrate(kernels []*autograd.Var[T], v *autograd.Var[T]) *autograd.Var[T] {
	if b.Cfg.Parallel {
		parts := make([]*autograd.Var[T], len(kernels))
		for a, k := range kernels {
			parts[a] = contractAxis(k, v, a)
		}
		return autograd.Concat(len(v.Shape())-1, parts...)
	}
	w := v
	for a, k := range kernels {
		w = contractAxis(k, w, a)
	}
	return w
}

// Forward maps u [B, s..., dim] on the grid with per-axis coordinates
// pos to [B, s..., dim_out].
func (b *FABlock[T]) Forward(u *autograd.Var[T], pos [][]float64) (*autograd.Var[T], error) {
	kernels, v, err := b.AxisKernels(u, pos)
	if err != nil {
		return nil, err
	}
	w := b.Integrate(kernels, v) // [B, H, s..., C]
	s := w.Shape()
	if b.Cfg.OutNorm == NormGroup {
		// Per head over the grid and its channels (domain-wise), torch.var.
		w = autograd.Reshape(normalizeOver(autograd.Reshape(w, s[0], s[1], -1), []int{2}, 1e-8, true), s...)
	} else {
		axes := make([]int, b.Cfg.Axes)
		for a := range axes {
			axes[a] = 2 + a
		}
		w = normalizeOver(w, axes, 1e-5, false)
	}
	return b.Out2.Forward(autograd.GELU(b.Out1.Forward(headsLast(w)))), nil
}
