package experiments

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/solvers/burgers2d"
)

// Burgers2DParams are [data.params] for solver "burgers2d": 2-D viscous
// Burgers on the periodic unit square (solvers/burgers2d), the fields of
// the mesh movers. The velocity system stores one scalar per grid point,
// chosen by store: its u or v component or the speed |(u, v)|; the
// scalar equation stores u.
type Burgers2DParams struct {
	Nu       float64 `toml:"nu" json:"nu" doc:"viscosity"`
	Equation string  `toml:"equation" json:"equation" doc:"vector (u_t + (u . grad) u = nu Lap u for the velocity (u, v)) or scalar (u_t + u u_x + u u_y = nu Lap u)"`
	Store    string  `toml:"store" json:"store" doc:"the scalar stored per grid point: u, v or speed (vector equation); u (scalar equation)"`
	ICAlpha  float64 `toml:"ic_alpha" json:"ic_alpha" doc:"initial-condition GRF exponent alpha of (-Laplacian + tau^2)^-alpha, per component"`
	ICTau    float64 `toml:"ic_tau" json:"ic_tau" doc:"initial-condition GRF inverse length tau"`
	ICStd    float64 `toml:"ic_std" json:"ic_std" doc:"pointwise standard deviation of each initial component"`
}

// defaultBurgers2DParams are burgers2d.DefaultParams' physics, storing u.
func defaultBurgers2DParams() Burgers2DParams {
	d := burgers2d.DefaultParams()
	return Burgers2DParams{Nu: d.Nu, Equation: string(d.Equation), Store: "u", ICAlpha: d.ICAlpha, ICTau: d.ICTau, ICStd: d.ICStd}
}

// burgers2DKeys are the keys of burgers2d.Params' parameters.
var burgers2DKeys = map[string]string{"nu": "nu", "n": "data.resolution", "dt": "data.dt", "equation": "equation",
	"t_end": "data.t_end", "frames": "data.snapshots", "ic_alpha": "ic_alpha", "ic_tau": "ic_tau", "ic_std": "ic_std"}

type burgers2DGen struct {
	d  DataConfig
	p  Burgers2DParams
	sp burgers2d.Params
}

// buildBurgers2D decodes [data.params] for solver burgers2d and builds its
// generator; burgers2d.Params.Validate checks the physics and the
// initial-condition law, its errors pointed at their keys.
func buildBurgers2D(c *Config, md toml.MetaData) (fieldGenerator, error) {
	p := defaultBurgers2DParams()
	if err := decodeParams(c, md, &p); err != nil {
		return nil, err
	}
	d := c.Data
	sp := burgers2d.Params{Nu: p.Nu, N: d.Resolution, Dt: d.Dt, Equation: burgers2d.Equation(p.Equation),
		TEnd: d.BurnIn + d.TEnd, Frames: d.Snapshots, ICAlpha: p.ICAlpha, ICTau: p.ICTau, ICStd: p.ICStd}
	if p.Equation == "" {
		return nil, &fieldError{"equation", fmt.Sprintf("unknown equation \"\" (expected %q or %q)", burgers2d.EquationVector, burgers2d.EquationScalar)}
	}
	if err := sp.Validate(); err != nil {
		return nil, paramFieldError(err, burgers2DKeys)
	}
	stores := []string{"u", "v", "speed"}
	if sp.Equation == burgers2d.EquationScalar {
		stores = []string{"u"}
	}
	if !slices.Contains(stores, p.Store) {
		return nil, &fieldError{"store", fmt.Sprintf("the %s equation stores one of %q, got %q", p.Equation, stores, p.Store)}
	}
	if err := checkPeriodicSubsample(d); err != nil {
		return nil, err
	}
	return &burgers2DGen{d: d, p: p, sp: sp}, nil
}

func (g *burgers2DGen) layout() datasets.Layout { return datasets.LayoutTensor }
func (g *burgers2DGen) fields() []fieldSpec {
	m := g.d.Resolution / g.d.Subsample
	return []fieldSpec{{"tensor", []int{g.d.Snapshots, m, m}}}
}
func (g *burgers2DGen) coords() datasets.Coordinates {
	x := subsample1D(g.sp.Grid(), g.d.Subsample)
	return datasets.Coordinates{X: x, Y: x, T: timeAxis(g.d)}
}
func (g *burgers2DGen) attrs() map[string]float64 { return map[string]float64{"Nu": g.p.Nu} }
func (g *burgers2DGen) params() any               { return g.p }

func (g *burgers2DGen) sample(ctx context.Context, seed uint64, i int) (map[string][]float32, error) {
	s, err := burgers2d.New(g.sp)
	if err != nil {
		return nil, err
	}
	out, err := s.Solve(ctx, g.sp.InitialCondition(seed, i), timeAxis(g.d), nil)
	if err != nil {
		return nil, err
	}
	frames := make([][]float64, len(out))
	for k, f := range out {
		frames[k] = g.stored(f)
	}
	return map[string][]float32{"tensor": subsampleFrames(frames, g.d.Resolution, g.d.Subsample, 2)}, nil
}

// stored is the scalar of field f that params.store names.
func (g *burgers2DGen) stored(f burgers2d.Field) []float64 {
	switch g.p.Store {
	case "v":
		return f.V
	case "speed":
		s := make([]float64, len(f.U))
		for k := range s {
			s[k] = math.Hypot(f.U[k], f.V[k])
		}
		return s
	}
	return f.U
}
