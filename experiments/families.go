package experiments

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/operators/factformer"
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
		keys:     append(slices.Clone(spectralKeys), "model.pad_fraction"),
		validate: validateFNO, check: checkFNO, build: buildFNO, params: fnoParams, resolve: resolveFNO,
		// 46 floats per channel and point measured at 4 layers (FNO-2D, 128^2), 36 in 1D.
		activationFactor: func(c *Config) float64 { return 8*float64(orDefault(c.Model.Layers, 4)) + 8 },
	}),
	"t1": gridFamily("Transform Once (Poli et al. 2022): T1-1D/2D with DCT or rFFT weights", gridArch{
		keys:     append(slices.Clone(spectralKeys), "model.transform", "model.init"),
		validate: validateT1, check: checkT1, build: buildT1, params: t1Params, resolve: resolveT1,
		// 27 floats per channel and point measured at 8 layers (64^2).
		activationFactor: func(c *Config) float64 { return 4*float64(orDefault(c.Model.Layers, 8)) + 4 },
	}),
	"factformer": gridFamily("factorized transformers (Li et al. 2023; Yang et al. 2024): FactFormer, IFactFormer-o (chained axis kernels) and -m (parallel)", gridArch{
		keys: []string{"model.variant", "model.heads", "model.dim_head", "model.kernel_multiplier", "model.latent_multiplier", "model.latent_steps",
			"model.rff_sigma", "model.coordinates", "model.quadrature",
			"train.curriculum_iters", "train.pushforward_after", "train.pushforward_every", "train.pushforward_unrolls"},
		validate: validateFactFormer, check: checkFactFormer, build: buildFactFormer, params: factFormerParams, resolve: resolveFactFormer,
		activationFactor: factFormerActivations, callTraining: true,
		framesPerCall: func(c *Config, dim int) int { return c.factFormerConfig(dim).Steps() },
	}),
	"gns":    particleFamily("graph network simulator (Sanchez-Gonzalez et al. 2020): encode-process-decode on a radius graph of all particles, the full-order baseline of GIOROM", gnsArch),
	"giorom": particleFamily("GIOROM (Viswanath et al.): a graph neural operator time-stepper on a sampled fraction of the particles and a neural field reconstructing all of them", giromArch),
	"monge":  mongeFamily,
	"dmm":    dmmFamily,
	"mmpde":  mmpdeFamily,
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
	// input is the data the family trains on (the zero value: fields on
	// a grid); a configuration whose data is another kind is refused.
	input dataKind
	// newPINN builds a physics-informed family's network; nil otherwise.
	newPINN func(pde pinn.PDE, a pinn.Arch, r *tensor.RNG) (pinn.Model, error)
	// particles is the architecture of a particle family; nil otherwise.
	particles *particleArch
	// mesh is the mover of a mesh-mover family; nil otherwise.
	mesh *meshArch
	// meshPDE: a network advancing grid data on mesh nodes (MM-PDE).
	meshPDE bool
	// untrained families (the classical mesh mover) have no [train]
	// section and no train stage: evaluation is the whole method.
	untrained bool
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
	"model.task", "model.t_in", "model.t_out", "model.width", "model.layers",
	"train.epochs", "train.batch", "train.optimizer", "train.lr", "train.weight_decay", "train.schedule", "train.step_size", "train.gamma",
	"train.normalize", "train.loss", "train.subsample", "train.checkpoint_every", "train.checkpoint_seconds", "train.eval_every", "train.windows", "train.window_every",
	"train.clip_norm", "train.pct_start", "train.div_factor", "train.final_div_factor",
	"eval.subsamples", "eval.resolutions", "eval.superres_samples", "eval.solver_samples", "eval.rollout_steps", "eval.compare_steps",
}

// spectralKeys are the keys FNO and T1 share: kept modes, the head and
// the activation.
var spectralKeys = []string{"model.modes", "model.proj_hidden", "model.activation"}

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
	activationFactor func(c *Config) float64
	// callTraining trains on the frames of one model call (several for
	// a model that marches in latent time), with the frames-per-call
	// curriculum and the pushforward steps of train.curriculum_iters and
	// train.pushforward_*; otherwise the loss covers all t_out frames of
	// the autoregressive rollout, differentiated through (FNO's).
	callTraining bool
	// framesPerCall is the most frames one call predicts (callTraining).
	framesPerCall func(c *Config, dim int) int
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
	"train.epochs", "train.lr", "train.amsgrad", "train.lbfgs_iters", "train.collocation", "train.loss_weights", "train.checkpoint_every", "train.checkpoint_seconds",
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

// ------------------------------------------------- factorized transformers

// factFormerConfig maps [model] to a FactFormer or IFactFormer on a grid
// of dim axes: t_in frames of the data's variables in, one frame of them
// out per latent step (model.layers is the variant's depth or its
// weight-shared iterations).
func (c *Config) factFormerConfig(dim int) factformer.Config {
	m := c.Model
	fc := factformer.Config{Variant: m.Variant, SpatialDim: dim, InFields: c.variables(), InFrames: max(c.inChannels()/c.variables(), 1),
		OutFields: c.variables(), Dim: m.Width, Heads: m.Heads, DimHead: m.DimHead, KernelMultiplier: m.KernelMultiplier,
		LatentMultiplier: m.LatentMultiplier, MaxLatentSteps: m.LatentSteps, RFFSigma: m.RFFSigma, Coordinates: m.Coordinates,
		Quadrature: m.Quadrature}
	if fc.Variant == "" || fc.Variant == factformer.VariantFactFormer {
		fc.Depth = m.Layers
		if m.Task != "rollout" && fc.MaxLatentSteps == 0 {
			fc.MaxLatentSteps = 1 // a map predicts one frame
		}
	} else {
		fc.Layers = m.Layers
	}
	if dim != 3 {
		fc.Embed = factformer.EmbedLinear // the stacked frames as channels, as upstream's 2-D model
	}
	return fc.WithDefaults()
}

