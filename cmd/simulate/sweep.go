package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/experiments"
)

// grid collects repeated -grid KEY=V1,V2,... flags.
type grid []experiments.SweepAxis

func (g *grid) String() string { return fmt.Sprint(*g) }

func (g *grid) Set(s string) error {
	a, err := experiments.ParseSweepAxis(s)
	if err != nil {
		return err
	}
	*g = append(*g, a)
	return nil
}

// sweepFlags are simulate sweep's options.
type sweepFlags struct {
	sets    overrides
	axes    grid
	point   int
	data    bool
	dryRun  bool
	quiet   bool
	workers int
}

// runSweep runs a study over every combination of the -grid values, each
// point into its own run directory under <run_dir>/sweep/, one after
// another through experiments.Run (so finished stages are skipped and a
// stopped sweep resumes), then prints the compare table of its runs and
// draws their test error against the first swept key. -point i runs
// point i alone: what a job array's task i calls
// (simulate sweep -point $SLURM_ARRAY_TASK_ID ...). -data generates the
// sweep's data files only (each distinct one once), the job to run before
// such an array.
func runSweep(args []string, stdout, stderr io.Writer) error {
	f, cfgPath, err := parseSweep(args, stderr)
	if err != nil {
		return err
	}
	sw, err := experiments.PlanSweep(cfgPath, f.sets, f.axes)
	if err != nil {
		return err
	}
	if f.point >= len(sw.Points) {
		return usageError{fmt.Sprintf("-point %d: the sweep has %d points (expected 0..%d)", f.point, len(sw.Points), len(sw.Points)-1)}
	}
	if f.dryRun {
		printSweepPlan(stdout, sw)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	rerun := "simulate sweep " + strings.Join(args, " ")
	if f.data {
		return generateSweepData(ctx, sw, f, stdout, rerun)
	}
	failed, err := runSweepPoints(ctx, sw, f, stdout, stderr, rerun)
	if err != nil {
		return err
	}
	if f.point < 0 && sweepHasModel(sw) {
		if err := summarizeSweep(stdout, stderr, sw, f.quiet); err != nil && len(failed) == 0 {
			return err
		}
	}
	return failedError(sw, f.point, failed, rerun)
}

// pointFailure is a sweep point that failed.
type pointFailure struct {
	index int
	label string
	err   error
}

// failedError reports the failed points (nil when none): with -point,
// the one point run; otherwise how many of all failed, each named.
func failedError(sw *experiments.Sweep, point int, failed []pointFailure, rerun string) error {
	if len(failed) == 0 {
		return nil
	}
	if point >= 0 {
		p := failed[0]
		return fmt.Errorf("sweep point %d (%s) failed (rerun `%s` to retry it): %w", p.index, p.label, rerun, p.err)
	}
	parts := make([]string, len(failed))
	for i, p := range failed {
		parts[i] = fmt.Sprintf("point %d (%s): %v", p.index, p.label, p.err)
	}
	return fmt.Errorf("%d of %d sweep points failed (the others finished; rerun `%s` to retry them): %s",
		len(failed), len(sw.Points), rerun, strings.Join(parts, "; "))
}

// parseSweep reads simulate sweep's command line.
func parseSweep(args []string, stderr io.Writer) (*sweepFlags, string, error) {
	f := &sweepFlags{}
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&f.axes, "grid", "a swept key and its values, KEY=V1,V2,... (repeatable; the first -grid varies slowest), e.g. -grid train.lr=1e-3,3e-4 -grid model.modes=[8],[16]")
	fs.Var(&f.sets, "set", "override a config key in every point, KEY=VALUE (repeatable)")
	fs.IntVar(&f.point, "point", -1, "run only point i (0-based, in -dry-run's order): a job array's task, e.g. -point $SLURM_ARRAY_TASK_ID with --array=0-(n-1)")
	fs.BoolVar(&f.data, "data", false, "only generate the sweep's data files (each distinct one once; with -point, point i's): run before an array of -point tasks")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list the points, their run directories and data files; run nothing")
	fs.BoolVar(&f.quiet, "q", false, "no progress output and no table")
	fs.IntVar(&f.workers, "workers", 0, "samples solved in parallel (default GOMAXPROCS)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate sweep -grid KEY=V1,V2,... [-grid ...] [-set KEY=VALUE ...] [-point i] [-data] [-dry-run] [-q] [-workers n] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return nil, "", err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, "", usageError{"expected one CONFIG.toml"}
	}
	if err := experiments.CheckSweepAxes(f.sets, f.axes); err != nil {
		return nil, "", usageError{err.Error()}
	}
	if f.point < -1 {
		return nil, "", usageError{fmt.Sprintf("-point %d: expected a point index from 0", f.point)}
	}
	return f, fs.Arg(0), nil
}

