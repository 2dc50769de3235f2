package autograd

import (
	"math"
	"sync"

	"github.com/surrogo/surrogo/tensor"
)

// Pruned transforms for SpectralConv: only the kept modes are ever
// computed, by matrix products (BLAS) instead of full FFTs, since a Fourier
// layer keeps m of n frequencies per axis and m is small (FNO: 12-16).
//
// The compact spectrum of x [B, C, n_1..n_d] is X [B, C, K_1..K_d] with
// K_a = 2 m_a on the full axes (rows 0..m-1 hold frequencies 0..m-1, rows
// m..2m-1 frequencies n-m..n-1) and K_d = m_d on the half-spectrum axis.
// Analysis is rfftn restricted to these modes; synthesis is irfftn of a
// spectrum that is zero elsewhere, with irfftn's conventions (the
// imaginary part of the zero frequency of the last axis is ignored). The
// backward passes apply the exact adjoints (transposed matrices).

type dftKey struct {
	n, m int
	kind byte // 'f' last-axis analysis, 'g' last-axis synthesis, 'a' full-axis analysis, 's' full-axis synthesis, 'A' and 'S' their conjugates
	f32  bool
}

var dftCache sync.Map // dftKey -> [2]any (real, imaginary parts)

// realAnalysis returns F [n, 2m]: (x @ F)[2k] + i (x @ F)[2k+1] = sum_j x_j e^{-2 pi i jk/n}.
func realAnalysis[T tensor.Float](n, m int) *tensor.Tensor[T] {
	return cachedDFT[T](dftKey{n: n, m: m, kind: 'f'}, func() [2]*tensor.Tensor[T] {
		f := tensor.New[T](n, 2*m)
		for j := 0; j < n; j++ {
			for k := 0; k < m; k++ {
				s, c := math.Sincos(2 * math.Pi * float64((j*k)%n) / float64(n))
				f.Set(T(c), j, 2*k)
				f.Set(T(-s), j, 2*k+1)
			}
		}
		return [2]*tensor.Tensor[T]{f, nil}
	})[0]
}

// realSynthesis returns G [2m, n]: y = Z @ G is irfft of the half spectrum
// whose first m coefficients are Z (interleaved) and the rest zero:
// y_j = (1/n) (Re Z_0 + sum_{k>0} w_k Re(Z_k e^{2 pi i jk/n})), w_k = 2
// except 1 at the Nyquist frequency.
func realSynthesis[T tensor.Float](n, m int) *tensor.Tensor[T] {
	return cachedDFT[T](dftKey{n: n, m: m, kind: 'g'}, func() [2]*tensor.Tensor[T] {
		g := tensor.New[T](2*m, n)
		for k := 0; k < m; k++ {
			w := 2.0
			if k == 0 || 2*k == n {
				w = 1
			}
			for j := 0; j < n; j++ {
				s, c := math.Sincos(2 * math.Pi * float64((j*k)%n) / float64(n))
				g.Set(T(w*c/float64(n)), 2*k, j)
				if k > 0 && 2*k != n {
					g.Set(T(-w*s/float64(n)), 2*k+1, j)
				}
			}
		}
		return [2]*tensor.Tensor[T]{g, nil}
	})[0]
}

// keptFrequency maps compact row r (of 2m) of a full axis to its frequency.
func keptFrequency(r, n, m int) int {
	if r < m {
		return r
	}
	return n - 2*m + r
}

// fullAnalysis returns (re, im) of A [2m, n], A[r, j] = e^{-2 pi i j k_r / n}.
func fullAnalysis[T tensor.Float](n, m int) [2]*tensor.Tensor[T] {
	return cachedDFT[T](dftKey{n: n, m: m, kind: 'a'}, func() [2]*tensor.Tensor[T] {
		re, im := tensor.New[T](2*m, n), tensor.New[T](2*m, n)
		for r := 0; r < 2*m; r++ {
			k := keptFrequency(r, n, m)
			for j := 0; j < n; j++ {
				s, c := math.Sincos(2 * math.Pi * float64((j*k)%n) / float64(n))
				re.Set(T(c), r, j)
				im.Set(T(-s), r, j)
			}
		}
		return [2]*tensor.Tensor[T]{re, im}
	})
}

