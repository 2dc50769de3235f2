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

// Trainer runs a generic training loop: epochs of mini-batches, an
// optimizer and schedule, gradient clipping, evaluation every EvalEvery
// epochs, checkpoints every CheckpointEvery epochs, cancellation through a
// context, and NaN/Inf detection.
//
// For bit-identical resumption, Loss must choose its batch from (epoch,
// batch) alone (datasets.Sampler does) and draw any randomness from the
// RNG it is given, which the checkpoint saves.
type Trainer[T tensor.Float] struct {
	Params    []Param[T]
	Optimizer Optimizer[T]
	Schedule  Schedule // nil: constant rate

	Epochs          int
	BatchesPerEpoch int
	// Loss returns the training loss of one mini-batch, recorded for
	// autodiff.
	Loss func(ctx context.Context, epoch, batch int, rng *tensor.RNG) (*autograd.Var[T], error)
	// Evaluate returns metrics (e.g. "test_loss") every EvalEvery epochs;
	// "test_loss", when present, drives ReduceOnPlateau.
	Evaluate  func(ctx context.Context, epoch int) (map[string]float64, error)
	EvalEvery int

	ClipNorm        float64 // 0: no clipping
	CheckpointPath  string  // "": no checkpoints
	CheckpointEvery int     // epochs; 0 means only at the end
	ModelConfig     string
	Seed            uint64

	// Report, if set, receives one line of progress per epoch.
	Report func(EpochReport)
}

// EpochReport summarises one epoch.
type EpochReport struct {
	Epoch     int // 1-based count of completed epochs
	Step      int
	LR        float64
	TrainLoss float64 // mean over the epoch's batches
	Metrics   map[string]float64
	Seconds   float64
	Resumed   bool // the run continued from a checkpoint before this epoch
}

// TrainResult is what Run returns.
type TrainResult struct {
	Epochs, Steps int
	Final         EpochReport
	History       []EpochReport
	ResumedFrom   int // epochs already done when Run started (0: fresh)
}

// Run trains until Epochs epochs are complete. If CheckpointPath exists it
// resumes from it (parameters, optimizer, schedule, epoch, RNG).
func (tr *Trainer[T]) Run(ctx context.Context) (*TrainResult, error) {
	if tr.Epochs < 1 || tr.BatchesPerEpoch < 1 || tr.Loss == nil || tr.Optimizer == nil {
		return nil, fmt.Errorf("nn: trainer needs Epochs >= 1 (have %d), BatchesPerEpoch >= 1 (have %d), a Loss and an Optimizer", tr.Epochs, tr.BatchesPerEpoch)
	}
	if err := CheckNames(tr.Params); err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(tr.Seed)
	res := &TrainResult{}
	epoch, step := 0, 0
	if tr.CheckpointPath != "" {
		if _, err := os.Stat(tr.CheckpointPath); err == nil {
			ck, err := LoadCheckpoint(tr.CheckpointPath, tr.Params)
			if err != nil {
				return nil, err
			}
			if err := tr.Optimizer.LoadState(ck.Optimizer); err != nil {
				return nil, fmt.Errorf("nn: resuming from %s: %w", tr.CheckpointPath, err)
			}
			if tr.Schedule != nil {
				if err := tr.Schedule.LoadState(ck.Schedule); err != nil {
					return nil, fmt.Errorf("nn: resuming from %s: %w", tr.CheckpointPath, err)
				}
			}
			rng.SetState(ck.RNG)
			epoch, step = ck.Epoch, ck.Step
			res.ResumedFrom = epoch
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("nn: checkpoint %s: %w", tr.CheckpointPath, err)
		}
	}
	lastGood := "none yet"
	if res.ResumedFrom > 0 {
		lastGood = fmt.Sprintf("%s (epoch %d)", tr.CheckpointPath, epoch)
	}
	resumed := res.ResumedFrom > 0
	for ; epoch < tr.Epochs; epoch++ {
		start := time.Now()
		if tr.Schedule != nil {
			tr.Optimizer.SetLR(tr.Schedule.LR())
		}
		sum := 0.0
		for b := 0; b < tr.BatchesPerEpoch; b++ {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("nn: training cancelled in epoch %d: %w", epoch+1, err)
			}
			ZeroGrad(tr.Params)
			loss, err := tr.Loss(ctx, epoch, b, rng)
			if err != nil {
				return res, fmt.Errorf("nn: epoch %d batch %d: %w", epoch+1, b, err)
			}
			l := float64(loss.Value.Item())
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return res, fmt.Errorf("nn: epoch %d batch %d (step %d): loss is %v; last good checkpoint: %s: %w", epoch+1, b, step+1, l, lastGood, ErrNonFinite)
			}
			if err := autograd.Backward(loss); err != nil {
				return res, fmt.Errorf("nn: epoch %d batch %d: %w", epoch+1, b, err)
			}
			if name, ok := gradsFinite(tr.Params); !ok {
				return res, fmt.Errorf("nn: epoch %d batch %d (step %d): gradient of %q is not finite; last good checkpoint: %s: %w", epoch+1, b, step+1, name, lastGood, ErrNonFinite)
			}
			if tr.ClipNorm > 0 {
				ClipGradNorm(tr.Params, tr.ClipNorm)
			}
			if err := tr.Optimizer.Step(tr.Params); err != nil {
				return res, err
			}
			step++
			sum += l
			if tr.Schedule != nil && tr.Schedule.PerBatch() {
				tr.Schedule.Step(l)
				tr.Optimizer.SetLR(tr.Schedule.LR())
			}
		}
		rep := EpochReport{Epoch: epoch + 1, Step: step, LR: tr.Optimizer.LR(), TrainLoss: sum / float64(tr.BatchesPerEpoch), Resumed: resumed}
		resumed = false
		last := epoch+1 == tr.Epochs
		if tr.Evaluate != nil && (last || (tr.EvalEvery > 0 && (epoch+1)%tr.EvalEvery == 0)) {
			m, err := tr.Evaluate(ctx, epoch)
			if err != nil {
				return res, fmt.Errorf("nn: evaluation after epoch %d: %w", epoch+1, err)
			}
			rep.Metrics = m
		}
		if tr.Schedule != nil && !tr.Schedule.PerBatch() {
			metric := rep.TrainLoss
			if v, ok := rep.Metrics["test_loss"]; ok {
				metric = v
			}
			tr.Schedule.Step(metric)
		}
		rep.Seconds = time.Since(start).Seconds()
		res.History = append(res.History, rep)
		res.Final = rep
		res.Epochs, res.Steps = epoch+1, step
		if tr.CheckpointPath != "" && (last || (tr.CheckpointEvery > 0 && (epoch+1)%tr.CheckpointEvery == 0)) {
			ck := &Checkpoint{Epoch: epoch + 1, Step: step, Optimizer: tr.Optimizer.State(), RNG: rng.State(),
				ModelConfig: tr.ModelConfig, Metrics: rep.Metrics}
			if tr.Schedule != nil {
				ck.Schedule = tr.Schedule.State()
			}
			if err := SaveCheckpoint(tr.CheckpointPath, tr.Params, ck); err != nil {
				return res, err
			}
			lastGood = fmt.Sprintf("%s (epoch %d)", tr.CheckpointPath, epoch+1)
		}
		if tr.Report != nil {
			tr.Report(rep)
		}
	}
	return res, nil
}
