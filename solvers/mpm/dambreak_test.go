package mpm

import (
	"math"
	"testing"
)

// Martin & Moyce (1952), "An experimental study of the collapse of liquid
// columns on a rigid horizontal plane", Phil. Trans. R. Soc. A 244, Fig. 3:
// front position Z = x / a against T = t sqrt(2 g / a) for a column of
// height 2a and width a (n^2 = 2), as tabulated in the PySPH project's
// data file. Pairs (T, Z).
var (
	martinMoyceSmall = [][2]float64{ // a = 1.125 in
		{0.849, 1.245}, {1.212, 1.443}, {1.602, 1.884}, {2.283, 2.689}, {2.950, 3.728},
		{3.598, 4.528}, {3.905, 4.999}, {4.592, 5.841}, {4.961, 6.271}, {5.316, 6.717},
	}
	martinMoyceLarge = [][2]float64{ // a = 2.25 in
		{0.832, 1.217}, {1.219, 1.474}, {1.997, 2.292}, {2.547, 2.995}, {3.345, 4.134},
		{4.034, 4.944}, {4.418, 5.881}, {5.091, 6.980}, {5.685, 7.945}, {6.306, 8.966},
		{6.822, 9.986}, {7.439, 10.963}, {8.031, 11.977}, {8.633, 13.005}, {9.237, 13.970},
	}
)

// damBreak2D is a 2-D dam break in Martin & Moyce's geometry: a water
// column of width a and height 2a against the left wall of a tank 10a
// long (slip walls, so that the front runs to Z = 9.5 before it feels the
// far wall), cellsPerA cells per a, 4 particles per cell, a weakly
// compressible fluid (Kirchhoff stress K (J - 1)) whose sound speed c is
// the Ritter front speed 2 sqrt(2 g a) over mach.
type damBreak2D struct {
	cellsPerA int
	mach      float64
}

// damBreakCurve is a front position curve in Martin & Moyce's variables.
type damBreakCurve struct {
	T, Z []float64
	// particles, steps and the largest particle speed over c seen.
	particles, steps int
	peakMach         float64
}

const (
	damBreakA       = 0.1 // column width a (m); Z(T) does not depend on it
	damBreakG       = 9.81
	damBreakTank    = 10.0 // tank length over a
	damBreakRho     = 1000.0
	damBreakEndT    = 6.5  // last T simulated
	damBreakRecordT = 0.05 // T between recorded front positions
)

// params returns the solver parameters and the wall's x position.
func (c damBreak2D) params() (Params, float64) {
	dx := damBreakA / float64(c.cellsPerA)
	cells := int(damBreakTank)*c.cellsPerA + 6
	wall := 3 * dx
	ritter := 2 * math.Sqrt(2*damBreakG*damBreakA)
	sound := ritter / c.mach
	column := Part{Shape: Box, Center: [3]float64{wall + damBreakA/2 + 1e-9, wall + damBreakA + 1e-9}, Half: [3]float64{damBreakA / 2, damBreakA}}
	p := Params{Dim: 2, Cells: cells, Length: float64(cells) * dx, Gravity: []float64{0, -damBreakG},
		ParticlesPerCell: 4, MaxSpeed: ritter,
		Material: Material{Kind: Fluid, Bulk: damBreakRho * sound * sound, Rho: damBreakRho},
		Scene:    Scene{Bodies: []Body{{Parts: []Part{column}}}}}
	p.Dt = p.MaxStableDt()
	return p, wall
}

// run simulates the collapse until T = damBreakEndT or until the front
// is within half a column width of the far wall.
func (c damBreak2D) run(t *testing.T) damBreakCurve {
	t.Helper()
	p, wall := c.params()
	s, st := newSampleSolver(t, p)
	half := p.Spacing() / 2
	front := func() float64 {
		x := 0.0
		for i := 0; i < st.Len(); i++ {
			x = math.Max(x, st.X[2*i])
		}
		return (x + half - wall) / damBreakA
	}
	timeScale := math.Sqrt(2 * damBreakG / damBreakA) // T = t timeScale
	sound := p.Material.SoundSpeed()
	out := damBreakCurve{T: []float64{0}, Z: []float64{front()}, particles: st.Len()}
	next := damBreakRecordT
	for n := 1; ; n++ {
		s.Step(st)
		T := float64(n) * p.Dt * timeScale
		if T+1e-12 < next {
			continue
		}
		next += damBreakRecordT
		z := front()
		out.T, out.Z, out.steps = append(out.T, T), append(out.Z, z), n
		out.peakMach = math.Max(out.peakMach, maxSpeed(st)/sound)
		if T >= damBreakEndT || z > damBreakTank-0.5 {
			return out
		}
	}
}

// deviation compares the curve with experimental (T, Z) points inside its
// range: mean and largest relative deviation (Z_sim - Z_exp) / Z_exp (the
// signed mean, the mean of the absolute values and the largest absolute
// value) and the number of points compared.
func (c damBreakCurve) deviation(data [][2]float64) (signed, mean, worst float64, n int) {
	return c.shiftedDeviation(data, 0)
}

