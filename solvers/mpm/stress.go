package mpm

// KirchhoffStress returns the Kirchhoff stress tau of particle p of st
// (Dim x Dim, row-major), computed from its deformation gradient; st's F
// is not changed.
func (s *Solver) KirchhoffStress(st *State, p int) []float64 {
	dd := s.d * s.d
	f := st.F[p*dd : (p+1)*dd]
	if s.d == 2 {
		m := mat2(f)
		t := s.model.update2(&m)
		return append([]float64(nil), t[:]...)
	}
	m := mat3(f)
	t := s.model.update3(&m)
	return append([]float64(nil), t[:]...)
}

// MeanStress returns the volume average of the Cauchy stress over the
// particles (Dim x Dim, row-major): sum_p V_p sigma_p / sum_p V_p with
// V_p = V0 J_p and sigma_p = tau_p / J_p, that is sum_p tau_p / sum_p J_p,
// J_p = det F_p. F is the elastic deformation gradient, so V_p is the
// particle's volume when plastic flow keeps volume (von Mises, the
// Drucker-Prager cone away from its tip, the fluid).
func (s *Solver) MeanStress(st *State) []float64 {
	dd := s.d * s.d
	sum := make([]float64, dd)
	volume := 0.0
	for p := 0; p < st.Len(); p++ {
		for k, t := range s.KirchhoffStress(st, p) {
			sum[k] += t
		}
		f := st.F[p*dd : (p+1)*dd]
		if s.d == 2 {
			volume += det2(mat2(f))
		} else {
			volume += det3(mat3(f))
		}
	}
	for k := range sum {
		sum[k] /= volume
	}
	return sum
}
