package mpm

import (
	"fmt"
	"math"
	"testing"
)

// Compression of a plasticine block (von Mises over Hencky elasticity)
// between the slip floor and a slip plate pressing down on its top, no
// gravity: uniaxial compression, in which the axial stress should rise
// along the uniaxial modulus (E / (1 - nu^2) for the 2-D model, E in
// 3-D) and level off at the yield stress sigma_Y.

// compressionPoint is one sample of a compression test.
type compressionPoint struct {
	// strain is the block's log strain ln(H0 / H), H the mean height of
	// its top particle row above its bottom row. (The plate travels
	// further: grid contact lets it sink about half a cell into the
	// block, and the floor likewise.)
	strain float64
	// cauchy is minus the axial volume-averaged Cauchy stress of the
	// block (MeanStress); kirchhoff minus the particles' mean axial
	// Kirchhoff stress; plate the plate's force over the block's mean
	// cross-section (current volume over height). By equilibrium the
	// block's average stress is the force times the distance between the
	// loads over the volume, so cauchy and plate differ by the contact
	// layers' share of the height.
	cauchy, kirchhoff, plate float64
	// yielded is the fraction of particles on the yield surface.
	yielded float64
}

// compressionTest describes the block and the loading. The plate's speed
// ramps up smoothly to speed over ramp seconds and stays there: quasi-
// static loading, the speed small against the sound speed and the ramp
// several transit times of a wave through the block.
type compressionTest struct {
	dim, cells  int
	side        float64
	material    Material
	speed, ramp float64
	duration    float64
	samples     int
}

// uniaxialModulus returns the slope of stress against strain in uniaxial
// stress: E / (1 - nu^2) for the 2-D model (4 mu (lambda + mu) /
// (lambda + 2 mu)), E in 3-D.
func (c compressionTest) uniaxialModulus() float64 {
	if c.dim == 3 {
		return c.material.E
	}
	return c.material.E / (1 - c.material.Nu*c.material.Nu)
}

func (c compressionTest) String() string {
	return fmt.Sprintf("%d-D, %d cells, block side %g (%.1f cells), plate %g m/s", c.dim, c.cells, c.side, c.side*float64(c.cells), c.speed)
}

func (c compressionTest) params() (Params, float64) {
	d := c.dim
	floor := 3 / float64(c.cells)
	var centre, half [3]float64
	for a := 0; a < d; a++ {
		centre[a], half[a] = 0.5, c.side/2
	}
	centre[d-1] = floor + c.side/2 + 1e-9
	p := Params{Dim: d, Cells: c.cells, Length: 1, MaxSpeed: c.speed, Material: c.material,
		Scene: Scene{Bodies: []Body{{Parts: []Part{{Shape: Box, Center: centre, Half: half}}}}}}
	p.Dt = p.MaxStableDt()
	return p, floor
}

// rows returns the particles of the top and bottom rows and their
// distance.
func rows(st *State) (top, bottom []int, height float64) {
	d := st.Dim
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < st.Len(); i++ {
		lo, hi = math.Min(lo, st.X[i*d+d-1]), math.Max(hi, st.X[i*d+d-1])
	}
	for i := 0; i < st.Len(); i++ {
		switch y := st.X[i*d+d-1]; {
		case y > hi-1e-9:
			top = append(top, i)
		case y < lo+1e-9:
			bottom = append(bottom, i)
		}
	}
	return top, bottom, hi - lo
}

// meanHeight returns the mean last coordinate of the particles idx.
func meanHeight(st *State, idx []int) float64 {
	sum := 0.0
	for _, i := range idx {
		sum += st.X[i*st.Dim+st.Dim-1]
	}
	return sum / float64(len(idx))
}

// vonMises returns sqrt(d / (d - 1)) |dev tau|, the equivalent stress of
// the 2-D and 3-D models (a uniaxial stress sigma gives |sigma|).
func vonMises(tau []float64, d int) float64 {
	tr := 0.0
	for a := 0; a < d; a++ {
		tr += tau[a*d+a]
	}
	dev2 := 0.0
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			e := tau[a*d+b]
			if a == b {
				e -= tr / float64(d)
			}
			dev2 += e * e
		}
	}
	return math.Sqrt(float64(d) / float64(d-1) * dev2)
}

