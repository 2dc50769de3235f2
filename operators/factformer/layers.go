package factformer

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// The building blocks below are compositions of autograd ops, so their
// gradients are exact and can be differentiated again.

// normalizeOver returns (x - mean) / sqrt(var + eps) with the statistics
// over axes: the biased variance (PyTorch's norm layers) or the unbiased
// one (torch.var, which upstream's channel-last GroupNorm uses). One
// fused op.
func normalizeOver[T tensor.Float](x *autograd.Var[T], axes []int, eps float64, unbiased bool) *autograd.Var[T] {
	return autograd.Normalize(x, axes, eps, unbiased)
}

// spatialAxes lists the axes 1..d of a [B, s_1..s_d, C] tensor, leaving
// out skip (-1: none).
func spatialAxes(d, skip int) []int {
	var axes []int
	for a := 0; a < d; a++ {
		if a != skip {
			axes = append(axes, 1+a)
		}
	}
	return axes
}

// poolAxis averages u [B, s_1..s_d, C] over every spatial axis but axis
// (0-based), giving [B, s_axis, C].
func poolAxis[T tensor.Float](u *autograd.Var[T], axis int) *autograd.Var[T] {
	s := u.Shape()
	d := len(s) - 2
	if d == 1 {
		return u
	}
	return autograd.MeanAxes(u, spatialAxes(d, axis), false)
}

// geglu is GELU(first half) * second half along the last axis.
func geglu[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	r := len(x.Shape()) - 1
	c := x.Shape()[r] / 2
	return autograd.Mul(autograd.GELU(autograd.Slice(x, r, 0, c)), autograd.Slice(x, r, c, 2*c))
}

// rotaryTables returns cos and sin of the rotary angles [n, d] of the
// coordinates pos: theta[i, j] = (64 x_i) w_j with w_j = 10000^(-2j/d)
// for j < d/2, repeated for the second half (RotaryEmbedding(d,
// min_freq=1/64): the coordinate is divided by min_freq). The arithmetic
// follows PyTorch's order in precision T, so float32 tables agree with
// upstream's to rounding.
func rotaryTables[T tensor.Float](pos []float64, d int) (cos, sin *tensor.Tensor[T]) {
	half := d / 2
	inv := make([]T, half)
	for j := range inv {
		e := T(2*j) / T(d)
		inv[j] = 1 / T(math.Pow(10000, float64(e)))
	}
	cos, sin = tensor.New[T](len(pos), d), tensor.New[T](len(pos), d)
	cd, sd := cos.Data(), sin.Data()
	for i, x := range pos {
		t := T(x) * 64
		for j, w := range inv {
			th := float64(t * w)
			c, s := T(math.Cos(th)), T(math.Sin(th))
			cd[i*d+j], cd[i*d+half+j] = c, c
			sd[i*d+j], sd[i*d+half+j] = s, s
		}
	}
	return cos, sin
}

// applyRotary rotates q [..., n, d] by the tables [n, d]:
// q cos + rotate_half(q) sin, rotate_half(q) = (-q_2, q_1) for the halves
// q = (q_1, q_2).
func applyRotary[T tensor.Float](q *autograd.Var[T], cos, sin *tensor.Tensor[T]) *autograd.Var[T] {
	r := len(q.Shape()) - 1
	half := q.Shape()[r] / 2
	rot := autograd.Concat(r, autograd.Neg(autograd.Slice(q, r, half, 2*half)), autograd.Slice(q, r, 0, half))
	return autograd.Add(autograd.Mul(q, autograd.Const(cos)), autograd.Mul(rot, autograd.Const(sin)))
}

