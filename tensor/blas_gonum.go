//go:build !cgo || purego

package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// BLASBackend names the GEMM implementation this build uses: "openblas"
// (Debian's libopenblas through cgo, the default) or "gonum" (pure Go,
// built with -tags purego or CGO_ENABLED=0).
const BLASBackend = "gonum"

// gemmSerial computes c = alpha op(a) op(b) + beta c for row-major
// matrices through gonum's BLAS (which parallelises large products on its
// own). a is (m x k) after op, b is (k x n); lda, ldb, ldc are the row
// strides as stored. m, n, k are positive.
func gemmSerial[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ar, ac := m, k
	if transA {
		ta, ar, ac = blas.Trans, k, m
	}
	br, bc := k, n
	if transB {
		tb, br, bc = blas.Trans, n, k
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

// gemmSplits says that gemm should split one large product over workers
// itself; gonum's BLAS already does.
const gemmSplits = false
