//go:build mpi

package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/internal/mpi"
)

// dpStudy is a small FNO-1D on Burgers data for data-parallel training:
// the MSE (a mean over the batch, so the ranks' parts must be weighed by
// their sample counts) on batches of 7 of the 24 training samples: 7, 7,
// 7 and 3 per epoch, split 3+4 and 1+2 over two ranks.
const dpStudy = `name = "dp"
seed = 5
run_dir = RUN_DIR

[data]
solver = "burgers"
train = 24
test = 8
resolution = 32
t_end = 0.5
dt = 1e-4
output = DATA

[data.params]
nu = 0.1

[model]
kind = "fno"
width = 8
modes = [6]

[train]
epochs = EPOCHS
batch = 7
lr = 3e-3
loss = "mse"
normalize = "gaussian-pointwise"
clip_norm = 1.0
schedule = "step"
step_size = 2
gamma = 0.5
eval_every = 1
checkpoint_every = 1
`

// dpTolerance bounds the largest parameter difference between one and
// two ranks, relative to the largest parameter. The runs differ only in
// the order of float32 sums (each rank's part of the batch, then the
// allreduce): about 1e-7 relative per gradient, which Adam's steps of
// lr = 3e-3 carry into the parameters over the 12 steps at well under
// 1e-5 (measured: 1.7e-7). Weighing the ranks' mean losses equally
// instead of by their sample counts (3 and 4 of 7) moved them by 2.7e-2
// relative: 1e-4 tells the two apart with margins of 100 and more.
const dpTolerance = 1e-4

// TestTrainMPIMatchesOneProcess trains dpStudy for 3 epochs on one
// process and on two ranks under `mpirun --oversubscribe -np 2` (MPMD:
// rank 1's config differs only in its run_dir) and checks that the final
// parameters agree to dpTolerance, that rank 0 wrote the run's outputs
// and that rank 1 wrote nothing into its run directory. Then two ranks
// train 2 epochs and, every rank resuming from rank 0's checkpoint, a
// third, which must end where one process does too.
func TestTrainMPIMatchesOneProcess(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.h5")
	study := func(name string, epochs int) string {
		p := filepath.Join(dir, name+".toml")
		text := strings.NewReplacer("RUN_DIR", fmt.Sprintf("%q", filepath.Join(dir, name)), "DATA", fmt.Sprintf("%q", data),
			"EPOCHS", fmt.Sprint(epochs)).Replace(dpStudy)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, rank0, rank1 := study("one", 3), study("rank0", 3), study("rank1", 3)
	if code, _, errOut := runCLI("generate", one); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI("train", "-q", one); code != 0 {
		t.Fatalf("train on one process: exit %d: %s", code, errOut)
	}
	out := mpirunTrain(t, "-np", "1", os.Args[0], "-test.run=^$", "--", "train", rank0, ":",
		"-np", "1", os.Args[0], "-test.run=^$", "--", "train", rank1)
	if n := strings.Count(out, "epoch 3/3"); n != 1 {
		t.Errorf("the progress lines of epoch 3 appear %d times, want once (rank 0 only):\n%s", n, out)
	}
	for _, f := range []string{"train.json", "train_log.csv", "normalizers.h5", "checkpoints/last.h5"} {
		if _, err := os.Stat(filepath.Join(dir, "rank0", f)); err != nil {
			t.Errorf("rank 0 did not write %s: %v", f, err)
		}
	}
	if ents, err := os.ReadDir(filepath.Join(dir, "rank1")); !os.IsNotExist(err) {
		t.Errorf("rank 1 wrote into its run directory (%d entries, %v), want nothing", len(ents), err)
	}
	d := maxRelParamDiff(t, filepath.Join(dir, "one", "checkpoints", "last.h5"), filepath.Join(dir, "rank0", "checkpoints", "last.h5"))
	t.Logf("largest parameter difference, 2 ranks vs 1 process: %.3g relative", d)
	if d > dpTolerance {
		t.Errorf("2 ranks end %.3g (relative) away from 1 process, want <= %g", d, dpTolerance)
	}

	mpirunTrain(t, "-np", "2", os.Args[0], "-test.run=^$", "--", "train", study("resumed", 2))
	out = mpirunTrain(t, "-np", "2", os.Args[0], "-test.run=^$", "--", "train", study("resumed", 3))
	if !strings.Contains(out, "epoch 3/3") || strings.Contains(out, "epoch 1/3") {
		t.Errorf("the resumed run did not train epoch 3 alone:\n%s", out)
	}
	d = maxRelParamDiff(t, filepath.Join(dir, "one", "checkpoints", "last.h5"), filepath.Join(dir, "resumed", "checkpoints", "last.h5"))
	t.Logf("largest parameter difference, 2 ranks resumed after epoch 2 vs 1 process: %.3g relative", d)
	if d > dpTolerance {
		t.Errorf("2 ranks resumed end %.3g (relative) away from 1 process, want <= %g", d, dpTolerance)
	}
}

// mpirunTrain runs this test binary as simulate under mpirun with args
// and returns its output.
func mpirunTrain(t *testing.T, args ...string) string {
	t.Helper()
	cmd := mpi.Mpirun(args...)
	cmd.Env = append(cmd.Env, "SURROGO_TEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// maxRelParamDiff is max |a - b| / max |a| over the parameters of two
// checkpoints of one model.
func maxRelParamDiff(t *testing.T, a, b string) float64 {
	t.Helper()
	pa, pb := checkpointParams(t, a), checkpointParams(t, b)
	if len(pa) != len(pb) || len(pa) == 0 {
		t.Fatalf("%s holds %d parameters, %s %d", a, len(pa), b, len(pb))
	}
	var diff, scale float64
	for name, va := range pa {
		vb := pb[name]
		if len(vb) != len(va) {
			t.Fatalf("parameter %s: %d values in %s, %d in %s", name, len(va), a, len(vb), b)
		}
		for i := range va {
			diff = max(diff, math.Abs(float64(va[i]-vb[i])))
			scale = max(scale, math.Abs(float64(va[i])))
		}
	}
	return diff / scale
}

// checkpointParams reads a checkpoint's parameters by name.
func checkpointParams(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := f.OpenGroup("params")
	if err != nil {
		t.Fatal(err)
	}
	ents, err := g.Entries()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, e := range ents {
		v, _, err := datasets.Read[float32](g, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name] = v
	}
	return out
}
