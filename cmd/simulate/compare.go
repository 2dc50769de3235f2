package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/experiments"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fig := fs.String("figure", "", "also draw a figure into FIGURE.png and FIGURE.svg: for a sweep (or runs that differ in settings, without rollouts) the test rel L2 against the first swept key; otherwise the runs' long-rollout errors (and persistence), or particle models' position MSE per step")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate compare [-figure FIGURE] RUN_DIR|SWEEP_DIR [...]")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"expected at least one RUN_DIR or SWEEP_DIR"}
	}
	dirs, axes, err := expandRunDirs(fs.Args())
	if err != nil {
		return err
	}
	c, err := loadComparison(dirs, axes, stderr)
	if err != nil {
		return err
	}
	c.print(stdout)
	if *fig != "" {
		if err := c.figure(stdout, *fig); err != nil {
			return err
		}
	}
	return c.unfinishedError()
}

// expandRunDirs replaces each sweep directory (one holding sweep.json)
// among args by its points' run directories, and returns the swept keys
// in the order of first appearance (nil when no argument is a sweep).
func expandRunDirs(args []string) (dirs, axes []string, err error) {
	for _, arg := range args {
		if _, err := os.Stat(filepath.Join(arg, experiments.SweepManifestName)); err != nil {
			dirs = append(dirs, arg) // a run directory (or a missing one: reported unfinished)
			continue
		}
		m, err := experiments.ReadSweepManifest(arg)
		if err != nil {
			return nil, nil, err
		}
		dirs = append(dirs, m.RunDirs(arg)...)
		for _, a := range m.Axes {
			if !slices.Contains(axes, a.Key) {
				axes = append(axes, a.Key)
			}
		}
	}
	return dirs, axes, nil
}

// comparison is what compare shows of some run directories.
type comparison struct {
	dirs    []string
	metrics []*experiments.Metrics // nil: the run has no metrics.json yet
	configs []map[string]any       // resolved config.toml; nil: none
	keys    []string               // the settings that differ, as columns
	axes    []string               // swept keys (a sweep), the first on the figure's x axis
}

