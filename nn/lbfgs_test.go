package nn

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// TestLBFGSStateResumes runs L-BFGS on the Rosenbrock function in one go,
// and again stopped after a few iterations, saved to a checkpoint file and
// continued by a new optimizer: the iterates are identical.
func TestLBFGSStateResumes(t *testing.T) {
	for _, stopAfter := range []int{0, 1, 4, 9} {
		newRun := func() ([]Param[float64], *LBFGS[float64]) {
			x := autograd.Param(tensor.FromSlice([]float64{-1.2, 1}, 2))
			o := NewLBFGS[float64]()
			o.MaxIter, o.History = 30, 5
			return []Param[float64]{{Name: "x", Var: x}}, o
		}
		pa, oa := newRun()
		fa, err := oa.Minimize(pa, func() (float64, error) { return rosenbrock(pa) })
		if err != nil {
			t.Fatal(err)
		}
		pb, ob := newRun()
		closure := func() (float64, error) { return rosenbrock(pb) }
		if _, _, err := ob.Begin(pb, closure); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < stopAfter; i++ {
			if _, _, err := ob.Iterate(pb, closure); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), "lbfgs.h5")
		if err := SaveCheckpoint(path, pb, &Checkpoint{Optimizer: ob.State()}); err != nil {
			t.Fatal(err)
		}
		pc, oc := newRun()
		ck, err := LoadCheckpoint(path, pc)
		if err != nil {
			t.Fatal(err)
		}
		if err := oc.LoadState(ck.Optimizer); err != nil {
			t.Fatal(err)
		}
		fc, done := 0.0, oc.Done()
		for !done {
			if fc, done, err = oc.Iterate(pc, func() (float64, error) { return rosenbrock(pc) }); err != nil {
				t.Fatal(err)
			}
		}
		xa, xc := pa[0].Var.Value.Data(), pc[0].Var.Value.Data()
		if fa != fc || xa[0] != xc[0] || xa[1] != xc[1] || oa.iters != oc.iters || oa.evals != oc.evals {
			t.Errorf("stopped after %d: f %v x %v (%d iterations, %d evaluations), in one go f %v x %v (%d, %d)",
				stopAfter, fc, xc, oc.iters, oc.evals, fa, xa, oa.iters, oa.evals)
		}
	}
}

// TestCheckpointFormat1 reads a checkpoint written before phases
// (testdata/checkpoint_format1.h5: a Linear layer after one Adam step, at
// epoch 3, step 12): it is phase 0 at the end of an epoch, and a trainer
// resumes from it.
func TestCheckpointFormat1(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/checkpoint_format1.h5")
	if err != nil {
		t.Fatal(err)
	}
	tr, l := quadTask(t, dir, 5, -1)
	if err := os.WriteFile(tr.CheckpointPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(tr.CheckpointPath, Prefixed("lin", l.Params()))
	if err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRNG(9)
	rng.Intn(10)
	if ck.Epoch != 3 || ck.Step != 12 || ck.Batch != 0 || ck.Phase != 0 || ck.RNG != rng.State() || ck.Optimizer.Kind != "adam" ||
		ck.Optimizer.Scalars["step"] != 1 || ck.Metrics["test_rel_l2"] != 0.25 || ck.ModelConfig != `{"kind":"linear"}` {
		t.Fatalf("format 1 checkpoint read as %+v", ck)
	}
	res, err := tr.Run(context.Background())
	if err != nil || res.ResumedFrom != 3 || res.Epochs != 5 || res.Steps != 12+2*4 {
		t.Fatalf("resumed from format 1: %+v, %v", res, err)
	}
}
