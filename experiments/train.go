package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// pairs are input/output fields of a "map" task: [N, s..., 1] each.
type pairs struct {
	x, y    *tensor.Tensor[float32]
	spatial []int
	nTrain  int
	nTest   int
}

func (p *pairs) sampleSize() int { return tensor.Size(p.spatial) }

// xSize and ySize are the values per sample of inputs and targets.
func (p *pairs) xSize() int { return p.x.Len() / p.x.Dim(0) }
func (p *pairs) ySize() int { return p.y.Len() / p.y.Dim(0) }

// loadPairs reads the data file: for the tensor layout the first stored
// time is the input and the last the output; for Darcy the coefficient nu
// is the input and the solution the output. Every spatial axis is
// subsampled by sub. The file is checked against the configuration before
// its data are read (layout, rank, snapshots, grid: checkStoredGrid), and
// the datasets readers refuse what would crash or mislead training (a
// shape beyond memory, storage never written, NaN or infinite values,
// integer fields, bad coordinates, metadata libhdf5 crashes on), each error
// naming the file and dataset.
func loadPairs(cfg *Config, sub int) (*pairs, error) {
	path := cfg.Data.Output
	// libhdf5 walks the file in a child process first: a damaged file on
	// which it crashes or loops is refused instead of killing this one.
	err := datasets.Preflight(path)
	var f *datasets.File
	if err == nil {
		f, err = datasets.Open(path)
	}
	if err != nil {
		if errors.Is(err, datasets.ErrNotFound) {
			return nil, fmt.Errorf("%w (run `simulate generate %s` first)", err, cfg.path)
		}
		return nil, err
	}
	defer f.Close()
	if err := checkStoredGrid(cfg, f); err != nil {
		return nil, err
	}
	var in, out []float32
	var shape []int // [N, s...]
	switch layout := cfg.gen.layout(); layout {
	case datasets.LayoutTensor:
		set, err := datasets.ReadTensorSet(f, 0, -1)
		if err != nil {
			return nil, err
		}
		s, all := set.Shape, set.Data
		if cfg.Model.Task == "rollout" {
			return loadRollout(cfg, f, tensor.FromSlice(all, s...), sub)
		}
		n, t := s[0], s[1]
		per := tensor.Size(s[2:])
		in, out = make([]float32, n*per), make([]float32, n*per)
		for i := 0; i < n; i++ {
			copy(in[i*per:(i+1)*per], all[(i*t)*per:(i*t+1)*per])
			copy(out[i*per:(i+1)*per], all[(i*t+t-1)*per:(i*t+t)*per])
		}
		shape = append([]int{n}, s[2:]...)
	case datasets.LayoutDarcy:
		ds, err := datasets.ReadDarcy(f, 0, -1)
		if err != nil {
			return nil, err
		}
		in, out = ds.Nu, ds.U
		shape = []int{ds.N, ds.X, ds.Y}
	default:
		return nil, fmt.Errorf("experiments: solver %s stores layout %s; training needs a tensor or Darcy layout", cfg.Data.Solver, layout)
	}
	nTrain, nTest, err := split(cfg, f, shape[0])
	if err != nil {
		return nil, err
	}
	x := tensor.FromSlice(in, shape...)
	y := tensor.FromSlice(out, shape...)
	if sub > 1 {
		x, y = subsampleSpatial(x, sub), subsampleSpatial(y, sub)
	}
	s := x.Shape()
	full := append(append([]int{}, s...), 1)
	return &pairs{x: x.Reshape(full...), y: y.Reshape(full...), spatial: append([]int{}, s[1:]...), nTrain: nTrain, nTest: nTest}, nil
}