// fullSynthesis returns (re, im) of S [n, 2m], S[j, r] = e^{2 pi i j k_r / n} / n.
func fullSynthesis[T tensor.Float](n, m int) [2]*tensor.Tensor[T] {
	return cachedDFT[T](dftKey{n: n, m: m, kind: 's'}, func() [2]*tensor.Tensor[T] {
		re, im := tensor.New[T](n, 2*m), tensor.New[T](n, 2*m)
		for r := 0; r < 2*m; r++ {
			k := keptFrequency(r, n, m)
			for j := 0; j < n; j++ {
				s, c := math.Sincos(2 * math.Pi * float64((j*k)%n) / float64(n))
				re.Set(T(c/float64(n)), j, r)
				im.Set(T(s/float64(n)), j, r)
			}
		}
		return [2]*tensor.Tensor[T]{re, im}
	})
}

func cachedDFT[T tensor.Float](key dftKey, build func() [2]*tensor.Tensor[T]) [2]*tensor.Tensor[T] {
	var z T
	_, key.f32 = any(z).(float32)
	if v, ok := dftCache.Load(key); ok {
		return v.([2]*tensor.Tensor[T])
	}
	v := build()
	dftCache.Store(key, v)
	return v
}

// spectrum is a complex array stored interleaved in an owned real buffer
// (so that a stage's buffer can be recycled once the next has read it).
type spectrum[T tensor.Float] struct {
	buf   *tensor.Tensor[T] // 2 Size(shape) values: re, im, re, im, ...
	shape []int             // complex shape
}

func newSpectrum[T tensor.Float](shape []int) spectrum[T] {
	return spectrum[T]{buf: tensor.Empty[T](2 * tensor.Size(shape)), shape: shape}
}

func (s spectrum[T]) data() []T { return s.buf.Data() }

// complexAlongAxis applies the complex matrix (re, im) [K, n] along axis
// of the spectrum c: out[.., k, ..] = sum_j M[k, j] c[.., j, ..]. With
// trans, the matrix is used transposed ([n, K] stored, applied as its
// transpose).
func complexAlongAxis[T tensor.Float](c spectrum[T], axis int, m [2]*tensor.Tensor[T], trans bool) spectrum[T] {
	cs := c.shape
	outer, n, inner := 1, cs[axis], 1
	for a := 0; a < axis; a++ {
		outer *= cs[a]
	}
	for a := axis + 1; a < len(cs); a++ {
		inner *= cs[a]
	}
	k := m[0].Dim(0)
	if trans {
		k = m[0].Dim(1)
	}
	view := tensor.FromSlice(c.data(), outer, n, 2*inner)
	p := tensor.MatMul(m[0], view, trans, false) // [outer, k, 2 inner]
	q := tensor.MatMul(m[1], view, trans, false)
	shape := append([]int{}, cs...)
	shape[axis] = k
	out := newSpectrum[T](shape)
	pd, qd, od := p.Data(), q.Data(), out.data()
	for i := 0; i < len(od); i += 2 {
		od[i] = pd[i] - qd[i+1]
		od[i+1] = pd[i+1] + qd[i]
	}
	tensor.Recycle(p)
	tensor.Recycle(q)
	return out
}

// alongAxes applies complexAlongAxis on the full axes in the given order
// (matrix(a) for axis 2+a), recycling each intermediate stage; c itself
// is left to its owner.
func alongAxes[T tensor.Float](c spectrum[T], axes []int, matrix func(a int) [2]*tensor.Tensor[T], trans bool) spectrum[T] {
	cur := c
	for _, a := range axes {
		next := complexAlongAxis(cur, 2+a, matrix(a), trans)
		if cur.buf != c.buf {
			tensor.Recycle(cur.buf)
		}
		cur = next
	}
	return cur
}

// conjugate returns the matrix pair of the conjugate of the cached
// full-axis matrix of kind ('a' or 's'), cached too: the backward passes
// use it every step.
func conjugate[T tensor.Float](n, m int, kind byte) [2]*tensor.Tensor[T] {
	return cachedDFT[T](dftKey{n: n, m: m, kind: kind - 'a' + 'A'}, func() [2]*tensor.Tensor[T] {
		full := fullAnalysis[T](n, m)
		if kind == 's' {
			full = fullSynthesis[T](n, m)
		}
		return [2]*tensor.Tensor[T]{full[0], tensor.Neg(full[1])}
	})
}

// fullAxes lists the full (not half-spectrum) axes 0..d-2, forward or
// reversed.
func fullAxes(d int, reversed bool) []int {
	axes := make([]int, d-1)
	for a := range axes {
		axes[a] = a
		if reversed {
			axes[a] = d - 2 - a
		}
	}
	return axes
}

