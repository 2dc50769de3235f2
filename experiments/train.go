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

// rollout predicts frames future frames of C = c channels each from the
// input x [B, s..., t_in * C], feeding each prediction back as the newest
// input frames (FNO's fourier_2d_time.py): every model call returns one or
// more frames [B, s..., k * C], appended to the input window, whose last
// t_in frames are the next call's input. It returns [B, s..., frames * C].
// A single frame is a plain map whose output is decoded by the normalizer.
func rollout(model operator, x *autograd.Var[float32], frames, c int, norm *normalizers, spatial []int) (*autograd.Var[float32], error) {
	if frames == 1 {
		out, err := model.Forward(x)
		if err != nil {
			return nil, err
		}
		if got := out.Shape()[len(out.Shape())-1]; got > c {
			out = autograd.Slice(out, -1, 0, c)
		}
		return norm.decode(out, spatial), nil
	}
	var preds []*autograd.Var[float32]
	for made := 0; made < frames*c; {
		im, err := model.Forward(x)
		if err != nil {
			return nil, err
		}
		k := im.Shape()[len(im.Shape())-1]
		if k == 0 || k%c != 0 {
			return nil, fmt.Errorf("experiments: the model returned %d channels per call, expected a whole number of frames of %d", k, c)
		}
		preds = append(preds, im)
		made += k
		if made < frames*c {
			x = slideWindow(x, im)
		}
	}
	out := autograd.Concat(-1, preds...)
	if got := out.Shape()[len(out.Shape())-1]; got > frames*c {
		out = autograd.Slice(out, -1, 0, frames*c)
	}
	return out, nil
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
	Ranks       int     `json:"ranks,omitempty"` // the MPI processes of data-parallel training (absent: one)
}

// TrainGCPercent is the collector's heap growth target while training,
// unless GOGC is set. Training keeps every activation of a step alive;
// since training steps recycle their graphs' buffers
// (autograd.BackwardAndRelease), little garbage is left to collect, and 20
// measured both faster and smaller than 50 on every training workload of
// docs/PERFORMANCE.md (FNO-2D at 64^2: 122 ms and 255 MiB at 20, 125 ms and
// 286 MiB at 50). Inference and the solvers, whose live data is small,
// keep Go's default.
const TrainGCPercent = 20

// Train runs the train stage: reads the generated data, trains the
// configured model with checkpoints in run_dir/checkpoints (resuming from
// the last one when present), logs every epoch to run_dir/train_log.csv and
// to log, and writes run_dir/train.json.
func Train(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	if !cfg.hasModel {
		return nil, fmt.Errorf("experiments: %s has no [model] and [train] sections", cfg.path)
	}
	if cfg.family().untrained {
		return nil, fmt.Errorf("experiments: kind %s trains nothing (%s): evaluate it (`simulate eval`)", cfg.Model.Kind, cfg.path)
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
	return trainGridOn(ctx, cfg, log, oneProcess{})
}

// trainGridOn is trainGrid on the processes of comm (dataparallel.go):
// each trains on its part of every batch, and only rank 0 writes into the
// run directory.
func trainGridOn(ctx context.Context, cfg *Config, log io.Writer, comm Communicator) (*TrainSummary, error) {
	// Everything that can refuse (data, model, checkpoint) is checked
	// before anything in the run directory is written.
	g, ck, err := loadGridTraining(cfg)
	if err != nil {
		return nil, err
	}
	defer g.close()
	g.comm = comm
	logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
	if ck != nil && ck.Epoch == cfg.Train.Epochs {
		// Finished earlier: nothing to train, nothing to rewrite.
		if comm.Rank() > 0 {
			return &TrainSummary{Params: nn.CountParams(g.params), Epochs: ck.Epoch, Steps: ck.Step, ResumedFrom: ck.Epoch}, nil
		}
		return finishedSummary(cfg, ck, nn.CountParams(g.params), logPath)
	}
	if err := g.prepare(ctx); err != nil {
		return nil, err
	}
	tr, err := g.trainer()
	if err != nil {
		return nil, err
	}
	l := g.epochLog(logPath, log)
	l.rank, l.ranks = comm.Rank(), comm.Size()
	return runTrainer(ctx, cfg, tr, l, nn.CountParams(g.params))
}

// gridTraining is a grid operator being trained: the model, its stored
// data and, once prepared, the normalizers.
type gridTraining struct {
	cfg       *Config
	model     operator
	params    []nn.Param[float32]
	modelJSON string // the checkpoints' model_config
	data      *gridData
	norm      *normalizers // set by prepare
	batches   *epochBatches
	comm      Communicator // the processes of the run; set by trainGridOn
}

// loadGridTraining opens the data, checks and builds the model, and loads
// the run directory's checkpoint into it when there is one (returned; nil
// otherwise). Nothing is written.
func loadGridTraining(cfg *Config) (*gridTraining, *nn.Checkpoint, error) {
	d, err := openGridData(cfg, cfg.Train.Subsample)
	if err != nil {
		return nil, nil, err
	}
	g, ck, err := newGridTraining(cfg, d)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return g, ck, nil
}

func newGridTraining(cfg *Config, d *gridData) (*gridTraining, *nn.Checkpoint, error) {
	if err := cfg.checkModel(d.spatial); err != nil {
		return nil, nil, fmt.Errorf("experiments: model and data %s do not fit: %w", cfg.dataPath(), err)
	}
	model, modelCfg, err := buildModel(cfg, d.spatial)
	if err != nil {
		return nil, nil, err
	}
	modelJSON, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "config": modelCfg})
	if err != nil {
		return nil, nil, fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	g := &gridTraining{cfg: cfg, model: model, params: model.Params(), modelJSON: string(modelJSON), data: d, comm: oneProcess{}}
	ck, err := checkResumable(cfg, g.params, g.modelJSON)
	if err != nil {
		return nil, nil, err
	}
	return g, ck, nil
}

