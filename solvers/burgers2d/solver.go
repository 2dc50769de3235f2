package burgers2d

import (
	"math"

	"github.com/surrogo/surrogo/solvers/internal/etd"
	"github.com/surrogo/surrogo/tensor"
)

// Field is one snapshot on the N x N grid, row-major: entry [i*N + j] is
// the point (x_i, y_j). V is nil for EquationScalar.
type Field struct {
	U, V []float64
}

// Solver advances fields of one Params. It is not safe for concurrent
// use; make one per goroutine.
type Solver struct {
	p      Params
	n, m   int       // grid side, half-spectrum length n (n/2 + 1)
	comps  int       // 2 for the vector system, 1 for the scalar equation
	dx, dy []float64 // derivative wavenumbers 2 pi k (zero on Nyquist rows/columns)
	mask   []bool    // kept by the 2/3 rule
	lin    []float64 // -nu |k|^2, repeated per component
	fft    *tensor.RealFFT2
	coefs  etd.Cache
	// work buffers
	u, v, ux, uy, vx, vy, q []float64
	tmp                     []complex128
	stepper                 *etd.Stepper
}

// New prepares a solver; only Nu, N, Dt and Equation are checked.
func New(p Params) (*Solver, error) {
	if err := p.validateSolver(); err != nil {
		return nil, err
	}
	n, h := p.N, p.N/2+1
	s := &Solver{p: p, n: n, m: n * h, comps: 2, fft: tensor.NewRealFFT2(n, n)}
	if p.equation() == EquationScalar {
		s.comps = 1
	}
	s.wavenumbers()
	for _, b := range []*[]float64{&s.u, &s.v, &s.ux, &s.uy, &s.vx, &s.vy, &s.q} {
		*b = make([]float64, n*n)
	}
	s.tmp = make([]complex128, s.m)
	s.stepper = etd.NewStepper(s.comps * s.m)
	return s, nil
}

// wavenumbers fills dx, dy, mask and lin.
func (s *Solver) wavenumbers() {
	n, h := s.n, s.n/2+1
	s.dx, s.dy, s.mask = make([]float64, s.m), make([]float64, s.m), make([]bool, s.m)
	s.lin = make([]float64, s.comps*s.m)
	for i := 0; i < n; i++ {
		ki := i
		if i > n/2 {
			ki = i - n
		}
		for j := 0; j < h; j++ {
			e := i*h + j
			kx, ky := 2*math.Pi*float64(ki), 2*math.Pi*float64(j)
			for c := 0; c < s.comps; c++ {
				s.lin[c*s.m+e] = -s.p.Nu * (kx*kx + ky*ky)
			}
			s.dx[e], s.dy[e] = kx, ky
			if 2*i == n {
				s.dx[e] = 0 // odd derivatives of the Nyquist mode vanish
			}
			if 2*j == n {
				s.dy[e] = 0
			}
			s.mask[e] = 3*max(ki, -ki) < n && 3*j < n
		}
	}
}

// Params returns the solver's parameters.
func (s *Solver) Params() Params { return s.p }

// coef returns (and caches) the ETDRK4 coefficients for step dt.
func (s *Solver) coef(dt float64) *etd.Coef { return s.coefs.For(s.lin, dt) }

// step advances the stacked spectra w by one ETDRK4 step of size dt.
func (s *Solver) step(w []complex128, dt float64) {
	s.stepper.Step(s.coef(dt), w, s.rhs)
}

// rhs writes the dealiased nonlinear term N(w) of the stacked spectra w.
func (s *Solver) rhs(dst, w []complex128) {
	if s.comps == 1 {
		s.scalarRHS(dst, w)
		return
	}
	s.vectorRHS(dst, w)
}

// inverse writes the physical field of spectrum w times i*k (k = nil: of
// w itself) into x, leaving w intact.
func (s *Solver) inverse(x []float64, w []complex128, k []float64) {
	for e, c := range w {
		if k != nil {
			c *= complex(0, k[e])
		}
		s.tmp[e] = c
	}
	s.fft.Inverse(x, s.tmp)
}

// project writes -P FFT(q) into dst, P the 2/3 truncation.
func (s *Solver) project(dst []complex128, q []float64) {
	s.fft.Forward(dst, q)
	for e := range dst {
		if !s.mask[e] {
			dst[e] = 0
			continue
		}
		dst[e] = -dst[e]
	}
}

// vectorRHS: N = -P (u u_x + v u_y, u v_x + v v_y).
func (s *Solver) vectorRHS(dst, w []complex128) {
	wu, wv := w[:s.m], w[s.m:]
	s.inverse(s.u, wu, nil)
	s.inverse(s.v, wv, nil)
	s.inverse(s.ux, wu, s.dx)
	s.inverse(s.uy, wu, s.dy)
	s.inverse(s.vx, wv, s.dx)
	s.inverse(s.vy, wv, s.dy)
	for j := range s.q {
		s.q[j] = s.u[j]*s.ux[j] + s.v[j]*s.uy[j]
	}
	s.project(dst[:s.m], s.q)
	for j := range s.q {
		s.q[j] = s.u[j]*s.vx[j] + s.v[j]*s.vy[j]
	}
	s.project(dst[s.m:], s.q)
}

// scalarRHS: N = -P (d_x + d_y)(u^2 / 2), the conservative form of
// u u_x + u u_y.
func (s *Solver) scalarRHS(dst, w []complex128) {
	s.inverse(s.u, w, nil)
	for j, x := range s.u {
		s.q[j] = 0.5 * x * x
	}
	s.project(dst, s.q)
	for e := range dst {
		dst[e] *= complex(0, s.dx[e]+s.dy[e])
	}
}
