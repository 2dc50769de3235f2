package mpm

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/param"
)

// Kind names a constitutive model.
type Kind string

// The constitutive models.
const (
	// Fluid is a weakly compressible fluid: Tait equation of state
	// p(J) = (K / gamma) (J^-gamma - 1) on the volume ratio J alone
	// (gamma 1 by default: Kirchhoff stress K (J - 1) I).
	Fluid Kind = "fluid"
	// Corotated is fixed-corotated elasticity (Stomakhin et al., 2012).
	Corotated Kind = "corotated"
	// NeoHookean is compressible Neo-Hookean elasticity.
	NeoHookean Kind = "neohookean"
	// Sand is Drucker-Prager plasticity over Hencky (St Venant-Kirchhoff in
	// log strain) elasticity, Klar et al. (2016).
	Sand Kind = "sand"
	// Plasticine is von Mises plasticity over Hencky elasticity.
	Plasticine Kind = "plasticine"
)

// Wall names the boundary condition of the box.
type Wall string

// The walls.
const (
	// Slip walls (free slip) zero the normal velocity of grid nodes in the
	// boundary layer that move into the wall; tangential motion is free.
	Slip Wall = "slip"
	// Sticky walls zero the whole velocity of grid nodes in the boundary
	// layer.
	Sticky Wall = "sticky"
	// NoWall applies no boundary condition (for tests far from the walls);
	// particles are still clamped one cell inside the box so that the
	// transfer stencils stay on the grid.
	NoWall Wall = "none"
)

// CFL is the constant of the time-step limit that Validate enforces:
//
//	dt <= CFL dx / (c + MaxSpeed),
//
// c the material's sound speed (sqrt((lambda + 2 mu) / rho), or
// sqrt(K / rho) for the fluid). Explicit MLS-MPM with quadratic
// B-splines is stable somewhat beyond it.
const CFL = 0.5

// Material holds a constitutive model and its parameters.
type Material struct {
	Kind Kind
	// E is Young's modulus (Pa) and Nu the Poisson ratio, in (-1, 0.5), of
	// the elastic models, sand and plasticine.
	E, Nu float64
	// Rho is the reference density (kg/m^d), > 0, for every model.
	Rho float64
	// Bulk is the fluid's bulk modulus K (its EOS stiffness) and Gamma its
	// Tait exponent (0 means 1). Gamma 7, water's, stiffens the fluid
	// under compression: a dam break at 0.5 of the time-step limit blew up
	// at Mach 0.87 with it and ran at Mach 2.7 with gamma 1, so Validate
	// asks for a sound speed of at least twice the speed bound when
	// Gamma > 1.
	Bulk, Gamma float64
	// FrictionAngle is the sand's internal friction angle in degrees, in
	// (0, 90).
	FrictionAngle float64
	// YieldStress is the plasticine's von Mises yield stress sigma_Y:
	// yielding starts when sqrt(d / (d - 1)) |dev tau|_F reaches it, so that
	// a uniaxial Kirchhoff stress yields at sigma_Y.
	YieldStress float64
}

func (m Material) gamma() float64 {
	if m.Gamma == 0 {
		return 1
	}
	return m.Gamma
}

// Lame returns the Lame parameters mu and lambda of E and Nu.
func (m Material) Lame() (mu, lambda float64) {
	mu = m.E / (2 * (1 + m.Nu))
	lambda = m.E * m.Nu / ((1 + m.Nu) * (1 - 2*m.Nu))
	return mu, lambda
}

// SoundSpeed returns the small-strain P-wave speed: sqrt((lambda + 2 mu) /
// rho) for the solids, sqrt(K / rho) for the fluid.
func (m Material) SoundSpeed() float64 {
	if m.Kind == Fluid {
		return math.Sqrt(m.Bulk / m.Rho)
	}
	mu, lambda := m.Lame()
	return math.Sqrt((lambda + 2*mu) / m.Rho)
}

