package experiments

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/operators/fno"
	"github.com/surrogo/surrogo/operators/t1"
	"github.com/surrogo/surrogo/pinn"
	"github.com/surrogo/surrogo/tensor"
)

// The model registry: every model family [model] kind can name, in one
// table, beside the solver table (registry.go). An entry says everything
// the pipeline needs from its family; the rest of the pipeline asks the
// entry and never which kind it has. A new family is one package (under
// operators/, pinn/ or mesh/), one entry here and one example config.
var modelFamilies = map[string]modelFamily{
	"fno": gridFamily("Fourier neural operator (Li et al. 2021): FNO-1D/2D/3D as the original scripts", gridArch{
		keys:     []string{"model.pad_fraction"},
		validate: validateFNO, check: checkFNO, build: buildFNO, params: fnoParams, resolve: resolveFNO,
		// 46 floats per channel and point measured at 4 layers (FNO-2D, 128^2), 36 in 1D.
		activationFactor: func(layers int) float64 { return 8*float64(orDefault(layers, 4)) + 8 },
	}),
	"t1": gridFamily("Transform Once (Poli et al. 2022): T1-1D/2D with DCT or rFFT weights", gridArch{
		keys:     []string{"model.transform", "model.init"},
		validate: validateT1, check: checkT1, build: buildT1, params: t1Params, resolve: resolveT1,
		// 27 floats per channel and point measured at 8 layers (64^2).
		activationFactor: func(layers int) float64 { return 4*float64(orDefault(layers, 8)) + 4 },
	}),
	"pinn": physicsInformedFamily("physics-informed network (Raissi et al. 2019) on the equation of [data]", nil,
		func(pde pinn.PDE, a pinn.Arch, r *tensor.RNG) (pinn.Model, error) { return pinn.NewPINN(pde, a, r) }),
	"lpinn": physicsInformedFamily("Lagrangian PINN (Mojgani et al. 2023): a characteristic-curve and a solution network",
		[]string{"model.depth_x", "model.shared_layers", "model.hard_curve_ic"},
		func(pde pinn.PDE, a pinn.Arch, r *tensor.RNG) (pinn.Model, error) { return pinn.NewLPINN(pde, a, r) }),
}

// modelFamily is one entry of the model registry.
type modelFamily struct {
	about string   // one line for docs/CONFIG.md
	keys  []string // the [model], [train] and [eval] keys it reads (besides model.kind)
	// validate fills the family's defaults and checks its sections against
	// the data it will see; errors name the key and its line.
	validate func(c *Config, md toml.MetaData, raw []byte) error
	// resolve returns [model] as config.toml records it: every default of
	// the architecture filled in.
	resolve func(c *Config) ModelConfig
	// footprints estimate the memory of training (and evaluation).
	footprints func(c *Config) []footprint
	train      func(ctx context.Context, c *Config, log io.Writer) (*TrainSummary, error)
	evaluate   func(ctx context.Context, c *Config) (*Metrics, error)
	// fieldAxes names the axes of one stored prediction: "x" (a field on
	// the grid of the data) or "t x" (a space-time field).
	fieldAxes string
	grid      *gridArch // the architecture of a grid operator; nil otherwise
	// newPINN builds a physics-informed family's network; nil otherwise.
	newPINN func(pde pinn.PDE, a pinn.Arch, r *tensor.RNG) (pinn.Model, error)
}

// family returns the configured model family, which validation looked up
// (kept on the Config: the table's functions reach it through here, and
// a lookup would make the table refer to itself).
func (c *Config) family() modelFamily { return *c.fam }

// familyNames lists the model kinds, sorted.
func familyNames() []string { return slices.Sorted(maps.Keys(modelFamilies)) }

// reads reports whether the family reads a dotted key.
func (f modelFamily) reads(key string) bool {
	return key == "model.kind" || slices.Contains(f.keys, key)
}

// checkFamilyKeys refuses, at its line, a [model], [train] or [eval] key
// the family does not read (a PINN-only key on an FNO, a T1 key on a
// PINN), naming the kinds that do read it.
func (c *Config) checkFamilyKeys(md toml.MetaData, raw []byte) error {
	f := c.family()
	for _, k := range md.Keys() {
		if len(k) != 2 || (k[0] != "model" && k[0] != "train" && k[0] != "eval") {
			continue
		}
		key := k.String()
		if f.reads(key) {
			continue
		}
		var users []string
		for _, name := range familyNames() {
			if modelFamilies[name].reads(key) {
				users = append(users, name)
			}
		}
		return c.fail(raw, key, "kind %s does not use this key (it applies to kind %s): remove it", c.Model.Kind, strings.Join(users, ", "))
	}
	return nil
}

