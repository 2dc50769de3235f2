package grf

import (
	"math"
	"sort"

	"github.com/surrogo/surrogo/solvers/param"
	"github.com/surrogo/surrogo/tensor"
)

// Law names the covariance that the parameters (Alpha, Tau, Sigma) of a
// Periodic field stand for. FNO's two periodic generators take the same
// parameters but differ by a factor 2 in covariance; each dataset uses the
// law of the generator that made the data it reproduces.
type Law string

// The laws of periodic fields, with lambda_k = (4 pi^2 |k|^2 + tau^2)^-alpha:
const (
	// GRF1 is N(0, sigma^2 (-Laplacian + tau^2)^-alpha): each Fourier
	// coefficient has E|u_k|^2 = sigma^2 lambda_k, truncated to
	// |k_a| <= n/2. In 1D it is FNO's data_generation/burgers/GRF1.m
	// (N = n/2 modes), which made the Burgers data.
	GRF1 Law = "grf1"
	// GaussianRF2020 is N(0, 2 sigma^2 (-Laplacian + tau^2)^-alpha) on the
	// grid's Fourier modes: FNO's data_generation/random_fields.py as it
	// made the Navier-Stokes data (2020: two standard normals per mode,
	// torch.ifft, real part kept).
	GaussianRF2020 Law = "gaussianrf-2020"
)

// Periodic describes a periodic Gaussian random field.
type Periodic struct {
	Dim   int     // 1, 2 or 3
	N     int     // grid points per axis
	Alpha float64 // smoothness exponent (FNO: 2 for Burgers' paper data, 2.5 for NS)
	Tau   float64 // inverse length scale (FNO: 5 for Burgers, 7 for NS)
	// Sigma is the amplitude; 0 means tau^(alpha - d/2) (the default of
	// FNO's GaussianRF).
	Sigma float64
	// Law says which covariance the parameters define; it has no default.
	Law Law
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("grf", name, format, args...)
}

// Validate checks the parameters; errors are *param.Error.
func (p Periodic) Validate() error {
	switch {
	case p.Dim < 1 || p.Dim > 3:
		return paramError("dim", "must be 1, 2 or 3, got %d", p.Dim)
	case p.N < 2:
		return paramError("n", "must be at least 2, got %d", p.N)
	case !(p.Alpha > 0) || math.IsInf(p.Alpha, 0):
		return paramError("alpha", "must be positive and finite, got %v", p.Alpha)
	case !(p.Tau > 0) || math.IsInf(p.Tau, 0):
		return paramError("tau", "must be positive and finite, got %v", p.Tau)
	case p.Sigma < 0 || math.IsNaN(p.Sigma) || math.IsInf(p.Sigma, 0):
		return paramError("sigma", "must be non-negative and finite, got %v", p.Sigma)
	case p.Law != GRF1 && p.Law != GaussianRF2020:
		return paramError("law", "must be %q or %q, got %q", GRF1, GaussianRF2020, p.Law)
	}
	return nil
}

func (p Periodic) sigma() float64 {
	if p.Sigma != 0 {
		return p.Sigma
	}
	return math.Pow(p.Tau, p.Alpha-float64(p.Dim)/2)
}

// wavenumber maps an FFT index to its signed wavenumber.
func wavenumber(i, n int) int {
	if i <= n/2 {
		return i
	}
	return i - n
}

// wavevector writes the signed wavenumbers of flat FFT index flat of an
// n^len(k) grid into k.
func wavevector(flat, n int, k []int) {
	for a := len(k) - 1; a >= 0; a-- {
		k[a] = wavenumber(flat%n, n)
		flat /= n
	}
}

// Coefficient returns c_k for the signed wavenumber vector k of a grid
// mode (components in (-n/2, n/2]): the field's discrete Fourier
// coefficient at k has E|U_k|^2 = n^(2d) c_k^2. It is
//
//	GRF1:           c_k = 2^(m/2) sigma lambda_k^(1/2), m = #{a : |k_a| = n/2},
//	GaussianRF2020: c_k = sqrt(2) sigma lambda_k^(1/2),
//
// and c_0 = 0. Under GRF1 the 2^m wavenumbers (+-n/2, ...) of the
// truncated series fall on one grid mode, hence the 2^m; GaussianRF2020
// counts each grid mode once.
func (p Periodic) Coefficient(k []int) float64 {
	k2 := 0
	nyquist := 0
	for _, x := range k {
		k2 += x * x
		if 2*x == p.N || -2*x == p.N {
			nyquist++
		}
	}
	if k2 == 0 {
		return 0
	}
	if p.Law == GRF1 {
		return math.Sqrt(math.Ldexp(1, nyquist)) * p.sigma() * math.Pow(4*math.Pi*math.Pi*float64(k2)+p.Tau*p.Tau, -p.Alpha/2)
	}
	return math.Sqrt2 * p.sigma() * math.Pow(4*math.Pi*math.Pi*float64(k2)+p.Tau*p.Tau, -p.Alpha/2)
}

// Variance returns the pointwise variance sum_k c_k^2 of the field on the
// grid (sum over the grid's modes).
func (p Periodic) Variance() float64 {
	total := tensor.Size(p.shape())
	k := make([]int, p.Dim)
	v := 0.0
	for flat := 0; flat < total; flat++ {
		wavevector(flat, p.N, k)
		c := p.Coefficient(k)
		v += c * c
	}
	return v
}

func (p Periodic) shape() []int {
	s := make([]int, p.Dim)
	for i := range s {
		s[i] = p.N
	}
	return s
}

