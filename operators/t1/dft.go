package t1

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// The rFFT ("dft") variant of T1. The lifted field goes through one
// orthonormal real DFT (torch.fft.rfftn(norm="ortho")), every layer works
// on complex coefficients with complex weights, and the head ends with one
// inverse real DFT (irfftn, ortho) back to the grid.
//
// Kept block: along the last spatial axis (the half spectrum) the first
// m_d frequencies k = 0..m_d-1; along every other axis both corners,
// k = 0..m_a-1 and N_a-m_a..N_a-1, as FNO keeps them. kairos keeps only
// the first m_a rows there, which drops every wave travelling against the
// last axis (k_1 < 0 < k_2): a 2-D field like cos(2 pi (x - y)) cannot be
// represented. The block is computed by pruned DFT matrices (only kept
// frequencies), never by a full FFT.
//
// Complex numbers are pairs of real Vars; complex weights are stored with a
// trailing axis of 2 (real, imaginary) as kairos's view_as_complex. The
// head is fc1 -> sin -> fc2 with complex weights and no biases.
//
// Activations act on the real and imaginary parts separately (split
// activation), in the layers and in the head. kairos applies the complex
// sine or tanh instead; those are unbounded off the real axis (sin(a + ib)
// grows like cosh b, tanh has poles at a = 0, b = pi/2 + k pi), and with
// the default 8 residual layers and VP init the complex sine overflowed
// float32 at the first training step here (loss NaN). The split form is
// bounded for sin and tanh and admits any activation, GELU included.

// complexVar is z = re + i im.
type complexVar[T tensor.Float] struct{ re, im *autograd.Var[T] }

func (a complexVar[T]) add(b complexVar[T]) complexVar[T] {
	return complexVar[T]{autograd.Add(a.re, b.re), autograd.Add(a.im, b.im)}
}

func (a complexVar[T]) permute(perm ...int) complexVar[T] {
	return complexVar[T]{autograd.Permute(a.re, perm...), autograd.Permute(a.im, perm...)}
}

// parts splits a weight [..., 2] into its real and imaginary parts.
func parts[T tensor.Float](w *autograd.Var[T]) (re, im *autograd.Var[T]) {
	s := w.Shape()
	inner := s[:len(s)-1]
	re = autograd.Reshape(autograd.Slice(w, -1, 0, 1), inner...)
	im = autograd.Reshape(autograd.Slice(w, -1, 1, 2), inner...)
	return re, im
}

// cmul applies a bilinear real map f (linear in each argument) to complex
// arguments: f(a, w) with (a_r + i a_i)(w_r + i w_i) expanded.
func cmul[T tensor.Float](a complexVar[T], w *autograd.Var[T], f func(x, w *autograd.Var[T]) *autograd.Var[T]) complexVar[T] {
	wr, wi := parts(w)
	return complexVar[T]{
		re: autograd.Sub(f(a.re, wr), f(a.im, wi)),
		im: autograd.Add(f(a.re, wi), f(a.im, wr)),
	}
}

// split applies a real activation to the real and imaginary parts
// separately: f(a) + i f(b).
func split[T tensor.Float](f func(*autograd.Var[T]) *autograd.Var[T], z complexVar[T]) complexVar[T] {
	return complexVar[T]{f(z.re), f(z.im)}
}

// keptFrequencies lists the frequencies kept along an axis of n points:
// 0..m-1 on the half-spectrum axis, else 0..m-1 then n-m..n-1.
func keptFrequencies(n, m int, half bool) []int {
	ks := make([]int, 0, 2*m)
	for k := 0; k < m; k++ {
		ks = append(ks, k)
	}
	if !half {
		for k := n - m; k < n; k++ {
			ks = append(ks, k)
		}
	}
	return ks
}

// dftMatrices returns the real and imaginary parts of the pruned
// orthonormal DFT F[j, x] = exp(-2 pi i k_j x / n) / sqrt(n) (len(ks) x n).
func dftMatrices[T tensor.Float](n int, ks []int) (re, im *tensor.Tensor[T]) {
	re, im = tensor.New[T](len(ks), n), tensor.New[T](len(ks), n)
	s := 1 / math.Sqrt(float64(n))
	for j, k := range ks {
		for x := 0; x < n; x++ {
			// Reduce k x mod n first: the angle stays in [0, 2 pi).
			theta := 2 * math.Pi * float64((k*x)%n) / float64(n)
			re.Data()[j*n+x] = T(s * math.Cos(theta))
			im.Data()[j*n+x] = T(-s * math.Sin(theta))
		}
	}
	return re, im
}

