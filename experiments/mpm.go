package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/solvers/mpm"
	"github.com/surrogo/surrogo/solvers/param"
)

// MPMParams are [data.params] for solver "mpm": MLS-MPM particle
// trajectories (solvers/mpm) of bodies of one material in the box
// [0, length]^dim with data.resolution cells per axis, frames
// data.params.substeps steps of data.dt apart (data.snapshots of them,
// the first the initial state).
type MPMParams struct {
	Dim              int         `toml:"dim" json:"dim" doc:"2 or 3 dimensions"`
	Length           float64     `toml:"length" json:"length" doc:"box side L: the domain is [0, L]^dim, data.resolution cells per axis"`
	Substeps         int         `toml:"substeps" json:"substeps" doc:"solver steps of data.dt between stored frames"`
	Gravity          []float64   `toml:"gravity" json:"gravity" doc:"acceleration, dim components (default -9.8 along the last axis; [] for none)"`
	Wall             string      `toml:"wall" json:"wall" doc:"box walls: slip (free slip), sticky or none"`
	Boundary         int         `toml:"boundary" json:"boundary" doc:"wall layer thickness in cells"`
	ParticlesPerCell float64     `toml:"particles_per_cell" json:"particles_per_cell" doc:"particles per grid cell inside a body (0: 2^dim)"`
	MaxSpeed         float64     `toml:"max_speed" json:"max_speed" doc:"particle speed bound of the time-step limit (0: the largest initial speed plus the free-fall speed sqrt(2 g L), g the gravity magnitude)"`
	Material         MPMMaterial `toml:"material" json:"material"`
	Scene            MPMScene    `toml:"scene" json:"scene"`
}

// MPMMaterial is [data.params.material] of solver "mpm": the constitutive
// model and its parameters (SI units). Each kind reads only its keys.
type MPMMaterial struct {
	Kind          string  `toml:"kind" json:"kind" doc:"water or fluid (weakly compressible, Tait equation of state), jelly or corotated (fixed-corotated elasticity), neohookean, sand (Drucker-Prager plasticity), plasticine (von Mises plasticity)"`
	E             float64 `toml:"E,omitzero" json:"E,omitempty" doc:"Young's modulus (jelly, corotated, neohookean, sand, plasticine)"`
	Nu            float64 `toml:"nu,omitzero" json:"nu,omitempty" doc:"Poisson ratio in (-1, 0.5) (jelly, corotated, neohookean, sand, plasticine)"`
	Rho           float64 `toml:"rho" json:"rho" doc:"density (every kind)"`
	Bulk          float64 `toml:"bulk,omitzero" json:"bulk,omitempty" doc:"bulk modulus K of the fluid's equation of state (water, fluid)"`
	Gamma         float64 `toml:"gamma,omitzero" json:"gamma,omitempty" doc:"Tait exponent of the fluid (water, fluid; default 1: stress K (J - 1); 7 needs a sound speed of twice the speed bound)"`
	FrictionAngle float64 `toml:"friction_angle,omitzero" json:"friction_angle,omitempty" doc:"internal friction angle in degrees (sand)"`
	YieldStress   float64 `toml:"yield_stress,omitzero" json:"yield_stress,omitempty" doc:"von Mises yield stress (plasticine)"`
}

