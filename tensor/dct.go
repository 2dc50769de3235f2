package tensor

import (
	"fmt"
	"math"
)

// DCTMatrix returns the first m rows of the orthonormal DCT-II matrix of
// size n:
//
//	C[k, j] = s_k cos(pi (2j + 1) k / (2n)),  s_0 = sqrt(1/n), s_k = sqrt(2/n),
//
// so X = C x is scipy's dct(x, type=2, norm="ortho") truncated to m modes,
// and C^T (the DCT-III) inverts it when m = n.
func DCTMatrix[T Float](n, m int) *Tensor[T] {
	if m > n || m < 0 || n < 1 {
		panic(fmt.Sprintf("tensor: DCTMatrix of size %d with %d modes", n, m))
	}
	c := New[T](m, n)
	for k := 0; k < m; k++ {
		s := math.Sqrt(2 / float64(n))
		if k == 0 {
			s = math.Sqrt(1 / float64(n))
		}
		for j := 0; j < n; j++ {
			c.data[k*n+j] = T(s * math.Cos(math.Pi*float64((2*j+1)*k)/float64(2*n)))
		}
	}
	return c
}

// ApplyAlongAxis multiplies every line of t along axis by the matrix M
// (m x n, n = t's size on that axis): out[..., k, ...] = sum_j M[k, j]
// t[..., j, ...]. With M from DCTMatrix it is the (truncated) orthonormal
// DCT-II along the axis; with its transpose, the DCT-III.
func ApplyAlongAxis[T Float](t *Tensor[T], axis int, M *Tensor[T]) *Tensor[T] {
	axis = normAxis(axis, len(t.shape))
	if len(M.shape) != 2 || M.shape[1] != t.shape[axis] {
		panic(fmt.Sprintf("tensor: ApplyAlongAxis matrix %v on axis %d of %v", M.shape, axis, t.shape))
	}
	outer, n, inner := splitAt(t.shape, axis)
	m := M.shape[0]
	shape := cloneInts(t.shape)
	shape[axis] = m
	if inner == 1 {
		// Lines are contiguous rows: one product t (outer x n) @ M^T.
		out := MatMul(t.Reshape(outer, n), M, false, true)
		return out.Reshape(shape...)
	}
	out := MatMul(M, t.Reshape(outer, n, inner), false, false)
	return out.Reshape(shape...)
}

// DCT2 returns the orthonormal DCT-II of t along axis (all n modes).
func DCT2[T Float](t *Tensor[T], axis int) *Tensor[T] {
	n := t.Dim(axis)
	return ApplyAlongAxis(t, axis, DCTMatrix[T](n, n))
}

// DCT3 returns the orthonormal DCT-III of t along axis, the inverse of DCT2.
func DCT3[T Float](t *Tensor[T], axis int) *Tensor[T] {
	n := t.Dim(axis)
	return ApplyAlongAxis(t, axis, Transpose(DCTMatrix[T](n, n)))
}
