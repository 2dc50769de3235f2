package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"
	"golang.org/x/term"

	"github.com/surrogo/surrogo/experiments"
)

// logWriter passes lines through on a terminal; otherwise (a batch job's
// log file) each line becomes a timestamped log/slog record.
func logWriter(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return &slogLines{log: slog.New(slog.NewTextHandler(w, nil))}
}

// slogLines logs every complete line written to it.
type slogLines struct {
	log     *slog.Logger
	pending []byte
}

func (s *slogLines) Write(p []byte) (int, error) {
	s.pending = append(s.pending, p...)
	for {
		i := bytes.IndexByte(s.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		s.log.Info(string(s.pending[:i]))
		s.pending = s.pending[i+1:]
	}
}

// overrides collects repeated -set KEY=VALUE flags.
type overrides []experiments.Override

func (o *overrides) String() string { return fmt.Sprint(*o) }

func (o *overrides) Set(s string) error {
	ov, err := experiments.ParseOverride(s)
	if err != nil {
		return err
	}
	*o = append(*o, ov)
	return nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets overrides
	fs.Var(&sets, "set", "override a config key, KEY=VALUE (repeatable), e.g. -set train.lr=3e-4")
	out := fs.String("out", "", "run directory (overrides run_dir; default runs/<name>)")
	force := fs.Bool("force", false, "start over when the run directory holds a run of a different config")
	workers := fs.Int("workers", 0, "samples solved in parallel (default GOMAXPROCS)")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate run [-set KEY=VALUE ...] [-out DIR] [-force] [-workers n] [-q] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	if *out != "" {
		sets = append(sets, experiments.Override{Key: "run_dir", Value: fmt.Sprintf("%q", *out)})
	}
	cfg, err := experiments.LoadWithOverrides(fs.Arg(0), sets)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	opts := experiments.RunOptions{Force: *force, Workers: *workers}
	if !*quiet {
		opts.Log = logWriter(stdout)
		opts.Progress = progressReporter(stdout, "generate "+cfg.Data.Solver, cfg.Data.Samples())
	}
	if _, err := experiments.Run(ctx, cfg, opts); err != nil {
		return stopped(ctx, err, "simulate run "+strings.Join(args, " "))
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "run %s complete in %s\n", cfg.Name, cfg.RunDir())
	if cfg.HasModel() {
		return printCompare(stdout, []string{cfg.RunDir()})
	}
	return nil
}

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	formats := fs.String("formats", "png,svg", "comma-separated figure formats: png, svg, pdf")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate plot [-formats png,svg,pdf] RUN_DIR")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one RUN_DIR"}
	}
	var fm []string
	for _, f := range strings.Split(*formats, ",") {
		switch f = strings.TrimSpace(f); f {
		case "png", "svg", "pdf":
			fm = append(fm, f)
		default:
			return usageError{fmt.Sprintf("-formats: unknown format %q (expected png, svg or pdf)", f)}
		}
	}
	unlock, err := lockExistingRunDir(fs.Arg(0), "plot")
	if err != nil {
		return err
	}
	defer unlock()
	files, err := experiments.Plot(fs.Arg(0), experiments.PlotOptions{Formats: fm, Log: stderr})
	for _, f := range files {
		fmt.Fprintln(stdout, "wrote", f)
	}
	return err
}

func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets overrides
	fs.Var(&sets, "set", "override a config key, KEY=VALUE (repeatable)")
	schema := fs.Bool("schema", false, "print every key with its type, default and meaning (markdown)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate config [-set KEY=VALUE ...] CONFIG.toml\n       simulate config -schema")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *schema {
		if fs.NArg() != 0 {
			return usageError{"-schema takes no CONFIG.toml"}
		}
		_, err := io.WriteString(stdout, experiments.SchemaMarkdown())
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	cfg, err := experiments.LoadWithOverrides(fs.Arg(0), sets)
	if err != nil {
		return err
	}
	text, err := cfg.ResolvedTOML()
	if err != nil {
		return err
	}
	_, err = stdout.Write(text)
	return err
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fig := fs.String("figure", "", "also draw the runs' long-rollout errors (and persistence), or particle models' position MSE per step, into FIGURE.png and FIGURE.svg")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate compare [-figure FIGURE] RUN_DIR [RUN_DIR ...]")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"expected at least one RUN_DIR"}
	}
	if err := printCompare(stdout, fs.Args()); err != nil {
		return err
	}
	if *fig == "" {
		return nil
	}
	return compareFigure(stdout, fs.Args(), *fig)
}