// analyze returns the compact spectrum of x [B, C, n...] for the modes.
func analyze[T tensor.Float](x *tensor.Tensor[T], modes []int) spectrum[T] {
	s := x.Shape()
	d := len(modes)
	n := s[2:]
	rows := x.Len() / n[d-1]
	last := tensor.MatMul(x.Reshape(rows, n[d-1]), realAnalysis[T](n[d-1], modes[d-1]), false, false)
	c := spectrum[T]{buf: last, shape: append(append([]int{}, s[:d+1]...), modes[d-1])}
	out := alongAxes(c, fullAxes(d, true), func(a int) [2]*tensor.Tensor[T] { return fullAnalysis[T](n[a], modes[a]) }, false)
	if out.buf != c.buf {
		tensor.Recycle(c.buf)
	}
	return out
}

// analyzeAdjoint maps a compact spectrum gradient back to the grid n: the
// transpose of analyze.
func analyzeAdjoint[T tensor.Float](g spectrum[T], n, modes []int) *tensor.Tensor[T] {
	d := len(modes)
	// The real transpose of a complex map is its conjugate transpose.
	c := alongAxes(g, fullAxes(d, false), func(a int) [2]*tensor.Tensor[T] { return conjugate[T](n[a], modes[a], 'a') }, true)
	rows := c.buf.Len() / (2 * modes[d-1])
	gx := tensor.MatMul(c.buf.Reshape(rows, 2*modes[d-1]), realAnalysis[T](n[d-1], modes[d-1]), false, true)
	if c.buf != g.buf {
		tensor.Recycle(c.buf)
	}
	shape := append(append([]int{}, c.shape[:len(c.shape)-1]...), n[d-1])
	return gx.Reshape(shape...)
}

// synthesize returns irfftn of the compact spectrum onto the grid n.
func synthesize[T tensor.Float](c spectrum[T], n, modes []int) *tensor.Tensor[T] {
	d := len(modes)
	s := alongAxes(c, fullAxes(d, false), func(a int) [2]*tensor.Tensor[T] { return fullSynthesis[T](n[a], modes[a]) }, false)
	rows := s.buf.Len() / (2 * modes[d-1])
	y := tensor.MatMul(s.buf.Reshape(rows, 2*modes[d-1]), realSynthesis[T](n[d-1], modes[d-1]), false, false)
	if s.buf != c.buf {
		tensor.Recycle(s.buf)
	}
	shape := append(append([]int{}, s.shape[:len(s.shape)-1]...), n[d-1])
	return y.Reshape(shape...)
}

// synthesizeAdjoint is the transpose of synthesize: grid gradient ->
// compact spectrum gradient.
func synthesizeAdjoint[T tensor.Float](g *tensor.Tensor[T], modes []int) spectrum[T] {
	s := g.Shape()
	d := len(modes)
	n := s[2:]
	rows := g.Len() / n[d-1]
	last := tensor.MatMul(g.Reshape(rows, n[d-1]), realSynthesis[T](n[d-1], modes[d-1]), false, true)
	c := spectrum[T]{buf: last, shape: append(append([]int{}, s[:d+1]...), modes[d-1])}
	out := alongAxes(c, fullAxes(d, true), func(a int) [2]*tensor.Tensor[T] { return conjugate[T](n[a], modes[a], 's') }, true)
	if out.buf != c.buf {
		tensor.Recycle(c.buf)
	}
	return out
}

// newCompactModes maps every kept mode to its offset in one channel's
// compact spectrum and its weight index, as newSpectralModes does for the
// full half spectrum.
func newCompactModes(modes []int) spectralModes {
	d := len(modes)
	dims := make([]int, d)
	for a, m := range modes {
		dims[a] = 2 * m
	}
	dims[d-1] = modes[d-1]
	sm := spectralModes{plane: tensor.Size(dims), m: tensor.Size(modes)}
	k := make([]int, d)
	for b := 0; b < SpectralBlocks(d); b++ {
		for e := 0; e < sm.m; e++ {
			rem := e
			for a := d - 1; a >= 0; a-- {
				k[a] = rem % modes[a]
				rem /= modes[a]
			}
			off := 0
			for a := 0; a < d; a++ {
				idx := k[a]
				if a < d-1 && b&(1<<(d-2-a)) != 0 {
					idx = modes[a] + k[a]
				}
				off = off*dims[a] + idx
			}
			sm.offsets = append(sm.offsets, off)
			sm.weights = append(sm.weights, b*sm.m+e)
		}
	}
	return sm
}
