package tensor

import (
	"fmt"
	"math"
	"sort"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// Sum returns the sum of all elements (accumulated in float64).
func Sum[T Float](t *Tensor[T]) T {
	s := 0.0
	for _, v := range t.data {
		s += float64(v)
	}
	return T(s)
}

// splitAt views shape as [outer, n, inner] around axis.
func splitAt(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i := 0; i < axis; i++ {
		outer *= shape[i]
	}
	for i := axis + 1; i < len(shape); i++ {
		inner *= shape[i]
	}
	return outer, shape[axis], inner
}

// sumAxis sums over one axis, keeping it with size 1, accumulating in
// float64. Work is split without changing any column's order of additions
// where it can: over outer slices and over blocks of 1024 columns. Only a
// long axis with few, narrow outputs (a bias gradient over many points) is
// cut into fixed chunks of rows summed in parallel, their partial sums
// added in order; the chunks do not depend on the worker count, so neither
// does the result.
func sumAxis[T Float](t *Tensor[T], axis int) *Tensor[T] {
	outer, n, inner := splitAt(t.shape, axis)
	shape := cloneInts(t.shape)
	shape[axis] = 1
	out := New[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	const block = 1024
	if inner >= block || outer*inner >= 1<<14 || n*inner < 1<<16 {
		blocks := (inner + block - 1) / block
		parallel.For(outer*blocks, n*min(inner, block), func(lo, hi int) {
			acc := make([]float64, min(inner, block))
			for u := lo; u < hi; u++ {
				o, c := u/blocks, u%blocks
				i0, i1 := c*block, min((c+1)*block, inner)
				a := acc[:i1-i0]
				clear(a)
				base := o * n * inner
				if blocks == 1 { // whole rows: one pass over the slice
					addRows(a, t.data[base:base+n*inner], inner)
				} else {
					for k := 0; k < n; k++ {
						addRows(a, t.data[base+k*inner+i0:base+k*inner+i1], i1-i0)
					}
				}
				dst := out.data[o*inner+i0 : o*inner+i1]
				for i := range dst {
					dst[i] = T(a[i])
				}
			}
		})
		return out
	}
	rowsPerChunk := max(1, (1<<14)/inner)
	chunks := (n + rowsPerChunk - 1) / rowsPerChunk
	partial := make([]float64, outer*chunks*inner)
	parallel.For(outer*chunks, min(n, rowsPerChunk)*inner, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, c := u/chunks, u%chunks
			k0, k1 := c*rowsPerChunk, min((c+1)*rowsPerChunk, n)
			base := o * n * inner
			addRows(partial[u*inner:(u+1)*inner], t.data[base+k0*inner:base+k1*inner], inner)
		}
	})
	for o := 0; o < outer; o++ {
		acc := partial[o*chunks*inner : (o*chunks+1)*inner]
		for c := 1; c < chunks; c++ {
			for i, v := range partial[(o*chunks+c)*inner : (o*chunks+c+1)*inner] {
				acc[i] += v
			}
		}
		dst := out.data[o*inner : (o+1)*inner]
		for i := range dst {
			dst[i] = T(acc[i])
		}
	}
	return out
}

// addRows adds the rows of data (each inner long) to acc in float64, row
// after row (the order the results depend on).
func addRows[T Float](acc []float64, data []T, inner int) {
	if f, ok := any(data).([]float32); ok && addRowsKernel(acc, f, inner) {
		return
	}
	addRowsGo(acc, data, inner)
}

// addRowsGo is addRows in Go (the reference of the C loop).
func addRowsGo[T Float](acc []float64, data []T, inner int) {
	for k := 0; k+inner <= len(data); k += inner {
		for i, v := range data[k : k+inner] {
			acc[i] += float64(v)
		}
	}
}

