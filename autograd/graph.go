package autograd

import (
	"github.com/surrogo/surrogo/tensor"
)

// Graph and particle ops: segment sums over receiver-sorted edges and
// fixed sparse stencils. Each backward is the adjoint op written as a Var
// op, so Grad(..., createGraph=true) differentiates them again.
//
// Gather and ScatterAdd (ops.go) work along any axis with arbitrary
// indices; ScatterAdd's tensor kernel is serial over entries when the axis
// is 0 (two edges may hit the same row). For edges sorted by receiver,
// SegmentSum / SegmentMean are the fast path: parallel over receivers and
// bitwise independent of the number of workers.

// SegmentSum sums consecutive row ranges of a ([E, ...]) into [S, ...]:
// out[s] = sum of a[e] for offsets[s] <= e < offsets[s+1] (CSR offsets,
// S = len(offsets)-1). It equals ScatterAdd(a, 0, receiver, S) for edges
// sorted by receiver, and is the fast path for it. Its backward is
// RepeatSegments.
func SegmentSum[T tensor.Float](a *Var[T], offsets []int) *Var[T] {
	return record(tensor.SegmentSum(a.Value, offsets), "segment_sum", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(RepeatSegments(g, offsets))
	})
}

// RepeatSegments copies row s of a ([S, ...]) to rows offsets[s] ..
// offsets[s+1]-1 of an [E, ...] result: Gather(a, 0, receiver) for edges
// sorted by receiver. Its backward is SegmentSum.
func RepeatSegments[T tensor.Float](a *Var[T], offsets []int) *Var[T] {
	return record(tensor.RepeatSegments(a.Value, offsets), "repeat_segments", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(SegmentSum(g, offsets))
	})
}

// SegmentMean is SegmentSum divided by each segment's row count, a
// constant: out[s] = sum_e a[e] / |segment s|. An empty segment gives a
// zero row, like torch_scatter's scatter_mean (and index_add_ followed by
// division by the counts clamped to 1).
func SegmentMean[T tensor.Float](a *Var[T], offsets []int) *Var[T] {
	sum := SegmentSum(a, offsets)
	s := len(offsets) - 1
	shape := make([]int, len(a.Shape()))
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = s
	inv := tensor.New[T](shape...)
	for i := 0; i < s; i++ {
		if n := offsets[i+1] - offsets[i]; n > 0 {
			inv.Data()[i] = 1 / T(n)
		}
	}
	return Mul(sum, Const(inv))
}

// ApplyStencil maps a ([N, C...]) through the stencil to [M, C...]:
// out[m] = sum_k W[m,k] a[Idx[m,k]] (interpolation, weighted gather,
// "sample"). Its backward is ApplyStencilT. The stencil is a constant; it
// must be valid (Stencil.Validate) or the kernel panics.
func ApplyStencil[T tensor.Float](a *Var[T], st *tensor.Stencil[T]) *Var[T] {
	return record(tensor.ApplyStencil(st, a.Value), "apply_stencil", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(ApplyStencilT(g, st))
	})
}

// ApplyStencilT is ApplyStencil's transpose: a ([M, C...]) is spread to
// [N, C...] with out[Idx[m,k]] += W[m,k] a[m] ("splat"), in parallel over
// source rows and deterministically. Its backward is ApplyStencil.
func ApplyStencilT[T tensor.Float](a *Var[T], st *tensor.Stencil[T]) *Var[T] {
	return record(tensor.ApplyStencilT(st, a.Value), "apply_stencil_t", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(ApplyStencil(g, st))
	})
}