// checkStoredGrid verifies that the file holds what the [data] section
// describes, from the shapes alone (nothing is read): the solver's layout,
// /tensor of rank 2 + dim ([N, T, X(, Y)], or [N, 1, X, Y] for Darcy), the
// configured number of snapshots (a file with one snapshot would train
// u(0) -> u(0)), and the grid. A model is never trained on other data than
// the configuration says.
func checkStoredGrid(cfg *Config, f *datasets.File) error {
	wantLayout := cfg.gen.layout()
	layout, err := datasets.DetectLayout(f)
	if err != nil {
		return err
	}
	if layout != wantLayout {
		return fmt.Errorf("experiments: %s has layout %s, solver %s writes %s (docs/DATA.md): regenerate or fix data.output: %w",
			f.Name(), layout, cfg.Data.Solver, wantLayout, datasets.ErrLayout)
	}
	d, err := f.OpenDataset("tensor")
	if err != nil {
		return err
	}
	defer d.Close()
	dim, n := cfg.storedGrid()
	s := d.Shape()
	spatial := []string{"X", "Y", "Z"}[:min(dim, 3)]
	axes := "[N, T, " + strings.Join(spatial, ", ") + "]"
	if wantLayout == datasets.LayoutDarcy {
		axes = "[N, 1, " + strings.Join(spatial, ", ") + "]"
	}
	if len(s) != 2+dim {
		return fmt.Errorf("experiments: %s /tensor has rank %d (shape %v), expected %s for %s data: %w",
			f.Name(), len(s), s, axes, cfg.Data.Solver, datasets.ErrLayout)
	}
	if wantLayout == datasets.LayoutDarcy && s[1] != 1 {
		return fmt.Errorf("experiments: %s /tensor has shape %v: %d values on its second axis, expected %s (one steady solution per sample): %w",
			f.Name(), s, s[1], axes, datasets.ErrLayout)
	}
	if wantLayout == datasets.LayoutTensor && s[1] != cfg.Data.Snapshots {
		need := "t = 0 is the input and t_end the target"
		if cfg.Model.Task == "rollout" {
			need = fmt.Sprintf("the rollout needs t_in + t_out = %d", cfg.Model.TIn+cfg.Model.TOut)
		}
		return fmt.Errorf("experiments: %s /tensor stores %d snapshots per sample (shape %v), expected %d (data.snapshots; %s): regenerate or fix the config: %w",
			f.Name(), s[1], s, cfg.Data.Snapshots, need, datasets.ErrLayout)
	}
	for i, got := range s[2:] {
		if got != n {
			return fmt.Errorf("experiments: %s stores fields on %d points per axis, the [data] section describes %d (data.resolution %d, data.subsample %d; /tensor shape %v, axis %s): regenerate or fix the config: %w",
				f.Name(), got, n, cfg.Data.Resolution, cfg.Data.Subsample, s, spatial[i], datasets.ErrLayout)
		}
	}
	if s[0] < 1 {
		return fmt.Errorf("experiments: %s /tensor holds no samples (shape %v): %w", f.Name(), s, datasets.ErrLayout)
	}
	return nil
}

// split returns the numbers of training and test samples recorded in the
// file (its n_train and n_test attributes, else the configuration) and
// checks they fit the n samples it holds.
func split(cfg *Config, f *datasets.File, n int) (nTrain, nTest int, err error) {
	nTrain, nTest = cfg.Data.Train, cfg.Data.Test
	for _, a := range []struct {
		name string
		dst  *int
	}{{"n_train", &nTrain}, {"n_test", &nTest}} {
		if !f.HasAttr(a.name) {
			continue
		}
		v, err := f.AttrInt64(a.name)
		if err != nil {
			return 0, 0, err
		}
		if v < 1 || v > int64(n) {
			return 0, 0, fmt.Errorf("experiments: %s attribute %s is %d, expected 1 to %d (the samples /tensor holds): %w",
				f.Name(), a.name, v, n, datasets.ErrRange)
		}
		*a.dst = int(v)
	}
	if nTrain+nTest > n || nTrain < 1 || nTest < 1 {
		return 0, 0, fmt.Errorf("experiments: %s holds %d samples, the split needs %d train + %d test: %w", f.Name(), n, nTrain, nTest, datasets.ErrRange)
	}
	return nTrain, nTest, nil
}

