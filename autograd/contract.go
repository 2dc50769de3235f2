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
// a batched product over modes. One op on the tape: only z and w are kept
// for the backward pass (not the permuted copies the product works on).
// Its gradients are ModeMix again and a differentiable composite, so it
// supports higher-order gradients:
//
//	dz[b, i, k] = sum_o g[b, o, k] w[i, o, k]    dw[i, o, k] = sum_b z[b, i, k] g[b, o, k]
func ModeMix[T tensor.Float](z, w *Var[T]) *Var[T] {
	zs, ws := z.Shape(), w.Shape()
	if len(zs) < 2 || len(ws) != len(zs) || ws[0] != zs[1] || !tensor.SameShape(ws[2:], zs[2:]) {
		panic(fmt.Sprintf("autograd: ModeMix of %v with weight %v (want [I, O, %v])", zs, ws, zs[2:]))
	}
	b, i, o := zs[0], zs[1], ws[1]
	k := tensor.Size(zs[2:])
	zk := tensor.Permute(z.Value.Reshape(b, i, k), 2, 0, 1) // [K, B, I]
	wk := tensor.Permute(w.Value.Reshape(i, o, k), 2, 0, 1) // [K, I, O]
	value := tensor.Permute(tensor.MatMul(zk, wk, false, false), 1, 2, 0).Reshape(append([]int{b, o}, zs[2:]...)...)
	return recordMasked(value, "mode_mix", vars(z, w), func(g *Var[T], need []bool) []*Var[T] {
		var gz, gw *Var[T]
		if need[0] {
			gz = ModeMix(g, Permute(w, swapFirstTwo(len(ws))...))
		}
		if need[1] {
			zt := Permute(Reshape(z, b, i, k), 2, 1, 0) // [K, I, B]
			gk := Permute(Reshape(g, b, o, k), 2, 0, 1) // [K, B, O]
			gw = Reshape(Permute(MatMul(zt, gk, false, false), 1, 2, 0), ws...)
		}
		return vars(gz, gw)
	})
}

// swapFirstTwo is the permutation exchanging axes 0 and 1 of a rank-r tensor.
func swapFirstTwo(r int) []int {
	p := []int{1, 0}
	for a := 2; a < r; a++ {
		p = append(p, a)
	}
	return p
}

// AxisMix applies one matrix per channel along a mode axis (T1's spatial
// mode mixing, einsum "bcix,ioc->bcox" for axis 2):
//
//	out[b, c, ..., o, ...] = sum_i h[b, c, ..., i, ...] w[i, o, c]
//
// for h [B, C, M...] and w [M_axis, O, C]. One op on the tape (h and w are
// kept, not the permuted copies); its gradients are AxisMix with w's first
// two axes swapped and a differentiable composite for w, so higher-order
// gradients work.
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
	inv := tensor.InversePermutation(perm)
	c, m, o := s[1], s[axis], ws[1]
	rows := h.Value.Len() / (c * m)
	hp := tensor.Permute(h.Value, perm...)
	ps := hp.Shape()
	outShape := append(append([]int{}, ps[:r-1]...), o)
	prod := tensor.MatMul(hp.Reshape(c, rows, m), tensor.Permute(w.Value, 2, 0, 1), false, false) // [C, rows, O]
	value := tensor.Permute(prod.Reshape(outShape...), inv...)
	return recordMasked(value, "axis_mix", vars(h, w), func(g *Var[T], need []bool) []*Var[T] {
		var gh, gw *Var[T]
		if need[0] {
			gh = AxisMix(g, Permute(w, 1, 0, 2), axis)
		}
		if need[1] { // dw[i, o, c] = sum over b and the other axes of h[.., i, ..] g[.., o, ..]
			hr := Reshape(Permute(h, perm...), c, rows, m)     // [C, rows, M]
			gr := Reshape(Permute(g, perm...), c, rows, o)     // [C, rows, O]
			gw = Permute(MatMul(hr, gr, true, false), 1, 2, 0) // [M, O, C]
		}
		return vars(gh, gw)
	})
}