// Params describes the grid, the time step, the walls, gravity, the
// material and the random initial bodies.
type Params struct {
	Dim    int     // 2 or 3
	Cells  int     // grid cells per axis, >= 2 Boundary + 4
	Length float64 // box side L: the domain is [0, L]^Dim, dx = L / Cells
	// Boundary is the wall layer's thickness in cells (0 means 3): grid
	// nodes with an index below it, or above Cells - Boundary, are walls.
	Boundary int
	Dt       float64   // time step of one substep
	Gravity  []float64 // acceleration, Dim components (empty: none)
	Wall     Wall      // default Slip
	// Friction is the Coulomb friction coefficient of slip walls (0:
	// frictionless). A wall node moving into its wall loses that normal
	// velocity v_n, and its tangential velocity shrinks by Friction |v_n|
	// (to zero if smaller): the grid form of kinetic friction, which
	// decelerates a body sliding on the floor by Friction g.
	Friction float64
	// ParticlesPerCell sets the sampling density of bodies (0 means 2^Dim):
	// lattice spacing dx / ppc^(1/Dim), particle volume dx^Dim / ppc.
	ParticlesPerCell float64
	// MaxSpeed bounds the particle speeds in the time-step limit; 0 means
	// the scene's largest initial speed plus the free-fall speed
	// sqrt(2 |g| L).
	MaxSpeed float64
	Material Material
	Scene    Scene
}

// Dx returns the cell size L / Cells.
func (p Params) Dx() float64 { return p.Length / float64(p.Cells) }

func (p Params) boundary() int {
	if p.Boundary == 0 {
		return 3
	}
	return p.Boundary
}

func (p Params) wall() Wall {
	if p.Wall == "" {
		return Slip
	}
	return p.Wall
}

func (p Params) ppc() float64 {
	if p.ParticlesPerCell == 0 {
		return math.Pow(2, float64(p.Dim))
	}
	return p.ParticlesPerCell
}

// Spacing returns the particle lattice spacing dx / ppc^(1/Dim).
func (p Params) Spacing() float64 { return p.Dx() / math.Pow(p.ppc(), 1/float64(p.Dim)) }

// ParticleVolume returns the initial volume dx^Dim / ppc of one particle.
func (p Params) ParticleVolume() float64 { return math.Pow(p.Spacing(), float64(p.Dim)) }

// speedBound returns the speed used in the time-step limit.
func (p Params) speedBound() float64 {
	if p.MaxSpeed > 0 {
		return p.MaxSpeed
	}
	g := 0.0
	for _, a := range p.Gravity {
		g += a * a
	}
	return p.Scene.maxInitialSpeed(p.Length) + math.Sqrt(2*math.Sqrt(g)*p.Length)
}

// MaxStableDt returns CFL dx / (c + MaxSpeed), the largest time step
// Validate accepts.
func (p Params) MaxStableDt() float64 {
	return CFL * p.Dx() / (p.Material.SoundSpeed() + p.speedBound())
}

