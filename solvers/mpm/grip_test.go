package mpm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// A plasticine bar (von Mises over Hencky elasticity) held at both ends by
// slip grips (Grips: the grid nodes beyond two planes inside the bar's
// ends move at prescribed axial velocities, their lateral velocity free)
// and stretched or compressed, no gravity, no walls near it: the gauge
// section, the middle third of the bar between the grips, is loaded in
// uniaxial stress without contact. Its axial stress is read from the
// particles' Cauchy stress, its log strain from their positions.

// gripTest describes the bar and the loading. The grips' speed ramps up
// smoothly over ramp seconds to rate times their initial distance
// (split between the two, opposite) and stays there.
type gripTest struct {
	dim, cells    int
	width, length float64 // bar cross-section side and length
	grip          float64 // length of each gripped end
	material      Material
	rate, ramp    float64 // nominal strain rate (positive: tension), ramp time
	strain        float64 // final nominal log strain of the grips' distance
	samples       int
}

func (c gripTest) String() string {
	kind := "tension"
	if c.rate < 0 {
		kind = "compression"
	}
	return fmt.Sprintf("%d-D %s, %d cells, bar %g x %g (%.1f cells across), grips %g", c.dim, kind, c.cells, c.width, c.length, c.width*float64(c.cells), c.grip)
}

// gripPoint is one sample: the gauge section's log strain, its
// volume-averaged Cauchy stress along the axis (signed with the loading:
// positive when it resists it) and across it, and the fraction of its
// particles on the yield surface.
type gripPoint struct {
	strain, axial, lateral, yielded float64
}

func (c gripTest) params() Params {
	d := c.dim
	var centre, half [3]float64
	for a := 0; a < d; a++ {
		centre[a], half[a] = 0.5+1e-9, c.width/2
	}
	half[d-1] = c.length / 2
	speed := math.Abs(c.rate) * c.length
	p := Params{Dim: d, Cells: c.cells, Length: 1, MaxSpeed: speed, Material: c.material,
		Scene: Scene{Bodies: []Body{{Parts: []Part{{Shape: Box, Center: centre, Half: half}}}}}}
	p.Dt = p.MaxStableDt()
	return p
}

// gauge returns the particles initially in the middle third of the
// stretch between the grips, and their initial axial coordinates.
func (c gripTest) gauge(st *State, g *Grips) ([]int, []float64) {
	d := st.Dim
	third := (g.High - g.Low) / 3
	var idx []int
	var z0 []float64
	for i := 0; i < st.Len(); i++ {
		if z := st.X[i*d+d-1]; z > g.Low+third && z < g.High-third {
			idx, z0 = append(idx, i), append(z0, z)
		}
	}
	return idx, z0
}

// run loads the bar and returns the gauge section's stress-strain curve.
func (c gripTest) run(t *testing.T) []gripPoint {
	t.Helper()
	p := c.params()
	s, st := newSampleSolver(t, p)
	g := &Grips{Axis: c.dim - 1, Low: 0.5 - c.length/2 + c.grip, High: 0.5 + c.length/2 - c.grip}
	if err := s.SetGrips(g); err != nil {
		t.Fatal(err)
	}
	idx, z0 := c.gauge(st, g)
	speed := c.rate * (g.High - g.Low)
	duration := c.ramp/2 + math.Abs(math.Expm1(c.strain)/c.rate)
	steps := int(duration / p.Dt)
	every := max(1, steps/c.samples)
	var curve []gripPoint
	for n := 1; n <= steps; n++ {
		x := math.Min(1, float64(n)*p.Dt/c.ramp)
		v := speed * x * x * (3 - 2*x)
		g.LowVelocity, g.HighVelocity = -v/2, v/2
		s.Step(st)
		if n%every == 0 {
			curve = append(curve, c.measure(s, st, idx, z0))
		}
	}
	return curve
}

// measure returns the gauge section's log strain (from the slope of the
// particles' axial coordinates against their initial ones) and stresses.
func (c gripTest) measure(s *Solver, st *State, idx []int, z0 []float64) gripPoint {
	d, dd := st.Dim, st.Dim*st.Dim
	z := make([]float64, len(idx))
	var tau = make([]float64, dd)
	volume, yielded := 0.0, 0.0
	for k, i := range idx {
		z[k] = st.X[i*d+d-1]
		t := s.KirchhoffStress(st, i)
		for a := range tau {
			tau[a] += t[a]
		}
		if vonMises(t, d) > 0.999*c.material.YieldStress {
			yielded++
		}
		volume += s.jacobian(st, i)
	}
	sign := math.Copysign(1, c.rate)
	pt := gripPoint{strain: sign * math.Log(lineSlope(z0, z)), axial: sign * tau[dd-1] / volume,
		yielded: yielded / float64(len(idx))}
	for a := 0; a < d-1; a++ {
		pt.lateral += tau[a*d+a] / volume / float64(d-1)
	}
	return pt
}

