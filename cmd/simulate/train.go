package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/experiments"
	"github.com/surrogo/surrogo/internal/mpi"
	"github.com/surrogo/surrogo/nn"
)

// stageOptions are the flags shared by train and eval.
type stageOptions struct {
	quiet      bool
	cpuProfile string
}

// parseStage parses the flags and loads the config of a train or eval run.
func parseStage(name string, args []string, stderr io.Writer) (*experiments.Config, stageOptions, error) {
	var opts stageOptions
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&opts.quiet, "q", false, "no per-epoch output")
	fs.StringVar(&opts.cpuProfile, "cpuprofile", "", "write a Go CPU profile (go tool pprof) to this file")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: simulate %s [-q] [-cpuprofile FILE] CONFIG.toml\n", name)
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return nil, opts, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, opts, usageError{"expected one CONFIG.toml"}
	}
	cfg, err := experiments.Load(fs.Arg(0))
	if err != nil {
		return nil, opts, err
	}
	if !cfg.HasModel() {
		return nil, opts, fmt.Errorf("%s: no [model] and [train] sections to %s", fs.Arg(0), name)
	}
	return cfg, opts, nil
}

// startProfile starts a CPU profile into path (none when path is empty) and
// returns the function that stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// runTrain is `simulate train`, on the processes mpirun started when
// built with MPI (-tags mpi): data-parallel training, in which rank 0
// locks the run directory, merges shards, writes every output and prints
// the progress lines; the other ranks print only their errors.
func runTrain(args []string, stdout, stderr io.Writer) error {
	cfg, opts, err := parseStage("train", args, stderr)
	if err != nil {
		return err
	}
	comm, err := mpi.Init()
	if err != nil {
		return err
	}
	err = trainOn(comm, cfg, opts, args, stdout)
	if comm.Size() == 1 {
		return errors.Join(err, comm.Finalize())
	}
	return finishRank(comm, err, stderr)
}

// finishRank ends a rank of a data-parallel training. MPI_Finalize waits
// for every rank, so it is called when all stop together: success, or a
// stop that the trainer agreed on across the ranks (*nn.Interrupted). Any
// other error may have left the other ranks waiting for this one: it is
// printed and the whole job aborted with status 1.
func finishRank(comm *mpi.Comm, err error, stderr io.Writer) error {
	var in *nn.Interrupted
	if err == nil || errors.As(err, &in) {
		return errors.Join(err, rankError(comm, comm.Finalize()))
	}
	fmt.Fprintf(stderr, "simulate train: %v\n", rankError(comm, err))
	comm.Abort(1)
	return err
}

// rankError names the rank of a data-parallel training in err.
func rankError(comm *mpi.Comm, err error) error {
	if err == nil || comm.Size() == 1 {
		return err
	}
	return fmt.Errorf("rank %d of %d: %w", comm.Rank(), comm.Size(), err)
}

// trainOn runs the train stage on comm's processes (see runTrain).
func trainOn(comm *mpi.Comm, cfg *experiments.Config, opts stageOptions, args []string, stdout io.Writer) error {
	rank := comm.Rank()
	profile := opts.cpuProfile
	if profile != "" && rank > 0 {
		profile = fmt.Sprintf("%s.rank%d", profile, rank)
	}
	stopProfile, err := startProfile(profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	var log io.Writer = stdout
	if opts.quiet || rank > 0 {
		log = nil
	}
	if rank == 0 {
		lock, err := experiments.LockRunDir(cfg.RunDir(), "train "+cfg.Path())
		if err != nil {
			return err
		}
		defer lock.Release()
		if err := mergeShards(ctx, cfg, log); err != nil {
			return err
		}
	}
	if err := comm.Barrier(); err != nil { // the other ranks read the merged data
		return err
	}
	s, err := experiments.TrainDataParallel(ctx, cfg, log, comm)
	if err != nil {
		return rankError(comm, stopped(ctx, err, "simulate train "+strings.Join(args, " ")))
	}
	if rank == 0 {
		fmt.Fprintf(stdout, "trained %s: %d parameters, %d epochs in %.1fs, test rel L2 %.4g\n", cfg.Name, s.Params, s.Epochs, s.Seconds, s.TestRelL2)
	}
	return nil
}

// mergeShards joins the shards of `simulate generate -shard` when they are
// all there (log: where to say so; nil: nowhere).
func mergeShards(ctx context.Context, cfg *experiments.Config, log io.Writer) error {
	n, merged, err := experiments.MergeIfSharded(ctx, cfg)
	if err != nil {
		return err
	}
	if merged && log != nil {
		fmt.Fprintf(log, "merged the %d shards of simulate generate -shard into %s\n", n, cfg.DataPath())
	}
	return nil
}

// stopped explains a training that a signal stopped (Ctrl-C, SIGTERM,
// SIGUSR1: ctx was cancelled and the trainer wrote a checkpoint of its
// last completed step): which signal, and the command that resumes; such
// a stop, and a generation stopped with its samples kept, exit
// exitResumable. Other errors pass unchanged.
func stopped(ctx context.Context, err error, rerun string) error {
	if gs := (*experiments.GenerationStopped)(nil); errors.As(err, &gs) {
		return resumableError{err}
	}
	var in *nn.Interrupted
	interrupted := errors.As(err, &in)
	switch {
	case ctx.Err() == nil && interrupted && errors.Is(err, nn.ErrPeerStopped):
		// another rank of a data-parallel training was stopped; rank 0's
		// checkpoint holds the step where all stopped
		return resumableError{fmt.Errorf("%w (`%s` resumes)", err, rerun)}
	case ctx.Err() == nil:
		return err
	case interrupted && in.Checkpoint == "":
		return resumableError{fmt.Errorf("%w (%v before the first step: nothing to keep; `%s` starts it again)", err, context.Cause(ctx), rerun)}
	case interrupted:
		return resumableError{fmt.Errorf("%w (%v; `%s` resumes)", err, context.Cause(ctx), rerun)}
	case errors.Is(err, experiments.ErrLocked), errors.Is(err, context.Canceled):
		// stopped while waiting for a lock, or between steps (a merge, an
		// evaluation): what was finished is kept, the rest runs again
		return resumableError{fmt.Errorf("%w (`%s` resumes)", err, rerun)}
	}
	return err
}

func runEval(args []string, stdout, stderr io.Writer) error {
	cfg, opts, err := parseStage("eval", args, stderr)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(opts.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	unlock, err := lockExistingRunDir(cfg.RunDir(), "eval "+cfg.Path())
	if err != nil {
		return err
	}
	defer unlock()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	m, err := experiments.Evaluate(ctx, cfg)
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(m, "", "  ")
	fmt.Fprintf(stdout, "%s\n", raw)
	return nil
}