// compareFigure draws the long-rollout errors of the runs into one figure.
func compareFigure(w io.Writer, dirs []string, base string) error {
	metrics := make([]*experiments.Metrics, len(dirs))
	labels := make([]string, len(dirs))
	for i, dir := range dirs {
		m, err := experiments.ReadMetrics(dir)
		if err != nil {
			return err
		}
		metrics[i] = m
		labels[i] = filepath.Base(filepath.Clean(dir))
		if raw, err := os.ReadFile(filepath.Join(dir, "config.toml")); err == nil {
			_, labels[i] = runSummary(string(raw), labels[i])
		}
	}
	files, err := experiments.PlotLongRolloutComparison(metrics, labels, base, experiments.PlotOptions{})
	for _, f := range files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	return err
}

// printCompare writes a markdown table of the runs' metrics, one row per
// run directory, labelled by compareLabel.
func printCompare(w io.Writer, dirs []string) error {
	// Every run's metrics are read (and checked) before the table starts,
	// so a bad one does not leave half a table.
	metrics := make([]*experiments.Metrics, len(dirs))
	for i, dir := range dirs {
		m, err := experiments.ReadMetrics(dir)
		if err != nil {
			return err
		}
		metrics[i] = m
	}
	fmt.Fprintln(w, "| run | model | params | test rel L2 | std | max | train s | inference s/sample | solver s/sample | speedup |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, dir := range dirs {
		m := metrics[i]
		name, model := "", "?"
		if cfgRaw, err := os.ReadFile(filepath.Join(dir, "config.toml")); err == nil {
			name, model = runSummary(string(cfgRaw), name)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.4g | %.2g | %.3g | %.0f | %.3g | %.3g | %s |\n", compareLabel(dir, name), model,
			m.Params, m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max, m.TrainSeconds, m.InferenceSecondsPerSample, m.SolverSecondsPerSample, formatSpeedup(m.Speedup))
	}
	printLongRollouts(w, dirs, metrics)
	printParticleRollouts(w, dirs, metrics)
	return nil
}

// printParticleRollouts adds, when some runs are particle models, a table
// of their rollouts: the fraction of particles advanced, the stored frame
// the rollout's input frames begin at, the position MSE
// at steps 1, 10 and the last over the advanced particles and over every
// particle (reconstructed) and constant velocity's over every particle,
// the Chamfer distance at the last step, the
// time-stepper's seconds per step and with the reconstruction of every
// particle, against the solver's per frame, and a reduced-order
// model's reconstruction from the stored subset against inverse-distance
// interpolation and its own untrained interpolant (relative L2 of the
// displacement).
func printParticleRollouts(w io.Writer, dirs []string, metrics []*experiments.Metrics) {
	header := false
	for i, m := range metrics {
		if len(m.RolloutMSE) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| run | advanced | from frame | MSE step 1 | step 10 | last | all particles: step 1 | step 10 | last | constant velocity (last) | Chamfer (last) | s/step | + reconstruction | solver s/frame | reconstruction rel L2 | untrained | inverse distance |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
			header = true
		}
		at := func(v []float64, k int) string {
			if k < 1 || k > len(v) {
				return "-"
			}
			return fmt.Sprintf("%.3g", v[k-1])
		}
		frac, dense, step, recon, interp, idw := "100%", m.RolloutMSE, m.InferenceSecondsPerSample, "-", "-", "-"
		if r := m.Sparse; r != nil {
			frac, dense, step = fmt.Sprintf("%.1f%%", 100*r.Sampling), r.DenseRolloutMSE, r.StepSecondsPerFrame
			recon, idw = fmt.Sprintf("%.3g", r.ReconRelL2), fmt.Sprintf("%.3g", r.IDWRelL2)
			if r.InterpRelL2 > 0 { // runs evaluated before it was measured lack it
				interp = fmt.Sprintf("%.3g", r.InterpRelL2)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %.3g | %.3g | %.3g | %.3g | %s | %s | %s |\n", compareLabel(dirs[i], ""), frac, m.RolloutStartFrame,
			at(m.RolloutMSE, 1), at(m.RolloutMSE, 10), at(m.RolloutMSE, len(m.RolloutMSE)), at(dense, 1), at(dense, 10), at(dense, len(dense)),
			at(m.ConstantVelocityMSE, len(m.ConstantVelocityMSE)), m.ChamferLast, step, m.InferenceSecondsPerSample, m.SolverSecondsPerSample, recon, interp, idw)
	}
}

