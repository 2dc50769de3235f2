// Command simulate is surrogo's command-line interface: one binary for every
// stage of a study, a thin shell over package experiments. The verbs:
//
//	simulate run CONFIG.toml      the whole study, generate -> train -> eval -> plot,
//	                              into runs/<name>/, skipping finished stages and
//	                              resuming the rest
//	simulate config CONFIG.toml   the resolved config with -set overrides applied
//	                              (config -schema: every key, documented)
//	simulate plot RUN_DIR         redraw a run's figures from its saved outputs
//	simulate compare RUN_DIR...   the runs' metrics side by side as a markdown table (a
//	                              SWEEP_DIR expands to its points; differing settings as columns)
//	simulate sweep CONFIG.toml    every combination of -grid KEY=V1,V2,... values, each a run
//	                              into runs/<name>/sweep/<key=value,...>/, then their table
//	simulate submit CONFIG.toml   the study as SLURM batch jobs: a generation array, training,
//	                              evaluation, each after the one before (-dry-run prints them)
//	simulate generate CONFIG.toml run the [data] section's solver over seeded samples
//	                              into HDF5 (-shard k/n for one shard)
//	simulate train CONFIG.toml    train the [model] on the generated data
//	simulate eval CONFIG.toml     evaluate it: metrics.json, predictions.h5
//	simulate inspect [-stats] F   the tree of an HDF5 file (h5ls -rv on one screen)
//	simulate version              the surrogo, Go and HDF5 versions and the GEMM backend
//
// Exit codes: 0 success, 1 failure, 2 a command line to fix.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"gonum.org/v1/hdf5"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/internal/buildinfo"
	"github.com/surrogo/surrogo/internal/mpi"
	"github.com/surrogo/surrogo/tensor"
)

const usage = `usage: simulate <command> [arguments]

commands:
  version                   print the surrogo, Go and HDF5 versions and the GEMM backend
  inspect [-stats] [-all] FILE...
                            print the groups, datasets and attributes of HDF5 files
  generate [-shard k/n] [-workers n] [-out FILE] [-q] CONFIG.toml
                            generate the [data] section's samples into HDF5
  merge [-shards n] CONFIG.toml
                            join the files of generate -shard k/n (k = 1..n) into
                            the data file (train and run do it when all are there)
  run [-set K=V ...] [-out DIR] [-force] [-q] CONFIG.toml
                            the whole study: generate -> train -> eval -> plot into
                            runs/<name>/, skipping finished stages, resuming the rest
  config [-set K=V ...] CONFIG.toml | config -schema
                            print the resolved config, or every key documented
  plot [-formats png,svg,pdf] RUN_DIR
                            redraw a run's figures from its saved outputs
  compare [-figure F] RUN_DIR|SWEEP_DIR...
                            a markdown table of the runs' metrics side by side, the
                            settings that differ as columns
  sweep -grid K=V1,V2,... [-grid ...] [-set K=V ...] [-point i] [-data] [-dry-run] [-workers n] [-q] CONFIG.toml
                            every combination of the -grid values (first slowest), each a run
                            into runs/<name>/sweep/<key=value,...>/, then their compare table;
                            -point i runs point i alone (a job array's task)
  submit [-dry-run] [-shards n] [-ranks P] [-partition P] [-time T] [-cpus n] [-mem M] [-account A]
         [-set K=V ...] [-grid K=V1,V2 ...] CONFIG.toml
                            write the study's SLURM jobs into runs/<name>/slurm/ and sbatch
                            them: generation (an array of n shards), training, evaluation;
                            with -grid a sweep: its data, an array of points, their table
  train [-q] CONFIG.toml    train the [model] section's operator on the generated data
  eval CONFIG.toml          evaluate the trained model: metrics.json, predictions.h5
  help                      print this message
`

func main() {
	os.Exit(runOnStdio(os.Args[1:]))
}

// runOnStdio runs one command on the process's standard output and
// error; in a SLURM job every line says which job and task wrote it.
func runOnStdio(args []string) int {
	stdout, flushOut := withJobLabel(os.Stdout)
	stderr, flushErr := withJobLabel(os.Stderr)
	code := run(args, stdout, stderr)
	flushOut()
	flushErr()
	return code
}

