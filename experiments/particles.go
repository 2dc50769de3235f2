package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/geometry"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/giorom"
	"github.com/surrogo/surrogo/plotting"
	"github.com/surrogo/surrogo/tensor"
)

// particleModel is what the particle families' train and evaluate stages
// need from a learned simulator: a training loss on one window of frames
// (inputs and the frames after them, [frames, N, d]) and a rollout from a
// history of frames.
type particleModel interface {
	Params() []nn.Param[float32]
	// Loss is the training loss of one window; r draws its noise.
	Loss(window []float32, n int, r *tensor.RNG) (*autograd.Var[float32], error)
	// Rollout predicts steps frames [steps, N, d] after history
	// [InputFrames(), N, d].
	Rollout(ctx context.Context, history []float32, n, steps int) ([]float32, error)
}

// sparseParticleModel is a particle model that advances a subset of the
// particles and reconstructs the rest (GIOROM): training needs each
// trajectory's reference frame (LossRef), evaluation draws the subset,
// rolls it out and reconstructs every particle from it.
type sparseParticleModel interface {
	particleModel
	LossRef(window, ref []float32, n int, r *tensor.RNG) (*autograd.Var[float32], error)
	SampleIndices(n int, r *tensor.RNG) []int
	// Reconstruct returns all nd particles' positions from their
	// reference positions and the subset's current ones.
	Reconstruct(refDense []float32, nd int, sparseIdx []int, current []float32) ([]float32, error)
	// Interpolate is Reconstruct without what training learnt.
	Interpolate(refDense []float32, nd int, sparseIdx []int, current []float32) ([]float32, error)
}

// particleArch is what differs between particle model families: their
// own keys and how [model] becomes a network for the training data.
type particleArch struct {
	keys []string
	// validate fills the family's defaults and checks its keys.
	validate func(c *Config, raw []byte) error
	// build makes the model for data of the setup; it returns the
	// resolved model configuration the checkpoints record.
	build   func(c *Config, s particleSetup, r *tensor.RNG) (particleModel, any, error)
	resolve func(c *Config) ModelConfig
	// windowFrames is the frames one training window holds (inputs and
	// targets); inputFrames those a rollout starts from.
	windowFrames, inputFrames func(c *Config) int
	// particleFloats estimates the floats a training step keeps per
	// particle with degree incoming edges each, and per window whatever
	// the particle count (footprints).
	particleFloats func(c *Config, dim int, degree float64) (perParticle, perWindow float64)
}

// particleKeys are the [train] and [eval] keys every particle family reads.
var particleKeys = []string{
	"train.epochs", "train.batch", "train.optimizer", "train.lr", "train.weight_decay", "train.schedule", "train.step_size", "train.gamma",
	"train.clip_norm", "train.pct_start", "train.div_factor", "train.final_div_factor", "train.checkpoint_every", "train.checkpoint_seconds", "train.eval_every",
	"train.window_every", "eval.rollout_steps", "eval.start_frame", "eval.solver_samples",
}

// particleFamily is the registry entry of a model family on particle
// trajectories.
func particleFamily(about string, a particleArch) modelFamily {
	return modelFamily{
		about:      about,
		keys:       append(slices.Clone(particleKeys), a.keys...),
		validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateParticles(raw, a) },
		resolve:    a.resolve,
		footprints: func(c *Config) []footprint { return []footprint{c.particleFootprint(a)} },
		train: func(ctx context.Context, c *Config, log io.Writer) (*TrainSummary, error) {
			return trainParticles(ctx, c, log, a)
		},
		evaluate:  func(ctx context.Context, c *Config) (*Metrics, error) { return evaluateParticles(ctx, c, a) },
		fieldAxes: "t n d",
		input:     particleTrajectories,
		particles: &a,
	}
}

// validateParticles checks [model], [train] and [eval] of a particle
// family against the trajectories it will see.
func (c *Config) validateParticles(raw []byte, a particleArch) error {
	if err := a.validate(c, raw); err != nil {
		return err
	}
	t := &c.Train
	if t.Normalize != "none" || t.Loss != "rel_l2" || t.Subsample != 1 {
		// Only defaults can be here: the family does not read the keys.
		return fmt.Errorf("experiments: internal: particle families read no normalize, loss or subsample keys")
	}
	if err := c.validateFirstOrder(raw); err != nil {
		return err
	}
	if c.Data.Train < 1 || c.Data.Test < 1 {
		return c.fail(raw, "data.test", "training needs data.train >= 1 and data.test >= 1, got %d and %d", c.Data.Train, c.Data.Test)
	}
	if t.WindowEvery < 0 {
		return c.fail(raw, "train.window_every", "must be >= 1 (frames between window starts; 0 or no key: 1), got %d", t.WindowEvery)
	}
	if t.WindowEvery == 0 {
		t.WindowEvery = 1
	}
	frames, in := a.windowFrames(c), a.inputFrames(c)
	if frames > c.Data.Snapshots {
		return c.fail(raw, "model.t_in", "a training window holds %d frames, the data stores %d per trajectory (data.snapshots)", frames, c.Data.Snapshots)
	}
	return c.validateRolloutWindow(raw, in)
}