// printLongRollouts adds, when some runs evaluated a long rollout, a
// second table: the relative L2 at steps 1, 8 and the last against
// persistence (repeating the last input frame), the spectrum and value
// distribution distances at the last step, and the time-averaged energy
// of the prediction relative to the truth's.
func printLongRollouts(w io.Writer, dirs []string, metrics []*experiments.Metrics) {
	header := false
	for i, m := range metrics {
		r := m.LongRollout
		if r == nil || r.Steps == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| run | steps | rel L2 step 1 | step 8 | last | persistence 1 | 8 | last | spectrum dist. (last) | PDF dist. (last) | energy pred/truth |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
			header = true
		}
		at := func(v []float64, k int) string {
			if k < 1 || k > len(v) {
				return "-"
			}
			return fmt.Sprintf("%.3g", v[k-1])
		}
		last := func(v []float64) string { return at(v, len(v)) }
		ratio := "-"
		if r.TimeAveraged.EnergyTruth > 0 {
			ratio = fmt.Sprintf("%.3g", r.TimeAveraged.EnergyPred/r.TimeAveraged.EnergyTruth)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", compareLabel(dirs[i], ""), r.Steps,
			at(r.RelL2, 1), at(r.RelL2, 8), last(r.RelL2), at(r.Persistence, 1), at(r.Persistence, 8), last(r.Persistence),
			last(r.SpectrumDistance), last(r.PDFDistance), ratio)
	}
}

// compareLabel names a run in compare's table by its directory as given
// (cleaned), so two runs of one config are told apart, followed by the
// study name in parentheses when it differs from the directory's base
// name. Pipes are escaped so the markdown table keeps its columns.
func compareLabel(dir, study string) string {
	dir = filepath.Clean(dir)
	label := dir
	if study != "" && study != filepath.Base(dir) {
		label = fmt.Sprintf("%s (%s)", dir, study)
	}
	return strings.ReplaceAll(label, "|", `\|`)
}

// formatSpeedup writes a speed-up s = solver time / model time with three
// significant digits (0.0213x, 2.5x, 45.7x), and from 100 up as a whole
// number (1276x) rather than in exponent notation.
func formatSpeedup(s float64) string {
	if math.Abs(s) >= 100 {
		return fmt.Sprintf("%.0fx", s)
	}
	return fmt.Sprintf("%.3gx", s)
}

// lockExistingRunDir takes the lock of a run directory that exists, for a
// command that writes into it (a directory that does not exist holds
// nothing to protect; the command reports what it lacks). It returns the
// function that releases the lock.
func lockExistingRunDir(dir, command string) (func(), error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return func() {}, nil
	}
	l, err := experiments.LockRunDir(dir, command)
	if err != nil {
		return nil, err
	}
	return func() { l.Release() }, nil
}

// runSummary reads the study name and "kind variant mesh width modes" from a resolved
// config.toml (name falls back to the given one).
func runSummary(text, name string) (string, string) {
	var c struct {
		Name  string `toml:"name"`
		Model struct {
			Kind    string `toml:"kind"`
			Variant string `toml:"variant"`
			Mesh    string `toml:"mesh"`
			Width   int    `toml:"width"`
			Modes   []int  `toml:"modes"`
		} `toml:"model"`
	}
	if _, err := decodeTOML(text, &c); err != nil || c.Model.Kind == "" {
		return name, "?"
	}
	if c.Name != "" {
		name = c.Name
	}
	kind := c.Model.Kind
	if c.Model.Variant != "" && c.Model.Variant != kind {
		kind += " " + c.Model.Variant
	}
	if c.Model.Mesh != "" { // mmpde: moved or uniform
		kind += " " + c.Model.Mesh
	}
	if len(c.Model.Modes) == 0 {
		return name, fmt.Sprintf("%s w%d", kind, c.Model.Width)
	}
	return name, fmt.Sprintf("%s w%d m%v", kind, c.Model.Width, c.Model.Modes)
}

func decodeTOML(text string, v any) (toml.MetaData, error) { return toml.Decode(text, v) }