// run loads the block and returns its stress-strain curve.
func (c compressionTest) run(t *testing.T) []compressionPoint {
	t.Helper()
	p, floor := c.params()
	s, st := newSampleSolver(t, p)
	plate := &Plate{Axis: c.dim - 1, Position: floor + c.side, Above: true}
	if err := s.SetPlate(plate); err != nil {
		t.Fatal(err)
	}
	top, bottom, h0 := rows(st)
	steps := int(c.duration / p.Dt)
	every := max(1, steps/c.samples)
	var curve []compressionPoint
	for n := 1; n <= steps; n++ {
		x := math.Min(1, float64(n)*p.Dt/c.ramp)
		plate.Velocity = -c.speed * x * x * (3 - 2*x)
		s.Step(st)
		if n%every == 0 {
			h := meanHeight(st, top) - meanHeight(st, bottom)
			curve = append(curve, measureCompression(s, st, c.material.YieldStress, math.Log(h0/h), h))
		}
	}
	return curve
}

// measureCompression returns the block's stresses at log strain strain
// and particle-row height h.
func measureCompression(s *Solver, st *State, yieldStress, strain, h float64) compressionPoint {
	d, dd := st.Dim, st.Dim*st.Dim
	pt := compressionPoint{strain: strain, cauchy: -s.MeanStress(st)[dd-1]}
	volume := 0.0
	for i := 0; i < st.Len(); i++ {
		tau := s.KirchhoffStress(st, i)
		pt.kirchhoff -= tau[dd-1] / float64(st.Len())
		if vonMises(tau, d) > 0.999*yieldStress {
			pt.yielded += 1 / float64(st.Len())
		}
		f := st.F[i*dd : (i+1)*dd]
		if d == 2 {
			volume += st.Volume * det2(mat2(f))
		} else {
			volume += st.Volume * det3(mat3(f))
		}
	}
	spacing := math.Pow(st.Volume, 1/float64(d))
	pt.plate = -s.PlateForce() / (volume / (h + spacing))
	return pt
}

// compressionSummary is what the tests assert: the slope of the curve
// below half the yield stress, and the plateau (mean stress over the
// samples beyond three times the yield strain).
type compressionSummary struct {
	modulus                         float64
	plateau, plateauPlate, maxYield float64
	plateauStrain                   float64
}

func summarize(c compressionTest, curve []compressionPoint) compressionSummary {
	var xs, ys []float64
	var sum compressionSummary
	n := 0.0
	yieldStrain := c.material.YieldStress / c.uniaxialModulus()
	for _, pt := range curve {
		if pt.cauchy < 0.5*c.material.YieldStress {
			xs, ys = append(xs, pt.strain), append(ys, pt.cauchy)
		}
		if pt.strain > 3*yieldStrain {
			sum.plateau += pt.cauchy
			sum.plateauPlate += pt.plate
			n++
		}
		sum.maxYield = math.Max(sum.maxYield, pt.yielded)
		sum.plateauStrain = math.Max(sum.plateauStrain, pt.strain)
	}
	sum.modulus = lineSlope(xs, ys)
	sum.plateau /= n
	sum.plateauPlate /= n
	return sum
}

func logCompression(t *testing.T, c compressionTest, curve []compressionPoint) compressionSummary {
	t.Helper()
	sum := summarize(c, curve)
	t.Logf("%v: modulus %.4g (uniaxial %.4g, ratio %.3f); plateau (strain > 3 sigma_Y / E, to %.3f) %.1f = %.4f sigma_Y (plate force: %.4f); at most %.0f%% of the particles on the yield surface",
		c, sum.modulus, c.uniaxialModulus(), sum.modulus/c.uniaxialModulus(), sum.plateauStrain, sum.plateau,
		sum.plateau/c.material.YieldStress, sum.plateauPlate/c.material.YieldStress, 100*sum.maxYield)
	for _, pt := range curve {
		t.Logf("  strain %.4f: Cauchy %.1f, Kirchhoff %.1f, plate %.1f, yielded %.2f", pt.strain, pt.cauchy, pt.kirchhoff, pt.plate, pt.yielded)
	}
	return sum
}