// validateRolloutWindow checks that eval.start_frame, the in input frames
// and eval.rollout_steps (0: up to 50, as many as the data holds) fit in
// the stored frames.
func (c *Config) validateRolloutWindow(raw []byte, in int) error {
	e, n := &c.Eval, c.Data.Snapshots
	if e.RolloutSteps < 0 {
		return c.fail(raw, "eval.rollout_steps", "must be >= 0 (0: the default), got %d", e.RolloutSteps)
	}
	if e.StartFrame < 0 || e.StartFrame+in >= n {
		return c.fail(raw, "eval.start_frame", "must be in [0, %d] (the %d input frames and at least one predicted frame within the %d stored), got %d",
			n-in-1, in, n, e.StartFrame)
	}
	after := n - e.StartFrame - in
	if e.RolloutSteps == 0 {
		e.RolloutSteps = min(50, after)
	}
	if e.RolloutSteps > after {
		return c.fail(raw, "eval.rollout_steps", "%d frames after the first %d from frame %d, the data stores %d per trajectory (%d after them)",
			e.RolloutSteps, in, e.StartFrame, n, after)
	}
	return nil
}

// particleFootprint estimates training memory: a batch of windows of
// the most particles a sample can have, each particle with the incoming
// edges of the configured radius at the particles' spacing.
func (c *Config) particleFootprint(a particleArch) footprint {
	g, ok := c.gen.(*mpmGen)
	if !ok {
		return footprint{stage: "training"}
	}
	spacing := g.sp.Dx() / math.Pow(g.sp.ParticlesPerCell, 1/float64(g.p.Dim))
	return c.particleBatchFootprint(a, g.p.Dim, g.maxParticles(), radiusDegree(c.Model.Radius, spacing, g.p.Dim))
}

// particleBatchFootprint is the memory of a training step on batch
// windows of n particles with degree incoming edges each.
func (c *Config) particleBatchFootprint(a particleArch, dim int, n, degree float64) footprint {
	perParticle, perWindow := a.particleFloats(c, dim, degree)
	return footprint{stage: "training", parts: []part{
		{fmt.Sprintf("activations of %d windows of up to %.0f particles with %.0f neighbours each", c.Train.Batch, n, degree),
			4 * float64(c.Train.Batch) * (n*perParticle + perWindow),
			dominant(map[string]float64{"train.batch": float64(c.Train.Batch) / 2, "model.width": float64(c.Model.Width) / 128,
				"model.layers": float64(c.Model.Layers) / 10, "model.radius": degree / 30})},
	}}
}

// radiusDegree is the expected number of particles within r of a
// particle (itself included) on a lattice of the given spacing: the
// disc's or ball's volume over the spacing's.
func radiusDegree(r, spacing float64, dim int) float64 {
	if dim == 3 {
		return 1 + 4.0/3*math.Pi*math.Pow(r/spacing, 3)
	}
	return 1 + math.Pi*(r/spacing)*(r/spacing)
}

// checkMeasuredFootprint counts the edges of the radius graph on the
// first frame of every training trajectory and refuses, naming
// model.radius, a training step whose activations would not fit in
// memory at the measured degree.
func (p *particleTraining) checkMeasuredFootprint() error {
	mem := machineMemory()
	if mem == 0 {
		return nil
	}
	most, degree := 0.0, 0.0
	for k := range p.data.nTrain {
		tr, err := datasets.ReadTrajectoryFrames(p.data.src.File(), k, 0, 1)
		if err != nil {
			return err
		}
		pos := make([]float64, len(tr.Positions))
		for i, x := range tr.Positions {
			pos[i] = float64(x)
		}
		g, err := geometry.RadiusGraph(pos, tr.Dim, geometry.Box{}, p.cfg.Model.Radius, true)
		if err != nil {
			return fmt.Errorf("experiments: the radius graph of training trajectory %d (model.radius %v): %w", k, p.cfg.Model.Radius, err)
		}
		most, degree = math.Max(most, float64(tr.Particles)), math.Max(degree, float64(g.NumEdges())/float64(tr.Particles))
	}
	if f := p.cfg.particleBatchFootprint(p.arch, p.data.setup.dim, most, degree); f.total() > mem {
		return fmt.Errorf("experiments: %s: %s (measured on the first frames), more than this machine's %s: lower model.radius, model.width or train.batch",
			p.data.path, f, formatBytes(mem))
	}
	return nil
}

// particleSetup is what a particle model is built for: the dimension,
// the box of the trajectories and the training trajectories themselves
// (a family fits its normalisation to them).
type particleSetup struct {
	dim          int
	boxLo, boxHi []float64
	// eachTraining calls fn with every training trajectory, one at a
	// time (whole trajectories: positions [T, N, d]).
	eachTraining func(fn func(tr *datasets.ParticleTrajectory) error) error
}

// particleData is the stored trajectories: the training ones first, the
// test ones last, as Generate wrote them, their sample indices checked
// disjoint.
type particleData struct {
	src           *datasets.ParticleSource
	path          string
	nTrain, nTest int
	samples       []int // each trajectory's sample index (its seed stream)
	setup         particleSetup
}

