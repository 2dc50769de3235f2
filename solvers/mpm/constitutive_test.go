package mpm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// randomRotation3 returns the rotation U of the SVD of a random matrix.
func randomRotation3(r *tensor.RNG) mat3 {
	var m mat3
	for e := range m {
		m[e] = r.Normal()
	}
	u, _, _ := svd3(m)
	return u
}

// deviatorNorm returns |tau - tr(tau)/d I|_F and tr(tau) of a d x d matrix.
func deviatorNorm(tau []float64, d int) (norm, trace float64) {
	for i := 0; i < d; i++ {
		trace += tau[i*d+i]
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			e := tau[i*d+j]
			if i == j {
				e -= trace / float64(d)
			}
			norm += e * e
		}
	}
	return math.Sqrt(norm), trace
}

// trialF returns U diag(exp(eps)) V^T for random rotations U, V (2-D: the
// leading 2 x 2 of rotations about z).
func trialF(r *tensor.RNG, eps [3]float64, d int) []float64 {
	if d == 2 {
		u, v := rotation2(2*math.Pi*r.Float64()), rotation2(2*math.Pi*r.Float64())
		f := scaledProduct2(u, [2]float64{math.Exp(eps[0]), math.Exp(eps[1])}, v)
		return f[:]
	}
	s := [3]float64{math.Exp(eps[0]), math.Exp(eps[1]), math.Exp(eps[2])}
	f := scaledProduct3(randomRotation3(r), s, randomRotation3(r))
	return f[:]
}

// update runs the model's constitutive update on f (in place) and
// returns the Kirchhoff stress.
func update(m *model, f []float64) []float64 {
	if m.dim == 2 {
		g := mat2(f)
		tau := m.update2(&g)
		copy(f, g[:])
		return tau[:]
	}
	g := mat3(f)
	tau := m.update3(&g)
	copy(f, g[:])
	return tau[:]
}

// TestDruckerPragerReturnMapping: for random compressive strains outside
// the cone, the projected stress lies on |dev tau| + alpha tr tau = 0 (to
// 1e-10 of |tau|) and keeps its volume strain; tensile strains go to the
// tip (tau = 0, F a rotation); strains inside the cone are unchanged.
func TestDruckerPragerReturnMapping(t *testing.T) {
	r := tensor.NewRNG(3)
	for _, d := range []int{2, 3} {
		m := newModel(Material{Kind: Sand, E: 1e6, Nu: 0.2, Rho: 1, FrictionAngle: 25}, d)
		onCone, worst := 0, 0.0
		for k := 0; k < 500; k++ {
			var eps [3]float64
			for i := 0; i < d; i++ {
				eps[i] = 0.2 * (2*r.Float64() - 1)
			}
			f := trialF(r, eps, d)
			before := append([]float64(nil), f...)
			_, traceBefore := m.henckyStrain(sigmaOf(f, d))
			tau := update(&m, f)
			dev, tr := deviatorNorm(tau, d)
			scale := maxAbs(tau) + 1
			yield := dev + m.alpha*tr
			_, traceAfter := m.henckyStrain(sigmaOf(f, d))
			switch {
			case traceBefore > 0:
				if maxAbs(tau) > 1e-9 || math.Abs(math.Abs(detN(f, d))-1) > 1e-12 {
					t.Fatalf("%d-D tension eps %v: tau %v, det F %v; want the tip", d, eps, tau, detN(f, d))
				}
			case equal(before, f):
				if yield > 1e-10*scale {
					t.Fatalf("%d-D eps %v: unchanged but outside the cone, yield %v", d, eps, yield)
				}
			default:
				onCone++
				worst = math.Max(worst, math.Abs(yield)/scale)
				if math.Abs(yield) > 1e-10*scale || math.Abs(traceAfter-traceBefore) > 1e-12 {
					t.Fatalf("%d-D eps %v: projected yield %.3g (|tau| %.3g), trace %v -> %v", d, eps, yield, scale, traceBefore, traceAfter)
				}
			}
		}
		t.Logf("%d-D: %d of 500 strains projected onto the cone, worst |yield|/|tau| %.1e", d, onCone, worst)
		if onCone < 50 {
			t.Errorf("%d-D: only %d strains reached the cone", d, onCone)
		}
	}
}

