package mpm

import "math"

// polarNewton3 returns the rotation R of the polar decomposition F = R S
// for det F > 0 by Newton's iteration X <- (X + X^-T) / 2 from X = F
// (Higham, 1986). In the SVD X = U diag(s) V^T it maps every s_i to
// (s_i + 1/s_i) / 2 and keeps U and V, so it converges to R = U V^T,
// quadratically: an s_i = 1 + e becomes 1 + e^2/2, and strains of 10%
// take four iterations. It stops after the first iteration that moved X
// by less than 1e-8 (Frobenius), whose result is then within about
// 1e-16 of R. It reports false, for the caller to use the SVD, when
// det F <= 0 (the signed SVD's R is then not F's orthogonal polar factor)
// or when 20 iterations did not converge (singular values outside about
// [1e-5, 1e5]).
func polarNewton3(f mat3) (r mat3, ok bool) {
	x := f
	for it := 0; it < 20; it++ {
		cof := cofactor3(x)
		det := x[0]*cof[0] + x[1]*cof[1] + x[2]*cof[2]
		if !(det > 0) {
			return r, false
		}
		half := 0.5 / det
		moved := 0.0
		for e := range x {
			next := 0.5*x[e] + half*cof[e]
			moved += (next - x[e]) * (next - x[e])
			x[e] = next
		}
		if moved < 1e-16 {
			return x, true
		}
	}
	return r, false
}

// cofactor3 returns the cofactor matrix of m, det(m) m^-T.
func cofactor3(m mat3) mat3 {
	return mat3{
		m[4]*m[8] - m[5]*m[7], m[5]*m[6] - m[3]*m[8], m[3]*m[7] - m[4]*m[6],
		m[2]*m[7] - m[1]*m[8], m[0]*m[8] - m[2]*m[6], m[1]*m[6] - m[0]*m[7],
		m[1]*m[5] - m[2]*m[4], m[2]*m[3] - m[0]*m[5], m[0]*m[4] - m[1]*m[3],
	}
}

// corotatedStress3 returns the fixed-corotated Kirchhoff stress
// tau = 2 mu (F - R) F^T + lambda (J - 1) J I from F's polar rotation R,
// without an SVD, made exactly symmetric by averaging (F - R) F^T with
// its transpose; false when polarNewton3 gives no R.
func (m *model) corotatedStress3(f mat3) (tau mat3, ok bool) {
	r, ok := polarNewton3(f)
	if !ok {
		return tau, false
	}
	var d mat3 // F - R
	for e := range d {
		d[e] = f[e] - r[e]
	}
	j := det3(f)
	pressure := m.lambda * (j - 1) * j
	for i := 0; i < 3; i++ {
		for k := i; k < 3; k++ {
			// mu ((F - R) F^T + F (F - R)^T)_ik
			e := m.mu * (d[3*i]*f[3*k] + d[3*i+1]*f[3*k+1] + d[3*i+2]*f[3*k+2] +
				f[3*i]*d[3*k] + f[3*i+1]*d[3*k+1] + f[3*i+2]*d[3*k+2])
			if i == k {
				e += pressure
			}
			tau[3*i+k], tau[3*k+i] = e, e
		}
	}
	return tau, true
}

// corotatedStress2 is corotatedStress3 in 2-D, where the rotation of the
// signed SVD is closed-form: F = q R(alpha) + r Refl(beta) (see svd2)
// gives R = U V^T = R(alpha), (cos alpha, sin alpha) = (e, h) / q with
// e = (F_00 + F_11)/2, h = (F_10 - F_01)/2, for any F (R = I when q = 0,
// as svd2 has it).
func (m *model) corotatedStress2(f mat2) mat2 {
	e, h := (f[0]+f[3])/2, (f[2]-f[1])/2
	r := mat2{1, 0, 0, 1}
	if q := math.Sqrt(e*e + h*h); q > 0 {
		c, s := e/q, h/q
		r = mat2{c, -s, s, c}
	}
	d := mat2{f[0] - r[0], f[1] - r[1], f[2] - r[2], f[3] - r[3]}
	j := det2(f)
	pressure := m.lambda * (j - 1) * j
	xy := m.mu * (d[0]*f[2] + d[1]*f[3] + f[0]*d[2] + f[1]*d[3])
	return mat2{
		2*m.mu*(d[0]*f[0]+d[1]*f[1]) + pressure, xy,
		xy, 2*m.mu*(d[2]*f[2]+d[3]*f[3]) + pressure,
	}
}
