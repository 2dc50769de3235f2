package experiments

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Communicator is what data-parallel training needs from the processes it
// runs on (cmd/simulate passes internal/mpi's MPI_COMM_WORLD): their
// number, this one's rank, in-place sums over all of them (every process
// passes a buffer of the same length and gets the same elementwise sum
// back) and a barrier.
type Communicator interface {
	Rank() int
	Size() int
	AllreduceSumFloat32([]float32) error
	AllreduceSumFloat64([]float64) error
	Barrier() error
}

// oneProcess is the Communicator of a training on one process: rank 0 of
// 1, whose sums over the processes are the buffers themselves.
type oneProcess struct{}

func (oneProcess) Rank() int                           { return 0 }
func (oneProcess) Size() int                           { return 1 }
func (oneProcess) AllreduceSumFloat32([]float32) error { return nil }
func (oneProcess) AllreduceSumFloat64([]float64) error { return nil }
func (oneProcess) Barrier() error                      { return nil }

// TrainDataParallel is Train on the comm.Size() processes of comm (the
// ranks mpirun started), each training on its contiguous part of every
// batch of train.batch samples (batchPart) and all taking the same step
// from the gradient of the whole batch: with the same seed and batch, P
// processes train to the parameters of one, up to the reassociation of
// floating-point sums. Every process reads the data (the same samples in
// the same order: the sampler is seeded) and fits the same normalizers;
// only rank 0 writes into the run directory (checkpoints, normalizers.h5,
// train_log.csv, train.json), and every process resumes from its
// checkpoint. The grid operators train data-parallel; other families are
// refused on more than one process. On one process it is Train.
func TrainDataParallel(ctx context.Context, cfg *Config, log io.Writer, comm Communicator) (*TrainSummary, error) {
	if comm.Size() == 1 {
		return Train(ctx, cfg, log)
	}
	if err := checkDataParallel(cfg, comm.Size()); err != nil {
		return nil, err
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(TrainGCPercent))
	}
	return trainGridOn(ctx, cfg, log, comm)
}

// checkDataParallel refuses what cannot train on p > 1 processes: a model
// family other than the grid operators, and batches smaller than p.
func checkDataParallel(cfg *Config, p int) error {
	if !cfg.hasModel {
		return fmt.Errorf("experiments: %s has no [model] and [train] sections", cfg.path)
	}
	fam := cfg.family()
	if fam.untrained || fam.grid == nil {
		return fmt.Errorf("experiments: %s: data-parallel training on %d processes is implemented for the grid operators (fno, t1, factformer), not for model.kind = %q; train it on one process (without mpirun, or mpirun -np 1)",
			cfg.path, p, cfg.Model.Kind)
	}
	if cfg.Train.Batch < p {
		return fmt.Errorf("experiments: %s: train.batch = %d is smaller than the %d processes: each needs at least one sample of every full batch (raise train.batch or use fewer processes)",
			cfg.path, cfg.Train.Batch, p)
	}
	return nil
}

// batchPart is process rank's contiguous part [lo, hi) of a batch of n
// samples split over size processes: n_r = hi - lo is n/size or n/size+1,
// the parts in rank order covering the batch.
func batchPart(n, rank, size int) (lo, hi int) {
	return rank * n / size, (rank + 1) * n / size
}

// lossShare is this process's weight w_r in the whole batch's loss L =
// sum_r w_r L_r (nn.DataParallel) for the batch last read: 1 for the
// relative L2, which sums over the batch's samples, and n_r / N for the
// MSE, a mean over them.
func (g *gridTraining) lossShare() float64 {
	if g.cfg.Train.Loss != "mse" {
		return 1
	}
	return float64(g.batches.local) / float64(g.batches.whole)
}