// paramError is the *param.Error of this package's parameter name.
func paramError(name, format string, args ...any) error {
	return param.Errorf("mpm", name, format, args...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Validate checks the parameters; errors are *param.Error naming the key
// (material and scene keys are prefixed "material." and "scene.").
func (p Params) Validate() error {
	if err := p.validateGrid(); err != nil {
		return err
	}
	if err := p.Material.validate(); err != nil {
		return err
	}
	if err := p.Scene.validate(p); err != nil {
		return err
	}
	return p.validateDt()
}

func (p Params) validateGrid() error {
	switch {
	case p.Dim != 2 && p.Dim != 3:
		return paramError("dim", "dimension must be 2 or 3, got %d", p.Dim)
	case !(p.Length > 0) || !finite(p.Length):
		return paramError("length", "box side must be positive and finite, got %v", p.Length)
	case p.Boundary < 0:
		return paramError("boundary", "wall layer must be >= 0 cells (0 means 3), got %d", p.Boundary)
	case p.Cells < 2*p.boundary()+4:
		return paramError("cells", "grid needs at least 2 x boundary + 4 = %d cells per axis, got %d", 2*p.boundary()+4, p.Cells)
	case len(p.Gravity) != 0 && len(p.Gravity) != p.Dim:
		return paramError("gravity", "gravity needs %d components (dim), got %d", p.Dim, len(p.Gravity))
	case !(p.ParticlesPerCell >= 0) || !finite(p.ParticlesPerCell):
		return paramError("particles_per_cell", "particles per cell must be positive (0 means 2^dim), got %v", p.ParticlesPerCell)
	case !(p.MaxSpeed >= 0) || !finite(p.MaxSpeed):
		return paramError("max_speed", "speed bound must be >= 0 and finite (0: derived), got %v", p.MaxSpeed)
	}
	for a, g := range p.Gravity {
		if !finite(g) {
			return paramError("gravity", "gravity component %d must be finite, got %v", a, g)
		}
	}
	switch p.wall() {
	case Slip, Sticky, NoWall:
	default:
		return paramError("wall", "unknown wall %q (expected %q, %q or %q)", p.Wall, Slip, Sticky, NoWall)
	}
	return p.validateFriction()
}

func (p Params) validateFriction() error {
	switch {
	case !(p.Friction >= 0) || !finite(p.Friction):
		return paramError("friction", "wall friction coefficient must be >= 0 and finite, got %v", p.Friction)
	case p.Friction > 0 && p.wall() != Slip:
		return paramError("friction", "wall friction applies to %q walls only, got wall %q with friction %v", Slip, p.wall(), p.Friction)
	}
	return nil
}

func (p Params) validateDt() error {
	if !(p.Dt > 0) || !finite(p.Dt) {
		return paramError("dt", "time step must be positive and finite, got %v", p.Dt)
	}
	if m := p.Material; m.Kind == Fluid && m.gamma() > 1 && m.SoundSpeed() < 2*p.speedBound() {
		return paramError("material.bulk", "a Tait exponent of %g needs a sound speed sqrt(K / rho) of at least twice the speed bound %.4g (Mach <= 0.5) to stay stable, got %.4g (K = %g)",
			m.gamma(), p.speedBound(), m.SoundSpeed(), m.Bulk)
	}
	if limit := p.MaxStableDt(); p.Dt > limit {
		return paramError("dt", "time step %g is above the stability limit %.4g = %g dx / (sound speed %.4g + speed bound %.4g) with dx = %.4g",
			p.Dt, limit, CFL, p.Material.SoundSpeed(), p.speedBound(), p.Dx())
	}
	return nil
}

func (m Material) validate() error {
	if !(m.Rho > 0) || !finite(m.Rho) {
		return paramError("material.rho", "density must be positive and finite, got %v", m.Rho)
	}
	switch m.Kind {
	case Fluid:
		return m.validateFluid()
	case Corotated, NeoHookean:
		return m.validateElastic()
	case Sand:
		if err := m.validateElastic(); err != nil {
			return err
		}
		if !(m.FrictionAngle > 0 && m.FrictionAngle < 90) {
			return paramError("material.friction_angle", "friction angle must be in (0, 90) degrees, got %v", m.FrictionAngle)
		}
	case Plasticine:
		if err := m.validateElastic(); err != nil {
			return err
		}
		if !(m.YieldStress > 0) || !finite(m.YieldStress) {
			return paramError("material.yield_stress", "yield stress must be positive and finite, got %v", m.YieldStress)
		}
	default:
		return paramError("material.kind", "unknown material %q (expected %q, %q, %q, %q or %q)",
			m.Kind, Fluid, Corotated, NeoHookean, Sand, Plasticine)
	}
	return nil
}

func (m Material) validateFluid() error {
	if !(m.Bulk > 0) || !finite(m.Bulk) {
		return paramError("material.bulk", "bulk modulus must be positive and finite, got %v", m.Bulk)
	}
	if !(m.Gamma >= 0) || !finite(m.Gamma) {
		return paramError("material.gamma", "Tait exponent must be positive (0 means 1), got %v", m.Gamma)
	}
	return nil
}

func (m Material) validateElastic() error {
	if !(m.E > 0) || !finite(m.E) {
		return paramError("material.e", "Young's modulus must be positive and finite, got %v", m.E)
	}
	if !(m.Nu > -1 && m.Nu < 0.5) {
		return paramError("material.nu", "Poisson ratio must be in (-1, 0.5), got %v", m.Nu)
	}
	return nil
}

// String describes the material in one line.
func (m Material) String() string {
	switch m.Kind {
	case Fluid:
		return fmt.Sprintf("fluid K=%g gamma=%g rho=%g", m.Bulk, m.gamma(), m.Rho)
	case Sand:
		return fmt.Sprintf("sand E=%g nu=%g rho=%g friction=%g deg", m.E, m.Nu, m.Rho, m.FrictionAngle)
	case Plasticine:
		return fmt.Sprintf("plasticine E=%g nu=%g rho=%g yield=%g", m.E, m.Nu, m.Rho, m.YieldStress)
	}
	return fmt.Sprintf("%s E=%g nu=%g rho=%g", m.Kind, m.E, m.Nu, m.Rho)
}