// loadRollout arranges frames [N, T, s...] as inputs [N, s..., t_in] (the
// first t_in frames, channels last) and targets [N, s..., t_out] (the next
// t_out frames).
func loadRollout(cfg *Config, f *datasets.File, frames *tensor.Tensor[float32], sub int) (*pairs, error) {
	s := frames.Shape()
	tin, tout := cfg.Model.TIn, cfg.Model.TOut
	if len(s) < 3 || s[1] < tin+tout {
		return nil, fmt.Errorf("experiments: %s /tensor has shape %v: the rollout needs [N, T, X(, Y)] with T >= t_in + t_out = %d: %w",
			f.Name(), s, tin+tout, datasets.ErrLayout)
	}
	nTrain, nTest, err := split(cfg, f, s[0])
	if err != nil {
		return nil, err
	}
	if sub > 1 {
		for ax := 2; ax < len(s); ax++ {
			idx := []int{}
			for j := 0; j < s[ax]; j += sub {
				idx = append(idx, j)
			}
			frames = tensor.Gather(frames, ax, idx)
		}
	}
	r := frames.Rank()
	perm := []int{0}
	for a := 2; a < r; a++ {
		perm = append(perm, a)
	}
	perm = append(perm, 1)
	x := tensor.Permute(tensor.Slice(frames, 1, 0, tin), perm...)
	y := tensor.Permute(tensor.Slice(frames, 1, tin, tin+tout), perm...)
	spatial := append([]int{}, frames.Shape()[2:]...)
	return &pairs{x: x, y: y, spatial: spatial, nTrain: nTrain, nTest: nTest}, nil
}

// subsampleSpatial keeps every k-th point on each axis after the first.
func subsampleSpatial(t *tensor.Tensor[float32], k int) *tensor.Tensor[float32] {
	for ax := 1; ax < t.Rank(); ax++ {
		n := t.Dim(ax)
		idx := make([]int, 0, (n+k-1)/k)
		for j := 0; j < n; j += k {
			idx = append(idx, j)
		}
		t = tensor.Gather(t, ax, idx)
	}
	return t
}

// normalizers for inputs and outputs (nil when normalize = none).
type normalizers struct {
	x, y *datasets.Normalizer
	// decode's constants for the grid they were built for
	scale, center *autograd.Var[float32]
	grid          []int
}

func normalizerPath(cfg *Config) string { return filepath.Join(cfg.RunDir(), "normalizers.h5") }

func fitNormalizers(cfg *Config, p *pairs) (*normalizers, error) {
	kind := datasets.NormalizerKind(cfg.Train.Normalize)
	if kind == "none" {
		return &normalizers{}, nil
	}
	per := p.sampleSize()
	nx, err := datasets.FitNormalizer(kind, p.x.Data()[:p.nTrain*per], per)
	if err != nil {
		return nil, err
	}
	ny, err := datasets.FitNormalizer(kind, p.y.Data()[:p.nTrain*per], per)
	if err != nil {
		return nil, err
	}
	f, err := datasets.Create(normalizerPath(cfg))
	if err != nil {
		return nil, err
	}
	if err := nx.Save(f.Group, "x"); err != nil {
		f.Abort()
		return nil, err
	}
	if err := ny.Save(f.Group, "y"); err != nil {
		f.Abort()
		return nil, err
	}
	return &normalizers{x: nx, y: ny}, f.Close()
}

func loadNormalizers(cfg *Config) (*normalizers, error) {
	if cfg.Train.Normalize == "none" {
		return &normalizers{}, nil
	}
	f, err := datasets.Open(normalizerPath(cfg))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	nx, err := datasets.LoadNormalizer(f.Group, "x")
	if err != nil {
		return nil, err
	}
	ny, err := datasets.LoadNormalizer(f.Group, "y")
	if err != nil {
		return nil, err
	}
	return &normalizers{x: nx, y: ny}, nil
}

// rollout applies the model steps times, feeding each prediction back as
// the newest input frame (FNO's fourier_2d_time.py), and returns the
// predictions [B, s..., steps]; with one step it is a plain map whose
// output is decoded by the normalizer.
func rollout(model operator, x *autograd.Var[float32], steps int, norm *normalizers, spatial []int) (*autograd.Var[float32], error) {
	if steps == 1 {
		out, err := model.Forward(x)
		if err != nil {
			return nil, err
		}
		return norm.decode(out, spatial), nil
	}
	tin := x.Shape()[len(x.Shape())-1]
	var preds []*autograd.Var[float32]
	for k := 0; k < steps; k++ {
		im, err := model.Forward(x)
		if err != nil {
			return nil, err
		}
		preds = append(preds, im)
		x = autograd.Concat(-1, autograd.Slice(x, -1, 1, tin), im)
	}
	return autograd.Concat(-1, preds...), nil
}

