package nn

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// phaseTask fits y = sin(2x) on 32 points with a 1-8-1 tanh MLP: Adam
// (AMSGrad) on mini-batches of 8 points drawn from the trainer's RNG, two
// per epoch, then L-BFGS on one draw of 24 points made as its phase
// begins. onLoss, if set, runs before every loss evaluation with their
// 1-based count and may fail it.
func phaseTask(t *testing.T, dir string, adamEpochs, lbfgsIters int, onLoss func(n int) error) (*Trainer[float64], *MLP[float64]) {
	t.Helper()
	m, err := NewMLP[float64](tensor.NewRNG(21), []int{1, 8, 1}, Tanh)
	if err != nil {
		t.Fatal(err)
	}
	xs := tensor.Linspace[float64](-1, 1, 32).Reshape(32, 1)
	ys := tensor.New[float64](32, 1)
	for i, x := range xs.Data() {
		ys.Data()[i] = math.Sin(2 * x)
	}
	calls := 0
	lossOn := func(idx []int) (*autograd.Var[float64], error) {
		calls++
		if onLoss != nil {
			if err := onLoss(calls); err != nil {
				return nil, err
			}
		}
		return MSE(m.Forward(autograd.Const(tensor.Gather(xs, 0, idx))), autograd.Const(tensor.Gather(ys, 0, idx))), nil
	}
	var fixed []int
	adam := NewAdam[float64](0.05, 0)
	adam.AMSGrad = true
	lb := NewLBFGS[float64]()
	lb.MaxIter = lbfgsIters
	tr := &Trainer[float64]{
		Params: m.Params(),
		Phases: []Phase[float64]{{
			Name: "adam", Optimizer: adam, Epochs: adamEpochs, BatchesPerEpoch: 2,
			Loss: func(_ context.Context, _, _ int, rng *tensor.RNG) (*autograd.Var[float64], error) {
				return lossOn(rng.Perm(32)[:8])
			},
		}, {
			Name: "lbfgs", LBFGS: lb, Epochs: lbfgsIters, BatchesPerEpoch: 1,
			Begin: func(_ context.Context, rng *tensor.RNG) error {
				fixed = rng.Perm(32)[:24]
				return nil
			},
			Loss: func(context.Context, int, int, *tensor.RNG) (*autograd.Var[float64], error) { return lossOn(fixed) },
		}},
		CheckpointPath: filepath.Join(dir, "ck.h5"),
		ModelConfig:    `{"kind":"mlp"}`,
		RNG:            tensor.NewRNGStream(4, 7),
	}
	return tr, m
}

func flatParams(params []Param[float64]) []float64 { return flatten(params) }

// TestTrainerPhases runs Adam then L-BFGS: the reports follow the phases,
// L-BFGS lowers the loss further, and the final checkpoint is at the end.
func TestTrainerPhases(t *testing.T) {
	dir := t.TempDir()
	tr, _ := phaseTask(t, dir, 20, 15, nil)
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := res.History
	if res.Epochs != 35 || h[0].Phase != "adam" || h[19].Phase != "adam" || h[20].Phase != "lbfgs" || h[19].Step != 40 {
		t.Fatalf("epochs %d, history phases %q %q %q, step after Adam %d", res.Epochs, h[0].Phase, h[19].Phase, h[20].Phase, h[19].Step)
	}
	if !(res.Final.TrainLoss < h[19].TrainLoss/2) || !(h[19].TrainLoss < h[0].TrainLoss/2) {
		t.Errorf("loss %v -> Adam %v -> L-BFGS %v: expected each phase to halve it at least", h[0].TrainLoss, h[19].TrainLoss, res.Final.TrainLoss)
	}
	// One report per L-BFGS iteration; the run may end before 15 (its
	// evaluation budget, MaxIter * 5/4), and the phase with it.
	if last := h[len(h)-1]; last.Epoch != 20+res.Steps-40 || !last.Checkpointed || last.Step != res.Steps || res.Steps < 45 {
		t.Errorf("last report %+v, result steps %d", last, res.Steps)
	}
	_, m := phaseTask(t, dir, 20, 15, nil)
	ck, err := LoadCheckpoint(tr.CheckpointPath, m.Params())
	if err != nil || ck.Epoch != 35 || ck.Phase != 1 || ck.Optimizer.Kind != "lbfgs" || ck.Batch != 0 {
		t.Fatalf("final checkpoint %+v: %v", ck, err)
	}
}

