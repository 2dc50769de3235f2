package experiments

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// LongRollout is the evaluation of a long autoregressive rollout, the way
// chaotic flows are judged: a rollout soon decorrelates from the truth, so
// besides the error per step it asks whether the predicted fields keep
// the statistics of the true ones. Every test trajectory is rolled out
// from its first t_in frames for Steps frames; values are means over the
// test trajectories (the first variable of each frame for statistics).
//
//	rel_l2[k]          relative L2 of predicted frame k+1
//	persistence[k]     relative L2 of repeating the last input frame
//	spectrum_distance  log-spectral distance at the compare steps:
//	                   sqrt(mean over shells 1..K of (ln E_pred(k) - ln E_true(k))^2),
//	                   E the shell-summed spectrum averaged over trajectories
//	pdf_distance       Wasserstein-1 distance between the pooled values of
//	                   prediction and truth, divided by the truth's std
//	mean_square        (1/2) <f^2> per step (the enstrophy when f is vorticity)
//	energy             (1/2) sum over k != 0 of |f_k|^2 / |k|^2, k in units of
//	                   2 pi / L (the kinetic energy when f is vorticity on a
//	                   2 pi box), per step
type LongRollout struct {
	Steps            int       `json:"steps"`
	RelL2            []float64 `json:"rel_l2"`
	Persistence      []float64 `json:"persistence_rel_l2"`
	CompareSteps     []int     `json:"compare_steps"`
	SpectrumDistance []float64 `json:"spectrum_distance"`
	PDFDistance      []float64 `json:"pdf_distance"`
	// The spectra and value histograms at the compare steps, for figures.
	Spectra    []SpectrumPair  `json:"spectra"`
	Histograms []HistogramPair `json:"histograms"`
	// Per-step means and their averages over the rollout (truth, prediction).
	MeanSquareTruth []float64 `json:"mean_square_truth"`
	MeanSquarePred  []float64 `json:"mean_square_prediction"`
	EnergyTruth     []float64 `json:"energy_truth"`
	EnergyPred      []float64 `json:"energy_prediction"`
	TimeAveraged    struct {
		MeanSquareTruth, MeanSquarePred, EnergyTruth, EnergyPred float64
	} `json:"time_averaged"`
}

// SpectrumPair is the shell spectrum of truth and prediction at one step.
type SpectrumPair struct {
	Step  int       `json:"step"`
	K     []float64 `json:"k"`
	Truth []float64 `json:"truth"`
	Pred  []float64 `json:"prediction"`
}

// HistogramPair is the density of the values of truth and prediction at
// one step, on shared bins (edges, one more than the densities).
type HistogramPair struct {
	Step  int       `json:"step"`
	Edges []float64 `json:"edges"`
	Truth []float64 `json:"truth"`
	Pred  []float64 `json:"prediction"`
}

// histogramBins is the number of bins of the stored value densities.
const histogramBins = 60

// evaluateLongRollout rolls every test trajectory out for
// eval.rollout_steps frames and records LongRollout in m.
func (e *gridEvaluation) evaluateLongRollout(ctx context.Context, m *Metrics) error {
	cfg := e.cfg
	steps := cfg.Eval.RolloutSteps
	if steps == 0 {
		return nil
	}
	task := cfg.gridTask(cfg.Train.Subsample)
	task.Out, task.Windows = steps, false
	src, err := datasets.OpenGridSource(cfg.dataPath(), task)
	if err != nil {
		return fmt.Errorf("experiments: eval.rollout_steps: %w", err)
	}
	defer src.Close()
	n := src.Samples()
	test := seq(n-e.data.nTest, n)
	acc := newRolloutStats(steps, cfg.Eval.CompareSteps, e.data.variables(), e.data.spatial)
	err = datasets.ScanSamples(ctx, src, test, max(cfg.Train.Batch, 1), func(b *datasets.Batch) error {
		var pred *autograd.Var[float32]
		var ferr error
		autograd.NoGrad(func() {
			pred, ferr = rollout(e.model, autograd.Const(b.Input), steps, e.data.variables(), e.norm, e.data.spatial)
		})
		if ferr != nil {
			return ferr
		}
		if err := checkFinitePredictions(pred.Value.Data(), b.Len(), fmt.Sprintf("in the %d-step rollout", steps)); err != nil {
			return err
		}
		acc.add(b.Input, b.Target, pred.Value)
		return nil
	})
	if err != nil {
		return err
	}
	m.LongRollout = acc.result(len(test))
	return nil
}

