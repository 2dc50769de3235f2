package tensor

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// gemm computes c = alpha op(a) op(b) + beta c for row-major matrices,
// where a is (m x k) after op and b is (k x n), and lda, ldb, ldc are the
// row strides as stored. When the BLAS underneath is single-threaded
// (gemmSplits) a large product is cut into blocks of rows of c (or of
// columns when c has few rows), one per worker.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
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
	w := parallel.Workers()
	if !gemmSplits || w <= 1 || m*n*k < 1<<18 {
		gemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if m >= 4*w || m >= n {
		parallel.For(m, 2*n*k, func(lo, hi int) {
			aoff := lo * lda // row lo of op(a)
			if transA {
				aoff = lo
			}
			gemmSerial(transA, transB, hi-lo, n, k, alpha, a[aoff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		})
		return
	}
	parallel.For(n, 2*m*k, func(lo, hi int) {
		boff := lo // column lo of op(b)
		if transB {
			boff = lo * ldb
		}
		gemmSerial(transA, transB, m, hi-lo, k, alpha, a, lda, b[boff:], ldb, beta, c[lo:], ldc)
	})
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
	if m*n*k == 0 {
		return New[T](shape...) // empty, or an empty inner sum: zeros
	}
	out := Empty[T](shape...) // beta = 0: every element is written, none read
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
	if nb < parallel.Workers() {
		// Too few products to share out: each one splits itself.
		for i := 0; i < nb; i++ {
			gemm(transA, transB, m, n, k, 1, a.data[i*sa:], lda, b.data[i*sb:], ldb, 0, out.data[i*m*n:], n)
		}
		return out
	}
	parallel.For(nb, 2*m*n*k, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gemmSerial(transA, transB, m, n, k, 1, a.data[i*sa:], lda, b.data[i*sb:], ldb, 0, out.data[i*m*n:], n)
		}
	})
	return out
}