// TestTrainerResumesBitIdentically stops a two-phase training in every
// kind of place, by cancellation (which writes a checkpoint of the last
// completed step) or by a failure standing in for a kill (the periodic
// checkpoints remain), reruns it to the end, and compares the parameters
// and losses bit for bit with an uninterrupted run.
func TestTrainerResumesBitIdentically(t *testing.T) {
	const adamEpochs, iters = 6, 12 // 12 Adam loss calls, then L-BFGS
	ref, refModel := phaseTask(t, t.TempDir(), adamEpochs, iters, nil)
	want, err := ref.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantParams := flatParams(refModel.Params())
	cases := []struct {
		name       string
		stopAt     int  // loss call that is stopped
		cancel     bool // by cancelling the context (else: a failure, as a kill)
		every      int  // CheckpointEvery
		everySteps int  // CheckpointEverySteps
		everySecs  float64
		wantEpoch  int // the checkpoint the rerun starts from
		wantBatch  int
	}{
		{"cancel inside an Adam epoch", 6, true, 0, 0, 0, 2, 1},
		{"cancel at an Adam epoch boundary", 5, true, 0, 0, 0, 2, 0},
		{"cancel as L-BFGS begins", 13, true, 0, 0, 0, 6, 0},
		{"cancel inside an L-BFGS line search", 17, true, 0, 0, 0, -1, 0},
		{"cancel with every-epoch checkpoints", 8, true, 1, 0, 0, 3, 1},
		{"kill inside Adam, step checkpoints", 10, false, 0, 3, 0, 4, 1},
		{"kill inside Adam, time checkpoints (every step)", 10, false, 0, 0, 1e-9, 4, 1},
		{"kill inside Adam, time checkpoints (none due)", 10, false, 0, 0, 3600, -2, 0},
		{"kill inside L-BFGS, step checkpoints", 20, false, 0, 2, 0, -1, 0},
		{"kill inside L-BFGS, epoch checkpoints", 19, false, 4, 0, 0, -1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			killed := errors.New("killed")
			tr, _ := phaseTask(t, dir, adamEpochs, iters, func(n int) error {
				if n != c.stopAt {
					return nil
				}
				if c.cancel {
					cancel()
					return ctx.Err()
				}
				return killed
			})
			tr.CheckpointEvery, tr.CheckpointEverySteps, tr.CheckpointEverySeconds = c.every, c.everySteps, c.everySecs
			_, err := tr.Run(ctx)
			var in *Interrupted
			switch {
			case c.cancel && (!errors.As(err, &in) || !errors.Is(err, context.Canceled) || in.Checkpoint != tr.CheckpointPath):
				t.Fatalf("cancelled run: %v", err)
			case !c.cancel && !errors.Is(err, killed):
				t.Fatalf("failed run: %v", err)
			}
			_, probe := phaseTask(t, dir, adamEpochs, iters, nil)
			ck, err := LoadCheckpoint(tr.CheckpointPath, probe.Params())
			if c.wantEpoch == -2 { // no checkpoint was due before the kill
				if err == nil {
					t.Fatalf("a checkpoint at epoch %d batch %d; want none", ck.Epoch, ck.Batch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantEpoch >= 0 && (ck.Epoch != c.wantEpoch || ck.Batch != c.wantBatch) {
				t.Errorf("checkpoint at epoch %d batch %d (phase %d, step %d), want epoch %d batch %d", ck.Epoch, ck.Batch, ck.Phase, ck.Step, c.wantEpoch, c.wantBatch)
			}
			if c.wantEpoch < 0 && (ck.Phase != 1 || ck.Epoch <= adamEpochs) {
				t.Errorf("checkpoint at epoch %d, phase %d: expected inside the L-BFGS phase", ck.Epoch, ck.Phase)
			}
			if in != nil && (in.Epoch != ck.Epoch || in.Batch != ck.Batch || in.Step != ck.Step) {
				t.Errorf("Interrupted says epoch %d batch %d step %d, the checkpoint holds %d %d %d", in.Epoch, in.Batch, in.Step, ck.Epoch, ck.Batch, ck.Step)
			}
			rerun, m := phaseTask(t, dir, adamEpochs, iters, nil)
			got, err := rerun.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			gotParams := flatParams(m.Params())
			for i := range wantParams {
				if gotParams[i] != wantParams[i] {
					t.Fatalf("parameter %d: resumed %v, uninterrupted %v", i, gotParams[i], wantParams[i])
				}
			}
			if got.Final.TrainLoss != want.Final.TrainLoss || got.Steps != want.Steps || got.Epochs != want.Epochs {
				t.Errorf("resumed: loss %v, %d steps, %d epochs; uninterrupted: %v, %d, %d",
					got.Final.TrainLoss, got.Steps, got.Epochs, want.Final.TrainLoss, want.Steps, want.Epochs)
			}
			if first := got.History[0]; !first.Resumed || first.Epoch != ck.Epoch+1 || first.TrainLoss != want.History[ck.Epoch].TrainLoss {
				t.Errorf("first resumed report %+v, uninterrupted %+v", first, want.History[ck.Epoch])
			}
		})
	}
}

// TestTrainerInterruptedBeforeAnyStep: cancelled before its first step, a
// fresh training writes no checkpoint and says so.
func TestTrainerInterruptedBeforeAnyStep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr, _ := phaseTask(t, t.TempDir(), 2, 2, nil)
	_, err := tr.Run(ctx)
	var in *Interrupted
	if !errors.As(err, &in) || in.Checkpoint != "" || in.Step != 0 {
		t.Fatalf("err %v", err)
	}
	if want := "nn: training stopped after epoch 0 (step 0), no checkpoint written: context canceled"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestTrainerRefusesOtherPhases: a checkpoint taken inside the L-BFGS
// phase does not resume a trainer whose phases put that epoch elsewhere.
func TestTrainerRefusesOtherPhases(t *testing.T) {
	dir := t.TempDir()
	tr, _ := phaseTask(t, dir, 3, 5, func(n int) error {
		if n == 9 {
			return errors.New("stop")
		}
		return nil
	})
	tr.CheckpointEverySteps = 1
	if _, err := tr.Run(context.Background()); err == nil {
		t.Fatal("no failure")
	}
	longer, _ := phaseTask(t, dir, 8, 5, nil) // epoch 4 is Adam's now
	_, err := longer.Run(context.Background())
	if !errors.Is(err, ErrCheckpointMismatch) {
		t.Fatalf("err %v", err)
	}
	for _, w := range []string{"state of phase 1", "phase 0 (adam) in progress", "ck.h5"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}
