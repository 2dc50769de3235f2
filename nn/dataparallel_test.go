package nn

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// group is an allreduce among goroutines standing for the processes of a
// data-parallel run: each call blocks until all n have called, then every
// caller gets the elementwise sum.
//
// The goroutines also take turns computing: autograd's recording switch
// is process-wide (a first-order backward pass turns recording off for
// its duration), so one goroutine's forward pass must not overlap
// another's backward pass, as the processes of a real run never do. A
// goroutine takes compute in its loss function and gives it back when it
// reaches the allreduce, which every step calls once after the backward
// pass.
type group struct {
	compute  sync.Mutex
	mu       sync.Mutex
	cond     *sync.Cond
	n        int
	arrived  int
	gen      int
	acc, out []float64
}

func newGroup(n int) *group {
	g := &group{n: n}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *group) sum(buf []float64) error {
	g.compute.Unlock() // taken by this goroutine's loss function
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.arrived == 0 {
		g.acc = make([]float64, len(buf))
	}
	for i, v := range buf {
		g.acc[i] += v
	}
	g.arrived++
	if gen := g.gen; g.arrived == g.n {
		g.out, g.arrived = g.acc, 0
		g.gen++
		g.cond.Broadcast()
	} else {
		for gen == g.gen {
			g.cond.Wait()
		}
	}
	copy(buf, g.out)
	return nil
}

// dpTask is a 3-5-2 tanh MLP fitted to a fixed map on 11 samples, in
// batches of batch samples in an order shuffled per epoch; with P > 1 the
// process rank trains on its contiguous part of every batch.
type dpTask struct {
	batch, epochs int
	sumLoss       bool // the loss sums over the batch's samples (else: mean)
	wrongWeight   bool // weigh every process's mean loss by 1 (a mistake the comparison must catch)
	stopAtLoss    int  // cancel this process's context at its k-th loss call (0: never)
}

const dpSamples = 11

// dpPart is rank's contiguous part [lo, hi) of a batch of n samples.
func dpPart(n, rank, size int) (lo, hi int) { return rank * n / size, (rank + 1) * n / size }

func (k dpTask) trainer(t *testing.T, rank, size int, g *group, ckpt string, cancel func()) *Trainer[float64] {
	t.Helper()
	m, err := NewMLP[float64](tensor.NewRNG(5), []int{3, 5, 2}, Tanh)
	if err != nil {
		t.Fatal(err)
	}
	xs, ys := tensor.New[float64](dpSamples, 3), tensor.New[float64](dpSamples, 2)
	for i := range dpSamples {
		for j := range 3 {
			xs.Set(math.Sin(float64(3*i+j)), i, j)
		}
		ys.Set(math.Cos(float64(i)), i, 0)
		ys.Set(float64(i%3)-1, i, 1)
	}
	batches := (dpSamples + k.batch - 1) / k.batch
	var local, whole, calls int
	loss := func(_ context.Context, epoch, b int, _ *tensor.RNG) (*autograd.Var[float64], error) {
		if size > 1 {
			g.compute.Lock() // given back in g.sum, after the backward pass
		}
		if calls++; calls == k.stopAtLoss {
			cancel()
		}
		order := tensor.NewRNGStream(9, uint64(epoch)).Perm(dpSamples)
		idx := order[b*k.batch : min((b+1)*k.batch, dpSamples)]
		lo, hi := dpPart(len(idx), rank, size)
		local, whole = hi-lo, len(idx)
		if local == 0 {
			return nil, nil
		}
		l := MSE(m.Forward(autograd.Const(tensor.Gather(xs, 0, idx[lo:hi]))), autograd.Const(tensor.Gather(ys, 0, idx[lo:hi])))
		if k.sumLoss {
			l = autograd.Scale(l, float64(local))
		}
		return l, nil
	}
	weight := func() float64 {
		if k.sumLoss || k.wrongWeight {
			return 1
		}
		return float64(local) / float64(whole)
	}
	tr := &Trainer[float64]{
		Params: m.Params(),
		Phases: []Phase[float64]{{Name: "adam", Optimizer: NewAdam[float64](0.02, 0), ClipNorm: 0.5,
			Schedule: &StepLR{Base: 0.02, Gamma: 0.5, Size: 2}, Epochs: k.epochs, BatchesPerEpoch: batches, Loss: loss}},
		CheckpointPath: ckpt, CheckpointReadOnly: rank > 0, Seed: 3,
	}
	if size > 1 {
		tr.Reduce = DataParallel(g.sum, weight)
	}
	return tr
}

