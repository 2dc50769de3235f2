package experiments

// MM-PDE (mesh/mmpde) as a pipeline family: the message-passing network
// advancing a 2-D field one stored frame on the nodes of a mesh moved to
// each field by the classical mover (model.mesh = "moved"), or on the
// uniform mesh (model.mesh = "uniform", its baseline: the same network and
// node budget). Both are judged on the solver's grid, where the field
// lives between steps: one-step errors over every frame pair of the test
// trajectories and an eval.rollout_steps rollout from eval.start_frame.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/mmpde"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// mmpdeFamily is MM-PDE and its uniform-mesh baseline.
var mmpdeFamily = modelFamily{
	about: "MM-PDE (Hu et al. 2024): a message-passing network (kNN graph of the nodes, encode-process-decode, u + increment) advancing a 2-D field " +
		"one stored frame on a mesh_nodes^2 mesh moved to each field by the classical Monge-Ampere mover (model.mesh = moved) or on the uniform mesh " +
		"(uniform: the baseline); the field is sampled at the nodes from the solver's grid and interpolated back there each step; judged there by " +
		"one-step errors and an eval.rollout_steps rollout, beside the interpolation error of the mesh alone and persistence",
	keys: []string{"model.mesh_nodes", "model.beta", "model.method", "model.tol", "model.mesh", "model.width", "model.layers", "model.neighbours", "model.noise",
		"train.epochs", "train.batch", "train.optimizer", "train.lr", "train.weight_decay", "train.schedule", "train.step_size", "train.gamma",
		"train.clip_norm", "train.pct_start", "train.div_factor", "train.final_div_factor", "train.checkpoint_every", "train.checkpoint_seconds",
		"eval.rollout_steps", "eval.start_frame", "eval.solver_samples"},
	validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateMMPDE(raw) },
	resolve:    func(c *Config) ModelConfig { return c.Model },
	footprints: func(c *Config) []footprint { return nil },
	train:      trainMMPDE,
	evaluate:   evaluateMMPDE,
	fieldAxes:  "x",
	meshPDE:    true,
}

// defaultMMPDERollout is eval.rollout_steps' default (fewer when the
// data stores fewer frames after eval.start_frame).
const defaultMMPDERollout = 10

// validateMMPDE checks an MM-PDE configuration: the mover's keys, the
// network's, the training budget and the evaluation window.
func (c *Config) validateMMPDE(raw []byte) error {
	if err := c.validateMonge(raw); err != nil {
		return err
	}
	m, e := &c.Model, &c.Eval
	if !registry[c.Data.Solver].timeDependent {
		return c.fail(raw, "data.solver", "kind mmpde advances a field in time; solver %s computes a steady state", c.Data.Solver)
	}
	if m.Mesh == "" {
		m.Mesh = "moved"
	}
	if m.Mesh != "moved" && m.Mesh != "uniform" {
		return c.fail(raw, "model.mesh", "unknown mesh %q (expected moved, the classical mover's mesh of each field, or uniform, the baseline)", m.Mesh)
	}
	def := mmpde.Config{}.WithDefaults()
	for _, f := range []struct {
		key string
		p   *int
		def int
	}{{"model.width", &m.Width, def.Latent}, {"model.layers", &m.Layers, def.Layers}, {"model.neighbours", &m.Neighbours, def.Neighbours}} {
		if *f.p < 0 {
			return c.fail(raw, f.key, "must be at least 1 (0: the default %d), got %d", f.def, *f.p)
		}
		if *f.p == 0 {
			*f.p = f.def
		}
	}
	if m.Neighbours > m.MeshNodes*m.MeshNodes-1 {
		return c.fail(raw, "model.neighbours", "%d neighbours, but a %d x %d mesh has %d other nodes", m.Neighbours, m.MeshNodes, m.MeshNodes, m.MeshNodes*m.MeshNodes-1)
	}
	if edges := m.MeshNodes * m.MeshNodes * m.Neighbours; edges > maxMMPDEEdges {
		return c.fail(raw, "model.neighbours", "%d neighbours of %d x %d nodes make %d edges a graph; at most %d", m.Neighbours, m.MeshNodes, m.MeshNodes, edges, maxMMPDEEdges)
	}
	if !(m.Noise >= 0) || math.IsInf(m.Noise, 0) {
		return c.fail(raw, "model.noise", "the training noise (in units of the field's standard deviation) must be finite and >= 0, got %v", m.Noise)
	}
	if c.Data.Train < 1 {
		return c.fail(raw, "data.train", "MM-PDE trains on the frame pairs of the training trajectories: want data.train >= 1, got %d", c.Data.Train)
	}
	frames := max(c.Data.Snapshots, 1)
	if err := c.validateFirstOrder(raw); err != nil {
		return err
	}
	if e.StartFrame < 0 || e.StartFrame > frames-2 {
		return c.fail(raw, "eval.start_frame", "the rollout starts from a stored frame with one after it: want 0 to %d, got %d", frames-2, e.StartFrame)
	}
	after := frames - 1 - e.StartFrame
	if e.RolloutSteps < 0 {
		return c.fail(raw, "eval.rollout_steps", "must be >= 0 (0: the default), got %d", e.RolloutSteps)
	}
	if e.RolloutSteps == 0 {
		e.RolloutSteps = min(defaultMMPDERollout, after)
	}
	if e.RolloutSteps > after {
		return c.fail(raw, "eval.rollout_steps", "%d steps from frame %d, but the data stores frames 0 to %d (%d after it)", e.RolloutSteps, e.StartFrame, frames-1, after)
	}
	return nil
}

