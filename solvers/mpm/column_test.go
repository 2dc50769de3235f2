package mpm

import (
	"fmt"
	"math"
	"testing"
)

// Granular column collapse: a column of sand of width L0 and height a L0
// against the left wall of a tank collapses under gravity and spreads
// along the floor. Quasi-two-dimensional experiments in rectangular
// channels (Lajeunesse, Monnier & Homsy 2005, Phys. Fluids 17, 103302;
// the same scaling as Lube et al. 2005, Phys. Rev. E 72, 041301) found
// that the deposit depends mainly on a:
//
//	run-out (L_f - L0) / L0 = 1.2 a (a <~ 2.3), 1.9 a^(2/3) (a >~ 2.3)
//	height  H_f / L0        = a     (a <~ 0.7), a^(1/3)     (a >~ 0.7)
//
// (coefficients as quoted by K. Kumar's thesis, Cambridge 2015, ch. 2).

// runoutScaling and heightScaling return the experimental fits.
func runoutScaling(a float64) float64 {
	if a <= 2.3 {
		return 1.2 * a
	}
	return 1.9 * math.Pow(a, 2.0/3)
}

func heightScaling(a float64) float64 {
	if a <= 0.7 {
		return a
	}
	return math.Cbrt(a)
}

// sandColumn is one collapse: aspect ratio a, cellsPerL cells per column
// width, the sand's friction angle and the walls (slip walls with
// Coulomb friction, or sticky ones).
type sandColumn struct {
	aspect        float64
	cellsPerL     int
	frictionAngle float64
	wall          Wall
	friction      float64
}

const (
	columnL    = 0.1  // column width L0 (m)
	columnTank = 10.0 // tank length over L0
	columnG    = 9.81
	// columnE and columnRho give rho g H / E = 1.2% at H = 0.3 m: the
	// elastic strain under the column's weight stays small.
	columnE, columnNu, columnRho = 5e5, 0.3, 2000.0
	columnCheck                  = 0.01 // seconds between rest checks
	columnRest                   = 1e-5 // kinetic over initial potential energy at rest
	columnMaxT                   = 4.0
	columnFilm                   = 0.02 // over L0: 2 mm on a 10 cm column, 2 glass beads of 1 mm
)

// deposit is the final state of a collapse, lengths over L0.
type deposit struct {
	runout float64 // (L_f - L0) / L0, L_f the last particle's edge
	// thick is the run-out to where the deposit, followed from the wall,
	// first gets thinner than columnFilm: the last particle's edge
	// belongs to a film one particle thick that lengthens as particles
	// get smaller (0.74, 0.84, 0.94 at a = 0.5 and 16, 32, 48 cells per
	// L0), a laboratory deposit ends within a few grains.
	thick  float64
	height float64 // H_f / L0, the highest particle's top edge
	// slope is the flank's angle (degrees): the least-squares line
	// through the free surface where 0.2 H_f < h < 0.8 H_f, clear of the
	// flat top and of the toe's film.
	slope float64
	// chord is the angle (degrees) of the line from the toe (the end of
	// the deposit thicker than columnFilm) to the top edge (the farthest
	// point of the surface at or above 0.95 H_f).
	chord      float64
	restTime   float64 // seconds until the kinetic energy fell below columnRest of E0
	particles  int
	steps      int
	profileX   []float64 // free surface: bin centres over L0
	profileH   []float64 // and heights over L0
	energyLeft float64   // kinetic energy over E0 at the end
}

func (c sandColumn) params() (Params, float64) {
	dx := columnL / float64(c.cellsPerL)
	cells := int(columnTank)*c.cellsPerL + 6
	wall := 3 * dx
	h := c.aspect * columnL
	body := Part{Shape: Box, Center: [3]float64{wall + columnL/2 + 1e-9, wall + h/2 + 1e-9}, Half: [3]float64{columnL / 2, h / 2}}
	p := Params{Dim: 2, Cells: cells, Length: float64(cells) * dx, Gravity: []float64{0, -columnG},
		ParticlesPerCell: 4, Wall: c.wall, Friction: c.friction,
		Material: Material{Kind: Sand, E: columnE, Nu: columnNu, Rho: columnRho, FrictionAngle: c.frictionAngle},
		Scene:    Scene{Bodies: []Body{{Parts: []Part{body}}}}}
	p.Dt = p.MaxStableDt()
	return p, wall
}

