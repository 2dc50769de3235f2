package nn

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// LossFunc returns the training loss of one batch, recorded for autodiff.
// epoch and batch count from 0 within the phase. For bit-identical
// resumption the batch must depend on (epoch, batch) alone (as
// datasets.Sampler's do) or on draws from rng, which checkpoints save.
//
// In a data-parallel run (Trainer.Reduce set) the loss is this process's
// part of the batch, and a nil loss with a nil error says that this
// process holds no samples of the batch: its gradients count as zero.
//
// The trainer differentiates the loss with autograd.BackwardAndRelease,
// which recycles the graph's buffers: a LossFunc must not keep a Var it
// computed (copy a value it wants to keep).
type LossFunc[T tensor.Float] func(ctx context.Context, epoch, batch int, rng *tensor.RNG) (*autograd.Var[T], error)

// Phase is one stretch of training with one method: Epochs epochs of
// BatchesPerEpoch batches. Exactly one of Optimizer and LBFGS is set.
type Phase[T tensor.Float] struct {
	Name string // "adam", "lbfgs": in reports and messages

	// Optimizer, a first-order method, takes one step per batch from the
	// batch's gradient, optionally clipped to ClipNorm, at the rate of
	// Schedule (nil: constant).
	Optimizer Optimizer[T]
	Schedule  Schedule
	ClipNorm  float64 // 0: no clipping

	// LBFGS takes one iteration per batch, evaluating Loss as often as its
	// line search needs; the first batch also begins its run (LBFGS.Begin).
	// When the run ends (MaxIter, MaxEval or a tolerance) the phase ends and
	// its remaining epochs count as done. Its Loss should be deterministic
	// (a fixed batch, drawn in Begin), as L-BFGS assumes.
	LBFGS *LBFGS[T]

	Epochs, BatchesPerEpoch int
	Loss                    LossFunc[T]

	// Begin, if set, runs as the phase starts, with the training RNG; when
	// a run resumes inside the phase it runs again with an RNG restored to
	// that moment, so what it draws (L-BFGS's fixed batch) is the same.
	Begin func(ctx context.Context, rng *tensor.RNG) error
}

// Trainer is the training loop of every model family: phases run in
// order (for example Adam for N steps, then L-BFGS for M iterations),
// evaluation every EvalEvery epochs and after the last, checkpoints every
// CheckpointEvery epochs and/or CheckpointEverySteps steps (and at the
// end), NaN/Inf detection, and cancellation through a context: when the
// context is cancelled Run writes a checkpoint of the last completed step
// (even inside an epoch: the checkpoint records the batches done and
// their loss sum) and returns an *Interrupted error.
//
// Run resumes from CheckpointPath when it exists, bit-identically: the
// parameters, the optimizer of the phase in progress (Adam's moments, or
// the L-BFGS run's curvature pairs and point), the schedule, the position
// (phase, epoch, batch, step) and the training RNG are restored.
type Trainer[T tensor.Float] struct {
	Params []Param[T]
	Phases []Phase[T]

	// Evaluate returns metrics (e.g. "test_loss") after the epochs whose
	// 1-based count is a multiple of EvalEvery and after the last;
	// "test_loss", when present, drives ReduceOnPlateau. epoch is the
	// 0-based index of the epoch just completed, counted over all phases.
	Evaluate  func(ctx context.Context, epoch int) (map[string]float64, error)
	EvalEvery int

	CheckpointPath       string // "": no checkpoints
	CheckpointEvery      int    // epochs between checkpoints; 0: none besides the last
	CheckpointEverySteps int    // optimizer steps (L-BFGS iterations) between checkpoints; 0: none
	// CheckpointEverySeconds is the wall-clock time between checkpoints,
	// taken after the step that reaches it (mid-epoch too, like
	// CheckpointEverySteps); 0: none. For batch jobs whose preemption
	// warning may come late or not at all.
	CheckpointEverySeconds float64
	ModelConfig            string
	Seed                   uint64
	// RNG is the training RNG passed to Loss and Begin (nil: one seeded
	// with Seed). Its state is checkpointed.
	RNG *tensor.RNG

	// Report, if set, receives one report per completed epoch.
	Report func(EpochReport)

	// Reduce, if set, makes training data-parallel: every process runs
	// the same Trainer on its part of each batch, and Reduce (see
	// DataParallel) replaces the loss and the gradients by those of the
	// whole batch, the same on every process, after the backward pass and
	// before the non-finite checks, clipping and the optimizer step. So
	// that all processes stop at the same step, a cancelled context is
	// not acted on before the step but passed to Reduce as stopping; when
	// any process was stopping, Reduce returns an error wrapping
	// ErrPeerStopped and every process stops without taking the step.
	// First-order phases only.
	Reduce ReduceFunc[T]
	// CheckpointReadOnly: resume from CheckpointPath but never write it
	// (the processes of a data-parallel run other than the first).
	CheckpointReadOnly bool
}

