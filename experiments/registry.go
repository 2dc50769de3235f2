package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/solvers/burgers"
	"github.com/surrogo/surrogo/solvers/convection"
	"github.com/surrogo/surrogo/solvers/darcy"
	"github.com/surrogo/surrogo/solvers/grf"
	"github.com/surrogo/surrogo/solvers/navierstokes"
	"github.com/surrogo/surrogo/solvers/param"
)

// The registry: every solver the generate stage knows, in one table.
var registry = map[string]solverSpec{
	"burgers": {
		dim:           1,
		workspace:     60,
		defaults:      func() any { return defaultBurgersParams() },
		timeDependent: true,
		paramKeys:     []string{"nu", "length", "ic", "ic_offset", "ic_alpha", "ic_tau", "ic_sigma"},
		build:         fieldSolver(buildBurgers),
	},
	"burgers2d": {
		dim: 2,
		// two components per frame, a stored copy, and up to a few sets
		// of ETDRK4 coefficients (6 N^2 each) for uneven frame spacings
		workspace:     130,
		defaults:      func() any { return defaultBurgers2DParams() },
		timeDependent: true,
		paramKeys:     []string{"nu", "equation", "store", "ic_alpha", "ic_tau", "ic_std"},
		build:         fieldSolver(buildBurgers2D),
	},
	"convection": {
		dim:           1,
		workspace:     20,
		defaults:      func() any { return defaultConvectionParams() },
		timeDependent: true,
		paramKeys:     []string{"beta", "nu", "rho", "ic", "ic_alpha", "ic_tau", "ic_sigma", "splitting_dt"},
		build:         fieldSolver(buildConvection),
	},
	"navierstokes": {
		dim:           2,
		workspace:     80,
		defaults:      func() any { return defaultNavierStokesParams() },
		timeDependent: true,
		paramKeys:     []string{"nu", "length", "scheme", "forcing", "amplitude", "wavenumber", "drag", "ic_alpha", "ic_tau", "ic_sigma"},
		build:         fieldSolver(buildNavierStokes),
	},
	"darcy": {
		dim:           2,
		workspace:     30,
		defaults:      func() any { return defaultDarcyParams() },
		timeDependent: false,
		paramKeys:     []string{"alpha", "tau", "high", "low", "forcing", "mean"},
		build:         fieldSolver(buildDarcy),
	},
	"mpm": {
		defaults:      func() any { return defaultMPMParams() },
		timeDependent: true,
		frameSteps:    true,
		data:          particleTrajectories,
		paramKeys: []string{"dim", "length", "substeps", "gravity", "wall", "boundary", "particles_per_cell", "max_speed",
			"material.{kind, E, nu, rho, bulk, gamma, friction_angle, yield_stress}",
			"scene.{min_bodies, max_bodies, min_size, max_size, shapes, max_linear_speed, max_angular_speed, jitter}",
			"scene.bodies.{shape, center, half, radius, velocity, angular_velocity}"},
		build:   buildMPM,
		figures: plotParticleData,
	},
}

type solverSpec struct {
	dim           int        // spatial dimension of the grid (grid solvers)
	workspace     float64    // the solver's working float64 values per grid point, an estimate (footprint.go)
	defaults      func() any // the [data.params] struct with its defaults
	timeDependent bool
	// frameSteps: the stored frames are data.snapshots frames
	// data.params.substeps steps of data.dt apart, from t = 0 (no
	// data.t_end, data.burn_in or data.subsample).
	frameSteps bool
	data       dataKind // what the samples are (the zero value: fields on a grid)
	paramKeys  []string
	build      func(c *Config, md toml.MetaData) (generator, error)
	// figures, if set, draws figures of the generated data itself into a
	// run's figures directory (Plot; a run without a model has a plot
	// stage only then).
	figures func(data, figs string, opts PlotOptions) ([]string, error)
}

// dataKind is what a solver's samples are, and what a model family
// trains on.
type dataKind int

const (
	// gridFields are fields on a regular grid, in the PDEBench layouts.
	gridFields dataKind = iota
	// particleTrajectories are particle positions per frame, one
	// trajectory per sample (docs/DATA.md, "Particle trajectories").
	particleTrajectories
)

func (k dataKind) String() string {
	if k == particleTrajectories {
		return "particle trajectories"
	}
	return "fields on a grid"
}

