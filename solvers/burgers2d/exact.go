package burgers2d

import "math"

// Mode is one term a cos(2 pi (Kx x + Ky y) + Phase) of the heat solution
// theta in ColeHopf.
type Mode struct {
	Kx, Ky   int
	A, Phase float64
}

// ColeHopf returns the exact solution (u, v) = -2 nu grad log theta at
// (x, y, t) of the vector system, where theta solves the heat equation
// theta_t = nu Lap theta:
//
//	theta = a0 + sum_k A_k exp(-4 pi^2 |k|^2 nu t) cos(2 pi k.x + Phase_k).
//
// It needs theta > 0, e.g. a0 > sum |A_k|; the initial field is
// curl-free and periodic on [0, 1)^2.
func ColeHopf(nu, a0 float64, modes []Mode, x, y, t float64) (u, v float64) {
	theta, tx, ty := a0, 0.0, 0.0
	for _, m := range modes {
		kx, ky := 2*math.Pi*float64(m.Kx), 2*math.Pi*float64(m.Ky)
		amp := m.A * math.Exp(-nu*(kx*kx+ky*ky)*t)
		arg := kx*x + ky*y + m.Phase
		theta += amp * math.Cos(arg)
		tx -= amp * kx * math.Sin(arg)
		ty -= amp * ky * math.Sin(arg)
	}
	return -2 * nu * tx / theta, -2 * nu * ty / theta
}

// ColeHopfField returns ColeHopf on the n x n grid of p at time t.
func ColeHopfField(p Params, a0 float64, modes []Mode, t float64) Field {
	x := p.Grid()
	f := Field{U: make([]float64, p.N*p.N), V: make([]float64, p.N*p.N)}
	for i := range x {
		for j := range x {
			f.U[i*p.N+j], f.V[i*p.N+j] = ColeHopf(p.Nu, a0, modes, x[i], x[j], t)
		}
	}
	return f
}
