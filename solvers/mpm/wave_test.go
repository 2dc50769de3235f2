package mpm

import (
	"math"
	"testing"
)

// barPeriod excites the fundamental longitudinal mode of a free-free bar
// of length 0.5 along x (velocity A cos(pi xi / l), xi from its left end)
// with Poisson ratio 0, so that its wave speed is sqrt(E / rho) whatever
// its cross-section, and returns the measured period of the mode, the
// period 2 l / sqrt(E / rho) of the continuum, and the particle count.
// The mode's amplitude a(t) = sum v_x cos(pi xi_0 / l) over the particles
// crosses zero at (k + 1/2) T/2; a least-squares line through the
// crossing times gives T.
func barPeriod(t *testing.T, dim, cells int, kind Kind) (measured, exact float64, particles int) {
	t.Helper()
	const length, e, rho, amplitude = 0.5, 1e4, 1.0, 0.05
	half := [3]float64{length / 2, 2 / float64(cells), 2 / float64(cells)}
	bar := Body{Parts: []Part{{Shape: Box, Center: [3]float64{0.5, 0.5, 0.5}, Half: half}}}
	p := Params{Dim: dim, Cells: cells, Length: 1, Wall: NoWall, MaxSpeed: amplitude,
		Material: Material{Kind: kind, E: e, Nu: 0, Rho: rho}, Scene: Scene{Bodies: []Body{bar}}}
	p.Dt = p.MaxStableDt()
	st, err := p.Sample(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	k := math.Pi / length
	shape := make([]float64, st.Len())
	for i := range shape {
		xi := st.X[i*dim] - (0.5 - length/2)
		shape[i] = math.Cos(k * xi)
		st.V[i*dim] = amplitude * shape[i]
		st.C[i*dim*dim] = -amplitude * k * math.Sin(k*xi) // dv_x/dx
	}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	exact = 2 * length / math.Sqrt(e/rho)
	modal := func() float64 {
		a := 0.0
		for i, w := range shape {
			a += w * st.V[i*dim]
		}
		return a
	}
	var crossings []float64
	prev := modal()
	for n := 1; float64(n)*p.Dt < 2.6*exact; n++ {
		s.Step(st)
		a := modal()
		if (a < 0) != (prev < 0) {
			crossings = append(crossings, (float64(n-1)+prev/(prev-a))*p.Dt)
		}
		prev = a
	}
	return 2 * slope(crossings), exact, st.Len()
}

// slope returns the least-squares slope of y against its index.
func slope(y []float64) float64 {
	n := float64(len(y))
	var sx, sy, sxx, sxy float64
	for i, v := range y {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+v, sxx+x*x, sxy+x*v
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestBarWaveSpeed: the fundamental mode of an elastic bar 64 cells long
// (2-D, dx = 1/128, 4 cells thick, 4 particles per cell; 3-D, dx = 1/64,
// 32 cells long, 4 x 4 cells, 8 per cell) oscillates with the period of
// the wave speed sqrt(E / rho) within 2%.
func TestBarWaveSpeed(t *testing.T) {
	cases := []struct {
		dim, cells int
		kind       Kind
	}{{2, 128, Corotated}, {2, 128, NeoHookean}, {3, 64, Corotated}}
	for _, c := range cases {
		measured, exact, n := barPeriod(t, c.dim, c.cells, c.kind)
		speedErr := exact/measured - 1
		t.Logf("%d-D %s bar, %d particles: period %.6g, continuum %.6g: wave speed error %+.2f%%", c.dim, c.kind, n, measured, exact, 100*speedErr)
		if math.Abs(speedErr) > 0.02 {
			t.Errorf("%d-D %s: wave speed off by %.2f%%", c.dim, c.kind, 100*speedErr)
		}
	}
}
