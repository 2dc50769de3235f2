package experiments

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
)

// ModelConfig is the [model] section.
type ModelConfig struct {
	Kind         string  `toml:"kind" doc:"model family: fno, t1, pinn or lpinn (each family's keys: Model families below)"`
	Task         string  `toml:"task" doc:"'map': first stored field -> last (default); 'rollout': t_in frames -> next, fed back t_out times"`
	TIn          int     `toml:"t_in" doc:"rollout: input frames (FNO NS: 10)"`
	TOut         int     `toml:"t_out" doc:"rollout: predicted frames (FNO NS: 10)"`
	Width        int     `toml:"width" doc:"hidden channels (mmpde: the latent width, default 64; dmm, branch grid: channels of its convolutions, default 16, at most 256)"`
	Modes        []int   `toml:"modes" doc:"kept Fourier modes per axis (FNO: per corner; T1 dft: per corner except the last axis)"`
	Layers       int     `toml:"layers" doc:"layers (0: the operator default, FNO 4, T1 8; mmpde: message-passing layers, 4; dmm, branch grid: hidden 5 x 5 convolutions, 3, at most 64)"`
	ProjHidden   int     `toml:"proj_hidden" doc:"projection / head hidden size (0: 128)"`
	PadFraction  float64 `toml:"pad_fraction" doc:"domain padding per axis, fraction of its size"`
	Activation   string  `toml:"activation" doc:"activation between layers: gelu (default), relu, tanh, sin, silu"`
	Init         int     `toml:"init" doc:"T1: kairos weight_init (2 = variance preserving)"`
	Transform    string  `toml:"transform" doc:"T1: dct (default) or dft (rFFT, complex weights)"`
	DepthX       int     `toml:"depth_x" doc:"lpinn: tanh layers of the characteristic-curve network (0: 2)"`
	SharedLayers bool    `toml:"shared_layers" doc:"lpinn: share layers between the branches as the released code (default: two networks, as the paper)"`
	HardCurveIC  bool    `toml:"hard_curve_ic" doc:"lpinn: curves x_L = x0 + t N(x0, t), so x_L(x0, 0) = x0 holds exactly (default: the paper's soft initial-condition loss)"`

	Variant          string  `toml:"variant" doc:"factformer: factformer (distinct blocks, chained axis kernels, latent time marching; model.layers = its depth), ifactformer-o (one weight-shared chained block applied model.layers times) or ifactformer-m (the same with the axis kernels in parallel, concatenated)"`
	Heads            int     `toml:"heads" doc:"factformer: kernel heads (0: 8 for factformer, 5 for ifactformer)"`
	DimHead          int     `toml:"dim_head" doc:"factformer: value channels per head (0: 64 for factformer, 96 for ifactformer)"`
	KernelMultiplier int     `toml:"kernel_multiplier" doc:"factformer: query/key width per head = dim_head * kernel_multiplier (0: 2 for factformer, 3 for ifactformer)"`
	LatentMultiplier float64 `toml:"latent_multiplier" doc:"factformer variant: latent width = width * latent_multiplier (0: 2)"`
	LatentSteps      int     `toml:"latent_steps" doc:"factformer variant: frames one call predicts by latent time marching (0: 4; 1 for a map task)"`
	RFFSigma         float64 `toml:"rff_sigma" doc:"factformer: std of the frozen random Fourier features of the coordinates (0: 8)"`
	Coordinates      string  `toml:"coordinates" doc:"factformer: endpoint (linspace(0, 2 pi, n) as upstream, the default) or periodic (2 pi i / n)"`
	Quadrature       bool    `toml:"quadrature" doc:"factformer: weight each axis kernel by 1/n (upstream does not, so its scale grows with resolution)"`

	Radius float64 `toml:"radius" doc:"gns, giorom: connectivity radius of the particle graph, in the data's length unit (GNS: a few particle spacings)"`
	Noise  float64 `toml:"noise" doc:"gns, giorom: std of the random-walk noise of the last input velocity in training (GNS: 3e-4 to 7e-4 of the box per frame; 0: none); mmpde: std of the Gaussian noise on the input node values in training, in units of the training field's standard deviation (0: none)"`

	Sampling  float64 `toml:"sampling" doc:"giorom: fraction of the particles the time-stepper advances, in (0, 1] (default 0.25)"`
	GridNodes int     `toml:"grid_nodes" doc:"giorom: latent grid nodes per axis over the box (0: 32 in 2-D, 16 in 3-D)"`
	GNORadius float64 `toml:"gno_radius" doc:"giorom: neighbourhood radius of the graph neural operator between particles and the latent grid (0: two grid spacings)"`
	ReconGrid int     `toml:"recon_grid" doc:"giorom: nodes per axis of the grid the dense reconstruction splats the sparse displacements onto (0: 32 in 2-D, 16 in 3-D)"`
	// Mesh movers (mesh/monge, mesh/dmm).
	MeshNodes  int     `toml:"mesh_nodes" doc:"monge, dmm, mmpde: nodes per axis of the moved mesh of the unit square and of the field its monitor is computed from (default 48)"`
	Beta       float64 `toml:"beta" doc:"monge, dmm, mmpde: weight of the gradient monitor m = 1 + beta |grad u| / mean |grad u| (default 100, upstream DMM's)"`
	Method     string  `toml:"method" doc:"monge (dmm: its classical reference; mmpde: its mover): Monge-Ampere solver, relaxation (Movement's parabolic relaxation, default; it converged on Burgers shock fields where Newton stalled) or newton (Newton-Krylov)"`
	Tol        float64 `toml:"tol" doc:"monge: stop when max |m det(I + H(phi)) / theta - 1| is below this (default 1e-6); dmm: the same for its classical reference; mmpde: for its mover"`
	Scale      float64 `toml:"scale" doc:"dmm, branch mlp: every channel and width of upstream's network times this (1: ConvNet branch 8 and 16 channels, 1024 hidden, latent 512; default 0.25, a CPU run)"`
	Stages     int     `toml:"stages" doc:"dmm, branch mlp: networks trained in turn, a base and correctors each fed the map before it and its Monge-Ampere residual at the nodes (default 3; measured on 12^2 Burgers meshes: 1, 2, 3 stages 0.164, 0.075, 0.053 cells from the classical meshes)"`
	BaseModes  int     `toml:"base_modes" doc:"dmm: cosine modes per axis of the (base) network's trunk, at most mesh_nodes (default: mesh_nodes for the grid branch; min(12, mesh_nodes) for the mlp branch, whose correctors use mesh_nodes)"`
	Branch     string  `toml:"branch" doc:"dmm: grid (default: one convolutional network on the mesh grid, m / theta and its own map's Monge-Ampere residual at the nodes in, a step of -Lap phi out, applied model.iterations times from the identity; model.width channels, model.layers 5 x 5 layers) or mlp (an MLP on m / theta with model.stages - 1 correctors, model.scale)"`
	Iterations int     `toml:"iterations" doc:"dmm, branch grid: steps of the learned iteration per mesh (default 16)"`
	Augment    string  `toml:"augment" doc:"dmm: training augmentation, symmetries (the square's 8 symmetries, u -> -u and u -> c u, which leave the equidistributing map's law unchanged; default) or none"`
	// MM-PDE (mesh/mmpde).
	Mesh       string `toml:"mesh" doc:"mmpde: the nodes the network runs on, moved (the classical mover's mesh of each field, with model.beta, method and tol; default) or uniform (the baseline: the same network on the uniform mesh)"`
	Neighbours int    `toml:"neighbours" doc:"mmpde: each node's k nearest nodes send it messages (default 8; upstream 35 at 48^2)"`
}