func validateFactFormer(c *Config, raw []byte) error {
	fc := c.factFormerConfig(len(c.storedShape()))
	if err := fc.Validate(); err != nil {
		return c.fail(raw, factFormerKey(err.Error()), "%v", err)
	}
	return c.validateCallTraining(raw, fc.Steps())
}

// factFormerKey is the [model] key an error of factformer.Config.Validate
// is about (its message names the field).
func factFormerKey(msg string) string {
	for field, key := range map[string]string{"variant": "model.variant", "heads": "model.heads", "dim_head": "model.dim_head",
		"kernel_multiplier": "model.kernel_multiplier", "latent": "model.latent_multiplier", "max_latent_steps": "model.latent_steps",
		"rff_sigma": "model.rff_sigma", "coordinates": "model.coordinates", "layers": "model.layers", "depth": "model.layers"} {
		if strings.HasPrefix(msg, "factformer: "+field+" ") {
			return key
		}
	}
	return "model.width"
}

func checkFactFormer(c *Config, spatial []int) error {
	return c.factFormerConfig(len(spatial)).Validate()
}

func buildFactFormer(c *Config, spatial []int, r *tensor.RNG) (operator, any, error) {
	m, err := factformer.New[float32](c.factFormerConfig(len(spatial)), r)
	if err != nil {
		return nil, nil, err
	}
	return m, m.Cfg, nil
}

func factFormerParams(c *Config, dim int) float64 { return c.factFormerConfig(dim).ParamCount() }

func resolveFactFormer(c *Config, spatial []int) ModelConfig {
	m := c.Model
	fc := c.factFormerConfig(len(spatial))
	m.Variant, m.Heads, m.DimHead, m.KernelMultiplier = fc.Variant, fc.Heads, fc.DimHead, fc.KernelMultiplier
	m.LatentMultiplier, m.LatentSteps, m.RFFSigma, m.Coordinates = fc.LatentMultiplier, fc.MaxLatentSteps, fc.RFFSigma, fc.Coordinates
	m.Layers = fc.Layers
	if fc.Variant == factformer.VariantFactFormer {
		m.Layers = fc.Depth
	}
	return m
}

// factFormerActivations estimates the floats kept per hidden channel and
// grid point in a training step: per block iteration the normalised
// input, the value and the projected input, the axis integrals (twice
// heads x dim_head, or once per axis concatenated for -m), the group
// norm and the output MLP; the latent marching keeps its states.
func factFormerActivations(c *Config) float64 {
	fc := c.factFormerConfig(len(c.storedShape()))
	inner := float64(fc.Heads*fc.DimHead) / float64(fc.Dim)
	perBlock := 6 + 4*inner
	blocks := float64(fc.Depth)
	if fc.Variant != factformer.VariantFactFormer {
		perBlock += float64(fc.SpatialDim) * inner
		blocks = float64(fc.Depth * fc.Layers)
	}
	return blocks*perBlock + float64(fc.Steps())*(fc.LatentMultiplier*4+2)
}

// validateCallTraining checks the curriculum and pushforward keys of a
// family trained call by call, whose calls predict up to frames frames:
// the target window must hold the frames the trained call is compared
// with, after the pushforward's unrolled calls.
func (c *Config) validateCallTraining(raw []byte, frames int) error {
	t, m := c.Train, c.Model
	for _, k := range []struct {
		key string
		v   int
	}{{"train.curriculum_iters", t.CurriculumIters}, {"train.pushforward_after", t.PushforwardAfter},
		{"train.pushforward_every", t.PushforwardEvery}, {"train.pushforward_unrolls", t.PushforwardUnrolls}} {
		if k.v < 0 {
			return c.fail(raw, k.key, "must be >= 0, got %d", k.v)
		}
	}
	switch {
	case m.Task != "rollout" && frames > 1:
		return c.fail(raw, "model.latent_steps", "a map predicts one frame per call, got %d latent steps", frames)
	case t.PushforwardEvery > 0 && t.PushforwardUnrolls < 1:
		return c.fail(raw, "train.pushforward_unrolls", "a pushforward step unrolls at least once, got %d", t.PushforwardUnrolls)
	case t.PushforwardEvery == 0 && (t.PushforwardUnrolls > 0 || t.PushforwardAfter > 0):
		return c.fail(raw, "train.pushforward_every", "pushforward_after and pushforward_unrolls need pushforward_every > 0")
	case m.Task != "rollout" && (t.PushforwardEvery > 0 || t.CurriculumIters > 0):
		return c.fail(raw, "model.task", "the curriculum and pushforward train rollouts; the map task predicts one frame")
	}
	need := frames
	if t.PushforwardEvery > 0 {
		need = (t.PushforwardUnrolls + 1) * frames
	}
	if m.Task == "rollout" && m.TOut < need {
		return c.fail(raw, "model.t_out", "training compares %d frames per call (model.latent_steps) after %d pushforward unrolls: t_out must be at least %d, got %d",
			frames, t.PushforwardUnrolls, need, m.TOut)
	}
	return nil
}