// MPMScene is [data.params.scene] of solver "mpm": random bodies drawn
// per sample from (seed, i), or fixed bodies ([[data.params.scene.bodies]])
// used for every sample.
type MPMScene struct {
	MinBodies       int       `toml:"min_bodies" json:"min_bodies" doc:"random bodies: fewest per sample"`
	MaxBodies       int       `toml:"max_bodies" json:"max_bodies" doc:"random bodies: most per sample (fewer when no free room is found)"`
	MinSize         float64   `toml:"min_size" json:"min_size" doc:"random bodies: smallest half-extent, a fraction of the box side"`
	MaxSize         float64   `toml:"max_size" json:"max_size" doc:"random bodies: largest half-extent, a fraction of the box side"`
	Shapes          []string  `toml:"shapes" json:"shapes" doc:"random bodies: shapes drawn with equal odds among box, ball, union (2-3 overlapping boxes and balls); empty: a box or ball, one body in three a union"`
	MaxLinearSpeed  float64   `toml:"max_linear_speed" json:"max_linear_speed" doc:"random bodies: largest initial speed (uniform direction and magnitude)"`
	MaxAngularSpeed float64   `toml:"max_angular_speed" json:"max_angular_speed" doc:"random bodies: largest initial rotation rate (rad/s) about the centroid"`
	Jitter          float64   `toml:"jitter" json:"jitter" doc:"random offset of each particle from its lattice point, in [0, 1) particle spacings"`
	Bodies          []MPMBody `toml:"bodies" json:"bodies,omitempty" doc:"fixed bodies, the same in every sample (then the random-body keys do not apply)"`
}

// MPMBody is one fixed body, [[data.params.scene.bodies]]: a box or a
// ball moving rigidly at first.
type MPMBody struct {
	Shape           string    `toml:"shape" json:"shape" doc:"box or ball"`
	Center          []float64 `toml:"center" json:"center" doc:"centre, dim components"`
	Half            []float64 `toml:"half,omitempty" json:"half,omitempty" doc:"box: half extents, dim components"`
	Radius          float64   `toml:"radius,omitzero" json:"radius,omitempty" doc:"ball: radius"`
	Velocity        []float64 `toml:"velocity,omitempty" json:"velocity,omitempty" doc:"initial velocity, dim components (default at rest)"`
	AngularVelocity []float64 `toml:"angular_velocity,omitempty" json:"angular_velocity,omitempty" doc:"initial rotation about the centroid: 1 component in 2-D, 3 in 3-D (default none)"`
}

// defaultMPMParams are the mpm solver's [data.params] defaults.
func defaultMPMParams() MPMParams {
	return MPMParams{Dim: 2, Length: 1, Substeps: 1, Wall: string(mpm.Slip), Boundary: 3,
		Material: MPMMaterial{Rho: 1000},
		Scene:    MPMScene{MinBodies: 1, MaxBodies: 1, MinSize: 0.06, MaxSize: 0.12}}
}

// mpmKinds maps [data.params.material] kind to the solver's models; the
// position in mpmMaterialIDs is the particles' material_id feature.
var mpmKinds = map[string]mpm.Kind{
	"water": mpm.Fluid, "fluid": mpm.Fluid, "jelly": mpm.Corotated, "corotated": mpm.Corotated,
	"neohookean": mpm.NeoHookean, "sand": mpm.Sand, "plasticine": mpm.Plasticine,
}

// mpmMaterialIDs numbers the solver's models for the material_id
// feature (docs/DATA.md).
var mpmMaterialIDs = []mpm.Kind{mpm.Fluid, mpm.Corotated, mpm.NeoHookean, mpm.Sand, mpm.Plasticine}

// mpmMaterialKeys are the [data.params.material] keys each model reads
// besides kind.
var mpmMaterialKeys = map[mpm.Kind][]string{
	mpm.Fluid:      {"rho", "bulk", "gamma"},
	mpm.Corotated:  {"E", "nu", "rho"},
	mpm.NeoHookean: {"E", "nu", "rho"},
	mpm.Sand:       {"E", "nu", "rho", "friction_angle"},
	mpm.Plasticine: {"E", "nu", "rho", "yield_stress"},
}

// mpmRandomSceneKeys are the [data.params.scene] keys of random bodies.
var mpmRandomSceneKeys = []string{"min_bodies", "max_bodies", "min_size", "max_size", "shapes", "max_linear_speed", "max_angular_speed", "jitter"}

type mpmGen struct {
	d    DataConfig
	p    MPMParams
	sp   mpm.Params
	kind mpm.Kind
}

