// Package navierstokes solves the 2D incompressible Navier-Stokes equations
// in vorticity form on the periodic box [0, L)^2:
//
//	w_t + u . grad w = nu Laplacian w - alpha w + f,   u = (psi_y, -psi_x),
//	-Laplacian psi = w,
//
// pseudo-spectrally: derivatives in Fourier space, the advection term in
// physical space, truncated by the 2/3 rule (|k_x| or |k_y| >= N/3
// zeroed).
//
// Two time schemes:
//
//   - SchemeFNO, the FNO data generator's (Li et al., 2021, ns_2d.py):
//     Crank-Nicolson on the linear terms, forward Euler on advection and
//     forcing, w^{n+1} = [dt (f - F) + (1 - dt/2 (nu|k|^2 + alpha)) w^n] /
//     (1 + dt/2 (nu|k|^2 + alpha)), first order in time overall;
//   - SchemeETDRK4, exponential time differencing Runge-Kutta of order 4,
//     exact on the linear terms (Taylor-Green decays to round-off).
//
// Forcings: FNO's 0.1 (sin 2 pi (x+y) + cos 2 pi (x+y)) on the unit box,
// Kolmogorov n cos(n y) (with drag alpha, FactFormer's / Kochkov et al.'s
// setting on the 2 pi box), or none.
//
// Random initial vorticity (FNO's datasets, drawn by the experiments
// registry) follows grf.GaussianRF2020, the law of the random_fields.py
// that made FNO's Navier-Stokes data: N(0, 2 sigma^2 (-Laplacian +
// tau^2)^-alpha) with alpha 2.5, tau 7, sigma 7^1.5, i.e. covariance
// 2 * 7^3 (-Laplacian + 49)^-2.5.
package navierstokes

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/internal/etd"
	"github.com/surrogo/surrogo/solvers/internal/march"
	"github.com/surrogo/surrogo/solvers/param"
	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// Scheme names a time integrator.
type Scheme string

// The time integrators.
const (
	SchemeFNO    Scheme = "fno-cn"
	SchemeETDRK4 Scheme = "etdrk4"
)

// Forcing names a forcing term.
type Forcing string

// The forcings.
const (
	ForcingNone       Forcing = "none"
	ForcingFNO        Forcing = "fno"
	ForcingKolmogorov Forcing = "kolmogorov"
)

// Params describes the problem and its discretisation.
type Params struct {
	Nu     float64 // viscosity, > 0
	Length float64 // box side L (FNO: 1; Kolmogorov flow: 2 pi)
	N      int     // grid points per side, even, >= 8
	Dt     float64 // time step (shortened to land on output times)
	Scheme Scheme  // default ETDRK4
	Drag   float64 // linear drag alpha >= 0

	Forcing Forcing // default none
	// Amplitude scales the forcing: FNO default 0.1; Kolmogorov default n.
	Amplitude float64
	// Wavenumber is n of Kolmogorov forcing n cos(n y) (default 4).
	Wavenumber int
}

func (p Params) scheme() Scheme {
	if p.Scheme == "" {
		return SchemeETDRK4
	}
	return p.Scheme
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("navierstokes", name, format, args...)
}