// run collapses the column until it is at rest and measures the deposit.
func (c sandColumn) run(t *testing.T) deposit {
	t.Helper()
	p, wall := c.params()
	s, st := newSampleSolver(t, p)
	e0 := s.PotentialEnergy(st) + columnG*s.ParticleMass(st)*float64(st.Len())*(-wall) // relative to the floor
	every := max(1, int(columnCheck/p.Dt))
	dep := deposit{particles: st.Len()}
	for n := 1; float64(n)*p.Dt < columnMaxT; n++ {
		s.Step(st)
		if n%every != 0 {
			continue
		}
		dep.steps = n
		dep.energyLeft = s.KineticEnergy(st) / e0
		if dep.energyLeft < columnRest && float64(n)*p.Dt > 0.1 {
			dep.restTime = float64(n) * p.Dt
			break
		}
	}
	c.measure(st, wall, p.Spacing(), &dep)
	return dep
}

// measure fills the deposit's run-out, height, surface profile and slope.
func (c sandColumn) measure(st *State, wall, spacing float64, dep *deposit) {
	bins := map[int]float64{}
	last := 0
	front, top := 0.0, 0.0
	for i := 0; i < st.Len(); i++ {
		x, y := st.X[2*i]-wall, st.X[2*i+1]-wall
		front, top = math.Max(front, x), math.Max(top, y)
		b := int(x / spacing)
		bins[b] = math.Max(bins[b], y+spacing/2)
		last = max(last, b)
	}
	dep.runout = (front+spacing/2)/columnL - 1
	dep.height = (top + spacing/2) / columnL
	var xs, hs []float64
	film := true
	toeX, toeH, edgeX, edgeH := 0.0, 0.0, 0.0, 0.0
	for b := 0; b <= last; b++ {
		h, ok := bins[b]
		if film = film && ok && h >= columnFilm*columnL; film {
			dep.thick = float64(b+1)*spacing/columnL - 1
		}
		if !ok {
			continue
		}
		x := (float64(b) + 0.5) * spacing / columnL
		dep.profileX, dep.profileH = append(dep.profileX, x), append(dep.profileH, h/columnL)
		if film {
			toeX, toeH = x, h/columnL
		}
		if h >= 0.95*dep.height*columnL {
			edgeX, edgeH = x, h/columnL
		}
		if h > 0.2*dep.height*columnL && h < 0.8*dep.height*columnL {
			xs, hs = append(xs, x), append(hs, h/columnL)
		}
	}
	dep.slope = math.Atan(-lineSlope(xs, hs)) * 180 / math.Pi
	dep.chord = math.Atan((edgeH-toeH)/(toeX-edgeX)) * 180 / math.Pi
}

// effectiveFrictionAngle returns the Mohr-Coulomb angle of the 2-D
// Drucker-Prager cone: in 2-D |dev tau| = |tau_1 - tau_2| / sqrt(2), so
// |dev tau| + alpha tr(tau) = 0 is (tau_1 - tau_2) / -(tau_1 + tau_2) =
// sqrt(2) alpha = sin(phi_2D), smaller than the 3-D fit's phi.
func effectiveFrictionAngle(phi float64) float64 {
	s := math.Sin(phi * math.Pi / 180)
	alpha := math.Sqrt(2.0/3) * 2 * s / (3 - s)
	return math.Asin(math.Sqrt2*alpha) * 180 / math.Pi
}

func (c sandColumn) String() string {
	w := string(c.wall)
	if c.wall == Slip || c.wall == "" {
		w = fmt.Sprintf("slip, friction %.2f", c.friction)
	}
	return fmt.Sprintf("a = %.2f, %d cells per L0, phi %.0f deg (2-D Mohr-Coulomb %.1f deg), walls %s",
		c.aspect, c.cellsPerL, c.frictionAngle, effectiveFrictionAngle(c.frictionAngle), w)
}

func logColumn(t *testing.T, c sandColumn, d deposit) {
	t.Helper()
	t.Logf("%v: %d particles, %d steps, at rest (E_k < %.0e E0) at t = %.3f s (E_k/E0 %.1e at the end)",
		c, d.particles, d.steps, columnRest, d.restTime, d.energyLeft)
	t.Logf("  run-out (L_f - L0)/L0 = %.3f to the deposit thicker than %.2f L0, %.3f to the last particle (experiments %.3f); H_f/L0 = %.3f (experiments %.3f); flank (0.2-0.8 H_f fit) %.1f deg = %.2f phi_2D, toe-to-top-edge %.1f deg = %.2f phi_2D",
		d.thick, columnFilm, d.runout, runoutScaling(c.aspect), d.height, heightScaling(c.aspect),
		d.slope, d.slope/effectiveFrictionAngle(c.frictionAngle), d.chord, d.chord/effectiveFrictionAngle(c.frictionAngle))
}