// buildMPM decodes [data.params] for solver mpm, checks the frame window
// and the keys each material and scene read, and builds the generator;
// mpm.Params.Validate checks the rest, its errors pointed at their keys.
func buildMPM(c *Config, md toml.MetaData) (generator, error) {
	p := defaultMPMParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	if p.Boundary < 1 {
		return nil, &fieldError{"boundary", fmt.Sprintf("the wall layer must be at least 1 cell thick, got %d", p.Boundary)}
	}
	if p.Substeps < 1 {
		return nil, &fieldError{"substeps", fmt.Sprintf("must be at least 1 solver step per frame, got %d", p.Substeps)}
	}
	if steps := float64(c.Data.Snapshots-1) * float64(p.Substeps); steps > maxSolverSteps {
		return nil, &fieldError{"substeps", fmt.Sprintf("(snapshots - 1) x substeps = %.3g solver steps per sample, more than the %.0g a run can take", steps, float64(maxSolverSteps))}
	}
	kind, ok := mpmKinds[p.Material.Kind]
	if !ok {
		return nil, &fieldError{"material.kind", fmt.Sprintf("unknown material %q (expected one of %s)", p.Material.Kind, strings.Join(mpmKindNames(), ", "))}
	}
	if err := checkMPMKeys(md, kind, p); err != nil {
		return nil, err
	}
	if kind == mpm.Fluid && p.Material.Gamma == 0 {
		p.Material.Gamma = 1
	}
	if !md.IsDefined("data", "params", "gravity") && p.Dim >= 1 {
		p.Gravity = make([]float64, p.Dim)
		p.Gravity[p.Dim-1] = -9.8
	}
	sp, err := p.solverParams(c.Data, kind)
	if err != nil {
		return nil, err
	}
	if err := sp.Validate(); err != nil {
		return nil, mpmFieldError(err)
	}
	return &mpmGen{d: c.Data, p: p, sp: sp, kind: kind}, nil
}

