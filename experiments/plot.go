package experiments

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/plotting"
	"github.com/surrogo/surrogo/tensor"
)

// PlotOptions steer Plot.
type PlotOptions struct {
	Formats []string // png, svg, pdf (default png and svg)
	// Log receives a note for each figure left out because it has
	// nothing to draw (nil: silent).
	Log io.Writer
}

// Plot draws a run directory's figures into RUN_DIR/figures from its saved
// outputs (train_log.csv, metrics.json, predictions.h5), so figures can be
// redrawn without rerunning anything:
//
//	loss             training loss and test relative L2 per epoch (log y)
//	samples          1-D: truth vs prediction for three test samples
//	fields           2-D: truth | prediction | error of the first test sample
//	spectrum         energy spectrum of truth vs prediction, averaged over the test set (log-log)
//	rollout_error    relative L2 per rollout step (time-dependent tasks)
//	resolution_error relative L2 vs test resolution (zero-shot super-resolution)
//	long_rollout_*   a long rollout (eval.rollout_steps): error per step against
//	                 persistence, spectra and value densities at the compare
//	                 steps, energy and mean square per step
//
// A solver whose data has figures of its own (particle trajectories:
// particles, four frames coloured by speed, and the animation
// particles.gif) adds them, from the data file its config.toml names; a
// run without a model draws only those.
//
// A figure with nothing to draw (a train_log.csv without epochs, values
// that are all zero on a log axis) is left out with a note to opts.Log. It
// returns the files written.
func Plot(runDir string, opts PlotOptions) ([]string, error) {
	figs := filepath.Join(runDir, "figures")
	var written []string
	add := func(files []string, err error) error {
		written = append(written, files...)
		return err
	}
	run, err := readRunData(runDir)
	if err != nil {
		return nil, err
	}
	if figures := registry[run.solver].figures; figures != nil {
		if err := add(figures(run.output, figs, opts)); err != nil {
			return written, err
		}
	}
	if !run.hasModel {
		if len(written) == 0 {
			return nil, fmt.Errorf("experiments: %s: a run without a model has figures only of particle data; solver %q has none", runDir, run.solver)
		}
		return written, nil
	}
	// Read what the figures need first: a damaged input leaves the old
	// figures in place.
	m, err := ReadMetrics(runDir)
	if err != nil {
		return written, fmt.Errorf("experiments: plot needs the evaluate stage's metrics: %w", err)
	}
	if m.Mesh != nil { // a mesh mover
		return written, add(plotMovedMeshes(runDir, figs, opts))
	}
	if err := add(plotLoss(runDir, figs, opts)); err != nil {
		return written, err
	}
	if len(m.RolloutMSE) > 0 { // a particle model
		return written, add(plotParticleRollout(m, runDir, run.output, figs, opts))
	}
	if err := add(plotPredictions(runDir, figs, opts)); err != nil {
		return written, err
	}
	if len(m.RolloutRelL2) > 0 {
		if err := add(plotRolloutError(m, figs, opts)); err != nil {
			return written, err
		}
	}
	if len(m.SuperResolution) > 0 && len(m.Resolution) > 0 {
		if err := add(plotResolutionError(m, figs, opts)); err != nil {
			return written, err
		}
	}
	if m.LongRollout != nil {
		if err := add(plotLongRollout(m.LongRollout, figs, opts)); err != nil {
			return written, err
		}
	}
	return written, nil
}

// runData is what Plot needs of a run directory's config.toml: the
// solver, the data file and whether the run has a model.
type runData struct {
	solver, output string
	hasModel       bool
}

// readRunData reads runDir/config.toml. Without one (a directory made by
// hand) the run is taken to have a model and data without figures. A data
// file under the run directory the config names is looked up under
// runDir, so a moved run directory still plots.
func readRunData(runDir string) (runData, error) {
	path := filepath.Join(runDir, "config.toml")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return runData{hasModel: true}, nil
	}
	if err != nil {
		return runData{}, fmt.Errorf("experiments: plot: %w", err)
	}
	var c struct {
		RunDir string         `toml:"run_dir"`
		Data   DataConfig     `toml:"data"`
		Model  map[string]any `toml:"model"`
	}
	if _, err := toml.Decode(string(raw), &c); err != nil {
		return runData{}, fmt.Errorf("experiments: %s: %w", path, err)
	}
	out := c.Data.Output
	if rel, err := filepath.Rel(c.RunDir, out); err == nil && c.RunDir != "" && !filepath.IsAbs(rel) && !strings.HasPrefix(rel, "..") {
		out = filepath.Join(runDir, rel)
	}
	return runData{solver: c.Data.Solver, output: out, hasModel: c.Model != nil}, nil
}