// halfInverseMatrices returns the matrices of the orthonormal inverse real
// DFT from the kept half-spectrum frequencies ks to n real points:
// x = Cr Re(X) + Ci Im(X), Cr[x, j] = w_j cos(2 pi k_j x / n) / sqrt(n),
// Ci[x, j] = -w_j sin(2 pi k_j x / n) / sqrt(n), w = 1 at k = 0 and at the
// Nyquist frequency, 2 elsewhere (the conjugate half counted). Like
// irfft, the imaginary parts at k = 0 and Nyquist are ignored.
func halfInverseMatrices[T tensor.Float](n int, ks []int) (re, im *tensor.Tensor[T]) {
	m := len(ks)
	re, im = tensor.New[T](n, m), tensor.New[T](n, m)
	s := 1 / math.Sqrt(float64(n))
	for j, k := range ks {
		w := 2.0
		if k == 0 || 2*k == n {
			w = 1
		}
		for x := 0; x < n; x++ {
			theta := 2 * math.Pi * float64((k*x)%n) / float64(n)
			re.Data()[x*m+j] = T(w * s * math.Cos(theta))
			im.Data()[x*m+j] = T(-w * s * math.Sin(theta))
		}
	}
	return re, im
}

// dftKept returns the kept block's size along each axis for a grid.
func (c Config) dftKept() []int {
	kept := make([]int, c.Dim)
	for a, m := range c.Modes {
		kept[a] = 2 * m
		if a == c.Dim-1 {
			kept[a] = m
		}
	}
	return kept
}

// checkDFTModes checks that the kept block fits a grid.
func (c Config) checkDFTModes(spatial []int) error {
	for a, n := range spatial {
		m := c.Modes[a]
		if a == c.Dim-1 {
			if m > n/2+1 {
				return fmt.Errorf("t1: modes[%d] = %d exceeds the %d frequencies of the half spectrum of %d points (dft keeps k < modes on the last axis)", a, m, n/2+1, n)
			}
		} else if 2*m > n {
			return fmt.Errorf("t1: modes[%d] = %d needs %d points (dft keeps both corners, 2 x modes), the grid has %d", a, m, 2*m, n)
		}
	}
	return nil
}

// transforms caches the pruned DFT matrices of one grid.
type transforms[T tensor.Float] struct {
	fwdRe, fwdIm []*tensor.Tensor[T] // per axis: kept x n
	invRe, invIm []*tensor.Tensor[T] // per axis: n x kept
}

func (m *T1[T]) dftTransforms(spatial []int) *transforms[T] {
	key := fmt.Sprint(spatial)
	if tr, ok := m.dftCache[key]; ok {
		return tr
	}
	tr := &transforms[T]{}
	last := len(spatial) - 1
	for a, n := range spatial {
		ks := keptFrequencies(n, m.Cfg.Modes[a], a == last)
		fr, fi := dftMatrices[T](n, ks)
		var ir, ii *tensor.Tensor[T]
		if a == last {
			ir, ii = halfInverseMatrices[T](n, ks)
		} else {
			// The inverse of a unitary DFT is its conjugate transpose.
			ir, ii = tensor.Transpose(fr), tensor.Neg(tensor.Transpose(fi))
		}
		tr.fwdRe, tr.fwdIm = append(tr.fwdRe, fr), append(tr.fwdIm, fi)
		tr.invRe, tr.invIm = append(tr.invRe, ir), append(tr.invIm, ii)
	}
	m.dftCache[key] = tr
	return tr
}

// applyComplex multiplies every line along axis by the complex matrix
// M = mr + i mi.
func applyComplex[T tensor.Float](z complexVar[T], axis int, mr, mi *tensor.Tensor[T]) complexVar[T] {
	return complexVar[T]{
		re: autograd.Sub(autograd.ApplyAlongAxis(z.re, axis, mr), autograd.ApplyAlongAxis(z.im, axis, mi)),
		im: autograd.Add(autograd.ApplyAlongAxis(z.im, axis, mr), autograd.ApplyAlongAxis(z.re, axis, mi)),
	}
}