// prepare streams once over the data, fitting the normalizers and
// checking every sample training and testing will read, then creates the
// checkpoint directory and writes normalizers.h5 (rank 0: every process
// fits the same normalizers from the same samples).
func (g *gridTraining) prepare(ctx context.Context) error {
	norm, err := fitNormalizers(ctx, g.cfg, g.data)
	if err != nil {
		return err
	}
	g.norm = norm
	if g.comm.Rank() > 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(g.cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	return norm.save(g.cfg)
}

// trainer is one first-order phase over shuffled mini-batches of the
// training samples, with the test error every eval_every epochs and
// checkpoints in the run directory; data-parallel over g.comm's processes
// when there are several.
func (g *gridTraining) trainer() (*nn.Trainer[float32], error) {
	cfg, t := g.cfg, g.cfg.Train
	sampler, err := datasets.NewSampler(g.data.trainIndices(), t.Batch, true, cfg.Seed)
	if err != nil {
		return nil, err
	}
	opt, sched := newOptimizer(t), newSchedule(t, sampler.Batches())
	g.batches = &epochBatches{src: g.data.src, sampler: sampler, rank: g.comm.Rank(), size: g.comm.Size()}
	tr := &nn.Trainer[float32]{
		Params: g.params,
		Phases: []nn.Phase[float32]{{
			Name: t.Optimizer, Optimizer: opt, Schedule: sched, ClipNorm: t.ClipNorm, Epochs: t.Epochs, BatchesPerEpoch: sampler.Batches(),
			Loss: g.batchLoss,
		}},
		Evaluate: func(ctx context.Context, epoch int) (map[string]float64, error) {
			if g.comm.Size() > 1 {
				// its sum over the processes is a collective: a stop is
				// acted on at the next step, on every process together
				ctx = context.WithoutCancel(ctx)
			}
			e, err := g.testRelL2(ctx)
			return map[string]float64{"test_rel_l2": e}, err
		},
		EvalEvery:          t.EvalEvery,
		CheckpointPath:     checkpointPath(cfg),
		CheckpointReadOnly: g.comm.Rank() > 0,
		CheckpointEvery:    t.CheckpointEvery,
		ModelConfig:        g.modelJSON,
		Seed:               cfg.Seed,
	}
	if g.comm.Size() > 1 {
		tr.Reduce = nn.DataParallel(g.comm.AllreduceSumFloat32, g.lossShare)
	}
	return tr, nil
}

// close ends the batch stream and closes the data file.
func (g *gridTraining) close() {
	if g.batches != nil {
		g.batches.close()
	}
	g.data.Close()
}

// batchLoss is the phase's loss on batch b of an epoch (this process's
// part of it), read from the file while the previous batch trained; nil
// when this process has no part of it.
func (g *gridTraining) batchLoss(ctx context.Context, epoch, b int, _ *tensor.RNG) (*autograd.Var[float32], error) {
	batch, err := g.batches.next(ctx, epoch, b)
	if err != nil || batch == nil {
		return nil, err
	}
	if g.cfg.family().grid.callTraining {
		return g.callLoss(batch, epoch*g.batches.sampler.Batches()+b)
	}
	pred, err := g.forward(batch)
	if err != nil {
		return nil, err
	}
	return g.loss(pred, autograd.Const(batch.Target), batch.Len(), g.cfg.steps()), nil
}

// multiFrameOperator is a model that predicts a chosen number of frames
// per call (FactFormer's latent time marching).
type multiFrameOperator interface {
	operator
	ForwardSteps(x *autograd.Var[float32], steps int) (*autograd.Var[float32], error)
}

// callLoss is the loss of one model call at training iteration iter: the
// call predicts framesPerCall(iter) frames (the curriculum); on a
// pushforward step the model first runs train.pushforward_unrolls times
// without gradient, each prediction fed back as input, and the loss is
// taken on the frames after those (FactFormer's training).
func (g *gridTraining) callLoss(b *datasets.Batch, iter int) (*autograd.Var[float32], error) {
	model, ok := g.model.(multiFrameOperator)
	if !ok {
		return nil, fmt.Errorf("experiments: model kind %s does not predict a chosen number of frames per call", g.cfg.Model.Kind)
	}
	t, c := g.cfg.Train, g.cfg.variables()
	s := g.framesPerCall(iter)
	if err := g.norm.EncodeInput(b); err != nil {
		return nil, err
	}
	x := autograd.Const(b.Input)
	offset := 0 // frames of the target window already unrolled
	if t.PushforwardEvery > 0 && iter >= t.PushforwardAfter && (iter-t.PushforwardAfter)%t.PushforwardEvery == 0 {
		var err error
		autograd.NoGrad(func() {
			for u := 0; u < t.PushforwardUnrolls && err == nil; u++ {
				var y *autograd.Var[float32]
				if y, err = model.ForwardSteps(x, s); err == nil {
					x = slideWindow(x, y)
					offset += s
				}
			}
		})
		if err != nil {
			return nil, err
		}
		x = autograd.Const(x.Value)
	}
	pred, err := model.ForwardSteps(x, s)
	if err != nil {
		return nil, err
	}
	if s == 1 && offset == 0 {
		shape := b.Target.Shape()
		pred = g.norm.decode(pred, shape[1:len(shape)-1]) // a map's normalised output (rollouts train raw fields)
	}
	truth := tensor.Slice(b.Target, -1, offset*c, (offset+s)*c)
	// The mean over the call's frames: the logged loss stays per frame
	// whatever the curriculum's frames per call.
	return autograd.Scale(g.loss(pred, autograd.Const(truth), b.Len(), s), float32(1/float64(s))), nil
}

// framesPerCall is the curriculum: frames per call rising linearly from
// 1 to model.latent_steps over train.curriculum_iters iterations.
func (g *gridTraining) framesPerCall(iter int) int {
	most := g.cfg.family().grid.framesPerCall(g.cfg, len(g.cfg.storedShape()))
	n := g.cfg.Train.CurriculumIters
	if n <= 0 || iter >= n {
		return most
	}
	return 1 + (most-1)*iter/n
}

// slideWindow drops the oldest frames of the input window x and appends
// the predicted frames y (channels last).
func slideWindow(x, y *autograd.Var[float32]) *autograd.Var[float32] {
	tin, k := x.Shape()[len(x.Shape())-1], y.Shape()[len(y.Shape())-1]
	return autograd.Slice(autograd.Concat(-1, x, y), -1, k, tin+k)
}

// epochBatches streams the batches of an epoch in the sampler's order,
// prefetching one; a request out of that order (a resumed run's first
// batch) restarts the stream there. In a data-parallel run it streams
// this process's part of every batch (batchPart).
type epochBatches struct {
	src        datasets.Source
	sampler    *datasets.Sampler
	rank, size int // this process and the number of processes (size 1: whole batches)
	epoch      int
	pending    int // the batch the stream delivers next
	stream     *datasets.Stream
	wholes     []int   // the sizes of the epoch's batches
	parts      [][]int // this process's parts of them

	whole, local int // the sizes of the last batch requested and of this process's part
}

// next returns this process's part of batch b of an epoch (nil when that
// part is empty: a last batch with fewer samples than processes).
func (e *epochBatches) next(ctx context.Context, epoch, b int) (*datasets.Batch, error) {
	if e.stream == nil || epoch != e.epoch || b != e.pending {
		if err := e.restart(ctx, epoch, b); err != nil {
			return nil, err
		}
	}
	e.whole, e.local = e.wholes[b], len(e.parts[b])
	e.pending++
	if e.local == 0 {
		return nil, nil
	}
	return e.stream.Next(ctx)
}

// restart streams the parts of the epoch's batches from b on, up to the
// first empty one (only a last batch can be).
func (e *epochBatches) restart(ctx context.Context, epoch, b int) error {
	e.close()
	batches := e.sampler.Epoch(epoch)
	if b < 0 || b >= len(batches) {
		return fmt.Errorf("experiments: batch %d of epoch %d requested, an epoch has %d", b, epoch, len(batches))
	}
	e.wholes, e.parts = make([]int, len(batches)), make([][]int, len(batches))
	for i, batch := range batches {
		lo, hi := batchPart(len(batch), e.rank, max(e.size, 1))
		e.wholes[i], e.parts[i] = len(batch), batch[lo:hi]
	}
	end := b
	for end < len(e.parts) && len(e.parts[end]) > 0 {
		end++
	}
	e.stream, e.epoch, e.pending = datasets.NewStream(ctx, e.src, e.parts[b:end], 1), epoch, b
	return nil
}

func (e *epochBatches) close() {
	if e.stream != nil {
		e.stream.Close()
		e.stream = nil
	}
}

// forward predicts a batch's targets from its inputs (normalised in
// place): a rollout of cfg.steps() steps.
func (g *gridTraining) forward(b *datasets.Batch) (*autograd.Var[float32], error) {
	if err := g.norm.EncodeInput(b); err != nil {
		return nil, err
	}
	return rollout(g.model, autograd.Const(b.Input), g.cfg.steps(), g.data.variables(), g.norm, g.data.spatial)
}

// loss sums train.loss over the predicted steps: MSE, or the relative L2
// summed over the n samples of the batch, as FNO.
func (g *gridTraining) loss(pred, truth *autograd.Var[float32], n, steps int) *autograd.Var[float32] {
	c := g.cfg.variables()
	var total *autograd.Var[float32]
	for k := 0; k < steps; k++ {
		pk, tk := pred, truth
		if steps > 1 {
			pk, tk = autograd.Slice(pred, -1, k*c, (k+1)*c), autograd.Slice(truth, -1, k*c, (k+1)*c)
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

// testRelL2 is the mean relative L2 over the test samples, read and
// predicted without gradients in batches of train.batch; in a
// data-parallel run each process predicts its contiguous part of the test
// samples and the sum of the errors is reduced over the processes.
func (g *gridTraining) testRelL2(ctx context.Context) (float64, error) {
	all := g.data.testIndices()
	lo, hi := batchPart(len(all), g.comm.Rank(), g.comm.Size())
	total, err := g.sumRelL2(ctx, all[lo:hi])
	if err != nil {
		return 0, err
	}
	if g.comm.Size() > 1 {
		sum := []float64{total}
		if err := g.comm.AllreduceSumFloat64(sum); err != nil {
			return 0, fmt.Errorf("experiments: summing the test errors over the processes: %w", err)
		}
		total = sum[0]
	}
	return total / float64(len(all)), nil
}

// sumRelL2 is the sum of the relative L2 errors of the test samples.
func (g *gridTraining) sumRelL2(ctx context.Context, test []int) (float64, error) {
	var total float64
	if len(test) == 0 {
		return 0, nil
	}
	err := datasets.ScanSamples(ctx, g.data.src, test, g.cfg.Train.Batch, func(b *datasets.Batch) error {
		var ferr error
		autograd.NoGrad(func() {
			var pred *autograd.Var[float32]
			if pred, ferr = g.forward(b); ferr != nil {
				return
			}
			for _, e := range nn.RelL2PerSample(pred.Value, b.Target) {
				total += e
			}
		})
		return ferr
	})
	return total, err
}

// epochLog is the CSV log and progress lines, one per epoch, with the
// loss reported per sample and step.
func (g *gridTraining) epochLog(path string, out io.Writer) *trainLog {
	t := g.cfg.Train
	steps := g.cfg.steps()
	if g.cfg.family().grid.callTraining {
		steps = 1 // callLoss averages over the call's frames
	}
	perSample := float64(t.Batch * steps) // the summed rel-L2 loss, reported per sample and step
	if t.Loss == "mse" {
		perSample = float64(steps)
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
func newSchedule(t TrainConfig, batchesPerEpoch int) nn.Schedule {
	switch t.Schedule {
	case "onecycle":
		return &nn.OneCycleLR{Max: t.LR, Total: t.Epochs * batchesPerEpoch, Pct: t.PctStart, Div: t.DivFactor, FinalDiv: t.FinalDivFactor}
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
	if s := newSchedule(t, 1); s != nil {
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