// plotRolloutError draws the relative L2 of each rollout step.
func plotRolloutError(m *Metrics, figs string, opts PlotOptions) ([]string, error) {
	steps := make([]float64, len(m.RolloutRelL2))
	for i := range steps {
		steps[i] = float64(i + 1)
	}
	series := []plotting.Series{{Name: "test mean", X: steps, Y: m.RolloutRelL2, Points: true}}
	if p := m.MeshPDE; p != nil && len(p.RolloutPersistence) == len(steps) {
		series = append(series, plotting.Series{Name: "persistence", X: steps, Y: p.RolloutPersistence})
	}
	return writeCurves(filepath.Join(figs, "rollout_error"), plotting.Curves{
		XLabel: "rollout step", YLabel: "relative L2 error", LogY: true, XTicksAtData: len(steps) <= 12, Series: series,
	}, opts)
}

// plotResolutionError draws the relative L2 against the test resolution:
// the training grid's and the zero-shot ones, by increasing resolution.
func plotResolutionError(m *Metrics, figs string, opts PlotOptions) ([]string, error) {
	pts := map[float64]float64{float64(m.Resolution[0]): m.TestRelL2}
	for k, v := range m.SuperResolution {
		if r, err := strconv.Atoi(k); err == nil {
			pts[float64(r)] = v
		}
	}
	var xs, ys []float64
	for x := range pts {
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	for _, x := range xs {
		ys = append(ys, pts[x])
	}
	return writeCurves(filepath.Join(figs, "resolution_error"), plotting.Curves{
		XLabel: "test resolution (points per axis)", YLabel: "relative L2 error", LogX: true, LogY: true, XTicksAtData: true,
		Series: []plotting.Series{{Name: fmt.Sprintf("trained at %d", m.Resolution[0]), X: xs, Y: ys, Points: true}},
	}, opts)
}

// plotLoss draws train_log.csv. A log without epochs (header only, or
// empty) has nothing to draw: the figure is left out with a note.
func plotLoss(runDir, figs string, opts PlotOptions) ([]string, error) {
	path := filepath.Join(runDir, "train_log.csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("experiments: plot needs the train stage's train_log.csv: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("experiments: plot: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // a line cut short by a killed run is skipped, not fatal
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("experiments: %s: %w", path, err)
	}
	var epochs, train, test []float64
	for i, r := range rows {
		if i == 0 || len(r) < 5 {
			continue
		}
		e, err1 := strconv.ParseFloat(r[0], 64)
		tr, err2 := strconv.ParseFloat(r[3], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		te, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			te = math.NaN() // no test evaluation that epoch
		}
		epochs, train, test = append(epochs, e), append(train, tr), append(test, te)
	}
	if len(epochs) == 0 {
		notef(opts.Log, "plot: loss figure left out: %s holds no epochs (expected a header and one line per epoch, found %d lines)", path, len(rows))
		return nil, nil
	}
	evaluated := 0
	for _, v := range test {
		if !math.IsNaN(v) {
			evaluated++
		}
	}
	return writeCurves(filepath.Join(figs, "loss"), plotting.Curves{
		XLabel: "epoch (pinn, lpinn: optimizer step)", YLabel: "train loss; test relative L2", LogY: true,
		Series: []plotting.Series{{Name: "train loss", X: epochs, Y: train}, {Name: "test error", X: epochs, Y: test, Points: evaluated <= 60}},
	}, opts)
}

// writeCurves is plotting.WriteCurves for Plot's figures: a figure whose
// series hold no point that its axes can show (on a log axis: no positive
// finite value) is left out with a note instead of being drawn empty, and
// a failure inside the plotting library becomes an error naming the
// figure.
func writeCurves(base string, c plotting.Curves, opts PlotOptions) (files []string, err error) {
	shown, dropped := 0, 0
	for _, s := range c.Series {
		for i := range s.X {
			x, y := s.X[i], s.Y[i]
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || (c.LogY && y <= 0) || (c.LogX && x <= 0) {
				dropped++
				continue
			}
			shown++
		}
	}
	name := filepath.Base(base)
	if shown == 0 {
		axis := ""
		if c.LogX || c.LogY {
			axis = " (a log axis shows only positive values)"
		}
		notef(opts.Log, "plot: %s figure left out: none of its %d values can be drawn%s", name, dropped, axis)
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("experiments: drawing the %s figure: %v", name, r)
		}
	}()
	return plotting.WriteCurves(base, c, opts.Formats)
}