// loadComparison reads every run's metrics and resolved config before
// anything is printed, so a damaged metrics.json does not leave half a
// table; a run without metrics.json is kept, to be shown unfinished. A
// config.toml that cannot be read is a warning on warn: the run's
// settings show "?" and it is left off the sweep figure.
func loadComparison(dirs, axes []string, warn io.Writer) (*comparison, error) {
	c := &comparison{dirs: dirs, axes: axes, metrics: make([]*experiments.Metrics, len(dirs)), configs: make([]map[string]any, len(dirs))}
	for i, dir := range dirs {
		m, err := experiments.ReadMetrics(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		c.metrics[i] = m
		if c.configs[i], err = readResolved(dir); err != nil {
			fmt.Fprintf(warn, "simulate compare: warning: %v; its settings are shown as ? and it is left off the figure's x axis\n", err)
		}
	}
	c.keys = differingKeys(c.configs, axes)
	return c, nil
}

// readResolved reads RUN_DIR/config.toml as a TOML tree: nil, and no
// error, when there is none; nil and an error naming the file when it
// cannot be read or parsed. Either way the run's settings are unknown.
func readResolved(dir string) (map[string]any, error) {
	path := filepath.Join(dir, "config.toml")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	tree := map[string]any{}
	if _, err := toml.Decode(string(raw), &tree); err != nil {
		return nil, fmt.Errorf("%s: expected the run's resolved config (TOML): %w", path, err)
	}
	return tree, nil
}

// notCompared are settings that name where a run goes rather than what it
// computes.
var notCompared = []string{"name", "run_dir", "data.output"}

// differingKeys lists the dotted keys whose values differ among the
// configs (those that are known): the swept keys first, in their order,
// then the others sorted. A swept key that holds a table
// (data.params={nu=0.1},{nu=0.2}) is replaced by its leaves that differ.
func differingKeys(configs []map[string]any, axes []string) []string {
	var known []map[string]any
	for _, c := range configs {
		if c != nil {
			known = append(known, c)
		}
	}
	var changed []string
	for _, c := range known[min(1, len(known)):] {
		for _, k := range experiments.ChangedKeys(known[0], c) {
			if !slices.Contains(changed, k) && !slices.Contains(notCompared, k) {
				changed = append(changed, k)
			}
		}
	}
	slices.Sort(changed)
	var keys []string
	for _, a := range axes {
		if !holdsTable(known, a) {
			keys = append(keys, a)
			continue
		}
		for _, k := range changed {
			if strings.HasPrefix(k, a+".") {
				keys = append(keys, k)
			}
		}
	}
	for _, k := range changed {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// holdsTable reports whether key is a table in some of the configs.
func holdsTable(configs []map[string]any, key string) bool {
	return slices.ContainsFunc(configs, func(c map[string]any) bool {
		v, _ := lookupKey(c, key)
		_, ok := v.(map[string]any)
		return ok
	})
}

// lookupKey finds a dotted key in a TOML tree.
func lookupKey(tree map[string]any, key string) (any, bool) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := tree[p].(map[string]any)
		if !ok {
			return nil, false
		}
		tree = sub
	}
	v, ok := tree[parts[len(parts)-1]]
	return v, ok
}

// settingCell writes run i's value of key: "?" when its config is
// unknown, "-" when it lacks the key.
func (c *comparison) settingCell(i int, key string) string {
	if c.configs[i] == nil {
		return "?"
	}
	v, ok := lookupKey(c.configs[i], key)
	if !ok {
		return "-"
	}
	return strings.ReplaceAll(formatValue(v), "|", `\|`)
}

// formatValue writes a TOML value compactly: numbers in the shortest
// form that reads back exactly, arrays in brackets.
func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// printCompare writes a markdown table of the runs' metrics, one row per
// run directory, labelled by compareLabel; the settings that differ among
// the runs are columns after the label. A run without metrics.json is a
// row saying how far it got, and the returned error names it.
func printCompare(w io.Writer, dirs []string) error {
	c, err := loadComparison(dirs, nil, io.Discard) // its own run's config, just written
	if err != nil {
		return err
	}
	c.print(w)
	return c.unfinishedError()
}

// print writes the tables: the metrics, then long and particle rollouts.
func (c *comparison) print(w io.Writer) {
	head, rule := "| run |", "|---|"
	for _, k := range c.keys {
		head += " " + k + " |"
		rule += "---|"
	}
	fmt.Fprintln(w, head+" model | params | test rel L2 | std | max | train s | inference s/sample | solver s/sample | speedup |")
	fmt.Fprintln(w, rule+"---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, dir := range c.dirs {
		name, model := "", "?"
		if cfgRaw, err := os.ReadFile(filepath.Join(dir, "config.toml")); err == nil {
			name, model = runSummary(string(cfgRaw), name)
		}
		row := "| " + compareLabel(dir, name) + " |"
		for _, k := range c.keys {
			row += " " + c.settingCell(i, k) + " |"
		}
		fmt.Fprintf(w, "%s %s | %s |\n", row, model, metricCells(c.metrics[i], dir))
	}
	printLongRollouts(w, c.dirs, c.metrics)
	printParticleRollouts(w, c.dirs, c.metrics)
}

// metricCells are the metric columns of a row: the values, or for a run
// without metrics.json its state in the test rel L2 column.
func metricCells(m *experiments.Metrics, dir string) string {
	if m == nil {
		return fmt.Sprintf("- | unfinished: %s | - | - | - | - | - | -", strings.ReplaceAll(runState(dir), "|", `\|`))
	}
	return fmt.Sprintf("%d | %.4g | %.2g | %.3g | %.0f | %.3g | %.3g | %s", m.Params, m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max,
		m.TrainSeconds, m.InferenceSecondsPerSample, m.SolverSecondsPerSample, formatSpeedup(m.Speedup))
}

// runState says how far a run without metrics got, from its run.json:
// "no such directory", "not started" (no run.json), "run.json
// unreadable: ...", "train running or stopped", "eval failed", or "no
// metrics.json" when every recorded stage is done.
func runState(dir string) string {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return "no such directory"
	}
	rec, err := experiments.ReadRunRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "not started"
	}
	if err != nil {
		return "run.json unreadable: " + err.Error()
	}
	for _, st := range []string{experiments.StageGenerate, experiments.StageTrain, experiments.StageEval} {
		s := rec.Stages[st]
		switch {
		case s == nil:
			return st + " not started"
		case s.Status == "running":
			return st + " running or stopped"
		case s.Status != "done":
			return st + " " + s.Status
		}
	}
	return "no metrics.json"
}

