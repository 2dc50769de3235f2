package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/pinn"
	"github.com/surrogo/surrogo/tensor"
)

// Physics-informed models in the pipeline: [model] kind = "pinn" | "lpinn"
// trains on the equation of the [data] section, not on its samples. The
// generate stage stores the reference solution (solver convection or
// burgers, on [0, 2 pi)); the network is trained on the residual over that
// (x, t) grid and the stored initial condition, and evaluated against the
// stored solution: the first test sample (index data.train).

// pinnCheckpointSteps is the PINN families' default checkpoint interval
// in steps: a checkpoint costs about 15 ms (Adam) to 90 ms (L-BFGS with 100
// pairs) at the paper's size, 1-2% of 100 steps.
const pinnCheckpointSteps = 100

// validatePINN checks and fills [model] and [train] for pinn / lpinn.
func (c *Config) validatePINN(md toml.MetaData, raw []byte) error {
	m, t := &c.Model, &c.Train
	if !md.IsDefined("train", "checkpoint_every") {
		t.CheckpointEvery = pinnCheckpointSteps
	}
	if c.ext != nil {
		return c.fail(raw, "data.file", "%s trains on the equation of a solver (convection or burgers), not on data read from a file", m.Kind)
	}
	if c.Data.Solver == "convection" && !md.IsDefined("data", "params", "beta") {
		return c.fail(raw, "data.params", "missing beta: %s trains on the equation, give the convection speed explicitly", m.Kind)
	}
	if c.Data.Solver != "convection" && c.Data.Solver != "burgers" {
		return c.fail(raw, "data.solver", "%s needs the convection or burgers solver (got %s)", m.Kind, c.Data.Solver)
	}
	if c.Data.Test < 1 {
		return c.fail(raw, "data.test", "%s is evaluated on the first test sample: set data.test >= 1", m.Kind)
	}
	if c.Data.Snapshots < 2 {
		return c.fail(raw, "data.snapshots", "%s needs at least 2 stored times, got %d", m.Kind, c.Data.Snapshots)
	}
	if m.Width == 0 {
		m.Width = 50
	}
	if m.Layers == 0 {
		m.Layers = 5
	}
	if m.DepthX == 0 {
		m.DepthX = 2
	}
	if len(t.LossWeights) == 0 {
		t.LossWeights = []float64{pinn.DefaultWeights.RX, pinn.DefaultWeights.RU, pinn.DefaultWeights.IC}
	}
	switch {
	case m.Width < 1 || m.Layers < 1 || m.DepthX < 1:
		return c.fail(raw, "model.width", "width, layers and depth_x must be at least 1, got %d, %d, %d", m.Width, m.Layers, m.DepthX)
	case t.Epochs < 0 || t.LBFGSIters < 0 || t.Epochs+t.LBFGSIters == 0:
		return c.fail(raw, "train.epochs", "%s needs Adam steps (train.epochs) and/or train.lbfgs_iters, got %d and %d", m.Kind, t.Epochs, t.LBFGSIters)
	case !(t.LR > 0):
		return c.fail(raw, "train.lr", "must be positive, got %v", t.LR)
	case t.Collocation < 0:
		return c.fail(raw, "train.collocation", "must be >= 0 (0: every grid point), got %d", t.Collocation)
	case len(t.LossWeights) != 3:
		return c.fail(raw, "train.loss_weights", "expected 3 weights [r_x, r_u, initial condition], got %v", t.LossWeights)
	}
	if _, _, err := c.pinnProblem(); err != nil {
		return c.fail(raw, "data.params", "%v", err)
	}
	arch := c.pinnArch()
	if err := arch.Validate(); err != nil {
		return c.fail(raw, "model.shared_layers", "%v", err)
	}
	return nil
}

// pinnArch is the network size of the [model] section.
func (c *Config) pinnArch() pinn.Arch {
	m := c.Model
	return pinn.Arch{Hidden: m.Width, DepthU: m.Layers, DepthX: m.DepthX, SharedLayers: m.SharedLayers, HardCurveIC: m.HardCurveIC}
}