var plasticine = Material{Kind: Plasticine, E: 1e5, Nu: 0.3, Rho: 1000, YieldStress: 1000}

// TestPlasticineYield: a 2-D plasticine block (E 1e5, nu 0.3, sigma_Y
// 1000 Pa, 0.2 m = 25.6 cells wide) compressed to a log strain of 5%
// (5.5 times the yield strain) at 0.05 /s rises along the uniaxial
// modulus E / (1 - nu^2) (measured 1.04 of it) and levels off at 0.975
// sigma_Y (volume-averaged Cauchy stress beyond 3 yield strains), within
// 5% of the yield stress it was given. The shortfall is the grid contact
// (doc.go): the particle layers at the floor and the plate are squeezed
// more, yield under lateral confinement first and start shear bands; at
// 51.2 cells across it is 0.989 sigma_Y (TestPlasticineStudy). In 3-D the
// plateau is lower and stops improving with resolution: 0.893 sigma_Y at
// dx = 1/32 (9.6 cells across), 0.946 at 1/48 (14.4 cells), 0.943 at
// 1/64 (19.2 cells; 0.941 for a 0.4 m block at 1/48), with nearly every
// particle on the yield surface: the block is not in uniaxial stress
// there. The model itself yields at exactly sigma_Y in homogeneous
// uniaxial stress (TestPlasticineUniaxialStress). At dx = 1/32 the
// particles' stresses vary row by row (lateral stress -700 to +350 Pa
// near the plate, mean 0; shear 70-240 Pa), and a yielded particle with
// lateral tension or shear carries less axial stress: the block's mean
// is sigma_Y times how well the particles' deviators line up. The curve
// is rate-independent (0.0075-0.03 m/s give the same), still rises to
// 0.95-0.96 sigma_Y at log strain 0.1-0.22, and slip side walls
// (confined compression) do not help (von Mises of the mean 0.88-0.90
// sigma_Y at log strain 0.03): the discretisation (largest next to
// the plate and floor), not the model.
func TestPlasticineYield(t *testing.T) {
	c := compressionTest{2, 128, 0.2, plasticine, 0.01, 0.1, 1.5, 20}
	sum := logCompression(t, c, c.run(t))
	if r := sum.plateau / c.material.YieldStress; math.Abs(r-1) > 0.05 {
		t.Errorf("yield plateau %.4f sigma_Y, want 1 within 5%%", r)
	}
	if r := sum.modulus / c.uniaxialModulus(); math.Abs(r-1) > 0.06 {
		t.Errorf("elastic slope %.4f of the uniaxial modulus, want 1 within 6%%", r)
	}
}

// TestPlasticineStudy: the compression at 128 and 256 cells (2-D) and 32,
// 48, 64 cells (3-D, a 0.3 m block: 9.6, 14.4, 19.2 cells across); writes
// the curves as CSV.
func TestPlasticineStudy(t *testing.T) {
	studyEnabled(t)
	cases := []compressionTest{
		{2, 128, 0.2, plasticine, 0.01, 0.1, 1.5, 40},
		{2, 256, 0.2, plasticine, 0.01, 0.1, 1.5, 40},
		{3, 32, 0.3, plasticine, 0.015, 0.1, 2.4, 40},
		{3, 48, 0.3, plasticine, 0.015, 0.1, 2.0, 40},
		{3, 64, 0.3, plasticine, 0.015, 0.1, 1.8, 40},
	}
	var rows [][]float64
	for _, c := range cases {
		curve := c.run(t)
		logCompression(t, c, curve)
		for _, pt := range curve {
			rows = append(rows, []float64{float64(c.dim), float64(c.cells), pt.strain, pt.cauchy, pt.kirchhoff, pt.plate, pt.yielded})
		}
	}
	writeCSV(t, "mpm-plasticine.csv", []string{"dim", "cells", "log_strain", "cauchy", "kirchhoff", "plate", "yielded_fraction"}, rows)
}
