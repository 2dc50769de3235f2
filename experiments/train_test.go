package experiments

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

const fnoConfig = `
name = "fno-test"
seed = 5
run_dir = "RUN"

[data]
solver = "burgers"
output = "OUT"
train = 24
test = 8
resolution = 64
t_end = 0.5
snapshots = 2
dt = 1e-3

[data.params]
nu = 0.1

[model]
kind = "fno"
width = 8
modes = [6]
layers = 2
proj_hidden = 16

[train]
epochs = 6
batch = 8
lr = 5e-3
schedule = "step"
step_size = 3
eval_every = 3
checkpoint_every = 2

[eval]
subsamples = [1]
resolutions = [128]
superres_samples = 2
solver_samples = 2
`

// setupRun writes data once and returns a config factory whose runs go to
// fresh directories.
func setupRun(t *testing.T, text string) func() *Config {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.h5")
	text = strings.ReplaceAll(text, "OUT", data)
	cfgPath := filepath.Join(dir, "c.toml")
	n := 0
	mk := func() *Config {
		n++
		run := filepath.Join(dir, "run", string(rune('a'+n)))
		if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(text, "RUN", run)), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if _, err := Generate(context.Background(), mk(), GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	return mk
}

func TestTrainEvalFNO(t *testing.T) {
	mk := setupRun(t, fnoConfig)
	a := mk()
	sa, err := Train(context.Background(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The loss falls.
	first, last, epochs := lossTrend(t, a)
	if epochs != 6 || !(last < first/2) {
		t.Errorf("training loss went from %v to %v over %d epochs", first, last, epochs)
	}
	// Same seed, same numbers.
	b := mk()
	sb, err := Train(context.Background(), b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sa.TrainLoss != sb.TrainLoss || sa.TestRelL2 != sb.TestRelL2 {
		t.Errorf("two runs with the same seed differ: %+v vs %+v", sa, sb)
	}
	// Evaluation reloads the checkpoint: predictions equal the final model's.
	m, err := Evaluate(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if m.TestRelL2 != sa.TestRelL2 {
		t.Errorf("evaluation after reload %v, training's final test error %v", m.TestRelL2, sa.TestRelL2)
	}
	if m.SuperResolution["64"] != m.TestRelL2 || m.SuperResolution["128"] <= 0 || m.Speedup <= 0 {
		t.Errorf("metrics %+v", m)
	}
	var onDisk Metrics
	raw, _ := os.ReadFile(filepath.Join(a.RunDir(), "metrics.json"))
	if err := json.Unmarshal(raw, &onDisk); err != nil || onDisk.TestRelL2 != m.TestRelL2 {
		t.Errorf("metrics.json: %v %v", err, onDisk)
	}
	f, err := datasets.Open(filepath.Join(a.RunDir(), "predictions.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"input", "truth", "prediction"} {
		d, err := f.OpenDataset(name)
		if err != nil || !reflect.DeepEqual(d.Shape(), []int{8, 64, 1}) {
			t.Errorf("predictions %s: %v %v", name, d, err)
		}
	}
	// Resuming a finished run does nothing new and keeps the log.
	s2, err := Train(context.Background(), a, nil)
	if err != nil || s2.ResumedFrom != 6 {
		t.Errorf("rerun: %+v %v", s2, err)
	}
}

// lossTrend returns the first and last training losses of a run's log.
func lossTrend(t *testing.T, cfg *Config) (first, last float64, epochs int) {
	t.Helper()
	log, err := os.ReadFile(filepath.Join(cfg.RunDir(), "train_log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "epoch,") {
		t.Fatalf("train log:\n%s", log)
	}
	return atof(strings.Split(lines[1], ",")[3]), atof(strings.Split(lines[len(lines)-1], ",")[3]), len(lines) - 1
}

func atof(s string) float64 {
	var v float64
	json.Unmarshal([]byte(s), &v)
	return v
}

func TestModelConfigErrors(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown model", `kind = "fno"`, `kind = "unet"`, []string{"model.kind", `unknown model "unet"`}},
		{"width 0", `width = 8`, `width = 0`, []string{"model.width", "at least 1"}},
		{"modes too large", `modes = [6]`, `modes = [40]`, []string{"model.modes", "modes[0] = 40 exceeds", "data.resolution 64"}},
		{"modes dims", `modes = [6]`, `modes = [6, 6]`, []string{"model.modes", "1 values"}},
		{"no train", "[train]", "[trainx]", []string{"trainx"}},
		{"batch", `batch = 8`, `batch = 100`, []string{"train.batch", "exceeds the 24 training samples"}},
		{"optimizer", `lr = 5e-3`, "lr = 5e-3\noptimizer = \"sgd\"", []string{"train.optimizer"}},
		{"transform on fno", `width = 8`, "width = 8\ntransform = \"dft\"", []string{"model.transform", "kind fno does not use this key", "kind t1"}},
		{"unknown transform", `kind = "fno"`, "kind = \"t1\"\ntransform = \"fft\"", []string{"model.transform", `unknown transform "fft"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			text := strings.ReplaceAll(strings.Replace(fnoConfig, c.from, c.to, 1), "OUT", filepath.Join(dir, "d.h5"))
			text = strings.ReplaceAll(text, "RUN", dir)
			p := filepath.Join(dir, "c.toml")
			os.WriteFile(p, []byte(text), 0o644)
			_, err := Load(p)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestTrainNeedsData(t *testing.T) {
	dir := t.TempDir()
	text := strings.ReplaceAll(strings.ReplaceAll(fnoConfig, "OUT", filepath.Join(dir, "missing.h5")), "RUN", dir)
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(text), 0o644)
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "missing.h5") || !strings.Contains(err.Error(), "simulate generate") {
		t.Fatalf("missing data: %v", err)
	}
	// Data of another grid than the config describes.
	other := strings.Replace(fnoConfig, "resolution = 64", "resolution = 16", 1)
	other = strings.Replace(other, "modes = [6]", "modes = [4]", 1)
	mkSmall := setupRun(t, other)
	small := mkSmall()
	cfg.Data.Output = small.Data.Output
	_, err = Train(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "stores fields on 16 points per axis, the [data] section describes 64") {
		t.Fatalf("data/config mismatch: %v", err)
	}
	// A model whose modes do not fit the data's grid.
	small.Model.Modes = []int{20}
	_, err = Train(context.Background(), small, nil)
	if err == nil || !strings.Contains(err.Error(), "do not fit") || !strings.Contains(err.Error(), "modes[0] = 20") {
		t.Fatalf("model/data mismatch: %v", err)
	}
}

func TestTrainT1(t *testing.T) {
	for _, transform := range []string{"dct", "dft"} {
		t.Run(transform, func(t *testing.T) {
			text := strings.Replace(fnoConfig, `kind = "fno"`, "kind = \"t1\"\ntransform = \""+transform+"\"", 1)
			text = strings.Replace(text, "[eval]\nsubsamples = [1]\nresolutions = [128]", "[eval]", 1)
			mk := setupRun(t, text)
			cfg := mk()
			s, err := Train(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			first, last, _ := lossTrend(t, cfg)
			if !(last < first) || s.Params == 0 {
				t.Errorf("T1 %s loss %v -> %v (%d params)", transform, first, last, s.Params)
			}
			m, err := Evaluate(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if m.TestRelL2 != s.TestRelL2 {
				t.Errorf("reloaded T1 %s gives %v, trained %v", transform, m.TestRelL2, s.TestRelL2)
			}
		})
	}
}

const rolloutConfig = `
name = "rollout-test"
seed = 2
run_dir = "RUN"

[data]
solver = "navierstokes"
output = "OUT"
train = 12
test = 4
resolution = 16
t_end = 1.0
snapshots = 6
dt = 0.01

[data.params]
nu = 1e-2
scheme = "etdrk4"

[model]
kind = "fno"
task = "rollout"
t_in = 2
t_out = 3
width = 6
modes = [4, 4]
layers = 2
proj_hidden = 8

[train]
epochs = 8
batch = 4
lr = 5e-3
schedule = "none"
eval_every = 4

[eval]
subsamples = [1]
solver_samples = 1
`

func TestRolloutTraining(t *testing.T) {
	mk := setupRun(t, rolloutConfig)
	cfg := mk()
	s, err := Train(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, last, _ := lossTrend(t, cfg)
	if !(last < first) {
		t.Errorf("rollout loss %v -> %v", first, last)
	}
	m, err := Evaluate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.RolloutRelL2) != 3 || m.TestRelL2 != s.TestRelL2 {
		t.Fatalf("rollout metrics %+v (trained %v)", m, s.TestRelL2)
	}
	t.Logf("per-step errors %v, trajectory %v", m.RolloutRelL2, m.TestRelL2)
	bad := strings.Replace(rolloutConfig, "t_out = 3", "t_out = 5", 1)
	dir := t.TempDir()
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(strings.ReplaceAll(strings.ReplaceAll(bad, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)), 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "exceeds the 6 stored snapshots") {
		t.Errorf("rollout longer than the data: %v", err)
	}
}
