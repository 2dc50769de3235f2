package mpm

// scatter2 adds particle p's mass and APIC/MLS momentum to its 3 x 3
// stencil (2-D):
//
//	m_i  += w_ip m_p
//	mv_i += w_ip (m_p v_p + A_p (x_i - x_p)),  A_p = m_p C_p - dt V0 (4/dx^2) tau_p
func (s *Solver) scatter2(st *State, p int) {
	bx, fx, wx := stencilAxis(st.X[2*p] * s.inv)
	by, fy, wy := stencilAxis(st.X[2*p+1] * s.inv)

	m := s.mass
	k := s.stressScale
	c := (*[4]float64)(st.C[4*p:])
	tau := (*[4]float64)(s.stress[4*p:])
	a00, a01 := m*c[0]+k*tau[0], m*c[1]+k*tau[1]
	a10, a11 := m*c[2]+k*tau[2], m*c[3]+k*tau[3]
	mvx, mvy := m*st.V[2*p], m*st.V[2*p+1]

	for i := 0; i < 3; i++ {
		dxi := (float64(i) - fx) * s.dx
		row := (bx + i) * s.nodes
		for j := 0; j < 3; j++ {
			dyj := (float64(j) - fy) * s.dx
			w := wx[i] * wy[j]
			node := (*[3]float64)(s.grid[3*(row+by+j):])
			node[0] += w * m
			node[1] += w * (mvx + a00*dxi + a01*dyj)
			node[2] += w * (mvy + a10*dxi + a11*dyj)
		}
	}
}

// gather2 reads particle p's velocity and affine matrix from the grid
// (2-D), moves it, updates F and its stress:
//
//	v_p = sum w_ip v_i,  C_p = (4/dx^2) sum w_ip v_i (x_i - x_p)^T,
//	x_p += dt v_p,  F_p <- (I + dt C_p) F_p, then the return mapping.
func (s *Solver) gather2(st *State, p int) {
	bx, fx, wx := stencilAxis(st.X[2*p] * s.inv)
	by, fy, wy := stencilAxis(st.X[2*p+1] * s.inv)

	var vx, vy, b00, b01, b10, b11 float64
	for i := 0; i < 3; i++ {
		dxi := (float64(i) - fx) * s.dx
		row := (bx + i) * s.nodes
		for j := 0; j < 3; j++ {
			dyj := (float64(j) - fy) * s.dx
			w := wx[i] * wy[j]
			node := (*[3]float64)(s.grid[3*(row+by+j):])
			wvx, wvy := w*node[1], w*node[2]
			vx += wvx
			vy += wvy
			b00 += wvx * dxi
			b01 += wvx * dyj
			b10 += wvy * dxi
			b11 += wvy * dyj
		}
	}
	scale := 4 * s.inv * s.inv
	c := (*[4]float64)(st.C[4*p:])
	*c = [4]float64{scale * b00, scale * b01, scale * b10, scale * b11}
	st.V[2*p], st.V[2*p+1] = vx, vy
	dt := s.p.Dt
	st.X[2*p] = s.clampPosition(st.X[2*p] + dt*vx)
	st.X[2*p+1] = s.clampPosition(st.X[2*p+1] + dt*vy)

	f := (*[4]float64)(st.F[4*p:])
	grad := mat2{1 + dt*c[0], dt * c[1], dt * c[2], 1 + dt*c[3]}
	*f = mul2(grad, *f)
	*(*[4]float64)(s.stress[4*p:]) = s.model.update2(f)
}
