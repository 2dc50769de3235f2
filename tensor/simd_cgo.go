//go:build cgo && !purego

package tensor

/*
#cgo CFLAGS: -O3
// FP exceptions are never inspected: without trapping math GCC may
// if-convert the clamps and vectorise the loops (results are unchanged).
#pragma GCC optimize ("no-trapping-math")
#include <math.h>
#include <stdint.h>
#include <string.h>

// Vectorised copies of the arithmetic-bound Go loops: float32 GELU and its
// backward (erf32, expNeg32, gelu32Run, geluBackward32Run in
// elementwise.go) and float32 row sums (addRows in reduce.go). The same
// operations in the same order in float64 (the avx2 target has no FMA, so
// nothing is contracted), so the results are identical (TestGELUKernels,
// TestSumAxisChunks); plain loops that GCC vectorises, 4 float64 lanes per
// AVX2 instruction.

static inline double sg_erf32(double x) {
	x = x > 4 ? 4 : x;
	x = x < -4 ? -4 : x;
	double x2 = x * x;
	double p = ((((((-2.72614225801306e-10*x2+2.77068142495902e-08)*x2-2.10102402082508e-06)*x2-5.69250639462346e-05)*x2-7.34990630326855e-04)*x2-2.95459980854025e-03)*x2 - 1.60960333262415e-02);
	double q = ((((-1.45660718464996e-05*x2-2.13374055278905e-04)*x2-1.68282697438203e-03)*x2-7.37332916720468e-03)*x2 - 1.42647390514189e-02);
	return x * p / q;
}

static inline double sg_exp_neg(double y) {
	double n = floor(y*1.4426950408889634 + 0.5);
	double r = y - n*0.6931471803691238 - n*1.9082149292705877e-10;
	double p = 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))));
	// 2^n from the exponent bits; n is recovered from the low bits of
	// n + 1.5 2^52 (exact for |n| < 2^51), which vectorises without an
	// AVX-512 float-to-int64 conversion.
	double t = n + 6755399441055744.0;
	int64_t tb, magic;
	double m = 6755399441055744.0;
	memcpy(&tb, &t, 8);
	memcpy(&magic, &m, 8);
	uint64_t bits = (uint64_t)(tb - magic + 1023) << 52;
	double scale;
	memcpy(&scale, &bits, 8);
	double e = p * scale;
	return y < -700 ? 0 : e;
}

#define SG_GELU_BODY \
	for (long i = 0; i < n; i++) { \
		double x = (double)src[i]; \
		dst[i] = (float)(0.5 * x * (1 + sg_erf32(x*0.70710678118654752440))); \
	}

#define SG_GELU_BACKWARD_BODY \
	for (long i = 0; i < n; i++) { \
		double v = (double)x[i]; \
		double d = 0.5*(1+sg_erf32(v*0.70710678118654752440)) + v*0.3989422804014327*sg_exp_neg(-0.5*v*v); \
		dst[i] = g[i] * (float)d; \
	}

__attribute__((target("avx2")))
static void sg_gelu_avx2(float *restrict dst, const float *restrict src, long n) { SG_GELU_BODY }
static void sg_gelu_base(float *restrict dst, const float *restrict src, long n) { SG_GELU_BODY }

__attribute__((target("avx2")))
static void sg_gelu_backward_avx2(float *restrict dst, const float *restrict x, const float *restrict g, long n) { SG_GELU_BACKWARD_BODY }
static void sg_gelu_backward_base(float *restrict dst, const float *restrict x, const float *restrict g, long n) { SG_GELU_BACKWARD_BODY }

#define SG_ADD_ROWS \
	for (long k = 0; k < rows; k++) { \
		const float *row = data + k*inner; \
		for (long i = 0; i < inner; i++) acc[i] += (double)row[i]; \
	}

__attribute__((target("avx2")))
static void sg_add_rows_avx2(double *restrict acc, const float *restrict data, long rows, long inner) { SG_ADD_ROWS }
static void sg_add_rows_base(double *restrict acc, const float *restrict data, long rows, long inner) { SG_ADD_ROWS }

static void sg_add_rows(double *acc, const float *data, long rows, long inner, int level) {
	if (level == 1) sg_add_rows_avx2(acc, data, rows, inner); else sg_add_rows_base(acc, data, rows, inner);
}

static int sg_simd_level(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}

static void sg_gelu(float *dst, const float *src, long n, int level) {
	if (level == 1) sg_gelu_avx2(dst, src, n);
	else sg_gelu_base(dst, src, n);
}

static void sg_gelu_backward(float *dst, const float *x, const float *g, long n, int level) {
	if (level == 1) sg_gelu_backward_avx2(dst, x, g, n);
	else sg_gelu_backward_base(dst, x, g, n);
}
*/
import "C"

import "unsafe"

// simdLevel selects the C loops: 1 AVX2 (vectorised), 0 portable. An
// AVX-512 variant measured no faster on the development machine.
var simdLevel = int(C.sg_simd_level())

// gelu32Kernel writes GELU(src) to dst: the C loop, vectorised where the
// CPU has AVX2, equal to gelu32Run element for element (TestGELUKernels).
func gelu32Kernel(dst, src []float32) { gelu32KernelAt(simdLevel, dst, src) }

// geluBackward32Kernel writes g GELU'(x) to dst, equal to
// geluBackward32Run element for element.
func geluBackward32Kernel(dst, x, g []float32) { geluBackward32KernelAt(simdLevel, dst, x, g) }

// gelu32KernelAt and geluBackward32KernelAt run the loops of a given
// level (tests run every level the CPU supports).
func gelu32KernelAt(level int, dst, src []float32) {
	if len(src) == 0 {
		return
	}
	C.sg_gelu((*C.float)(unsafe.Pointer(&dst[0])), (*C.float)(unsafe.Pointer(&src[0])), C.long(len(src)), C.int(level))
}

func geluBackward32KernelAt(level int, dst, x, g []float32) {
	if len(x) == 0 {
		return
	}
	C.sg_gelu_backward((*C.float)(unsafe.Pointer(&dst[0])), (*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&g[0])), C.long(len(x)), C.int(level))
}

// addRowsKernel adds float32 rows to float64 sums in C (vectorised; the Go
// loop converts inside its arithmetic loop, which chains every element to
// the previous one): the same additions in the same order.
func addRowsKernel(acc []float64, data []float32, inner int) bool {
	if len(data) < 512 || inner < 16 { // short rows: the C loop's setup per row costs more
		return false
	}
	addRowsKernelAt(simdLevel, acc, data, inner)
	return true
}

func addRowsKernelAt(level int, acc []float64, data []float32, inner int) {
	C.sg_add_rows((*C.double)(unsafe.Pointer(&acc[0])), (*C.float)(unsafe.Pointer(&data[0])), C.long(len(data)/inner), C.long(inner), C.int(level))
}
