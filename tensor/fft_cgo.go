//go:build cgo && !purego

package tensor

/*
#cgo CFLAGS: -O3
#pragma GCC optimize ("no-trapping-math")

// One fused radix-4 stage of rowColumns over a block of rows, in C so that
// GCC vectorises the loop over a row segment's columns (AVX2 where the CPU
// has it, chosen at run time). The same products and sums in the same
// order as radix4Rows (the avx2 target has no FMA, so nothing is
// contracted): the results are identical (TestFFTRowKernel).
// x: the [n][h] array as interleaved doubles; rows start+j, start+q+j,
// start+size+j, start+size+q+j for j < q; columns lo..hi-1; w: W (q
// entries), W^2, W^3 (interleaved); sign -1 forward, +1 inverse.
#define SG_RADIX4_ROWS \
	for (long j = 0; j < q; j++) { \
		double *a = x + 2*((start+j)*h + lo), *b = x + 2*((start+q+j)*h + lo); \
		double *c = x + 2*((start+size+j)*h + lo), *d = x + 2*((start+size+q+j)*h + lo); \
		double w1r = w[2*j], w1i = w[2*j+1]; \
		double w2r = w[2*(q+j)], w2i = w[2*(q+j)+1]; \
		double w3r = w[2*(2*q+j)], w3i = w[2*(2*q+j)+1]; \
		for (long k = 0; k < m; k++) { \
			double ar = a[2*k], ai = a[2*k+1], br = b[2*k], bi = b[2*k+1]; \
			double cr = c[2*k], ci = c[2*k+1], dr = d[2*k], di = d[2*k+1]; \
			double Br = br*w2r - bi*w2i, Bi = br*w2i + bi*w2r; \
			double Cr = cr*w1r - ci*w1i, Ci = cr*w1i + ci*w1r; \
			double Dr = dr*w3r - di*w3i, Di = dr*w3i + di*w3r; \
			double s0r = ar+Br, s0i = ai+Bi, s1r = ar-Br, s1i = ai-Bi; \
			double t0r = Cr+Dr, t0i = Ci+Di, t1r = Cr-Dr, t1i = Ci-Di; \
			double rr = -sign*t1i, ri = sign*t1r; \
			a[2*k] = s0r+t0r; a[2*k+1] = s0i+t0i; \
			c[2*k] = s0r-t0r; c[2*k+1] = s0i-t0i; \
			b[2*k] = s1r+rr; b[2*k+1] = s1i+ri; \
			d[2*k] = s1r-rr; d[2*k+1] = s1i-ri; \
		} \
	}

__attribute__((target("avx2")))
static void sg_radix4_rows_avx2(double *x, long h, long lo, long m, long start, long q, long size, const double *w, double sign) { SG_RADIX4_ROWS }
static void sg_radix4_rows_base(double *x, long h, long lo, long m, long start, long q, long size, const double *w, double sign) { SG_RADIX4_ROWS }

static void sg_radix4_rows(double *x, long h, long lo, long m, long start, long q, long size, const double *w, double sign, int level) {
	if (level == 1) sg_radix4_rows_avx2(x, h, lo, m, start, q, size, w, sign);
	else sg_radix4_rows_base(x, h, lo, m, start, q, size, w, sign);
}
*/
import "C"

import "unsafe"

// radix4RowsBlock does the fused radix-4 stage of size 2 size on the
// block of rows from start, columns lo..hi-1 of the [n][h] array X, with
// the stage's twiddles w (W, W^2, W^3 in blocks of q = size/2).
func radix4RowsBlock(X []complex128, h, lo, hi, start, size int, w []complex128, sign float64) {
	radix4RowsBlockAt(simdLevel, X, h, lo, hi, start, size, w, sign)
}

// radix4RowsBlockAt runs the loop of a given SIMD level (tests compare
// every level with the Go loop).
func radix4RowsBlockAt(level int, X []complex128, h, lo, hi, start, size int, w []complex128, sign float64) {
	q := size / 2
	if hi <= lo || q == 0 {
		return
	}
	_ = X[(start+size+q+q-1)*h+hi-1] // the block's last row lies within X
	_ = w[3*q-1]
	C.sg_radix4_rows((*C.double)(unsafe.Pointer(&X[0])), C.long(h), C.long(lo), C.long(hi-lo), C.long(start), C.long(q), C.long(size),
		(*C.double)(unsafe.Pointer(&w[0])), C.double(sign), C.int(level))
}