// generator makes the samples of one configured dataset, whatever their
// kind: the generate stage asks it for the parameters and attributes the
// file records, how samples are stored, and its memory. Sample i must
// depend only on (seed, i), and solving must be safe from several
// goroutines.
type generator interface {
	params() any               // the resolved [data.params]
	attrs() map[string]float64 // root attributes of the generated file
	store() sampleStore        // how the samples are laid out in the file
	// storedValues is the number of float32 values one sample stores
	// (an upper estimate where samples differ in size).
	storedValues() float64
	// footprint estimates the memory of solving on workers goroutines.
	footprint(workers float64) []part
}

// fieldGenerator is a solver whose samples are fields on a grid (the
// PDEBench layouts): what grid model families read and re-solve.
type fieldGenerator interface {
	layout() datasets.Layout
	fields() []fieldSpec
	coords() datasets.Coordinates
	attrs() map[string]float64
	params() any
	sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error)
}

// fieldData is a fieldGenerator in the generate stage: fields appended
// along their sample axis.
type fieldData struct {
	fieldGenerator
	d DataConfig
}

// fieldSolver adapts a grid solver's builder to the table.
func fieldSolver(build func(*Config, toml.MetaData) (fieldGenerator, error)) func(*Config, toml.MetaData) (generator, error) {
	return func(c *Config, md toml.MetaData) (generator, error) {
		g, err := build(c, md)
		if err != nil {
			return nil, err
		}
		return fieldData{g, c.Data}, nil
	}
}

func (g fieldData) store() sampleStore { return &fieldStore{gen: g.fieldGenerator} }

func (g fieldData) storedValues() float64 {
	n := 0.0
	for _, f := range g.fields() {
		m := 1.0
		for _, s := range f.shape {
			m *= float64(s)
		}
		n += m
	}
	return n
}

// footprint is, per worker, the solver's workspace and one sample's
// frames in float64 and float32.
func (g fieldData) footprint(workers float64) []part {
	spec := registry[g.d.Solver]
	points := math.Pow(float64(g.d.Resolution), float64(spec.dim))
	frames := float64(max(g.d.Snapshots, 1)) * points * 8
	return []part{
		{fmt.Sprintf("solver workspace for %.0f workers", workers), workers * spec.workspaceBytes(points), "data.resolution"},
		{"frames of one sample per worker", workers * (frames + 4*g.storedValues()), "data.snapshots"},
	}
}

// gridOf is the grid solver behind a generator of grid data (grid model
// families see only those: validation refuses other data for them).
func gridOf(g generator) fieldGenerator { return g.(fieldData).fieldGenerator }

// dataKind is what the configured data is: an existing file holds grid
// fields, a solver makes what its entry says.
func (c *Config) dataKind() dataKind {
	if c.ext != nil {
		return gridFields
	}
	return registry[c.Data.Solver].data
}

// grid is the configured grid solver (see gridOf).
func (c *Config) grid() fieldGenerator { return gridOf(c.gen) }

type fieldSpec struct {
	name  string
	shape []int // per sample
}

// decodeParams fills dst from [data.params].
func decodeParams(c *Config, md toml.MetaData, dst any) error {
	if err := md.PrimitiveDecode(c.Data.Params, dst); err != nil {
		return fmt.Errorf("decoding: %v", err)
	}
	return nil
}

// timeAxis returns the stored times b, b + t_end/(T-1), ..., b + t_end,
// b = burn_in: the solvers integrate from the initial condition at t = 0
// and store only these, so the burn-in [0, b) is computed and discarded.
func timeAxis(d DataConfig) []float64 {
	t := make([]float64, d.Snapshots)
	for i := range t {
		t[i] = d.BurnIn + d.TEnd*float64(i)/float64(d.Snapshots-1)
	}
	return t
}

func subsample1D(x []float64, k int) []float64 {
	out := make([]float64, 0, (len(x)+k-1)/k)
	for j := 0; j < len(x); j += k {
		out = append(out, x[j])
	}
	return out
}

