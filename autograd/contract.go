package autograd

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor"
)

// ModeMix is the per-mode channel mixing of spectral layers (FNO's R, T1's
// channel mixing on real DCT coefficients):
//
//	out[b, o, k...] = sum_i z[b, i, k...] w[i, o, k...]
//
// for z [B, I, K...] and w [I, O, K...]: one dense I x O matrix per mode,
// computed as a batched product over modes. It is built from Permute,
// Reshape and MatMul, so it supports higher-order gradients.
func ModeMix[T tensor.Float](z, w *Var[T]) *Var[T] {
	zs, ws := z.Shape(), w.Shape()
	if len(zs) < 2 || len(ws) != len(zs) || ws[0] != zs[1] || !tensor.SameShape(ws[2:], zs[2:]) {
		panic(fmt.Sprintf("autograd: ModeMix of %v with weight %v (want [I, O, %v])", zs, ws, zs[2:]))
	}
	b, i, o := zs[0], zs[1], ws[1]
	k := tensor.Size(zs[2:])
	zk := Permute(Reshape(z, b, i, k), 2, 0, 1) // [K, B, I]
	wk := Permute(Reshape(w, i, o, k), 2, 0, 1) // [K, I, O]
	out := Permute(MatMul(zk, wk, false, false), 1, 2, 0)
	return Reshape(out, append([]int{b, o}, zs[2:]...)...)
}

// AxisMix applies one matrix per channel along a mode axis (T1's spatial
// mode mixing, einsum "bcix,ioc->bcox" for axis 2):
//
//	out[b, c, ..., o, ...] = sum_i h[b, c, ..., i, ...] w[i, o, c]
//
// for h [B, C, M...] and w [M_axis, O, C]. Built from differentiable ops.
func AxisMix[T tensor.Float](h, w *Var[T], axis int) *Var[T] {
	s, ws := h.Shape(), w.Shape()
	r := len(s)
	if axis < 0 {
		axis += r
	}
	if axis < 2 || axis >= r || len(ws) != 3 || ws[0] != s[axis] || ws[2] != s[1] {
		panic(fmt.Sprintf("autograd: AxisMix of %v along axis %d with weight %v (want [%d, O, %d])", s, axis, ws, s[axis], s[1]))
	}
	// Move channels first and the mixed axis last: [C, B, others..., M].
	perm := []int{1, 0}
	for a := 2; a < r; a++ {
		if a != axis {
			perm = append(perm, a)
		}
	}
	perm = append(perm, axis)
	hp := Permute(h, perm...)
	ps := hp.Shape()
	c, m := s[1], s[axis]
	rows := hp.Value.Len() / (c * m)
	out := MatMul(Reshape(hp, c, rows, m), Permute(w, 2, 0, 1), false, false) // [C, rows, O]
	outShape := append(append([]int{}, ps[:r-1]...), ws[1])
	out = Reshape(out, outShape...)
	return Permute(out, tensor.InversePermutation(perm)...)
}