// rolloutStats accumulates LongRollout over batches of trajectories.
type rolloutStats struct {
	steps, c int
	spatial  []int
	compare  []int
	relL2    []float64 // sums over trajectories
	persist  []float64
	msTruth  []float64
	msPred   []float64
	enTruth  []float64
	enPred   []float64
	specT    [][]float64 // per compare step
	specP    [][]float64
	valsT    [][]float64 // pooled values per compare step
	valsP    [][]float64
}

func newRolloutStats(steps int, compare []int, c int, spatial []int) *rolloutStats {
	z := func() []float64 { return make([]float64, steps) }
	return &rolloutStats{steps: steps, c: c, spatial: spatial, compare: compare,
		relL2: z(), persist: z(), msTruth: z(), msPred: z(), enTruth: z(), enPred: z(),
		specT: make([][]float64, len(compare)), specP: make([][]float64, len(compare)),
		valsT: make([][]float64, len(compare)), valsP: make([][]float64, len(compare))}
}

// add accumulates one batch: inputs [B, s..., t_in*C], truth and
// prediction [B, s..., steps*C].
func (r *rolloutStats) add(in, truth, pred *tensor.Tensor[float32]) {
	c, tin := r.c, in.Dim(in.Rank()-1)
	last := tensor.Slice(in, -1, tin-c, tin)
	for k := 0; k < r.steps; k++ {
		tk := tensor.Slice(truth, -1, k*c, (k+1)*c)
		pk := tensor.Slice(pred, -1, k*c, (k+1)*c)
		for _, v := range nn.RelL2PerSample(pk, tk) {
			r.relL2[k] += v
		}
		for _, v := range nn.RelL2PerSample(last, tk) {
			r.persist[k] += v
		}
		ci := slices.Index(r.compare, k+1)
		for b := 0; b < truth.Dim(0); b++ {
			ft, fp := firstVariable(tk, b, c), firstVariable(pk, b, c)
			ms, en := fieldEnergies(ft, r.spatial)
			r.msTruth[k] += ms
			r.enTruth[k] += en
			ms, en = fieldEnergies(fp, r.spatial)
			r.msPred[k] += ms
			r.enPred[k] += en
			if ci < 0 {
				continue
			}
			_, st := EnergySpectrum(ft, r.spatial)
			_, sp := EnergySpectrum(fp, r.spatial)
			r.specT[ci] = addInto(r.specT[ci], st)
			r.specP[ci] = addInto(r.specP[ci], sp)
			r.valsT[ci] = append(r.valsT[ci], ft...)
			r.valsP[ci] = append(r.valsP[ci], fp...)
		}
	}
}

// firstVariable is variable 0 of sample b of a frame [B, s..., C].
func firstVariable(frame *tensor.Tensor[float32], b, c int) []float64 {
	pts := frame.Len() / frame.Dim(0) / c
	out := make([]float64, pts)
	data := frame.Data()[b*pts*c:]
	for p := range out {
		out[p] = float64(data[p*c])
	}
	return out
}

func addInto(dst, v []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(v))
	}
	for i, x := range v {
		dst[i] += x
	}
	return dst
}