// subsampleFrames converts frames on an n^dim grid (row-major) to float32,
// keeping every k-th point along each axis, frames one after another.
func subsampleFrames(frames [][]float64, n, k, dim int) []float32 {
	m := (n + k - 1) / k
	per := m
	if dim == 2 {
		per = m * m
	}
	v := make([]float32, 0, len(frames)*per)
	for _, f := range frames {
		if dim == 1 {
			for j := 0; j < n; j += k {
				v = append(v, float32(f[j]))
			}
			continue
		}
		for a := 0; a < n; a += k {
			for b := 0; b < n; b += k {
				v = append(v, float32(f[a*n+b]))
			}
		}
	}
	return v
}

// paramFieldError points the parameter error of a solver's (or a random
// field's) Validate at the config key its parameter comes from: keys maps
// the error's Param to a key relative to data.params, or a full key under
// data. An error of a parameter no key sets is returned as it is (and
// reported under data.params).
func paramFieldError(err error, keys map[string]string) error {
	var pe *param.Error
	if !errors.As(err, &pe) {
		return err
	}
	key, ok := keys[pe.Param]
	if !ok {
		return err
	}
	return &fieldError{key, pe.Msg}
}

// icKeys are the keys of a periodic initial condition's random field.
var icKeys = map[string]string{"alpha": "ic_alpha", "tau": "ic_tau", "sigma": "ic_sigma", "n": "data.resolution"}

// checkPeriodicSubsample refuses a subsampling that does not divide a
// periodic grid.
func checkPeriodicSubsample(d DataConfig) error {
	if d.Resolution%d.Subsample != 0 {
		return &fieldError{"data.subsample", fmt.Sprintf("resolution %d is not a multiple of subsample %d", d.Resolution, d.Subsample)}
	}
	return nil
}

func finiteCheck(key string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &fieldError{key, fmt.Sprintf("must be finite, got %v", v)}
	}
	return nil
}

// ---------------------------------------------------------------- burgers

// BurgersParams are [data.params] for solver "burgers": FNO's Burgers
// data, u_t + (u^2/2)_x = nu u_xx on [0, length), initial conditions from
// N(0, sigma^2 (-Laplacian + tau^2)^-alpha), grf.GRF1 as FNO's GRF1.m (FNO
// paper: 625 (-Laplacian + 25)^-2, i.e. sigma 25, tau 5, alpha 2).
type BurgersParams struct {
	Nu       float64 `toml:"nu" json:"nu" doc:"viscosity (convection: diffusion coefficient)"`
	Length   float64 `toml:"length" json:"length" doc:"domain length"`
	ICAlpha  float64 `toml:"ic_alpha" json:"ic_alpha" doc:"initial-condition GRF exponent alpha of (-Laplacian + tau^2)^-alpha"`
	ICTau    float64 `toml:"ic_tau" json:"ic_tau" doc:"initial-condition GRF length-scale parameter tau"`
	ICSigma  float64 `toml:"ic_sigma" json:"ic_sigma" doc:"initial-condition GRF amplitude sigma (0: the method default)"`
	IC       string  `toml:"ic" json:"ic" doc:"initial condition: grf (FNO's data) or sin: u0 = sin(2 pi x / length) + ic_offset (LPINN's moving shock)"`
	ICOffset float64 `toml:"ic_offset" json:"ic_offset" doc:"the constant C of ic = sin (the shock then moves at about C)"`
}

type burgersGen struct {
	d  DataConfig
	p  BurgersParams
	sp burgers.Params
	ic grf.Periodic
}

// burgersKeys are the keys of burgers.Params' parameters.
var burgersKeys = map[string]string{"nu": "nu", "length": "length", "n": "data.resolution", "dt": "data.dt"}

// buildBurgers decodes [data.params] for solver burgers and builds its
// generator; burgers.Params.Validate and grf check the parameters, their
// errors pointed at their keys.
func buildBurgers(c *Config, md toml.MetaData) (fieldGenerator, error) {
	p := defaultBurgersParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	d := c.Data
	sp := burgers.Params{Nu: p.Nu, Length: p.Length, N: d.Resolution, Dt: d.Dt}
	if err := sp.Validate(); err != nil {
		return nil, paramFieldError(err, burgersKeys)
	}
	if p.IC != "grf" && p.IC != "sin" {
		return nil, &fieldError{"ic", fmt.Sprintf("must be \"grf\" or \"sin\", got %q", p.IC)}
	}
	if err := finiteCheck("ic_offset", p.ICOffset); err != nil {
		return nil, err
	}
	ic := grf.Periodic{Dim: 1, N: d.Resolution, Alpha: p.ICAlpha, Tau: p.ICTau, Sigma: p.ICSigma, Law: grf.GRF1}
	if err := ic.Validate(); p.IC == "grf" && err != nil {
		return nil, paramFieldError(err, icKeys)
	}
	if err := checkPeriodicSubsample(d); err != nil {
		return nil, err
	}
	return &burgersGen{d: d, p: p, sp: sp, ic: ic}, nil
}

