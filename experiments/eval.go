package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Metrics is what the evaluate stage writes to metrics.json.
type Metrics struct {
	TestRelL2    float64 `json:"test_rel_l2"`     // mean per-sample relative L2 (FNO's definition)
	TestRelL2Std float64 `json:"test_rel_l2_std"` // standard deviation over samples
	TestRelL2Max float64 `json:"test_rel_l2_max"`
	TestSamples  int     `json:"test_samples"`
	Resolution   []int   `json:"resolution"` // grid the model was evaluated on
	// SuperResolution maps a resolution to the mean relative L2 on test
	// samples regenerated there (zero-shot).
	SuperResolution map[string]float64 `json:"super_resolution,omitempty"`
	// RolloutRelL2[k] is the mean relative L2 of predicted frame k+1 of a
	// rollout (test_rel_l2 is then over the whole predicted trajectory).
	RolloutRelL2 []float64 `json:"rollout_rel_l2,omitempty"`
	Params       int       `json:"params"`
	TrainSeconds float64   `json:"train_seconds"`
	// Seconds per sample: the model's batched inference and the solver
	// regenerating the same samples; Speedup = solver / model.
	InferenceSecondsPerSample float64 `json:"inference_seconds_per_sample"`
	SolverSecondsPerSample    float64 `json:"solver_seconds_per_sample"`
	Speedup                   float64 `json:"speedup"`
}

// Evaluate runs the evaluate stage: loads the last checkpoint, predicts the
// test set, and writes run_dir/metrics.json and run_dir/predictions.h5.
func Evaluate(ctx context.Context, cfg *Config) (*Metrics, error) {
	if !cfg.hasModel {
		return nil, fmt.Errorf("experiments: %s has no [model] and [train] sections", cfg.path)
	}
	return cfg.family().evaluate(ctx, cfg)
}