// TrainConfig is the [train] section.
type TrainConfig struct {
	Epochs             int       `toml:"epochs" doc:"training epochs"`
	Batch              int       `toml:"batch" doc:"samples per batch"`
	Optimizer          string    `toml:"optimizer" doc:"adam (L2 weight decay, as FNO) | adamw"`
	LR                 float64   `toml:"lr" doc:"initial learning rate (default: the optimizer's usual 1e-3 for adam and adamw)"`
	WeightDecay        float64   `toml:"weight_decay" doc:"weight decay (L2 for adam, decoupled for adamw)"`
	Schedule           string    `toml:"schedule" doc:"step | cosine | onecycle (per batch, torch's OneCycleLR with cosine annealing to the peak train.lr) | none"`
	PctStart           float64   `toml:"pct_start" doc:"onecycle: share of the steps spent rising to train.lr (default 0.3, as torch)"`
	DivFactor          float64   `toml:"div_factor" doc:"onecycle: the first rate is train.lr / div_factor (default 25)"`
	FinalDivFactor     float64   `toml:"final_div_factor" doc:"onecycle: the last rate is the first / final_div_factor (default 1e4)"`
	ClipNorm           float64   `toml:"clip_norm" doc:"clip the gradient's global L2 norm to this before each step (0: no clipping)"`
	StepSize           int       `toml:"step_size" doc:"epochs between learning-rate drops (schedule step)"`
	Gamma              float64   `toml:"gamma" doc:"learning-rate factor per drop (schedule step)"`
	Normalize          string    `toml:"normalize" doc:"none | gaussian-pointwise | gaussian-global | minmax"`
	Loss               string    `toml:"loss" doc:"rel_l2 (summed over the batch, as FNO) | mse"`
	Subsample          int       `toml:"subsample" doc:"train on every k-th stored point per axis"`
	WindowEvery        int       `toml:"window_every" doc:"train.windows = all: stored frames between window starts (default 1: every window)"`
	Windows            string    `toml:"windows" doc:"rollout task: first (each trajectory's first window, the default) or all (every window of t_in + t_out frames of every trajectory; the test error over every window of the test trajectories)"`
	CurriculumIters    int       `toml:"curriculum_iters" doc:"factformer: iterations over which the frames predicted per call rise linearly from 1 to model.latent_steps (0: always latent_steps)"`
	PushforwardAfter   int       `toml:"pushforward_after" doc:"factformer: from this iteration on, every pushforward_every-th step unrolls the model pushforward_unrolls times without gradient and takes the loss on the next frames (0 with pushforward_every 0: off)"`
	PushforwardEvery   int       `toml:"pushforward_every" doc:"factformer: the pushforward step's period in iterations (upstream 3; 0: off)"`
	PushforwardUnrolls int       `toml:"pushforward_unrolls" doc:"factformer: no-gradient calls before the trained one in a pushforward step (upstream 2); needs t_out >= (unrolls + 1) * latent_steps"`
	CheckpointEvery    int       `toml:"checkpoint_every" doc:"epochs (fno, t1; default 10) or steps (pinn, lpinn: Adam steps and L-BFGS iterations; default 100) between checkpoints; the last is always saved, and Ctrl-C, SIGTERM or SIGUSR1 (SLURM's --signal warning) saves the last completed step; changing it does not change results"`
	CheckpointSeconds  float64   `toml:"checkpoint_seconds" doc:"wall-clock seconds between checkpoints besides checkpoint_every, taken after the step that reaches them (mid-epoch too), for batch jobs that may be preempted without warning (0: none); like checkpoint_every it does not change results"`
	EvalEvery          int       `toml:"eval_every" doc:"epochs between test evaluations"`
	LBFGSIters         int       `toml:"lbfgs_iters" doc:"pinn/lpinn: L-BFGS (strong Wolfe) iterations after the Adam steps (train.epochs); dmm: after the Adam epochs, full batch"`
	AMSGrad            bool      `toml:"amsgrad" doc:"Adam with amsgrad (pinn/lpinn reference code: true)"`
	Collocation        int       `toml:"collocation" doc:"pinn/lpinn: collocation points drawn per Adam step from the (x, t) grid (0: all); dmm: interior points per field (default 120, upstream's; the grid branch draws them only with train.points = random)"`
	Points             string    `toml:"points" doc:"dmm, branch grid: where each step's Monge-Ampere residual is scored, nodes (the mesh's nodes, all of them; default) or random (train.collocation points per field drawn uniformly)"`
	LossWeights        []float64 `toml:"loss_weights" doc:"pinn/lpinn: weights of ||r_x||, ||r_u||, initial condition (default [10, 1, 1000])"`
}