func (g *burgersGen) layout() datasets.Layout { return datasets.LayoutTensor }
func (g *burgersGen) fields() []fieldSpec {
	return []fieldSpec{{"tensor", []int{g.d.Snapshots, g.d.Resolution / g.d.Subsample}}}
}
func (g *burgersGen) coords() datasets.Coordinates {
	x := make([]float64, g.d.Resolution)
	for j := range x {
		x[j] = g.p.Length * float64(j) / float64(g.d.Resolution)
	}
	return datasets.Coordinates{X: subsample1D(x, g.d.Subsample), T: timeAxis(g.d)}
}
func (g *burgersGen) attrs() map[string]float64 { return map[string]float64{"Nu": g.p.Nu} }
func (g *burgersGen) params() any               { return g.p }

func (g *burgersGen) sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error) {
	s, err := burgers.New(g.sp)
	if err != nil {
		return nil, err
	}
	var u0 []float64
	if g.p.IC == "sin" {
		u0 = make([]float64, g.d.Resolution)
		for j := range u0 {
			u0[j] = math.Sin(2*math.Pi*float64(j)/float64(g.d.Resolution)) + g.p.ICOffset
		}
	} else {
		u0 = g.ic.Sample(seed, i)
	}
	out, err := s.Solve(ctx, u0, timeAxis(g.d), nil)
	if err != nil {
		return nil, err
	}
	return map[string][]float32{"tensor": subsampleFrames(out, g.d.Resolution, g.d.Subsample, 1)}, nil
}

// ------------------------------------------------------------- convection

// ConvectionParams are [data.params] for solver "convection": the
// PINN-failure-modes / LPINN problems on [0, 2 pi) with u0 = sin x
// (ic = "sin") or a GRF (ic = "grf", grf.GRF1:
// N(0, sigma^2 (-Laplacian + tau^2)^-alpha)).
type ConvectionParams struct {
	Beta        float64 `toml:"beta" json:"beta" doc:"convection speed"`
	Nu          float64 `toml:"nu" json:"nu" doc:"viscosity (convection: diffusion coefficient)"`
	Rho         float64 `toml:"rho" json:"rho" doc:"reaction rate"`
	IC          string  `toml:"ic" json:"ic" doc:"initial condition: sin or grf"`
	ICAlpha     float64 `toml:"ic_alpha" json:"ic_alpha" doc:"initial-condition GRF exponent alpha of (-Laplacian + tau^2)^-alpha"`
	ICTau       float64 `toml:"ic_tau" json:"ic_tau" doc:"initial-condition GRF length-scale parameter tau"`
	ICSigma     float64 `toml:"ic_sigma" json:"ic_sigma" doc:"initial-condition GRF amplitude sigma (0: the method default)"`
	SplittingDt float64 `toml:"splitting_dt" json:"splitting_dt" doc:"Strang splitting time step (0: exact solution where one exists)"`
}

type convectionGen struct {
	d  DataConfig
	p  ConvectionParams
	cp convection.Params
	ic grf.Periodic
}

// buildConvection decodes [data.params] for solver convection and builds
// its generator; convection.Params.Validate and grf check the parameters,
// their errors pointed at their keys.
func buildConvection(c *Config, md toml.MetaData) (fieldGenerator, error) {
	p := defaultConvectionParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	d := c.Data
	dt, dtKey := p.SplittingDt, "splitting_dt"
	if dt == 0 {
		dt, dtKey = d.Dt, "data.dt"
	}
	cp := convection.Params{Beta: p.Beta, Nu: p.Nu, Rho: p.Rho, N: d.Resolution, Dt: dt}
	if err := cp.Validate(); err != nil {
		return nil, paramFieldError(err, map[string]string{"beta": "beta", "nu": "nu", "rho": "rho", "n": "data.resolution", "dt": dtKey})
	}
	if p.IC != "sin" && p.IC != "grf" {
		return nil, &fieldError{"ic", fmt.Sprintf("must be \"sin\" or \"grf\", got %q", p.IC)}
	}
	ic := grf.Periodic{Dim: 1, N: d.Resolution, Alpha: p.ICAlpha, Tau: p.ICTau, Sigma: p.ICSigma, Law: grf.GRF1}
	if p.IC == "grf" {
		if err := ic.Validate(); err != nil {
			return nil, paramFieldError(err, icKeys)
		}
	}
	if err := checkPeriodicSubsample(d); err != nil {
		return nil, err
	}
	return &convectionGen{d: d, p: p, cp: cp, ic: ic}, nil
}

