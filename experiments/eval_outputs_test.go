package experiments

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// TestFailedEvalKeepsOutputs: an evaluation that fails, before or while
// writing, leaves predictions.h5 and metrics.json byte-identical and no
// staged files.
func TestFailedEvalKeepsOutputs(t *testing.T) {
	text := strings.Replace(fnoConfig, "epochs = 6", "epochs = 2", 1)
	mk := setupRun(t, text)
	base := mk()
	if _, err := Train(context.Background(), base, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(context.Background(), base); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		break_ func(t *testing.T, cfg *Config)
		want   []string
	}{
		{"NaN weights", func(t *testing.T, c *Config) {
			model, _, err := buildModel(c, []int{64})
			if err != nil {
				t.Fatal(err)
			}
			params := model.Params()
			ck, err := nn.LoadCheckpoint(checkpointPath(c), params)
			if err != nil {
				t.Fatal(err)
			}
			w := params[len(params)-1].Var.Value.Data() // the output layer's bias
			w[0] = float32(math.NaN())
			if err := nn.SaveCheckpoint(checkpointPath(c), params, ck); err != nil {
				t.Fatal(err)
			}
		}, []string{"model predictions are not finite: 64 NaN values in test sample 0", "8 of 8 samples affected, 512 NaN values in all"}},
		{"superres_samples -1", func(t *testing.T, c *Config) { c.Eval.SuperresSamples = -1 },
			[]string{"eval.superres_samples must be at least 1", "found -1"}},
		{"solver_samples -1", func(t *testing.T, c *Config) { c.Eval.SolverSamples = -1 },
			[]string{"eval.solver_samples must be at least 0", "found -1"}},
		{"metrics cannot be staged", func(t *testing.T, c *Config) {
			os.Mkdir(filepath.Join(c.RunDir(), "metrics.json"+stagedSuffix), 0o755)
		}, []string{"metrics.json"}},
		{"predictions cannot be staged", func(t *testing.T, c *Config) {
			os.Mkdir(filepath.Join(c.RunDir(), "predictions.h5"+stagedSuffix), 0o755)
		}, []string{"predictions.h5" + stagedSuffix}},
		{"missing checkpoint", func(t *testing.T, c *Config) { os.Remove(checkpointPath(c)) }, []string{"simulate train"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := mk()
			copyDir(t, base.RunDir(), cfg.RunDir())
			c.break_(t, cfg)
			before := snapshot(t, cfg.RunDir(), "predictions.h5", "metrics.json", "train.json")
			if before["predictions.h5"] == nil || before["metrics.json"] == nil {
				t.Fatal("no earlier outputs to keep")
			}
			_, err := Evaluate(context.Background(), cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			sameFiles(t, cfg.RunDir(), before)
			noStaged(t, cfg.RunDir())
		})
	}
	// A successful evaluation replaces both.
	cfg := mk()
	copyDir(t, base.RunDir(), cfg.RunDir())
	os.WriteFile(filepath.Join(cfg.RunDir(), "metrics.json"), []byte("{}\n"), 0o644)
	if _, err := Evaluate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMetrics(cfg.RunDir()); err != nil {
		t.Errorf("after a successful evaluation: %v", err)
	}
	noStaged(t, cfg.RunDir())
}

// TestSuperResolutionNeedsSamples: evaluation itself refuses a sample
// count below 1 instead of indexing outside the test set.
func TestSuperResolutionNeedsSamples(t *testing.T) {
	for _, n := range []int{0, -1, -100} {
		cfg, err := loadText(t, burgersConfig)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Eval.SuperresSamples = n
		called := false
		_, err = superResolution(context.Background(), cfg, 256, []int{5, 6}, &normalizers{},
			func(*tensor.Tensor[float32], []int) (*tensor.Tensor[float32], error) { called = true; return nil, nil })
		if err == nil || called || !strings.Contains(err.Error(), "eval.superres_samples") {
			t.Errorf("superres_samples %d: %v (predict called: %v)", n, err, called)
		}
	}
}

func TestCheckFinitePredictions(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	mk := func(samples, per int, set map[int]float32) []float32 {
		v := make([]float32, samples*per)
		for i, x := range set {
			v[i] = x
		}
		return v
	}
	twelve := map[int]float32{}
	for i := 0; i < 12; i++ {
		twelve[3*16+i] = nan
	}
	cases := []struct {
		name    string
		v       []float32
		samples int
		what    string
		want    string // "" for no error
	}{
		{"finite", mk(4, 16, nil), 4, "", ""},
		{"12 NaN in sample 3", mk(4, 16, twelve), 4, "", "model predictions are not finite: 12 NaN values in test sample 3"},
		{"NaN and Inf in two samples", mk(4, 16, map[int]float32{17: nan, 18: inf, 40: -inf}), 4, "at resolution 128",
			"model predictions at resolution 128 are not finite: 1 NaN and 1 Inf values in test sample 1 (2 of 4 samples affected, 1 NaN and 2 Inf values in all)"},
		{"no samples", nil, 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkFinitePredictions(c.v, c.samples, c.what)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestCheckFiniteMetrics(t *testing.T) {
	good := Metrics{TestRelL2: 0.1, Speedup: 3, SuperResolution: map[string]float64{"128": 0.2}, RolloutRelL2: []float64{0.1, 0.2}}
	cases := []struct {
		name   string
		change func(m *Metrics)
		want   string
	}{
		{"finite", func(m *Metrics) {}, ""},
		{"NaN mean", func(m *Metrics) { m.TestRelL2 = math.NaN() }, "metric test_rel_l2 is NaN"},
		{"infinite speedup", func(m *Metrics) { m.Speedup = math.Inf(1) }, "metric speedup is +Inf"},
		{"super-resolution", func(m *Metrics) { m.SuperResolution = map[string]float64{"128": math.NaN()} }, "metric super_resolution[128] is NaN"},
		{"rollout frame", func(m *Metrics) { m.RolloutRelL2 = []float64{0.1, math.Inf(-1)} }, "metric rollout_rel_l2[1] (predicted frame 2) is -Inf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := good
			c.change(&m)
			err := checkFiniteMetrics(&m)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
