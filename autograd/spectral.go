package autograd

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// SpectralBlocks returns the number of corner blocks of kept modes for a
// d-dimensional spectral convolution: 2^(d-1) (low and high frequencies on
// every axis but the last, whose half spectrum keeps only the low ones).
func SpectralBlocks(d int) int { return 1 << (d - 1) }

// spectralModes lists, for every kept mode, its offset in one channel's
// half spectrum and its index in the weight tensor (block-major).
type spectralModes struct {
	plane   int   // elements of one channel's half spectrum
	offsets []int // spectrum offset of kept mode e
	weights []int // weight mode index of kept mode e (block * M + k)
	m       int   // modes per block (product of modes)
}

// SpectralConv is the Fourier layer of FNO (Li et al., 2021) over the last
// d axes of x [B, Cin, n_1, ..., n_d]:
//
//	y = irfftn( R . rfftn(x) ),  (R . X)[b, o, k] = sum_i X[b, i, k] W[i, o, k]
//
// on the kept modes k and zero elsewhere. modes[a] modes are kept per
// corner: on every axis but the last both the lowest (0..m-1) and the
// highest (n-m..n-1) frequencies, on the last (half-spectrum) axis the
// lowest. This is the original scripts' convention, where modes counts per
// corner (neuraloperator >= 0.3 counts n_modes = 2*modes on the full axes).
//
// w holds the complex weights interleaved, shape [2^(d-1), Cin, Cout,
// m_1, ..., m_d, 2]; block b takes the high corner on axis a when bit
// (d-2-a) of b is set (2D: block 0 = weights1, rows 0..m1-1; block 1 =
// weights2, rows n1-m1..n1-1). The gradient of w follows PyTorch's
// convention for complex parameters: dL/dRe + i dL/dIm.
//
// Only the kept modes are computed: the transforms are pruned DFTs done as
// matrix products (pruned.go), exact to rfftn/irfftn on those modes. The
// backward pass applies their transposes and is first-order only.
func SpectralConv[T tensor.Float](x, w *Var[T], modes []int) *Var[T] {
	xs, ws := x.Shape(), w.Shape()
	d := len(modes)
	if d < 1 || d > 3 || len(xs) != d+2 {
		panic(fmt.Sprintf("autograd: SpectralConv with %d mode counts on input %v", d, xs))
	}
	bsz, cin := xs[0], xs[1]
	n := xs[2:]
	blocks := SpectralBlocks(d)
	if len(ws) != d+4 || ws[0] != blocks || ws[1] != cin || ws[len(ws)-1] != 2 {
		panic(fmt.Sprintf("autograd: SpectralConv weight %v for input %v and modes %v (want [%d %d Cout %v 2])", ws, xs, modes, blocks, cin, modes))
	}
	cout := ws[2]
	for a, m := range modes {
		if ws[3+a] != m {
			panic(fmt.Sprintf("autograd: SpectralConv weight %v does not match modes %v", ws, modes))
		}
		limit := n[a] / 2
		if a == d-1 {
			limit = n[a]/2 + 1
		}
		if m < 1 || m > limit {
			panic(fmt.Sprintf("autograd: SpectralConv keeps %d modes on axis of size %d (at most %d)", m, n[a], limit))
		}
	}
	sm := newCompactModes(modes)
	X := analyze(x.Value, modes) // compact spectrum [B, Cin, K...]
	Y := newSpectrum[T](append([]int{bsz, cout}, X.shape[2:]...))
	mixModes(Y.data(), X.data(), w.Value.Data(), sm, bsz, cin, cout, false)
	y := synthesize(Y, n, modes)
	tensor.Recycle(Y.buf)

	out := recordFirstOrder(y, "spectral_conv", vars(x, w), func(g *Var[T]) []*Var[T] {
		G := synthesizeAdjoint(g.Value, modes)
		var gx, gw *Var[T]
		if x.requiresGrad {
			GX := newSpectrum[T](X.shape)
			mixModes(GX.data(), G.data(), w.Value.Data(), sm, bsz, cout, cin, true)
			gx = Const(analyzeAdjoint(GX, n, modes))
			tensor.Recycle(GX.buf)
		}
		if w.requiresGrad {
			gw = Const(weightGrad(X.data(), G.data(), sm, bsz, cin, cout, ws))
		}
		tensor.Recycle(G.buf)
		return vars(gx, gw)
	})
	saveForRelease(out, X.buf) // the backward pass reads X: Release recycles it
	return out
}