// EpochReport summarises one epoch.
type EpochReport struct {
	Epoch     int // 1-based count of completed epochs, over all phases
	Step      int
	Phase     string
	LR        float64
	TrainLoss float64 // mean over the epoch's batches
	Metrics   map[string]float64
	Seconds   float64
	Resumed   bool // the run continued from a checkpoint in or before this epoch
	// Checkpointed: a checkpoint holding this epoch was written.
	Checkpointed bool
}

// TrainResult is what Run returns.
type TrainResult struct {
	Epochs, Steps int
	Final         EpochReport
	History       []EpochReport
	ResumedFrom   int // epochs already done when Run started (0: fresh)
}

// Interrupted is Run's error when its context was cancelled. It wraps the
// context's error.
type Interrupted struct {
	Epoch, Batch, Step int    // completed epochs, batches of the next epoch, steps
	Checkpoint         string // the checkpoint holding that state ("": none)
	Err                error
}

func (e *Interrupted) Error() string {
	where := fmt.Sprintf("after epoch %d (step %d)", e.Epoch, e.Step)
	if e.Batch > 0 {
		where = fmt.Sprintf("in epoch %d after batch %d (step %d)", e.Epoch+1, e.Batch, e.Step)
	}
	if e.Checkpoint == "" {
		return fmt.Sprintf("nn: training stopped %s, no checkpoint written: %v", where, e.Err)
	}
	return fmt.Sprintf("nn: training stopped %s; checkpoint %s holds that state and a rerun resumes from it: %v", where, e.Checkpoint, e.Err)
}

func (e *Interrupted) Unwrap() error { return e.Err }

// Run trains until every phase is complete, resuming from CheckpointPath
// when it exists.
func (tr *Trainer[T]) Run(ctx context.Context) (*TrainResult, error) {
	if err := tr.check(); err != nil {
		return nil, err
	}
	r := &runner[T]{tr: tr, rng: tr.RNG, res: &TrainResult{}, lastGood: "none yet", lastSave: time.Now()}
	if r.rng == nil {
		r.rng = tensor.NewRNG(tr.Seed)
	}
	r.mark = r.rng.State()
	if err := r.resume(ctx); err != nil {
		return nil, err
	}
	for r.phase < len(tr.Phases) {
		if err := r.runPhase(ctx); err != nil {
			return r.res, err
		}
	}
	r.res.Epochs, r.res.Steps = r.epoch, r.step
	return r.res, nil
}

// check refuses phases that cannot run.
func (tr *Trainer[T]) check() error {
	if len(tr.Phases) == 0 {
		return errors.New("nn: trainer has no phases")
	}
	for i, ph := range tr.Phases {
		if ph.Epochs < 1 || ph.BatchesPerEpoch < 1 || ph.Loss == nil || (ph.Optimizer == nil) == (ph.LBFGS == nil) {
			return fmt.Errorf("nn: trainer phase %d (%q) needs Epochs >= 1 (have %d), BatchesPerEpoch >= 1 (have %d), a Loss and exactly one of Optimizer and LBFGS",
				i, ph.Name, ph.Epochs, ph.BatchesPerEpoch)
		}
		if ph.LBFGS != nil && tr.Reduce != nil {
			return fmt.Errorf("nn: trainer phase %d (%q): data-parallel training (Reduce) applies to first-order optimizers, not L-BFGS", i, ph.Name)
		}
		if ph.LBFGS != nil && (ph.Schedule != nil || ph.ClipNorm != 0) {
			return fmt.Errorf("nn: trainer phase %d (%q): a schedule and gradient clipping apply to first-order optimizers, not L-BFGS", i, ph.Name)
		}
	}
	return CheckNames(tr.Params)
}

// position is where a training stands: completed epochs, batches of the
// epoch in progress, steps, and the phase whose state describes it.
type position struct{ epoch, batch, step, phase int }