// Validate checks the parameters; errors are *param.Error.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(p.Nu > 0):
		return paramError("nu", "viscosity must be positive, got %v", p.Nu)
	case !finite(p.Nu):
		return paramError("nu", "viscosity must be finite, got %v", p.Nu)
	case !(p.Length > 0):
		return paramError("length", "box length must be positive, got %v", p.Length)
	case !finite(p.Length):
		return paramError("length", "box length must be finite, got %v", p.Length)
	case p.N < 8 || p.N%2 != 0:
		return paramError("n", "the spectral solver needs an even grid of at least 8 points, got %d", p.N)
	case !(p.Dt > 0) || !finite(p.Dt):
		return paramError("dt", "time step must be positive and finite, got %v", p.Dt)
	case p.Drag < 0:
		return paramError("drag", "drag must be >= 0, got %v", p.Drag)
	case !finite(p.Drag):
		return paramError("drag", "drag must be finite, got %v", p.Drag)
	case !finite(p.Amplitude):
		return paramError("amplitude", "forcing amplitude must be finite, got %v", p.Amplitude)
	}
	switch p.scheme() {
	case SchemeFNO, SchemeETDRK4:
	default:
		return paramError("scheme", "unknown scheme %q (expected %q or %q)", p.Scheme, SchemeFNO, SchemeETDRK4)
	}
	switch p.Forcing {
	case "", ForcingNone, ForcingFNO:
	case ForcingKolmogorov:
		if p.Wavenumber < 0 || p.Wavenumber >= p.N/3 {
			return paramError("wavenumber", "the Kolmogorov wavenumber must be in [1, N/3) = [1, %d) to be resolved on N = %d points, got %d",
				p.N/3, p.N, p.Wavenumber)
		}
	default:
		return paramError("forcing", "unknown forcing %q (expected %q, %q or %q)", p.Forcing, ForcingNone, ForcingFNO, ForcingKolmogorov)
	}
	return nil
}

// Grid returns the coordinates x_j = j L / N of each axis.
func (p Params) Grid() []float64 {
	x := make([]float64, p.N)
	for j := range x {
		x[j] = float64(j) * p.Length / float64(p.N)
	}
	return x
}

// ForcingField returns f on the grid, row-major: entry [i][j] is the point
// (x_i, y_j), as FNO's meshgrid(indexing="ij").
func (p Params) ForcingField() []float64 {
	n := p.N
	f := make([]float64, n*n)
	x := p.Grid()
	switch p.Forcing {
	case ForcingFNO:
		a := p.Amplitude
		if a == 0 {
			a = 0.1
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 2 * math.Pi * (x[i] + x[j])
				f[i*n+j] = a * (math.Sin(s) + math.Cos(s))
			}
		}
	case ForcingKolmogorov:
		k := p.wavenumber()
		a := p.Amplitude
		if a == 0 {
			a = float64(k)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				f[i*n+j] = a * math.Cos(float64(k)*2*math.Pi*x[j]/p.Length)
			}
		}
	}
	return f
}

func (p Params) wavenumber() int {
	if p.Wavenumber == 0 {
		return 4
	}
	return p.Wavenumber
}

// Solver advances vorticity fields of one Params. Not safe for concurrent
// use; make one per goroutine.
type Solver struct {
	p      Params
	n, h   int
	kx, ky []float64 // wavenumber of each half-spectrum entry
	dx, dy []float64 // derivative wavenumbers (zero on the Nyquist row/column)
	k2     []float64 // |k|^2 (1 at k = 0 for the Poisson solve)
	invK2  []float64 // 1/|k|^2, 0 at k = 0 (the stream function has no mean)
	lin    []float64 // -nu |k|^2 - alpha
	mask   []bool
	force  []complex128
	fft    *tensor.RealFFT2
	coefs  etd.Cache
	// work buffers
	u, v, wx, wy, q []float64
	tmp, nv, wh     []complex128
	spec            [4][]complex128 // the spectra of u, v, w_x, w_y
	stepper         *etd.Stepper
}

