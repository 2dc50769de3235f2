package mpm

import (
	"math"
	"testing"
)

// materials returns one material of each kind, stiffness E = 1e3 Pa
// (fluid K = 1e3 Pa), density 1.
func materials() []Material {
	return []Material{
		{Kind: Corotated, E: 1e3, Nu: 0.3, Rho: 1},
		{Kind: NeoHookean, E: 1e3, Nu: 0.3, Rho: 1},
		{Kind: Fluid, Bulk: 1e3, Rho: 1},
		{Kind: Sand, E: 1e3, Nu: 0.3, Rho: 1, FrictionAngle: 30},
		{Kind: Plasticine, E: 1e3, Nu: 0.3, Rho: 1, YieldStress: 20},
	}
}

// spinningBody returns a union of a ball and a box at the box's centre,
// moving at 0.4 and spinning at 3 rad/s, with no walls and no gravity.
func spinningBody(dim, cells int, m Material) Params {
	c := [3]float64{0.5, 0.5, 0.5}
	off := c
	off[0] += 0.06
	body := Body{
		Parts: []Part{
			{Shape: Ball, Center: c, Radius: 0.08},
			{Shape: Box, Center: off, Half: [3]float64{0.06, 0.03, 0.04}},
		},
		Velocity: [3]float64{0.3, -0.2, 0.1},
		Omega:    [3]float64{0.5, -1, 3},
	}
	p := Params{Dim: dim, Cells: cells, Length: 1, Wall: NoWall, Material: m,
		Scene: Scene{Bodies: []Body{body}, Jitter: 0.5}}
	p.Dt = 0.9 * p.MaxStableDt()
	return p
}

// TestConservation runs a spinning body free of walls and gravity for
// 1000 steps: particle mass is constant and equals the grid's mass,
// linear momentum is conserved to rounding and the APIC angular momentum
// (with the affine spin term) to rounding as well, for every material.
func TestConservation(t *testing.T) {
	type run struct {
		dim, cells, steps int
		m                 Material
	}
	var runs []run
	for _, m := range materials() {
		runs = append(runs, run{2, 64, 1000, m})
	}
	runs = append(runs, run{3, 32, 1000, materials()[0]}, run{3, 32, 300, materials()[3]})
	for _, r := range runs {
		p := spinningBody(r.dim, r.cells, r.m)
		st, err := p.Sample(1, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		mass := s.ParticleMass(st) * float64(st.Len())
		p0, l0 := s.Momentum(st), s.AngularMomentum(st)
		for k := 0; k < r.steps; k++ {
			s.Step(st)
		}
		gridErr := math.Abs(s.gridMass()-mass) / mass
		p1, l1 := s.Momentum(st), s.AngularMomentum(st)
		pErr, lErr := relDiff(p0, p1), relDiff(l0, l1)
		t.Logf("%d-D %s, %d particles, %d steps of %.3g: grid mass %.1e, momentum %.1e, angular momentum %.1e (relative)",
			r.dim, r.m.Kind, st.Len(), r.steps, p.Dt, gridErr, pErr, lErr)
		if gridErr > 1e-13 || pErr > 1e-12 || lErr > 1e-11 {
			t.Errorf("%d-D %s: grid mass error %.2g, momentum %.2g, angular momentum %.2g", r.dim, r.m.Kind, gridErr, pErr, lErr)
		}
	}
}

// relDiff returns |a - b| / |a|.
func relDiff(a, b [3]float64) float64 {
	return norm3([3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]}) / norm3(a)
}