// runner is the state of one Run.
type runner[T tensor.Float] struct {
	tr  *Trainer[T]
	rng *tensor.RNG
	res *TrainResult

	phase        int // the phase in progress (len(Phases): finished)
	begun        bool
	epoch, batch int // completed epochs, completed batches of the next
	step         int
	epochLoss    float64 // sum of the losses of the epoch's completed batches
	epochSeconds float64 // time spent in the epoch before this process
	phaseRNG     tensor.RNGState
	mark         tensor.RNGState // the RNG after the last completed step
	stepDue      bool            // a step checkpoint waits for the epoch's end
	resumed      bool

	saved         position // what the checkpoint file holds
	hasCheckpoint bool
	lastGood      string
	lastSave      time.Time // the last checkpoint, or the start of Run
}

// start returns the global index of phase p's first epoch.
func (r *runner[T]) start(p int) int {
	n := 0
	for _, ph := range r.tr.Phases[:p] {
		n += ph.Epochs
	}
	return n
}

func (r *runner[T]) total() int { return r.start(len(r.tr.Phases)) }

// statePhase is the phase whose optimizer state describes the current
// position: the phase in progress once begun, else the one before it.
func (r *runner[T]) statePhase() int {
	if r.begun || r.phase == 0 {
		return r.phase
	}
	return r.phase - 1
}

func (r *runner[T]) position() position {
	return position{r.epoch, r.batch, r.step, r.statePhase()}
}

// runPhase begins the phase in progress (unless resumed inside it) and
// runs its remaining epochs.
func (r *runner[T]) runPhase(ctx context.Context) error {
	ph := &r.tr.Phases[r.phase]
	if !r.begun {
		before := r.rng.State()
		if ph.Begin != nil {
			if err := ph.Begin(ctx, r.rng); err != nil {
				r.rng.SetState(before)
				return r.fail(ctx, fmt.Errorf("nn: beginning phase %d (%s): %w", r.phase, ph.Name, err), time.Now())
			}
		}
		r.phaseRNG, r.mark, r.begun = before, r.rng.State(), true
	}
	end := r.start(r.phase) + ph.Epochs
	for r.epoch < end {
		if err := r.runEpoch(ctx, ph, end); err != nil {
			return err
		}
	}
	r.phase++
	r.begun = false
	return nil
}

// runEpoch runs the remaining batches of the epoch in progress, then its
// end (evaluation, schedule, checkpoint, report).
func (r *runner[T]) runEpoch(ctx context.Context, ph *Phase[T], end int) error {
	since := time.Now()
	if ph.Schedule != nil {
		ph.Optimizer.SetLR(ph.Schedule.LR())
	}
	local := r.epoch - r.start(r.phase)
	for r.batch < ph.BatchesPerEpoch && !lbfgsDone(ph) {
		if err := ctx.Err(); err != nil && r.tr.Reduce == nil {
			return r.stop(err, since)
		}
		var l float64
		var steps int
		var err error
		if ph.LBFGS != nil {
			l, steps, err = r.lbfgsStep(ctx, ph, local)
		} else {
			l, err = r.firstOrderStep(ctx, ph, local)
			steps = 1
		}
		if err != nil {
			return r.fail(ctx, err, since)
		}
		r.batch++
		r.step += steps
		r.epochLoss += l
		r.mark = r.rng.State()
		k, secs := r.tr.CheckpointEverySteps, r.tr.CheckpointEverySeconds
		if (k > 0 && steps > 0 && r.step%k == 0) || (secs > 0 && time.Since(r.lastSave).Seconds() >= secs) {
			r.stepDue = true
			if r.batch < ph.BatchesPerEpoch && !lbfgsDone(ph) {
				if err := r.save(since, nil); err != nil {
					return err
				}
			}
		}
	}
	return r.endEpoch(ctx, ph, end, since)
}

func lbfgsDone[T tensor.Float](ph *Phase[T]) bool { return ph.LBFGS != nil && ph.LBFGS.Done() }