// openParticleData opens the data file and checks the split: the file
// must hold data.train + data.test trajectories, every one marked with a
// distinct sample index, so no test trajectory is also a training one.
func openParticleData(cfg *Config) (*particleData, error) {
	path := cfg.dataPath()
	src, err := datasets.OpenParticleSource(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: training needs the generated data (run `simulate generate` first): %w", err)
	}
	d := &particleData{src: src, path: path, nTrain: cfg.Data.Train, nTest: cfg.Data.Test}
	if err := d.checkSplit(); err != nil {
		src.Close()
		return nil, err
	}
	sizes := src.Sizes()
	first, err := datasets.ReadTrajectoryFrames(src.File(), 0, 0, 1)
	if err != nil {
		src.Close()
		return nil, err
	}
	d.setup = particleSetup{dim: sizes[0].Dim, boxLo: first.BoxLo, boxHi: first.BoxHi, eachTraining: d.eachTraining}
	for k, sz := range sizes {
		if sz.Dim != d.setup.dim {
			src.Close()
			return nil, fmt.Errorf("experiments: %s: trajectory %d is %d-D, trajectory 0 %d-D: one model needs one dimension", path, k, sz.Dim, d.setup.dim)
		}
		tr, err := datasets.ReadTrajectoryFrames(src.File(), k, 0, 1)
		if err != nil {
			src.Close()
			return nil, err
		}
		if !slices.Equal(tr.BoxLo, first.BoxLo) || !slices.Equal(tr.BoxHi, first.BoxHi) {
			src.Close()
			return nil, fmt.Errorf("experiments: %s: trajectory %d lies in the box %v-%v, trajectory 0 in %v-%v: one model needs one box (its walls are features)",
				path, k, tr.BoxLo, tr.BoxHi, first.BoxLo, first.BoxHi)
		}
	}
	if len(first.BoxLo) != d.setup.dim || len(first.BoxHi) != d.setup.dim {
		src.Close()
		return nil, fmt.Errorf("experiments: %s: the trajectories record no box (box_lo, box_hi attributes): a particle model needs the walls", path)
	}
	return d, nil
}

// checkSplit reads every trajectory's sample index and refuses a file
// whose count differs from the configured split or in which a test
// trajectory repeats a training sample.
func (d *particleData) checkSplit() error {
	n := d.src.Trajectories()
	if n != d.nTrain+d.nTest {
		return fmt.Errorf("experiments: %s holds %d trajectories, the config splits data.train %d + data.test %d = %d: regenerate the data",
			d.path, n, d.nTrain, d.nTest, d.nTrain+d.nTest)
	}
	d.samples = make([]int, n)
	seen := map[int]int{}
	for k := range n {
		i, err := sampleOf(d.src.File(), k)
		if err != nil {
			return fmt.Errorf("experiments: %s: trajectory %d has no %q attribute (its sample index), so the split cannot be checked: %w", d.path, k, attrSample, err)
		}
		if j, dup := seen[i]; dup {
			return fmt.Errorf("experiments: %s: trajectories %d (%s) and %d (%s) are both sample %d: a test trajectory must not also be a training one",
				d.path, j, d.role(j), k, d.role(k), i)
		}
		seen[i], d.samples[k] = k, i
	}
	return nil
}

// role names the split trajectory k belongs to.
func (d *particleData) role(k int) string {
	if k < d.nTrain {
		return "training"
	}
	return "test"
}

func (d *particleData) eachTraining(fn func(tr *datasets.ParticleTrajectory) error) error {
	for k := range d.nTrain {
		tr, err := datasets.ReadTrajectory(d.src.File(), k)
		if err != nil {
			return err
		}
		if err := fn(tr); err != nil {
			return err
		}
	}
	return nil
}

// windows returns the window samples of trajectories [lo, hi) after
// d.src.SetWindows.
func (d *particleData) windows(lo, hi int) []int {
	var idx []int
	for k := lo; k < hi; k++ {
		a, b := d.src.TrajectoryWindows(k)
		idx = append(idx, seq(a, b)...)
	}
	return idx
}

func (d *particleData) Close() error { return d.src.Close() }

// particleTraining is a particle model being trained.
type particleTraining struct {
	cfg       *Config
	arch      particleArch
	data      *particleData
	model     particleModel
	params    []nn.Param[float32]
	modelJSON string
	batches   *epochBatches
	testIdx   []int       // the test windows the training-time error is taken on
	refs      [][]float32 // every trajectory's first frame (sparse models' reference)
}

// trainParticles is Train for a particle family: windows of t_in + 1
// frames (every train.window_every frames) of the training trajectories
// in shuffled batches, one model loss per window, averaged over the
// batch; the test error of one step (relative L2 of the displacement)
// every eval_every epochs.
func trainParticles(ctx context.Context, cfg *Config, log io.Writer, a particleArch) (*TrainSummary, error) {
	p, ck, err := loadParticleTraining(cfg, a)
	if err != nil {
		return nil, err
	}
	defer p.close()
	logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
	if ck != nil && ck.Epoch == cfg.Train.Epochs {
		return finishedSummary(cfg, ck, nn.CountParams(p.params), logPath)
	}
	if err := p.checkMeasuredFootprint(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	tr, err := p.trainer()
	if err != nil {
		return nil, err
	}
	l := &trainLog{path: logPath, out: log, unit: "epoch", total: cfg.Train.Epochs, every: 1, scale: 1}
	return runTrainer(ctx, cfg, tr, l, nn.CountParams(p.params))
}

// loadParticleTraining opens the data, builds the model (its
// normalisation fitted to the training trajectories) and loads the run's
// checkpoint when there is one. Nothing is written.
func loadParticleTraining(cfg *Config, a particleArch) (*particleTraining, *nn.Checkpoint, error) {
	d, err := openParticleData(cfg)
	if err != nil {
		return nil, nil, err
	}
	p := &particleTraining{cfg: cfg, arch: a, data: d}
	ck, err := p.build()
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return p, ck, nil
}

func (p *particleTraining) build() (*nn.Checkpoint, error) {
	cfg := p.cfg
	model, modelCfg, err := p.arch.build(cfg, p.data.setup, tensor.NewRNGStream(cfg.Seed, 1<<32))
	if err != nil {
		return nil, fmt.Errorf("experiments: model and data %s do not fit: %w", p.data.path, err)
	}
	raw, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "config": modelCfg})
	if err != nil {
		return nil, fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	p.model, p.params, p.modelJSON = model, model.Params(), string(raw)
	if _, ok := model.(sparseParticleModel); ok {
		for k := range p.data.nTrain + p.data.nTest {
			tr, err := datasets.ReadTrajectoryFrames(p.data.src.File(), k, 0, 1)
			if err != nil {
				return nil, err
			}
			p.refs = append(p.refs, tr.Positions)
		}
	}
	if err := p.data.src.SetWindows(p.arch.windowFrames(cfg), cfg.Train.WindowEvery); err != nil {
		return nil, err
	}
	test := p.data.windows(p.data.nTrain, p.data.nTrain+p.data.nTest)
	p.testIdx = nil
	for j := range min(len(test), maxTestWindows) {
		p.testIdx = append(p.testIdx, test[j*len(test)/min(len(test), maxTestWindows)])
	}
	return checkResumable(cfg, p.params, p.modelJSON)
}