// New prepares a solver.
func New(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.N
	h := n/2 + 1
	m := n * h
	s := &Solver{p: p, n: n, h: h, fft: tensor.NewRealFFT2(n, n),
		kx: make([]float64, m), ky: make([]float64, m), dx: make([]float64, m), dy: make([]float64, m), k2: make([]float64, m), invK2: make([]float64, m), lin: make([]float64, m), mask: make([]bool, m)}
	for i := 0; i < n; i++ {
		ki := i
		if i > n/2 {
			ki = i - n
		}
		for j := 0; j < h; j++ {
			e := i*h + j
			s.kx[e] = 2 * math.Pi * float64(ki) / p.Length
			s.ky[e] = 2 * math.Pi * float64(j) / p.Length
			s.dx[e], s.dy[e] = s.kx[e], s.ky[e]
			if 2*i == n {
				s.dx[e] = 0 // odd derivatives of the Nyquist mode vanish
			}
			if 2*j == n {
				s.dy[e] = 0
			}
			k2 := s.kx[e]*s.kx[e] + s.ky[e]*s.ky[e]
			s.lin[e] = -p.Nu*k2 - p.Drag
			if k2 == 0 {
				k2 = 1
			}
			s.k2[e] = k2
			if s.kx[e] != 0 || s.ky[e] != 0 {
				s.invK2[e] = 1 / k2
			}
			ai, aj := ki, j
			if ai < 0 {
				ai = -ai
			}
			s.mask[e] = 3*ai < n && 3*aj < n
		}
	}
	for _, b := range []*[]float64{&s.u, &s.v, &s.wx, &s.wy, &s.q} {
		*b = make([]float64, n*n)
	}
	for _, b := range []*[]complex128{&s.tmp, &s.nv, &s.wh, &s.spec[0], &s.spec[1], &s.spec[2], &s.spec[3]} {
		*b = make([]complex128, m)
	}
	s.stepper = etd.NewStepper(m)
	s.force = make([]complex128, m)
	s.fft.Forward(s.force, p.ForcingField())
	return s, nil
}

// Params returns the solver's parameters.
func (s *Solver) Params() Params { return s.p }

// velocity fills u = psi_y, v = -psi_x from the vorticity spectrum w.
func (s *Solver) velocity(w []complex128) {
	su, sv := s.spec[0], s.spec[1]
	for e, z := range w {
		re, im := real(z), imag(z)
		fu, fv := s.invK2[e]*s.dy[e], -s.invK2[e]*s.dx[e]
		su[e] = complex(-im*fu, re*fu)
		sv[e] = complex(-im*fv, re*fv)
	}
	s.fft.InverseBatch([][]float64{s.u, s.v}, s.spec[:2])
}

// advection writes dst = P FFT(u w_x + v w_y), P the 2/3 truncation, the
// velocity u = psi_y, v = -psi_x from psi = w / |k|^2. The four fields
// are transformed back in one batch; the spectra are formed in real
// arithmetic (Go divides complex numbers in full, and i d z is
// (-d Im z, d Re z)).
func (s *Solver) advection(dst, w []complex128) {
	su, sv, swx, swy := s.spec[0], s.spec[1], s.spec[2], s.spec[3]
	parallel.For(len(w), 8, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			re, im := real(w[e]), imag(w[e])
			fu, fv := s.invK2[e]*s.dy[e], -s.invK2[e]*s.dx[e]
			dx, dy := s.dx[e], s.dy[e]
			su[e] = complex(-im*fu, re*fu)
			sv[e] = complex(-im*fv, re*fv)
			swx[e] = complex(-im*dx, re*dx)
			swy[e] = complex(-im*dy, re*dy)
		}
	})
	s.fft.InverseBatch([][]float64{s.u, s.v, s.wx, s.wy}, s.spec[:])
	parallel.For(len(s.q), 4, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			s.q[j] = s.u[j]*s.wx[j] + s.v[j]*s.wy[j]
		}
	})
	s.fft.Forward(dst, s.q)
	parallel.For(len(dst), 2, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			if !s.mask[e] {
				dst[e] = 0
			}
		}
	})
}

// rhs writes N(w) = f - P(u . grad w).
func (s *Solver) rhs(dst, w []complex128) {
	s.advection(dst, w)
	parallel.For(len(dst), 2, func(lo, hi int) {
		for e := lo; e < hi; e++ {
			dst[e] = s.force[e] - dst[e]
		}
	})
}

func (s *Solver) coef(dt float64) *etd.Coef { return s.coefs.For(s.lin, dt) }

// step advances the spectrum w by dt in place.
func (s *Solver) step(w []complex128, dt float64) {
	if s.p.scheme() == SchemeFNO {
		s.rhs(s.nv, w)
		for e := range w {
			l := -s.lin[e] // nu |k|^2 + alpha
			a, b := dt/(1+0.5*dt*l), (1-0.5*dt*l)/(1+0.5*dt*l)
			z, nz := w[e], s.nv[e]
			w[e] = complex(a*real(nz)+b*real(z), a*imag(nz)+b*imag(z))
		}
		return
	}
	s.stepper.Step(s.coef(dt), w, s.rhs)
}

