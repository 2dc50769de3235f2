// Package burgers solves the 1D viscous Burgers equation on a periodic
// interval [X0, X0 + L):
//
//	u_t + (u^2 / 2)_x = nu u_xx
//
// by a Fourier pseudo-spectral method: the nonlinear term is computed in
// physical space and truncated by the 2/3 rule (wavenumbers |j| >= N/3
// zeroed), and time is advanced by the fourth-order exponential time
// differencing Runge-Kutta scheme ETDRK4 of Cox and Matthews (2002), with
// its coefficients evaluated by the contour integrals of Kassam and
// Trefethen (2005), which treats the stiff viscous term exactly.
//
// Reference solutions: ColeHopf evaluates the exact solution for a sine
// initial condition by quadrature of the heat kernel.
//
// Random initial conditions (FNO's Burgers data, drawn by the experiments
// registry) follow grf.GRF1, the law of FNO's GRF1.m:
// N(0, sigma^2 (-Laplacian + tau^2)^-alpha) on [0, 1), by default
// N(0, 625 (-Laplacian + 25)^-2) as in the FNO paper.
package burgers

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/internal/etd"
	"github.com/surrogo/surrogo/solvers/internal/march"
	"github.com/surrogo/surrogo/solvers/param"
	"github.com/surrogo/surrogo/tensor"
)

// Params describes a Burgers problem and its discretisation.
type Params struct {
	Nu     float64 // viscosity, > 0
	Length float64 // period L of the domain (FNO: 1, Basdevant: 2, LPINN: 2 pi)
	X0     float64 // left end of the domain (grid x_j = X0 + j L / N)
	N      int     // grid points, even, >= 8
	Dt     float64 // time step of ETDRK4 (shortened to land on output times)
	// NoDealias turns the 2/3-rule truncation of the nonlinear term off.
	NoDealias bool
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("burgers", name, format, args...)
}

// Validate checks the parameters; errors are *param.Error.
func (p Params) Validate() error {
	switch {
	case !(p.Nu > 0):
		return paramError("nu", "viscosity must be positive, got %v", p.Nu)
	case math.IsInf(p.Nu, 0):
		return paramError("nu", "viscosity must be finite, got %v", p.Nu)
	case !(p.Length > 0):
		return paramError("length", "domain length must be positive, got %v", p.Length)
	case math.IsInf(p.Length, 0):
		return paramError("length", "domain length must be finite, got %v", p.Length)
	case p.N < 8 || p.N%2 != 0:
		return paramError("n", "the spectral solver needs an even grid of at least 8 points, got %d", p.N)
	case !(p.Dt > 0) || math.IsInf(p.Dt, 0):
		return paramError("dt", "time step must be positive and finite, got %v", p.Dt)
	case math.IsNaN(p.X0) || math.IsInf(p.X0, 0):
		return paramError("x0", "must be finite, got %v", p.X0)
	}
	return nil
}

// Grid returns the grid points x_j = X0 + j L / N.
func (p Params) Grid() []float64 {
	x := make([]float64, p.N)
	for j := range x {
		x[j] = p.X0 + float64(j)*p.Length/float64(p.N)
	}
	return x
}

// Solver advances solutions of one Params. It is not safe for concurrent
// use; make one per goroutine.
type Solver struct {
	p       Params
	k       []float64 // wavenumbers 2 pi j / L, j = 0..N/2
	lin     []float64 // -nu k^2
	mask    []bool    // kept by the 2/3 rule
	fft     *tensor.RealFFT
	coefs   etd.Cache
	u, w    []float64
	tmp     []complex128
	stepper *etd.Stepper
}

// New prepares a solver.
func New(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := p.N/2 + 1
	s := &Solver{p: p, fft: tensor.NewRealFFT(p.N),
		k: make([]float64, h), lin: make([]float64, h), mask: make([]bool, h),
		u: make([]float64, p.N), w: make([]float64, p.N)}
	for j := 0; j < h; j++ {
		s.k[j] = 2 * math.Pi * float64(j) / p.Length
		s.lin[j] = -p.Nu * s.k[j] * s.k[j]
		s.mask[j] = p.NoDealias || 3*j < p.N
		if 2*j == p.N {
			s.mask[j] = false // the Nyquist mode has no odd derivative
		}
	}
	s.tmp = make([]complex128, h)
	s.stepper = etd.NewStepper(h)
	return s, nil
}

// coef returns (and caches) the ETDRK4 coefficients for step dt.
func (s *Solver) coef(dt float64) *etd.Coef { return s.coefs.For(s.lin, dt) }