// pinnProblem maps the [data] section to the equation and the grid.
func (c *Config) pinnProblem() (pinn.PDE, pinn.Grid, error) {
	d := c.Data
	g := pinn.Grid{NX: (d.Resolution + d.Subsample - 1) / d.Subsample, NT: d.Snapshots, T: d.TEnd}
	var pde pinn.PDE
	switch p := c.gen.params().(type) {
	case ConvectionParams:
		pde = pinn.PDE{Kind: pinn.Convection, Beta: p.Beta, Nu: p.Nu, T: d.TEnd}
		if p.Rho != 0 {
			pde = pinn.PDE{Kind: pinn.Reaction, Rho: p.Rho, Nu: p.Nu, T: d.TEnd}
		}
	case BurgersParams:
		if math.Abs(p.Length-2*math.Pi) > 1e-9 {
			return pde, g, fmt.Errorf("the networks' periodic embedding needs data.params.length = 2 pi (6.283185307179586), got %v", p.Length)
		}
		pde = pinn.PDE{Kind: pinn.Burgers, Nu: p.Nu, T: d.TEnd}
	default:
		return pde, g, fmt.Errorf("no equation for solver %s", d.Solver)
	}
	return pde, g, pde.Validate()
}

func (c *Config) pinnModel() (pinn.Model, error) {
	pde, _, err := c.pinnProblem()
	if err != nil {
		return nil, err
	}
	return c.family().newPINN(pde, c.pinnArch(), tensor.NewRNGStream(c.Seed, 11))
}

// pinnReference reads the stored solution of the first test sample, [NT][NX].
func (c *Config) pinnReference() ([][]float64, error) {
	_, g, err := c.pinnProblem()
	if err != nil {
		return nil, err
	}
	f, err := datasets.Open(c.Data.Output)
	if err != nil {
		return nil, fmt.Errorf("experiments: reading the reference solution (run `simulate generate` first): %w", err)
	}
	defer f.Close()
	v, shape, err := datasets.Read[float64](f.Group, "tensor")
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[1] != g.NT || shape[2] != g.NX || shape[0] <= c.Data.Train {
		return nil, fmt.Errorf("experiments: %s holds tensor %v, the config needs [>= %d, %d, %d]", c.Data.Output, shape, c.Data.Train+1, g.NT, g.NX)
	}
	off := c.Data.Train * g.NT * g.NX
	out := make([][]float64, g.NT)
	for j := range out {
		out[j] = v[off+j*g.NX : off+(j+1)*g.NX]
	}
	return out, nil
}

func (c *Config) pinnWeights() pinn.Weights {
	w := c.Train.LossWeights
	return pinn.Weights{RX: w[0], RU: w[1], IC: w[2]}
}