// TestVonMisesReturnMapping: strains beyond yield are projected so that
// sqrt(d/(d-1)) |dev tau| equals the yield stress to 1e-10 (relative)
// with the volume strain kept; strains inside are unchanged.
func TestVonMisesReturnMapping(t *testing.T) {
	r := tensor.NewRNG(4)
	const yieldStress = 3e3
	for _, d := range []int{2, 3} {
		m := newModel(Material{Kind: Plasticine, E: 1e5, Nu: 0.3, Rho: 1, YieldStress: yieldStress}, d)
		factor := math.Sqrt(float64(d) / float64(d-1))
		projected := 0
		for k := 0; k < 500; k++ {
			var eps [3]float64
			for i := 0; i < d; i++ {
				eps[i] = 0.06 * (2*r.Float64() - 1)
			}
			f := trialF(r, eps, d)
			before := append([]float64(nil), f...)
			_, traceBefore := m.henckyStrain(sigmaOf(f, d))
			tau := update(&m, f)
			dev, _ := deviatorNorm(tau, d)
			_, traceAfter := m.henckyStrain(sigmaOf(f, d))
			if equal(before, f) {
				if factor*dev > yieldStress*(1+1e-12) {
					t.Fatalf("%d-D eps %v: unchanged at equivalent stress %v > %v", d, eps, factor*dev, yieldStress)
				}
				continue
			}
			projected++
			if math.Abs(factor*dev-yieldStress) > 1e-10*yieldStress || math.Abs(traceAfter-traceBefore) > 1e-12 {
				t.Fatalf("%d-D eps %v: projected equivalent stress %.12g, want %g; trace %v -> %v", d, eps, factor*dev, yieldStress, traceBefore, traceAfter)
			}
		}
		t.Logf("%d-D: %d of 500 strains projected", d, projected)
		if projected < 50 || projected > 450 {
			t.Errorf("%d-D: %d of 500 strains projected, want a mix", d, projected)
		}
	}
}

// TestSmallStrainStress: every elastic law reduces to linear elasticity,
// tau = 2 mu eps + lambda tr(eps) I, at strain 1e-6 (to 1e-5 relative),
// and the fluid to -K tr(eps).
func TestSmallStrainStress(t *testing.T) {
	const h = 1e-6
	eps := [3]float64{-h, -0.5 * h, -0.75 * h} // compressive: inside the sand cone
	for _, mat := range materials() {
		for _, d := range []int{2, 3} {
			m := newModel(mat, d)
			f := make([]float64, d*d)
			trace := 0.0
			for i := 0; i < d; i++ {
				f[i*d+i] = 1 + eps[i]
				trace += eps[i]
			}
			tau := update(&m, f)
			for i := 0; i < d; i++ {
				want := 2*m.mu*eps[i] + m.lambda*trace
				if mat.Kind == Fluid {
					want = mat.Bulk * trace
				}
				if got := tau[i*d+i]; math.Abs(got-want) > 1e-5*math.Abs(want) {
					t.Errorf("%d-D %s: tau_%d%d = %.8g, linear elasticity %.8g", d, mat.Kind, i, i, got, want)
				}
			}
		}
	}
}

// sigmaOf returns the singular values of a d x d matrix.
func sigmaOf(f []float64, d int) [3]float64 {
	if d == 2 {
		_, s, _ := svd2(mat2(f))
		return [3]float64{s[0], s[1], 1}
	}
	_, s, _ := svd3(mat3(f))
	return s
}

func detN(f []float64, d int) float64 {
	if d == 2 {
		return det2(mat2(f))
	}
	return det3(mat3(f))
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
