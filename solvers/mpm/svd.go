package mpm

import "math"

// mat2 is a row-major 2 x 2 matrix [a b; c d] = {a, b, c, d}.
type mat2 = [4]float64

// mat3 is a row-major 3 x 3 matrix: entry (i, j) at 3 i + j.
type mat3 = [9]float64

// rotation2 returns the rotation by angle t, [cos -sin; sin cos].
func rotation2(t float64) mat2 {
	s, c := math.Sincos(t)
	return mat2{c, -s, s, c}
}

// svd2 returns F = U diag(s) V^T with U and V rotations and the signed
// singular values s[0] >= |s[1]| (s[1] < 0 exactly when det F < 0), in
// closed form: F splits into a scaled rotation and a scaled reflection,
//
//	F = q R(alpha) + r Refl(beta),  q = |((a+d)/2, (c-b)/2)|,  r = |((a-d)/2, (b+c)/2)|,
//
// and R(phi) diag(s0, s1) R(psi) = (s0+s1)/2 R(phi+psi) + (s0-s1)/2
// Refl(phi-psi), so s = (q+r, q-r), U = R((alpha+beta)/2) and
// V = R(-(alpha-beta)/2).
func svd2(f mat2) (u mat2, s [2]float64, v mat2) {
	e, h := (f[0]+f[3])/2, (f[2]-f[1])/2
	fq, g := (f[0]-f[3])/2, (f[1]+f[2])/2
	q, r := math.Hypot(e, h), math.Hypot(fq, g)
	alpha, beta := math.Atan2(h, e), math.Atan2(g, fq)
	return rotation2((alpha + beta) / 2), [2]float64{q + r, q - r}, rotation2(-(alpha - beta) / 2)
}

// svd3 returns F = U diag(s) V^T with U and V rotations (det +1) and the
// signed singular values s[0] >= s[1] >= |s[2]|, s[2] < 0 exactly when
// det F < 0. It runs one-sided Jacobi (Hestenes): plane rotations V of
// the columns of B = F V, each the Jacobi rotation that zeroes an
// off-diagonal entry of B^T B = V^T (F^T F) V, until the columns are
// orthogonal to rounding; then s_i = |b_i|, u_i = b_i / s_i, and
// u_3 = u_1 x u_2 makes U a rotation (the sign goes to s[2]). Working on
// the columns of F rather than on F^T F keeps small singular values
// accurate.
func svd3(f mat3) (u mat3, s [3]float64, v mat3) {
	b := f
	v = mat3{1, 0, 0, 0, 1, 0, 0, 0, 1}
	var norms [3]float64
	for sweep := 0; sweep < 30; sweep++ {
		norms = [3]float64{columnNorm2(&b, 0), columnNorm2(&b, 1), columnNorm2(&b, 2)}
		rotated := jacobiRotate(&b, &v, &norms, 0, 1)
		rotated = jacobiRotate(&b, &v, &norms, 0, 2) || rotated
		rotated = jacobiRotate(&b, &v, &norms, 1, 2) || rotated
		if !rotated {
			break
		}
	}
	// Sort the columns by decreasing norm; an odd number of swaps makes V
	// a reflection, undone by flipping its last column and B's.
	if sortColumns(&b, &v, norms) {
		for i := 0; i < 3; i++ {
			v[3*i+2], b[3*i+2] = -v[3*i+2], -b[3*i+2]
		}
	}
	u, s = orthonormalColumns(b)
	return u, s, v
}

// jacobiRotate applies to columns p and q of b (and of v) the plane
// rotation that makes them orthogonal, unless they already are to
// rounding (|b_p . b_q| <= 1e-15 |b_p| |b_q|); it reports whether it
// rotated. norms holds the squared column norms |b_j|^2 (computed once
// per sweep) and is updated with the rotation: |b_p|^2 - t gamma and
// |b_q|^2 + t gamma, gamma = b_p . b_q and t the rotation's tangent, so
// that a pair costs one dot product.
func jacobiRotate(b, v *mat3, norms *[3]float64, p, q int) bool {
	gamma := b[p]*b[q] + b[3+p]*b[3+q] + b[6+p]*b[6+q]
	alpha, beta := norms[p], norms[q]
	if gamma == 0 || gamma*gamma <= 1e-30*alpha*beta {
		return false
	}
	zeta := (beta - alpha) / (2 * gamma)
	t := math.Copysign(1, zeta) / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
	c := 1 / math.Sqrt(1+t*t)
	sn := c * t
	rotateColumns(b, p, q, c, sn)
	rotateColumns(v, p, q, c, sn)
	norms[p], norms[q] = alpha-t*gamma, beta+t*gamma
	return true
}

// rotateColumns replaces columns p and q of m by c m_p - s m_q and
// s m_p + c m_q.
func rotateColumns(m *mat3, p, q int, c, s float64) {
	for i := 0; i < 3; i++ {
		mp, mq := m[3*i+p], m[3*i+q]
		m[3*i+p] = c*mp - s*mq
		m[3*i+q] = s*mp + c*mq
	}
}

