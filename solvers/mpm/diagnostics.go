package mpm

import "math"

// Momentum returns the total linear momentum sum m_p v_p (unused
// components zero in 2-D).
func (s *Solver) Momentum(st *State) [3]float64 {
	m := s.ParticleMass(st)
	var total [3]float64
	for i := 0; i < st.Len(); i++ {
		for a := 0; a < st.Dim; a++ {
			total[a] += m * st.V[i*st.Dim+a]
		}
	}
	return total
}

// AngularMomentum returns the total APIC angular momentum about the
// origin, the quantity the transfers conserve (Jiang et al., 2015):
//
//	L = sum_p m_p x_p x v_p + m_p (dx^2/4) eps : C_p^T,
//
// the second term the spin of the affine velocity field over the
// quadratic B-spline stencil (its inertia matrix is dx^2/4 I); in 2-D
// L[2] = sum m (x v_y - y v_x) + m dx^2/4 (C_yx - C_xy).
func (s *Solver) AngularMomentum(st *State) [3]float64 {
	m := s.ParticleMass(st)
	d := st.Dim
	inertia := s.dx * s.dx / 4
	var total [3]float64
	for i := 0; i < st.Len(); i++ {
		var x, v [3]float64
		copy(x[:], st.X[i*d:(i+1)*d])
		copy(v[:], st.V[i*d:(i+1)*d])
		l := cross3(x, v)
		c := st.C[i*d*d : (i+1)*d*d]
		if d == 2 {
			l[2] += inertia * (c[2] - c[1])
		} else {
			l[0] += inertia * (c[7] - c[5])
			l[1] += inertia * (c[2] - c[6])
			l[2] += inertia * (c[3] - c[1])
		}
		for a := range total {
			total[a] += m * l[a]
		}
	}
	return total
}

// KineticEnergy returns sum 1/2 m_p |v_p|^2.
func (s *Solver) KineticEnergy(st *State) float64 {
	m := s.ParticleMass(st)
	e := 0.0
	for _, v := range st.V {
		e += 0.5 * m * v * v
	}
	return e
}

// ElasticEnergy returns sum V0 psi(F_p) for the elastic models:
//
//	corotated:   psi = mu sum (s_i - 1)^2 + lambda/2 (J - 1)^2
//	neo-Hookean: psi = mu/2 (|F|^2 - d) - mu log J + lambda/2 log^2 J
//
// and NaN for the others.
func (s *Solver) ElasticEnergy(st *State) float64 {
	if s.model.kind != Corotated && s.model.kind != NeoHookean {
		return math.NaN()
	}
	d, dd := st.Dim, st.Dim*st.Dim
	e := 0.0
	for i := 0; i < st.Len(); i++ {
		var sig [3]float64
		if d == 2 {
			_, s2, _ := svd2(mat2(st.F[i*dd : (i+1)*dd]))
			sig = [3]float64{s2[0], s2[1], 1}
		} else {
			_, sig, _ = svd3(mat3(st.F[i*dd : (i+1)*dd]))
		}
		e += st.Volume * s.model.energyDensity(sig)
	}
	return e
}

// energyDensity returns psi of the singular values s (s[2] = 1 in 2-D).
func (m *model) energyDensity(s [3]float64) float64 {
	j := s[0] * s[1] * s[2]
	if m.kind == Corotated {
		sq := 0.0
		for i := 0; i < m.dim; i++ {
			sq += (s[i] - 1) * (s[i] - 1)
		}
		return m.mu*sq + m.lambda/2*(j-1)*(j-1)
	}
	f2 := 0.0
	for i := 0; i < m.dim; i++ {
		f2 += s[i] * s[i]
	}
	l := math.Log(j)
	return m.mu/2*(f2-float64(m.dim)) - m.mu*l + m.lambda/2*l*l
}

// PotentialEnergy returns -sum m_p g . x_p, the gravitational energy.
func (s *Solver) PotentialEnergy(st *State) float64 {
	m := s.ParticleMass(st)
	e := 0.0
	for i := 0; i < st.Len(); i++ {
		for a := 0; a < st.Dim; a++ {
			e -= m * s.gravity[a] * st.X[i*st.Dim+a]
		}
	}
	return e
}

// gridMass returns the total mass on the grid after a scatter.
func (s *Solver) gridMass() float64 {
	total := 0.0
	for n := 0; n < len(s.grid); n += s.d + 1 {
		total += s.grid[n]
	}
	return total
}