// mixModes computes dst[b, o, k] = sum_i src[b, i, k] W[i, o, k] on the
// kept modes (adjoint: dst[b, i, k] = sum_o src[b, o, k] conj(W[i, o, k]),
// with in/out the channel counts of src/dst). Per mode it gathers the
// mode's inputs and weights into contiguous float64 buffers (the weights
// are stored mode-fastest, so in place they sit a mode plane apart) and
// accumulates rows: acc[o] += x[b, i] M[i, o], inner loop over o.
func mixModes[T tensor.Float](dst, src, w []T, sm spectralModes, bsz, cin, cout int, adjoint bool) {
	// Weight layout: [block*M + k] within [Cin, Cout] planes:
	// flat((blk, i, o, k)) = ((blk*Cin + i)*Cout + o)*M + k, interleaved.
	wc, wo := cin, cout // weight's channel counts as stored
	if adjoint {
		wc, wo = cout, cin
	}
	parallel.For(len(sm.offsets), 8*bsz*cin*cout, func(lo, hi int) {
		xr, xi := make([]float64, bsz*cin), make([]float64, bsz*cin)
		mr, mi := make([]float64, cin*cout), make([]float64, cin*cout)
		accR, accI := make([]float64, bsz*cout), make([]float64, bsz*cout)
		for e := lo; e < hi; e++ {
			off := sm.offsets[e]
			blk, k := sm.weights[e]/sm.m, sm.weights[e]%sm.m
			for b := 0; b < bsz; b++ {
				for i := 0; i < cin; i++ {
					p := 2 * ((b*cin+i)*sm.plane + off)
					xr[b*cin+i], xi[b*cin+i] = float64(src[p]), float64(src[p+1])
				}
			}
			// M[i, o]: W[i, o] or, for the adjoint, conj(W[o, i]).
			for a := 0; a < wc; a++ {
				for c := 0; c < wo; c++ {
					q := 2 * (((blk*wc+a)*wo+c)*sm.m + k)
					if adjoint {
						mr[c*cout+a], mi[c*cout+a] = float64(w[q]), -float64(w[q+1])
					} else {
						mr[a*cout+c], mi[a*cout+c] = float64(w[q]), float64(w[q+1])
					}
				}
			}
			cmulRowsKernel(accR, accI, xr, xi, mr, mi, bsz, cin, cout)
			for b := 0; b < bsz; b++ {
				for o := 0; o < cout; o++ {
					p := 2 * ((b*cout+o)*sm.plane + off)
					dst[p], dst[p+1] = T(accR[b*cout+o]), T(accI[b*cout+o])
				}
			}
		}
	})
}

// weightGrad returns dL/dW[blk, i, o, k] = sum_b conj(X[b, i, k]) G[b, o, k],
// per mode the product of the gathered conj(X)^T [cin, bsz] and G [bsz, cout].
func weightGrad[T tensor.Float](X, G []T, sm spectralModes, bsz, cin, cout int, shape []int) *tensor.Tensor[T] {
	out := tensor.Empty[T](shape...) // every kept mode of every channel pair is written
	gw := out.Data()
	parallel.For(len(sm.offsets), 8*bsz*cin*cout, func(lo, hi int) {
		xr, xi := make([]float64, bsz*cin), make([]float64, bsz*cin)
		gr, gi := make([]float64, bsz*cout), make([]float64, bsz*cout)
		accR, accI := make([]float64, cin*cout), make([]float64, cin*cout)
		for e := lo; e < hi; e++ {
			off := sm.offsets[e]
			blk, k := sm.weights[e]/sm.m, sm.weights[e]%sm.m
			for b := 0; b < bsz; b++ {
				for i := 0; i < cin; i++ { // conj(X) transposed: [cin, bsz]
					p := 2 * ((b*cin+i)*sm.plane + off)
					xr[i*bsz+b], xi[i*bsz+b] = float64(X[p]), -float64(X[p+1])
				}
				for o := 0; o < cout; o++ {
					p := 2 * ((b*cout+o)*sm.plane + off)
					gr[b*cout+o], gi[b*cout+o] = float64(G[p]), float64(G[p+1])
				}
			}
			cmulRowsKernel(accR, accI, xr, xi, gr, gi, cin, bsz, cout) // sum over b in order
			for i := 0; i < cin; i++ {
				for o := 0; o < cout; o++ {
					q := 2 * (((blk*cin+i)*cout+o)*sm.m + k)
					gw[q], gw[q+1] = T(accR[i*cout+o]), T(accI[i*cout+o])
				}
			}
		}
	})
	return out
}