// EvalConfig is the [eval] section.
type EvalConfig struct {
	// Subsamples lists extra stored-data subsampling factors to evaluate
	// the trained model at (zero-shot on finer grids of the same samples,
	// FNO's protocol: train at s = 256 from 1024-point data, test at 512
	// and 1024).
	Subsamples []int `toml:"subsamples" doc:"evaluate also on the test data subsampled by these factors"`
	// Resolutions lists extra test grids: the solver regenerates the first
	// SuperresSamples test samples there (same seeds, so the same random
	// inputs) for zero-shot super-resolution errors.
	Resolutions     []int `toml:"resolutions" doc:"zero-shot super-resolution: regenerate test samples at these resolutions and evaluate there"`
	SuperresSamples int   `toml:"superres_samples" doc:"test samples regenerated per super-resolution"`
	// SolverSamples test samples are re-solved to time the solver against
	// the model.
	SolverSamples int `toml:"solver_samples" doc:"samples the solver re-solves to time it against the model"`
	// RolloutSteps and CompareSteps are the long-rollout evaluation of a
	// rollout task (chaos.go): frames predicted autoregressively from each
	// test trajectory's first window, judged step by step and, at the
	// compare steps, by spectra, value distributions and energies.
	RolloutSteps int `toml:"rollout_steps" doc:"rollout task: frames predicted autoregressively from each test trajectory's first t_in frames (0: no long rollout); relative L2 per step against the stored frames and persistence, energy and mean square per step; particle families: frames rolled out after the t_in input frames that begin at eval.start_frame (0: up to 50); mmpde: steps from the stored frame eval.start_frame (0: up to 10)"`
	// MeshFrames are the stored frames of each test sample whose fields
	// a mesh mover moves meshes to.
	MeshFrames []int `toml:"mesh_frames" doc:"monge, dmm: the stored frames of each test sample whose fields the mesh is moved to (default: every frame)"`
	// StartFrame is the stored frame a particle rollout's input window
	// begins at (0: the first), so a rollout can judge the material after
	// impact rather than the bodies' free flight.
	StartFrame   int   `toml:"start_frame" doc:"particle families: the stored frame each test rollout's input window begins at (default 0); the rollout_steps predicted frames follow that window; mmpde: the stored frame its test rollouts start from"`
	CompareSteps []int `toml:"compare_steps" doc:"long-rollout steps at which spectra (log-spectral distance) and value distributions (Wasserstein-1) are compared (default: 1, 8 and the last)"`
}