// jacobian returns det F of particle p.
func (s *Solver) jacobian(st *State, p int) float64 {
	dd := s.d * s.d
	f := st.F[p*dd : (p+1)*dd]
	if s.d == 2 {
		return det2(mat2(f))
	}
	return det3(mat3(f))
}

// gripSummary: the elastic slope (samples below half the yield stress)
// and the plateau, the mean axial stress between from and to log strain
// with its least and greatest sample.
type gripSummary struct {
	modulus, plateau, low, high, lateral float64
}

func (c gripTest) summarize(curve []gripPoint, from, to float64) gripSummary {
	var xs, ys []float64
	sum := gripSummary{low: math.Inf(1), high: math.Inf(-1)}
	n := 0.0
	for _, pt := range curve {
		if pt.axial < 0.5*c.material.YieldStress {
			xs, ys = append(xs, pt.strain), append(ys, pt.axial)
		}
		if pt.strain >= from && pt.strain <= to {
			sum.plateau += pt.axial
			sum.lateral += pt.lateral
			sum.low, sum.high = math.Min(sum.low, pt.axial), math.Max(sum.high, pt.axial)
			n++
		}
	}
	sum.modulus = lineSlope(xs, ys)
	sum.plateau /= n
	sum.lateral /= n
	return sum
}

func (c gripTest) log(t *testing.T, curve []gripPoint, from, to float64) gripSummary {
	t.Helper()
	sum := c.summarize(curve, from, to)
	sy := c.material.YieldStress
	uni := compressionTest{dim: c.dim, material: c.material}.uniaxialModulus()
	t.Logf("%v: modulus %.4g = %.3f of uniaxial; plateau (log strain %.3f-%.3f) %.4f sigma_Y (samples %.4f-%.4f), lateral %.4f sigma_Y",
		c, sum.modulus, sum.modulus/uni, from, to, sum.plateau/sy, sum.low/sy, sum.high/sy, sum.lateral/sy)
	for _, pt := range curve {
		t.Logf("  strain %.4f: axial %.4f sigma_Y, lateral %+.4f, yielded %.2f", pt.strain, pt.axial/sy, pt.lateral/sy, pt.yielded)
	}
	return sum
}

// gripCases returns a bar in tension and in compression at 0.1 /s to a
// nominal log strain of 0.06 (6 yield strains): 0.15 m across, 0.7 m long,
// 0.1 m of each end gripped.
func gripCases(dim, cells int) []gripTest {
	c := gripTest{dim, cells, 0.15, 0.7, 0.1, plasticine, 0.1, 0.1, 0.06, 30}
	d := c
	d.rate = -c.rate
	return []gripTest{c, d}
}

// TestPlasticineGripYield: a plasticine bar (E 1e5, nu 0.3, sigma_Y 1000
// Pa) held by slip grips and stretched or compressed at 0.1 /s: the
// gauge section's mean axial Cauchy stress rises along the uniaxial
// modulus and levels off at sigma_Y (mean over log strain 0.03-0.06,
// 3-6 yield strains), within 2% in 3-D at 4.8 cells across and in 2-D at
// 9.6 cells across (TestPlasticineGripStudy for finer grids). The model's
// own answer is sigma_Y / J: 0.996 (tension) and 1.004 (compression) of
// sigma_Y in 3-D (TestPlasticineUniaxialStress).
func TestPlasticineGripYield(t *testing.T) {
	for _, c := range append(gripCases(2, 64), gripCases(3, 32)...) {
		t.Run(c.String(), func(t *testing.T) {
			checkGrip(t, c, c.log(t, c.run(t), 0.03, 0.06), 0.02, 0.03)
		})
	}
}