// TestColumnCollapse: 2-D collapses of sand columns (phi 30 deg, 2-D
// Mohr-Coulomb angle 27.5 deg, rough floor mu = tan 27.5 deg, 32 cells per
// column width) until at rest, against Lajeunesse et al.'s fits. Measured:
// a = 0.5: run-out 0.609 (fit 0.600), H_f 0.490 L0 (0.500: the top stays),
// flank (0.2-0.8 H_f fit) 21.3 deg = 0.78 phi_2D, toe-to-top-edge 19.5 deg
// = 0.71 phi_2D; a = 2: run-out 2.83 (fit 2.40, +18%), H_f 1.036 L0
// (1.260, -18%), flank 15.6 deg = 0.57 phi_2D, toe-to-top-edge 14.1 deg =
// 0.51 phi_2D (a concave deposit). Both deposits are at rest (kinetic
// energy below 1e-5 E0) and do not creep: 1 s later the slopes differ by
// < 0.1 deg. The slopes do not change with half the time step, 9 or 16
// particles per cell, twice the floor friction or sticky walls (within
// 0.5 deg at 32 cells), and a static wedge stands at 24 deg
// (TestSandWedgeStaticSlope): the flank is where the flow stops, below
// the angle at which the model's sand stands. The rate-independent Drucker-Prager continuum spreads a tall
// column further and flatter than the experiments (more so at finer
// resolution and lower friction, TestColumnStudy); the bounds below are
// the measurements with a margin, not agreement at a = 2.
func TestColumnCollapse(t *testing.T) {
	skipLong(t)
	cases := []struct {
		c                      sandColumn
		runout, height         [2]float64 // bounds over the experimental fits
		slopeOverFrictionAngle [2]float64 // bounds on the flank and the toe-to-top-edge angle
	}{
		{sandColumn{0.5, 32, 30, Slip, wallFriction(30)}, [2]float64{0.85, 1.15}, [2]float64{0.95, 1.02}, [2]float64{0.65, 1}},
		{sandColumn{2, 32, 30, Slip, wallFriction(30)}, [2]float64{1, 1.4}, [2]float64{0.75, 1}, [2]float64{0.4, 0.8}},
	}
	for _, tc := range cases {
		c := tc.c
		d := c.run(t)
		logColumn(t, c, d)
		r, h := d.thick/runoutScaling(c.aspect), d.height/heightScaling(c.aspect)
		s, ch := d.slope/effectiveFrictionAngle(c.frictionAngle), d.chord/effectiveFrictionAngle(c.frictionAngle)
		sb := tc.slopeOverFrictionAngle
		if r < tc.runout[0] || r > tc.runout[1] || h < tc.height[0] || h > tc.height[1] || s < sb[0] || s > sb[1] || ch < sb[0] || ch > sb[1] {
			t.Errorf("a = %.1f: run-out %.3f, height %.3f of the fits (want in %v, %v), flank %.2f and toe-to-top-edge %.2f phi_2D (want in %v)",
				c.aspect, r, h, tc.runout, tc.height, s, ch, sb)
		}
		if d.restTime == 0 {
			t.Errorf("a = %.1f: not at rest after %.0f s (kinetic energy %.1e E0)", c.aspect, columnMaxT, d.energyLeft)
		}
	}
}

// wallFriction is the floor's (and walls') Coulomb coefficient of the
// collapses: tan of the sand's 2-D Mohr-Coulomb angle, a rough bed that
// grips the sand as strongly as the sand itself.
func wallFriction(phi float64) float64 {
	return math.Tan(effectiveFrictionAngle(phi) * math.Pi / 180)
}

// TestColumnStudy: run-out, final height and slope for a = 0.5, 2 and 3
// at 16 and 32 cells per column width (and 48 for a = 0.5 and 2), the
// friction angle 20 and 40 degrees besides 30 at a = 2, and sticky walls;
// writes the summary and the deposits' surfaces as CSV.
func TestColumnStudy(t *testing.T) {
	studyEnabled(t)
	var cases []sandColumn
	for _, a := range []float64{0.5, 2, 3} {
		for _, n := range []int{16, 32, 48} {
			if n == 48 && a == 3 {
				continue
			}
			cases = append(cases, sandColumn{a, n, 30, Slip, wallFriction(30)})
		}
	}
	cases = append(cases,
		sandColumn{2, 32, 20, Slip, wallFriction(20)},
		sandColumn{2, 32, 40, Slip, wallFriction(40)},
		sandColumn{2, 32, 30, Sticky, 0})
	var summary, profiles [][]float64
	for k, c := range cases {
		d := c.run(t)
		logColumn(t, c, d)
		sticky := 0.0
		if c.wall == Sticky {
			sticky = 1
		}
		summary = append(summary, []float64{float64(k), c.aspect, float64(c.cellsPerL), c.frictionAngle, effectiveFrictionAngle(c.frictionAngle),
			c.friction, sticky, d.thick, d.runout, runoutScaling(c.aspect), d.height, heightScaling(c.aspect), d.slope, d.chord, d.restTime})
		for i := range d.profileX {
			profiles = append(profiles, []float64{float64(k), d.profileX[i], d.profileH[i]})
		}
	}
	writeCSV(t, "mpm-column-summary.csv", []string{"case", "aspect", "cells_per_L0", "phi_deg", "phi_2d_deg", "wall_friction", "sticky",
		"runout_thick", "runout_last_particle", "runout_lajeunesse", "height", "height_lajeunesse", "slope_deg", "chord_deg", "rest_time_s"}, summary)
	writeCSV(t, "mpm-column-profiles.csv", []string{"case", "x_over_L0", "h_over_L0"}, profiles)
}

