package mpm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// testMatrices3 returns random 3 x 3 matrices (entries in [-2, 2], some
// reflections) and hard cases: zero, rank 1 and 2, repeated and tiny
// singular values, exact reflections, near-identity.
func testMatrices3() []mat3 {
	ms := []mat3{
		{1, 0, 0, 0, 1, 0, 0, 0, 1},
		{},
		{1, 0, 0, 0, 1, 0, 0, 0, -1},
		{-1, 0, 0, 0, -1, 0, 0, 0, -1},
		{0, 1, 0, 1, 0, 0, 0, 0, 1},            // a swap: det -1
		{1, 2, 3, 2, 4, 6, 3, 6, 9},            // rank 1
		{1, 2, 3, 4, 5, 6, 7, 8, 9},            // rank 2
		{2, 0, 0, 0, 2, 0, 0, 0, 1e-9},         // tiny singular value
		{1 + 1e-9, 1e-10, 0, 0, 1, 0, 0, 0, 1}, // near identity
		{3, 0, 0, 0, 3, 0, 0, 0, 3},            // repeated
	}
	r := tensor.NewRNG(7)
	for k := 0; k < 2000; k++ {
		var m mat3
		for e := range m {
			m[e] = 4*r.Float64() - 2
		}
		if k%3 == 0 { // a deformation near the identity, as in a simulation
			for e := range m {
				m[e] = 0.2*m[e] + identity(e/3, e%3)
			}
		}
		ms = append(ms, m)
	}
	return ms
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, x := range a {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// orthogonalityError3 returns max |Q^T Q - I|.
func orthogonalityError3(q mat3) float64 {
	e := 0.0
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			dot := q[i]*q[j] + q[3+i]*q[3+j] + q[6+i]*q[6+j]
			e = math.Max(e, math.Abs(dot-identity(i, j)))
		}
	}
	return e
}

// TestSVD3 checks F = U diag(s) V^T to 1e-12, U and V rotations to 1e-12,
// s sorted with the sign of det F on the last one.
func TestSVD3(t *testing.T) {
	worst := [3]float64{}
	for _, f := range testMatrices3() {
		u, s, v := svd3(f)
		back := scaledProduct3(u, s, v)
		var diff mat3
		for e := range f {
			diff[e] = back[e] - f[e]
		}
		rec, ou, ov := maxAbs(diff[:]), orthogonalityError3(u), orthogonalityError3(v)
		worst = [3]float64{math.Max(worst[0], rec), math.Max(worst[1], ou), math.Max(worst[2], ov)}
		if rec > 1e-12 || ou > 1e-12 || ov > 1e-12 {
			t.Fatalf("F = %v: reconstruction error %.2e, U orthogonality %.2e, V %.2e", f, rec, ou, ov)
		}
		if math.Abs(det3(u)-1) > 1e-12 || math.Abs(det3(v)-1) > 1e-12 {
			t.Fatalf("F = %v: det U = %v, det V = %v, want rotations", f, det3(u), det3(v))
		}
		if !(s[0] >= s[1] && s[1] >= math.Abs(s[2])-1e-15) {
			t.Fatalf("F = %v: singular values %v not sorted", f, s)
		}
		if d := det3(f); math.Abs(d) > 1e-9 && (d < 0) != (s[2] < 0) {
			t.Fatalf("F = %v: det %v but last singular value %v", f, d, s[2])
		}
	}
	t.Logf("3x3 SVD worst: reconstruction %.2e, U orthogonality %.2e, V %.2e", worst[0], worst[1], worst[2])
}

// TestSVD2 checks the closed-form 2 x 2 SVD the same way.
func TestSVD2(t *testing.T) {
	ms := []mat2{{1, 0, 0, 1}, {}, {1, 0, 0, -1}, {0, 1, 1, 0}, {1, 2, 2, 4}, {2, 0, 0, 1e-12}, {-3, 0, 0, -3}}
	r := tensor.NewRNG(8)
	for k := 0; k < 2000; k++ {
		var m mat2
		for e := range m {
			m[e] = 4*r.Float64() - 2
		}
		ms = append(ms, m)
	}
	for _, f := range ms {
		u, s, v := svd2(f)
		back := scaledProduct2(u, s, v)
		rec := 0.0
		for e := range f {
			rec = math.Max(rec, math.Abs(back[e]-f[e]))
		}
		utu, vtv := mul2(mat2{u[0], u[2], u[1], u[3]}, u), mul2(mat2{v[0], v[2], v[1], v[3]}, v)
		orth := math.Max(maxAbs([]float64{utu[0] - 1, utu[1], utu[2], utu[3] - 1}), maxAbs([]float64{vtv[0] - 1, vtv[1], vtv[2], vtv[3] - 1}))
		if rec > 1e-12 || orth > 1e-12 || math.Abs(det2(u)-1) > 1e-12 || math.Abs(det2(v)-1) > 1e-12 {
			t.Fatalf("F = %v: reconstruction %.2e, orthogonality %.2e, det U %v, det V %v", f, rec, orth, det2(u), det2(v))
		}
		if !(s[0] >= math.Abs(s[1])) || (det2(f) < -1e-12) != (s[1] < 0) {
			t.Fatalf("F = %v: singular values %v (det %v)", f, s, det2(f))
		}
	}
}

// TestPolar checks F = R S with R a rotation and S symmetric.
func TestPolar(t *testing.T) {
	for _, f := range testMatrices3() {
		r, s := polar3(f)
		back := mul3(r, s)
		for e := range f {
			if math.Abs(back[e]-f[e]) > 1e-12 {
				t.Fatalf("F = %v: R S = %v", f, back)
			}
		}
		if orthogonalityError3(r) > 1e-12 || math.Abs(det3(r)-1) > 1e-12 {
			t.Fatalf("F = %v: R = %v is not a rotation", f, r)
		}
		if math.Abs(s[1]-s[3]) > 1e-14 || math.Abs(s[2]-s[6]) > 1e-14 || math.Abs(s[5]-s[7]) > 1e-14 {
			t.Fatalf("F = %v: S = %v not symmetric", f, s)
		}
	}
	f := mat2{1.2, 0.3, -0.4, 0.9}
	r, s := polar2(f)
	back := mul2(r, s)
	for e := range f {
		if math.Abs(back[e]-f[e]) > 1e-14 || math.Abs(s[1]-s[2]) > 1e-14 {
			t.Fatalf("2-D polar: R S = %v, S = %v", back, s)
		}
	}
}