func (g *convectionGen) layout() datasets.Layout { return datasets.LayoutTensor }
func (g *convectionGen) fields() []fieldSpec {
	return []fieldSpec{{"tensor", []int{g.d.Snapshots, g.d.Resolution / g.d.Subsample}}}
}
func (g *convectionGen) coords() datasets.Coordinates {
	return datasets.Coordinates{X: subsample1D(g.cp.Grid(), g.d.Subsample), T: timeAxis(g.d)}
}
func (g *convectionGen) attrs() map[string]float64 {
	return map[string]float64{"beta": g.p.Beta, "Nu": g.p.Nu, "rho": g.p.Rho}
}
func (g *convectionGen) params() any { return g.p }

func (g *convectionGen) sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error) {
	var u0 []float64
	if g.p.IC == "sin" {
		x := g.cp.Grid()
		u0 = make([]float64, len(x))
		for j := range x {
			u0[j] = math.Sin(x[j])
		}
	} else {
		u0 = g.ic.Sample(seed, i)
	}
	out, err := convection.Solve(ctx, g.cp, u0, timeAxis(g.d))
	if err != nil {
		return nil, err
	}
	return map[string][]float32{"tensor": subsampleFrames(out, g.d.Resolution, g.d.Subsample, 1)}, nil
}

// ----------------------------------------------------------- navierstokes

// NavierStokesParams are [data.params] for solver "navierstokes": FNO's
// vorticity datasets on the unit torus (forcing "fno") or Kolmogorov flow
// (forcing "kolmogorov", length 2 pi, drag), initial vorticity from
// N(0, 2 sigma^2 (-Laplacian + tau^2)^-alpha), grf.GaussianRF2020 as the
// random_fields.py that made FNO's data (FNO: alpha 2.5, tau 7, sigma
// 7^1.5).
type NavierStokesParams struct {
	Nu         float64 `toml:"nu" json:"nu" doc:"viscosity (convection: diffusion coefficient)"`
	Length     float64 `toml:"length" json:"length" doc:"domain length"`
	Scheme     string  `toml:"scheme" json:"scheme" doc:"time stepper: fno-cn (Crank-Nicolson/Euler as FNO's ns_2d.py) or etdrk4"`
	Forcing    string  `toml:"forcing" json:"forcing" doc:"none, fno (amplitude (sin 2 pi (x+y) + cos 2 pi (x+y)), FNO's, amplitude 0.1) or kolmogorov (amplitude cos(wavenumber y), on a 2 pi box)"`
	Amplitude  float64 `toml:"amplitude" json:"amplitude" doc:"forcing amplitude (kolmogorov)"`
	Wavenumber int     `toml:"wavenumber" json:"wavenumber" doc:"forcing wavenumber (kolmogorov)"`
	Drag       float64 `toml:"drag" json:"drag" doc:"linear drag coefficient"`
	ICAlpha    float64 `toml:"ic_alpha" json:"ic_alpha" doc:"initial-condition GRF exponent alpha of (-Laplacian + tau^2)^-alpha"`
	ICTau      float64 `toml:"ic_tau" json:"ic_tau" doc:"initial-condition GRF length-scale parameter tau"`
	ICSigma    float64 `toml:"ic_sigma" json:"ic_sigma" doc:"initial-condition GRF amplitude sigma (0: the method default)"`
}

type nsGen struct {
	d  DataConfig
	p  NavierStokesParams
	sp navierstokes.Params
	ic grf.Periodic
}

// navierStokesKeys are the keys of navierstokes.Params' parameters.
var navierStokesKeys = map[string]string{"nu": "nu", "length": "length", "n": "data.resolution", "dt": "data.dt", "drag": "drag",
	"amplitude": "amplitude", "scheme": "scheme", "forcing": "forcing", "wavenumber": "wavenumber"}