// sandWedge settles, under gravity from a stress-free start, a wedge of
// sand against the left wall whose free surface descends at theta
// degrees over 3 L0 to the floor (phi 30 deg, floor friction tan
// phi_2D, cellsPerL cells per L0), until at rest; it returns the largest
// particle displacement over L0 and the deposit.
func sandWedge(t *testing.T, theta float64, cellsPerL int) (float64, deposit) {
	t.Helper()
	tn := math.Tan(theta * math.Pi / 180)
	width := 3 * columnL
	h0 := width * tn
	c := sandColumn{h0 / columnL, cellsPerL, 30, Slip, wallFriction(30)}
	p, wall := c.params()
	box := &p.Scene.Bodies[0].Parts[0]
	box.Center[0], box.Half[0] = wall+width/2+1e-9, width/2
	full, err := p.Sample(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	st := &State{Dim: 2, Volume: full.Volume}
	for i := 0; i < full.Len(); i++ {
		if x, y := full.X[2*i]-wall, full.X[2*i+1]-wall; y < h0-x*tn {
			st.X = append(st.X, full.X[2*i:2*i+2]...)
			st.V = append(st.V, full.V[2*i:2*i+2]...)
			st.C = append(st.C, full.C[4*i:4*i+4]...)
			st.F = append(st.F, full.F[4*i:4*i+4]...)
			st.Body = append(st.Body, full.Body[i])
		}
	}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	x0 := append([]float64(nil), st.X...)
	e0 := s.PotentialEnergy(st) + columnG*s.ParticleMass(st)*float64(st.Len())*(-wall)
	every := max(1, int(columnCheck/p.Dt))
	dep := deposit{particles: st.Len()}
	for n := 1; float64(n)*p.Dt < columnMaxT; n++ {
		s.Step(st)
		if n%every != 0 {
			continue
		}
		dep.steps = n
		dep.energyLeft = s.KineticEnergy(st) / e0
		if dep.energyLeft < columnRest && float64(n)*p.Dt > 0.3 {
			dep.restTime = float64(n) * p.Dt
			break
		}
	}
	moved := 0.0
	for i := range st.X {
		moved = math.Max(moved, math.Abs(st.X[i]-x0[i]))
	}
	c.measure(st, wall, p.Spacing(), &dep)
	return moved / columnL, dep
}

// TestSandWedgeStaticSlope: the model's static strength, apart from the
// collapse's dynamics. A wedge at 24 deg, below phi_2D = 27.5 deg, stands
// (16 cells per L0: the largest displacement 0.08 L0, elastic settling
// and the toe's particles; flank 23.6 deg); one at 32 deg fails, flows
// and comes to rest at 22.0 deg (largest displacement 1.44 L0), below
// phi_2D as the collapses' flanks do (21.3 deg at a = 0.5): a flowing
// mass stops short of the angle at which a static one stands.
func TestSandWedgeStaticSlope(t *testing.T) {
	skipLong(t)
	phi2 := effectiveFrictionAngle(30)
	for _, theta := range []float64{24, 32} {
		moved, d := sandWedge(t, theta, 16)
		t.Logf("wedge at %.0f deg (phi_2D %.1f deg), %d particles: at rest at t = %.3f s, largest displacement %.3f L0, flank %.1f deg, toe-to-top-edge %.1f deg",
			theta, phi2, d.particles, d.restTime, moved, d.slope, d.chord)
		if d.restTime == 0 {
			t.Errorf("wedge at %.0f deg: not at rest after %.0f s", theta, columnMaxT)
		}
		stands := theta < phi2
		if stands && (moved > 0.15 || math.Abs(d.slope-theta) > 1.5) {
			t.Errorf("wedge at %.0f deg < phi_2D %.1f: moved %.3f L0 (want < 0.15), flank %.1f deg (want within 1.5 deg)", theta, phi2, moved, d.slope)
		}
		if !stands && (moved < 0.5 || d.slope > phi2) {
			t.Errorf("wedge at %.0f deg > phi_2D %.1f: moved %.3f L0 (want > 0.5), flank %.1f deg (want < phi_2D)", theta, phi2, moved, d.slope)
		}
	}
}