// result divides the sums by the n trajectories and computes the
// distances at the compare steps.
func (r *rolloutStats) result(n int) *LongRollout {
	inv := 1 / float64(n)
	scale := func(v []float64) []float64 {
		for i := range v {
			v[i] *= inv
		}
		return v
	}
	out := &LongRollout{Steps: r.steps, CompareSteps: r.compare,
		RelL2: scale(r.relL2), Persistence: scale(r.persist),
		MeanSquareTruth: scale(r.msTruth), MeanSquarePred: scale(r.msPred), EnergyTruth: scale(r.enTruth), EnergyPred: scale(r.enPred)}
	avg := func(v []float64) float64 { m, _, _ := stats(v); return m }
	out.TimeAveraged.MeanSquareTruth, out.TimeAveraged.MeanSquarePred = avg(out.MeanSquareTruth), avg(out.MeanSquarePred)
	out.TimeAveraged.EnergyTruth, out.TimeAveraged.EnergyPred = avg(out.EnergyTruth), avg(out.EnergyPred)
	for i, step := range r.compare {
		st, sp := scale(r.specT[i]), scale(r.specP[i])
		k := make([]float64, len(st))
		for j := range k {
			k[j] = float64(j)
		}
		out.Spectra = append(out.Spectra, SpectrumPair{Step: step, K: k, Truth: st, Pred: sp})
		out.SpectrumDistance = append(out.SpectrumDistance, logSpectralDistance(st, sp))
		_, sd, _ := stats(r.valsT[i])
		if sd == 0 {
			sd = 1 // a constant truth: the distance in its own units
		}
		out.PDFDistance = append(out.PDFDistance, wasserstein1(r.valsT[i], r.valsP[i])/sd)
		out.Histograms = append(out.Histograms, histogramPair(step, r.valsT[i], r.valsP[i], histogramBins))
	}
	return out
}

// logSpectralDistance is sqrt(mean over shells k >= 1 of (ln a_k - ln
// b_k)^2), over the shells where both spectra are positive (0 when there
// are none).
func logSpectralDistance(a, b []float64) float64 {
	s, n := 0.0, 0
	for k := 1; k < len(a) && k < len(b); k++ {
		if a[k] > 0 && b[k] > 0 {
			d := math.Log(a[k]) - math.Log(b[k])
			s += d * d
			n++
		}
	}
	if n == 0 {
		return 0 // both spectra vanish
	}
	return math.Sqrt(s / float64(n))
}

// wasserstein1 is the Wasserstein-1 distance between the empirical
// distributions of two samples of equal size: the mean absolute
// difference of their sorted values.
func wasserstein1(a, b []float64) float64 {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	s := 0.0
	for i := range x {
		s += math.Abs(x[i] - y[i])
	}
	return s / float64(max(len(x), 1))
}

// histogramPair bins both samples on bins equal bins spanning their
// pooled range, as densities (integrating to 1).
func histogramPair(step int, a, b []float64, bins int) HistogramPair {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range [][]float64{a, b} {
		for _, x := range v {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	width := (hi - lo) / float64(bins)
	edges := make([]float64, bins+1)
	for i := range edges {
		edges[i] = lo + float64(i)*width
	}
	density := func(v []float64) []float64 {
		d := make([]float64, bins)
		for _, x := range v {
			d[min(int((x-lo)/width), bins-1)]++
		}
		for i := range d {
			d[i] /= float64(len(v)) * width
		}
		return d
	}
	return HistogramPair{Step: step, Edges: edges, Truth: density(a), Pred: density(b)}
}

// fieldEnergies returns (1/2) <f^2> and (1/2) sum over k != 0 of
// |f_k|^2 / |k|^2 (f_k the Fourier coefficients of the normalised DFT,
// integer wavenumbers) of a periodic field on the grid spatial.
func fieldEnergies(f []float64, spatial []int) (meanSquare, energy float64) {
	for _, x := range f {
		meanSquare += x * x
	}
	n := float64(len(f))
	meanSquare /= 2 * n
	fh := tensor.RFFTN(tensor.FromSlice(slices.Clone(f), spatial...), len(spatial))
	eachMode(fh, spatial, func(c complex128, k2, weight float64) {
		if k2 > 0 {
			energy += weight * (real(c)*real(c) + imag(c)*imag(c)) / (n * n) / k2
		}
	})
	return meanSquare, energy / 2
}
