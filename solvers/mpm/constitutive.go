package mpm

import "math"

// minStretch bounds the singular values below before the logarithm of
// the Hencky models, so that an inverted or crushed particle gets a large
// finite strain instead of NaN.
const minStretch = 1e-6

// model is a Material prepared for one dimension: Lame parameters and the
// constants of its return mapping.
type model struct {
	kind       Kind
	dim        int
	mu, lambda float64
	bulk       float64
	gamma      float64
	// alpha is the Drucker-Prager cone slope sqrt(2/3) 2 sin(phi) / (3 - sin(phi)).
	alpha float64
	// devYield is |dev tau|_F at the von Mises yield surface,
	// sqrt((d - 1) / d) sigma_Y.
	devYield float64
}

func newModel(m Material, dim int) model {
	mu, lambda := m.Lame()
	md := model{kind: m.Kind, dim: dim, mu: mu, lambda: lambda, bulk: m.Bulk, gamma: m.gamma()}
	sinPhi := math.Sin(m.FrictionAngle * math.Pi / 180)
	md.alpha = math.Sqrt(2.0/3) * 2 * sinPhi / (3 - sinPhi)
	md.devYield = math.Sqrt(float64(dim-1)/float64(dim)) * m.YieldStress
	return md
}

// fluidStress returns the diagonal Kirchhoff stress -J p(J) of the Tait
// equation of state p(J) = (K / gamma) (J^-gamma - 1).
func (m *model) fluidStress(j float64) float64 {
	return -(m.bulk / m.gamma) * (math.Pow(j, 1-m.gamma) - j)
}

// plastic reports whether the model has a return mapping.
func (m *model) plastic() bool { return m.kind == Sand || m.kind == Plasticine }

// henckyStrain returns log(max(s_i, minStretch)) for the first dim
// entries and their trace.
func (m *model) henckyStrain(s [3]float64) (eps [3]float64, trace float64) {
	for i := 0; i < m.dim; i++ {
		eps[i] = math.Log(math.Max(s[i], minStretch))
		trace += eps[i]
	}
	return eps, trace
}

// deviator returns eps - tr(eps)/d I and its Frobenius norm.
func (m *model) deviator(eps [3]float64, trace float64) (dev [3]float64, norm float64) {
	mean := trace / float64(m.dim)
	for i := 0; i < m.dim; i++ {
		dev[i] = eps[i] - mean
		norm += dev[i] * dev[i]
	}
	return dev, math.Sqrt(norm)
}

// project applies the return mapping to the singular values s of the
// trial F, in Hencky strain eps = log s; it reports whether s changed.
//
// Sand (Klar et al., 2016): with tr eps > 0 the particle is in tension
// and returns to the cone's tip, s = 1. Otherwise
// dgamma = |dev eps| + (d lambda + 2 mu) / (2 mu) tr(eps) alpha; a
// positive dgamma moves eps to eps - dgamma dev eps / |dev eps|, onto
// |dev tau| + alpha tr tau = 0.
//
// Plasticine: dgamma = |dev eps| - devYield / (2 mu); a positive dgamma
// shrinks the deviator by it, so |dev tau| = 2 mu |dev eps| = devYield.
func (m *model) project(s *[3]float64) bool {
	eps, trace := m.henckyStrain(*s)
	if m.kind == Sand && trace > 0 {
		for i := 0; i < m.dim; i++ {
			s[i] = 1
		}
		return true
	}
	dev, norm := m.deviator(eps, trace)
	if norm == 0 {
		return false
	}
	var dgamma float64
	if m.kind == Sand {
		dgamma = norm + (float64(m.dim)*m.lambda+2*m.mu)/(2*m.mu)*trace*m.alpha
	} else {
		dgamma = norm - m.devYield/(2*m.mu)
	}
	if dgamma <= 0 {
		return false
	}
	for i := 0; i < m.dim; i++ {
		s[i] = math.Exp(eps[i] - dgamma*dev[i]/norm)
	}
	return true
}