// run executes one command and returns the process exit code: 0 success,
// 1 failure, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err := checkOneProcess(args[0]); err != nil {
		fmt.Fprintf(stderr, "simulate %s: %v\n", args[0], err)
		return 2
	}
	var err error
	switch args[0] {
	case "version", "-version", "--version":
		err = runVersion(stdout)
	case "inspect":
		err = runInspect(args[1:], stdout, stderr)
	case "generate":
		err = runGenerate(args[1:], stdout, stderr)
	case "train":
		err = runTrain(args[1:], stdout, stderr)
	case "merge":
		err = runMerge(args[1:], stdout, stderr)
	case "eval":
		err = runEval(args[1:], stdout, stderr)
	case "run":
		err = runRun(args[1:], stdout, stderr)
	case "plot":
		err = runPlot(args[1:], stdout, stderr)
	case "config":
		err = runConfig(args[1:], stdout, stderr)
	case "compare":
		err = runCompare(args[1:], stdout, stderr)
	case "sweep":
		err = runSweep(args[1:], stdout, stderr)
	case "submit":
		err = runSubmit(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "simulate: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ue usageError
	var re resumableError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &re):
		fmt.Fprintf(stderr, "simulate %s: %v\n", args[0], err)
		return exitResumable
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "simulate %s: %v\n", args[0], err)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "simulate %s: %v\n", args[0], err)
		return 1
	}
}

// checkOneProcess refuses a command other than train started as several
// MPI ranks: each rank would run the whole command into the same run
// directory. Only train splits its work over ranks.
func checkOneProcess(verb string) error {
	n, variable, err := mpi.LaunchedSize()
	if err != nil || n <= 1 || verb == "train" {
		return err
	}
	return usageError{fmt.Sprintf("started as %d MPI ranks (%s): simulate %s runs as one process; only train is data-parallel (mpirun -np P simulate train CONFIG.toml, after simulate generate)", n, variable, verb)}
}

// exitResumable is the exit status of a command a signal stopped after
// keeping its state (a checkpoint, or generated samples in NAME.tmp): the
// same command resumes. 75 is sysexits' EX_TEMPFAIL; a SLURM job script
// can requeue on it (`[ $? -eq 75 ] && scontrol requeue $SLURM_JOB_ID`).
const exitResumable = 75

// resumableError marks a command a signal stopped after keeping its
// state.
type resumableError struct{ error }

func (e resumableError) Unwrap() error { return e.error }

// usageError marks a command line the user must fix.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func runVersion(w io.Writer) error {
	v, err := hdf5.LibVersion()
	lib := "unknown"
	if err == nil {
		lib = v.String()
	}
	fmt.Fprintf(w, "surrogo %s (%s, HDF5 %s, GEMM %s)\n", buildinfo.Version(), buildinfo.GoVersion(), lib, tensor.BLASBackend)
	return nil
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stats := fs.Bool("stats", false, "also print min, max, mean and non-finite count of every dataset (reads all data in pieces of bounded size; progress on stderr for big datasets)")
	all := fs.Bool("all", false, "list every trajectory group of a particle file (default: the first two and a summary)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate inspect [-stats] [-all] FILE.h5 [FILE.h5 ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"expected at least one HDF5 file"}
	}
	failures := 0
	for i, path := range fs.Args() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := inspectFile(path, datasets.DescribeOptions{Stats: *stats, All: *all, Progress: stderr}, stdout); err != nil {
			fmt.Fprintln(stderr, "simulate inspect:", err)
			failures++
		}
	}
	if failures > 0 {
		return fmt.Errorf("%d of %d files could not be read", failures, fs.NArg())
	}
	return nil
}

// inspectFile writes the tree of one file to w. With opts.Stats, datasets
// are read in pieces of bounded size (whatever shape the file claims), a
// big one reporting progress on opts.Progress, and a dataset that cannot
// be read is reported where it is listed; the listing goes on and the
// first such error is returned at the end. A particle file starts with a
// summary of its trajectories.
func inspectFile(path string, opts datasets.DescribeOptions, w io.Writer) error {
	// inspect is for any file, damaged ones included: libhdf5 walks it in
	// a child process first, so one it crashes or loops on is refused with
	// an error instead of taking this process down.
	if err := datasets.Preflight(path); err != nil {
		return err
	}
	f, err := datasets.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return datasets.Describe(w, f, opts)
}