// Sample returns field number i of the stream seeded by seed, row-major
// on the n^d grid x_j = j / n:
//
//	u(x_j) = Re sum_k c_k (xi_k + i eta_k) e^{2 pi i k.j / n},
//
// one independent pair of standard normals per grid mode, drawn in
// drawOrder from the stream (seed, i). p must be valid.
func (p Periodic) Sample(seed uint64, i int) []float64 {
	r := tensor.NewRNGStream(seed, uint64(i))
	shape := p.shape()
	total := tensor.Size(shape)
	coef := make([]complex128, total)
	k := make([]int, p.Dim)
	for _, flat := range drawOrder(p.Dim, p.N) {
		wavevector(flat, p.N, k)
		xi, eta := r.Normal(), r.Normal()
		// The inverse FFT divides by n^d; the n^d here undoes it.
		c := p.Coefficient(k) * float64(total)
		coef[flat] = complex(c*xi, c*eta)
	}
	inverseFFTN(coef, shape)
	out := make([]float64, total)
	for j := range out {
		out[j] = real(coef[j])
	}
	return out
}

// drawOrder lists the flat FFT indices of the n^d grid sorted by the
// max-norm of their wavenumber, then by the wavenumber vector: an order in
// which every coarser grid's modes come first, identically.
func drawOrder(dim, n int) []int {
	key := func(flat int) []int {
		k := make([]int, dim+1)
		wavevector(flat, n, k[1:])
		for _, v := range k[1:] {
			k[0] = max(k[0], v, -v)
		}
		return k
	}
	total := 1
	for a := 0; a < dim; a++ {
		total *= n
	}
	idx := make([]int, total)
	keys := make([][]int, total)
	for f := range idx {
		idx[f] = f
		keys[f] = key(f)
	}
	sort.Slice(idx, func(x, y int) bool {
		a, b := keys[idx[x]], keys[idx[y]]
		for j := range a {
			if a[j] != b[j] {
				return a[j] < b[j]
			}
		}
		return false
	})
	return idx
}

// inverseFFTN applies the inverse DFT (with 1/n per axis) along every axis.
func inverseFFTN(data []complex128, shape []int) {
	inner := 1
	for a := len(shape) - 1; a >= 0; a-- {
		n := shape[a]
		outer := len(data) / (n * inner)
		f := tensor.NewComplexFFT(n)
		line := make([]complex128, n)
		for o := 0; o < outer; o++ {
			for in := 0; in < inner; in++ {
				base := o*n*inner + in
				for j := 0; j < n; j++ {
					line[j] = data[base+j*inner]
				}
				f.Transform(line, line, true)
				for j := 0; j < n; j++ {
					data[base+j*inner] = line[j]
				}
			}
		}
		inner *= n
	}
}

// Neumann describes the DCT-based field of the FNO Darcy generator,
// N(0, tau^(2 alpha - 2) (-Laplacian + tau^2)^-alpha) with zero Neumann
// boundary conditions on the unit square, without its constant mode.
type Neumann struct {
	N     int     // grid points per axis (FNO: 421, or 241/85 subsampled)
	Alpha float64 // 2 in FNO
	Tau   float64 // 3 in FNO
}

// Validate checks the parameters; errors are *param.Error.
func (p Neumann) Validate() error {
	switch {
	case p.N < 2:
		return paramError("n", "must be at least 2, got %d", p.N)
	case !(p.Alpha > 0) || math.IsInf(p.Alpha, 0):
		return paramError("alpha", "must be positive and finite, got %v", p.Alpha)
	case !(p.Tau > 0) || math.IsInf(p.Tau, 0):
		return paramError("tau", "must be positive and finite, got %v", p.Tau)
	}
	return nil
}

// Coefficient returns c_k = tau^(alpha-1) (pi^2 |k|^2 + tau^2)^(-alpha/2)
// for k = (k1, k2), k != 0, and c_0 = 0: the orthonormal 2D DCT-II of a
// sample is L_k = n c_k xi_k, so E L_k^2 = n^2 c_k^2.
func (p Neumann) Coefficient(k1, k2 int) float64 {
	if k1 == 0 && k2 == 0 {
		return 0
	}
	return math.Pow(p.Tau, p.Alpha-1) * math.Pow(math.Pi*math.Pi*float64(k1*k1+k2*k2)+p.Tau*p.Tau, -p.Alpha/2)
}

// Sample returns field i of the stream seeded by seed on the N x N grid
// (row-major): u = idct2(L), L_k = n c_k xi_k with one standard normal
// per k in {0..n-1}^2 (xi_0 drawn and discarded, as GRF.m).
func (p Neumann) Sample(seed uint64, i int) []float64 {
	r := tensor.NewRNGStream(seed, uint64(i))
	n := p.N
	l := tensor.New[float64](n, n)
	d := l.Data()
	for k1 := 0; k1 < n; k1++ {
		for k2 := 0; k2 < n; k2++ {
			xi := r.Normal()
			d[k1*n+k2] = float64(n) * p.Coefficient(k1, k2) * xi
		}
	}
	u := tensor.DCT3(tensor.DCT3(l, 0), 1)
	return u.Data()
}

// Threshold maps a field to a two-valued coefficient: hi where u >= 0, lo
// elsewhere (FNO: 12 and 4 in demo.m, 12 and 3 in the paper).
func Threshold(u []float64, hi, lo float64) []float64 {
	out := make([]float64, len(u))
	for i, v := range u {
		if v >= 0 {
			out[i] = hi
		} else {
			out[i] = lo
		}
	}
	return out
}