// checkCounters refuses negative counts and intervals before the defaults
// replace zeros: 0 means "the default", a negative number is a mistake.
func (c *Config) checkCounters(md toml.MetaData, raw []byte) error {
	counters := []struct {
		key string
		v   int
	}{
		{"model.t_in", c.Model.TIn}, {"model.t_out", c.Model.TOut}, {"model.init", c.Model.Init},
		{"model.depth_x", c.Model.DepthX},
		{"train.epochs", c.Train.Epochs}, {"train.step_size", c.Train.StepSize},
		{"train.checkpoint_every", c.Train.CheckpointEvery}, {"train.eval_every", c.Train.EvalEvery},
		{"train.lbfgs_iters", c.Train.LBFGSIters}, {"train.collocation", c.Train.Collocation},
		{"eval.superres_samples", c.Eval.SuperresSamples}, {"eval.solver_samples", c.Eval.SolverSamples},
	}
	for _, n := range counters {
		if n.v < 0 {
			return c.fail(raw, n.key, "must be >= 0 (0 or no key: the default), got %d", n.v)
		}
	}
	if v := c.Train.CheckpointSeconds; !(v >= 0) || math.IsInf(v, 0) {
		return c.fail(raw, "train.checkpoint_seconds", "must be finite and >= 0 (0: none), got %v", v)
	}
	for _, w := range c.Train.LossWeights {
		if w < 0 {
			return c.fail(raw, "train.loss_weights", "weights must be >= 0, got %v", c.Train.LossWeights)
		}
	}
	if md.IsDefined("train", "gamma") && !(c.Train.Gamma > 0) {
		return c.fail(raw, "train.gamma", "must be positive (the learning rate is multiplied by it every step_size epochs), got %v", c.Train.Gamma)
	}
	if md.IsDefined("train", "lr") && !(c.Train.LR > 0) {
		return c.fail(raw, "train.lr", "must be positive (or omitted for the optimizer's default), got %v", c.Train.LR)
	}
	return nil
}

