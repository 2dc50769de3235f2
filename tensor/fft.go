package tensor

import (
	"fmt"
	"math"
	"math/cmplx"
	"sync"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// CTensor is a complex tensor stored interleaved: element j is
// Data()[2j] + i Data()[2j+1]. Spectra of real tensors (RFFTN) and FNO's
// complex weights use it. The interleaved real layout keeps one generic
// element type T for float32 (complex64-like) and float64 (complex128-like).
type CTensor[T Float] struct {
	shape []int
	data  []T
}

// NewC returns a zero complex tensor.
func NewC[T Float](shape ...int) *CTensor[T] {
	return &CTensor[T]{shape: cloneInts(shape), data: make([]T, 2*checkedSize(shape))}
}

// CFromSlice wraps interleaved data (len 2*Size(shape)).
func CFromSlice[T Float](data []T, shape ...int) *CTensor[T] {
	if 2*checkedSize(shape) != len(data) {
		panic(fmt.Sprintf("tensor: CFromSlice: shape %v needs %d interleaved values, got %d", shape, 2*Size(shape), len(data)))
	}
	return &CTensor[T]{shape: cloneInts(shape), data: data}
}

// Shape returns the dimensions.
func (c *CTensor[T]) Shape() []int { return c.shape }

// Data returns the interleaved values (shared).
func (c *CTensor[T]) Data() []T { return c.data }

// Len returns the number of complex elements.
func (c *CTensor[T]) Len() int { return len(c.data) / 2 }

// At returns element j (flat index) as complex128.
func (c *CTensor[T]) At(j int) complex128 {
	return complex(float64(c.data[2*j]), float64(c.data[2*j+1]))
}

// SetAt writes element j.
func (c *CTensor[T]) SetAt(j int, v complex128) {
	c.data[2*j], c.data[2*j+1] = T(real(v)), T(imag(v))
}

// Clone returns a deep copy.
func (c *CTensor[T]) Clone() *CTensor[T] {
	return &CTensor[T]{shape: cloneInts(c.shape), data: append([]T(nil), c.data...)}
}

func (c *CTensor[T]) toComplex128() []complex128 {
	out := make([]complex128, len(c.data)/2)
	for j := range out {
		out[j] = complex(float64(c.data[2*j]), float64(c.data[2*j+1]))
	}
	return out
}

func fromComplex128[T Float](v []complex128, shape []int) *CTensor[T] {
	out := NewC[T](shape...)
	for j, z := range v {
		out.data[2*j], out.data[2*j+1] = T(real(z)), T(imag(z))
	}
	return out
}

// fftPlan holds the factorisation and twiddles e^{-2 pi i j / n} of one
// length. Transforms use a recursive mixed-radix decimation in time, any n
// (prime factors cost O(p) per point each).
type fftPlan struct {
	n       int
	factors []int
	tw      []complex128
	twInv   []complex128      // conjugate twiddles (power-of-two plans)
	rev     []int             // bit-reversal permutation (power-of-two plans)
	stage   [][2][]complex128 // per stage (size 8, 16, ...): contiguous forward/inverse twiddles
	fused   [][2][]complex128 // per pair of stages (sizes s, 2s = 8, 16; 32, 64; ...): W, W^2, W^3 (blocks of s/2), forward/inverse
	half    *fftPlan          // length n/2, for real transforms of even n
}

var fftPlans sync.Map // int -> *fftPlan

func planFor(n int) *fftPlan {
	if p, ok := fftPlans.Load(n); ok {
		return p.(*fftPlan)
	}
	p := &fftPlan{n: n, tw: make([]complex128, n)}
	for j := range p.tw {
		// Exact values at the quarter turns keep symmetric inputs symmetric.
		switch {
		case 4*j == n:
			p.tw[j] = -1i
		case 2*j == n:
			p.tw[j] = -1
		case 4*j == 3*n:
			p.tw[j] = 1i
		default:
			s, c := math.Sincos(-2 * math.Pi * float64(j) / float64(n))
			p.tw[j] = complex(c, s)
		}
	}
	m := n
	for _, f := range []int{4, 2, 3, 5, 7} {
		for m%f == 0 && m > 1 {
			p.factors = append(p.factors, f)
			m /= f
		}
	}
	for f := 11; m > 1; f += 2 {
		for m%f == 0 {
			p.factors = append(p.factors, f)
			m /= f
		}
	}
	if n >= 4 && n&(n-1) == 0 {
		p.twInv = make([]complex128, n)
		for j, w := range p.tw {
			p.twInv[j] = cmplx.Conj(w)
		}
		bits := 0
		for 1<<bits < n {
			bits++
		}
		for size := 8; size <= n; size <<= 1 {
			half, step := size/2, n/size
			fw, iv := make([]complex128, half), make([]complex128, half)
			for j := 0; j < half; j++ {
				fw[j], iv[j] = p.tw[j*step], p.twInv[j*step]
			}
			p.stage = append(p.stage, [2][]complex128{fw, iv})
		}
		for size := 8; 2*size <= n; size <<= 2 {
			// The stages of sizes s and 2s done together: W = w_{2s}^j.
			q, step := size/2, n/(2*size)
			fw, iv := make([]complex128, 3*q), make([]complex128, 3*q)
			for j := 0; j < q; j++ {
				for e := 1; e <= 3; e++ { // W^e in block e-1
					fw[(e-1)*q+j], iv[(e-1)*q+j] = p.tw[(e*j*step)%n], p.twInv[(e*j*step)%n]
				}
			}
			p.fused = append(p.fused, [2][]complex128{fw, iv})
		}
		p.rev = make([]int, n)
		for i := range p.rev {
			r := 0
			for b := 0; b < bits; b++ {
				if i&(1<<b) != 0 {
					r |= 1 << (bits - 1 - b)
				}
			}
			p.rev[i] = r
		}
	}
	if n%2 == 0 && n >= 2 {
		p.half = planFor(n / 2)
	}
	actual, _ := fftPlans.LoadOrStore(n, p)
	return actual.(*fftPlan)
}

// radix2 is the iterative Cooley-Tukey transform for power-of-two n:
// bit-reversed copy, then log2 n stages of butterflies with table twiddles.
func (p *fftPlan) radix2(out, in []complex128, inverse bool) {
	n := p.n
	out = out[:n]
	inPlace := &out[0] == &in[0]
	if inPlace {
		for i, r := range p.rev {
			if i < r {
				out[i], out[r] = out[r], out[i]
			}
		}
	}
	// Sizes 2 and 4 in one radix-4 pass (twiddles 1 and -i, or +i),
	// reading the input in bit-reversed order when it is another slice.
	rev := p.rev[:n]
	for start := 0; start+4 <= n; start += 4 {
		x := out[start : start+4 : start+4]
		x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
		if !inPlace {
			x0, x1, x2, x3 = in[rev[start]], in[rev[start+1]], in[rev[start+2]], in[rev[start+3]]
		}
		a0, a1 := x0+x1, x0-x1
		a2, d := x2+x3, x2-x3
		a3 := complex(imag(d), -real(d)) // -i d
		if inverse {
			a3 = -a3
		}
		x[0], x[2] = a0+a2, a0-a2
		x[1], x[3] = a1+a3, a1-a3
	}
	dir := 0
	if inverse {
		dir = 1
	}
	size := 8
	for fi := 0; 2*size <= n; fi, size = fi+1, size<<2 {
		p.fusedStages(out, size, p.fused[fi][dir], inverse)
	}
	if size <= n { // an odd number of stages after the first pass
		si := 0
		for s := 8; s < size; s <<= 1 {
			si++
		}
		half := size >> 1
		w := p.stage[si][dir][:half]
		for start := 0; start < n; start += size {
			a := out[start : start+half : start+half]
			b := out[start+half : start+size : start+size]
			for j, wj := range w {
				t := b[j] * wj
				b[j] = a[j] - t
				a[j] += t
			}
		}
	}
}

// fusedStages does the radix-2 stages of sizes s and 2s in one pass over
// blocks of 2s: with W = w_{2s}^j (w^j of size s is W^2) and the points a,
// b, c, d at j, j+s/2, j+s, j+3s/2,
//
//	B, C, D = W^2 b, W c, W^3 d
//	a, c = (a + B) +- (C + D),  b, d = (a - B) +- -i (C - D)
//
// (+i for the inverse): three twiddle products per four points instead of
// four, and one pass over the data instead of two.
func (p *fftPlan) fusedStages(out []complex128, size int, w []complex128, inverse bool) {
	q := size / 2
	w1, w2, w3 := w[:q:q], w[q:2*q:2*q], w[2*q:3*q:3*q]
	for start := 0; start < p.n; start += 2 * size {
		a := out[start : start+q : start+q]
		b := out[start+q : start+size : start+size]
		c := out[start+size : start+size+q : start+size+q]
		d := out[start+size+q : start+2*size : start+2*size]
		if inverse {
			radix4Inverse(a, b, c, d, w1, w2, w3)
		} else {
			radix4Forward(a, b, c, d, w1, w2, w3)
		}
	}
}

// radix4Forward is fusedStages' butterfly over one block, forward:
// r = -i (C - D).
func radix4Forward(a, b, c, d, w1, w2, w3 []complex128) {
	n := len(a)
	b, c, d, w1, w2, w3 = b[:n], c[:n], d[:n], w1[:n], w2[:n], w3[:n]
	for j := range a {
		B, C, D := b[j]*w2[j], c[j]*w1[j], d[j]*w3[j]
		s0, s1 := a[j]+B, a[j]-B
		t0, t1 := C+D, C-D
		r := complex(imag(t1), -real(t1))
		a[j], c[j] = s0+t0, s0-t0
		b[j], d[j] = s1+r, s1-r
	}
}

// radix4Inverse is radix4Forward with r = +i (C - D).
func radix4Inverse(a, b, c, d, w1, w2, w3 []complex128) {
	n := len(a)
	b, c, d, w1, w2, w3 = b[:n], c[:n], d[:n], w1[:n], w2[:n], w3[:n]
	for j := range a {
		B, C, D := b[j]*w2[j], c[j]*w1[j], d[j]*w3[j]
		s0, s1 := a[j]+B, a[j]-B
		t0, t1 := C+D, C-D
		r := complex(-imag(t1), real(t1))
		a[j], c[j] = s0+t0, s0-t0
		b[j], d[j] = s1+r, s1-r
	}
}

// rowColumns transforms columns lo..hi-1 of the [n][h] row-major array X
// (power-of-two n) in place, as radix2 does one sequence, with whole row
// segments in place of single values: every butterfly is a loop over
// contiguous columns with one twiddle, and nothing is transposed.
func (p *fftPlan) rowColumns(X []complex128, h, lo, hi int, inverse bool) {
	n := p.n
	row := func(i int) []complex128 { return X[i*h+lo : i*h+hi : i*h+hi] }
	for i, r := range p.rev {
		if i < r {
			a, b := row(i), row(r)
			for c := range a {
				a[c], b[c] = b[c], a[c]
			}
		}
	}
	sign := -1.0 // the first pass's -i (+i inverse)
	if inverse {
		sign = 1
	}
	for start := 0; start+4 <= n; start += 4 {
		x0, x1, x2, x3 := row(start), row(start+1), row(start+2), row(start+3)
		for c := range x0 {
			a0, a1 := x0[c]+x1[c], x0[c]-x1[c]
			a2, d := x2[c]+x3[c], x2[c]-x3[c]
			a3 := complex(-sign*imag(d), sign*real(d))
			x0[c], x2[c] = a0+a2, a0-a2
			x1[c], x3[c] = a1+a3, a1-a3
		}
	}
	dir := 0
	if inverse {
		dir = 1
	}
	size := 8
	for fi := 0; 2*size <= n; fi, size = fi+1, size<<2 {
		w := p.fused[fi][dir]
		for start := 0; start < n; start += 2 * size {
			radix4RowsBlock(X, h, lo, hi, start, size, w, sign)
		}
	}
	if size <= n {
		si := 0
		for s := 8; s < size; s <<= 1 {
			si++
		}
		half := size >> 1
		w := p.stage[si][dir][:half]
		for start := 0; start < n; start += size {
			for j, wj := range w {
				a, b := row(start+j), row(start+half+j)
				for c := range a {
					t := b[c] * wj
					b[c] = a[c] - t
					a[c] += t
				}
			}
		}
	}
}

// radix4RowsBlockGo is radix4RowsBlock in Go: radix4Rows for every j of
// the block.
func radix4RowsBlockGo(X []complex128, h, lo, hi, start, size int, w []complex128, sign float64) {
	q := size / 2
	row := func(i int) []complex128 { return X[i*h+lo : i*h+hi : i*h+hi] }
	for j := 0; j < q; j++ {
		radix4Rows(row(start+j), row(start+q+j), row(start+size+j), row(start+size+q+j), w[q+j], w[j], w[2*q+j], sign)
	}
}

// radix4Rows is the fused radix-4 butterfly (fusedStages) applied to row
// segments a, b, c, d with the scalar twiddles W^2, W, W^3; sign is -1
// forward (r = -i (C - D)) and +1 inverse.
func radix4Rows(a, b, c, d []complex128, w2, w1, w3 complex128, sign float64) {
	n := len(a)
	b, c, d = b[:n], c[:n], d[:n]
	for k := range a {
		B, C, D := b[k]*w2, c[k]*w1, d[k]*w3
		s0, s1 := a[k]+B, a[k]-B
		t0, t1 := C+D, C-D
		r := complex(-sign*imag(t1), sign*real(t1))
		a[k], c[k] = s0+t0, s0-t0
		b[k], d[k] = s1+r, s1-r
	}
}

// realForward writes the n/2+1 coefficients of the real sequence x (even
// n) using one complex transform of length n/2: z_j = x_2j + i x_2j+1,
// E_k = (Z_k + conj Z_{m-k}) / 2, O_k = (Z_k - conj Z_{m-k}) / 2i,
// X_k = E_k + e^{-2 pi i k/n} O_k. scratch has at least n complex values.
func (p *fftPlan) realForward(dst []complex128, x []float64, scratch []complex128) {
	m := p.n / 2
	z := scratch[:m]
	Z := scratch[m : 2*m]
	for j := 0; j < m; j++ {
		z[j] = complex(x[2*j], x[2*j+1])
	}
	p.half.transform(Z, z, false)
	// X_0 and X_m from Z_0; then k and m-k together: with e, o of k,
	// X_{m-k} = conj(e - w_k o).
	z0 := Z[0]
	dst[0], dst[m] = complex(real(z0)+imag(z0), 0), complex(real(z0)-imag(z0), 0)
	tw := p.tw[:m]
	for k := 1; 2*k <= m; k++ {
		zk, zm := Z[k], Z[m-k]
		// e = (Z_k + conj Z_{m-k}) / 2, o = (Z_k - conj Z_{m-k}) / 2i,
		// in real arithmetic (Go divides complex numbers in full).
		er, ei := 0.5*(real(zk)+real(zm)), 0.5*(imag(zk)-imag(zm))
		or, oi := 0.5*(imag(zk)+imag(zm)), -0.5*(real(zk)-real(zm))
		wr, wi := real(tw[k]), imag(tw[k])
		pr, pi := wr*or-wi*oi, wr*oi+wi*or
		dst[k] = complex(er+pr, ei+pi)
		dst[m-k] = complex(er-pr, pi-ei)
	}
}

// realInverse writes x = irfft(X) for even n, scaled by 1/n, ignoring the
// imaginary parts of the zero and Nyquist coefficients.
func (p *fftPlan) realInverse(x []float64, X []complex128, scratch []complex128) {
	p.realInverseScaled(x, X, scratch, 1/float64(p.n/2))
}

// realInverseScaled is realInverse with the result multiplied by s
// instead of 1/(n/2) (so that a caller's own scaling costs no pass).
func (p *fftPlan) realInverseScaled(x []float64, X []complex128, scratch []complex128, s float64) {
	m := p.n / 2
	Z := scratch[:m]
	z := scratch[m : 2*m]
	// k = 0 (imaginary parts of X_0 and X_m ignored), then k and m-k
	// together: with e, o of k, Z_{m-k} = conj(e) + i conj(o).
	x0, xm := real(X[0]), real(X[m])
	Z[0] = complex(0.5*(x0+xm), 0.5*(x0-xm))
	tw := p.tw[:m]
	for k := 1; 2*k <= m; k++ {
		ar, ai, br, bi := real(X[k]), imag(X[k]), real(X[m-k]), imag(X[m-k])
		// e = (a + conj b) / 2, o = (a - conj b) / 2 * e^{+2 pi i k/n},
		// Z_k = e + i o, in real arithmetic.
		er, ei := 0.5*(ar+br), 0.5*(ai-bi)
		dr, di := 0.5*(ar-br), 0.5*(ai+bi)
		wr, wi := real(tw[k]), -imag(tw[k])
		or, oi := dr*wr-di*wi, dr*wi+di*wr
		Z[k] = complex(er-oi, ei+or)
		Z[m-k] = complex(er+oi, or-ei)
	}
	p.half.transform(z, Z, true)
	for j := 0; j < m; j++ {
		x[2*j] = real(z[j]) * s
		x[2*j+1] = imag(z[j]) * s
	}
}

// transform computes out = DFT(in) (inverse: with e^{+i}, unscaled); out
// and in are disjoint, or for a power-of-two n also the same slice.
func (p *fftPlan) transform(out, in []complex128, inverse bool) {
	if p.n == 1 {
		out[0] = in[0]
		return
	}
	if p.rev != nil {
		p.radix2(out, in, inverse)
		return
	}
	p.rec(out, in, 1, p.n, 0, 1, inverse)
}

func (p *fftPlan) twiddle(j int, inverse bool) complex128 {
	w := p.tw[j%p.n]
	if inverse {
		return cmplx.Conj(w)
	}
	return w
}

func (p *fftPlan) rec(out, in []complex128, stride, n, fi, step int, inverse bool) {
	if n == 1 {
		out[0] = in[0]
		return
	}
	r := p.factors[fi]
	m := n / r
	for q := 0; q < r; q++ {
		p.rec(out[q*m:(q+1)*m], in[q*stride:], stride*r, m, fi+1, step*r, inverse)
	}
	switch r {
	case 2:
		for k := 0; k < m; k++ {
			a := out[k]
			b := out[m+k] * p.twiddle(k*step, inverse)
			out[k], out[m+k] = a+b, a-b
		}
	case 4:
		j := complex(0, -1)
		if inverse {
			j = complex(0, 1)
		}
		for k := 0; k < m; k++ {
			a0 := out[k]
			a1 := out[m+k] * p.twiddle(k*step, inverse)
			a2 := out[2*m+k] * p.twiddle(2*k*step, inverse)
			a3 := out[3*m+k] * p.twiddle(3*k*step, inverse)
			s02, d02 := a0+a2, a0-a2
			s13, d13 := a1+a3, (a1-a3)*j
			out[k], out[m+k], out[2*m+k], out[3*m+k] = s02+s13, d02+d13, s02-s13, d02-d13
		}
	default:
		var buf [16]complex128
		tmp := buf[:0]
		if r > len(buf) {
			tmp = make([]complex128, r)
		} else {
			tmp = buf[:r]
		}
		for k := 0; k < m; k++ {
			for q := 0; q < r; q++ {
				tmp[q] = out[q*m+k] * p.twiddle(q*k*step, inverse)
			}
			for s := 0; s < r; s++ {
				var sum complex128
				for q := 0; q < r; q++ {
					sum += tmp[q] * p.twiddle(q*s*m*step, inverse)
				}
				out[k+s*m] = sum
			}
		}
	}
}

// fftAxis transforms every line along axis of data (shape) in place,
// gathering blocks of neighbouring lines so memory is read contiguously.
func fftAxis(data []complex128, shape []int, axis int, inverse bool) {
	outer, n, inner := splitAt(shape, axis)
	if n <= 1 {
		return
	}
	p := planFor(n)
	const block = 8
	nb := (inner + block - 1) / block
	parallel.For(outer*nb, block*5*n*int(math.Log2(float64(n))+1), func(lo, hi int) {
		buf := make([]complex128, block*n)
		dst := make([]complex128, n)
		for job := lo; job < hi; job++ {
			o, i0 := job/nb, (job%nb)*block
			w := min(block, inner-i0)
			base := o * n * inner
			for k := 0; k < n; k++ {
				row := data[base+k*inner+i0 : base+k*inner+i0+w]
				for c, v := range row {
					buf[c*n+k] = v
				}
			}
			for c := 0; c < w; c++ {
				line := buf[c*n : (c+1)*n]
				p.transform(dst, line, inverse)
				copy(line, dst)
			}
			for k := 0; k < n; k++ {
				row := data[base+k*inner+i0 : base+k*inner+i0+w]
				for c := range row {
					row[c] = buf[c*n+k]
				}
			}
		}
	})
}

// FFT returns the discrete Fourier transform of c along axis:
// X_k = sum_j x_j e^{-2 pi i jk/n}; with inverse, the inverse transform
// including the 1/n factor (PyTorch's norm="backward").
func FFT[T Float](c *CTensor[T], axis int, inverse bool) *CTensor[T] {
	axis = normAxis(axis, len(c.shape))
	w := c.toComplex128()
	fftAxis(w, c.shape, axis, inverse)
	if inverse {
		s := complex(1/float64(c.shape[axis]), 0)
		for i := range w {
			w[i] *= s
		}
	}
	return fromComplex128[T](w, c.shape)
}

// RFFTN returns the real-to-complex DFT over the last d axes (d = 1, 2 or
// 3), unnormalised as torch.fft.rfftn: the last axis keeps n/2+1
// frequencies, the others all n, in FFT order (0, 1, ..., -1).
func RFFTN[T Float](x *Tensor[T], d int) *CTensor[T] {
	r := len(x.shape)
	if d < 1 || d > r {
		panic(fmt.Sprintf("tensor: RFFTN over %d axes of shape %v", d, x.shape))
	}
	n := x.shape[r-1]
	h := n/2 + 1
	rows := len(x.data) / max(n, 1)
	shape := cloneInts(x.shape)
	shape[r-1] = h
	w := make([]complex128, rows*h)
	p := planFor(max(n, 1))
	parallel.For(rows, 5*n*int(math.Log2(float64(n+1))+1), func(lo, hi int) {
		src := make([]complex128, n)
		dst := make([]complex128, n)
		row64 := make([]float64, n)
		for row := lo; row < hi; row++ {
			if p.half != nil {
				for j := 0; j < n; j++ {
					row64[j] = float64(x.data[row*n+j])
				}
				p.realForward(w[row*h:(row+1)*h], row64, src)
				continue
			}
			for j := 0; j < n; j++ {
				src[j] = complex(float64(x.data[row*n+j]), 0)
			}
			p.transform(dst, src, false)
			copy(w[row*h:(row+1)*h], dst[:h])
		}
	})
	for ax := r - 2; ax >= r-d; ax-- {
		fftAxis(w, shape, ax, false)
	}
	return fromComplex128[T](w, shape)
}

// IRFFTN inverts RFFTN: X has the half spectrum on its last axis, n is the
// length of the real last axis (n/2+1 must equal X's last size). The
// imaginary parts of the zero and (even n) Nyquist frequencies are
// ignored, as in torch.fft.irfftn; the result is scaled by 1/prod(sizes).
func IRFFTN[T Float](X *CTensor[T], d, n int) *Tensor[T] {
	r := len(X.shape)
	if d < 1 || d > r || X.shape[r-1] != n/2+1 {
		panic(fmt.Sprintf("tensor: IRFFTN over %d axes of spectrum %v to length %d", d, X.shape, n))
	}
	w := X.toComplex128()
	for ax := r - 2; ax >= r-d; ax-- {
		fftAxis(w, X.shape, ax, true)
	}
	h := n/2 + 1
	rows := len(w) / h
	shape := cloneInts(X.shape)
	shape[r-1] = n
	out := New[T](shape...)
	scale := 1.0 / float64(n)
	for ax := r - d; ax < r-1; ax++ {
		scale /= float64(X.shape[ax])
	}
	p := planFor(n)
	parallel.For(rows, 5*n*int(math.Log2(float64(n+1))+1), func(lo, hi int) {
		full := make([]complex128, n)
		dst := make([]complex128, n)
		row64 := make([]float64, n)
		for row := lo; row < hi; row++ {
			z := w[row*h : (row+1)*h]
			if p.half != nil {
				p.realInverse(row64, z, full)
				f := scale * float64(n)
				for j := 0; j < n; j++ {
					out.data[row*n+j] = T(row64[j] * f)
				}
				continue
			}
			full[0] = complex(real(z[0]), 0)
			for k := 1; k < h; k++ {
				if 2*k == n {
					full[k] = complex(real(z[k]), 0)
					continue
				}
				full[k] = z[k]
				full[n-k] = cmplx.Conj(z[k])
			}
			p.transform(dst, full, true)
			for j := 0; j < n; j++ {
				out.data[row*n+j] = T(real(dst[j]) * scale)
			}
		}
	})
	return out
}

// RealFFT transforms real sequences of one length to half spectra and
// back, without tensors: the building block for solvers' inner loops.
type RealFFT struct {
	n    int
	plan *fftPlan
	buf  []complex128
	out  []complex128
}

// NewRealFFT prepares transforms of length n. A RealFFT is not safe for
// concurrent use; make one per goroutine.
func NewRealFFT(n int) *RealFFT {
	return &RealFFT{n: n, plan: planFor(n), buf: make([]complex128, n), out: make([]complex128, n)}
}

// Len returns n.
func (f *RealFFT) Len() int { return f.n }

// Forward writes the n/2+1 coefficients X_k = sum_j x_j e^{-2 pi i jk/n}.
func (f *RealFFT) Forward(dst []complex128, x []float64) {
	if f.plan.half != nil {
		f.plan.realForward(dst, x, f.buf)
		return
	}
	for j, v := range x[:f.n] {
		f.buf[j] = complex(v, 0)
	}
	f.plan.transform(f.out, f.buf, false)
	copy(dst[:f.n/2+1], f.out)
}

// Inverse writes x_j = (1/n) sum_k X_k e^{2 pi i jk/n} from the half
// spectrum, extended by Hermitian symmetry (imaginary parts of the zero and
// Nyquist coefficients ignored).
func (f *RealFFT) Inverse(x []float64, X []complex128) {
	if f.plan.half != nil {
		f.plan.realInverse(x, X, f.buf)
		return
	}
	n, h := f.n, f.n/2+1
	f.buf[0] = complex(real(X[0]), 0)
	for k := 1; k < h; k++ {
		if 2*k == n {
			f.buf[k] = complex(real(X[k]), 0)
			continue
		}
		f.buf[k] = X[k]
		f.buf[n-k] = cmplx.Conj(X[k])
	}
	f.plan.transform(f.out, f.buf, true)
	s := 1 / float64(n)
	for j := range x[:n] {
		x[j] = real(f.out[j]) * s
	}
}

// ComplexFFT transforms complex sequences of one length.
type ComplexFFT struct {
	plan *fftPlan
	out  []complex128
}

// NewComplexFFT prepares transforms of length n (not safe for concurrent use).
func NewComplexFFT(n int) *ComplexFFT {
	return &ComplexFFT{plan: planFor(n), out: make([]complex128, n)}
}

// Transform writes the DFT of x into dst (inverse: e^{+i} and the 1/n
// factor). dst and x may be the same slice.
func (f *ComplexFFT) Transform(dst, x []complex128, inverse bool) {
	f.plan.transform(f.out, x, inverse)
	if inverse {
		s := complex(1/float64(len(f.out)), 0)
		for i := range f.out {
			f.out[i] *= s
		}
	}
	copy(dst, f.out)
}

// RealFFT2 transforms n1 x n2 real fields (row-major) to their half
// spectra [n1][n2/2+1] and back, splitting rows and columns over
// goroutines. Safe for concurrent use only through separate values.
type RealFFT2 struct {
	n1, n2  int
	rows    *fftPlan
	cols    *fftPlan
	scratch sync.Pool // *[]complex128 of max(2 n2, (columnBlock+1) n1): a worker's buffers, reused across calls
}

// columnBlock is how many columns are gathered and transformed together.
const columnBlock = 8

// parallelFFT2 is the smallest field (n1 n2 values) whose 2-D transforms
// are split over workers. A smaller field lives in one core's cache, and
// splitting its passes moves half of it to the other core and back every
// pass: the NS ETDRK4 step at 64^2 took 510 us with 2 workers against 420
// us with 1, at 256^2 7.5 against 7.9 ms (AMD EPYC, 2026-12-02).
const parallelFFT2 = 128 * 128

// split is parallel.For for the passes of this transform: serial below
// parallelFFT2.
func (f *RealFFT2) split(n, cost int, body func(lo, hi int)) {
	if f.n1*f.n2 < parallelFFT2 {
		body(0, n)
		return
	}
	parallel.For(n, cost, body)
}

// NewRealFFT2 prepares transforms of n1 x n2 fields.
func NewRealFFT2(n1, n2 int) *RealFFT2 {
	f := &RealFFT2{n1: n1, n2: n2, rows: planFor(n2), cols: planFor(n1)}
	size := max(2*n2, (columnBlock+1)*n1)
	f.scratch.New = func() any {
		b := make([]complex128, size)
		return &b
	}
	return f
}

// Forward writes X[k1][k2] = sum_{j1,j2} x e^{-2 pi i (j1 k1/n1 + j2 k2/n2)}
// for k2 = 0..n2/2.
func (f *RealFFT2) Forward(dst []complex128, x []float64) {
	n1, n2, h := f.n1, f.n2, f.n2/2+1
	cost := 5 * n2 * int(math.Log2(float64(n2))+1)
	f.split(n1, cost, func(lo, hi int) {
		buf := f.scratch.Get().(*[]complex128)
		defer f.scratch.Put(buf)
		src, out := (*buf)[:n2], (*buf)[n2:2*n2]
		for r := lo; r < hi; r++ {
			if f.rows.half != nil {
				f.rows.realForward(dst[r*h:(r+1)*h], x[r*n2:(r+1)*n2], src)
				continue
			}
			for j := 0; j < n2; j++ {
				src[j] = complex(x[r*n2+j], 0)
			}
			f.rows.transform(out, src, false)
			copy(dst[r*h:(r+1)*h], out[:h])
		}
	})
	f.columns(dst, false)
}

// Inverse writes the real field of the half spectrum X (scaled by
// 1/(n1 n2)); X is overwritten.
func (f *RealFFT2) Inverse(x []float64, X []complex128) {
	f.InverseBatch([][]float64{x}, [][]complex128{X})
}

// InverseBatch is Inverse of several spectra (X[i] into x[i]), their
// columns in one parallel pass and their rows in another: one hand-off
// to the workers per pass, not per field (for small fields most of the
// cost).
//
// x and X have one entry per field; the spectra must be distinct slices.
func (f *RealFFT2) InverseBatch(x [][]float64, X [][]complex128) {
	n1, n2, h := f.n1, f.n2, f.n2/2+1
	if len(x) != len(X) {
		panic(fmt.Sprintf("tensor: InverseBatch of %d spectra into %d fields", len(X), len(x)))
	}
	f.columnsBatch(X, true)
	s := 1 / float64(n1*n2)
	cost := 5 * n2 * int(math.Log2(float64(n2))+1)
	f.split(len(X)*n1, cost, func(lo, hi int) {
		buf := f.scratch.Get().(*[]complex128)
		defer f.scratch.Put(buf)
		full, out := (*buf)[:n2], (*buf)[n2:2*n2]
		for i := lo; i < hi; i++ {
			b, r := i/n1, i%n1
			z, xr := X[b][r*h:(r+1)*h], x[b][r*n2:(r+1)*n2]
			if f.rows.half != nil {
				f.rows.realInverseScaled(xr, z, full, s*2)
				continue
			}
			full[0] = complex(real(z[0]), 0)
			for k := 1; k < h; k++ {
				if 2*k == n2 {
					full[k] = complex(real(z[k]), 0)
					continue
				}
				full[k] = z[k]
				full[n2-k] = cmplx.Conj(z[k])
			}
			f.rows.transform(out, full, true)
			for j := 0; j < n2; j++ {
				xr[j] = real(out[j]) * s
			}
		}
	})
}

// columns transforms every column of the [n1][h] half spectrum in place:
// for a power-of-two n1 row-wise (rowColumns), else gathering blocks of
// columns so that rows are read contiguously.
func (f *RealFFT2) columns(X []complex128, inverse bool) {
	f.columnsBatch([][]complex128{X}, inverse)
}

// columnsBatch is columns of several half spectra in one parallel pass.
func (f *RealFFT2) columnsBatch(Xs [][]complex128, inverse bool) {
	n1, h := f.n1, f.n2/2+1
	if f.cols.rev != nil {
		cost := 5 * n1 * int(math.Log2(float64(n1))+1)
		f.split(len(Xs)*h, cost, func(lo, hi int) {
			for b := lo / h; b*h < hi; b++ {
				f.cols.rowColumns(Xs[b], h, max(lo-b*h, 0), min(hi-b*h, h), inverse)
			}
		})
		return
	}
	for _, X := range Xs {
		f.gatheredColumns(X, inverse)
	}
}

// gatheredColumns transforms the columns of X in blocks gathered into
// contiguous buffers (any n1).
func (f *RealFFT2) gatheredColumns(X []complex128, inverse bool) {
	n1, h := f.n1, f.n2/2+1
	const block = columnBlock
	nb := (h + block - 1) / block
	cost := block * 5 * n1 * int(math.Log2(float64(n1))+1)
	f.split(nb, cost, func(lo, hi int) {
		scratch := f.scratch.Get().(*[]complex128)
		defer f.scratch.Put(scratch)
		buf, out := (*scratch)[:block*n1], (*scratch)[block*n1:(block+1)*n1]
		for bi := lo; bi < hi; bi++ {
			c0 := bi * block
			w := min(block, h-c0)
			for r := 0; r < n1; r++ {
				row := X[r*h+c0 : r*h+c0+w]
				for c, v := range row {
					buf[c*n1+r] = v
				}
			}
			for c := 0; c < w; c++ {
				col := buf[c*n1 : (c+1)*n1]
				if f.cols.rev != nil { // radix-2 transforms in place
					f.cols.transform(col, col, inverse)
					continue
				}
				f.cols.transform(out, col, inverse)
				copy(col, out)
			}
			for r := 0; r < n1; r++ {
				row := X[r*h+c0 : r*h+c0+w]
				for c := range row {
					row[c] = buf[c*n1+r]
				}
			}
		}
	})
}