// maxTestWindows bounds the test windows of the error logged during
// training (spread evenly over the test trajectories).
const maxTestWindows = 64

func (p *particleTraining) trainer() (*nn.Trainer[float32], error) {
	cfg, t := p.cfg, p.cfg.Train
	sampler, err := datasets.NewSampler(p.data.windows(0, p.data.nTrain), t.Batch, true, cfg.Seed)
	if err != nil {
		return nil, err
	}
	p.batches = &epochBatches{src: p.data.src, sampler: sampler}
	return &nn.Trainer[float32]{
		Params: p.params,
		Phases: []nn.Phase[float32]{{
			Name: t.Optimizer, Optimizer: newOptimizer(t), Schedule: newSchedule(t, sampler.Batches()), ClipNorm: t.ClipNorm,
			Epochs: t.Epochs, BatchesPerEpoch: sampler.Batches(), Loss: p.batchLoss,
		}},
		Evaluate: func(ctx context.Context, epoch int) (map[string]float64, error) {
			rel, err := p.oneStepRelL2(ctx)
			return map[string]float64{"test_rel_l2": rel}, err
		},
		EvalEvery:       t.EvalEvery,
		CheckpointPath:  checkpointPath(cfg),
		CheckpointEvery: t.CheckpointEvery,
		ModelConfig:     p.modelJSON,
		Seed:            cfg.Seed,
	}, nil
}

// batchLoss is the mean of the model's loss over the batch's windows.
func (p *particleTraining) batchLoss(ctx context.Context, epoch, b int, r *tensor.RNG) (*autograd.Var[float32], error) {
	batch, err := p.batches.next(ctx, epoch, b)
	if err != nil {
		return nil, err
	}
	var total *autograd.Var[float32]
	for j, tr := range batch.Trajectories {
		var l *autograd.Var[float32]
		if sm, ok := p.model.(sparseParticleModel); ok {
			k, _ := p.data.src.WindowOf(batch.Index[j])
			l, err = sm.LossRef(tr.Positions, p.refs[k], tr.Particles, r)
		} else {
			l, err = p.model.Loss(tr.Positions, tr.Particles, r)
		}
		if err != nil {
			return nil, err
		}
		if total == nil {
			total = l
		} else {
			total = autograd.Add(total, l)
		}
	}
	return autograd.Scale(total, float32(1/float64(len(batch.Trajectories)))), nil
}

// oneStepRelL2 is the relative L2 error of one predicted step on the
// test windows: sum |x_pred - x|^2 / sum |x - x_last|^2 over their
// particles (a sparse model's subset), the test_rel_l2 of evaluation for
// a single step.
func (p *particleTraining) oneStepRelL2(ctx context.Context) (float64, error) {
	in := p.arch.inputFrames(p.cfg)
	b, err := p.data.src.Read(p.testIdx)
	if err != nil {
		return 0, err
	}
	num, den := 0.0, 0.0
	for j, tr := range b.Trajectories {
		tr = p.subset(tr, uint64(p.testIdx[j]))
		per := tr.Particles * tr.Dim
		pred, err := p.model.Rollout(ctx, tr.Positions[:in*per], tr.Particles, 1)
		if err != nil {
			return 0, err
		}
		truth := tr.Positions[in*per : (in+1)*per]
		num += meanSquare(pred, truth) * float64(per)
		den += meanSquare(truth, tr.Positions[(in-1)*per:in*per]) * float64(per)
	}
	if den == 0 {
		return 0, fmt.Errorf("experiments: the test windows of %s do not move between frames: a relative error needs motion", p.data.path)
	}
	return math.Sqrt(num / den), nil
}

// subset returns tr restricted to the particles a sparse model advances,
// drawn from the stream (seed, key); tr itself for a full-order model.
func (p *particleTraining) subset(tr *datasets.ParticleTrajectory, key uint64) *datasets.ParticleTrajectory {
	sm, ok := p.model.(sparseParticleModel)
	if !ok {
		return tr
	}
	return subsetOf(tr, sm.SampleIndices(tr.Particles, tensor.NewRNGStream(p.cfg.Seed, 1<<33+key)))
}

// subsetOf is tr with only the particles idx (positions and features).
func subsetOf(tr *datasets.ParticleTrajectory, idx []int) *datasets.ParticleTrajectory {
	out := *tr
	d, f := tr.Dim, tr.FeatureDim
	out.Particles, out.Positions, out.Features = len(idx), make([]float32, 0, tr.Frames*len(idx)*d), nil
	for t := range tr.Frames {
		for _, i := range idx {
			out.Positions = append(out.Positions, tr.Positions[(t*tr.Particles+i)*d:(t*tr.Particles+i+1)*d]...)
		}
	}
	for _, i := range idx {
		out.Features = append(out.Features, tr.Features[i*f:(i+1)*f]...)
	}
	return &out
}