// defaultLR is the learning rate each optimizer starts from when train.lr
// is not given: Adam's and AdamW's usual 1e-3 (Kingma and Ba; PyTorch's
// default; FNO's scripts), also the PINN references' Adam rate.
var defaultLR = map[string]float64{"adam": 1e-3, "adamw": 1e-3}

// defaults fills the task; the architecture's defaults (layers, hidden
// sizes, activation) are the operator's own (fno.Config.WithDefaults,
// t1.Config.WithDefaults), so zero values are passed through.
func (m *ModelConfig) defaults() {
	if m.Task == "" {
		m.Task = "map"
	}
}

func (t *TrainConfig) defaults() {
	if t.Optimizer == "" {
		t.Optimizer = "adam"
	}
	if t.Schedule == "onecycle" { // torch's defaults
		t.PctStart, t.DivFactor, t.FinalDivFactor = orDefaultFloat(t.PctStart, 0.3), orDefaultFloat(t.DivFactor, 25), orDefaultFloat(t.FinalDivFactor, 1e4)
	}
	if t.LR == 0 {
		t.LR = defaultLR[t.Optimizer]
	}
	if t.Schedule == "" {
		t.Schedule = "step"
	}
	if t.Gamma == 0 {
		t.Gamma = 0.5
	}
	if t.Normalize == "" {
		t.Normalize = "none"
	}
	if t.Loss == "" {
		t.Loss = "rel_l2"
	}
	if t.Subsample == 0 {
		t.Subsample = 1
	}
	if t.CheckpointEvery == 0 {
		t.CheckpointEvery = 10
	}
	if t.EvalEvery == 0 {
		t.EvalEvery = 10
	}
}

func (e *EvalConfig) defaults() {
	if e.SuperresSamples == 0 {
		e.SuperresSamples = 20
	}
	if e.SolverSamples == 0 {
		e.SolverSamples = 4
	}
}

// HasModel reports whether the config has [model] and [train] sections.
func (c *Config) HasModel() bool { return c.hasModel }

// RunDir returns the run directory (run_dir, default runs/<name>).
func (c *Config) RunDir() string {
	if c.RunDirectory != "" {
		return c.RunDirectory
	}
	return filepath.Join("runs", c.Name)
}

// validateModel checks [model], [train] and [eval] when present.
func (c *Config) validateModel(md toml.MetaData, raw []byte) error {
	hasModel, hasTrain := md.IsDefined("model"), md.IsDefined("train")
	if !hasModel && !hasTrain {
		return nil
	}
	if !hasModel {
		return c.fail(raw, "model", "missing: [train] needs a [model] section")
	}
	c.hasModel = true
	m, t, e := &c.Model, &c.Train, &c.Eval
	if err := c.checkCounters(md, raw); err != nil {
		return err
	}
	m.defaults()
	t.defaults()
	e.defaults()
	f, ok := modelFamilies[m.Kind]
	if !ok {
		return c.fail(raw, "model.kind", "unknown model %q (expected one of %s)", m.Kind, strings.Join(familyNames(), ", "))
	}
	c.fam = &f
	switch {
	case !hasTrain && !f.untrained:
		return c.fail(raw, "train", "missing: [model] needs a [train] section")
	case hasTrain && f.untrained:
		return c.fail(raw, "train", "kind %s trains nothing: remove the [train] section", m.Kind)
	}
	if have := c.dataKind(); have != f.input {
		return c.fail(raw, "model.kind", "kind %s trains on %s, but %s makes %s: choose a model family for %s, or leave out [model] and [train] to generate the data only",
			m.Kind, f.input, c.dataSource(), have, have)
	}
	if err := c.checkFamilyKeys(md, raw); err != nil {
		return err
	}
	return f.validate(c, md, raw)
}