// firstOrderStep computes one batch's loss and gradient and takes the
// optimizer's step.
func (r *runner[T]) firstOrderStep(ctx context.Context, ph *Phase[T], local int) (float64, error) {
	params := r.tr.Params
	l, err := r.lossAndGrad(ctx, ph, local)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return 0, fmt.Errorf("nn: epoch %d batch %d (step %d): loss is %v; last good checkpoint: %s: %w", r.epoch+1, r.batch, r.step+1, l, r.lastGood, ErrNonFinite)
	}
	if name, ok := gradsFinite(params); !ok {
		return 0, fmt.Errorf("nn: epoch %d batch %d (step %d): gradient of %q is not finite; last good checkpoint: %s: %w", r.epoch+1, r.batch, r.step+1, name, r.lastGood, ErrNonFinite)
	}
	if ph.ClipNorm > 0 {
		ClipGradNorm(params, ph.ClipNorm)
	}
	if err := ph.Optimizer.Step(params); err != nil {
		return 0, fmt.Errorf("nn: epoch %d batch %d: %w", r.epoch+1, r.batch, err)
	}
	if ph.Schedule != nil && ph.Schedule.PerBatch() {
		ph.Schedule.Step(l)
		ph.Optimizer.SetLR(ph.Schedule.LR())
	}
	return l, nil
}

// lossAndGrad computes the batch's loss and the parameters' gradients;
// with Reduce, those of the whole batch over the processes (the context
// is then checked by Reduce, on every process at the same step, rather
// than by the loss).
func (r *runner[T]) lossAndGrad(ctx context.Context, ph *Phase[T], local int) (float64, error) {
	params, reduce := r.tr.Params, r.tr.Reduce
	ZeroGrad(params)
	lossCtx := ctx
	if reduce != nil {
		lossCtx = context.WithoutCancel(ctx)
	}
	loss, err := ph.Loss(lossCtx, local, r.batch, r.rng)
	if err != nil {
		return 0, fmt.Errorf("nn: epoch %d batch %d: %w", r.epoch+1, r.batch, err)
	}
	if loss == nil && reduce == nil {
		return 0, fmt.Errorf("nn: epoch %d batch %d: the loss function returned no loss (allowed only in data-parallel training)", r.epoch+1, r.batch)
	}
	var l float64
	if loss != nil {
		l = float64(loss.Value.Item())
		if reduce == nil && (math.IsNaN(l) || math.IsInf(l, 0)) {
			return l, nil // refused before the backward pass
		}
		if err := autograd.BackwardAndRelease(loss); err != nil {
			return 0, fmt.Errorf("nn: epoch %d batch %d: %w", r.epoch+1, r.batch, err)
		}
	}
	if reduce == nil {
		return l, nil
	}
	if l, err = reduce(params, l, ctx.Err() != nil); err != nil {
		return 0, fmt.Errorf("nn: epoch %d batch %d (step %d): %w", r.epoch+1, r.batch, r.step+1, err)
	}
	return l, nil
}

// lbfgsStep takes one L-BFGS iteration on the batch (beginning the run
// first when needed) and returns the loss at the new point and the
// iterations taken (0 when the run ended at its beginning).
func (r *runner[T]) lbfgsStep(ctx context.Context, ph *Phase[T], local int) (float64, int, error) {
	lb, params := ph.LBFGS, r.tr.Params
	closure := func() (float64, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		loss, err := ph.Loss(ctx, local, r.batch, r.rng)
		if err != nil {
			return 0, err
		}
		if err := autograd.BackwardAndRelease(loss); err != nil {
			return 0, err
		}
		return float64(loss.Value.Item()), nil
	}
	wrap := func(err error) error {
		if errors.Is(err, ErrNonFinite) {
			return fmt.Errorf("nn: epoch %d (L-BFGS, step %d): %w; last good checkpoint: %s", r.epoch+1, r.step+1, err, r.lastGood)
		}
		return fmt.Errorf("nn: epoch %d (L-BFGS, step %d): %w", r.epoch+1, r.step+1, err)
	}
	if !lb.Begun() {
		f, done, err := lb.Begin(params, closure)
		if err != nil {
			return 0, 0, wrap(err)
		}
		r.mark = r.rng.State()
		if done {
			return f, 0, nil
		}
	}
	f, _, err := lb.Iterate(params, closure)
	if err != nil {
		return 0, 0, wrap(err)
	}
	return f, 1, nil
}