// dropUnread removes from a resolved tree the keys the family does not
// read, so config.toml records only what the run used.
func (f modelFamily) dropUnread(tree map[string]any) {
	for _, section := range []string{"model", "train", "eval"} {
		t, ok := tree[section].(map[string]any)
		if !ok {
			continue
		}
		for k := range t {
			if !f.reads(section + "." + k) {
				delete(t, k)
			}
		}
	}
}

// ------------------------------------------------------ grid operators

// gridKeys are the keys every grid operator reads: the map or rollout
// task, the architecture's common sizes, the first-order training loop and
// the evaluation on other grids.
var gridKeys = []string{
	"model.task", "model.t_in", "model.t_out", "model.width", "model.modes", "model.layers", "model.proj_hidden", "model.activation",
	"train.epochs", "train.batch", "train.optimizer", "train.lr", "train.weight_decay", "train.schedule", "train.step_size", "train.gamma",
	"train.normalize", "train.loss", "train.subsample", "train.checkpoint_every", "train.eval_every", "train.windows",
	"train.clip_norm", "train.pct_start", "train.div_factor", "train.final_div_factor",
	"eval.subsamples", "eval.resolutions", "eval.superres_samples", "eval.solver_samples", "eval.rollout_steps", "eval.compare_steps",
}

// gridArch is what differs between the grid operators: their own keys and
// how a [model] section becomes a network on a grid.
type gridArch struct {
	keys     []string
	validate func(c *Config, raw []byte) error    // the architecture's own keys
	check    func(c *Config, spatial []int) error // the model against a training grid
	build    func(c *Config, spatial []int, r *tensor.RNG) (operator, any, error)
	params   func(c *Config, dim int) float64 // parameter count, without building
	resolve  func(c *Config, spatial []int) ModelConfig
	// activationFactor is the floats kept per hidden channel and grid point
	// of one sample in a training step (fitted to docs/PERFORMANCE.md).
	activationFactor func(layers int) float64
}

// gridFamily is the registry entry of a grid operator.
func gridFamily(about string, a gridArch) modelFamily {
	return modelFamily{
		about:      about,
		keys:       append(slices.Clone(gridKeys), a.keys...),
		validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateGrid(md, raw, a) },
		resolve:    func(c *Config) ModelConfig { return a.resolve(c, c.storedSpatial(1)) },
		footprints: func(c *Config) []footprint { return c.gridFootprints(a) },
		train:      trainGrid,
		evaluate:   evaluateGrid,
		fieldAxes:  "x",
		grid:       &a,
	}
}

// storedSpatial is the data's stored grid, subsampled by k per axis.
func (c *Config) storedSpatial(k int) []int {
	spatial := c.storedShape()
	for i, n := range spatial {
		spatial[i] = (n + k - 1) / k
	}
	return spatial
}

func orDefaultFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// buildModel makes the configured grid operator for a training grid, its
// weights drawn from the seed's model stream; it also returns the
// operator's resolved configuration, defaults filled, for checkpoints.
func buildModel(cfg *Config, spatial []int) (operator, any, error) {
	return cfg.family().grid.build(cfg, spatial, tensor.NewRNGStream(cfg.Seed, 1<<32))
}

// checkModel checks the grid operator against a training grid.
func (c *Config) checkModel(spatial []int) error { return c.family().grid.check(c, spatial) }

// fnoConfig maps [model] to the FNO's configuration.
func (c *Config) fnoConfig(dim int) fno.Config {
	m := c.Model
	return fno.Config{Dim: dim, InChannels: c.inChannels(), OutChannels: c.variables(), Width: m.Width, Modes: m.Modes, Layers: m.Layers,
		ProjHidden: m.ProjHidden, PadFraction: m.PadFraction, Activation: m.Activation}
}

func validateFNO(c *Config, raw []byte) error {
	if p := c.Model.PadFraction; p < 0 || p > 1 {
		return c.fail(raw, "model.pad_fraction", "must be in [0, 1], got %v", p)
	}
	return nil
}