// validateGrid checks [model], [train] and [eval] of a grid operator
// against the stored grid it will train on.
func (c *Config) validateGrid(md toml.MetaData, raw []byte, a gridArch) error {
	if err := c.checkFileTask(md, raw); err != nil {
		return err
	}
	for _, check := range []func([]byte) error{a.validateWith(c), c.validateTask, c.validateGridSizes, c.validateFirstOrder, c.validateSplitAndEval} {
		if err := check(raw); err != nil {
			return err
		}
	}
	// The model must fit the data's stored grid.
	t := c.Train
	if err := a.check(c, c.storedSpatial(t.Subsample)); err != nil {
		grid := fmt.Sprintf("data.resolution %d, data.subsample %d", c.Data.Resolution, c.Data.Subsample)
		if c.ext != nil {
			grid = fmt.Sprintf("%s stores a %v grid", c.Data.File, c.ext.stored)
		}
		key := "model.modes"
		if !c.family().reads(key) {
			key = "model.width"
		}
		return c.fail(raw, key, "%v (%s, train.subsample %d)", err, grid, t.Subsample)
	}
	return nil
}

// validateWith binds the architecture's own check to c.
func (a gridArch) validateWith(c *Config) func([]byte) error {
	return func(raw []byte) error { return a.validate(c, raw) }
}

// validateTask checks the map or rollout task against the data.
func (c *Config) validateTask(raw []byte) error {
	m, t := c.Model, c.Train
	switch m.Task {
	case "map":
		switch {
		case t.Windows != "":
			return c.fail(raw, "train.windows", "chooses rollout windows; the map task has one pair per sample")
		case c.Eval.RolloutSteps != 0 || len(c.Eval.CompareSteps) > 0:
			return c.fail(raw, "eval.rollout_steps", "a long rollout needs the rollout task")
		}
		return nil
	case "rollout":
	default:
		return c.fail(raw, "model.task", "unknown task %q (expected map or rollout)", m.Task)
	}
	switch {
	case m.TIn < 1 || m.TOut < 1:
		return c.fail(raw, "model.t_in", "a rollout needs t_in >= 1 and t_out >= 1, got %d and %d", m.TIn, m.TOut)
	case !c.timeDependent():
		return c.fail(raw, "model.task", "a rollout needs time-dependent data, %s is steady", c.dataSource())
	case c.ext == nil && m.TIn+m.TOut > c.Data.Snapshots:
		return c.fail(raw, "model.t_out", "t_in + t_out = %d exceeds the %d stored snapshots (data.snapshots)", m.TIn+m.TOut, c.Data.Snapshots)
	case m.TIn+m.TOut > c.windowFrames():
		return c.fail(raw, "model.t_out", "t_in + t_out = %d exceeds the %d frames of %s from data.frame_start %d every data.frame_stride %d",
			m.TIn+m.TOut, c.windowFrames(), c.Data.File, c.Data.FrameStart, c.Data.FrameStride)
	case t.Normalize != "none" && t.Normalize != "":
		return c.fail(raw, "train.normalize", "a rollout trains on raw fields (as FNO's fourier_2d_time.py); use none")
	case len(c.Eval.Resolutions) > 0:
		return c.fail(raw, "eval.resolutions", "re-solved super-resolution is available for map tasks; use eval.subsamples")
	case t.Windows != "" && t.Windows != "first" && t.Windows != "all":
		return c.fail(raw, "train.windows", "unknown %q (expected first or all)", t.Windows)
	case t.WindowEvery < 0 || (t.WindowEvery > 0 && t.Windows != "all"):
		return c.fail(raw, "train.window_every", "spaces the windows of train.windows = all, must be >= 1 (got %d, windows %q)", t.WindowEvery, t.Windows)
	}
	return c.validateLongRollout(raw)
}

