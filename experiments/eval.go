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
	// SolverSkipped says why no solver was timed or re-solved: the data
	// came from a file (data.file) that no solver of surrogo made.
	SolverSkipped string `json:"solver_skipped,omitempty"`
	// LongRollout judges a long autoregressive rollout (eval.rollout_steps).
	LongRollout *LongRollout `json:"long_rollout,omitempty"`
	// Particle models: RolloutMSE[k] is the mean squared position error
	// of rolled-out frame k+1 (mean over test trajectories, particles and
	// coordinates), ChamferLast the mean Chamfer distance (mean squared
	// nearest-neighbour distance, both ways) at the last rolled-out frame.
	// Their test_rel_l2 is the relative L2 of the displacement from the
	// last input frame over the rollout, and the seconds per sample are
	// per frame: the model's per step, the solver's per stored frame.
	// RolloutStartFrame is the stored frame the rollouts' input frames
	// begin at (eval.start_frame). ConstantVelocity* are the baseline's
	// MSE per step and displacement error: every particle keeps the
	// velocity of the last two input frames.
	RolloutMSE            []float64 `json:"rollout_mse,omitempty"`
	ChamferLast           float64   `json:"chamfer_last,omitempty"`
	RolloutStartFrame     int       `json:"rollout_start_frame,omitempty"`
	ConstantVelocityMSE   []float64 `json:"constant_velocity_mse,omitempty"`
	ConstantVelocityRelL2 float64   `json:"constant_velocity_rel_l2,omitempty"`
	// Sparse is what a model that advances a subset of the particles
	// (GIOROM) adds; rollout_mse is then over that subset, while
	// test_rel_l2, chamfer_last and the seconds per frame are over every
	// particle (reconstructed, the reconstruction's time included).
	Sparse *SparseMetrics `json:"sparse,omitempty"`
	// Mesh judges a mesh mover; its test_rel_l2 is then the round trip
	// through the moved mesh and inference_seconds_per_sample the seconds
	// per mesh.
	Mesh *MeshMetrics `json:"mesh,omitempty"`
	// MeshPDE judges MM-PDE or its uniform-mesh baseline; its test_rel_l2
	// is the mean one-step error on the stored grid, rollout_rel_l2 the
	// rollout's from eval.start_frame, inference_seconds_per_sample the
	// seconds per step.
	MeshPDE *MeshPDEMetrics `json:"mesh_pde,omitempty"`
}

// MeshMetrics judge a mesh mover over the test fields (means over them
// unless named otherwise): the coefficient of variation of m x cell area
// on the moved and on the uniform mesh (0: perfect equidistribution), the
// tangled meshes, the smallest cell area x (n-1)^2 (1 on the uniform
// mesh), the largest distance of a boundary node from its side, the
// classical mover's largest final residual max |m det(I + H)/theta - 1|,
// and the interpolation round trip stored grid -> mesh -> stored grid
// (relative L2) through the moved and the uniform mesh, over the
// untangled meshes (on a mesh with an inverted cell, a non-convex quad
// included, interpolation is undefined; FirstTangled names the first).
// A network's boundary drift is before its boundary nodes are put back.
type MeshMetrics struct {
	Meshes           int     `json:"meshes"`
	NodesPerAxis     int     `json:"nodes_per_axis"`
	EquiCV           float64 `json:"equidistribution_cv"`
	UniformEquiCV    float64 `json:"uniform_equidistribution_cv"`
	Tangled          int     `json:"tangled"`
	FirstTangled     string  `json:"first_tangled,omitempty"`
	MinArea          float64 `json:"min_area"`
	BoundaryDrift    float64 `json:"boundary_drift"`
	MaxResidual      float64 `json:"max_residual,omitempty"`
	RoundTripMoved   float64 `json:"round_trip_moved"`
	RoundTripUniform float64 `json:"round_trip_uniform"`
	// A network's meshes against the classical mover's of the same
	// fields: the mean node distance in cells of the uniform mesh (and the
	// uniform mesh's own), and the classical meshes' equidistribution CV.
	ReferenceDistance        float64 `json:"reference_distance_cells,omitempty"`
	UniformReferenceDistance float64 `json:"uniform_reference_distance_cells,omitempty"`
	ReferenceEquiCV          float64 `json:"reference_equidistribution_cv,omitempty"`
}