// buildNavierStokes decodes [data.params] for solver navierstokes and
// builds its generator; navierstokes.Params.Validate and grf check the
// parameters, their errors pointed at their keys.
func buildNavierStokes(c *Config, md toml.MetaData) (fieldGenerator, error) {
	p := defaultNavierStokesParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	d := c.Data
	sp := navierstokes.Params{Nu: p.Nu, Length: p.Length, N: d.Resolution, Dt: d.Dt, Scheme: navierstokes.Scheme(p.Scheme),
		Forcing: navierstokes.Forcing(p.Forcing), Amplitude: p.Amplitude, Wavenumber: p.Wavenumber, Drag: p.Drag}
	if err := sp.Validate(); err != nil {
		return nil, paramFieldError(err, navierStokesKeys)
	}
	// The solver reads an empty scheme or forcing as its own default; in
	// a config, whose defaults are filled before decoding, it names none.
	switch {
	case p.Scheme == "":
		return nil, &fieldError{"scheme", fmt.Sprintf("unknown scheme \"\" (expected %q or %q)", navierstokes.SchemeFNO, navierstokes.SchemeETDRK4)}
	case p.Forcing == "":
		return nil, &fieldError{"forcing", fmt.Sprintf("unknown forcing \"\" (expected %q, %q or %q)",
			navierstokes.ForcingNone, navierstokes.ForcingFNO, navierstokes.ForcingKolmogorov)}
	}
	ic := grf.Periodic{Dim: 2, N: d.Resolution, Alpha: p.ICAlpha, Tau: p.ICTau, Sigma: p.ICSigma, Law: grf.GaussianRF2020}
	if err := ic.Validate(); err != nil {
		return nil, paramFieldError(err, icKeys)
	}
	if err := checkPeriodicSubsample(d); err != nil {
		return nil, err
	}
	return &nsGen{d: d, p: p, sp: sp, ic: ic}, nil
}

func (g *nsGen) layout() datasets.Layout { return datasets.LayoutTensor }
func (g *nsGen) fields() []fieldSpec {
	m := g.d.Resolution / g.d.Subsample
	return []fieldSpec{{"tensor", []int{g.d.Snapshots, m, m}}}
}
func (g *nsGen) coords() datasets.Coordinates {
	x := subsample1D(g.sp.Grid(), g.d.Subsample)
	return datasets.Coordinates{X: x, Y: x, T: timeAxis(g.d)}
}
func (g *nsGen) attrs() map[string]float64 { return map[string]float64{"Nu": g.p.Nu} }
func (g *nsGen) params() any               { return g.p }

func (g *nsGen) sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error) {
	s, err := navierstokes.New(g.sp)
	if err != nil {
		return nil, err
	}
	w0 := g.ic.Sample(seed, i)
	if cfl := s.CFL(w0); cfl > 1 {
		return nil, fmt.Errorf("data.dt %g gives CFL number %.3g > 1 for the initial vorticity; reduce dt", g.d.Dt, cfl)
	}
	out, err := s.Solve(ctx, w0, timeAxis(g.d), nil)
	if err != nil {
		return nil, err
	}
	return map[string][]float32{"tensor": subsampleFrames(out, g.d.Resolution, g.d.Subsample, 2)}, nil
}

// ------------------------------------------------------------------ darcy

// DarcyParams are [data.params] for solver "darcy": FNO's Darcy data,
// -div(a grad u) = forcing on the unit square with u = 0 on the boundary,
// a thresholded from a Neumann GRF (alpha 2, tau 3) to high / low (12 / 3
// in the paper; 12 / 4 in the released demo.m).
type DarcyParams struct {
	Alpha   float64 `toml:"alpha" json:"alpha" doc:"coefficient GRF exponent alpha"`
	Tau     float64 `toml:"tau" json:"tau" doc:"coefficient GRF parameter tau"`
	High    float64 `toml:"high" json:"high" doc:"coefficient value where the GRF is positive"`
	Low     float64 `toml:"low" json:"low" doc:"coefficient value where the GRF is negative"`
	Forcing float64 `toml:"forcing" json:"forcing" doc:"the constant right-hand side f"`
	Mean    string  `toml:"mean" json:"mean" doc:"face coefficient average: arithmetic or harmonic"`
}