// validateLongRollout checks eval.rollout_steps and eval.compare_steps
// against the stored frames and fills the compare steps' default.
func (c *Config) validateLongRollout(raw []byte) error {
	e, m := &c.Eval, c.Model
	if e.RolloutSteps == 0 {
		if len(e.CompareSteps) > 0 {
			return c.fail(raw, "eval.compare_steps", "compares steps of the long rollout: set eval.rollout_steps")
		}
		return nil
	}
	if have := c.windowFrames() - m.TIn; e.RolloutSteps > have {
		return c.fail(raw, "eval.rollout_steps", "%d frames after the first t_in = %d, the data stores %d per trajectory (%d after them)",
			e.RolloutSteps, m.TIn, c.windowFrames(), have)
	}
	if len(e.CompareSteps) == 0 {
		for _, k := range []int{1, 8, e.RolloutSteps} {
			if k <= e.RolloutSteps && !slices.Contains(e.CompareSteps, k) {
				e.CompareSteps = append(e.CompareSteps, k)
			}
		}
	}
	for _, k := range e.CompareSteps {
		if k < 1 || k > e.RolloutSteps {
			return c.fail(raw, "eval.compare_steps", "steps must be between 1 and eval.rollout_steps %d, got %v", e.RolloutSteps, e.CompareSteps)
		}
	}
	return nil
}

// validateGridSizes checks the sizes every grid operator shares.
func (c *Config) validateGridSizes(raw []byte) error {
	m := c.Model
	if m.Width < 1 {
		return c.fail(raw, "model.width", "must be at least 1, got %d", m.Width)
	}
	if len(m.Modes) == 0 && c.family().reads("model.modes") {
		return c.fail(raw, "model.modes", "missing: one mode count per spatial axis, e.g. [16] or [12, 12]")
	}
	for _, k := range m.Modes {
		if k < 1 {
			return c.fail(raw, "model.modes", "mode counts must be at least 1, got %v", m.Modes)
		}
	}
	if m.Activation != "" {
		if _, err := nn.ParseActivation(m.Activation); err != nil {
			return c.fail(raw, "model.activation", "%v", err)
		}
	}
	if m.Layers < 0 || m.ProjHidden < 0 {
		return c.fail(raw, "model.layers", "layers and proj_hidden must be positive (or omitted for the model's default), got %d and %d", m.Layers, m.ProjHidden)
	}
	return nil
}