// writeFieldPanels is plotting.WriteFieldPanels with a failure inside the
// plotting library turned into an error.
func writeFieldPanels(base, title string, truth, pred plotting.Field, formats []string) (files []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("experiments: drawing the %s figure: %v", filepath.Base(base), r)
		}
	}()
	return plotting.WriteFieldPanels(base, title, truth, pred, formats)
}

// notef writes one note line to w (nil: nowhere).
func notef(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// plotPredictions draws predictions.h5: sample curves (1-D) or field
// panels (2-D), and the energy spectra.
func plotPredictions(runDir, figs string, opts PlotOptions) ([]string, error) {
	p, err := readPredictions(filepath.Join(runDir, "predictions.h5"))
	if err != nil {
		return nil, err
	}
	var written, files []string
	if len(p.spatial) == 1 {
		files, err = p.plotSamples(figs, opts)
	} else {
		files, err = p.plotFields(figs, opts)
	}
	written = append(written, files...)
	if err != nil {
		return written, err
	}
	if p.physicsInformed {
		return written, nil // a spectrum over (t, x) means nothing
	}
	files, err = p.plotSpectrum(figs, opts)
	return append(written, files...), err
}

// storedPredictions are the truth and predictions of predictions.h5,
// [samples, x, (y,) channels] each.
type storedPredictions struct {
	truth, pred []float64
	n, ch       int   // samples and channels
	spatial     []int // the grid
	size        int   // points of the grid
	producer    string
	// physicsInformed: each sample is one (t, x) field.
	physicsInformed bool
}

// readPredictions reads and checks predictions.h5.
func readPredictions(path string) (*storedPredictions, error) {
	f, err := datasets.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: plot needs the evaluate stage's predictions.h5: %w", err)
	}
	defer f.Close()
	truth, shape, err := datasets.Read[float64](f.Group, "truth")
	if err != nil {
		return nil, err
	}
	pred, pshape, err := datasets.Read[float64](f.Group, "prediction")
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(shape, pshape) || len(shape) < 3 || len(shape) > 4 {
		return nil, fmt.Errorf("experiments: %s: truth %v and prediction %v, expected equal [samples, x, (y,) channels]", path, shape, pshape)
	}
	producer, _ := f.AttrString("producer")
	p := &storedPredictions{truth: truth, pred: pred, n: shape[0], ch: shape[len(shape)-1], spatial: shape[1 : len(shape)-1],
		producer: producer, physicsInformed: modelFamilies[producer].fieldAxes == "t x"}
	p.size = tensor.Size(p.spatial)
	if p.n < 1 || p.ch < 1 || p.size < 1 {
		return nil, fmt.Errorf("experiments: %s: truth and prediction %v hold no values, expected [samples >= 1, x, (y,) channels >= 1]", path, shape)
	}
	return p, nil
}

// field returns the last channel of sample i of v (truth or pred): the
// final rollout frame.
func (p *storedPredictions) field(v []float64, i int) []float64 {
	out := make([]float64, p.size)
	for j := range out {
		out[j] = v[(i*p.size+j)*p.ch+p.ch-1]
	}
	return out
}

// plotSamples draws truth and prediction of the first three 1-D samples.
func (p *storedPredictions) plotSamples(figs string, opts PlotOptions) ([]string, error) {
	x := make([]float64, p.size)
	for i := range x {
		x[i] = float64(i) / float64(p.size)
	}
	var series []plotting.Series
	for i := 0; i < min(p.n, 3); i++ {
		series = append(series,
			plotting.Series{X: x, Y: p.field(p.truth, i)},
			plotting.Series{X: x, Y: p.field(p.pred, i), Dashed: true})
	}
	return writeCurves(filepath.Join(figs, "samples"), plotting.Curves{XLabel: "x", YLabel: "u",
		Series: series, Legend: []string{"truth", "prediction"}}, opts)
}

