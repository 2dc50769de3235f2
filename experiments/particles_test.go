package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// gnsModel trains a small GNS on mpmConfig's trajectories (made longer:
// 14 frames) for two epochs.
const gnsModel = `
[model]
kind = "gns"
t_in = 3
width = 16
layers = 2
radius = 0.12
noise = 1e-4

[train]
epochs = 2
batch = 2
lr = 1e-3
schedule = "none"
window_every = 2
checkpoint_every = 1
eval_every = 1

[eval]
rollout_steps = 8
solver_samples = 1
`

// gnsRunConfig is mpmConfig with 14 frames and gnsModel, run in dir.
func gnsRunConfig(t *testing.T, dir string, extra ...string) (*Config, error) {
	t.Helper()
	text := strings.Replace(mpmConfig, "seed = 5", "seed = 5\nrun_dir = \""+filepath.Join(dir, "run")+"\"", 1)
	text = strings.Replace(text, "output = \"OUT\"\n", "", 1)
	text = strings.Replace(text, "snapshots = 6", "snapshots = 14", 1)
	text += gnsModel
	return Parse(filepath.Join(dir, "c.toml"), []byte(replaced(t, text, extra...)))
}

// TestGNSPipeline: generate, train, evaluate and plot a GNS on MPM
// trajectories: per-step rollout MSE over the test trajectory, growing
// from the first step, the Chamfer distance, the displacement error, the
// solver's time per frame; predictions in the particle layout marked with
// the test sample; figures; a second run trains nothing more.
func TestGNSPipeline(t *testing.T) {
	dir := t.TempDir()
	cfg, err := gnsRunConfig(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	m := runAndReadMetrics(t, cfg)
	if len(m.RolloutMSE) != 8 || m.TestSamples != 1 || m.Params < 1000 {
		t.Fatalf("metrics: %d rollout steps, %d test samples, %d parameters", len(m.RolloutMSE), m.TestSamples, m.Params)
	}
	if !(m.RolloutMSE[0] > 0 && m.RolloutMSE[7] > m.RolloutMSE[0]) {
		t.Errorf("rollout MSE %v: expected a positive error that grows over the rollout", m.RolloutMSE)
	}
	if !(m.ChamferLast > 0) || !(m.TestRelL2 > 0) || !(m.SolverSecondsPerSample > 0) || !(m.InferenceSecondsPerSample > 0) || !(m.Speedup > 0) {
		t.Errorf("metrics %+v: expected positive Chamfer, displacement error and times", m)
	}
	f, err := datasets.Open(filepath.Join(cfg.RunDir(), "predictions.h5"))
	if err != nil {
		t.Fatal(err)
	}
	pred, err := datasets.ReadTrajectory(f, 0)
	i, serr := sampleOf(f, 0)
	f.Close()
	if err != nil || serr != nil || pred.Frames != 3+8 || i != 3 {
		t.Fatalf("predictions: %v frames of sample %d (%v, %v); want 11 frames of sample 3", pred.Frames, i, err, serr)
	}
	for _, name := range []string{"rollout_mse.png", "rollout_frames_truth.png", "rollout_frames_prediction.png", "loss.png", "particles.gif"} {
		if _, err := os.Stat(filepath.Join(cfg.RunDir(), "figures", name)); err != nil {
			t.Errorf("figure %s: %v", name, err)
		}
	}
	s, err := Train(context.Background(), cfg, nil)
	if err != nil || s.ResumedFrom != 2 {
		t.Fatalf("training again: %+v, %v", s, err)
	}
	checkLaterRolloutStart(t, dir, m)
}

// checkLaterRolloutStart evaluates TestGNSPipeline's model again from
// stored frame 3 (eval.start_frame): the predictions begin with the test
// trajectory's frames 3-5, the metrics record the start, and the errors
// are those of the later window, not the first one's.
func checkLaterRolloutStart(t *testing.T, dir string, first *Metrics) {
	t.Helper()
	cfg, err := gnsRunConfig(t, dir, "rollout_steps = 8", "rollout_steps = 8\nstart_frame = 3")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Evaluate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.RolloutStartFrame != 3 || len(m.RolloutMSE) != 8 || m.RolloutMSE[0] == first.RolloutMSE[0] {
		t.Errorf("from frame 3: start %d, MSE %v; from frame 0: %v", m.RolloutStartFrame, m.RolloutMSE, first.RolloutMSE)
	}
	pf, err := datasets.Open(filepath.Join(cfg.RunDir(), "predictions.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	pred, err := datasets.ReadTrajectory(pf, 0)
	if err != nil {
		t.Fatal(err)
	}
	df, err := datasets.Open(cfg.dataPath())
	if err != nil {
		t.Fatal(err)
	}
	defer df.Close()
	truth, err := datasets.ReadTrajectoryFrames(df, 3, 3, 14)
	if err != nil {
		t.Fatal(err)
	}
	per := truth.Particles * truth.Dim
	if pred.Frames != 11 || !slices.Equal(pred.Positions[:3*per], truth.Positions[:3*per]) {
		t.Errorf("predictions: %d frames; want 11 beginning with stored frames 3-5", pred.Frames)
	}
	// Constant velocity at the last step (8 steps from frame 5), by hand.
	x := truth.Positions
	want := 0.0
	for i := range per {
		d := float64(x[2*per+i]) + 8*(float64(x[2*per+i])-float64(x[per+i])) - float64(x[10*per+i])
		want += d * d / float64(per)
	}
	if got := m.ConstantVelocityMSE; len(got) != 8 || math.Abs(got[7]-want) > 1e-6*want {
		t.Errorf("constant velocity MSE %v, want %g at step 8", got, want)
	}
}

// TestParticleSplitRefusesLeaks: a data file in which a test trajectory
// is also a training one (the same sample index) is refused by training,
// naming both; so is one whose trajectory count differs from the split.
func TestParticleSplitRefusesLeaks(t *testing.T) {
	dir := t.TempDir()
	cfg, err := gnsRunConfig(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	// Rewrite the file with trajectory 3 (test) marked as sample 1.
	src, err := datasets.Open(cfg.dataPath())
	if err != nil {
		t.Fatal(err)
	}
	var trs []*datasets.ParticleTrajectory
	for k := range 4 {
		tr, err := datasets.ReadTrajectory(src, k)
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	src.Close()
	f, err := datasets.Create(cfg.dataPath())
	if err != nil {
		t.Fatal(err)
	}
	for k, tr := range trs {
		if err := appendMarked(f, tr, []int{0, 1, 2, 1}[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Train(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "trajectories 1 (training) and 3 (test) are both sample 1") {
		t.Fatalf("leaking split: %v", err)
	}
	cfg.Data.Train = 2
	if _, err := Train(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "holds 4 trajectories, the config splits data.train 2 + data.test 1 = 3") {
		t.Fatalf("split of another size: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir(), "checkpoints")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused training wrote %v", err)
	}
}

// TestGNSBadInputNamesKeyAndLine: the GNS keys are checked at load.
func TestGNSBadInputNamesKeyAndLine(t *testing.T) {
	checkConfigCases(t, func(t *testing.T, pairs ...string) (*Config, error) { return gnsRunConfig(t, t.TempDir(), pairs...) }, []configCase{
		{"no radius", []string{"radius = 0.12\n", ""}, "model.radius: the connectivity radius must be positive and finite, got 0"},
		{"one input frame", []string{"t_in = 3", "t_in = 1"}, "model.t_in: input frames must be at least 2"},
		{"negative noise", []string{"noise = 1e-4", "noise = -1"}, "model.noise: the training noise std must be >= 0"},
		{"rollout too long", []string{"rollout_steps = 8", "rollout_steps = 12"}, "eval.rollout_steps: 12 frames after the first 3 from frame 0, the data stores 14 per trajectory (11 after them)"},
		{"rollout from too late", []string{"rollout_steps = 8", "rollout_steps = 8\nstart_frame = 4"}, "eval.rollout_steps: 8 frames after the first 3 from frame 4, the data stores 14 per trajectory (7 after them)"},
		{"start past the data", []string{"rollout_steps = 8", "start_frame = 11"}, "eval.start_frame: must be in [0, 10]"},
		{"window longer than the data", []string{"t_in = 3", "t_in = 14"}, "model.t_in: a training window holds 15 frames, the data stores 14"},
		{"a grid key", []string{"layers = 2", "layers = 2\nmodes = [4]"}, "model.modes: kind gns does not use this key"},
	})
}

// TestGIOROMPipeline: GIOROM through the same pipeline: the subset it
// advances (half the particles), the per-step MSE over it and over every
// particle reconstructed, the reconstruction from the stored subset
// against inverse-distance interpolation, predictions of every particle.
func TestGIOROMPipeline(t *testing.T) {
	dir := t.TempDir()
	cfg, err := gnsRunConfig(t, dir, `kind = "gns"`, `kind = "giorom"`, "layers = 2", "layers = 1\nsampling = 0.5\ngrid_nodes = 8\nrecon_grid = 16")
	if err != nil {
		t.Fatal(err)
	}
	m := runAndReadMetrics(t, cfg)
	r := m.Sparse
	if r == nil || len(m.RolloutMSE) != 8 || len(r.DenseRolloutMSE) != 8 {
		t.Fatalf("metrics %+v: want 8 steps of sparse and dense rollout MSE", m)
	}
	if r.Sampling < 0.49 || r.Sampling > 0.52 {
		t.Errorf("sampling %v, want about 0.5 of the particles", r.Sampling)
	}
	if len(r.ReconPerTrajectory) != 1 || r.ReconPerTrajectory[0] != r.ReconRelL2 || len(r.IDWPerTrajectory) != 1 || r.TrajectoryParticles[0] < 2 {
		t.Errorf("per-trajectory reconstruction errors %v, IDW %v of %v particles: want one test trajectory's, equal to the mean",
			r.ReconPerTrajectory, r.IDWPerTrajectory, r.TrajectoryParticles)
	}
	if !(r.ReconRelL2 > 0) || !(r.IDWRelL2 > 0) || !(r.InterpRelL2 > 0) || !(r.ReconSecondsPerFrame > 0) || !(m.ChamferLast > 0) {
		t.Errorf("sparse metrics %+v, Chamfer %v: expected positive errors and times", r, m.ChamferLast)
	}
	f, err := datasets.Open(filepath.Join(cfg.RunDir(), "predictions.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pred, err := datasets.ReadTrajectory(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Open(cfg.dataPath())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	truth, err := datasets.ReadTrajectoryFrames(d, 3, 0, 1)
	if err != nil || pred.Particles != truth.Particles || pred.Frames != 11 {
		t.Fatalf("predictions hold %d particles in %d frames, the test trajectory %d (%v)", pred.Particles, pred.Frames, truth.Particles, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir(), "figures", "rollout_frames_prediction.png")); err != nil {
		t.Error(err)
	}
}

// TestParticleFamilies3D: GNS and GIOROM train and evaluate on 3-D MPM
// trajectories too (a few hundred particles, one epoch).
func TestParticleFamilies3D(t *testing.T) {
	for _, kind := range []string{"gns", "giorom"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			pairs := []string{"resolution = 24", "resolution = 12", "dim = 2", "dim = 3", "epochs = 2", "epochs = 1",
				"max_bodies = 2", "max_bodies = 1", "rollout_steps = 8", "rollout_steps = 4", "radius = 0.12", "radius = 0.2"}
			if kind == "giorom" {
				pairs = append(pairs, `kind = "gns"`, `kind = "giorom"`, "layers = 2", "layers = 1\nsampling = 0.5\ngrid_nodes = 4\nrecon_grid = 8")
			}
			cfg, err := gnsRunConfig(t, dir, pairs...)
			if err != nil {
				t.Fatal(err)
			}
			m := runAndReadMetrics(t, cfg)
			if len(m.RolloutMSE) != 4 || m.Resolution[1] != 3 || !(m.ChamferLast > 0) || (kind == "giorom") != (m.Sparse != nil) {
				t.Fatalf("3-D metrics %+v", m)
			}
		})
	}
}

// TestFitParticlesWidensTheBox: the models' box takes in every training
// position (MPM particles settle inside the recorded wall planes), and
// the statistics pool every frame.
func TestFitParticlesWidensTheBox(t *testing.T) {
	// Two particles, three frames: one falls below the wall plane 0.1.
	tr := &datasets.ParticleTrajectory{Frames: 3, Particles: 2, Dim: 2, Positions: []float32{
		0.5, 0.30, 0.2, 0.12,
		0.5, 0.28, 0.2, 0.09,
		0.5, 0.25, 0.2, 0.07,
	}}
	s := particleSetup{dim: 2, boxLo: []float64{0.1, 0.1}, boxHi: []float64{0.9, 0.9},
		eachTraining: func(fn func(*datasets.ParticleTrajectory) error) error { return fn(tr) }}
	st, lo, hi, err := fitParticles(s)
	if err != nil {
		t.Fatal(err)
	}
	if lo[0] != 0.1 || math.Abs(lo[1]-0.07) > 1e-7 || hi[0] != 0.9 || hi[1] != 0.9 {
		t.Errorf("box %v - %v, want [0.1 0.07] - [0.9 0.9]", lo, hi)
	}
	if s.boxLo[1] != 0.1 {
		t.Error("fitParticles changed the data's box")
	}
	// y velocities -0.02, -0.03, -0.03, -0.02: mean -0.025; accelerations -0.01, +0.01.
	if math.Abs(st.VelMean[1]+0.025) > 1e-7 || math.Abs(st.AccStd[1]-0.01) > 1e-7 {
		t.Errorf("statistics %+v", st)
	}
}