// endEpoch finishes the epoch in progress: evaluation, the schedule's
// epoch step, the checkpoint when due, the report. An L-BFGS phase whose
// run ended skips to its end.
func (r *runner[T]) endEpoch(ctx context.Context, ph *Phase[T], end int, since time.Time) error {
	tr := r.tr
	next := r.epoch + 1
	if lbfgsDone(ph) {
		next = end
	}
	rep := EpochReport{Epoch: r.epoch + 1, Step: r.step, Phase: ph.Name, LR: phaseLR(ph), TrainLoss: r.epochLoss / float64(r.batch), Resumed: r.resumed}
	last := next == r.total()
	if tr.Evaluate != nil && (last || (tr.EvalEvery > 0 && rep.Epoch%tr.EvalEvery == 0)) {
		m, err := tr.Evaluate(ctx, r.epoch)
		if err != nil {
			return r.fail(ctx, fmt.Errorf("nn: evaluation after epoch %d: %w", rep.Epoch, err), since)
		}
		rep.Metrics = m
	}
	if ph.Schedule != nil && !ph.Schedule.PerBatch() {
		metric := rep.TrainLoss
		if v, ok := rep.Metrics["test_loss"]; ok {
			metric = v
		}
		ph.Schedule.Step(metric)
	}
	rep.Seconds = r.epochSeconds + time.Since(since).Seconds()
	r.epoch, r.batch, r.epochLoss, r.epochSeconds, r.resumed = next, 0, 0, 0, false
	due := last || next == end || r.stepDue || (tr.CheckpointEvery > 0 && rep.Epoch%tr.CheckpointEvery == 0)
	if tr.CheckpointPath != "" && due {
		if err := r.save(time.Now(), rep.Metrics); err != nil {
			return err
		}
		rep.Checkpointed = true
	}
	r.res.History = append(r.res.History, rep)
	r.res.Final = rep
	r.res.Epochs, r.res.Steps = r.epoch, r.step
	if tr.Report != nil {
		tr.Report(rep)
	}
	return nil
}

// phaseLR is the phase's current rate (L-BFGS: its initial step).
func phaseLR[T tensor.Float](ph *Phase[T]) float64 {
	if ph.LBFGS != nil {
		return ph.LBFGS.Rate
	}
	return ph.Optimizer.LR()
}

// stateOf returns phase p's optimizer and schedule state.
func (r *runner[T]) stateOf(p int) (OptimizerState, map[string]float64) {
	ph := &r.tr.Phases[p]
	var sched map[string]float64
	if ph.Schedule != nil {
		sched = ph.Schedule.State()
	}
	if ph.LBFGS != nil {
		return ph.LBFGS.State(), sched
	}
	return ph.Optimizer.State(), sched
}

// save writes the checkpoint of the last completed step; since is when
// the epoch in progress started in this process.
func (r *runner[T]) save(since time.Time, metrics map[string]float64) error {
	pos := r.position()
	ck := &Checkpoint{Epoch: r.epoch, Step: r.step, Batch: r.batch, EpochLoss: r.epochLoss, Phase: pos.phase,
		PhaseRNG: r.phaseRNG, RNG: r.mark, ModelConfig: r.tr.ModelConfig, Metrics: metrics}
	if r.batch > 0 {
		ck.EpochSeconds = r.epochSeconds + time.Since(since).Seconds()
	}
	ck.Optimizer, ck.Schedule = r.stateOf(pos.phase)
	if !r.tr.CheckpointReadOnly {
		if err := SaveCheckpoint(r.tr.CheckpointPath, r.tr.Params, ck); err != nil {
			return err
		}
	}
	r.saved, r.hasCheckpoint, r.stepDue, r.lastSave = pos, true, false, time.Now()
	r.lastGood = fmt.Sprintf("%s (epoch %d)", r.tr.CheckpointPath, r.epoch)
	if r.batch > 0 {
		r.lastGood = fmt.Sprintf("%s (epoch %d and %d batches of epoch %d)", r.tr.CheckpointPath, r.epoch, r.batch, r.epoch+1)
	}
	return nil
}

// fail returns err, or, when the context was cancelled, stops as stop
// does: the step that failed was not applied.
func (r *runner[T]) fail(ctx context.Context, err error, since time.Time) error {
	if cerr := ctx.Err(); cerr != nil {
		return r.stop(cerr, since)
	}
	if errors.Is(err, ErrPeerStopped) {
		return r.stop(err, since)
	}
	return err
}

