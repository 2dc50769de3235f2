package experiments

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// factFormerConfig is rolloutConfig with a small FactFormer trained call
// by call: 2 frames per call after a curriculum of 6 iterations, a
// pushforward step (2 unrolls) every 3rd iteration from iteration 6.
const factFormerTestConfig = `
name = "factformer-test"
seed = 2
run_dir = "RUN"

[data]
solver = "navierstokes"
output = "OUT"
train = 12
test = 4
resolution = 16
t_end = 1.0
snapshots = 9
dt = 0.01

[data.params]
nu = 1e-2
scheme = "etdrk4"

[model]
kind = "factformer"
task = "rollout"
t_in = 2
t_out = 6
width = 16
layers = 1
heads = 2
dim_head = 8
latent_steps = 2

[train]
epochs = 4
batch = 4
lr = 3e-3
schedule = "onecycle"
clip_norm = 1.0
curriculum_iters = 6
pushforward_after = 6
pushforward_every = 3
pushforward_unrolls = 2
`

// scaledPersistence predicts every frame as w times the last input frame:
// a model whose pushforward arithmetic can be followed by hand.
type scaledPersistence struct{ w *autograd.Var[float32] }

func (m *scaledPersistence) Forward(x *autograd.Var[float32]) (*autograd.Var[float32], error) {
	return m.ForwardSteps(x, 2)
}

func (m *scaledPersistence) ForwardSteps(x *autograd.Var[float32], steps int) (*autograd.Var[float32], error) {
	tin := x.Shape()[len(x.Shape())-1]
	last := autograd.Mul(autograd.Slice(x, -1, tin-1, tin), m.w)
	frames := make([]*autograd.Var[float32], steps)
	for i := range frames {
		frames[i] = last
	}
	return autograd.Concat(-1, frames...), nil
}

func (m *scaledPersistence) Params() []nn.Param[float32] {
	return []nn.Param[float32]{{Name: "w", Var: m.w}}
}

func TestCallTrainingCurriculumAndPushforward(t *testing.T) {
	dir := t.TempDir()
	cfg := dataConfig(t, dir, factFormerTestConfig)
	cfg.Train.Loss = "mse"
	w := autograd.Param(tensor.FromSlice([]float32{0.5}, 1))
	g := &gridTraining{cfg: cfg, model: &scaledPersistence{w}, norm: &normalizers{}}
	// The curriculum: 1 frame at first, 2 from iteration 6 (1 + iter/6).
	for iter, want := range []int{1, 1, 1, 1, 1, 1, 2, 2} {
		if got := g.framesPerCall(iter); got != want {
			t.Errorf("iteration %d: %d frames per call, want %d", iter, got, want)
		}
	}
	// One sample on 1 point: inputs x0 = 1, x1 = 2, targets 3..8.
	b := &datasets.Batch{Index: []int{0},
		Input:  tensor.FromSlice([]float32{1, 2}, 1, 1, 2),
		Target: tensor.FromSlice([]float32{3, 4, 5, 6, 7, 8}, 1, 1, 6)}
	cases := []struct {
		iter int
		// loss and dloss/dw at w = 0.5
		loss, grad float64
	}{
		// Not a pushforward step (7 - 6 = 1, not a multiple of 3): the call
		// predicts w x1 = 1 twice against 3 and 4: mean((1-3)^2, (1-4)^2).
		{7, (4 + 9) / 2.0, ((1-3)*2 + (1-4)*2) / 2.0 * 2},
		// Iteration 6 pushes forward: two unrolls without gradient leave the
		// window at w^2 x1 = 0.5; the trained call predicts w * 0.5 = 0.25
		// against frames 4 and 5 (7 and 8), its gradient through the last
		// call only: d/dw mean((0.5 w - t)^2) = mean(2 (0.25 - t) 0.5).
		{6, (math.Pow(0.25-7, 2) + math.Pow(0.25-8, 2)) / 2, (2*(0.25-7)*0.5 + 2*(0.25-8)*0.5) / 2},
	}
	for _, c := range cases {
		loss, err := g.callLoss(b, c.iter)
		if err != nil {
			t.Fatal(err)
		}
		w.ZeroGrad()
		autograd.Backward(loss)
		got, grad := float64(loss.Value.Data()[0]), float64(w.Grad.Data()[0])
		if math.Abs(got-c.loss) > 1e-5*c.loss || math.Abs(grad-c.grad) > 1e-5*math.Abs(c.grad) {
			t.Errorf("iteration %d: loss %v, dloss/dw %v; want %v, %v", c.iter, got, grad, c.loss, c.grad)
		}
	}
}

// TestFactFormerFamily runs the whole pipeline with a FactFormer: it
// trains through the shared loop (onecycle, clipping, curriculum,
// pushforward), its parameter count is the package's, config.toml records
// the variant's resolved defaults, and the test error falls.
func TestFactFormerFamily(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(factFormerTestConfig, "epochs = 4", "epochs = 12\neval_every = 1", 1)
	cfg := dataConfig(t, dir, text)
	if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	m := readMetrics(t, cfg)
	if want := cfg.factFormerConfig(2).ParamCount(); float64(m.Params) != want {
		t.Errorf("%d parameters, factformer.Config.ParamCount says %v", m.Params, want)
	}
	first := firstTestError(t, cfg)
	t.Logf("test rel L2: epoch 1 %.4f, final %.4f", first, m.TestRelL2)
	if !(m.TestRelL2 < 0.7*first) {
		t.Errorf("test rel L2 went from %.4f to %.4f", first, m.TestRelL2)
	}
	raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`variant = "factformer"`, "kernel_multiplier = 2", "latent_multiplier = 2.0", "pushforward_every = 3"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("config.toml lacks %q", want)
		}
	}
	if strings.Contains(string(raw), "modes") {
		t.Error("config.toml records model.modes, which a factformer does not read")
	}
}