// validateFirstOrder checks the mini-batch training loop: epochs, batch,
// optimizer, schedule, loss and normalisation.
func (c *Config) validateFirstOrder(raw []byte) error {
	t := c.Train
	switch {
	case t.Epochs < 1:
		return c.fail(raw, "train.epochs", "must be at least 1, got %d", t.Epochs)
	case t.Batch < 1:
		return c.fail(raw, "train.batch", "must be at least 1, got %d", t.Batch)
	case !(t.LR > 0):
		return c.fail(raw, "train.lr", "must be positive, got %v", t.LR)
	case t.Schedule == "step" && !(t.Gamma > 0):
		return c.fail(raw, "train.gamma", "must be positive (the learning rate is multiplied by it every step_size epochs), got %v", t.Gamma)
	case t.WeightDecay < 0:
		return c.fail(raw, "train.weight_decay", "must be >= 0, got %v", t.WeightDecay)
	case t.Optimizer != "adam" && t.Optimizer != "adamw":
		return c.fail(raw, "train.optimizer", "unknown optimizer %q (expected adam or adamw)", t.Optimizer)
	case t.Schedule != "step" && t.Schedule != "cosine" && t.Schedule != "onecycle" && t.Schedule != "none":
		return c.fail(raw, "train.schedule", "unknown schedule %q (expected step, cosine, onecycle or none)", t.Schedule)
	case t.ClipNorm < 0:
		return c.fail(raw, "train.clip_norm", "must be >= 0 (0: no clipping), got %v", t.ClipNorm)
	case t.Schedule == "onecycle" && !(t.PctStart > 0 && t.PctStart < 1):
		return c.fail(raw, "train.pct_start", "must be in (0, 1), got %v", t.PctStart)
	case t.Schedule == "onecycle" && !(t.DivFactor > 0 && t.FinalDivFactor > 0):
		return c.fail(raw, "train.div_factor", "div_factor and final_div_factor must be positive, got %v and %v", t.DivFactor, t.FinalDivFactor)
	case t.Schedule != "onecycle" && (t.PctStart != 0 || t.DivFactor != 0 || t.FinalDivFactor != 0):
		return c.fail(raw, "train.pct_start", "pct_start, div_factor and final_div_factor shape the onecycle schedule; train.schedule is %q", t.Schedule)
	case t.Schedule == "step" && t.StepSize < 1:
		return c.fail(raw, "train.step_size", "must be at least 1 for the step schedule, got %d", t.StepSize)
	case t.Loss != "rel_l2" && t.Loss != "mse":
		return c.fail(raw, "train.loss", "unknown loss %q (expected rel_l2 or mse)", t.Loss)
	case t.Subsample < 1:
		return c.fail(raw, "train.subsample", "must be at least 1, got %d", t.Subsample)
	}
	switch datasets.NormalizerKind(t.Normalize) {
	case "none", datasets.PointwiseGaussian, datasets.GlobalGaussian, datasets.MinMax:
		return nil
	}
	return c.fail(raw, "train.normalize", "unknown normalizer %q (expected none, gaussian-pointwise, gaussian-global or minmax)", t.Normalize)
}

// validateSplitAndEval checks the train/test split against the batch and
// the extra evaluation grids.
func (c *Config) validateSplitAndEval(raw []byte) error {
	t, e := c.Train, c.Eval
	if t.Batch > c.Data.Train && c.Data.Train > 0 {
		return c.fail(raw, "train.batch", "%d exceeds the %d training samples", t.Batch, c.Data.Train)
	}
	if c.Data.Train < 1 || c.Data.Test < 1 {
		return c.fail(raw, "data.test", "training needs data.train >= 1 and data.test >= 1, got %d and %d", c.Data.Train, c.Data.Test)
	}
	finest := slices.Min(c.storedShape())
	for _, k := range e.Subsamples {
		if k < 1 || k > finest {
			return c.fail(raw, "eval.subsamples", "factors must be between 1 and the %d stored points per axis, got %v", finest, e.Subsamples)
		}
	}
	if c.ext != nil && len(e.Resolutions) > 0 {
		return c.fail(raw, "eval.resolutions", "re-solves test samples with the solver; %s has none (use eval.subsamples)", c.dataSource())
	}
	for _, r := range e.Resolutions {
		if r < 2 {
			return c.fail(raw, "eval.resolutions", "resolutions must be at least 2, got %v", e.Resolutions)
		}
	}
	return nil
}

// storedGrid returns the spatial dimension and points per axis of the
// stored data.
func (c *Config) storedGrid() (dim, n int) {
	for _, f := range c.grid().fields() {
		if f.name == "tensor" {
			s := f.shape
			return len(s) - 1, s[len(s)-1]
		}
	}
	return 0, 0
}

// inChannels is the number of input fields the model sees: t_in frames
// for a rollout, one frame for a map, each of variables() fields.
func (c *Config) inChannels() int {
	if c.Model.Task == "rollout" {
		return c.Model.TIn * c.variables()
	}
	return c.variables()
}

// steps is the number of predicted frames (1 for a map).
func (c *Config) steps() int {
	if c.Model.Task == "rollout" {
		return c.Model.TOut
	}
	return 1
}