func columnNorm2(m *mat3, j int) float64 {
	return m[j]*m[j] + m[3+j]*m[3+j] + m[6+j]*m[6+j]
}

func swapColumns(m *mat3, p, q int) {
	for i := 0; i < 3; i++ {
		m[3*i+p], m[3*i+q] = m[3*i+q], m[3*i+p]
	}
}

// sortColumns orders the columns of b by decreasing squared norm (norms),
// permuting v's columns alike; it reports whether it made an odd number
// of swaps (which turns the rotation v into a reflection).
func sortColumns(b, v *mat3, norms [3]float64) (odd bool) {
	for _, pq := range [3][2]int{{0, 1}, {0, 2}, {1, 2}} {
		p, q := pq[0], pq[1]
		if norms[p] < norms[q] {
			swapColumns(b, p, q)
			swapColumns(v, p, q)
			norms[p], norms[q] = norms[q], norms[p]
			odd = !odd
		}
	}
	return odd
}

// orthonormalColumns returns the rotation U and the signed lengths s of
// the mutually orthogonal columns of b, sorted by decreasing length: a
// vanishing column gets any unit vector that completes U.
func orthonormalColumns(b mat3) (u mat3, s [3]float64) {
	col := func(j int) [3]float64 { return [3]float64{b[j], b[3+j], b[6+j]} }
	b0, b1, b2 := col(0), col(1), col(2)
	s[0] = norm3(b0)
	var u0, u1 [3]float64
	if s[0] > 0 {
		u0 = scale3(b0, 1/s[0])
	} else {
		u0 = [3]float64{1, 0, 0}
	}
	s[1] = norm3(b1)
	if s[1] > 1e-300 && s[1] > 1e-15*s[0] {
		u1 = scale3(b1, 1/s[1])
	} else {
		u1 = perpendicular(u0)
		s[1] = dot3(u1, b1)
	}
	u2 := cross3(u0, u1)
	s[2] = dot3(u2, b2)
	for i := 0; i < 3; i++ {
		u[3*i], u[3*i+1], u[3*i+2] = u0[i], u1[i], u2[i]
	}
	return u, s
}

// perpendicular returns a unit vector orthogonal to the unit vector a.
func perpendicular(a [3]float64) [3]float64 {
	// Cross with the axis least aligned with a.
	e := [3]float64{1, 0, 0}
	if math.Abs(a[0]) > math.Abs(a[1]) {
		e = [3]float64{0, 1, 0}
	}
	c := cross3(a, e)
	return scale3(c, 1/norm3(c))
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func norm3(a [3]float64) float64   { return math.Sqrt(dot3(a, a)) }
func scale3(a [3]float64, k float64) [3]float64 {
	return [3]float64{k * a[0], k * a[1], k * a[2]}
}
func cross3(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func det2(m mat2) float64 { return m[0]*m[3] - m[1]*m[2] }

func det3(m mat3) float64 {
	return m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
}

// mul2 returns a b.
func mul2(a, b mat2) mat2 {
	return mat2{a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3], a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3]}
}

// mul3 returns a b.
func mul3(a, b mat3) mat3 {
	var c mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			c[3*i+j] = a[3*i]*b[j] + a[3*i+1]*b[3+j] + a[3*i+2]*b[6+j]
		}
	}
	return c
}

// scaledProduct2 returns U diag(s) W^T.
func scaledProduct2(u mat2, s [2]float64, w mat2) mat2 {
	var m mat2
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			m[2*i+j] = u[2*i]*s[0]*w[2*j] + u[2*i+1]*s[1]*w[2*j+1]
		}
	}
	return m
}

// scaledProduct3 returns U diag(s) W^T.
func scaledProduct3(u mat3, s [3]float64, w mat3) mat3 {
	var m mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			m[3*i+j] = u[3*i]*s[0]*w[3*j] + u[3*i+1]*s[1]*w[3*j+1] + u[3*i+2]*s[2]*w[3*j+2]
		}
	}
	return m
}

// polar2 returns the polar decomposition F = R S: R = U V^T a rotation,
// S = V diag(s) V^T symmetric (indefinite when det F < 0).
func polar2(f mat2) (r, s mat2) {
	u, sig, v := svd2(f)
	return scaledProduct2(u, [2]float64{1, 1}, v), scaledProduct2(v, sig, v)
}

// polar3 returns the polar decomposition F = R S: R = U V^T a rotation,
// S = V diag(s) V^T symmetric (indefinite when det F < 0).
func polar3(f mat3) (r, s mat3) {
	u, sig, v := svd3(f)
	return scaledProduct3(u, [3]float64{1, 1, 1}, v), scaledProduct3(v, sig, v)
}