// trainPINN is Train for pinn / lpinn: pinn.Phases (Adam on collocation
// batches, then L-BFGS) run by nn.Trainer, one step per epoch, with a
// checkpoint every train.checkpoint_every steps, the CSV log (a line per
// step) and the test error against the stored solution after the last.
func trainPINN(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	ref, err := cfg.pinnReference()
	if err != nil {
		return nil, err
	}
	_, g, _ := cfg.pinnProblem()
	model, err := cfg.pinnModel()
	if err != nil {
		return nil, err
	}
	params, tr := model.Params(), cfg.Train
	modelJSON, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "config": cfg.pinnArch()})
	if err != nil {
		return nil, fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	total := tr.Epochs + tr.LBFGSIters
	ck, hint, err := loadRunCheckpoint(cfg, params, string(modelJSON))
	switch {
	case err != nil:
		return nil, err
	case ck != nil && (ck.Optimizer.Kind == "" || ck.Epoch == total):
		// Finished (a checkpoint without optimizer state is the final one of
		// surrogo before PINN training had phases).
		return finishedSummary(cfg, ck, nn.CountParams(params), filepath.Join(cfg.RunDir(), "train_log.csv"))
	case ck != nil && ck.Epoch > total:
		return nil, fmt.Errorf("experiments: cannot resume from %s: it is at step %d, past train.epochs + train.lbfgs_iters = %d (raise them, or %s)",
			checkpointPath(cfg), ck.Epoch, total, hint)
	}
	if err := os.MkdirAll(filepath.Join(cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	x, t := g.Points()
	phases, err := pinn.Phases(model, pinn.Points{X: x, T: t}, pinn.IC{X: g.X(), U: ref[0]}, cfg.pinnWeights(),
		pinn.FitOptions{AdamSteps: tr.Epochs, LR: tr.LR, AMSGrad: tr.AMSGrad, LBFGSIters: tr.LBFGSIters, Batch: tr.Collocation})
	if err != nil {
		return nil, err
	}
	trainer := &nn.Trainer[float64]{
		Params: params, Phases: phases,
		Evaluate: func(context.Context, int) (map[string]float64, error) {
			pred, err := model.Predict(g)
			if err != nil {
				return nil, err
			}
			rel, err := pinn.RelL2(ref, pred)
			return map[string]float64{"test_rel_l2": rel}, err
		},
		CheckpointPath:       checkpointPath(cfg),
		CheckpointEverySteps: tr.CheckpointEvery,
		ModelConfig:          string(modelJSON),
		RNG:                  pinn.RNG(cfg.Seed),
	}
	l := &trainLog{path: filepath.Join(cfg.RunDir(), "train_log.csv"), out: log, unit: "step", total: total, every: max(total/20, 1), scale: 1}
	return runTrainer(ctx, cfg, trainer, l, nn.CountParams(params))
}

// evaluatePINN is Evaluate for pinn / lpinn: the relative L2 against the
// stored reference over the whole (x, t) grid, and the network's time to
// predict the grid against the solver's time to solve it.
func evaluatePINN(ctx context.Context, cfg *Config) (*Metrics, error) {
	ref, err := cfg.pinnReference()
	if err != nil {
		return nil, err
	}
	pde, g, _ := cfg.pinnProblem()
	model, err := cfg.pinnModel()
	if err != nil {
		return nil, err
	}
	if _, err := nn.LoadCheckpoint(checkpointPath(cfg), model.Params()); err != nil {
		return nil, fmt.Errorf("experiments: loading the trained network (run `simulate train` first): %w", err)
	}
	start := time.Now()
	pred, err := model.Predict(g)
	if err != nil {
		return nil, err
	}
	inference := time.Since(start).Seconds()
	rel, err := pinn.RelL2(ref, pred)
	if err != nil {
		return nil, err
	}
	u0 := append([]float64(nil), ref[0]...)
	start = time.Now()
	if _, err := pinn.Reference(ctx, pde, g, func(x float64) float64 {
		return u0[int(math.Round(x/(2*math.Pi)*float64(g.NX)))%g.NX]
	}); err != nil {
		return nil, fmt.Errorf("experiments: timing the solver: %w", err)
	}
	solver := time.Since(start).Seconds()
	m := &Metrics{TestRelL2: rel, TestRelL2Max: rel, TestSamples: 1, Resolution: []int{g.NT, g.NX},
		Params: nn.CountParams(model.Params()), InferenceSecondsPerSample: inference, SolverSecondsPerSample: solver}
	if ts, err := readTrainSummary(cfg); err == nil {
		m.TrainSeconds = ts.Seconds
	}
	if inference > 0 {
		m.Speedup = solver / inference
	}
	flat := func(v [][]float64) *tensor.Tensor[float32] {
		out := tensor.New[float32](1, g.NT, g.NX, 1)
		for j := range v {
			for i, x := range v[j] {
				out.Data()[j*g.NX+i] = float32(x)
			}
		}
		return out
	}
	in := tensor.New[float32](1, g.NX, 1)
	for i, v := range u0 {
		in.Data()[i] = float32(v)
	}
	fp := flat(pred)
	if err := checkFinitePredictions(fp.Data(), 1, "over the (t, x) grid"); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	if err := commitEvaluation(cfg, in, flat(ref), fp, m); err != nil {
		return nil, err
	}
	return m, nil
}