// contractAxis applies one kernel per batch entry and head along a
// spatial axis of a value in the head-first layout:
//
//	out[b, h, .., i, .., c] = sum_j K[b, h, i, j] v[b, h, .., j, .., c]
//
// for K [B, H, n, n], v [B, H, s_1..s_d, C] and axis in 0..d-1.
func contractAxis[T tensor.Float](k, v *autograd.Var[T], axis int) *autograd.Var[T] {
	s := v.Shape()
	r := len(s)
	perm := []int{0, 1, 2 + axis}
	for a := 2; a < r; a++ {
		if a != 2+axis {
			perm = append(perm, a)
		}
	}
	moved := v
	if axis != 0 {
		moved = autograd.Permute(v, perm...)
	}
	ms := moved.Shape()
	flat := autograd.Reshape(moved, s[0], s[1], s[2+axis], -1)
	out := autograd.Reshape(autograd.MatMul(k, flat, false, false), ms...)
	if axis != 0 {
		out = autograd.Permute(out, tensor.InversePermutation(perm)...)
	}
	return out
}

// headsFirst turns [B, s..., H*C] into [B, H, s..., C] (channel c of head
// h is channel h*C + c, einops' "(h c)").
func headsFirst[T tensor.Float](x *autograd.Var[T], heads int) *autograd.Var[T] {
	s := x.Shape()
	d := len(s) - 2
	c := s[d+1] / heads
	n := tensor.Size(s[1 : d+1])
	y := autograd.Permute(autograd.Reshape(x, s[0], n, heads, c), 0, 2, 1, 3)
	return autograd.Reshape(y, append(append([]int{s[0], heads}, s[1:d+1]...), c)...)
}

// headsLast is the inverse of headsFirst: [B, H, s..., C] -> [B, s..., H*C].
func headsLast[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	d := len(s) - 3
	n := tensor.Size(s[2 : d+2])
	y := autograd.Permute(autograd.Reshape(x, s[0], s[1], n, s[d+2]), 0, 2, 1, 3)
	return autograd.Reshape(y, append(append([]int{s[0]}, s[2:d+2]...), s[1]*s[d+2])...)
}

// groupedLinear is a 1x1 convolution with groups on channel-last data:
// x [..., G*I] and w [G*O, I] (PyTorch's grouped Conv1d weight without its
// kernel axis); output channel g*O + o sees only input channels g*I..g*I+I-1.
func groupedLinear[T tensor.Float](x, w *autograd.Var[T], groups int) *autograd.Var[T] {
	s := x.Shape()
	in := s[len(s)-1] / groups
	out := w.Shape()[0] / groups
	rows := x.Value.Len() / s[len(s)-1]
	xg := autograd.Permute(autograd.Reshape(x, rows, groups, in), 1, 0, 2) // [G, rows, I]
	y := autograd.MatMul(xg, autograd.Reshape(w, groups, out, in), false, true)
	y = autograd.Permute(y, 1, 0, 2) // [rows, G, O]
	return autograd.Reshape(y, append(append([]int{}, s[:len(s)-1]...), groups*out)...)
}

// PoolingReducer projects a field to a one-dimensional function of one
// axis (upstream PoolingReducer): Linear(dim -> dim, no bias), the mean over
// the other spatial axes, then LayerNorm and the GeGLU MLP
// Linear(dim -> 2 dim), GELU(first half) * second half, Linear(dim ->
// latent).
type PoolingReducer[T tensor.Float] struct {
	In     *nn.Linear[T]
	Norm   *nn.LayerNorm[T]
	Hidden *nn.Linear[T]
	Out    *nn.Linear[T]
}

// NewPoolingReducer builds a reducer with PyTorch's default Linear init.
func NewPoolingReducer[T tensor.Float](r *tensor.RNG, dim, latent int) *PoolingReducer[T] {
	return &PoolingReducer[T]{
		In:     nn.NewLinear[T](r, dim, dim, false),
		Norm:   nn.NewLayerNorm[T](dim),
		Hidden: nn.NewLinear[T](r, dim, 2*dim, true),
		Out:    nn.NewLinear[T](r, dim, latent, true),
	}
}