// evaluateGrid is Evaluate for a grid operator: the test pairs, the
// subsampled grids, the re-solved resolutions and the solver's time.
func evaluateGrid(ctx context.Context, cfg *Config) (*Metrics, error) {
	if err := checkEvalCounts(cfg); err != nil {
		return nil, err
	}
	p, err := loadPairs(cfg, cfg.Train.Subsample)
	if err != nil {
		return nil, err
	}
	model, _, err := buildModel(cfg, p.spatial)
	if err != nil {
		return nil, err
	}
	if _, err := nn.LoadCheckpoint(checkpointPath(cfg), model.Params()); err != nil {
		return nil, fmt.Errorf("experiments: loading the trained model (run `simulate train` first): %w", err)
	}
	norm, err := loadNormalizers(cfg)
	if err != nil {
		return nil, err
	}
	nAll := p.x.Dim(0)
	idx := make([]int, p.nTest)
	for i := range idx {
		idx[i] = nAll - p.nTest + i
	}
	gather := func(src *tensor.Tensor[float32]) *tensor.Tensor[float32] {
		out := tensor.New[float32](append([]int{len(idx)}, src.Shape()[1:]...)...)
		datasets.GatherSamples(src.Data(), src.Len()/src.Dim(0), idx, out.Data())
		return out
	}
	xs, err := norm.encodedInputs(gather(p.x))
	if err != nil {
		return nil, err
	}
	truth := gather(p.y)
	predict := func(x *tensor.Tensor[float32], spatial []int) (*tensor.Tensor[float32], error) {
		var out *tensor.Tensor[float32]
		var ferr error
		autograd.NoGrad(func() {
			n := x.Dim(0)
			step := max(cfg.Train.Batch, 1)
			parts := []*tensor.Tensor[float32]{}
			for lo := 0; lo < n; lo += step {
				hi := min(lo+step, n)
				xb := tensor.FromSlice(x.Data()[lo*x.Len()/n:hi*x.Len()/n], append([]int{hi - lo}, x.Shape()[1:]...)...)
				y, err := rollout(model, autograd.Const(xb), cfg.steps(), norm, spatial)
				if err != nil {
					ferr = err
					return
				}
				parts = append(parts, y.Value)
			}
			out = tensor.Concat(0, parts...)
		})
		return out, ferr
	}
	start := time.Now()
	pred, err := predict(xs, p.spatial)
	if err != nil {
		return nil, err
	}
	infer := time.Since(start).Seconds() / float64(p.nTest)
	if err := checkFinitePredictions(pred.Data(), p.nTest, ""); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	errs := nn.RelL2PerSample(pred, truth)
	m := &Metrics{TestSamples: p.nTest, Resolution: p.spatial, Params: nn.CountParams(model.Params()), InferenceSecondsPerSample: infer}
	m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max = stats(errs)
	if steps := cfg.steps(); steps > 1 {
		for k := 0; k < steps; k++ {
			pk := tensor.Slice(pred, -1, k, k+1)
			tk := tensor.Slice(truth, -1, k, k+1)
			mean, _, _ := stats(nn.RelL2PerSample(pk, tk))
			m.RolloutRelL2 = append(m.RolloutRelL2, mean)
		}
	}
	if s, err := readTrainSummary(cfg); err == nil {
		m.TrainSeconds = s.Seconds
	}
	// The solver on the same test samples.
	k := min(cfg.Eval.SolverSamples, len(idx))
	t0 := time.Now()
	for j := 0; j < k; j++ {
		if _, err := cfg.gen.sample(ctx, cfg.Seed, idx[j]); err != nil {
			return nil, err
		}
	}
	if k > 0 {
		m.SolverSecondsPerSample = time.Since(t0).Seconds() / float64(k)
	}
	if infer > 0 {
		m.Speedup = m.SolverSecondsPerSample / infer
	}
	// Zero-shot on finer stored grids of the same test samples.
	for _, k := range cfg.Eval.Subsamples {
		q, err := loadPairs(cfg, k)
		if err != nil {
			return nil, err
		}
		if norm.x != nil && norm.x.Points() > 1 {
			return nil, fmt.Errorf("experiments: eval.subsamples needs normalize = none or gaussian-global (pointwise statistics are tied to the training grid)")
		}
		qx := tensor.New[float32](append([]int{len(idx)}, q.x.Shape()[1:]...)...)
		qy := tensor.New[float32](append([]int{len(idx)}, q.y.Shape()[1:]...)...)
		datasets.GatherSamples(q.x.Data(), q.xSize(), idx, qx.Data())
		datasets.GatherSamples(q.y.Data(), q.ySize(), idx, qy.Data())
		qxs, err := norm.encodedInputs(qx)
		if err != nil {
			return nil, err
		}
		qp, err := predict(qxs, q.spatial)
		if err != nil {
			return nil, err
		}
		if err := checkFinitePredictions(qp.Data(), len(idx), fmt.Sprintf("on the stored grid subsampled by %d", k)); err != nil {
			return nil, fmt.Errorf("experiments: eval.subsamples: %w", err)
		}
		mean, _, _ := stats(nn.RelL2PerSample(qp, qy))
		if m.SuperResolution == nil {
			m.SuperResolution = map[string]float64{}
		}
		m.SuperResolution[fmt.Sprint(q.spatial[0])] = mean
	}
	// Zero-shot super-resolution: regenerate test samples at each
	// resolution (the grid-independent random fields make them the same
	// functions) and evaluate the model there.
	for _, res := range cfg.Eval.Resolutions {
		e, err := superResolution(ctx, cfg, res, idx, norm, predict)
		if err != nil {
			return nil, fmt.Errorf("experiments: super-resolution at %d: %w", res, err)
		}
		if m.SuperResolution == nil {
			m.SuperResolution = map[string]float64{}
		}
		m.SuperResolution[fmt.Sprint(res)] = e
	}
	if err := commitEvaluation(cfg, xs, truth, pred, m); err != nil {
		return nil, err
	}
	return m, nil
}

// checkEvalCounts refuses sample counts that would make evaluation index
// outside the test set (config validation should catch them first).
func checkEvalCounts(cfg *Config) error {
	e := cfg.Eval
	if len(e.Resolutions) > 0 && e.SuperresSamples < 1 {
		return fmt.Errorf("experiments: %s: eval.superres_samples must be at least 1 to evaluate eval.resolutions %v, found %d",
			cfg.path, e.Resolutions, e.SuperresSamples)
	}
	if e.SolverSamples < 0 {
		return fmt.Errorf("experiments: %s: eval.solver_samples must be at least 0, found %d", cfg.path, e.SolverSamples)
	}
	return nil
}

func stats(v []float64) (mean, std, mx float64) {
	for _, x := range v {
		mean += x
		mx = math.Max(mx, x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v))), mx
}

