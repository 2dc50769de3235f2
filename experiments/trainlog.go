package experiments

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// trainLog records what nn.Trainer reports, the same way for every model
// family: run_dir/train_log.csv, one line per epoch (epoch, step, lr,
// train_loss, test_rel_l2, seconds), and progress lines with an ETA.
//
// The CSV is opened at the first finished epoch, when training has really
// resumed: its lines after the checkpoint's epoch belong to a run that
// died before its next checkpoint and are dropped then (an atomic
// rewrite), so a run that fails before that leaves the log as it was. The
// file is synced with every checkpoint and when closed.
type trainLog struct {
	path  string
	out   io.Writer // progress lines (nil: none)
	unit  string    // "epoch" (a line per epoch) or "step" (PINNs: a line per Adam step or L-BFGS iteration)
	total int       // epochs of all phases
	every int       // progress line every this many epochs (and the first after a start)
	scale float64   // the reported loss is divided by it (per sample and step)
	stop  func()    // cancels training when the log cannot be written
	rank  int       // the process's rank in a data-parallel run: only rank 0 writes files
	ranks int       // the processes of a data-parallel run (0: one)

	csv         *os.File
	err         error
	prevSeconds float64 // of the epochs kept from earlier runs
	recent      []float64
	printed     bool
}

// report writes one epoch's CSV line and, when due, its progress line.
func (l *trainLog) report(r nn.EpochReport) {
	if l.err != nil {
		return
	}
	if l.rank > 0 {
		l.progress(r, formatMetric(r.Metrics, "test_rel_l2"))
		return
	}
	if l.csv == nil {
		if l.csv, l.prevSeconds, l.err = truncateLog(l.path, r.Epoch-1); l.err != nil {
			l.stop() // its epochs could not be logged
			return
		}
	}
	test := formatMetric(r.Metrics, "test_rel_l2")
	if _, err := fmt.Fprintf(l.csv, "%d,%d,%g,%g,%s,%.3f\n", r.Epoch, r.Step, r.LR, r.TrainLoss/l.scale, test, r.Seconds); err != nil {
		l.err = err
	} else if r.Checkpointed {
		l.err = l.csv.Sync()
	}
	if l.err != nil {
		l.stop()
		return
	}
	l.progress(r, test)
}

// formatMetric is metric name as the log writes it ("" when absent).
func formatMetric(m map[string]float64, name string) string {
	if v, ok := m[name]; ok {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	return ""
}

// progress writes the progress line of an epoch: every l.every epochs, the
// first of this process and the last, with an ETA from the mean of the
// last (up to) five epochs.
func (l *trainLog) progress(r nn.EpochReport, test string) {
	if l.out == nil {
		return
	}
	l.recent = append(l.recent, r.Seconds)
	if len(l.recent) > 5 {
		l.recent = l.recent[1:]
	}
	if l.printed && r.Epoch%l.every != 0 && r.Epoch != l.total {
		return
	}
	l.printed = true
	var mean float64
	for _, v := range l.recent {
		mean += v / float64(len(l.recent))
	}
	eta := time.Duration(mean * float64(l.total-r.Epoch) * float64(time.Second)).Round(time.Second)
	if l.unit == "epoch" {
		fmt.Fprintf(l.out, "epoch %d/%d  lr %.3g  train %.5f  test %s  (%.1fs, eta %s)\n", r.Epoch, l.total, r.LR, r.TrainLoss/l.scale, test, r.Seconds, eta)
		return
	}
	fmt.Fprintf(l.out, "%s %d/%d  %s  lr %.3g  loss %.5g  test %s  (%.3fs, eta %s)\n", l.unit, r.Epoch, l.total, r.Phase, r.LR, r.TrainLoss/l.scale, test, r.Seconds, eta)
}

// close syncs and closes the CSV; it returns the first error of the log.
func (l *trainLog) close() error {
	if l.csv != nil {
		if err := l.csv.Sync(); err != nil && l.err == nil {
			l.err = err
		}
		if err := l.csv.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.csv = nil
	}
	if l.err != nil {
		return fmt.Errorf("experiments: writing the training log %s: %w", l.path, l.err)
	}
	return nil
}

// runTrainer runs tr with the log l (the trainer's Report) and writes
// run_dir/train.json. params is the model's parameter count.
func runTrainer[T tensor.Float](ctx context.Context, cfg *Config, tr *nn.Trainer[T], l *trainLog, params int) (*TrainSummary, error) {
	start := time.Now()
	trainCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	l.stop = cancel
	tr.Report = l.report
	if tr.CheckpointPath != "" {
		tr.CheckpointEverySeconds = cfg.Train.CheckpointSeconds
	}
	res, err := tr.Run(trainCtx)
	if lerr := l.close(); lerr != nil {
		return nil, lerr
	}
	if err != nil {
		return nil, err
	}
	sum := &TrainSummary{Params: params, Epochs: res.Epochs, Steps: res.Steps,
		Seconds: l.prevSeconds + time.Since(start).Seconds(), ResumedFrom: res.ResumedFrom, TrainLoss: res.Final.TrainLoss / l.scale,
		TestRelL2: res.Final.Metrics["test_rel_l2"]}
	if l.ranks > 1 {
		sum.Ranks = l.ranks
	}
	if l.rank > 0 {
		return sum, nil
	}
	return sum, writeJSON(filepath.Join(cfg.RunDir(), "train.json"), sum)
}
