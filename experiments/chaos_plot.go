package experiments

import (
	"fmt"
	"path/filepath"

	"github.com/surrogo/surrogo/plotting"
)

// plotLongRollout draws the long-rollout figures: the error per step
// against persistence, the spectra and value densities of truth and
// prediction at the compare steps, and the mean square and energy per
// step.
func plotLongRollout(r *LongRollout, figs string, opts PlotOptions) ([]string, error) {
	var written []string
	for _, fig := range []func(*LongRollout, string, PlotOptions) ([]string, error){
		plotLongRolloutError, plotLongRolloutSpectra, plotLongRolloutPDF, plotLongRolloutEnergy,
	} {
		files, err := fig(r, figs, opts)
		written = append(written, files...)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

func stepAxis(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i + 1)
	}
	return x
}

func plotLongRolloutError(r *LongRollout, figs string, opts PlotOptions) ([]string, error) {
	x := stepAxis(r.Steps)
	return writeCurves(filepath.Join(figs, "long_rollout_error"), plotting.Curves{
		XLabel: "rollout step", YLabel: "relative L2 error", LogY: true,
		Series: []plotting.Series{{Name: "model", X: x, Y: r.RelL2}, {Name: "persistence", X: x, Y: r.Persistence, Dashed: true}},
	}, opts)
}

func plotLongRolloutSpectra(r *LongRollout, figs string, opts PlotOptions) ([]string, error) {
	var series []plotting.Series
	for _, s := range r.Spectra {
		if len(s.K) < 2 {
			continue
		}
		series = append(series,
			plotting.Series{Name: fmt.Sprintf("step %d", s.Step), X: s.K[1:], Y: s.Truth[1:]},
			plotting.Series{X: s.K[1:], Y: s.Pred[1:], Dashed: true})
	}
	return writeCurves(filepath.Join(figs, "long_rollout_spectra"), plotting.Curves{
		XLabel: "wavenumber k", YLabel: "E(k)", LogX: true, LogY: true, YDecades: 12,
		Series: series, Legend: []string{"truth", "prediction"},
	}, opts)
}

func plotLongRolloutPDF(r *LongRollout, figs string, opts PlotOptions) ([]string, error) {
	var series []plotting.Series
	for _, h := range r.Histograms {
		mid := make([]float64, len(h.Truth))
		for i := range mid {
			mid[i] = (h.Edges[i] + h.Edges[i+1]) / 2
		}
		series = append(series,
			plotting.Series{Name: fmt.Sprintf("step %d", h.Step), X: mid, Y: h.Truth},
			plotting.Series{X: mid, Y: h.Pred, Dashed: true})
	}
	return writeCurves(filepath.Join(figs, "long_rollout_pdf"), plotting.Curves{
		XLabel: "value", YLabel: "probability density", LogY: true, YDecades: 6,
		Series: series, Legend: []string{"truth", "prediction"},
	}, opts)
}

func plotLongRolloutEnergy(r *LongRollout, figs string, opts PlotOptions) ([]string, error) {
	x := stepAxis(r.Steps)
	return writeCurves(filepath.Join(figs, "long_rollout_energy"), plotting.Curves{
		XLabel: "rollout step", YLabel: "energy and mean square", LogY: true,
		Series: []plotting.Series{
			{Name: "energy", X: x, Y: r.EnergyTruth}, {X: x, Y: r.EnergyPred, Dashed: true},
			{Name: "mean square", X: x, Y: r.MeanSquareTruth}, {X: x, Y: r.MeanSquarePred, Dashed: true},
		},
		Legend: []string{"truth", "prediction"},
	}, opts)
}

// PlotLongRolloutComparison draws, into base.{png,svg,...}, the relative
// L2 per rollout step of every run that evaluated a long rollout (named
// by labels, one per run) with persistence (repeating the last input
// frame) from the first such run: the figure of a comparison of models on
// one dataset. Runs without a long rollout are left out.
//
// Particle models (no long rollout, a rollout MSE per step) get their
// position MSE per step instead.
func PlotLongRolloutComparison(runs []*Metrics, labels []string, base string, opts PlotOptions) ([]string, error) {
	var series []plotting.Series
	var persistence *LongRollout
	for i, m := range runs {
		r := m.LongRollout
		if r == nil || r.Steps == 0 {
			continue
		}
		if persistence == nil {
			persistence = r
		}
		series = append(series, plotting.Series{Name: labels[i], X: stepAxis(r.Steps), Y: r.RelL2})
	}
	if persistence == nil {
		if particles := particleRolloutSeries(runs, labels); len(particles) > 0 {
			return writeCurves(base, plotting.Curves{XLabel: "rollout step", YLabel: "position MSE", LogY: true, Series: particles}, opts)
		}
		return nil, fmt.Errorf("experiments: none of the %d runs evaluated a long rollout (eval.rollout_steps)", len(runs))
	}
	series = append(series, plotting.Series{Name: "persistence", X: stepAxis(persistence.Steps), Y: persistence.Persistence, Dashed: true})
	return writeCurves(base, plotting.Curves{XLabel: "rollout step", YLabel: "relative L2 error", LogY: true, Series: series}, opts)
}

// particleRolloutSeries are the particle models' position MSE per
// rollout step over every particle (a reduced-order model's
// reconstructed), and for a reduced-order model its subset's, dashed;
// a reduced-order model's label gains its sampling percentage.
func particleRolloutSeries(runs []*Metrics, labels []string) []plotting.Series {
	var series []plotting.Series
	for i, m := range runs {
		if len(m.RolloutMSE) == 0 {
			continue
		}
		all := m.RolloutMSE
		if m.Sparse != nil {
			all = m.Sparse.DenseRolloutMSE
		}
		name := labels[i]
		if m.Sparse != nil { // runs of one family differ by their sampling
			name = fmt.Sprintf("%s %.3g%%", name, 100*m.Sparse.Sampling)
		}
		series = append(series, plotting.Series{Name: name, X: stepAxis(len(all)), Y: all})
		if m.Sparse != nil {
			series = append(series, plotting.Series{Name: name + " (its subset)", X: stepAxis(len(m.RolloutMSE)), Y: m.RolloutMSE, Dashed: true})
		}
	}
	return series
}