// superResolution regenerates up to SuperresSamples test samples with the
// solver at resolution res (time step scaled to keep the CFL number) and
// returns the model's mean relative L2 there.
func superResolution(ctx context.Context, cfg *Config, res int, idx []int, norm *normalizers,
	predict func(*tensor.Tensor[float32], []int) (*tensor.Tensor[float32], error)) (float64, error) {
	if norm.x != nil && norm.x.Points() > 1 {
		return 0, fmt.Errorf("pointwise normalizers are tied to the training grid; use gaussian-global or none for super-resolution")
	}
	hi := *cfg
	hi.Data.Resolution = res
	hi.Data.Subsample = 1
	hi.Data.Dt = cfg.Data.Dt * float64(cfg.Data.Resolution) / float64(res)
	md, err := toml.Decode(cfg.text, &Config{})
	if err != nil {
		return 0, err
	}
	gen, err := registry[cfg.Data.Solver].build(&hi, md)
	if err != nil {
		return 0, err
	}
	n := min(cfg.Eval.SuperresSamples, len(idx))
	if n < 1 {
		return 0, fmt.Errorf("no samples to regenerate: eval.superres_samples = %d, %d test samples", cfg.Eval.SuperresSamples, len(idx))
	}
	var fields []fieldSpec = gen.fields()
	per := 1
	for _, s := range fields[len(fields)-1].shape[1:] {
		per *= s
	}
	spatial := fields[len(fields)-1].shape[1:]
	if gen.layout() == datasets.LayoutDarcy {
		spatial = fields[0].shape
		per = tensor.Size(spatial)
	}
	x := tensor.New[float32](append(append([]int{n}, spatial...), 1)...)
	y := tensor.New[float32](append(append([]int{n}, spatial...), 1)...)
	for j := 0; j < n; j++ {
		f, err := gen.sample(ctx, cfg.Seed, idx[j])
		if err != nil {
			return 0, err
		}
		var a, u []float32
		if gen.layout() == datasets.LayoutDarcy {
			a, u = f["nu"], f["tensor"]
		} else {
			t := f["tensor"]
			a, u = t[:per], t[len(t)-per:]
		}
		copy(x.Data()[j*per:(j+1)*per], a)
		copy(y.Data()[j*per:(j+1)*per], u)
	}
	xs, err := norm.encodedInputs(x)
	if err != nil {
		return 0, err
	}
	pred, err := predict(xs, spatial)
	if err != nil {
		return 0, err
	}
	if err := checkFinitePredictions(pred.Data(), n, ""); err != nil {
		return 0, err
	}
	mean, _, _ := stats(nn.RelL2PerSample(pred, y))
	return mean, nil
}

// commitEvaluation replaces predictions.h5 and metrics.json together:
// both are written completely under staging names first (the metrics
// checked finite before anything is written), then renamed into place,
// metrics.json last. A failure at any point leaves the previous outputs
// byte-identical and removes the staged files.
func commitEvaluation(cfg *Config, x, y, pred *tensor.Tensor[float32], m *Metrics) (err error) {
	if err := checkFiniteMetrics(m); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("experiments: encoding metrics.json: %w", err)
	}
	dir := cfg.RunDir()
	predPath, metricsPath := filepath.Join(dir, "predictions.h5"), filepath.Join(dir, "metrics.json")
	predNew, metricsNew := predPath+stagedSuffix, metricsPath+stagedSuffix
	defer func() {
		if err != nil {
			os.Remove(predNew)
			os.Remove(metricsNew)
		}
	}()
	if err := writePredictions(cfg, predNew, x, y, pred); err != nil {
		return err
	}
	if err := writeSynced(metricsNew, append(raw, '\n')); err != nil {
		return fmt.Errorf("experiments: writing %s: %w", metricsPath, err)
	}
	if err := os.Rename(predNew, predPath); err != nil {
		return fmt.Errorf("experiments: replacing %s: %w", predPath, err)
	}
	if err := os.Rename(metricsNew, metricsPath); err != nil {
		return fmt.Errorf("experiments: replacing %s: %w", metricsPath, err)
	}
	syncDir(dir)
	return nil
}

// stagedSuffix names an output written completely but not yet put in
// place (predictions.h5.new, metrics.json.new).
const stagedSuffix = ".new"

// writePredictions stores inputs, truth and predictions of the test set in
// path (through path.tmp, renamed when complete).
func writePredictions(cfg *Config, path string, x, y, pred *tensor.Tensor[float32]) error {
	f, err := datasets.Create(path)
	if err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		t    *tensor.Tensor[float32]
	}{{"input", x}, {"truth", y}, {"prediction", pred}} {
		if err := datasets.Write(f.Group, d.name, d.t.Shape(), d.t.Data(), nil); err != nil {
			f.Abort()
			return err
		}
	}
	if err := f.SetProvenance(datasets.Provenance{Kind: "evaluation", Name: cfg.Model.Kind, Seed: int64(cfg.Seed), Config: cfg.text}); err != nil {
		f.Abort()
		return err
	}
	return f.Close()
}