// forwardDFT runs the spectral part of the dft variant on the lifted field
// x [B, W, s...] and returns u [B, out, s...].
func (m *T1[T]) forwardDFT(x *autograd.Var[T], spatial []int) *autograd.Var[T] {
	cfg := m.Cfg
	tr := m.dftTransforms(spatial)
	last := len(spatial) - 1
	// Real input: the half-spectrum axis first, then full DFTs.
	z := complexVar[T]{
		re: autograd.ApplyAlongAxis(x, 2+last, tr.fwdRe[last]),
		im: autograd.ApplyAlongAxis(x, 2+last, tr.fwdIm[last]),
	}
	for a := 0; a < last; a++ {
		z = applyComplex(z, 2+a, tr.fwdRe[a], tr.fwdIm[a])
	}
	for l := 0; l < cfg.Layers; l++ {
		h := split(func(v *autograd.Var[T]) *autograd.Var[T] { return nn.Apply(m.act, v) }, cmul(z, m.Channel[l], autograd.ModeMix[T]))
		for a := range spatial {
			h = cmul(h, m.Axis[l][a], func(x, w *autograd.Var[T]) *autograd.Var[T] { return autograd.AxisMix(x, w, 2+a) })
		}
		z = h.add(z)
	}
	// Head on the modes, channels last: [B, k..., W] -> [B, k..., out].
	perm := []int{0}
	for a := range spatial {
		perm = append(perm, 2+a)
	}
	perm = append(perm, 1)
	zl := z.permute(perm...)
	matmul := func(x, w *autograd.Var[T]) *autograd.Var[T] {
		s := x.Shape()
		rows := x.Value.Len() / s[len(s)-1]
		ws := w.Shape()
		out := autograd.MatMul(autograd.Reshape(x, rows, ws[0]), w, false, false)
		return autograd.Reshape(out, append(append([]int{}, s[:len(s)-1]...), ws[1])...)
	}
	u := cmul(split(autograd.Sin[T], cmul(zl, m.HeadDFT[0], matmul)), m.HeadDFT[1], matmul)
	u = u.permute(tensor.InversePermutation(perm)...) // [B, out, k...]
	for a := 0; a < last; a++ {
		u = applyComplex(u, 2+a, tr.invRe[a], tr.invIm[a])
	}
	return autograd.Add(autograd.ApplyAlongAxis(u.re, 2+last, tr.invRe[last]), autograd.ApplyAlongAxis(u.im, 2+last, tr.invIm[last]))
}

// initDFT draws the dft variant's complex weights (real and imaginary
// parts each N(0, std^2)): channel mixing with the scheme's std at gain
// 1/2 over the kept complex modes, mode mixing sqrt(1 / k_a) over the
// axis's kept frequencies, the head 1e-8 N(0, 1), as kairos.
func (m *T1[T]) initDFT(r *tensor.RNG) {
	cfg := m.Cfg
	kept := cfg.dftKept()
	std, _ := InitStd(InitScheme(cfg.Init), cfg.Width, cfg.Width, tensor.Size(cfg.SignalSize), tensor.Size(kept), 0.5)
	for l := 0; l < cfg.Layers; l++ {
		shape := append(append([]int{cfg.Width, cfg.Width}, kept...), 2)
		m.Channel = append(m.Channel, autograd.Param(nn.Normal[T](r, 0, std, shape...)))
		var axes []*autograd.Var[T]
		for _, k := range kept {
			axes = append(axes, autograd.Param(nn.Normal[T](r, 0, math.Sqrt(1/float64(k)), k, k, cfg.Width, 2)))
		}
		m.Axis = append(m.Axis, axes)
	}
	m.HeadDFT = []*autograd.Var[T]{
		autograd.Param(nn.Normal[T](r, 0, 1e-8, cfg.Width, cfg.HeadHidden, 2)),
		autograd.Param(nn.Normal[T](r, 0, 1e-8, cfg.HeadHidden, cfg.OutChannels, 2)),
	}
}
