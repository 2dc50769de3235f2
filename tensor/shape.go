package tensor

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// Permute returns t with its axes reordered: out axis i is t's axis
// perm[i].
func Permute[T Float](t *Tensor[T], perm ...int) *Tensor[T] {
	r := len(t.shape)
	if len(perm) != r {
		panic(fmt.Sprintf("tensor: Permute %v of shape %v", perm, t.shape))
	}
	seen := make([]bool, r)
	shape := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			panic(fmt.Sprintf("tensor: Permute %v is not a permutation of %d axes", perm, r))
		}
		seen[p] = true
		shape[i] = t.shape[p]
	}
	out := Empty[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	src := stridesOf(t.shape)
	st := make([]int, r) // source stride of each output axis
	for i, p := range perm {
		st[i] = src[p]
	}
	last := r - 1
	if r == 0 {
		out.data[0] = t.data[0]
		return out
	}
	inner := shape[last]
	innerStride := st[last]
	outer := len(out.data) / max(inner, 1)
	parallel.For(outer, inner, func(lo, hi int) {
		idx := make([]int, last)
		rem := lo
		for k := last - 1; k >= 0; k-- {
			idx[k] = rem % shape[k]
			rem /= shape[k]
		}
		for o := lo; o < hi; o++ {
			off := 0
			for k, i := range idx {
				off += i * st[k]
			}
			dst := out.data[o*inner : (o+1)*inner]
			if innerStride == 1 {
				copy(dst, t.data[off:off+inner])
			} else {
				for j := range dst {
					dst[j] = t.data[off+j*innerStride]
				}
			}
			for k := last - 1; k >= 0; k-- {
				idx[k]++
				if idx[k] < shape[k] {
					break
				}
				idx[k] = 0
			}
		}
	})
	return out
}

// InversePermutation returns q with q[perm[i]] = i.
func InversePermutation(perm []int) []int {
	q := make([]int, len(perm))
	for i, p := range perm {
		q[p] = i
	}
	return q
}

// Transpose swaps the last two axes.
func Transpose[T Float](t *Tensor[T]) *Tensor[T] {
	r := len(t.shape)
	if r < 2 {
		panic(fmt.Sprintf("tensor: Transpose of shape %v", t.shape))
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-2], perm[r-1] = r-1, r-2
	return Permute(t, perm...)
}

// Slice returns t[..., start:end, ...] along axis.
func Slice[T Float](t *Tensor[T], axis, start, end int) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	if start < 0 || end > t.shape[axis] || start > end {
		panic(fmt.Sprintf("tensor: Slice [%d:%d] of axis %d with size %d", start, end, axis, t.shape[axis]))
	}
	outer, n, inner := splitAt(t.shape, axis)
	shape := cloneInts(t.shape)
	shape[axis] = end - start
	out := Empty[T](shape...)
	m := end - start
	for o := 0; o < outer; o++ {
		copy(out.data[o*m*inner:(o+1)*m*inner], t.data[(o*n+start)*inner:(o*n+end)*inner])
	}
	return out
}

// SliceAdd adds src into dst[..., start:start+len, ...] along axis in place
// (the adjoint of Slice).
func SliceAdd[T Float](dst, src *Tensor[T], axis, start int) {
	axis = normAxis(axis, len(dst.shape))
	outer, n, inner := splitAt(dst.shape, axis)
	m := src.shape[axis]
	if start < 0 || start+m > n || len(src.data) != outer*m*inner {
		panic(fmt.Sprintf("tensor: SliceAdd %v into %v at %d on axis %d", src.shape, dst.shape, start, axis))
	}
	for o := 0; o < outer; o++ {
		d := dst.data[(o*n+start)*inner : (o*n+start+m)*inner]
		s := src.data[o*m*inner : (o+1)*m*inner]
		for i, v := range s {
			d[i] += v
		}
	}
}

// Pad adds before and after entries of value v along axis.
func Pad[T Float](t *Tensor[T], axis, before, after int, v T) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	shape := cloneInts(t.shape)
	shape[axis] += before + after
	out := Full(v, shape...)
	outer, n, inner := splitAt(shape, axis)
	m := t.shape[axis]
	for o := 0; o < outer; o++ {
		copy(out.data[(o*n+before)*inner:(o*n+before+m)*inner], t.data[o*m*inner:(o+1)*m*inner])
	}
	return out
}