// decode maps normalised model outputs back: y = out * scale + center.
// The scale and center tensors are built once per grid.
func (n *normalizers) decode(out *autograd.Var[float32], spatial []int) *autograd.Var[float32] {
	if n.y == nil {
		return out
	}
	if n.scale == nil || !tensor.SameShape(n.grid, spatial) {
		shape := append(append([]int{1}, spatial...), 1)
		if len(n.y.Scale) == 1 {
			shape = []int{1}
		}
		scale := make([]float32, len(n.y.Scale))
		center := make([]float32, len(n.y.Center))
		for i := range scale {
			scale[i], center[i] = float32(n.y.Scale[i]), float32(n.y.Center[i])
		}
		n.scale = autograd.Const(tensor.FromSlice(scale, shape...))
		n.center = autograd.Const(tensor.FromSlice(center, shape...))
		n.grid = append([]int{}, spatial...)
	}
	return autograd.Add(autograd.Mul(out, n.scale), n.center)
}

// encodedInputs returns the inputs normalised by the x normalizer.
func (n *normalizers) encodedInputs(x *tensor.Tensor[float32]) (*tensor.Tensor[float32], error) {
	if n.x == nil {
		return x, nil
	}
	c := x.Clone()
	return c, datasets.Encode(n.x, c.Data())
}

// operator is what the train and evaluate stages need from a model.
type operator interface {
	Forward(*autograd.Var[float32]) (*autograd.Var[float32], error)
	Params() []nn.Param[float32]
}

func checkpointPath(cfg *Config) string {
	return filepath.Join(cfg.RunDir(), "checkpoints", "last.h5")
}

// TrainSummary is written to train.json.
type TrainSummary struct {
	Params      int     `json:"params"`
	Epochs      int     `json:"epochs"`
	Steps       int     `json:"steps"`
	Seconds     float64 `json:"seconds"`
	ResumedFrom int     `json:"resumed_from"`
	TrainLoss   float64 `json:"train_loss"`
	TestRelL2   float64 `json:"test_rel_l2"`
}

// TrainGCPercent is the collector's heap growth target while training,
// unless GOGC is set. Training keeps every activation of a step alive, and
// Go's default (100: the heap may grow to twice the live data) measured
// 25-35% more peak memory than 50 for 1-3% more time; inference and the
// solvers, whose live data is small, keep the default, which there is
// faster (FNO-2D inference at 64^2: 62 ms at 100, 74 ms at 50).
const TrainGCPercent = 50

// Train runs the train stage: reads the generated data, trains the
// configured model with checkpoints in run_dir/checkpoints (resuming from
// the last one when present), logs every epoch to run_dir/train_log.csv and
// to log, and writes run_dir/train.json.
func Train(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	if !cfg.hasModel {
		return nil, fmt.Errorf("experiments: %s has no [model] and [train] sections", cfg.path)
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(TrainGCPercent))
	}
	return cfg.family().train(ctx, cfg, log)
}

// trainGrid is Train for a grid operator: pairs of fields from the
// stored data, mini-batches of the training samples, test error every
// eval_every epochs.
func trainGrid(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	// Everything that can refuse (data, model, checkpoint) is checked
	// before anything in the run directory is written.
	g, ck, err := loadGridTraining(cfg)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
	if ck != nil && ck.Epoch == cfg.Train.Epochs {
		// Finished earlier: nothing to train, nothing to rewrite.
		return finishedSummary(cfg, ck, nn.CountParams(g.params), logPath)
	}
	if err := g.prepareInputs(); err != nil {
		return nil, err
	}
	tr, err := g.trainer()
	if err != nil {
		return nil, err
	}
	return runTrainer(ctx, cfg, tr, g.epochLog(logPath, log), nn.CountParams(g.params))
}

// gridTraining is a grid operator being trained: the model, its stored
// pairs and, once prepared, the normalizers and normalised inputs.
type gridTraining struct {
	cfg       *Config
	model     operator
	params    []nn.Param[float32]
	modelJSON string // the checkpoints' model_config
	pairs     *pairs
	test      []int                   // the test samples' indices
	norm      *normalizers            // set by prepareInputs
	inputs    *tensor.Tensor[float32] // the pairs' inputs, normalised (prepareInputs)
}