// runGroup trains size processes of task k together (checkpoints in
// dirs[rank]/last.h5, "" dirs: none) and returns each one's parameters and
// error.
func runGroup(t *testing.T, k dpTask, size int, dirs []string) ([][]float64, []error) {
	t.Helper()
	g := newGroup(size)
	params, errs := make([][]float64, size), make([]error, size)
	var wg sync.WaitGroup
	for r := range size {
		ctx, cancel := context.WithCancel(context.Background())
		ckpt := ""
		if dirs != nil {
			ckpt = filepath.Join(dirs[r], "last.h5")
		}
		task := k
		if r != size-1 {
			task.stopAtLoss = 0 // only the last process is signalled
		}
		tr := task.trainer(t, r, size, g, ckpt, cancel)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			_, errs[r] = tr.Run(ctx)
			for _, p := range tr.Params {
				params[r] = append(params[r], p.Var.Value.Data()...)
			}
		}()
	}
	wg.Wait()
	return params, errs
}

// maxRelDiff is max_i |a_i - b_i| / max_i |b_i|.
func maxRelDiff(a, b []float64) float64 {
	var d, s float64
	for i := range a {
		d, s = max(d, math.Abs(a[i]-b[i])), max(s, math.Abs(b[i]))
	}
	return d / s
}

// TestDataParallelMatchesOneProcess: P processes, each on its part of
// every batch, with DataParallel's weighted sum, end at the parameters of
// one process on whole batches (to float64 reassociation: 1e-12), with
// clipping and a schedule, for mean and summed losses and a batch of 3
// over 4 processes (one of them empty-handed); every process ends at the
// same parameters. Weighing each mean loss by 1 instead of n_r/N is
// caught.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	tests := []struct {
		name  string
		task  dpTask
		size  int
		wrong bool // the parameters must differ
	}{
		{"mean loss, 2 processes", dpTask{batch: 4, epochs: 4}, 2, false},
		{"mean loss, 3 processes", dpTask{batch: 5, epochs: 3}, 3, false},
		{"summed loss, 2 processes", dpTask{batch: 4, epochs: 4, sumLoss: true}, 2, false},
		{"batch 3 over 4 processes", dpTask{batch: 3, epochs: 3}, 4, false},
		{"wrong weights", dpTask{batch: 4, epochs: 4, wrongWeight: true}, 2, true},
	}
	const tol = 1e-12
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.task
			ref.wrongWeight = false
			one, errs := runGroup(t, ref, 1, nil)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			many, errs := runGroup(t, tc.task, tc.size, nil)
			for r := range tc.size {
				if errs[r] != nil {
					t.Fatalf("process %d: %v", r, errs[r])
				}
				if d := maxRelDiff(many[r], many[0]); d != 0 {
					t.Errorf("process %d ends %g (relative) away from process 0", r, d)
				}
			}
			d := maxRelDiff(many[0], one[0])
			if tc.wrong != (d > tol) {
				t.Errorf("max relative difference to one process %g; want it %s %g", d, map[bool]string{false: "<=", true: ">"}[tc.wrong], tol)
			}
		})
	}
}

// TestDataParallelStop: one process's context cancelled mid-epoch stops
// every process at the same step (ErrPeerStopped for the others); only
// process 0 writes the checkpoint, and resuming both from it ends where
// an uninterrupted run does.
func TestDataParallelStop(t *testing.T) {
	task := dpTask{batch: 4, epochs: 3}
	whole, errs := runGroup(t, task, 2, nil)
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	stopping := task
	stopping.stopAtLoss = 5 // second batch of the second epoch
	_, errs = runGroup(t, stopping, 2, dirs)
	var in0, in1 *Interrupted
	if !errors.As(errs[0], &in0) || !errors.Is(errs[0], ErrPeerStopped) || !errors.As(errs[1], &in1) || !errors.Is(errs[1], context.Canceled) {
		t.Fatalf("errors %v and %v; want Interrupted by a peer's stop (process 0) and by its own cancellation (process 1)", errs[0], errs[1])
	}
	if in0.Step != 4 || in1.Step != 4 || in0.Checkpoint == "" {
		t.Fatalf("stopped at steps %d and %d (checkpoint %q), want both at 4 with process 0's checkpoint", in0.Step, in1.Step, in0.Checkpoint)
	}
	if ents, _ := os.ReadDir(dirs[1]); len(ents) != 0 {
		t.Fatalf("process 1 wrote %d files into its directory, want none", len(ents))
	}
	raw, err := os.ReadFile(in0.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirs[1], "last.h5"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	resumed, errs := runGroup(t, task, 2, dirs)
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	for r := range 2 {
		if d := maxRelDiff(resumed[r], whole[0]); d > 1e-12 {
			t.Errorf("process %d resumed ends %g (relative) from the uninterrupted run", r, d)
		}
	}
}