// Observer is called after every step with the time, step number and the
// vorticity field (physical space, read-only).
type Observer func(t float64, step int, w []float64) error

// Solve integrates from w0 (n x n, row-major, [i][j] at (x_i, y_j)) and
// returns the vorticity at each of times (non-decreasing, >= 0). It stops
// with an error naming the time and step when the field stops being finite
// or its enstrophy exceeds 1e8 times its initial (or forcing) scale, or
// when ctx is cancelled.
func (s *Solver) Solve(ctx context.Context, w0 []float64, times []float64, observe Observer) ([][]float64, error) {
	n := s.n
	if len(w0) != n*n {
		return nil, fmt.Errorf("navierstokes: initial vorticity has %d values, the %d x %d grid needs %d", len(w0), n, n, n*n)
	}
	scale := 0.0
	for j, x := range w0 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("navierstokes: initial vorticity is not finite at point %d", j)
		}
		scale += x * x
	}
	for _, f := range s.p.ForcingField() {
		scale += f * f
	}
	bound := 1e8 * math.Max(scale/float64(n*n), 1)
	copyIn := append([]float64(nil), w0...)
	s.fft.Forward(s.wh, copyIn)
	w := append([]complex128(nil), s.wh...)
	phys := make([]float64, n*n)
	out := make([][]float64, 0, len(times))
	err := march.Run(ctx, times, s.p.Dt, func(h float64) { s.step(w, h) },
		func(t float64, step int, last bool) error {
			if observe == nil && step%8 != 0 && !last {
				return nil
			}
			copy(s.tmp, w)
			s.fft.Inverse(phys, s.tmp)
			if err := checkField(phys, bound, t, step); err != nil {
				return err
			}
			if observe != nil {
				return observe(t, step, phys)
			}
			return nil
		},
		func() error {
			copy(s.tmp, w)
			field := make([]float64, n*n)
			s.fft.Inverse(field, s.tmp)
			out = append(out, field)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("navierstokes: %w", err)
	}
	return out, nil
}

func checkField(w []float64, bound, t float64, step int) error {
	z := 0.0
	for _, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("vorticity became non-finite at t = %g (step %d)", t, step)
		}
		z += x * x
	}
	if z/float64(len(w)) > bound {
		return fmt.Errorf("solution blew up at t = %g (step %d): mean w^2 = %g", t, step, z/float64(len(w)))
	}
	return nil
}

// Velocity returns u = psi_y and v = -psi_x of the vorticity field w.
func (s *Solver) Velocity(w []float64) (u, v []float64) {
	wh := make([]complex128, s.n*s.h)
	s.fft.Forward(wh, append([]float64(nil), w...))
	s.velocity(wh)
	return append([]float64(nil), s.u...), append([]float64(nil), s.v...)
}

// Energy returns the kinetic energy density (1/2) mean(u^2 + v^2).
func (s *Solver) Energy(w []float64) float64 {
	u, v := s.Velocity(w)
	e := 0.0
	for j := range u {
		e += u[j]*u[j] + v[j]*v[j]
	}
	return 0.5 * e / float64(len(u))
}

// Enstrophy returns (1/2) mean(w^2).
func Enstrophy(w []float64) float64 {
	z := 0.0
	for _, x := range w {
		z += x * x
	}
	return 0.5 * z / float64(len(w))
}