// printSweepPlan lists the points (index, values, run directory) and the
// data files they share.
func printSweepPlan(w io.Writer, sw *experiments.Sweep) {
	fmt.Fprintf(w, "sweep of %d points into %s (the first -grid varies slowest):\n", len(sw.Points), sw.Dir)
	for _, p := range sw.Points {
		fmt.Fprintf(w, "  %d  %s  %s\n", p.Index, p.Label, p.Dir)
	}
	users := map[string]int{}
	for _, p := range sw.Points {
		users[p.DataFile]++
	}
	for _, i := range sw.DataPoints() {
		file := sw.Points[i].DataFile
		fmt.Fprintf(w, "data %s: %d of %d points\n", file, users[file], len(sw.Points))
	}
}

// runSweepPoints runs the points (or -point's) one after another. A
// point that fails is reported and the next one runs; a signal stops the
// sweep, as it stops simulate run (exit status 75 when state was kept).
// It returns the failed points.
func runSweepPoints(ctx context.Context, sw *experiments.Sweep, f *sweepFlags, stdout, stderr io.Writer, rerun string) ([]pointFailure, error) {
	var failed []pointFailure
	for _, p := range sw.Points {
		if f.point >= 0 && p.Index != f.point {
			continue
		}
		if ctx.Err() != nil { // stopped between points: the finished ones are kept
			return nil, resumableError{fmt.Errorf("stopped before point %d (%s): %v; `%s` resumes", p.Index, p.Label, context.Cause(ctx), rerun)}
		}
		cfg := sw.PointConfig(p.Index)
		opts := experiments.RunOptions{Workers: f.workers}
		if !f.quiet {
			fmt.Fprintf(stdout, "sweep point %d (%d of %d): %s -> %s\n", p.Index, p.Index+1, len(sw.Points), p.Label, p.Dir)
			opts.Log = logWriter(stdout)
			opts.Progress = progressReporter(stdout, "generate "+cfg.Data.Solver, cfg.Data.Samples())
		}
		_, err := sw.RunPoint(ctx, p.Index, opts)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, stopped(ctx, fmt.Errorf("sweep point %d (%s): %w", p.Index, p.Label, err), rerun)
		}
		if f.point < 0 { // with -point, the returned error says it
			fmt.Fprintf(stderr, "simulate sweep: point %d (%s) failed: %v\n", p.Index, p.Label, err)
		}
		failed = append(failed, pointFailure{p.Index, p.Label, err})
	}
	if f.point >= 0 && len(failed) == 0 && !f.quiet {
		fmt.Fprintf(stdout, "sweep point %d complete in %s\n", f.point, sw.Points[f.point].Dir)
	}
	return failed, nil
}

// summarizeSweep prints the compare table of the sweep's runs (unless
// quiet) and draws their test error against the first swept key into
// <sweep dir>/test_rel_l2.{png,svg}.
func summarizeSweep(w, stderr io.Writer, sw *experiments.Sweep, quiet bool) error {
	dirs := make([]string, len(sw.Points))
	for i, p := range sw.Points {
		dirs[i] = p.Dir
	}
	axes := make([]string, len(sw.Axes))
	for i, a := range sw.Axes {
		axes[i] = a.Key
	}
	c, err := loadComparison(dirs, axes, stderr)
	if err != nil {
		return err
	}
	out := w
	if quiet {
		out = io.Discard
	}
	c.print(out)
	if err := c.unfinishedError(); err != nil {
		return err
	}
	return c.figure(out, filepath.Join(sw.Dir, "test_rel_l2"))
}

// sweepHasModel reports whether the sweep's runs train and evaluate a
// model (a data-only sweep has no metrics to tabulate).
func sweepHasModel(sw *experiments.Sweep) bool { return sw.PointConfig(0).HasModel() }

// generateSweepData generates each distinct data file of the sweep (or of
// -point's point) once, resuming an interrupted one and keeping a
// complete one.
func generateSweepData(ctx context.Context, sw *experiments.Sweep, f *sweepFlags, w io.Writer, rerun string) error {
	if err := sw.WriteManifest(); err != nil {
		return err
	}
	for _, i := range sw.DataPoints() {
		cfg := sw.PointConfig(i)
		if f.point >= 0 && cfg.Data.Output != sw.Points[f.point].DataFile {
			continue
		}
		opts := experiments.GenerateOptions{Workers: f.workers, Resume: true}
		if !f.quiet {
			opts.Progress = progressReporter(w, "generate "+cfg.Data.Solver, cfg.Data.Samples())
		}
		path, err := experiments.Generate(ctx, cfg, opts)
		if err != nil {
			return stopped(ctx, fmt.Errorf("sweep data of point %d (%s): %w", i, sw.Points[i].Label, err), rerun)
		}
		if !f.quiet {
			fmt.Fprintf(w, "sweep data %s ready (point %d: %s)\n", path, i, sw.Points[i].Label)
		}
	}
	return nil
}
