package autograd

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// broadcastValue expands t to shape by copying each value into place: one
// write pass, where tensor.BroadcastTo adds t to a zero tensor. It is the
// value of BroadcastTo, the backward of every sum.
func broadcastValue[T tensor.Float](t *tensor.Tensor[T], shape []int) *tensor.Tensor[T] {
	if s, err := tensor.BroadcastShapes(t.Shape(), shape); err != nil || !tensor.SameShape(s, shape) {
		panic(fmt.Sprintf("autograd: cannot broadcast %v to %v", t.Shape(), shape))
	}
	out := tensor.New[T](shape...)
	if out.Len() == 0 {
		return out
	}
	dims, strides := broadcastLayout(t.Shape(), shape)
	inner := out.Len() / dims[0]
	dst, src := out.Data(), t.Data()
	parallel.For(dims[0], inner, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			broadcastInto(dst[i*inner:(i+1)*inner], src[i*strides[0]:], dims[1:], strides[1:])
		}
	})
	return out
}

// broadcastLayout returns the output's axes, merged where they can be,
// with the source's stride along each (0 where it is broadcast). Axes of
// size 1 are dropped, then one of size 1 put first if fewer than two are
// left.
func broadcastLayout(from, to []int) (dims, strides []int) {
	lead := len(to) - len(from)
	stride := 1
	for i := len(to) - 1; i >= 0; i-- {
		n, s := to[i], 0
		if i >= lead && from[i-lead] == n {
			s = stride
			stride *= n
		}
		switch {
		case n == 1:
		case len(dims) > 0 && (s == 0) == (strides[0] == 0) && (s == 0 || s == strides[0]*dims[0]):
			dims[0] *= n // merge into the axis after it
		default:
			dims, strides = append([]int{n}, dims...), append([]int{s}, strides...)
		}
	}
	if len(dims) < 2 { // an outer axis for broadcastValue to split
		dims, strides = append([]int{1}, dims...), append([]int{0}, strides...)
	}
	return dims, strides
}

// broadcastInto fills dst (dims) from src with the given strides.
func broadcastInto[T tensor.Float](dst, src []T, dims, strides []int) {
	if len(dims) == 0 { // a single value
		dst[0] = src[0]
		return
	}
	if len(dims) == 1 {
		if strides[0] == 0 {
			v := src[0]
			for i := range dst {
				dst[i] = v
			}
		} else {
			copy(dst, src[:len(dst)])
		}
		return
	}
	inner := len(dst) / dims[0]
	for i := 0; i < dims[0]; i++ {
		broadcastInto(dst[i*inner:(i+1)*inner], src[i*strides[0]:], dims[1:], strides[1:])
	}
}