func (p *particleTraining) close() {
	if p.batches != nil {
		p.batches.close()
	}
	p.data.Close()
}

// meanSquare is the mean of (a - b)^2.
func meanSquare(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s / float64(len(a))
}

// evaluateParticles is Evaluate for a particle family: from the input
// frames at eval.start_frame of every test trajectory the model rolls out
// eval.rollout_steps frames, judged per step by the position MSE (mean
// over particles and coordinates), at the last step by the Chamfer
// distance, over the whole rollout by the relative L2 of the
// displacement from the last input frame (test_rel_l2); the model's time
// per step against the solver's per frame (eval.solver_samples test
// trajectories re-simulated).
func evaluateParticles(ctx context.Context, cfg *Config, a particleArch) (*Metrics, error) {
	d, err := openParticleData(cfg)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	p := &particleTraining{cfg: cfg, arch: a, data: d}
	if _, err := p.build(); err != nil {
		return nil, err
	}
	if _, err := nn.LoadCheckpoint(checkpointPath(cfg), p.params); err != nil {
		return nil, fmt.Errorf("experiments: loading the trained model (run `simulate train` first): %w", err)
	}
	ev, err := p.rolloutTest(ctx)
	if err != nil {
		return nil, err
	}
	m := ev.metrics(nn.CountParams(p.params))
	m.RolloutStartFrame = cfg.Eval.StartFrame
	if ts, err := readTrainSummary(cfg); err == nil {
		m.TrainSeconds = ts.Seconds
	}
	if err := p.timeSolver(ctx, m); err != nil {
		return nil, err
	}
	if err := commitParticleEvaluation(cfg, ev, m); err != nil {
		return nil, err
	}
	return m, nil
}

// particleRollouts are the test rollouts: per trajectory the stored
// frames, the input frames and predicted frames of every particle
// ([in + steps, N, d]; a sparse model's reconstructed), and the errors.
type particleRollouts struct {
	trajectories []*datasets.ParticleTrajectory // truth: input frames and the rolled-out ones
	samples      []int                          // their sample indices
	predicted    [][]float32                    // input frames then predictions, every particle
	mse          [][]float64                    // [trajectory][step], the particles the model advances
	denseMSE     [][]float64                    // [trajectory][step], every particle (sparse models)
	relL2        []float64                      // over the rollout, every particle (reconstructed)
	subsetRelL2  []float64                      // over the rollout, the particles a sparse model advances
	chamfer      []float64                      // at the last step, every particle
	cvMSE        [][]float64                    // [trajectory][step], constant velocity, every particle
	cvRelL2      []float64                      // over the rollout, constant velocity
	seconds      float64                        // rolling out (the time-stepper)
	reconSeconds float64                        // reconstructing the predicted frames (sparse models)
	reconRelL2   []float64                      // reconstruction from the stored subset: the model's
	idwRelL2     []float64                      // inverse-distance interpolation's
	interpRelL2  []float64                      // and the model's untrained interpolant's
	sampling     []float64                      // fraction of the particles advanced, per trajectory
	steps        int
}