// nonlinear writes N(v) = -(i k / 2) P FFT(u^2), u = IFFT(v), P the 2/3
// truncation.
func (s *Solver) nonlinear(dst, v []complex128) {
	s.fft.Inverse(s.u, v)
	for j, x := range s.u {
		s.w[j] = x * x
	}
	s.fft.Forward(dst, s.w)
	for j := range dst {
		if !s.mask[j] {
			dst[j] = 0
			continue
		}
		// times -i k / 2, in real arithmetic
		f, z := -0.5*s.k[j], dst[j]
		dst[j] = complex(-imag(z)*f, real(z)*f)
	}
}

// step advances the spectrum v by one ETDRK4 step of size dt, in place.
func (s *Solver) step(v []complex128, dt float64) {
	s.stepper.Step(s.coef(dt), v, s.nonlinear)
}

// Observer is called after every time step with the time, the step number
// and the spectrum (read-only); returning an error stops the solve.
type Observer func(t float64, step int, v []complex128) error

// Solve integrates from u0 at t = 0 and returns the solution at each of
// times (non-decreasing, >= 0). Steps of at most Dt are shortened so that
// every output time is hit exactly. It stops with an error naming the time
// and step when the solution stops being finite or grows beyond 1e6 times
// its initial size, or when ctx is cancelled.
func (s *Solver) Solve(ctx context.Context, u0 []float64, times []float64, observe Observer) ([][]float64, error) {
	p := s.p
	if len(u0) != p.N {
		return nil, fmt.Errorf("burgers: initial condition has %d points, grid has %d", len(u0), p.N)
	}
	u0max := 0.0
	for j, v := range u0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("burgers: initial condition is not finite at point %d", j)
		}
		u0max = math.Max(u0max, math.Abs(v))
	}
	// Explicit treatment of advection: a step may not carry information
	// across more than one cell.
	if dx := p.Length / float64(p.N); p.Dt*u0max > dx {
		return nil, fmt.Errorf("burgers: dt %g exceeds the advective limit dx/max|u0| = %g", p.Dt, dx/u0max)
	}
	bound := 1e6 * math.Max(u0max, 1)
	v := make([]complex128, p.N/2+1)
	s.fft.Forward(v, u0)
	out := make([][]float64, 0, len(times))
	err := march.Run(ctx, times, p.Dt, func(h float64) { s.step(v, h) },
		func(t float64, step int, last bool) error {
			if step%16 == 0 || last {
				if err := s.check(v, bound, t, step); err != nil {
					return err
				}
			}
			if observe != nil {
				return observe(t, step, v)
			}
			return nil
		},
		func() error {
			u := make([]float64, p.N)
			s.fft.Inverse(u, v)
			out = append(out, u)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("burgers: %w", err)
	}
	return out, nil
}

func (s *Solver) check(v []complex128, bound, t float64, step int) error {
	s.fft.Inverse(s.u, v)
	for _, x := range s.u {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > bound {
			return fmt.Errorf("solution blew up at t = %g (step %d): |u| = %g", t, step, math.Abs(x))
		}
	}
	return nil
}

// Derivative returns u_x of the field with spectrum v (Nyquist dropped).
func (s *Solver) Derivative(v []complex128) []float64 {
	for j := range v {
		if 2*j == s.p.N {
			s.tmp[j] = 0
			continue
		}
		s.tmp[j] = v[j] * complex(0, s.k[j])
	}
	ux := make([]float64, s.p.N)
	s.fft.Inverse(ux, s.tmp)
	return ux
}

// ColeHopf returns the exact solution at (x, t) for the initial condition
// u0(x) = -a sin(omega x), by the Cole-Hopf transform:
//
//	u = -a int sin(omega (x - eta)) f(x - eta) G dEta / int f(x - eta) G dEta,
//	f(y) = exp(-a cos(omega y) / (2 nu omega)),  G = exp(-eta^2 / (4 nu t)),
//
// evaluated by the trapezoid rule in z = eta / sqrt(4 nu t) on [-10, 10]
// with 4001 points (spectrally accurate for this smooth, rapidly decaying
// integrand), with exponents shifted by their maximum.
func ColeHopf(nu, a, omega, x, t float64) float64 {
	if t == 0 {
		return -a * math.Sin(omega*x)
	}
	const zmax, m = 10.0, 4001
	s := math.Sqrt(4 * nu * t)
	h := 2 * zmax / (m - 1)
	c := -a / (2 * nu * omega)
	emax := math.Inf(-1)
	for i := 0; i < m; i++ {
		z := -zmax + float64(i)*h
		emax = math.Max(emax, c*math.Cos(omega*(x-s*z))-z*z)
	}
	var num, den float64
	for i := 0; i < m; i++ {
		z := -zmax + float64(i)*h
		y := x - s*z
		w := math.Exp(c*math.Cos(omega*y) - z*z - emax)
		num += math.Sin(omega*y) * w
		den += w
	}
	return -a * num / den
}