type darcyGen struct {
	d  DataConfig
	p  DarcyParams
	dp darcy.Params
	ic grf.Neumann
}

// buildDarcy decodes [data.params] for solver darcy and builds its
// generator; the coefficient and forcing values are checked here, the grid
// and mean by darcy.Params.Validate, the field by grf, their errors
// pointed at their keys.
func buildDarcy(c *Config, md toml.MetaData) (fieldGenerator, error) {
	p := defaultDarcyParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	if !(p.High > 0) {
		return nil, &fieldError{"high", fmt.Sprintf("coefficient must be positive, got %v", p.High)}
	}
	if !(p.Low > 0) {
		return nil, &fieldError{"low", fmt.Sprintf("coefficient must be positive, got %v", p.Low)}
	}
	if err := finiteCheck("forcing", p.Forcing); err != nil {
		return nil, err
	}
	d := c.Data
	dp := darcy.Params{N: d.Resolution, Mean: darcy.Mean(p.Mean)}
	if err := dp.Validate(); err != nil {
		return nil, paramFieldError(err, map[string]string{"n": "data.resolution", "mean": "mean"})
	}
	ic := grf.Neumann{N: d.Resolution, Alpha: p.Alpha, Tau: p.Tau}
	if err := ic.Validate(); err != nil {
		return nil, paramFieldError(err, map[string]string{"alpha": "alpha", "tau": "tau", "n": "data.resolution"})
	}
	if (d.Resolution-1)%d.Subsample != 0 {
		return nil, &fieldError{"data.subsample", fmt.Sprintf("resolution - 1 = %d is not a multiple of subsample %d (FNO: 421 with 2, 4, 5, ...)", d.Resolution-1, d.Subsample)}
	}
	return &darcyGen{d: d, p: p, dp: dp, ic: ic}, nil
}

func (g *darcyGen) stored() int             { return (g.d.Resolution-1)/g.d.Subsample + 1 }
func (g *darcyGen) layout() datasets.Layout { return datasets.LayoutDarcy }
func (g *darcyGen) fields() []fieldSpec {
	m := g.stored()
	return []fieldSpec{{"nu", []int{m, m}}, {"tensor", []int{1, m, m}}}
}
func (g *darcyGen) coords() datasets.Coordinates {
	x := subsample1D(g.dp.Grid(), g.d.Subsample)
	return datasets.Coordinates{X: x, Y: x}
}
func (g *darcyGen) attrs() map[string]float64 { return map[string]float64{"beta": g.p.Forcing} }
func (g *darcyGen) params() any               { return g.p }

func (g *darcyGen) sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error) {
	a := grf.Threshold(g.ic.Sample(seed, i), g.p.High, g.p.Low)
	n := g.d.Resolution
	f := make([]float64, n*n)
	for j := range f {
		f[j] = g.p.Forcing
	}
	u, _, err := darcy.Solve(ctx, g.dp, a, f)
	if err != nil {
		return nil, err
	}
	k := g.d.Subsample
	return map[string][]float32{"nu": subsampleFrames([][]float64{a}, n, k, 2), "tensor": subsampleFrames([][]float64{u}, n, k, 2)}, nil
}

// defaultBurgersParams are the burgers solver's [data.params] defaults.
func defaultBurgersParams() BurgersParams {
	return BurgersParams{Nu: 0.1, Length: 1, ICAlpha: 2, ICTau: 5, ICSigma: 25, IC: "grf"}
}

// defaultConvectionParams are the convection solver's [data.params] defaults.
func defaultConvectionParams() ConvectionParams {
	return ConvectionParams{IC: "sin", ICAlpha: 2, ICTau: 5, ICSigma: 0}
}

// defaultNavierStokesParams are the navierstokes solver's [data.params] defaults.
func defaultNavierStokesParams() NavierStokesParams {
	return NavierStokesParams{Nu: 1e-3, Length: 1, Scheme: string(navierstokes.SchemeFNO), Forcing: string(navierstokes.ForcingFNO), ICAlpha: 2.5, ICTau: 7}
}

// defaultDarcyParams are the darcy solver's [data.params] defaults.
func defaultDarcyParams() DarcyParams {
	return DarcyParams{Alpha: 2, Tau: 3, High: 12, Low: 3, Forcing: 1, Mean: string(darcy.Arithmetic)}
}