// Concat joins tensors along axis; other axes must match.
func Concat[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		panic("tensor: Concat of nothing")
	}
	axis = normAxis(axis, len(ts[0].shape))
	shape := cloneInts(ts[0].shape)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.shape) != len(shape) {
			panic(fmt.Sprintf("tensor: Concat of shapes %v and %v", ts[0].shape, t.shape))
		}
		for i := range shape {
			if i != axis && t.shape[i] != ts[0].shape[i] {
				panic(fmt.Sprintf("tensor: Concat along %d of shapes %v and %v", axis, ts[0].shape, t.shape))
			}
		}
		shape[axis] += t.shape[axis]
	}
	out := New[T](shape...)
	off := 0
	for _, t := range ts {
		SliceAdd(out, t, axis, off)
		off += t.shape[axis]
	}
	return out
}

// Stack joins same-shape tensors along a new axis.
func Stack[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		panic("tensor: Stack of nothing")
	}
	r := len(ts[0].shape) + 1
	if axis < 0 {
		axis += r
	}
	parts := make([]*Tensor[T], len(ts))
	for i, t := range ts {
		shape := append(cloneInts(t.shape[:axis]), append([]int{1}, t.shape[axis:]...)...)
		parts[i] = t.Reshape(shape...)
	}
	return Concat(axis, parts...)
}

// Gather selects entries idx along axis: out[..., i, ...] = t[..., idx[i], ...]
// (PyTorch's index_select). Indices may repeat.
func Gather[T Float](t *Tensor[T], axis int, idx []int) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	outer, n, inner := splitAt(t.shape, axis)
	for _, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("tensor: Gather index %d out of range [0, %d)", k, n))
		}
	}
	shape := cloneInts(t.shape)
	shape[axis] = len(idx)
	out := Empty[T](shape...)
	m := len(idx)
	parallel.For(outer*m, inner, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, i := r/m, r%m
			copy(out.data[r*inner:(r+1)*inner], t.data[(o*n+idx[i])*inner:(o*n+idx[i]+1)*inner])
		}
	})
	return out
}

// ScatterAdd sums t's entries along axis into size slots:
// out[..., idx[i], ...] += t[..., i, ...]. It is the adjoint of Gather
// and the aggregation step of graph message passing.
func ScatterAdd[T Float](t *Tensor[T], axis int, idx []int, size int) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	outer, m, inner := splitAt(t.shape, axis)
	if m != len(idx) {
		panic(fmt.Sprintf("tensor: ScatterAdd of %d entries with %d indices", m, len(idx)))
	}
	shape := cloneInts(t.shape)
	shape[axis] = size
	out := New[T](shape...)
	for _, k := range idx {
		if k < 0 || k >= size {
			panic(fmt.Sprintf("tensor: ScatterAdd index %d out of range [0, %d)", k, size))
		}
	}
	// Parallel over outer slices only: different i may hit the same slot.
	parallel.For(outer, m*inner, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for i, k := range idx {
				d := out.data[(o*size+k)*inner : (o*size+k+1)*inner]
				s := t.data[(o*m+i)*inner : (o*m+i+1)*inner]
				for j, v := range s {
					d[j] += v
				}
			}
		}
	})
	return out
}

// Softmax returns exp(t - max) / sum exp(t - max) along axis.
func Softmax[T Float](t *Tensor[T], axis int) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	outer, n, inner := splitAt(t.shape, axis)
	out := Empty[T](t.shape...)
	parallel.For(outer, n*inner*4, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for i := 0; i < inner; i++ {
				mx := math.Inf(-1)
				for k := 0; k < n; k++ {
					mx = math.Max(mx, float64(t.data[(o*n+k)*inner+i]))
				}
				s := 0.0
				for k := 0; k < n; k++ {
					e := math.Exp(float64(t.data[(o*n+k)*inner+i]) - mx)
					out.data[(o*n+k)*inner+i] = T(e)
					s += e
				}
				for k := 0; k < n; k++ {
					out.data[(o*n+k)*inner+i] = T(float64(out.data[(o*n+k)*inner+i]) / s)
				}
			}
		}
	})
	return out
}