// maxMMPDEEdges bounds one mesh's graph (a training batch holds batch of
// them, and every edge a latent vector per layer).
const maxMMPDEEdges = 1 << 24

// mmpdeConfig is the network of [model] with the training statistics.
func (c *Config) mmpdeConfig(s mmpde.Stats) mmpde.Config {
	m := c.Model
	return mmpde.Config{MeshNodes: m.MeshNodes, Latent: m.Width, Layers: m.Layers, Neighbours: m.Neighbours, NoiseStd: m.Noise, Stats: s}
}

// mmpdeMover is the configured mesh source: the classical mover, falling
// back to the uniform mesh (counted) when it fails or tangles a mesh.
type mmpdeMover struct {
	cfg       *Config
	uniform   *mesh.Mesh
	where     string // the field being moved, for the first fallback's message
	meshes    int
	fallbacks int
	first     string // the first fallback: where and why
	seconds   float64
}

func newMMPDEMover(cfg *Config) (*mmpdeMover, error) {
	u, err := mesh.StructuredQuad(cfg.Model.MeshNodes, cfg.Model.MeshNodes)
	if err != nil {
		return nil, err
	}
	return &mmpdeMover{cfg: cfg, uniform: u}, nil
}

// move returns the mesh for a field on the uniform mesh_nodes^2 grid.
func (mv *mmpdeMover) move(ctx context.Context, coarse []float64) (*mesh.Mesh, error) {
	mv.meshes++
	if mv.cfg.Model.Mesh == "uniform" {
		return mv.uniform, nil
	}
	mm, err := mongeMove(ctx, mv.cfg, meshField{coarse: coarse})
	if err == nil {
		mv.seconds += mm.seconds
		if err = mm.mesh.CheckUntangled(); err == nil {
			return mm.mesh, nil
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if mv.fallbacks == 0 {
		mv.first = mv.where + ": " + err.Error()
	}
	mv.fallbacks++
	return mv.uniform, nil
}

// mmpdeTrajectory reads every stored frame of sample s as values on the
// stored node grid (nodeField), and that grid's nodes per axis.
func mmpdeTrajectory(ds *datasets.Dataset, g meshGridKind, frames, s int) ([][]float64, int, error) {
	vals, err := datasets.ReadSamples[float32](ds, s, 1)
	if err != nil {
		return nil, 0, err
	}
	out := make([][]float64, frames)
	fn := 0
	for t := range frames {
		out[t], fn = g.nodeField(vals[t*g.n*g.n : (t+1)*g.n*g.n])
	}
	return out, fn, nil
}

// openMMPDEData opens the tensor dataset and checks its shape.
func openMMPDEData(cfg *Config) (*datasets.File, *datasets.Dataset, meshGridKind, error) {
	g, err := cfg.meshGrid()
	if err != nil {
		return nil, nil, g, err
	}
	f, err := datasets.Open(cfg.dataPath())
	if err != nil {
		return nil, nil, g, fmt.Errorf("%w (run `simulate generate %s` first)", err, cfg.path)
	}
	ds, err := f.OpenDataset("tensor")
	if err != nil {
		f.Close()
		return nil, nil, g, fmt.Errorf("experiments: %s: MM-PDE reads the tensor layout's fields: %w", cfg.dataPath(), err)
	}
	frames := max(cfg.Data.Snapshots, 1)
	if shape := ds.Shape(); len(shape) < 3 || shape[0] < cfg.Data.Train+cfg.Data.Test || ds.SampleSize() != frames*g.n*g.n {
		ds.Close()
		f.Close()
		return nil, nil, g, fmt.Errorf("experiments: %s: tensor has shape %v; want at least %d samples of %d frames of %d x %d", cfg.dataPath(), shape,
			cfg.Data.Train+cfg.Data.Test, frames, g.n, g.n)
	}
	return f, ds, g, nil
}

// mmpdePair is one training pair's mesh and node values.
type mmpdePair struct {
	msh     *mesh.Mesh
	u, next []float64
}

// mmpdePairs builds the training pairs: for every stored frame t but the
// last of every training trajectory, the mesh of frame t and the frames t
// and t + 1 sampled at its nodes.
func mmpdePairs(ctx context.Context, cfg *Config, log io.Writer) ([]mmpdePair, *mmpdeMover, error) {
	f, ds, g, err := openMMPDEData(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	defer ds.Close()
	mv, err := newMMPDEMover(cfg)
	if err != nil {
		return nil, nil, err
	}
	frames := max(cfg.Data.Snapshots, 1)
	var out []mmpdePair
	for s := range cfg.Data.Train {
		traj, fn, err := mmpdeTrajectory(ds, g, frames, s)
		if err != nil {
			return nil, nil, err
		}
		for t := 0; t+1 < frames; t++ {
			mv.where = fmt.Sprintf("training sample %d, frame %d", s, t)
			p, err := mmpdePairAt(ctx, mv, traj[t], traj[t+1], fn)
			if err != nil {
				return nil, nil, fmt.Errorf("experiments: training sample %d, frame %d: %w", s, t, err)
			}
			out = append(out, p)
		}
		if log != nil && cfg.Model.Mesh == "moved" {
			fmt.Fprintf(log, "moved meshes for training sample %d of %d (%.1f s so far)\n", s+1, cfg.Data.Train, mv.seconds)
		}
	}
	return out, mv, nil
}

// mmpdePairAt is the pair (a, b) on the mesh of a.
func mmpdePairAt(ctx context.Context, mv *mmpdeMover, a, b []float64, fn int) (mmpdePair, error) {
	coarse, err := mesh.ToMesh(a, fn, 1, mv.uniform)
	if err != nil {
		return mmpdePair{}, err
	}
	msh, err := mv.move(ctx, coarse)
	if err != nil {
		return mmpdePair{}, err
	}
	u, err := mesh.ToMesh(a, fn, 1, msh)
	if err != nil {
		return mmpdePair{}, err
	}
	next, err := mesh.ToMesh(b, fn, 1, msh)
	if err != nil {
		return mmpdePair{}, err
	}
	return mmpdePair{msh: msh, u: u, next: next}, nil
}

// mmpdeStats pools the statistics of the training pairs.
func mmpdeStats(pairs []mmpdePair) (mmpde.Stats, error) {
	var acc mmpde.StatsAccumulator
	for _, p := range pairs {
		if err := acc.Add(p.u, p.next); err != nil {
			return mmpde.Stats{}, err
		}
	}
	return acc.Stats()
}

// mmpdeModelJSON is the checkpoint's model record.
func mmpdeModelJSON(cfg *Config, mc mmpde.Config) (string, error) {
	raw, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "mesh": cfg.Model.Mesh, "config": mc})
	if err != nil {
		return "", fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	return string(raw), nil
}

// mmpdeTrainMeshes is what moving the training meshes cost and where the
// mover fell back to the uniform mesh (train_meshes.json; evaluation
// reports it).
type mmpdeTrainMeshes struct {
	Meshes    int     `json:"meshes"`
	Fallbacks int     `json:"fallbacks"`
	First     string  `json:"first_fallback,omitempty"`
	Seconds   float64 `json:"seconds"` // building the pairs: moving and sampling
}

// trainMMPDE trains the network on the training pairs, checkpointed and
// resumable like every family. The statistics are those of the pairs, so
// a resumed run rebuilds the same network; a finished one builds nothing.
func trainMMPDE(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
	if _, err := os.Stat(checkpointPath(cfg)); err == nil {
		model, ck, err := loadMMPDE(cfg)
		if err != nil {
			return nil, err
		}
		if ck.Epoch == cfg.Train.Epochs {
			return finishedSummary(cfg, ck, nn.CountParams(model.Params()), logPath)
		}
	}
	start := time.Now()
	pairs, mv, err := mmpdePairs(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	tm := mmpdeTrainMeshes{Meshes: mv.meshes, Fallbacks: mv.fallbacks, First: mv.first, Seconds: time.Since(start).Seconds()}
	if err := writeJSON(filepath.Join(cfg.RunDir(), "train_meshes.json"), tm); err != nil {
		return nil, err
	}
	if mv.fallbacks > 0 && log != nil {
		fmt.Fprintf(log, "the classical mover failed on %d of %d training fields, which use the uniform mesh (first: %s)\n", mv.fallbacks, mv.meshes, mv.first)
	}
	stats, err := mmpdeStats(pairs)
	if err != nil {
		return nil, fmt.Errorf("experiments: the training pairs of %s: %w", cfg.dataPath(), err)
	}
	mc := cfg.mmpdeConfig(stats)
	model, err := mmpde.New[float32](mc, tensor.NewRNGStream(cfg.Seed, 1<<32))
	if err != nil {
		return nil, err
	}
	samples := make([]*mmpde.Sample, len(pairs))
	for i, p := range pairs {
		if samples[i], err = model.NewSample(p.msh, p.u, p.next); err != nil {
			return nil, err
		}
	}
	modelJSON, err := mmpdeModelJSON(cfg, mc)
	if err != nil {
		return nil, err
	}
	params := model.Params()
	if _, err := checkResumable(cfg, params, modelJSON); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	t := cfg.Train
	sampler, err := datasets.NewSampler(seq(0, len(samples)), t.Batch, true, cfg.Seed)
	if err != nil {
		return nil, err
	}
	loss := func(_ context.Context, epoch, b int, r *tensor.RNG) (*autograd.Var[float32], error) {
		idx := sampler.Epoch(epoch)[b]
		batch := make([]*mmpde.Sample, len(idx))
		for j, i := range idx {
			batch[j] = samples[i]
		}
		return model.Loss(batch, r)
	}
	tr := &nn.Trainer[float32]{
		Params: params,
		Phases: []nn.Phase[float32]{{Name: t.Optimizer, Optimizer: newOptimizer(t), Schedule: newSchedule(t, sampler.Batches()), ClipNorm: t.ClipNorm,
			Epochs: t.Epochs, BatchesPerEpoch: sampler.Batches(), Loss: loss}},
		CheckpointPath: checkpointPath(cfg), CheckpointEvery: t.CheckpointEvery, ModelConfig: modelJSON, Seed: cfg.Seed,
	}
	l := &trainLog{path: logPath, out: log, unit: "epoch", total: t.Epochs, every: max(t.Epochs/20, 1), scale: 1}
	return runTrainer(ctx, cfg, tr, l, nn.CountParams(params))
}

// mmpdeRecord is the checkpoint's model record (mmpdeModelJSON).
type mmpdeRecord struct {
	Kind   string       `json:"kind"`
	Mesh   string       `json:"mesh"`
	Config mmpde.Config `json:"config"`
}

// loadMMPDE rebuilds the trained network: its parameters from the
// checkpoint (their shapes do not depend on the statistics, so a network
// with unit statistics takes them), then the statistics from the
// checkpoint's model record, which must describe the configured network.
func loadMMPDE(cfg *Config) (*mmpde.Model[float32], *nn.Checkpoint, error) {
	model, err := mmpde.New[float32](cfg.mmpdeConfig(mmpde.Stats{Std: 1, IncStd: 1}), tensor.NewRNGStream(cfg.Seed, 1<<32))
	if err != nil {
		return nil, nil, err
	}
	path := checkpointPath(cfg)
	ck, err := nn.LoadCheckpoint(path, model.Params())
	if err != nil {
		return nil, nil, fmt.Errorf("experiments: loading the trained network (run `simulate train` first): %w", err)
	}
	var rec mmpdeRecord
	if err := json.Unmarshal([]byte(ck.ModelConfig), &rec); err != nil {
		return nil, nil, fmt.Errorf("experiments: %s: the model record: %w", path, err)
	}
	describe := func(mesh string, c mmpde.Config) string {
		c = c.WithDefaults()
		return fmt.Sprintf("mesh %q, mesh_nodes %d, width %d, layers %d, neighbours %d", mesh, c.MeshNodes, c.Latent, c.Layers, c.Neighbours)
	}
	if got, want := describe(rec.Mesh, rec.Config), describe(cfg.Model.Mesh, cfg.mmpdeConfig(mmpde.Stats{})); got != want {
		return nil, nil, fmt.Errorf("experiments: %s was trained with %s; the config has %s (train again into another run_dir, or restore the config)", path, got, want)
	}
	model.Cfg.Stats = rec.Config.Stats
	if err := model.Cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("experiments: %s: %w", path, err)
	}
	return model, ck, nil
}

// MeshPDEMetrics judge MM-PDE or its uniform-mesh baseline (means over
// the test trajectories' frame pairs unless named otherwise; relative L2
// on the stored grid): the network's one-step error at the nodes alone
// (an unweighted mean over nodes, which on a moved mesh crowd into the
// fronts: a diagnostic of each mesh, not comparable between meshes); the
// interpolation error, the next frame's own round trip stored grid ->
// mesh -> stored grid (what the mesh alone loses; not a strict floor: Q1
// interpolation of exact node values is not the best fit from the mesh's
// space, and a network's node values can land nearer it); persistence,
// u(t + 1) = u(t); persistence along the rollout; and the seconds per
// step spent moving meshes (the coarse sample included) and in the rest
// (sampling, network, interpolation back). The meshes moved and the
// fallbacks, where the classical mover failed or tangled a mesh and the
// uniform mesh was used, are counted for training (with the seconds spent
// building the training pairs), the one-step evaluation and the rollouts;
// FirstFallback says where and why. The run's solver_seconds_per_sample
// is the solver's per stored frame.
type MeshPDEMetrics struct {
	Mesh                  string    `json:"mesh"`
	NodesPerAxis          int       `json:"nodes_per_axis"`
	OneStepNodeRelL2      float64   `json:"one_step_node_rel_l2"`
	InterpolationError    float64   `json:"one_step_interpolation_error"`
	PersistenceRelL2      float64   `json:"one_step_persistence_rel_l2"`
	RolloutPersistence    []float64 `json:"rollout_persistence_rel_l2"`
	RolloutStartFrame     int       `json:"rollout_start_frame"`
	MeshSecondsPerStep    float64   `json:"mesh_seconds_per_step"`
	NetworkSecondsPerStep float64   `json:"network_seconds_per_step"`
	TrainMeshes           int       `json:"train_meshes"`
	TrainFallbacks        int       `json:"train_fallbacks"`
	TrainMeshSeconds      float64   `json:"train_mesh_seconds"`
	OneStepMeshes         int       `json:"one_step_meshes"`
	OneStepFallbacks      int       `json:"one_step_fallbacks"`
	RolloutMeshes         int       `json:"rollout_meshes"`
	RolloutFallbacks      int       `json:"rollout_fallbacks"`
	FirstFallback         string    `json:"first_fallback,omitempty"`
}

// storedRelL2 is |a - b| / |b| over the stored grid's points of two node
// fields (nodeField's layout: a periodic grid's copies at 1 left out).
func storedRelL2(g meshGridKind, a, b []float64) float64 {
	fn := g.n
	if g.periodic {
		fn++
	}
	var num, den float64
	for i := range g.n {
		for j := range g.n {
			k := i*fn + j
			num += (a[k] - b[k]) * (a[k] - b[k])
			den += b[k] * b[k]
		}
	}
	return math.Sqrt(num / den)
}

// nodeRelL2 is |a - b| / |b| over all entries.
func nodeRelL2(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

// mmpdeEvaluation accumulates the evaluation over the test trajectories.
type mmpdeEvaluation struct {
	cfg           *Config
	model         *mmpde.Model[float32]
	oneStep, roll *mmpdeMover // the meshes of the stored frames; of the rollouts
	g             meshGridKind
	train         mmpdeTrainMeshes

	errs, node, interp, persist []float64
	rollout, rollPersist        [][]float64 // [sample][step]
	moveSec, stepSec            float64
	steps                       int
	input, truth, pred          []float32 // [test, n, n] on the stored grid
}

// evaluateMMPDE judges the trained network on the test trajectories.
func evaluateMMPDE(ctx context.Context, cfg *Config) (*Metrics, error) {
	model, _, err := loadMMPDE(cfg)
	if err != nil {
		return nil, err
	}
	f, ds, g, err := openMMPDEData(cfg)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer ds.Close()
	ev := &mmpdeEvaluation{cfg: cfg, model: model, g: g}
	if ev.oneStep, err = newMMPDEMover(cfg); err != nil {
		return nil, err
	}
	if ev.roll, err = newMMPDEMover(cfg); err != nil {
		return nil, err
	}
	if raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "train_meshes.json")); err == nil {
		if err := json.Unmarshal(raw, &ev.train); err != nil {
			return nil, fmt.Errorf("experiments: %s: %w", filepath.Join(cfg.RunDir(), "train_meshes.json"), err)
		}
	}
	frames := max(cfg.Data.Snapshots, 1)
	first := ds.Shape()[0] - cfg.Data.Test
	for s := first; s < first+cfg.Data.Test; s++ {
		traj, fn, err := mmpdeTrajectory(ds, g, frames, s)
		if err != nil {
			return nil, err
		}
		if err := ev.sample(ctx, s, traj, fn); err != nil {
			return nil, fmt.Errorf("experiments: test sample %d: %w", s, err)
		}
	}
	m := ev.metrics(nn.CountParams(model.Params()))
	if ts, err := readTrainSummary(cfg); err == nil {
		m.TrainSeconds = ts.Seconds
	}
	if err := timeMMPDESolver(ctx, cfg, first, m); err != nil {
		return nil, err
	}
	n := g.n
	shape := []int{cfg.Data.Test, n, n, 1}
	return m, commitEvaluation(cfg, tensor.FromSlice(ev.input, shape...), tensor.FromSlice(ev.truth, shape...), tensor.FromSlice(ev.pred, shape...), m)
}

// sample judges test trajectory s: every frame pair one step, then the
// rollout from eval.start_frame.
func (ev *mmpdeEvaluation) sample(ctx context.Context, s int, traj [][]float64, fn int) error {
	for t := 0; t+1 < len(traj); t++ {
		ev.oneStep.where = fmt.Sprintf("test sample %d, frame %d", s, t)
		steps, _, _, err := ev.model.Rollout(ctx, ev.oneStep.move, traj[t], fn, 1, ev.g.periodic)
		if err != nil {
			return fmt.Errorf("frame %d: %w", t, err)
		}
		st := steps[0]
		ev.errs = append(ev.errs, storedRelL2(ev.g, st.Fine, traj[t+1]))
		ev.persist = append(ev.persist, storedRelL2(ev.g, traj[t], traj[t+1]))
		truth, err := mesh.ToMesh(traj[t+1], fn, 1, st.Mesh)
		if err != nil {
			return err
		}
		ev.node = append(ev.node, nodeRelL2(st.Nodes, truth))
		loc, err := mesh.NewLocator(st.Mesh)
		if err != nil {
			return err
		}
		back, err := mesh.FromMesh(loc, truth, 1, fn)
		if err != nil {
			return err
		}
		ev.interp = append(ev.interp, storedRelL2(ev.g, back, traj[t+1]))
	}
	start, r := ev.cfg.Eval.StartFrame, ev.cfg.Eval.RolloutSteps
	step := 0
	move := func(ctx context.Context, coarse []float64) (*mesh.Mesh, error) {
		step++
		ev.roll.where = fmt.Sprintf("test sample %d, rollout step %d from frame %d", s, step, start)
		return ev.roll.move(ctx, coarse)
	}
	steps, moveSec, stepSec, err := ev.model.Rollout(ctx, move, traj[start], fn, r, ev.g.periodic)
	if err != nil {
		return fmt.Errorf("rollout from frame %d: %w", start, err)
	}
	ev.moveSec += moveSec
	ev.stepSec += stepSec
	ev.steps += r
	errs, pers := make([]float64, r), make([]float64, r)
	for k, st := range steps {
		errs[k] = storedRelL2(ev.g, st.Fine, traj[start+k+1])
		pers[k] = storedRelL2(ev.g, traj[start], traj[start+k+1])
	}
	ev.rollout = append(ev.rollout, errs)
	ev.rollPersist = append(ev.rollPersist, pers)
	ev.input = append(ev.input, ev.stored(traj[start])...)
	ev.truth = append(ev.truth, ev.stored(traj[start+r])...)
	ev.pred = append(ev.pred, ev.stored(steps[r-1].Fine)...)
	return nil
}

// stored returns a node field on the stored grid's points, float32.
func (ev *mmpdeEvaluation) stored(v []float64) []float32 {
	fn := ev.g.n
	if ev.g.periodic {
		fn++
	}
	out := make([]float32, 0, ev.g.n*ev.g.n)
	for i := range ev.g.n {
		for j := range ev.g.n {
			out = append(out, float32(v[i*fn+j]))
		}
	}
	return out
}

// metrics summarises the evaluation.
func (ev *mmpdeEvaluation) metrics(params int) *Metrics {
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	perStep := func(v [][]float64) []float64 {
		out := make([]float64, len(v[0]))
		for k := range out {
			for _, row := range v {
				out[k] += row[k] / float64(len(v))
			}
		}
		return out
	}
	cfg := ev.cfg
	steps := float64(ev.steps)
	mu, std, mx := stats(ev.errs)
	return &Metrics{
		TestRelL2: mu, TestRelL2Std: std, TestRelL2Max: mx,
		TestSamples: cfg.Data.Test, Resolution: []int{ev.g.n, ev.g.n}, RolloutRelL2: perStep(ev.rollout), Params: params,
		InferenceSecondsPerSample: (ev.moveSec + ev.stepSec) / steps,
		MeshPDE: &MeshPDEMetrics{
			Mesh: cfg.Model.Mesh, NodesPerAxis: cfg.Model.MeshNodes, OneStepNodeRelL2: mean(ev.node), InterpolationError: mean(ev.interp),
			PersistenceRelL2: mean(ev.persist), RolloutPersistence: perStep(ev.rollPersist), RolloutStartFrame: cfg.Eval.StartFrame,
			MeshSecondsPerStep: ev.moveSec / steps, NetworkSecondsPerStep: ev.stepSec / steps,
			TrainMeshes: ev.train.Meshes, TrainFallbacks: ev.train.Fallbacks, TrainMeshSeconds: ev.train.Seconds,
			OneStepMeshes: ev.oneStep.meshes, OneStepFallbacks: ev.oneStep.fallbacks, RolloutMeshes: ev.roll.meshes, RolloutFallbacks: ev.roll.fallbacks,
			FirstFallback: firstNonEmpty(ev.train.First, ev.oneStep.first, ev.roll.first),
		},
	}
}

// firstNonEmpty is the first of its arguments that is not "".
func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// timeMMPDESolver re-solves the first eval.solver_samples test
// trajectories and records the solver's seconds per stored frame and the
// speed-up of a network step (mesh moving included) over it.
func timeMMPDESolver(ctx context.Context, cfg *Config, first int, m *Metrics) error {
	k := min(cfg.Eval.SolverSamples, cfg.Data.Test)
	if k == 0 {
		return nil
	}
	start := time.Now()
	for j := range k {
		if _, err := cfg.grid().sample(ctx, cfg.Seed, first+j); err != nil {
			return fmt.Errorf("experiments: timing the solver on test sample %d: %w", first+j, err)
		}
	}
	// The stored frames' share of the integration: a burn-in is the
	// solver's cost of reaching the first frame, not of the frames.
	d := cfg.Data
	m.SolverSecondsPerSample = time.Since(start).Seconds() / float64(k*(max(d.Snapshots, 1)-1)) * d.TEnd / (d.BurnIn + d.TEnd)
	if m.InferenceSecondsPerSample > 0 {
		m.Speedup = m.SolverSecondsPerSample / m.InferenceSecondsPerSample
	}
	return nil
}