// SparseMetrics judge a reduced-order particle model: the mean fraction
// of particles advanced, the rollout MSE per step over every particle
// reconstructed from them (displacements from the rollout's last input
// frame, where every particle is known), the relative L2 over the subset alone, the
// time-stepper's and the reconstruction's seconds per frame, and the
// reconstruction of every particle from the stored positions of the
// subset (relative L2 of the displacement from the first frame, on every
// tenth frame from the first predicted one to the end, over four subsets
// per test trajectory) against inverse-distance interpolation of the same
// and against the model's interpolant before training; the three per
// test trajectory too (their means weigh a small body as much as a large
// one: at 5% a 99-particle body is reconstructed from 5).
type SparseMetrics struct {
	Sampling             float64   `json:"sampling"`
	DenseRolloutMSE      []float64 `json:"dense_rollout_mse"`
	SubsetRelL2          float64   `json:"subset_rel_l2"`
	StepSecondsPerFrame  float64   `json:"step_seconds_per_frame"`
	ReconSecondsPerFrame float64   `json:"recon_seconds_per_frame"`
	ReconRelL2           float64   `json:"recon_rel_l2"`
	IDWRelL2             float64   `json:"idw_rel_l2"`
	InterpRelL2          float64   `json:"interp_rel_l2"`
	TrajectoryParticles  []int     `json:"trajectory_particles,omitempty"`
	ReconPerTrajectory   []float64 `json:"recon_rel_l2_per_trajectory,omitempty"`
	IDWPerTrajectory     []float64 `json:"idw_rel_l2_per_trajectory,omitempty"`
	InterpPerTrajectory  []float64 `json:"interp_rel_l2_per_trajectory,omitempty"`
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
	e, err := loadGridEvaluation(cfg)
	if err != nil {
		return nil, err
	}
	defer e.data.Close()
	test, m, err := e.evaluateTestSet()
	if err != nil {
		return nil, err
	}
	if s, err := readTrainSummary(cfg); err == nil {
		m.TrainSeconds = s.Seconds
	}
	if err := e.timeSolver(ctx, m); err != nil {
		return nil, err
	}
	if err := e.evaluateStoredGrids(m); err != nil {
		return nil, err
	}
	if err := e.evaluateResolutions(ctx, m); err != nil {
		return nil, err
	}
	if err := e.evaluateLongRollout(ctx, m); err != nil {
		return nil, err
	}
	if err := commitEvaluation(cfg, test.x, test.truth, test.pred, m); err != nil {
		return nil, err
	}
	return m, nil
}

// gridEvaluation is a trained grid operator with what evaluating it
// needs: its normalizers, the stored data and the test samples.
type gridEvaluation struct {
	cfg       *Config
	model     operator
	norm      *normalizers
	data      *gridData
	test      []int           // the test samples' indices in the data file
	testBatch *datasets.Batch // the test samples, as stored
}