// rolloutTest rolls out every test trajectory from its input frames at
// eval.start_frame: all particles for a full-order model; for a sparse
// model the subset drawn from the stream (seed, sample), reconstructed to
// every particle at each predicted frame from its displacement since the
// last input frame.
func (p *particleTraining) rolloutTest(ctx context.Context) (*particleRollouts, error) {
	in, steps := p.arch.inputFrames(p.cfg), p.cfg.Eval.RolloutSteps
	ev := &particleRollouts{steps: steps}
	for k := p.data.nTrain; k < p.data.nTrain+p.data.nTest; k++ {
		first := p.cfg.Eval.StartFrame
		tr, err := datasets.ReadTrajectoryFrames(p.data.src.File(), k, first, first+in+steps)
		if err != nil {
			return nil, err
		}
		if err := p.rolloutOne(ctx, ev, k, tr, in); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// rolloutOne rolls out test trajectory k (frames tr) and judges it.
func (p *particleTraining) rolloutOne(ctx context.Context, ev *particleRollouts, k int, tr *datasets.ParticleTrajectory, in int) error {
	sample := p.data.samples[k]
	sm, sparse := p.model.(sparseParticleModel)
	var idx []int
	adv := tr
	if sparse {
		idx = sm.SampleIndices(tr.Particles, tensor.NewRNGStream(p.cfg.Seed, 1<<34+uint64(sample)))
		adv = subsetOf(tr, idx)
	}
	per := adv.Particles * adv.Dim
	start := time.Now()
	pred, err := p.model.Rollout(ctx, adv.Positions[:in*per], adv.Particles, ev.steps)
	if err != nil {
		return fmt.Errorf("experiments: rolling out test trajectory %d: %w", k, err)
	}
	ev.seconds += time.Since(start).Seconds()
	if err := checkFinitePredictions(pred, 1, fmt.Sprintf("in the rollout of test trajectory %d", k)); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	mse, rel, err := judgeRollout(adv, pred, in, ev.steps)
	if err != nil {
		return fmt.Errorf("experiments: test trajectory of sample %d: %w", sample, err)
	}
	dense := pred
	if sparse {
		ev.sampling = append(ev.sampling, float64(adv.Particles)/float64(tr.Particles))
		start = time.Now()
		last := tr.Positions[(in-1)*tr.Particles*tr.Dim : in*tr.Particles*tr.Dim]
		if dense, err = reconstructFrames(sm, last, tr.Particles, idx, pred, ev.steps); err != nil {
			return fmt.Errorf("experiments: reconstructing test trajectory %d: %w", k, err)
		}
		ev.reconSeconds += time.Since(start).Seconds()
		dmse, drel, err := judgeRollout(tr, dense, in, ev.steps)
		if err != nil {
			return fmt.Errorf("experiments: test trajectory of sample %d: %w", sample, err)
		}
		ev.denseMSE, ev.subsetRelL2 = append(ev.denseMSE, dmse), append(ev.subsetRelL2, rel)
		rel = drel // test_rel_l2 is over every particle, as a full-order model's
		if err := p.judgeReconstruction(ev, sm, k, sample, idx, in); err != nil {
			return err
		}
	}
	full := tr.Particles * tr.Dim
	last := dense[(ev.steps-1)*full:]
	ch, err := chamfer32(last, tr.Positions[(in+ev.steps-1)*full:(in+ev.steps)*full], tr.Dim)
	if err != nil {
		return fmt.Errorf("experiments: Chamfer distance of the last rolled-out frame: %w", err)
	}
	ev.trajectories, ev.samples = append(ev.trajectories, tr), append(ev.samples, sample)
	ev.predicted = append(ev.predicted, append(slices.Clone(tr.Positions[:in*full]), dense...))
	ev.mse, ev.relL2, ev.chamfer = append(ev.mse, mse), append(ev.relL2, rel), append(ev.chamfer, ch)
	cmse, crel, err := judgeRollout(tr, constantVelocity(tr, in, ev.steps), in, ev.steps)
	if err != nil {
		return fmt.Errorf("experiments: test trajectory of sample %d: %w", sample, err)
	}
	ev.cvMSE, ev.cvRelL2 = append(ev.cvMSE, cmse), append(ev.cvRelL2, crel)
	return nil
}

// constantVelocity is the baseline rollout of every particle of tr from
// its input frames: each keeps the velocity of the last two,
// x_{in-1+s} = x_{in-1} + s (x_{in-1} - x_{in-2}) for s = 1..steps.
func constantVelocity(tr *datasets.ParticleTrajectory, in, steps int) []float32 {
	per := tr.Particles * tr.Dim
	last, prev := tr.Positions[(in-1)*per:in*per], tr.Positions[(in-2)*per:(in-1)*per]
	out := make([]float32, steps*per)
	for s := range steps {
		for i := range per {
			out[s*per+i] = last[i] + float32(s+1)*(last[i]-prev[i])
		}
	}
	return out
}

// reconstructFrames reconstructs every particle at each of the steps
// predicted frames of the subset idx (pred [steps, len(idx), d]) by its
// displacement from ref, the rollout's last input frame: the last frame
// in which every particle is known. Its displacements stay short over a
// rollout where those from the trajectory's first frame do not: after a
// splash, particles that began side by side have parted.
func reconstructFrames(sm sparseParticleModel, ref []float32, n int, idx []int, pred []float32, steps int) ([]float32, error) {
	per := len(pred) / steps
	var dense []float32
	for s := range steps {
		frame, err := sm.Reconstruct(ref, n, idx, pred[s*per:(s+1)*per])
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", s, err)
		}
		dense = append(dense, frame...)
	}
	return dense, nil
}

// reconFrameStride is the stride of the stored frames on which
// judgeReconstruction scores the reconstruction, and reconDraws the
// number of subsets it scores it from.
const (
	reconFrameStride = 10
	reconDraws       = 4
)

// judgeReconstruction compares, on every tenth stored frame from frame
// in (the first a rollout from the trajectory's start predicts) to the
// trajectory's end, whatever eval.start_frame (not only the rollout's
// range: the far frames, after splashes and collapses, are the hard
// ones), the reconstruction of every particle from the stored positions
// of a subset with inverse-distance interpolation of the same and with
// the model's interpolant before training: relative L2 of the
// displacement from the reference frame, over reconDraws subsets (the
// rollout's idx and three more drawn from streams of (seed, sample)): on
// splashing water one draw's ratios moved by up to 30%.
func (p *particleTraining) judgeReconstruction(ev *particleRollouts, sm sparseParticleModel, k, sample int, idx []int, in int) error {
	tr, err := datasets.ReadTrajectory(p.data.src.File(), k)
	if err != nil {
		return err
	}
	full := tr.Particles * tr.Dim
	methods := []struct {
		name string
		f    func(ref []float32, nd int, idx []int, cur []float32) ([]float32, error)
		num  float64
	}{{name: "reconstruction", f: sm.Reconstruct}, {name: "inverse-distance reconstruction", f: func(ref []float32, nd int, idx []int, cur []float32) ([]float32, error) {
		return giorom.InverseDistanceReconstruct(ref, nd, tr.Dim, idx, cur)
	}}, {name: "interpolation", f: sm.Interpolate}}
	var den float64
	for draw := range reconDraws {
		if draw > 0 {
			idx = sm.SampleIndices(tr.Particles, tensor.NewRNGStream(p.cfg.Seed, 1<<35+uint64(reconDraws*sample+draw)))
		}
		for t := in; t < tr.Frames; t += reconFrameStride {
			frame := tr.Positions[t*full : (t+1)*full]
			cur := subsetOf(&datasets.ParticleTrajectory{Frames: 1, Particles: tr.Particles, Dim: tr.Dim, Positions: frame}, idx).Positions
			for m := range methods {
				pred, err := methods[m].f(p.refs[k], tr.Particles, idx, cur)
				if err != nil {
					return fmt.Errorf("experiments: %s of stored frame %d of test trajectory %d: %w", methods[m].name, t, k, err)
				}
				methods[m].num += meanSquare(pred, frame)
			}
			den += meanSquare(frame, p.refs[k])
		}
	}
	if den == 0 {
		return fmt.Errorf("experiments: test trajectory %d does not move from its first frame: a relative reconstruction error is undefined", k)
	}
	ev.reconRelL2 = append(ev.reconRelL2, math.Sqrt(methods[0].num/den))
	ev.idwRelL2 = append(ev.idwRelL2, math.Sqrt(methods[1].num/den))
	ev.interpRelL2 = append(ev.interpRelL2, math.Sqrt(methods[2].num/den))
	return nil
}

// judgeRollout is the position MSE of each predicted step of pred
// [steps, N, d] against the stored frames in, in+1, ... of tr, and the
// relative L2 of the displacement from the last input frame over them.
func judgeRollout(tr *datasets.ParticleTrajectory, pred []float32, in, steps int) ([]float64, float64, error) {
	per := tr.Particles * tr.Dim
	truth := tr.Positions[in*per:]
	last := tr.Positions[(in-1)*per : in*per]
	mse := make([]float64, steps)
	num, den := 0.0, 0.0
	for s := range steps {
		mse[s] = meanSquare(pred[s*per:(s+1)*per], truth[s*per:(s+1)*per])
		num += mse[s] * float64(per)
		den += meanSquare(truth[s*per:(s+1)*per], last) * float64(per)
	}
	if den == 0 {
		return nil, 0, fmt.Errorf("does not move over the %d rolled-out frames: its relative error is undefined", steps)
	}
	return mse, math.Sqrt(num / den), nil
}

// chamfer32 is geometry.Chamfer of two float32 point sets.
func chamfer32(a, b []float32, dim int) (float64, error) {
	a64, b64 := make([]float64, len(a)), make([]float64, len(b))
	for i := range a {
		a64[i] = float64(a[i])
	}
	for i := range b {
		b64[i] = float64(b[i])
	}
	return geometry.Chamfer(a64, b64, dim)
}

// metrics averages the rollouts over the test trajectories.
func (ev *particleRollouts) metrics(params int) *Metrics {
	n := float64(len(ev.mse))
	most := 0
	for _, tr := range ev.trajectories {
		most = max(most, tr.Particles)
	}
	// Resolution: the most particles of a test trajectory, and their
	// dimension.
	m := &Metrics{TestSamples: len(ev.mse), Params: params, RolloutMSE: meanSteps(ev.mse, ev.steps),
		Resolution: []int{most, ev.trajectories[0].Dim}}
	m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max = stats(ev.relL2)
	m.ConstantVelocityMSE = meanSteps(ev.cvMSE, ev.steps)
	m.ConstantVelocityRelL2, _, _ = stats(ev.cvRelL2)
	m.ChamferLast, _, _ = stats(ev.chamfer)
	frames := n * float64(ev.steps)
	m.InferenceSecondsPerSample = (ev.seconds + ev.reconSeconds) / frames
	if len(ev.denseMSE) > 0 {
		r := &SparseMetrics{DenseRolloutMSE: meanSteps(ev.denseMSE, ev.steps),
			StepSecondsPerFrame: ev.seconds / frames, ReconSecondsPerFrame: ev.reconSeconds / frames}
		r.Sampling, _, _ = stats(ev.sampling)
		r.SubsetRelL2, _, _ = stats(ev.subsetRelL2)
		r.ReconRelL2, _, _ = stats(ev.reconRelL2)
		r.IDWRelL2, _, _ = stats(ev.idwRelL2)
		r.InterpRelL2, _, _ = stats(ev.interpRelL2)
		for _, tr := range ev.trajectories {
			r.TrajectoryParticles = append(r.TrajectoryParticles, tr.Particles)
		}
		r.ReconPerTrajectory, r.IDWPerTrajectory, r.InterpPerTrajectory = ev.reconRelL2, ev.idwRelL2, ev.interpRelL2
		m.Sparse = r
	}
	return m
}

// meanSteps averages per-step errors [trajectory][step] over the
// trajectories.
func meanSteps(v [][]float64, steps int) []float64 {
	out := make([]float64, steps)
	for _, e := range v {
		for s, x := range e {
			out[s] += x / float64(len(v))
		}
	}
	return out
}

// timeSolver re-simulates up to eval.solver_samples test trajectories
// and sets the solver's seconds per frame and the speed-up over the
// model's seconds per step.
func (p *particleTraining) timeSolver(ctx context.Context, m *Metrics) error {
	st, ok := p.cfg.gen.store().(trajectoryStore)
	if !ok {
		m.SolverSkipped = "the data's solver does not simulate particle trajectories"
		return nil
	}
	n := min(p.cfg.Eval.SolverSamples, p.data.nTest)
	frames, seconds := 0, 0.0
	for k := p.data.nTrain; k < p.data.nTrain+n; k++ {
		start := time.Now()
		tr, err := st.simulate(ctx, p.cfg.Seed, p.data.samples[k])
		if err != nil {
			return fmt.Errorf("experiments: timing the solver on test trajectory %d: %w", k, err)
		}
		seconds += time.Since(start).Seconds()
		frames += tr.Frames - 1
	}
	m.SolverSecondsPerSample = seconds / float64(frames)
	if m.InferenceSecondsPerSample > 0 {
		m.Speedup = m.SolverSecondsPerSample / m.InferenceSecondsPerSample
	}
	return nil
}

// commitParticleEvaluation replaces predictions.h5 (the test
// trajectories' input and predicted frames, in the particle layout, each
// marked with its sample index) and metrics.json together, as
// commitEvaluation.
func commitParticleEvaluation(cfg *Config, ev *particleRollouts, m *Metrics) error {
	return commitOutputs(cfg, m, func(path string) error {
		f, err := datasets.Create(path)
		if err != nil {
			return err
		}
		for k, tr := range ev.trajectories {
			out := *tr
			out.Positions, out.Frames, out.FirstFrame, out.Scalars = ev.predicted[k], len(ev.predicted[k])/(tr.Particles*tr.Dim), 0, nil
			if err := appendMarked(f, &out, ev.samples[k]); err != nil {
				f.Abort()
				return err
			}
		}
		if err := f.SetProvenance(datasets.Provenance{Kind: "evaluation", Name: cfg.Model.Kind, Seed: int64(cfg.Seed), Config: cfg.text}); err != nil {
			f.Abort()
			return err
		}
		return f.Close()
	})
}

// plotParticleRollout draws a particle model's evaluation: the rollout
// MSE per step (rollout_mse) and four frames of the first test
// trajectory's rollout (rollout_frames), the stored frames above
// coloured by speed and the predicted ones below coloured by their
// distance to the stored positions.
func plotParticleRollout(m *Metrics, runDir, data, figs string, opts PlotOptions) ([]string, error) {
	steps := make([]float64, len(m.RolloutMSE))
	for i := range steps {
		steps[i] = float64(i + 1)
	}
	written, err := writeCurves(filepath.Join(figs, "rollout_mse"), plotting.Curves{
		XLabel: "rollout step", YLabel: "position MSE", LogY: true,
		Series: []plotting.Series{{Name: "test mean", X: steps, Y: m.RolloutMSE, Points: len(steps) <= 20}},
	}, opts)
	if err != nil {
		return written, err
	}
	pf, err := datasets.Open(filepath.Join(runDir, "predictions.h5"))
	if err != nil {
		return written, fmt.Errorf("experiments: plot needs the evaluate stage's predictions: %w", err)
	}
	defer pf.Close()
	pred, err := datasets.ReadTrajectory(pf, 0)
	if err != nil {
		return written, err
	}
	df, err := datasets.Open(data)
	if err != nil {
		return written, fmt.Errorf("experiments: plot needs the generated data: %w", err)
	}
	defer df.Close()
	k, err := trajectoryOfSample(df, pf)
	if err != nil {
		return written, err
	}
	first := m.RolloutStartFrame
	truth, err := datasets.ReadTrajectoryFrames(df, k, first, first+pred.Frames)
	if err != nil {
		return written, err
	}
	var frames []int
	for j := range 4 {
		frames = append(frames, j*(pred.Frames-1)/3)
	}
	pred.FirstFrame = first // predictions.h5 holds the rollout's window as a whole trajectory
	tv, pv := particleView(truth), particleView(pred)
	pv.Values, pv.Label = particleErrors(truth, pred), "distance to the stored positions"
	pv.Lo, pv.Hi = tv.Lo, tv.Hi
	for _, panel := range []struct {
		name, title string
		p           plotting.Particles
	}{{"rollout_frames_truth", "solver (test trajectory, coloured by speed)", tv}, {"rollout_frames_prediction", fmt.Sprintf("model rollout from stored frame %d", first), pv}} {
		files, err := writeParticleFrames(filepath.Join(figs, panel.name), panel.title, panel.p, frames, opts.Formats)
		written = append(written, files...)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// trajectoryOfSample finds the data file's trajectory of the sample
// that predicted trajectory 0 of pf records.
func trajectoryOfSample(df, pf *datasets.File) (int, error) {
	want, err := sampleOf(pf, 0)
	if err != nil {
		return 0, fmt.Errorf("experiments: %s: %w", pf.Name(), err)
	}
	n, err := datasets.TrajectoryCount(df)
	if err != nil {
		return 0, err
	}
	for k := n - 1; k >= 0; k-- {
		if i, err := sampleOf(df, k); err == nil && i == want {
			return k, nil
		}
	}
	return 0, fmt.Errorf("experiments: %s holds no trajectory of sample %d, which predictions.h5 predicted (the data changed: evaluate again)", df.Name(), want)
}

// sampleOf reads the sample index trajectory k of f is marked with.
func sampleOf(f *datasets.File, k int) (int, error) {
	g, err := f.OpenGroup(trajectoryGroup(k))
	if err != nil {
		return 0, err
	}
	defer g.Close()
	i, err := g.AttrInt64(attrSample)
	return int(i), err
}

// appendMarked appends tr to f and marks its group with its sample index.
func appendMarked(f *datasets.File, tr *datasets.ParticleTrajectory, sample int) error {
	k, err := datasets.AppendTrajectory(f, tr)
	if err != nil {
		return err
	}
	g, err := f.OpenGroup(trajectoryGroup(k))
	if err != nil {
		return err
	}
	defer g.Close()
	return g.SetAttr(attrSample, int64(sample))
}

// particleErrors is each particle's distance between pred and truth at
// every frame, [T, N].
func particleErrors(truth, pred *datasets.ParticleTrajectory) []float64 {
	d := pred.Dim
	out := make([]float64, pred.Frames*pred.Particles)
	for i := range out {
		s := 0.0
		for a := range d {
			e := float64(pred.Positions[i*d+a] - truth.Positions[i*d+a])
			s += e * e
		}
		out[i] = math.Sqrt(s)
	}
	return out
}