// principalStress returns the principal Kirchhoff stresses tau_i of the
// singular values s (tau = U diag(tau_i) U^T):
//
//	corotated:   tau_i = 2 mu (s_i - 1) s_i + lambda (J - 1) J
//	neo-Hookean: tau_i = mu (s_i^2 - 1) + lambda log J
//	Hencky:      tau_i = 2 mu eps_i + lambda tr(eps),  eps = log s
func (m *model) principalStress(s [3]float64) (tau [3]float64) {
	switch m.kind {
	case Corotated, NeoHookean:
		j := 1.0
		for i := 0; i < m.dim; i++ {
			j *= s[i]
		}
		for i := 0; i < m.dim; i++ {
			if m.kind == Corotated {
				tau[i] = 2*m.mu*(s[i]-1)*s[i] + m.lambda*(j-1)*j
			} else {
				tau[i] = m.mu*(s[i]*s[i]-1) + m.lambda*math.Log(j)
			}
		}
	default:
		eps, trace := m.henckyStrain(s)
		for i := 0; i < m.dim; i++ {
			tau[i] = 2*m.mu*eps[i] + m.lambda*trace
		}
	}
	return tau
}

// update2 applies the model to the trial deformation gradient f (2-D):
// it stores the admissible F back into f and returns the Kirchhoff
// stress.
func (m *model) update2(f *mat2) mat2 {
	switch m.kind {
	case Fluid:
		j := det2(*f)
		r := math.Sqrt(j)
		*f = mat2{r, 0, 0, r}
		t := m.fluidStress(j)
		return mat2{t, 0, 0, t}
	case NeoHookean:
		return m.neoHookean2(*f)
	case Corotated:
		return m.corotatedStress2(*f)
	}
	u, s2, v := svd2(*f)
	s := [3]float64{s2[0], s2[1]}
	if m.plastic() && m.project(&s) {
		*f = scaledProduct2(u, [2]float64{s[0], s[1]}, v)
	}
	tau := m.principalStress(s)
	return symmetricProduct2(u, tau)
}

// update3 is update2 in 3-D.
func (m *model) update3(f *mat3) mat3 {
	switch m.kind {
	case Fluid:
		j := det3(*f)
		r := math.Cbrt(j)
		*f = mat3{r, 0, 0, 0, r, 0, 0, 0, r}
		t := m.fluidStress(j)
		return mat3{t, 0, 0, 0, t, 0, 0, 0, t}
	case NeoHookean:
		return m.neoHookean3(*f)
	case Corotated:
		if tau, ok := m.corotatedStress3(*f); ok {
			return tau
		}
	}
	u, s, v := svd3(*f)
	if m.plastic() && m.project(&s) {
		*f = scaledProduct3(u, s, v)
	}
	tau := m.principalStress(s)
	return symmetricProduct3(u, tau)
}

// neoHookean2 returns mu (F F^T - I) + lambda log(J) I without an SVD.
func (m *model) neoHookean2(f mat2) mat2 {
	l := m.lambda * math.Log(det2(f))
	xy := m.mu * (f[0]*f[2] + f[1]*f[3])
	return mat2{
		m.mu*(f[0]*f[0]+f[1]*f[1]-1) + l, xy,
		xy, m.mu*(f[2]*f[2]+f[3]*f[3]-1) + l,
	}
}

// neoHookean3 returns mu (F F^T - I) + lambda log(J) I without an SVD.
func (m *model) neoHookean3(f mat3) mat3 {
	l := m.lambda * math.Log(det3(f))
	var t mat3
	for i := 0; i < 3; i++ {
		for j := i; j < 3; j++ {
			e := m.mu * (f[3*i]*f[3*j] + f[3*i+1]*f[3*j+1] + f[3*i+2]*f[3*j+2])
			if i == j {
				e += l - m.mu
			}
			t[3*i+j], t[3*j+i] = e, e
		}
	}
	return t
}

// symmetricProduct2 returns U diag(t) U^T, exactly symmetric.
func symmetricProduct2(u mat2, t [3]float64) mat2 {
	xy := u[0]*t[0]*u[2] + u[1]*t[1]*u[3]
	return mat2{u[0]*t[0]*u[0] + u[1]*t[1]*u[1], xy, xy, u[2]*t[0]*u[2] + u[3]*t[1]*u[3]}
}

// symmetricProduct3 returns U diag(t) U^T, exactly symmetric.
func symmetricProduct3(u mat3, t [3]float64) mat3 {
	var m mat3
	for i := 0; i < 3; i++ {
		for j := i; j < 3; j++ {
			e := u[3*i]*t[0]*u[3*j] + u[3*i+1]*t[1]*u[3*j+1] + u[3*i+2]*t[2]*u[3*j+2]
			m[3*i+j], m[3*j+i] = e, e
		}
	}
	return m
}