// loadGridEvaluation opens the data, builds the model and loads the last
// checkpoint and the normalizers into it.
func loadGridEvaluation(cfg *Config) (*gridEvaluation, error) {
	d, err := openGridData(cfg, cfg.Train.Subsample)
	if err != nil {
		return nil, err
	}
	e, err := newGridEvaluation(cfg, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return e, nil
}

func newGridEvaluation(cfg *Config, d *gridData) (*gridEvaluation, error) {
	test := d.testIndices()
	b, err := d.src.Read(test) // the data is checked before the model
	if err != nil {
		return nil, err
	}
	model, _, err := buildModel(cfg, d.spatial)
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
	return &gridEvaluation{cfg: cfg, model: model, norm: norm, data: d, test: test, testBatch: b}, nil
}

// predict runs the model without gradients on x in batches of
// train.batch, on the grid spatial, and returns the decoded predictions.
func (e *gridEvaluation) predict(x *tensor.Tensor[float32], spatial []int) (*tensor.Tensor[float32], error) {
	var out *tensor.Tensor[float32]
	var ferr error
	autograd.NoGrad(func() {
		n := x.Dim(0)
		step := max(e.cfg.Train.Batch, 1)
		parts := []*tensor.Tensor[float32]{}
		for lo := 0; lo < n; lo += step {
			hi := min(lo+step, n)
			xb := tensor.FromSlice(x.Data()[lo*x.Len()/n:hi*x.Len()/n], append([]int{hi - lo}, x.Shape()[1:]...)...)
			y, err := rollout(e.model, autograd.Const(xb), e.cfg.steps(), e.data.variables(), e.norm, spatial)
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

// testPredictions are the test set's encoded inputs, truth and the
// model's predictions, as predictions.h5 stores them.
type testPredictions struct {
	x, truth, pred *tensor.Tensor[float32]
}

// evaluateTestSet predicts the test samples on the training grid, timing
// the inference, and returns the predictions and their metrics (relative
// L2, per rollout step too).
func (e *gridEvaluation) evaluateTestSet() (*testPredictions, *Metrics, error) {
	b := e.testBatch
	xs, err := e.norm.encodedInputs(b.Input)
	if err != nil {
		return nil, nil, err
	}
	truth, n, spatial := b.Target, len(e.test), e.data.spatial
	start := time.Now()
	pred, err := e.predict(xs, spatial)
	if err != nil {
		return nil, nil, err
	}
	infer := time.Since(start).Seconds() / float64(n)
	if err := checkFinitePredictions(pred.Data(), n, ""); err != nil {
		return nil, nil, fmt.Errorf("experiments: %w", err)
	}
	m := &Metrics{TestSamples: n, Resolution: spatial, Params: nn.CountParams(e.model.Params()), InferenceSecondsPerSample: infer}
	m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max = stats(nn.RelL2PerSample(pred, truth))
	if steps, c := e.cfg.steps(), e.data.variables(); steps > 1 {
		for k := 0; k < steps; k++ {
			pk := tensor.Slice(pred, -1, k*c, (k+1)*c)
			tk := tensor.Slice(truth, -1, k*c, (k+1)*c)
			mean, _, _ := stats(nn.RelL2PerSample(pk, tk))
			m.RolloutRelL2 = append(m.RolloutRelL2, mean)
		}
	}
	return &testPredictions{x: xs, truth: truth, pred: pred}, m, nil
}

// timeSolver regenerates the first eval.solver_samples test trajectories
// with the solver and records its time per sample (the stored window's
// share when there is a burn-in) and the model's speed-up.
func (e *gridEvaluation) timeSolver(ctx context.Context, m *Metrics) error {
	if e.cfg.ext != nil {
		m.SolverSkipped = "the data came from " + e.cfg.dataSource()
		return nil
	}
	w := e.data.src.WindowsPerTrajectory() // test samples are windows of trajectories
	k := min(e.cfg.Eval.SolverSamples, len(e.test)/w)
	t0 := time.Now()
	for j := 0; j < k; j++ {
		if _, err := e.cfg.grid().sample(ctx, e.cfg.Seed, e.test[j*w]/w); err != nil {
			return err
		}
	}
	if k > 0 {
		// The stored window's share of the integration: a burn-in is
		// the solver's cost of reaching the first frame, not of the frames.
		m.SolverSecondsPerSample = time.Since(t0).Seconds() / float64(k)
		if d := e.cfg.Data; d.BurnIn > 0 {
			m.SolverSecondsPerSample *= d.TEnd / (d.BurnIn + d.TEnd)
		}
	}
	if infer := m.InferenceSecondsPerSample; infer > 0 {
		m.Speedup = m.SolverSecondsPerSample / infer
	}
	return nil
}

// evaluateStoredGrids evaluates the model zero-shot on finer stored grids
// of the same test samples (eval.subsamples).
func (e *gridEvaluation) evaluateStoredGrids(m *Metrics) error {
	for _, k := range e.cfg.Eval.Subsamples {
		if e.norm.Input != nil && e.norm.Input.Points() > 1 {
			return fmt.Errorf("experiments: eval.subsamples needs normalize = none or gaussian-global (pointwise statistics are tied to the training grid)")
		}
		mean, spatial, err := e.evaluateStoredGrid(k)
		if err != nil {
			return err
		}
		m.addSuperResolution(spatial[0], mean)
	}
	return nil
}

// evaluateStoredGrid is the mean relative L2 of the test samples on the
// stored grid subsampled by k, and that grid.
func (e *gridEvaluation) evaluateStoredGrid(k int) (float64, []int, error) {
	q, err := openGridData(e.cfg, k)
	if err != nil {
		return 0, nil, err
	}
	defer q.Close()
	b, err := q.src.Read(e.test)
	if err != nil {
		return 0, nil, err
	}
	qxs, err := e.norm.encodedInputs(b.Input)
	if err != nil {
		return 0, nil, err
	}
	qp, err := e.predict(qxs, q.spatial)
	if err != nil {
		return 0, nil, err
	}
	if err := checkFinitePredictions(qp.Data(), len(e.test), fmt.Sprintf("on the stored grid subsampled by %d", k)); err != nil {
		return 0, nil, fmt.Errorf("experiments: eval.subsamples: %w", err)
	}
	mean, _, _ := stats(nn.RelL2PerSample(qp, b.Target))
	return mean, q.spatial, nil
}

// evaluateResolutions is zero-shot super-resolution: test samples
// regenerated at each of eval.resolutions (the grid-independent random
// fields make them the same functions) and the model evaluated there.
func (e *gridEvaluation) evaluateResolutions(ctx context.Context, m *Metrics) error {
	for _, res := range e.cfg.Eval.Resolutions {
		mean, err := superResolution(ctx, e.cfg, res, e.test, e.norm, e.predict)
		if err != nil {
			return fmt.Errorf("experiments: super-resolution at %d: %w", res, err)
		}
		m.addSuperResolution(res, mean)
	}
	return nil
}

// addSuperResolution records the mean relative L2 at a resolution.
func (m *Metrics) addSuperResolution(resolution int, mean float64) {
	if m.SuperResolution == nil {
		m.SuperResolution = map[string]float64{}
	}
	m.SuperResolution[fmt.Sprint(resolution)] = mean
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
	if norm.Input != nil && norm.Input.Points() > 1 {
		return 0, fmt.Errorf("pointwise normalizers are tied to the training grid; use gaussian-global or none for super-resolution")
	}
	gen, err := generatorAt(cfg, res)
	if err != nil {
		return 0, err
	}
	n := min(cfg.Eval.SuperresSamples, len(idx))
	if n < 1 {
		return 0, fmt.Errorf("no samples to regenerate: eval.superres_samples = %d, %d test samples", cfg.Eval.SuperresSamples, len(idx))
	}
	x, y, spatial, err := regeneratePairs(ctx, cfg.Seed, gen, idx[:n])
	if err != nil {
		return 0, err
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

// generatorAt is the configured solver at resolution res, unsubsampled,
// its time step scaled to keep the CFL number.
func generatorAt(cfg *Config, res int) (fieldGenerator, error) {
	hi := *cfg
	hi.Data.Resolution = res
	hi.Data.Subsample = 1
	hi.Data.Dt = cfg.Data.Dt * float64(cfg.Data.Resolution) / float64(res)
	md, err := toml.Decode(cfg.text, &Config{})
	if err != nil {
		return nil, err
	}
	gen, err := registry[cfg.Data.Solver].build(&hi, md)
	if err != nil {
		return nil, err
	}
	return gridOf(gen), nil
}

// regeneratePairs solves the samples idx with gen and returns their input
// and output fields, [n, s..., 1] each, and the grid s.
func regeneratePairs(ctx context.Context, seed uint64, gen fieldGenerator, idx []int) (x, y *tensor.Tensor[float32], spatial []int, err error) {
	fields := gen.fields()
	per := 1
	for _, s := range fields[len(fields)-1].shape[1:] {
		per *= s
	}
	spatial = fields[len(fields)-1].shape[1:]
	if gen.layout() == datasets.LayoutDarcy {
		spatial = fields[0].shape
		per = tensor.Size(spatial)
	}
	n := len(idx)
	x = tensor.New[float32](append(append([]int{n}, spatial...), 1)...)
	y = tensor.New[float32](append(append([]int{n}, spatial...), 1)...)
	for j := 0; j < n; j++ {
		f, err := gen.sample(ctx, seed, idx[j])
		if err != nil {
			return nil, nil, nil, err
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
	return x, y, spatial, nil
}

// commitEvaluation replaces predictions.h5 and metrics.json together:
// both are written completely under staging names first (the metrics
// checked finite before anything is written), then renamed into place,
// metrics.json last. A failure at any point leaves the previous outputs
// byte-identical and removes the staged files.
func commitEvaluation(cfg *Config, x, y, pred *tensor.Tensor[float32], m *Metrics) error {
	return commitOutputs(cfg, m, func(path string) error { return writePredictions(cfg, path, x, y, pred) })
}

// commitOutputs is commitEvaluation with the predictions written to the
// staging path by writePred.
func commitOutputs(cfg *Config, m *Metrics, writePred func(path string) error) (err error) {
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
	if err := writePred(predNew); err != nil {
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
