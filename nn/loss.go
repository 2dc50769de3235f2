package nn

import (
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// perSampleNorm returns ||x_b||_2 for every sample b of x [B, ...], shape [B].
func perSampleNorm[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	b := x.Shape()[0]
	flat := autograd.Reshape(x, b, -1)
	return autograd.Sqrt(autograd.SumAxes(autograd.Square(flat), []int{1}, false))
}

// RelL2 is FNO's LpLoss.rel with p = 2, averaged: mean over samples b of
// ||pred_b - target_b||_2 / ||target_b||_2. (FNO trains on the sum over
// the batch; multiply by the batch size for that.)
func RelL2[T tensor.Float](pred, target *autograd.Var[T]) *autograd.Var[T] {
	num := perSampleNorm(autograd.Sub(pred, target))
	den := perSampleNorm(target)
	return autograd.Mean(autograd.Div(num, den))
}

// RelL2PerSample returns the per-sample relative L2 errors (no graph).
func RelL2PerSample[T tensor.Float](pred, target *tensor.Tensor[T]) []float64 {
	b := pred.Shape()[0]
	n := pred.Len() / max(b, 1)
	out := make([]float64, b)
	p, t := pred.Data(), target.Data()
	for s := 0; s < b; s++ {
		var num, den float64
		for j := s * n; j < (s+1)*n; j++ {
			d := float64(p[j] - t[j])
			num += d * d
			den += float64(t[j]) * float64(t[j])
		}
		out[s] = math.Sqrt(num) / math.Sqrt(den)
	}
	return out
}

// MSE is the mean squared error.
func MSE[T tensor.Float](pred, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Mean(autograd.Square(autograd.Sub(pred, target)))
}

// L1 is the mean absolute error.
func L1[T tensor.Float](pred, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Mean(autograd.Abs(autograd.Sub(pred, target)))
}

// H1Rel is the relative H1 loss on periodic fields [B, C, n_1, ..., n_d]
// (d spatial axes): per sample sqrt(sum_k w_k |F(pred - target)_k|^2) /
// sqrt(sum_k w_k |F(target)_k|^2), with w_k = 1 + sum_a (2 pi k_a / L)^2
// (L = 1) and F the orthonormal transform, averaged over samples. The
// Fourier sums are computed as the equivalent physical-space norms
// ||u||^2 + sum_a ||d_a u||^2 with spectral derivatives, which are linear
// maps built from Var ops, so the loss is differentiable.
func H1Rel[T tensor.Float](pred, target *autograd.Var[T], d int) *autograd.Var[T] {
	num := h1Norm(autograd.Sub(pred, target), d)
	den := h1Norm(target, d)
	return autograd.Mean(autograd.Div(num, den))
}

// h1Norm returns per-sample sqrt(||u||^2 + sum_a ||d_a u||^2) on the unit
// periodic box, derivatives by the DFT (real part of i k U, Nyquist
// dropped), using DFT matrices along each axis.
func h1Norm[T tensor.Float](u *autograd.Var[T], d int) *autograd.Var[T] {
	s := u.Shape()
	b := s[0]
	total := autograd.SumAxes(autograd.Square(autograd.Reshape(u, b, -1)), []int{1}, false)
	for a := 0; a < d; a++ {
		axis := len(s) - d + a
		du := autograd.ApplyAlongAxis(u, axis, spectralDerivative[T](s[axis]))
		total = autograd.Add(total, autograd.SumAxes(autograd.Square(autograd.Reshape(du, b, -1)), []int{1}, false))
	}
	return autograd.Sqrt(total)
}

// spectralDerivative returns the n x n real matrix of the periodic
// spectral derivative on [0, 1): D = Re(F^-1 diag(2 pi i k) F), with the
// Nyquist mode's derivative set to zero.
func spectralDerivative[T tensor.Float](n int) *tensor.Tensor[T] {
	m := tensor.New[T](n, n)
	for j := 0; j < n; j++ {
		for l := 0; l < n; l++ {
			// D[j, l] = (1/n) sum_k (2 pi i k) e^{2 pi i k (j - l) / n}
			s := 0.0
			for k := -(n - 1) / 2; k <= (n-1)/2; k++ {
				s += -2 * math.Pi * float64(k) * math.Sin(2*math.Pi*float64(k*(j-l))/float64(n))
			}
			m.Set(T(s/float64(n)), j, l)
		}
	}
	return m
}
