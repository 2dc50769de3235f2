package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/experiments"
	"github.com/surrogo/surrogo/internal/buildinfo"
	"github.com/surrogo/surrogo/internal/mpi"
)

// submitFlags are the [slurm] keys a flag of simulate submit sets: each
// flag is a -set slurm.KEY=VALUE, checked like the key in the file.
var submitFlags = []struct {
	name, key, usage string
	number           bool
}{
	{"partition", "slurm.partition", "SLURM partition (sets slurm.partition)", false},
	{"account", "slurm.account", "SLURM account (sets slurm.account)", false},
	{"time", "slurm.time", "time limit of each job, e.g. 2:00:00 (sets slurm.time)", false},
	{"cpus", "slurm.cpus", "CPU cores per job (sets slurm.cpus)", true},
	{"mem", "slurm.mem", "memory per node, e.g. 8G (sets slurm.mem)", false},
	{"shards", "slurm.shards", "generation array tasks (sets slurm.shards)", true},
	{"ranks", "slurm.ranks", "MPI processes of the training job, data-parallel (sets slurm.ranks)", true},
}

func runSubmit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets overrides
	fs.Var(&sets, "set", "override a config key, KEY=VALUE (repeatable)")
	values := make([]*string, len(submitFlags))
	for i, f := range submitFlags {
		values[i] = fs.String(f.name, "", f.usage)
	}
	var axes grid
	fs.Var(&axes, "grid", "submit a sweep: a swept key and its values, KEY=V1,V2,... (repeatable, as simulate sweep): a data job, an array of one task per point, a finishing table")
	dryRun := fs.Bool("dry-run", false, "print the scripts and the sbatch commands; write and submit nothing")
	simulate := fs.String("simulate", "", "the simulate binary the jobs run (default: this one)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate submit [-dry-run] [-shards n] [-ranks P] [-partition P] [-time T] [-cpus n] [-mem M] [-account A] [-set KEY=VALUE ...] [-grid KEY=V1,V2 ...] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	for i, f := range submitFlags {
		if *values[i] == "" {
			continue
		}
		v := strconv.Quote(*values[i])
		if f.number {
			v = *values[i]
		}
		sets = append(sets, experiments.Override{Key: f.key, Value: v})
	}
	cfg, err := experiments.LoadWithOverrides(fs.Arg(0), sets)
	if err != nil {
		return err
	}
	if cfg.Slurm.Ranks > 1 && *simulate == "" && !mpi.Enabled {
		return fmt.Errorf("slurm.ranks = %d: this simulate was built without MPI, and its training job would refuse to start on %d ranks: build it with MPI (scripts/setup.sh hpc, then make build), or give -simulate PATH of one that is", cfg.Slurm.Ranks, cfg.Slurm.Ranks)
	}
	opts, err := submitPlanOptions(*simulate)
	if err != nil {
		return err
	}
	plan, err := planSubmission(cfg, fs.Arg(0), sets, axes, opts)
	if err != nil {
		return err
	}
	if *dryRun {
		return plan.WriteDryRun(stdout)
	}
	return submitPlan(cfg, plan, stdout)
}

// planSubmission plans the jobs of one study, or with -grid of a sweep
// (every point validated first).
func planSubmission(cfg *experiments.Config, path string, sets []experiments.Override, axes []experiments.SweepAxis, opts experiments.SlurmPlanOptions) (*experiments.SlurmPlan, error) {
	if len(axes) == 0 {
		return experiments.PlanSlurm(cfg, opts)
	}
	if err := experiments.CheckSweepAxes(sets, axes); err != nil {
		return nil, usageError{err.Error()}
	}
	sw, err := experiments.PlanSweep(path, sets, axes)
	if err != nil {
		return nil, err
	}
	return experiments.PlanSlurmSweep(sw, opts)
}

// submitPlanOptions finds the simulate binary and the working directory
// the jobs use.
func submitPlanOptions(simulate string) (experiments.SlurmPlanOptions, error) {
	var err error
	if simulate == "" {
		simulate, err = os.Executable()
		if err != nil {
			return experiments.SlurmPlanOptions{}, fmt.Errorf("finding this simulate binary for the jobs (give -simulate PATH): %w", err)
		}
	}
	if simulate, err = filepath.Abs(simulate); err != nil {
		return experiments.SlurmPlanOptions{}, err
	}
	if strings.Contains(simulate, string(filepath.Separator)+"go-build") {
		return experiments.SlurmPlanOptions{}, usageError{fmt.Sprintf("this simulate is a temporary binary of go run (%s), gone when it exits: build one (make build) and submit with it, or give -simulate PATH", simulate)}
	}
	if st, err := os.Stat(simulate); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return experiments.SlurmPlanOptions{}, usageError{fmt.Sprintf("-simulate %s: expected an executable simulate binary", simulate)}
	}
	wd, err := os.Getwd()
	if err != nil {
		return experiments.SlurmPlanOptions{}, err
	}
	return experiments.SlurmPlanOptions{Simulate: simulate, Workdir: wd, Version: buildinfo.Version()}, nil
}

// submitPlan writes the scripts into the run directory, under its lock,
// and submits them.
func submitPlan(cfg *experiments.Config, plan *experiments.SlurmPlan, stdout io.Writer) error {
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return experiments.ErrNoSbatch
	}
	if err := experiments.CheckRunDirSettings(cfg); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lock, err := experiments.LockRunDir(cfg.RunDir(), "submit "+cfg.Path())
	if err != nil {
		return err
	}
	defer lock.Release()
	if squeue, err := exec.LookPath("squeue"); err == nil {
		active, err := experiments.ActiveJobs(ctx, squeue, plan.Dir)
		if err != nil {
			return err
		}
		if active != "" {
			return fmt.Errorf("the jobs of an earlier submission of %s are still queued or running (squeue: %s): they read %s, which a new submission would replace; wait for them, or scancel them first",
				cfg.RunDir(), strings.ReplaceAll(active, "\n", "; "), plan.Config)
		}
	}
	if err := plan.Write(); err != nil {
		return err
	}
	jobs, err := plan.Submit(ctx, sbatch)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		fmt.Fprintf(stdout, "submitted %s job %s (%s)\n", j.Stage, j.ID, filepath.Join(plan.Dir, j.Stage+".sbatch"))
	}
	fmt.Fprintf(stdout, "logs in %s; watch with: squeue -u $USER\n", filepath.Join(plan.Dir, "logs"))
	return nil
}