// mpmKindNames lists the material kinds, sorted.
func mpmKindNames() []string {
	names := make([]string, 0, len(mpmKinds))
	for k := range mpmKinds {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// checkMPMKeys refuses a material key the kind does not read, and
// random-body keys beside fixed bodies.
func checkMPMKeys(md toml.MetaData, kind mpm.Kind, p MPMParams) error {
	for _, key := range []string{"E", "nu", "rho", "bulk", "gamma", "friction_angle", "yield_stress"} {
		if md.IsDefined("data", "params", "material", key) && !slices.Contains(mpmMaterialKeys[kind], key) {
			var users []string
			for _, name := range mpmKindNames() {
				if slices.Contains(mpmMaterialKeys[mpmKinds[name]], key) {
					users = append(users, name)
				}
			}
			return &fieldError{"material." + key, fmt.Sprintf("material %s does not use this key (it applies to %s): remove it", p.Material.Kind, strings.Join(users, ", "))}
		}
	}
	if len(p.Scene.Bodies) == 0 {
		return nil
	}
	for _, key := range mpmRandomSceneKeys {
		if md.IsDefined("data", "params", "scene", key) {
			return &fieldError{"scene." + key, "applies to random bodies; scene.bodies fixes the bodies of every sample: remove one or the other"}
		}
	}
	return nil
}

// solverParams maps the configuration to mpm.Params: data.resolution
// cells, data.dt, the material and the scene.
func (p MPMParams) solverParams(d DataConfig, kind mpm.Kind) (mpm.Params, error) {
	m := p.Material
	sp := mpm.Params{Dim: p.Dim, Cells: d.Resolution, Length: p.Length, Boundary: p.Boundary, Dt: d.Dt,
		Gravity: p.Gravity, Wall: mpm.Wall(p.Wall), ParticlesPerCell: p.ParticlesPerCell, MaxSpeed: p.MaxSpeed,
		Material: mpm.Material{Kind: kind, E: m.E, Nu: m.Nu, Rho: m.Rho, Bulk: m.Bulk, Gamma: m.Gamma,
			FrictionAngle: m.FrictionAngle, YieldStress: m.YieldStress}}
	sc := p.Scene
	sp.Scene = mpm.Scene{MinBodies: sc.MinBodies, MaxBodies: sc.MaxBodies, MinSize: sc.MinSize, MaxSize: sc.MaxSize,
		MaxLinearSpeed: sc.MaxLinearSpeed, MaxAngularSpeed: sc.MaxAngularSpeed, Jitter: sc.Jitter}
	for _, s := range sc.Shapes {
		sp.Scene.Shapes = append(sp.Scene.Shapes, mpm.Shape(s))
	}
	if p.Dim != 2 && p.Dim != 3 {
		return sp, nil // Validate names dim
	}
	for i, b := range sc.Bodies {
		body, err := b.body(p.Dim, i)
		if err != nil {
			return sp, err
		}
		sp.Scene.Bodies = append(sp.Scene.Bodies, body)
	}
	return sp, nil
}

// body converts fixed body i, checking its vectors' lengths.
func (b MPMBody) body(dim, i int) (mpm.Body, error) {
	key := fmt.Sprintf("scene.bodies[%d].", i)
	vectors := []struct {
		name   string
		v      []float64
		want   int
		absent bool // may be left out
	}{
		{"center", b.Center, dim, false},
		{"half", b.Half, dim, b.Shape != string(mpm.Box)},
		{"velocity", b.Velocity, dim, true},
		{"angular_velocity", b.AngularVelocity, map[int]int{2: 1, 3: 3}[dim], true},
	}
	for _, v := range vectors {
		if len(v.v) != v.want && !(v.absent && len(v.v) == 0) {
			return mpm.Body{}, &fieldError{key + v.name, fmt.Sprintf("needs %d components in %d-D, got %d", v.want, dim, len(v.v))}
		}
	}
	if b.Shape == string(mpm.Ball) && len(b.Half) > 0 {
		return mpm.Body{}, &fieldError{key + "half", "applies to a box; a ball has a radius"}
	}
	if b.Shape == string(mpm.Box) && b.Radius != 0 {
		return mpm.Body{}, &fieldError{key + "radius", "applies to a ball; a box has half extents"}
	}
	part := mpm.Part{Shape: mpm.Shape(b.Shape), Radius: b.Radius}
	copy(part.Center[:], b.Center)
	copy(part.Half[:], b.Half)
	body := mpm.Body{Parts: []mpm.Part{part}}
	copy(body.Velocity[:], b.Velocity)
	if dim == 2 && len(b.AngularVelocity) == 1 {
		body.Omega[2] = b.AngularVelocity[0]
	} else {
		copy(body.Omega[:], b.AngularVelocity)
	}
	return body, nil
}

// mpmFieldError points an mpm.Params error at its config key: the
// solver's parameter names are the keys under data.params, except cells
// (data.resolution), dt (data.dt), material.e (material.E) and a fixed
// body's part (the body: each config body is one part).
func mpmFieldError(err error) error {
	var pe *param.Error
	if !errors.As(err, &pe) {
		return err
	}
	key := pe.Param
	switch {
	case key == "cells":
		key = "data.resolution"
	case key == "dt":
		key = "data.dt"
	case key == "material.e":
		key = "material.E"
	case strings.HasPrefix(key, "scene.bodies["):
		key, _, _ = strings.Cut(key, "].")
		key = strings.TrimSuffix(key, "]") + "]"
	}
	return &fieldError{key, pe.Msg}
}

func (g *mpmGen) params() any { return g.p }

// attrs are the grid's: cell size, box side and cells per axis.
func (g *mpmGen) attrs() map[string]float64 {
	return map[string]float64{"dx": g.sp.Dx(), "length": g.p.Length, "cells": float64(g.d.Resolution)}
}

func (g *mpmGen) store() sampleStore { return trajectoryStore{simulate: g.trajectory} }

// maxParticles bounds the particles of one sample: the fixed bodies'
// bounding boxes, or max_bodies cubes of the largest size, at most the
// room between the walls, filled on the particle lattice.
func (g *mpmGen) maxParticles() float64 {
	d := float64(g.p.Dim)
	lo, hi := float64(g.p.Boundary)*g.sp.Dx(), g.p.Length-float64(g.p.Boundary)*g.sp.Dx()
	room := math.Pow(math.Max(hi-lo, 0), d)
	volume := 0.0
	if len(g.p.Scene.Bodies) == 0 {
		volume = float64(g.p.Scene.MaxBodies) * math.Pow(2*g.p.Scene.MaxSize*g.p.Length, d)
	}
	for _, b := range g.sp.Scene.Bodies {
		box := 1.0
		for a := 0; a < g.p.Dim; a++ {
			h := b.Parts[0].Half[a]
			if b.Parts[0].Shape == mpm.Ball {
				h = b.Parts[0].Radius
			}
			box *= 2 * h
		}
		volume += box
	}
	return math.Ceil(math.Min(volume, room) / g.sp.ParticleVolume())
}

// storedValues counts positions of every frame and two features per
// particle, for the most particles a sample can have.
func (g *mpmGen) storedValues() float64 {
	n := g.maxParticles()
	return float64(g.d.Snapshots)*n*float64(g.p.Dim) + 2*n
}

// footprint is, per worker, the solver's grid (mass and momentum per
// node), its particle state and scratch (position, velocity, affine and
// deformation matrices, stress; float64) and the frames twice in float32.
func (g *mpmGen) footprint(workers float64) []part {
	d := float64(g.p.Dim)
	nodes := math.Pow(float64(g.d.Resolution+1), d)
	perParticle := 8 * (2*d + 3*d*d + 2)
	return []part{
		{fmt.Sprintf("grid for %.0f workers", workers), workers * 8 * (d + 1) * nodes, "data.resolution"},
		{"particles and frames of one sample per worker", workers * (perParticle*g.maxParticles() + 8*g.storedValues()),
			dominant(map[string]float64{"data.snapshots": float64(g.d.Snapshots) / 100, "data.params.particles_per_cell": g.sp.ParticlesPerCell / 4,
				"data.params.scene.max_bodies": float64(g.p.Scene.MaxBodies) / 3})},
	}
}

// trajectory simulates sample i: its bodies drawn from (seed, i), the
// frames of data.snapshots, with the material, time step and box.
func (g *mpmGen) trajectory(ctx context.Context, seed uint64, i int) (*datasets.ParticleTrajectory, error) {
	st, err := g.sp.Sample(seed, i)
	if err != nil {
		return nil, err
	}
	if st.Len() == 0 {
		return nil, fmt.Errorf("sample %d has no particles: its bodies are thinner than the particle spacing %.3g (raise data.params.particles_per_cell or the body sizes)", i, g.sp.Spacing())
	}
	frames, err := mpm.Simulate(ctx, g.sp, st, g.d.Snapshots, g.p.Substeps)
	if err != nil {
		return nil, err
	}
	n, dim := st.Len(), g.p.Dim
	tr := &datasets.ParticleTrajectory{Frames: len(frames), Particles: n, Dim: dim,
		Positions: slices.Concat(frames...), FeatureDim: 2, FeatureNames: []string{"material_id", "body"},
		Material: g.p.Material.Kind, MaterialParams: g.materialParams(), Dt: g.d.Dt, FrameStride: g.p.Substeps}
	id := float32(slices.Index(mpmMaterialIDs, g.kind))
	tr.Features = make([]float32, 0, 2*n)
	for _, b := range st.Body {
		tr.Features = append(tr.Features, id, float32(b))
	}
	wall := float64(g.p.Boundary) * g.sp.Dx()
	for a := 0; a < dim; a++ {
		tr.BoxLo, tr.BoxHi = append(tr.BoxLo, wall), append(tr.BoxHi, g.p.Length-wall)
	}
	return tr, nil
}

// materialParams are the parameters the material reads, by their keys.
func (g *mpmGen) materialParams() map[string]float64 {
	m := g.p.Material
	all := map[string]float64{"E": m.E, "nu": m.Nu, "rho": m.Rho, "bulk": m.Bulk, "gamma": m.Gamma,
		"friction_angle": m.FrictionAngle, "yield_stress": m.YieldStress}
	out := map[string]float64{}
	for _, k := range mpmMaterialKeys[g.kind] {
		out[k] = all[k]
	}
	return out
}
