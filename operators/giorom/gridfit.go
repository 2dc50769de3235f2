package giorom

import "math"

// minSpreadRatio bounds how thin the cloud of sparse reference positions
// a query sees may be for the reconstruction to fit a displacement
// gradient: the smallest eigenvalue of their weighted covariance must be
// at least this fraction of its trace (and above minSpread, in squared
// grid spacings). Below it (one sparse particle, or nearly collinear
// ones) the gradient along the thin direction is ill-conditioned and
// extrapolating it to the query amplified the fit's error up to 40-fold
// in a review's test; the fit then keeps the weighted mean, Shepard's
// ratio. On the CPU study's water and sand the ratio 0.03 scored as well
// as an absolute bound of 1e-3 spacings^2 or better (relative L2 0.0898
// against 0.0910 at 5% on water), and bounding the query's Mahalanobis
// distance from the cloud instead scored worse (0.096).
const (
	minSpreadRatio = 0.03
	minSpread      = 1e-9
)

// momentChannels is the number of moments each sparse particle splats in
// d dimensions: its weight 1, its reference position g (d, in grid
// spacings from BoxLo), the products g_a g_b for a <= b, its displacement
// u (d) and the products u_a g_b (d^2).
func momentChannels(d int) int { return 1 + d + d*(d+1)/2 + d + d*d }

// fillMoments writes the moments of a sparse particle at grid position g
// with displacement u into row (momentChannels(d) values).
func fillMoments(row, g, u []float64, d int) {
	row[0] = 1
	k := 1
	for a := 0; a < d; a++ {
		row[k] = g[a]
		k++
	}
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			row[k] = g[a] * g[b]
			k++
		}
	}
	for a := 0; a < d; a++ {
		row[k] = u[a]
		k++
	}
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			row[k] = u[a] * g[b]
			k++
		}
	}
}

// localFit is the weighted least-squares linear fit of the sparse
// displacements around a query: the density rho = sum_s w_s, the fitted
// displacement u at the query and its gradient grad[a*d+b] = du_a/dg_b
// (displacement units per grid spacing).
type localFit struct {
	rho  float64
	u    [3]float64
	grad [9]float64
}

// fitMoments fits u(g) = ubar + B (g - gbar) to the moments m (the sums
// sum_s w_s(q) [1, g_s, g_s g_s^T, u_s, u_s g_s^T] looked up at the query
// q, in grid spacings) and evaluates it at q. With C = cov(g) and
// C_ug = cov(u, g) under the weights, B = C_ug C^-1; where the smallest
// eigenvalue of C is below minSpreadRatio tr(C) (or minSpread), B = 0 and
// u = ubar. It reports false
// where the density is at or below densityFloor (no fit).
func fitMoments(m, q []float64, d int) (localFit, bool) {
	f := localFit{rho: m[0]}
	if !(m[0] > densityFloor) {
		return f, false
	}
	inv := 1 / m[0]
	var gbar, ubar [3]float64
	var cov, cug [9]float64
	k := 1
	for a := 0; a < d; a++ {
		gbar[a] = m[k] * inv
		k++
	}
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			cov[a*d+b] = m[k]*inv - gbar[a]*gbar[b]
			cov[b*d+a] = cov[a*d+b]
			k++
		}
	}
	for a := 0; a < d; a++ {
		ubar[a] = m[k] * inv
		k++
	}
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			cug[a*d+b] = m[k]*inv - ubar[a]*gbar[b]
			k++
		}
	}
	f.u = ubar
	trace := 0.0
	for a := 0; a < d; a++ {
		trace += cov[a*d+a]
	}
	if lmin := minEigenSym(cov, d); lmin < minSpread || lmin < minSpreadRatio*trace {
		return f, true
	}
	ci := inverseSym(cov, d)
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			s := 0.0
			for c := 0; c < d; c++ {
				s += cug[a*d+c] * ci[c*d+b]
			}
			f.grad[a*d+b] = s
		}
		for b := 0; b < d; b++ {
			f.u[a] += f.grad[a*d+b] * (q[b] - gbar[b])
		}
	}
	return f, true
}

// minEigenSym is the smallest eigenvalue of the symmetric d x d matrix c
// (d = 2 or 3, row-major), in closed form: the quadratic's root in 2-D,
// the trigonometric solution of the characteristic cubic in 3-D.
func minEigenSym(c [9]float64, d int) float64 {
	if d == 2 {
		m, h := (c[0]+c[3])/2, (c[0]-c[3])/2
		return m - math.Hypot(h, c[1])
	}
	q := (c[0] + c[4] + c[8]) / 3
	off := c[1]*c[1] + c[2]*c[2] + c[5]*c[5]
	p2 := (c[0]-q)*(c[0]-q) + (c[4]-q)*(c[4]-q) + (c[8]-q)*(c[8]-q) + 2*off
	if p2 == 0 {
		return q
	}
	p := math.Sqrt(p2 / 6)
	// B = (C - q I) / p; r = det(B) / 2 in [-1, 1].
	b0, b4, b8 := (c[0]-q)/p, (c[4]-q)/p, (c[8]-q)/p
	b1, b2, b5 := c[1]/p, c[2]/p, c[5]/p
	r := (b0*(b4*b8-b5*b5) - b1*(b1*b8-b5*b2) + b2*(b1*b5-b4*b2)) / 2
	r = math.Max(-1, math.Min(1, r))
	return q + 2*p*math.Cos(math.Acos(r)/3+2*math.Pi/3)
}

// inverseSym inverts the symmetric positive definite d x d matrix c
// (d = 2 or 3) by its adjugate.
func inverseSym(c [9]float64, d int) [9]float64 {
	var o [9]float64
	if d == 2 {
		det := c[0]*c[3] - c[1]*c[1]
		o[0], o[1], o[2], o[3] = c[3]/det, -c[1]/det, -c[1]/det, c[0]/det
		return o
	}
	o[0] = c[4]*c[8] - c[5]*c[7]
	o[1] = c[2]*c[7] - c[1]*c[8]
	o[2] = c[1]*c[5] - c[2]*c[4]
	o[3] = c[5]*c[6] - c[3]*c[8]
	o[4] = c[0]*c[8] - c[2]*c[6]
	o[5] = c[2]*c[3] - c[0]*c[5]
	o[6] = c[3]*c[7] - c[4]*c[6]
	o[7] = c[1]*c[6] - c[0]*c[7]
	o[8] = c[0]*c[4] - c[1]*c[3]
	det := c[0]*o[0] + c[1]*o[3] + c[2]*o[6]
	for k := range o {
		o[k] /= det
	}
	return o
}