// stop saves the checkpoint of the last completed step, unless the file
// already holds it, and returns the Interrupted error.
func (r *runner[T]) stop(cause error, since time.Time) error {
	in := &Interrupted{Epoch: r.epoch, Batch: r.batch, Step: r.step, Err: cause}
	if r.tr.CheckpointPath == "" {
		return in
	}
	if pos := r.position(); pos != r.saved && pos != (position{}) {
		if err := r.save(since, nil); err != nil {
			return errors.Join(in, fmt.Errorf("nn: writing the checkpoint on cancellation: %w", err))
		}
	}
	if r.hasCheckpoint {
		in.Checkpoint = r.tr.CheckpointPath
	}
	return in
}

// resume restores the state of CheckpointPath when it exists.
func (r *runner[T]) resume(ctx context.Context) error {
	tr := r.tr
	if tr.CheckpointPath == "" {
		return nil
	}
	if _, err := os.Stat(tr.CheckpointPath); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("nn: checkpoint %s: %w", tr.CheckpointPath, err)
	}
	ck, err := LoadCheckpoint(tr.CheckpointPath, tr.Params)
	if err != nil {
		return err
	}
	inside, err := r.locate(ck)
	if err != nil {
		return fmt.Errorf("nn: resuming from %s: %w", tr.CheckpointPath, err)
	}
	if err := r.loadState(ck); err != nil {
		return fmt.Errorf("nn: resuming from %s: %w", tr.CheckpointPath, err)
	}
	r.rng.SetState(ck.RNG)
	r.mark, r.phaseRNG = ck.RNG, ck.PhaseRNG
	r.epoch, r.batch, r.step, r.epochLoss, r.epochSeconds = ck.Epoch, ck.Batch, ck.Step, ck.EpochLoss, ck.EpochSeconds
	if inside {
		if b := tr.Phases[r.phase].Begin; b != nil {
			again := tensor.NewRNG(0)
			again.SetState(ck.PhaseRNG)
			if err := b(ctx, again); err != nil {
				return fmt.Errorf("nn: resuming phase %d (%s): %w", r.phase, tr.Phases[r.phase].Name, err)
			}
		}
		r.begun = true
	}
	r.saved, r.hasCheckpoint, r.resumed = r.position(), true, true
	r.res.ResumedFrom, r.res.Epochs, r.res.Steps = ck.Epoch, ck.Epoch, ck.Step
	r.lastGood = fmt.Sprintf("%s (epoch %d)", tr.CheckpointPath, ck.Epoch)
	return nil
}

// locate sets the phase in progress at the checkpoint's position and
// reports whether the checkpoint is inside it (begun), as opposed to at
// the end of the phase before. A checkpoint whose phase does not fit the
// trainer's phases is refused.
func (r *runner[T]) locate(ck *Checkpoint) (bool, error) {
	total := r.total()
	if ck.Epoch < 0 || ck.Batch < 0 || ck.Epoch > total || (ck.Epoch == total && ck.Batch != 0) {
		return false, fmt.Errorf("checkpoint is at epoch %d batch %d, outside the %d epochs of the phases: %w", ck.Epoch, ck.Batch, total, ErrCheckpointMismatch)
	}
	p := 0
	for p < len(r.tr.Phases) && r.start(p+1) <= ck.Epoch {
		p++
	}
	r.phase = p
	switch {
	case p < len(r.tr.Phases) && ck.Phase == p:
		return true, nil
	case p > 0 && ck.Phase == p-1 && ck.Epoch == r.start(p) && ck.Batch == 0:
		return false, nil
	}
	name := "none (finished)"
	if p < len(r.tr.Phases) {
		name = fmt.Sprintf("%d (%s)", p, r.tr.Phases[p].Name)
	}
	return false, fmt.Errorf("checkpoint holds the state of phase %d at epoch %d batch %d, where the trainer's phases have phase %s in progress: %w",
		ck.Phase, ck.Epoch, ck.Batch, name, ErrCheckpointMismatch)
}

// loadState loads the checkpoint's optimizer and schedule state into its
// phase.
func (r *runner[T]) loadState(ck *Checkpoint) error {
	ph := &r.tr.Phases[ck.Phase]
	if ph.LBFGS != nil {
		if err := ph.LBFGS.LoadState(ck.Optimizer); err != nil {
			return err
		}
	} else if err := ph.Optimizer.LoadState(ck.Optimizer); err != nil {
		return err
	}
	if ph.Schedule != nil {
		return ph.Schedule.LoadState(ck.Schedule)
	}
	return nil
}