// shiftedDeviation is deviation against the simulated front delayed by
// shift: Z_sim(T - shift) against Z_exp(T).
func (c damBreakCurve) shiftedDeviation(data [][2]float64, shift float64) (signed, mean, worst float64, n int) {
	for _, pt := range data {
		z, ok := interpolate(c.T, c.Z, pt[0]-shift)
		if !ok {
			continue
		}
		r := (z - pt[1]) / pt[1]
		signed += r
		mean += math.Abs(r)
		worst = math.Max(worst, math.Abs(r))
		n++
	}
	return signed / float64(n), mean / float64(n), worst, n
}

// at returns Z at the given T values (NaN outside the curve).
func (c damBreakCurve) at(Ts []float64) []float64 {
	z := make([]float64, len(Ts))
	for i, T := range Ts {
		v, ok := interpolate(c.T, c.Z, T)
		if !ok {
			v = math.NaN()
		}
		z[i] = v
	}
	return z
}

var damBreakReportT = []float64{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5}

func logDamBreak(t *testing.T, c damBreak2D, r damBreakCurve) {
	t.Helper()
	s1, m1, w1, n1 := r.deviation(martinMoyceSmall)
	s2, m2, w2, n2 := r.deviation(martinMoyceLarge)
	t.Logf("%d cells per a, Mach %.2f (peak particle speed %.4f c), %d particles, %d steps, front at T = %.2f: Z = %.2f",
		c.cellsPerA, c.mach, r.peakMach, r.particles, r.steps, r.T[len(r.T)-1], r.Z[len(r.Z)-1])
	t.Logf("  Z at T = %s: %s", fmtFloats("%.1f", damBreakReportT), fmtFloats("%.3f", r.at(damBreakReportT)))
	t.Logf("  vs a = 1.125 in (%d points): signed mean %+.3f, mean |dev| %.3f, max %.3f; vs a = 2.25 in (%d points): %+.3f, %.3f, %.3f",
		n1, s1, m1, w1, n2, s2, m2, w2)
	_, m1, w1, _ = r.shiftedDeviation(martinMoyceSmall, damBreakShift)
	_, m2, w2, _ = r.shiftedDeviation(martinMoyceLarge, damBreakShift)
	t.Logf("  front delayed by T = %.1f: mean |dev| %.3f, max %.3f (a = 1.125 in); %.3f, %.3f (a = 2.25 in)", damBreakShift, m1, w1, m2, w2)
}

// damBreakShift is the delay in T that best aligns the simulated front
// with the measurements (the study's mean deviation is smallest for 0.39
// to 0.46 at every resolution and Mach number): the time the gate took to
// release the column, which the simulation does not model. It is a
// diagnostic of the curve's shape, not a correction of the comparison.
const damBreakShift = 0.4

// TestDamBreakMartinMoyce: the front of a 2-D dam break (32 cells per
// column width, Mach 0.1, slip walls) against Martin & Moyce's n^2 = 2
// measurements. The inviscid simulation runs ahead of the experiment:
// measured mean relative deviation 0.203 / 0.191, largest 0.300 / 0.277
// (a = 1.125 / 2.25 in; 0.190 / 0.178 and 0.265 / 0.243 at 64 cells),
// largest at early times. Delayed by T = 0.4 (the gate's opening, not
// simulated) the simulated front follows the larger column's points to
// 2.6% on average and the smaller one's to 5.1%, which is the shape check.
// The bounds are the measurements with a margin.
func TestDamBreakMartinMoyce(t *testing.T) {
	skipLong(t)
	c := damBreak2D{cellsPerA: 32, mach: 0.1}
	r := c.run(t)
	logDamBreak(t, c, r)
	for _, series := range []struct {
		name string
		data [][2]float64
	}{{"a = 1.125 in", martinMoyceSmall}, {"a = 2.25 in", martinMoyceLarge}} {
		signed, mean, worst, _ := r.deviation(series.data)
		_, shifted, _, _ := r.shiftedDeviation(series.data, damBreakShift)
		if signed < 0 || mean > 0.25 || worst > 0.35 || shifted > 0.08 {
			t.Errorf("%s: front deviation signed %+.3f (want >= 0: ahead), mean %.3f (want <= 0.25), max %.3f (<= 0.35), delayed by %.1f %.3f (<= 0.08)",
				series.name, signed, mean, worst, damBreakShift, shifted)
		}
	}
}

// TestDamBreakStudy: resolution (16, 32, 64 cells per a at Mach 0.1) and
// compressibility (Mach 0.05, 0.2, 0.3 at 32 cells) studies; writes the
// curves and the data as CSV.
func TestDamBreakStudy(t *testing.T) {
	studyEnabled(t)
	cases := []damBreak2D{{16, 0.1}, {32, 0.1}, {64, 0.1}, {32, 0.05}, {32, 0.2}, {32, 0.3}}
	var rows [][]float64
	for _, c := range cases {
		r := c.run(t)
		logDamBreak(t, c, r)
		for i := range r.T {
			rows = append(rows, []float64{float64(c.cellsPerA), c.mach, r.T[i], r.Z[i]})
		}
	}
	writeCSV(t, "mpm-dambreak.csv", []string{"cells_per_a", "mach", "T", "Z"}, rows)
	var data [][]float64
	for _, pt := range martinMoyceSmall {
		data = append(data, []float64{1.125, pt[0], pt[1]})
	}
	for _, pt := range martinMoyceLarge {
		data = append(data, []float64{2.25, pt[0], pt[1]})
	}
	writeCSV(t, "martin-moyce-1952.csv", []string{"a_inch", "T", "Z"}, data)
}
