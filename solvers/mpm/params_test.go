package mpm

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/param"
)

// goodParams is a valid 2-D sand scene.
func goodParams() Params {
	return Params{Dim: 2, Cells: 64, Length: 1, Dt: 1e-4, Gravity: []float64{0, -9.8},
		Material: Material{Kind: Sand, E: 1e5, Nu: 0.3, Rho: 1000, FrictionAngle: 30},
		Scene:    Scene{MinBodies: 1, MaxBodies: 3, MaxLinearSpeed: 1, MaxAngularSpeed: 1}}
}

// TestValidateNamesTheParameter: each invalid parameter gives one
// *param.Error naming its key, with what was expected and what was found.
func TestValidateNamesTheParameter(t *testing.T) {
	if err := goodParams().Validate(); err != nil {
		t.Fatalf("good parameters refused: %v", err)
	}
	outside := Body{Parts: []Part{{Shape: Ball, Center: [3]float64{0.05, 0.5}, Radius: 0.1}}}
	cases := []struct {
		key, found string
		bad        func(p *Params)
	}{
		{"dim", "got 4", func(p *Params) { p.Dim = 4 }},
		{"cells", "got 8", func(p *Params) { p.Cells = 8 }},
		{"length", "got -1", func(p *Params) { p.Length = -1 }},
		{"boundary", "got -2", func(p *Params) { p.Boundary = -2 }},
		{"gravity", "got 3", func(p *Params) { p.Gravity = []float64{0, 0, -9.8} }},
		{"gravity", "got NaN", func(p *Params) { p.Gravity[1] = math.NaN() }},
		{"wall", `"glue"`, func(p *Params) { p.Wall = "glue" }},
		{"particles_per_cell", "got -4", func(p *Params) { p.ParticlesPerCell = -4 }},
		{"max_speed", "got -1", func(p *Params) { p.MaxSpeed = -1 }},
		{"dt", "got 0", func(p *Params) { p.Dt = 0 }},
		{"dt", "above the stability limit", func(p *Params) { p.Dt = 1e-2 }},
		{"material.kind", `"mud"`, func(p *Params) { p.Material.Kind = "mud" }},
		{"material.e", "got -5", func(p *Params) { p.Material.E = -5 }},
		{"material.e", "got 0", func(p *Params) { p.Material.E = 0 }},
		{"material.nu", "got 0.5", func(p *Params) { p.Material.Nu = 0.5 }},
		{"material.nu", "got -1", func(p *Params) { p.Material.Nu = -1 }},
		{"material.rho", "got 0", func(p *Params) { p.Material.Rho = 0 }},
		{"material.friction_angle", "got 95", func(p *Params) { p.Material.FrictionAngle = 95 }},
		{"material.yield_stress", "got 0", func(p *Params) { p.Material = Material{Kind: Plasticine, E: 1e5, Nu: 0.3, Rho: 1} }},
		{"material.bulk", "got -3", func(p *Params) { p.Material = Material{Kind: Fluid, Bulk: -3, Rho: 1} }},
		{"material.bulk", "Mach <= 0.5", func(p *Params) { p.Material = Material{Kind: Fluid, Bulk: 1e5, Gamma: 7, Rho: 1000} }},
		{"material.gamma", "got -1", func(p *Params) { p.Material = Material{Kind: Fluid, Bulk: 1e3, Gamma: -1, Rho: 1} }},
		{"scene.max_bodies", "min_bodies = 3, got 2", func(p *Params) { p.Scene.MinBodies = 3; p.Scene.MaxBodies = 2 }},
		{"scene.min_bodies", "got -2", func(p *Params) { p.Scene.MinBodies = -2; p.Scene.MaxBodies = 3 }},
		{"scene.min_size", "got -0.1", func(p *Params) { p.Scene.MinSize, p.Scene.MaxSize = -0.1, 0.1 }},
		{"scene.max_size", "does not fit", func(p *Params) { p.Scene.MinSize, p.Scene.MaxSize = 0.1, 0.49 }},
		{"scene.max_linear_speed", "got -1", func(p *Params) { p.Scene.MaxLinearSpeed = -1 }},
		{"scene.max_angular_speed", "got +Inf", func(p *Params) { p.Scene.MaxAngularSpeed = math.Inf(1) }},
		{"scene.jitter", "got 1", func(p *Params) { p.Scene.Jitter = 1 }},
		{"scene.shapes", `unknown shape "cone"`, func(p *Params) { p.Scene.Shapes = []Shape{Box, "cone"} }},
		{"scene.bodies[0]", "outside the box", func(p *Params) { p.Scene.Bodies = []Body{outside} }},
		{"scene.bodies[0].parts[0]", "radius must be positive", func(p *Params) {
			p.Scene.Bodies = []Body{{Parts: []Part{{Shape: Ball, Center: [3]float64{0.5, 0.5}}}}}
		}},
		{"scene.bodies[0].parts[0]", `unknown shape "cone"`, func(p *Params) {
			p.Scene.Bodies = []Body{{Parts: []Part{{Shape: "cone", Center: [3]float64{0.5, 0.5}}}}}
		}},
	}
	for _, c := range cases {
		p := goodParams()
		c.bad(&p)
		err := p.Validate()
		var pe *param.Error
		if !errors.As(err, &pe) || pe.Param != c.key || !strings.Contains(pe.Msg, c.found) {
			t.Errorf("want a *param.Error for %s saying %q, got %v", c.key, c.found, err)
		}
	}
}

// TestStabilityLimit states the time-step limit: CFL dx / (c + v) with
// the sound speed sqrt((lambda + 2 mu) / rho).
func TestStabilityLimit(t *testing.T) {
	p := goodParams()
	mu, lambda := p.Material.Lame()
	c := math.Sqrt((lambda + 2*mu) / p.Material.Rho)
	v := 1 + 1*2*math.Sqrt(3)*0.12 + math.Sqrt(2*9.8*1)
	want := 0.5 * (1.0 / 64) / (c + v)
	if got := p.MaxStableDt(); math.Abs(got-want) > 1e-15 {
		t.Errorf("MaxStableDt = %v, want %v", got, want)
	}
	if math.Abs(c-11.6024) > 1e-4 {
		t.Errorf("sound speed of E 1e5, nu 0.3, rho 1000: %v, want 11.6024", c)
	}
}

// newSampleSolver returns a solver for p and sample 0 of seed 0, failing
// the test if either cannot be built.
func newSampleSolver(t testing.TB, p Params) (*Solver, *State) {
	t.Helper()
	st, err := p.Sample(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}