// Forward maps the pooled field [B, n, dim] (the mean over the other
// axes, see poolAxis) to [B, n, latent]. Pooling before the projection In
// equals upstream's projection before pooling because In has no bias; it
// saves a product over the whole grid.
func (p *PoolingReducer[T]) Forward(pooled *autograd.Var[T]) *autograd.Var[T] {
	x := p.In.Forward(pooled)
	return p.Out.Forward(geglu(p.Hidden.Forward(p.Norm.Forward(x))))
}

// Params names the parameters as upstream's state_dict.
func (p *PoolingReducer[T]) Params() []nn.Param[T] {
	ps := nn.Prefixed("to_in", p.In.Params())
	ps = append(ps, nn.Prefixed("out_ffn.norm", p.Norm.Params())...)
	ps = append(ps, nn.Prefixed("out_ffn.fn.net.0", p.Hidden.Params())...)
	return append(ps, nn.Prefixed("out_ffn.fn.net.3", p.Out.Params())...)
}

// LowRankKernel is the kernel of one axis (upstream LowRankKernel with
// rotary positions, no softmax, no residual):
//
//	q = rot(W_q z), k = rot(W_k z)   split into heads of width d
//	K[b, h, i, j] = scaling sum_c q[b, h, i, c] k[b, h, j, c]
//
// W_q, W_k are Linear(latent -> heads*d) without bias, Xavier-uniform with
// gain 0.02; scaling is 1, or 1/sqrt(d) when the kernel multiplier
// exceeds 4 (upstream).
type LowRankKernel[T tensor.Float] struct {
	Q, K    *nn.Linear[T]
	Heads   int
	Dim     int // d, the q/k width per head
	Scaling float64
}

// NewLowRankKernel builds a kernel of heads heads of width d on latent
// inputs.
func NewLowRankKernel[T tensor.Float](r *tensor.RNG, latent, d, heads int, scaling float64) *LowRankKernel[T] {
	lin := func() *nn.Linear[T] {
		return &nn.Linear[T]{In: latent, Out: heads * d, W: autograd.Param(nn.XavierUniform[T](r, 0.02, heads*d, latent))}
	}
	return &LowRankKernel[T]{Q: lin(), K: lin(), Heads: heads, Dim: d, Scaling: scaling}
}

// Forward returns the kernels [B, heads, n, n] of z [B, n, latent] on the
// coordinates pos (n values), multiplied by weight (1, or 1/n for the
// quadrature option).
func (k *LowRankKernel[T]) Forward(z *autograd.Var[T], pos []float64, weight float64) *autograd.Var[T] {
	s := z.Shape()
	b, n := s[0], s[1]
	cos, sin := rotaryTables[T](pos, k.Dim)
	split := func(x *autograd.Var[T]) *autograd.Var[T] {
		return applyRotary(autograd.Permute(autograd.Reshape(x, b, n, k.Heads, k.Dim), 0, 2, 1, 3), cos, sin)
	}
	q, kk := split(k.Q.Forward(z)), split(k.K.Forward(z))
	kern := autograd.MatMul(q, kk, false, true)
	if f := k.Scaling * weight; f != 1 {
		kern = autograd.Scale(kern, T(f))
	}
	return kern
}

// Params names the parameters as upstream's state_dict.
func (k *LowRankKernel[T]) Params() []nn.Param[T] {
	return []nn.Param[T]{{Name: "to_q.weight", Var: k.Q.W}, {Name: "to_k.weight", Var: k.K.W}}
}

// checkPos verifies one coordinate list per spatial axis of the right length.
func checkPos(pos [][]float64, spatial []int) error {
	if len(pos) != len(spatial) {
		return fmt.Errorf("factformer: %d coordinate lists for a %dD grid %v", len(pos), len(spatial), spatial)
	}
	for a, p := range pos {
		if len(p) != spatial[a] {
			return fmt.Errorf("factformer: %d coordinates on axis %d of a grid %v", len(p), a, spatial)
		}
	}
	return nil
}