// plotFields draws truth, prediction and error of the first 2-D sample.
func (p *storedPredictions) plotFields(figs string, opts PlotOptions) ([]string, error) {
	title, xl, yl := "first test sample", "x", "y"
	if p.ch > 1 {
		title = "first test sample, last predicted frame"
	}
	if p.physicsInformed {
		// Stored [t, x]: draw t along the horizontal axis.
		title, xl, yl = p.producer+" vs the solver over (t, x)", "t / T", "x / 2 pi"
	}
	nx, ny := p.spatial[0], p.spatial[1]
	return writeFieldPanels(filepath.Join(figs, "fields"), title,
		plotting.Field{NX: nx, NY: ny, Values: p.field(p.truth, 0), XLabel: xl, YLabel: yl},
		plotting.Field{NX: nx, NY: ny, Values: p.field(p.pred, 0)}, opts.Formats)
}

// plotSpectrum draws the energy spectra of truth and prediction, averaged
// over the samples.
func (p *storedPredictions) plotSpectrum(figs string, opts PlotOptions) ([]string, error) {
	var kt, et, ep []float64
	for i := 0; i < p.n; i++ {
		k, a := EnergySpectrum(p.field(p.truth, i), p.spatial)
		_, b := EnergySpectrum(p.field(p.pred, i), p.spatial)
		if et == nil {
			kt, et, ep = k, make([]float64, len(a)), make([]float64, len(b))
		}
		for j := range a {
			et[j] += a[j] / float64(p.n)
			ep[j] += b[j] / float64(p.n)
		}
	}
	// Leave out k = 0 (the mean) on log axes.
	return writeCurves(filepath.Join(figs, "spectrum"), plotting.Curves{
		XLabel: "wavenumber k", YLabel: "energy E(k)", LogX: true, LogY: true, YDecades: 12,
		Series: []plotting.Series{{Name: "truth", X: kt[1:], Y: et[1:]}, {Name: "prediction", X: kt[1:], Y: ep[1:], Dashed: true}},
	}, opts)
}

// EnergySpectrum returns E(k) = sum over |k'| in [k - 1/2, k + 1/2) of
// |u_hat(k')|^2 / 2 (orthonormal DFT, integer wavenumbers k = 0..N/2) of
// a 1-D or 2-D periodic field on the grid spatial; in 1-D each k is one
// wavenumber with its conjugate.
func EnergySpectrum(u []float64, spatial []int) (k, e []float64) {
	x := tensor.FromSlice(append([]float64(nil), u...), spatial...)
	uh := tensor.RFFTN(x, len(spatial))
	norm := 1 / float64(tensor.Size(spatial))
	kmax := spatial[0] / 2
	for _, n := range spatial {
		kmax = min(kmax, n/2)
	}
	e = make([]float64, kmax+1)
	eachMode(uh, spatial, func(c complex128, k2, weight float64) {
		p := (real(c)*real(c) + imag(c)*imag(c)) * norm
		if shell := int(math.Round(math.Sqrt(k2))); shell <= kmax {
			e[shell] += weight * p / 2
		}
	})
	k = make([]float64, kmax+1)
	for i := range k {
		k[i] = float64(i)
	}
	return k, e
}

// eachMode calls fn for every coefficient c of a real field's half
// spectrum fh (tensor.RFFTN over the grid spatial) with its squared
// integer wavenumber |k|^2 and its weight in sums over the full spectrum:
// 2 for the half axis' interior (its conjugate is not stored), 1 for its
// zero and Nyquist planes.
func eachMode(fh *tensor.CTensor[float64], spatial []int, fn func(c complex128, k2, weight float64)) {
	shape := fh.Shape()
	last, full := shape[len(shape)-1], spatial[len(spatial)-1]
	for j := 0; j < fh.Len(); j++ {
		rem := j
		kl := rem % last
		rem /= last
		weight := 2.0
		if kl == 0 || 2*kl == full {
			weight = 1
		}
		k2 := float64(kl * kl)
		for a := len(shape) - 2; a >= 0; a-- {
			ka := rem % shape[a]
			rem /= shape[a]
			if ka > shape[a]/2 {
				ka -= shape[a]
			}
			k2 += float64(ka * ka)
		}
		fn(fh.At(j), k2, weight)
	}
}
