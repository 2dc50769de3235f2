package mpm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// slowlyVarying3 returns a trajectory of deformation gradients as a
// simulation makes them: F <- (I + dt C) F from the identity, C a random
// velocity gradient (rotation rates and stretching) that drifts from step
// to step, over a few strain percent to tens of percent.
func slowlyVarying3(r *tensor.RNG, steps int) []mat3 {
	f := mat3{1, 0, 0, 0, 1, 0, 0, 0, 1}
	var c mat3
	out := make([]mat3, 0, steps)
	for k := 0; k < steps; k++ {
		var grad mat3
		for e := range c {
			c[e] = 0.95*c[e] + 0.05*r.Normal()
			grad[e] = 0.02*c[e] + identity(e/3, e%3)
		}
		f = mul3(grad, f)
		out = append(out, f)
	}
	return out
}

// svdCorotated3 is the fixed-corotated stress of F by the SVD route,
// U diag(tau_i) U^T.
func svdCorotated3(m *model, f mat3) mat3 {
	u, s, _ := svd3(f)
	return symmetricProduct3(u, m.principalStress(s))
}

// stressScale returns a size of the corotated stress of F for relative
// comparisons: mu (|F|^2 + 1) + lambda |J| (|J| + 1).
func stressScale(m *model, f []float64, j float64) float64 {
	f2 := 0.0
	for _, x := range f {
		f2 += x * x
	}
	return m.mu*(f2+1) + m.lambda*math.Abs(j)*(math.Abs(j)+1)
}

// TestPolarNewton3: for det F > 0 Newton's iteration gives a rotation (to
// 1e-12) equal to U V^T of the SVD (to 1e-12, where R is well defined:
// s_2 + s_3 > 1e-3); for det F <= 0 it declines. On a slowly varying
// trajectory, random matrices and the hard cases of the SVD tests.
func TestPolarNewton3(t *testing.T) {
	r := tensor.NewRNG(21)
	fs := append(slowlyVarying3(r, 3000), testMatrices3()...)
	converged, worst := 0, 0.0
	for _, f := range fs {
		rot, ok := polarNewton3(f)
		if det3(f) <= 0 {
			if ok {
				t.Fatalf("F = %v with det %v: polarNewton3 accepted it", f, det3(f))
			}
			continue
		}
		u, s, v := svd3(f)
		if !ok {
			if s[2] > 1e-4*s[0] {
				t.Fatalf("F = %v (singular values %v) did not converge", f, s)
			}
			continue
		}
		converged++
		if orthogonalityError3(rot) > 1e-12 || math.Abs(det3(rot)-1) > 1e-12 {
			t.Fatalf("F = %v: R = %v is not a rotation", f, rot)
		}
		if s[1]+s[2] <= 1e-3 {
			continue
		}
		want := scaledProduct3(u, [3]float64{1, 1, 1}, v)
		for e := range rot {
			worst = math.Max(worst, math.Abs(rot[e]-want[e]))
		}
		if !(worst <= 1e-12) {
			t.Fatalf("F = %v: Newton R %v, SVD R %v", f, rot, want)
		}
	}
	t.Logf("%d of %d matrices converged; largest difference from the SVD's R %.1e", converged, len(fs), worst)
}

// TestCorotatedStressWithoutSVD: the fixed-corotated stress of update3
// (Newton's polar rotation, the SVD only for det F <= 0) and of update2
// (closed-form rotation) equals the SVD route's U diag(tau_i) U^T to
// 1e-12 relative, exactly symmetric, on a slowly varying trajectory and
// on random jumps with reflections, rank-deficient and tiny singular
// values; update leaves F unchanged.
func TestCorotatedStressWithoutSVD(t *testing.T) {
	m := newModel(Material{Kind: Corotated, E: 1e5, Nu: 0.3, Rho: 1000}, 3)
	r := tensor.NewRNG(22)
	worst := 0.0
	for _, f := range append(slowlyVarying3(r, 3000), testMatrices3()...) {
		g := f
		tau, want := m.update3(&g), svdCorotated3(&m, f)
		if g != f {
			t.Fatalf("update3 changed F %v to %v", f, g)
		}
		scale := stressScale(&m, f[:], det3(f))
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				worst = math.Max(worst, math.Abs(tau[3*i+j]-want[3*i+j])/scale)
				if tau[3*i+j] != tau[3*j+i] {
					t.Fatalf("F = %v: stress %v not symmetric", f, tau)
				}
			}
		}
		if !(worst <= 1e-12) {
			t.Fatalf("F = %v: stress %v, SVD route %v", f, tau, want)
		}
	}
	t.Logf("3-D: largest difference %.1e of mu (|F|^2 + 1) + lambda |J| (|J| + 1)", worst)

	m2 := newModel(Material{Kind: Corotated, E: 1e5, Nu: 0.3, Rho: 1000}, 2)
	fs2 := []mat2{{1, 0, 0, 1}, {}, {1, 0, 0, -1}, {0, 1, 1, 0}, {-1, 0, 0, 1}, {1, 2, 2, 4}, {2, 0, 0, 1e-12}, {-3, 0, 0, -3}}
	for k := 0; k < 3000; k++ {
		var f mat2
		for e := range f {
			f[e] = 4*r.Float64() - 2
		}
		fs2 = append(fs2, f)
	}
	worst = 0
	for _, f := range fs2 {
		g := f
		tau := m2.update2(&g)
		u, s, _ := svd2(f)
		want := symmetricProduct2(u, m2.principalStress([3]float64{s[0], s[1]}))
		scale := stressScale(&m2, f[:], det2(f))
		for e := range tau {
			worst = math.Max(worst, math.Abs(tau[e]-want[e])/scale)
		}
		if !(worst <= 1e-12) || tau[1] != tau[2] || g != f {
			t.Fatalf("F = %v: stress %v, SVD route %v", f, tau, want)
		}
	}
	t.Logf("2-D: largest difference %.1e", worst)
}
