package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// gemm computes c = alpha op(a) op(b) + beta c for row-major matrices
// through gonum's BLAS (blas32 for float32, blas64 for float64). a is
// (m x k) after op, b is (k x n); lda, ldb are the row strides as stored.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	ar, ac := m, k
	if transA {
		ta, ar, ac = blas.Trans, k, m
	}
	br, bc := k, n
	if transB {
		tb, br, bc = blas.Trans, n, k
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	switch cd := any(c).(type) {
	case []float32:
		blas32.Gemm(ta, tb, float32(alpha),
			blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: any(a).([]float32)},
			blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: any(b).([]float32)},
			float32(beta), blas32.General{Rows: m, Cols: n, Stride: ldc, Data: cd})
	case []float64:
		blas64.Gemm(ta, tb, float64(alpha),
			blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: any(a).([]float64)},
			blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: any(b).([]float64)},
			float64(beta), blas64.General{Rows: m, Cols: n, Stride: ldc, Data: cd})
	}
}

// MatMul returns op(a) @ op(b) over the last two axes, where op transposes
// when the flag is set. Leading (batch) axes must be equal, or one operand
// is a plain matrix shared by every batch entry.
func MatMul[T Float](a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	ra, rb := len(a.shape), len(b.shape)
	if ra < 2 || rb < 2 {
		panic(fmt.Sprintf("tensor: MatMul needs matrices, got %v and %v", a.shape, b.shape))
	}
	m, k := a.shape[ra-2], a.shape[ra-1]
	if transA {
		m, k = k, m
	}
	k2, n := b.shape[rb-2], b.shape[rb-1]
	if transB {
		k2, n = n, k2
	}
	if k != k2 {
		panic(fmt.Sprintf("tensor: MatMul inner sizes differ: %v (trans %v) @ %v (trans %v)", a.shape, transA, b.shape, transB))
	}
	ba, bb := a.shape[:ra-2], b.shape[:rb-2]
	var batch []int
	switch {
	case SameShape(ba, bb):
		batch = ba
	case len(ba) == 0:
		batch = bb
	case len(bb) == 0:
		batch = ba
	default:
		panic(fmt.Sprintf("tensor: MatMul batch axes %v and %v differ", ba, bb))
	}
	shape := append(cloneInts(batch), m, n)
	out := New[T](shape...)
	nb := Size(batch)
	sa, sb := a.shape[ra-2]*a.shape[ra-1], b.shape[rb-2]*b.shape[rb-1]
	if len(ba) == 0 {
		sa = 0
	}
	if len(bb) == 0 {
		sb = 0
	}
	lda, ldb := a.shape[ra-1], b.shape[rb-1]
	if sb == 0 && !transA && nb > 1 {
		// A batch of left matrices times one right matrix: stack the batch
		// as rows and make one large product.
		gemm(false, transB, nb*m, n, k, 1, a.data, lda, b.data, ldb, 0, out.data, n)
		return out
	}
	parallel.For(nb, 2*m*n*k, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gemm(transA, transB, m, n, k, 1, a.data[i*sa:], lda, b.data[i*sb:], ldb, 0, out.data[i*m*n:], n)
		}
	})
	return out
}