// loadGridTraining reads the data, checks and builds the model, and loads
// the run directory's checkpoint into it when there is one (returned; nil
// otherwise). Nothing is written.
func loadGridTraining(cfg *Config) (*gridTraining, *nn.Checkpoint, error) {
	p, err := loadPairs(cfg, cfg.Train.Subsample)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.checkModel(p.spatial); err != nil {
		return nil, nil, fmt.Errorf("experiments: model and data %s do not fit: %w", cfg.Data.Output, err)
	}
	model, modelCfg, err := buildModel(cfg, p.spatial)
	if err != nil {
		return nil, nil, err
	}
	modelJSON, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "config": modelCfg})
	if err != nil {
		return nil, nil, fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	g := &gridTraining{cfg: cfg, model: model, params: model.Params(), modelJSON: string(modelJSON), pairs: p, test: testIndices(p)}
	ck, err := checkResumable(cfg, g.params, g.modelJSON)
	if err != nil {
		return nil, nil, err
	}
	return g, ck, nil
}

// prepareInputs creates the checkpoint directory, fits the normalizers to
// the training samples (writing normalizers.h5) and normalises the inputs.
func (g *gridTraining) prepareInputs() error {
	if err := os.MkdirAll(filepath.Join(g.cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	norm, err := fitNormalizers(g.cfg, g.pairs)
	if err != nil {
		return err
	}
	xs, err := norm.encodedInputs(g.pairs.x)
	if err != nil {
		return err
	}
	g.norm, g.inputs = norm, xs
	return nil
}

// trainer is one first-order phase over shuffled mini-batches of the
// training samples, with the test error every eval_every epochs and
// checkpoints in the run directory.
func (g *gridTraining) trainer() (*nn.Trainer[float32], error) {
	cfg, t := g.cfg, g.cfg.Train
	opt, sched := newOptimizer(t), newSchedule(t)
	train := make([]int, g.pairs.nTrain)
	for i := range train {
		train[i] = i
	}
	sampler, err := datasets.NewSampler(train, t.Batch, true, cfg.Seed)
	if err != nil {
		return nil, err
	}
	return &nn.Trainer[float32]{
		Params: g.params,
		Phases: []nn.Phase[float32]{{
			Name: t.Optimizer, Optimizer: opt, Schedule: sched, Epochs: t.Epochs, BatchesPerEpoch: sampler.Batches(),
			Loss: g.batchLoss(sampler),
		}},
		Evaluate: func(ctx context.Context, epoch int) (map[string]float64, error) {
			e, err := g.testRelL2()
			return map[string]float64{"test_rel_l2": e}, err
		},
		EvalEvery:       t.EvalEvery,
		CheckpointPath:  checkpointPath(cfg),
		CheckpointEvery: t.CheckpointEvery,
		ModelConfig:     g.modelJSON,
		Seed:            cfg.Seed,
	}, nil
}

// batchLoss is the phase's loss on batch b of an epoch, the sampler's
// order for that epoch drawn once, not once per batch.
func (g *gridTraining) batchLoss(sampler *datasets.Sampler) nn.LossFunc[float32] {
	cachedEpoch, batches := -1, [][]int(nil)
	return func(ctx context.Context, epoch, b int, _ *tensor.RNG) (*autograd.Var[float32], error) {
		if epoch != cachedEpoch {
			batches, cachedEpoch = sampler.Epoch(epoch), epoch
		}
		idx := batches[b]
		pred, err := g.forward(idx)
		if err != nil {
			return nil, err
		}
		return g.loss(pred, autograd.Const(samplesAt(g.pairs.y, idx)), len(idx)), nil
	}
}

// forward predicts the samples idx (a rollout of cfg.steps() steps).
func (g *gridTraining) forward(idx []int) (*autograd.Var[float32], error) {
	return rollout(g.model, autograd.Const(samplesAt(g.inputs, idx)), g.cfg.steps(), g.norm, g.pairs.spatial)
}

// loss sums train.loss over the predicted steps: MSE, or the relative L2
// summed over the n samples of the batch, as FNO.
func (g *gridTraining) loss(pred, truth *autograd.Var[float32], n int) *autograd.Var[float32] {
	steps := g.cfg.steps()
	var total *autograd.Var[float32]
	for k := 0; k < steps; k++ {
		pk, tk := pred, truth
		if steps > 1 {
			pk, tk = autograd.Slice(pred, -1, k, k+1), autograd.Slice(truth, -1, k, k+1)
		}
		var l *autograd.Var[float32]
		if g.cfg.Train.Loss == "mse" {
			l = nn.MSE(pk, tk)
		} else {
			l = autograd.Scale(nn.RelL2(pk, tk), float32(n)) // summed over the batch, as FNO
		}
		if total == nil {
			total = l
		} else {
			total = autograd.Add(total, l)
		}
	}
	return total
}

// testRelL2 is the mean relative L2 over the test samples, predicted
// without gradients in batches of train.batch.
func (g *gridTraining) testRelL2() (float64, error) {
	batch := g.cfg.Train.Batch
	var total float64
	var ferr error
	autograd.NoGrad(func() {
		for lo := 0; lo < len(g.test); lo += batch {
			idx := g.test[lo:min(lo+batch, len(g.test))]
			pred, err := g.forward(idx)
			if err != nil {
				ferr = err
				return
			}
			for _, e := range nn.RelL2PerSample(pred.Value, samplesAt(g.pairs.y, idx)) {
				total += e
			}
		}
	})
	return total / float64(len(g.test)), ferr
}

// epochLog is the CSV log and progress lines, one per epoch, with the
// loss reported per sample and step.
func (g *gridTraining) epochLog(path string, out io.Writer) *trainLog {
	t := g.cfg.Train
	perSample := float64(t.Batch * g.cfg.steps()) // the summed rel-L2 loss, reported per sample and step
	if t.Loss == "mse" {
		perSample = float64(g.cfg.steps())
	}
	return &trainLog{path: path, out: out, unit: "epoch", total: t.Epochs, every: 1, scale: perSample}
}

// newOptimizer returns the [train] section's optimizer.
func newOptimizer(t TrainConfig) nn.Optimizer[float32] {
	if t.Optimizer == "adamw" {
		return nn.NewAdamW[float32](t.LR, t.WeightDecay)
	}
	return nn.NewAdam[float32](t.LR, t.WeightDecay)
}

// newSchedule returns the [train] section's learning-rate schedule (nil:
// constant).
func newSchedule(t TrainConfig) nn.Schedule {
	switch t.Schedule {
	case "step":
		return &nn.StepLR{Base: t.LR, Gamma: t.Gamma, Size: t.StepSize}
	case "cosine":
		return &nn.CosineLR{Base: t.LR, Total: t.Epochs}
	}
	return nil
}

// checkResumable loads the run directory's checkpoint, when there is one,
// the way training will resume from it (parameters into params, optimizer
// and schedule state into fresh ones), and checks that it belongs to the
// configured model and is not past train.epochs. It returns nil when there
// is no checkpoint. Nothing is written.
func checkResumable(cfg *Config, params []nn.Param[float32], modelJSON string) (*nn.Checkpoint, error) {
	ck, hint, err := loadRunCheckpoint(cfg, params, modelJSON)
	if ck == nil || err != nil {
		return nil, err
	}
	path, t := checkpointPath(cfg), cfg.Train
	if err := newOptimizer(t).LoadState(ck.Optimizer); err != nil {
		return nil, fmt.Errorf("experiments: cannot resume from %s with train.optimizer = %q (%s): %w", path, t.Optimizer, hint, err)
	}
	if s := newSchedule(t); s != nil {
		if err := s.LoadState(ck.Schedule); err != nil {
			return nil, fmt.Errorf("experiments: cannot resume from %s with train.schedule = %q (%s): %w", path, t.Schedule, hint, err)
		}
	}
	if ck.Epoch > t.Epochs {
		return nil, fmt.Errorf("experiments: cannot resume from %s: it is at epoch %d, past train.epochs = %d (raise train.epochs, or %s)",
			path, ck.Epoch, t.Epochs, hint)
	}
	return ck, nil
}

// loadRunCheckpoint loads the run directory's checkpoint, when there is
// one, into params and checks that it holds a model of the configured
// settings (modelJSON). It returns nil when there is no checkpoint, and the
// hint its callers add to errors.
func loadRunCheckpoint[T tensor.Float](cfg *Config, params []nn.Param[T], modelJSON string) (*nn.Checkpoint, string, error) {
	path := checkpointPath(cfg)
	hint := "train into another run_dir, or remove " + filepath.Dir(path) + " to start over"
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, hint, nil
	} else if err != nil {
		return nil, hint, fmt.Errorf("experiments: checkpoint %s: %w", path, err)
	}
	ck, err := nn.LoadCheckpoint(path, params)
	if err != nil {
		return nil, hint, fmt.Errorf("experiments: cannot resume from %s (%s): %w", path, hint, err)
	}
	if changed := modelChanges(ck.ModelConfig, modelJSON); len(changed) > 0 {
		return nil, hint, fmt.Errorf("experiments: cannot resume from %s: it holds a model of another configuration, changed keys: %s (%s): %w",
			path, strings.Join(changed, ", "), hint, nn.ErrCheckpointMismatch)
	}
	return ck, hint, nil
}

// modelChanges lists the model settings that differ between a
// checkpoint's model_config and the configured model's (both JSON; keys
// added with a zero value are not changes). A model_config that is not
// JSON is not compared: parameter names and shapes were checked already.
func modelChanges(stored, current string) []string {
	var a, b map[string]any
	if json.Unmarshal([]byte(stored), &a) != nil || json.Unmarshal([]byte(current), &b) != nil || a == nil {
		return nil
	}
	return ChangedKeys(a, b)
}

// finishedSummary is Train's answer when the checkpoint is already at
// train.epochs: train.json as written when training finished, or, when the
// run was stopped before writing it, one rebuilt from the checkpoint and
// the log (and written).
func finishedSummary(cfg *Config, ck *nn.Checkpoint, params int, logPath string) (*TrainSummary, error) {
	if s, err := readTrainSummary(cfg); err == nil && s.Epochs == ck.Epoch {
		s.ResumedFrom = ck.Epoch
		return s, nil
	}
	s := &TrainSummary{Params: params, Epochs: ck.Epoch, Steps: ck.Step, ResumedFrom: ck.Epoch,
		TestRelL2: ck.Metrics["test_rel_l2"]}
	if rows, err := readLogRows(logPath); err == nil {
		for _, r := range rows {
			if r.epoch <= ck.Epoch {
				s.Seconds += r.seconds
				s.TrainLoss = r.trainLoss // of the last epoch logged (an L-BFGS run may end before its phase)
			}
		}
	}
	return s, writeJSON(filepath.Join(cfg.RunDir(), "train.json"), s)
}

// trainLogHeader is the first line of train_log.csv.
const trainLogHeader = "epoch,step,lr,train_loss,test_rel_l2,seconds"

// logRow is one parsed line of train_log.csv.
type logRow struct {
	line      string
	epoch     int
	trainLoss float64
	seconds   float64
}

// readLogRows parses the epoch lines of train_log.csv, skipping the header
// and any line that is not a whole epoch line (one cut short when a run
// was killed while writing it).
func readLogRows(path string) ([]logRow, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []logRow
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Split(l, ",")
		if len(f) != 6 {
			continue
		}
		e, err := strconv.Atoi(f[0])
		if err != nil || e < 1 {
			continue
		}
		loss, err1 := strconv.ParseFloat(f[3], 64)
		sec, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		rows = append(rows, logRow{line: l, epoch: e, trainLoss: loss, seconds: sec})
	}
	return rows, nil
}

// truncateLog opens the CSV log for appending, keeping the header and the
// lines of epochs <= keep (a missing log starts with the header). When
// lines are dropped the log is rewritten atomically (train_log.csv.tmp,
// fsync, rename), so it holds either the old lines or the kept ones. It
// returns the seconds of the kept epochs.
func truncateLog(path string, keep int) (*os.File, float64, error) {
	rows, err := readLogRows(path)
	var old []byte
	switch {
	case err == nil:
		old, _ = os.ReadFile(path)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, 0, err
	}
	text := trainLogHeader + "\n"
	seconds := 0.0
	for _, r := range rows {
		if r.epoch <= keep {
			text += r.line + "\n"
			seconds += r.seconds
		}
	}
	if string(old) != text {
		if err := writeAtomic(path, []byte(text)); err != nil {
			return nil, 0, err
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	return f, seconds, err
}

func readTrainSummary(cfg *Config) (*TrainSummary, error) {
	raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "train.json"))
	if err != nil {
		return nil, err
	}
	var s TrainSummary
	return &s, json.Unmarshal(raw, &s)
}

// writeJSON writes v atomically.
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(raw, '\n'))
}