// normAxes sorts and deduplicates axes (negative counts from the end); nil
// means every axis.
func normAxes(axes []int, rank int) []int {
	if axes == nil {
		out := make([]int, rank)
		for i := range out {
			out[i] = i
		}
		return out
	}
	seen := map[int]bool{}
	var out []int
	for _, a := range axes {
		a = normAxis(a, rank)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Ints(out)
	return out
}

// SumAxes sums over the given axes (nil: all). With keepDims the reduced
// axes stay with size 1, else they are removed.
func SumAxes[T Float](t *Tensor[T], axes []int, keepDims bool) *Tensor[T] {
	axes = normAxes(axes, len(t.shape))
	out := t
	for _, a := range axes {
		out = sumAxis(out, a)
	}
	if out == t {
		out = t.Clone()
	}
	if !keepDims {
		out = out.Reshape(dropAxes(t.shape, axes)...)
	}
	return out
}

// MeanAxes averages over the given axes (nil: all).
func MeanAxes[T Float](t *Tensor[T], axes []int, keepDims bool) *Tensor[T] {
	axes = normAxes(axes, len(t.shape))
	n := 1
	for _, a := range axes {
		n *= t.shape[a]
	}
	s := SumAxes(t, axes, keepDims)
	return Scale(s, T(1/float64(n)))
}

// ReducedShape is the shape of a reduction of shape over axes (nil: all;
// negative ones count from the end): with keepDims the reduced axes stay
// with size 1, else they are removed.
func ReducedShape(shape, axes []int, keepDims bool) []int {
	axes = normAxes(axes, len(shape))
	if !keepDims {
		return dropAxes(shape, axes)
	}
	out := cloneInts(shape)
	for _, a := range axes {
		out[a] = 1
	}
	return out
}

func dropAxes(shape, axes []int) []int {
	drop := map[int]bool{}
	for _, a := range axes {
		drop[a] = true
	}
	out := []int{}
	for i, s := range shape {
		if !drop[i] {
			out = append(out, s)
		}
	}
	return out
}

// MaxAxis returns the maximum over one axis (kept with size 1) and the
// index where it occurs (first occurrence; NaN wins).
func MaxAxis[T Float](t *Tensor[T], axis int) (*Tensor[T], []int) {
	axis = normAxis(axis, len(t.shape))
	outer, n, inner := splitAt(t.shape, axis)
	shape := cloneInts(t.shape)
	shape[axis] = 1
	out := New[T](shape...)
	arg := make([]int, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			best, bi := T(math.Inf(-1)), 0
			for k := 0; k < n; k++ {
				v := t.data[(o*n+k)*inner+i]
				if v > best || (v != v && best == best) {
					best, bi = v, k
				}
			}
			out.data[o*inner+i] = best
			arg[o*inner+i] = bi
		}
	}
	return out, arg
}

// SumTo sums t down to shape, the inverse of broadcasting: axes that shape
// lacks (leading) or has as 1 are summed.
func SumTo[T Float](t *Tensor[T], shape []int) *Tensor[T] {
	if SameShape(t.shape, shape) {
		return t.Clone()
	}
	lead := len(t.shape) - len(shape)
	if lead < 0 {
		panic(fmt.Sprintf("tensor: SumTo %v from %v", shape, t.shape))
	}
	var axes []int
	for i := range t.shape {
		j := i - lead
		if j < 0 {
			axes = append(axes, i)
			continue
		}
		switch {
		case shape[j] == t.shape[i]:
		case shape[j] == 1:
			axes = append(axes, i)
		default:
			panic(fmt.Sprintf("tensor: SumTo %v from %v", shape, t.shape))
		}
	}
	out := t
	for _, a := range axes {
		out = sumAxis(out, a)
	}
	if out == t {
		out = t.Clone()
	}
	return out.Reshape(shape...)
}

// BroadcastTo expands t to shape (NumPy rules), copying.
func BroadcastTo[T Float](t *Tensor[T], shape []int) *Tensor[T] {
	s := mustBroadcast(t.shape, shape)
	if !SameShape(s, shape) {
		panic(fmt.Sprintf("tensor: cannot broadcast %v to %v", t.shape, shape))
	}
	return Add(t, New[T](shape...))
}