// Spectrum returns the isotropic energy spectrum E(k) for integer shells
// k = round(|k| L / 2 pi) = 0..ceil(N/sqrt 2) (the corners of the square
// spectrum reach beyond N/2): E(k) sums (1/2)|u_k|^2 / N^4 over the
// full spectrum in the shell (odd derivatives of Nyquist modes vanish, as
// in the velocity), so that sum_k E(k) = Energy.
func (s *Solver) Spectrum(w []float64) []float64 {
	n, h := s.n, s.h
	wh := make([]complex128, n*h)
	s.fft.Forward(wh, append([]float64(nil), w...))
	spec := make([]float64, int(math.Ceil(math.Sqrt2*float64(n)/2))+1)
	norm := float64(n) * float64(n)
	for e, z := range wh {
		k2 := s.kx[e]*s.kx[e] + s.ky[e]*s.ky[e]
		if k2 == 0 {
			continue
		}
		// |u_k|^2 + |v_k|^2 = |w_k|^2 (dx^2 + dy^2) / |k|^4 with the
		// derivative wavenumbers; columns 1..n/2-1 stand for two modes.
		mult := 2.0
		if j := e % h; j == 0 || 2*j == n {
			mult = 1
		}
		amp := (real(z)*real(z) + imag(z)*imag(z)) * (s.dx[e]*s.dx[e] + s.dy[e]*s.dy[e]) / (k2 * k2) / (norm * norm)
		shell := int(math.Round(math.Sqrt(k2) * s.p.Length / (2 * math.Pi)))
		spec[shell] += 0.5 * mult * amp
	}
	return spec
}

// CFL returns dt (max |u| + max |v|) / dx for the field w.
func (s *Solver) CFL(w []float64) float64 {
	u, v := s.Velocity(w)
	mu, mv := 0.0, 0.0
	for j := range u {
		mu = math.Max(mu, math.Abs(u[j]))
		mv = math.Max(mv, math.Abs(v[j]))
	}
	return s.p.Dt * (mu + mv) / (s.p.Length / float64(s.n))
}

// CutoffShell returns the largest wavenumber, in units of the box's
// fundamental 2 pi / L, that the 2/3 rule keeps along an axis: the largest
// m with 3 m < N. The radial shell of this index lies wholly inside the
// dealiased square of modes.
func (s *Solver) CutoffShell() int { return (s.n - 1) / 3 }

// EnstrophySpectrum returns the isotropic enstrophy spectrum of the
// vorticity field w: z[i] sums (1/2) |w_k|^2 / N^4 over the modes of the
// full spectrum whose |k| L / 2 pi rounds to i, for i = 0 ..
// ceil(N/sqrt 2), so that sum_i z[i] = Enstrophy(w); k[i] = 2 pi i / L is
// the shell's wavenumber. Unlike the velocity in Spectrum, the vorticity
// keeps its Nyquist modes.
func (s *Solver) EnstrophySpectrum(w []float64) (k, z []float64) {
	n, h := s.n, s.h
	wh := make([]complex128, n*h)
	s.fft.Forward(wh, append([]float64(nil), w...))
	shells := int(math.Ceil(math.Sqrt2*float64(n)/2)) + 1
	k = make([]float64, shells)
	for i := range k {
		k[i] = 2 * math.Pi * float64(i) / s.p.Length
	}
	z = make([]float64, shells)
	norm := float64(n) * float64(n)
	for e, c := range wh {
		// Columns 1..n/2-1 of the half spectrum stand for two modes.
		mult := 2.0
		if j := e % h; j == 0 || 2*j == n {
			mult = 1
		}
		k2 := s.kx[e]*s.kx[e] + s.ky[e]*s.ky[e]
		shell := int(math.Round(math.Sqrt(k2) * s.p.Length / (2 * math.Pi)))
		z[shell] += 0.5 * mult * (real(c)*real(c) + imag(c)*imag(c)) / (norm * norm)
	}
	return k, z
}

// ResolutionRatio measures how well the grid resolves the vorticity field
// w: the enstrophy spectrum in the shell of the dealiasing cut-off
// (CutoffShell) divided by its largest value over all shells. A resolved
// field has a spectrum that falls by orders of magnitude before the
// cut-off; an under-resolved one piles enstrophy up there (ratios of
// 1e-2 and above). It is 0 for a field without enstrophy.
func (s *Solver) ResolutionRatio(w []float64) float64 {
	_, z := s.EnstrophySpectrum(w)
	peak := 0.0
	for _, v := range z {
		peak = math.Max(peak, v)
	}
	if peak == 0 {
		return 0
	}
	return z[s.CutoffShell()] / peak
}