// checkGrip asserts the plateau (and every sample on it) within tol of
// sigma_Y and the elastic slope within slopeTol of the uniaxial modulus.
func checkGrip(t *testing.T, c gripTest, sum gripSummary, tol, slopeTol float64) {
	t.Helper()
	sy := c.material.YieldStress
	if r := sum.plateau / sy; math.Abs(r-1) > tol {
		t.Errorf("yield plateau %.4f sigma_Y, want 1 within %g", r, tol)
	}
	if sum.low < (1-2*tol)*sy || sum.high > (1+2*tol)*sy {
		t.Errorf("plateau samples %.4f-%.4f sigma_Y, want 1 within %g", sum.low/sy, sum.high/sy, 2*tol)
	}
	uni := compressionTest{dim: c.dim, material: c.material}.uniaxialModulus()
	if r := sum.modulus / uni; math.Abs(r-1) > slopeTol {
		t.Errorf("elastic slope %.4f of the uniaxial modulus, want 1 within %g", r, slopeTol)
	}
}

// TestPlasticineGripStudy: the gripped bar at 128 and 256 cells (2-D,
// 19.2 and 38.4 cells across) and 32, 48 and 64 cells (3-D, 4.8, 7.2 and
// 9.6 cells across), in tension and compression, to a nominal log strain
// of 0.12; the plateau is read over 0.03-0.06 and 0.06-0.12. Writes the
// curves as CSV.
func TestPlasticineGripStudy(t *testing.T) {
	studyEnabled(t)
	var rows [][]float64
	for _, grid := range [][2]int{{2, 128}, {2, 256}, {3, 32}, {3, 48}, {3, 64}} {
		for _, c := range gripCases(grid[0], grid[1]) {
			c.strain, c.samples = 0.12, 60
			curve := c.run(t)
			c.log(t, curve, 0.03, 0.06)
			c.log(t, curve, 0.06, 0.12)
			for _, pt := range curve {
				rows = append(rows, []float64{float64(c.dim), float64(c.cells), c.rate, pt.strain, pt.axial, pt.lateral, pt.yielded})
			}
		}
	}
	writeCSV(t, "mpm-plasticine-grips.csv", []string{"dim", "cells", "rate", "log_strain", "axial", "lateral", "yielded_fraction"}, rows)
}

// TestSetGripsChecks: grips with an axis outside the dimension, low not
// below high, or a non-finite number are refused with an error naming the
// field; nil removes them.
func TestSetGripsChecks(t *testing.T) {
	s, err := New(gripCases(2, 32)[0].params())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		g    Grips
		want string
	}{
		{Grips{Axis: 2, Low: 0.2, High: 0.8}, "axis"},
		{Grips{Axis: -1, Low: 0.2, High: 0.8}, "axis"},
		{Grips{Axis: 1, Low: 0.8, High: 0.2}, "low"},
		{Grips{Axis: 1, Low: math.NaN(), High: 0.8}, "low"},
		{Grips{Axis: 1, Low: 0.2, High: 0.8, HighVelocity: math.Inf(1)}, "velocities"},
	} {
		if err := s.SetGrips(&tc.g); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.g, err, tc.want)
		}
	}
	if err := s.SetGrips(nil); err != nil {
		t.Errorf("removing the grips: %v", err)
	}
}

// TestGripsDeterministicAcrossWorkers: the gripped bar's particles are
// bitwise identical after 200 steps with 1, 2 and 4 workers, and the
// grips moved by the steps times their velocities.
func TestGripsDeterministicAcrossWorkers(t *testing.T) {
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	c := gripCases(2, 64)[0]
	var first []float64
	for _, w := range []int{1, 2, 4} {
		parallel.SetWorkers(w)
		p := c.params()
		s, st := newSampleSolver(t, p)
		g := &Grips{Axis: 1, Low: 0.25, High: 0.75, LowVelocity: -0.02, HighVelocity: 0.03}
		if err := s.SetGrips(g); err != nil {
			t.Fatal(err)
		}
		const steps = 200
		for n := 0; n < steps; n++ {
			s.Step(st)
		}
		if math.Abs(g.High-g.Low-0.5-steps*p.Dt*0.05) > 1e-12 {
			t.Errorf("grips %v apart after %d steps, want %v", g.High-g.Low, steps, 0.5+steps*p.Dt*0.05)
		}
		if first == nil {
			first = append(slices.Clone(st.X), st.F...)
			continue
		}
		if !slices.Equal(append(slices.Clone(st.X), st.F...), first) {
			t.Errorf("%d workers: particles differ from 1 worker", w)
		}
	}
}
