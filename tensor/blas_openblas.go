//go:build cgo && !purego

package tensor

/*
#cgo pkg-config: openblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// BLASBackend names the GEMM implementation this build uses: "openblas"
// (Debian's libopenblas through cgo, the default) or "gonum" (pure Go,
// built with -tags purego or CGO_ENABLED=0).
const BLASBackend = "openblas"

func init() {
	// OpenBLAS runs single-threaded; surrogo splits large products over
	// its own workers (tensor/parallel), so the thread count is one knob
	// and nested parallel loops never oversubscribe the cores.
	C.openblas_set_num_threads(1)
}

// gemmSerial computes c = alpha op(a) op(b) + beta c for row-major
// matrices on the calling goroutine with one CBLAS call. a is (m x k)
// after op, b is (k x n); lda, ldb, ldc are the row strides as stored.
// m, n, k are positive.
func gemmSerial[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	switch cd := any(c).(type) {
	case []float32:
		ad, bd := any(a).([]float32), any(b).([]float32)
		C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
			C.float(alpha), (*C.float)(unsafe.Pointer(&ad[0])), C.blasint(lda),
			(*C.float)(unsafe.Pointer(&bd[0])), C.blasint(ldb),
			C.float(beta), (*C.float)(unsafe.Pointer(&cd[0])), C.blasint(ldc))
	case []float64:
		ad, bd := any(a).([]float64), any(b).([]float64)
		C.cblas_dgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
			C.double(alpha), (*C.double)(unsafe.Pointer(&ad[0])), C.blasint(lda),
			(*C.double)(unsafe.Pointer(&bd[0])), C.blasint(ldb),
			C.double(beta), (*C.double)(unsafe.Pointer(&cd[0])), C.blasint(ldc))
	}
}

// gemmSplits says that gemm should split one large product over workers
// itself (the BLAS underneath is single-threaded).
const gemmSplits = true