func checkFNO(c *Config, spatial []int) error {
	fc := c.fnoConfig(len(spatial)).WithDefaults()
	if err := fc.Validate(); err != nil {
		return err
	}
	return fc.CheckGrid(spatial)
}

func buildFNO(c *Config, spatial []int, r *tensor.RNG) (operator, any, error) {
	m, err := fno.New[float32](c.fnoConfig(len(spatial)), r)
	if err != nil {
		return nil, nil, err
	}
	return m, m.Cfg, nil
}

func fnoParams(c *Config, dim int) float64 { return c.fnoConfig(dim).ParamCount() }

func resolveFNO(c *Config, spatial []int) ModelConfig {
	m := c.Model
	fc := c.fnoConfig(len(spatial)).WithDefaults()
	m.Layers, m.ProjHidden, m.Activation = fc.Layers, fc.ProjHidden, fc.Activation
	return m
}

// t1Config maps [model] to T1's configuration for a training grid.
func (c *Config) t1Config(spatial []int) t1.Config {
	m := c.Model
	return t1.Config{Dim: len(spatial), InChannels: c.inChannels(), OutChannels: c.variables(), Width: m.Width, Modes: m.Modes, Layers: m.Layers,
		HeadHidden: m.ProjHidden, Activation: m.Activation, Init: m.Init, SignalSize: spatial, Transform: m.Transform}
}

func validateT1(c *Config, raw []byte) error {
	if tr := c.Model.Transform; tr != "" && tr != "dct" && tr != "dft" {
		return c.fail(raw, "model.transform", "unknown transform %q (expected dct or dft)", tr)
	}
	return nil
}

func checkT1(c *Config, spatial []int) error { return c.t1Config(spatial).WithDefaults().Validate() }

func buildT1(c *Config, spatial []int, r *tensor.RNG) (operator, any, error) {
	m, err := t1.New[float32](c.t1Config(spatial), r)
	if err != nil {
		return nil, nil, err
	}
	return m, m.Cfg, nil
}

func t1Params(c *Config, dim int) float64 { return c.t1Config(make([]int, dim)).ParamCount() }

func resolveT1(c *Config, spatial []int) ModelConfig {
	m := c.Model
	tc := c.t1Config(spatial).WithDefaults()
	m.Layers, m.ProjHidden, m.Activation, m.Init, m.Transform = tc.Layers, tc.HeadHidden, tc.Activation, tc.Init, tc.Transform
	return m
}

// ---------------------------------------------- physics-informed networks

// physicsInformedKeys are the keys every physics-informed family reads.
var physicsInformedKeys = []string{
	"model.width", "model.layers",
	"train.epochs", "train.lr", "train.amsgrad", "train.lbfgs_iters", "train.collocation", "train.loss_weights", "train.checkpoint_every",
}

// physicsInformedFamily is the registry entry of a PINN family: it
// trains on the equation of [data] (Adam then L-BFGS through nn.Trainer)
// and is evaluated on the stored reference solution.
func physicsInformedFamily(about string, extra []string, build func(pinn.PDE, pinn.Arch, *tensor.RNG) (pinn.Model, error)) modelFamily {
	return modelFamily{
		about:      about,
		keys:       append(slices.Clone(physicsInformedKeys), extra...),
		validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validatePINN(md, raw) },
		resolve:    func(c *Config) ModelConfig { return c.Model }, // validatePINN filled the defaults
		footprints: func(c *Config) []footprint { return []footprint{c.pinnFootprint()} },
		train:      trainPINN,
		evaluate:   evaluatePINN,
		fieldAxes:  "t x",
		newPINN:    build,
	}
}

// familyDoc renders the registry for docs/CONFIG.md: each family's keys
// under its name.
func familyDoc() string {
	var b strings.Builder
	b.WriteString("## Model families\n\n")
	b.WriteString("`[model] kind` names one family; each reads the keys listed under it, and a key of another family is refused at its line.\n\n")
	for _, name := range familyNames() {
		f := modelFamilies[name]
		fmt.Fprintf(&b, "- **%s**: %s. Keys: %s.\n", name, f.about, "`"+strings.Join(f.keys, "`, `")+"`")
	}
	return b.String()
}