// unfinishedError names the runs without metrics.json (nil when none).
func (c *comparison) unfinishedError() error {
	var missing []string
	for i, m := range c.metrics {
		if m == nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", filepath.Clean(c.dirs[i]), runState(c.dirs[i])))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d runs have no metrics.json (unfinished; `simulate run` or `simulate sweep` completes them): %s",
		len(missing), len(c.dirs), strings.Join(missing, ", "))
}

// figure draws, for a sweep (or runs that differ in settings and have no
// rollouts to compare), the test rel L2 against figureKey; otherwise the
// runs' rollout errors per step.
func (c *comparison) figure(w io.Writer, base string) error {
	var dirs []string
	var metrics []*experiments.Metrics
	for i, m := range c.metrics {
		if m != nil {
			dirs, metrics = append(dirs, c.dirs[i]), append(metrics, m)
		}
	}
	if len(metrics) == 0 {
		return fmt.Errorf("-figure: none of the %d runs has metrics.json to draw", len(c.dirs))
	}
	var files []string
	var err error
	if key := c.figureKey(); key != "" && (len(c.axes) > 0 || !hasRollouts(metrics)) {
		files, err = experiments.PlotSweep(key, c.sweepResults(key), base, experiments.PlotOptions{})
	} else {
		files, err = compareFigure(dirs, metrics, base)
	}
	for _, f := range files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	return err
}

// hasRollouts reports whether some run evaluated a long rollout or a
// particle rollout.
func hasRollouts(metrics []*experiments.Metrics) bool {
	return slices.ContainsFunc(metrics, func(m *experiments.Metrics) bool {
		return (m.LongRollout != nil && m.LongRollout.Steps > 0) || len(m.RolloutMSE) > 0
	})
}

// figureKey is the key on the sweep figure's x axis: for a sweep its
// first swept key; otherwise the first, in sorted order, of the differing
// keys that hold a number in every drawn run (finished, its config
// read), else the first differing key; "" when no key differs.
func (c *comparison) figureKey() string {
	if len(c.keys) == 0 {
		return ""
	}
	if len(c.axes) == 0 {
		for _, k := range slices.Sorted(slices.Values(c.keys)) {
			if c.numericInDrawnRuns(k) {
				return k
			}
		}
	}
	return c.keys[0]
}

// numericInDrawnRuns reports whether every drawn run (one with metrics
// and a config read) holds a number at key, and there is such a run.
func (c *comparison) numericInDrawnRuns(key string) bool {
	drawn := 0
	for i, m := range c.metrics {
		if m == nil || c.configs[i] == nil {
			continue
		}
		if _, err := strconv.ParseFloat(c.settingCell(i, key), 64); err != nil {
			return false
		}
		drawn++
	}
	return drawn > 0
}

// sweepResults are the test rel L2 of the finished runs whose config was
// read, at their value of key, one series per combination of the other
// keys' values.
func (c *comparison) sweepResults(key string) []experiments.SweepResult {
	var out []experiments.SweepResult
	for i, m := range c.metrics {
		if m == nil || c.configs[i] == nil {
			continue
		}
		var series []string
		for _, k := range c.keys {
			if k != key {
				series = append(series, k+"="+c.settingCell(i, k))
			}
		}
		out = append(out, experiments.SweepResult{X: c.settingCell(i, key), Series: strings.Join(series, ", "), TestRelL2: m.TestRelL2})
	}
	return out
}

// compareFigure draws the long-rollout errors of the runs into one figure.
func compareFigure(dirs []string, metrics []*experiments.Metrics, base string) ([]string, error) {
	labels := make([]string, len(dirs))
	for i, dir := range dirs {
		labels[i] = filepath.Base(filepath.Clean(dir))
		if raw, err := os.ReadFile(filepath.Join(dir, "config.toml")); err == nil {
			_, labels[i] = runSummary(string(raw), labels[i])
		}
	}
	return experiments.PlotLongRolloutComparison(metrics, labels, base, experiments.PlotOptions{})
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
// displacement). Runs without metrics are left out.
func printParticleRollouts(w io.Writer, dirs []string, metrics []*experiments.Metrics) {
	header := false
	for i, m := range metrics {
		if m == nil || len(m.RolloutMSE) == 0 {
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
// of the prediction relative to the truth's. Runs without metrics are
// left out.
func printLongRollouts(w io.Writer, dirs []string, metrics []*experiments.Metrics) {
	header := false
	for i, m := range metrics {
		if m == nil || m.LongRollout == nil || m.LongRollout.Steps == 0 {
			continue
		}
		r := m.LongRollout
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
