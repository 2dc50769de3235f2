package mpm

// scatter3 is scatter2 in 3-D, over the 3 x 3 x 3 stencil.
func (s *Solver) scatter3(st *State, p int) {
	x := (*[3]float64)(st.X[3*p:])
	var base [3]int
	var frac [3]float64
	var w [3][3]float64
	for a := 0; a < 3; a++ {
		base[a], frac[a], w[a] = stencilAxis(x[a] * s.inv)
	}
	m := s.mass
	c := (*[9]float64)(st.C[9*p:])
	tau := (*[9]float64)(s.stress[9*p:])
	var aff [9]float64
	for e := range aff {
		aff[e] = m*c[e] + s.stressScale*tau[e]
	}
	v := (*[3]float64)(st.V[3*p:])
	mv := [3]float64{m * v[0], m * v[1], m * v[2]}
	n := s.nodes
	for i := 0; i < 3; i++ {
		di := (float64(i) - frac[0]) * s.dx
		for j := 0; j < 3; j++ {
			dj := (float64(j) - frac[1]) * s.dx
			wij := w[0][i] * w[1][j]
			// Momentum of the affine field at (di, dj, dk): mv + aff (di, dj, 0) + aff[:, 2] dk.
			px := mv[0] + aff[0]*di + aff[1]*dj
			py := mv[1] + aff[3]*di + aff[4]*dj
			pz := mv[2] + aff[6]*di + aff[7]*dj
			row := ((base[0]+i)*n + base[1] + j) * n
			for k := 0; k < 3; k++ {
				dk := (float64(k) - frac[2]) * s.dx
				wt := wij * w[2][k]
				node := (*[4]float64)(s.grid[4*(row+base[2]+k):])
				node[0] += wt * m
				node[1] += wt * (px + aff[2]*dk)
				node[2] += wt * (py + aff[5]*dk)
				node[3] += wt * (pz + aff[8]*dk)
			}
		}
	}
}

// gather3 is gather2 in 3-D.
func (s *Solver) gather3(st *State, p int) {
	x := (*[3]float64)(st.X[3*p:])
	var base [3]int
	var frac [3]float64
	var w [3][3]float64
	for a := 0; a < 3; a++ {
		base[a], frac[a], w[a] = stencilAxis(x[a] * s.inv)
	}
	var vel [3]float64
	var b [9]float64 // sum w v (x_i - x_p)^T
	n := s.nodes
	for i := 0; i < 3; i++ {
		di := (float64(i) - frac[0]) * s.dx
		for j := 0; j < 3; j++ {
			dj := (float64(j) - frac[1]) * s.dx
			wij := w[0][i] * w[1][j]
			row := ((base[0]+i)*n + base[1] + j) * n
			for k := 0; k < 3; k++ {
				dk := (float64(k) - frac[2]) * s.dx
				wt := wij * w[2][k]
				node := (*[4]float64)(s.grid[4*(row+base[2]+k):])
				for a := 0; a < 3; a++ {
					wv := wt * node[1+a]
					vel[a] += wv
					b[3*a] += wv * di
					b[3*a+1] += wv * dj
					b[3*a+2] += wv * dk
				}
			}
		}
	}
	scale := 4 * s.inv * s.inv
	c := (*[9]float64)(st.C[9*p:])
	for e := range c {
		c[e] = scale * b[e]
	}
	*(*[3]float64)(st.V[3*p:]) = vel
	dt := s.p.Dt
	for a := 0; a < 3; a++ {
		x[a] = s.clampPosition(x[a] + dt*vel[a])
	}
	grad := mat3{1 + dt*c[0], dt * c[1], dt * c[2], dt * c[3], 1 + dt*c[4], dt * c[5], dt * c[6], dt * c[7], 1 + dt*c[8]}
	f := (*[9]float64)(st.F[9*p:])
	*f = mul3(grad, *f)
	*(*[9]float64)(s.stress[9*p:]) = s.model.update3(f)
}
