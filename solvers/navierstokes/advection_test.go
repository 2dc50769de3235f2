package navierstokes

import (
	"math"
	"testing"
)

// TestAdvectionAgainstPhysicalSpace: for psi = sin x sin 2y + cos 3x on
// [0, 2 pi)^2 (x along rows, y along columns), w = -Lap psi, u = psi_y,
// v = -psi_x, the advection term u w_x + v w_y computed spectrally equals
// the product of the exact fields (all its modes are below the 2/3
// cutoff at N = 32). The Taylor-Green and laminar Kolmogorov flows have no
// advection, so this is the test of the velocity's signs.
func TestAdvectionAgainstPhysicalSpace(t *testing.T) {
	const n = 32
	s, err := New(Params{Nu: 1e-3, Length: 2 * math.Pi, N: n, Dt: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	x := s.p.Grid()
	w := make([]float64, n*n)
	want := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			X, Y := x[i], x[j]
			u := 2 * math.Sin(X) * math.Cos(2*Y)
			v := -math.Cos(X)*math.Sin(2*Y) + 3*math.Sin(3*X)
			wx := 5*math.Cos(X)*math.Sin(2*Y) - 27*math.Sin(3*X)
			wy := 10 * math.Sin(X) * math.Cos(2*Y)
			w[i*n+j] = 5*math.Sin(X)*math.Sin(2*Y) + 9*math.Cos(3*X)
			want[i*n+j] = u*wx + v*wy
		}
	}
	wh := make([]complex128, n*s.h)
	s.fft.Forward(wh, w)
	dst := make([]complex128, n*s.h)
	s.advection(dst, wh)
	got := make([]float64, n*n)
	s.fft.Inverse(got, dst)
	worst := 0.0
	for k := range got {
		worst = math.Max(worst, math.Abs(got[k]-want[k]))
	}
	if worst > 1e-10 {
		t.Errorf("advection differs from u w_x + v w_y by up to %.3g", worst)
	}
}
