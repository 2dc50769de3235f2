//go:build cgo && !purego

package autograd

/*
#cgo CFLAGS: -O3
// FP exceptions are never inspected; this lets GCC vectorise freely
// without changing any result.
#pragma GCC optimize ("no-trapping-math")

// cmulRows of spectral_kernels.go, operation for operation
// (the avx2 target has no FMA, so nothing is contracted): the inner loop
// over o runs 4 float64 lanes per AVX2 instruction.

#define SG_CMUL_ROWS \
	for (long k = 0; k < rows*cols; k++) { accR[k] = 0; accI[k] = 0; } \
	for (long r = 0; r < rows; r++) { \
		double *restrict dR = accR + r*cols, *restrict dI = accI + r*cols; \
		for (long i = 0; i < inner; i++) { \
			double ar = xr[r*inner+i], ai = xi[r*inner+i]; \
			const double *rowR = mr + i*cols, *rowI = mi + i*cols; \
			for (long o = 0; o < cols; o++) { \
				dR[o] += ar*rowR[o] - ai*rowI[o]; \
				dI[o] += ar*rowI[o] + ai*rowR[o]; \
			} \
		} \
	}

__attribute__((target("avx2")))
static void sg_cmul_rows_avx2(double *restrict accR, double *restrict accI, const double *xr, const double *xi, const double *mr, const double *mi, long rows, long inner, long cols) { SG_CMUL_ROWS }
static void sg_cmul_rows_base(double *restrict accR, double *restrict accI, const double *xr, const double *xi, const double *mr, const double *mi, long rows, long inner, long cols) { SG_CMUL_ROWS }

static int sg_simd_level(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}

static void sg_cmul_rows(double *accR, double *accI, const double *xr, const double *xi, const double *mr, const double *mi, long rows, long inner, long cols, int level) {
	if (level == 1) sg_cmul_rows_avx2(accR, accI, xr, xi, mr, mi, rows, inner, cols);
	else sg_cmul_rows_base(accR, accI, xr, xi, mr, mi, rows, inner, cols);
}

*/
import "C"

import "unsafe"

// simdLevel selects the C loops: 1 AVX2 (vectorised), 0 portable.
var simdLevel = int(C.sg_simd_level())

func cmulRowsKernel(accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	cmulRowsAt(simdLevel, accR, accI, xr, xi, mr, mi, rows, inner, cols)
}

func f64p(v []float64) *C.double { return (*C.double)(unsafe.Pointer(&v[0])) }

// cmulRowsAt runs the C loop of a given level (tests run every level the
// CPU supports). All sizes are positive.
func cmulRowsAt(level int, accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	C.sg_cmul_rows(f64p(accR), f64p(accI), f64p(xr), f64p(xi), f64p(mr), f64p(mi), C.long(rows), C.long(inner), C.long(cols), C.int(level))
}
