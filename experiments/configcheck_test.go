package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadFNOVariant writes fnoConfig with one replacement into a temporary
// directory and loads it.
func loadFNOVariant(t *testing.T, from, to string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	text := fnoConfig
	if from != "" {
		if !strings.Contains(text, from) {
			t.Fatalf("fnoConfig has no %q", from)
		}
		text = strings.Replace(text, from, to, 1)
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)
	p := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

// TestBadValuesRefusedAtTheirLine covers the classes of bad values that
// used to be accepted or to fail late: wrong TOML types, non-finite and
// out-of-range numbers, negative counters, keys of another model kind,
// unsafe names, step counts that overflow, and sizes that cannot fit in
// memory. Each must be refused at load, naming the key and its line.
func TestBadValuesRefusedAtTheirLine(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string
	}{
		// TOML types in TOML words.
		{"modes not a list", `modes = [6]`, `modes = 16`, []string{":22:", "model.modes", "must be a list of integers, found 16 (an integer)"}},
		{"modes with a fraction", `modes = [6]`, `modes = [6.5]`, []string{":22:", "model.modes", "list of integers", "[6.5] (a list)"}},
		{"width a string", `width = 8`, `width = "8"`, []string{":21:", "model.width", `must be an integer, found "8" (a string)`}},
		{"resolution as a float", `resolution = 64`, `resolution = 1e12`, []string{":11:", "data.resolution", "must be an integer, found 1e+12"}},
		{"table as a value", `superres_samples = 2`, `superres_samples = {a = 1}`, []string{":38:", "eval.superres_samples", "must be an integer, found a table"}},
		{"seed negative", `seed = 5`, `seed = -1`, []string{":3:", "seed", "must be a non-negative integer, found -1"}},
		{"params type", `nu = 0.1`, `nu = "x"`, []string{":17:", "data.params.nu", "must be a number"}},
		// Non-finite and out-of-range numbers.
		{"lr inf", `lr = 5e-3`, `lr = inf`, []string{":29:", "train.lr", "finite"}},
		{"lr zero", `lr = 5e-3`, `lr = 0.0`, []string{":29:", "train.lr", "must be positive"}},
		{"weight decay nan", `lr = 5e-3`, "lr = 5e-3\nweight_decay = nan", []string{":30:", "train.weight_decay", "finite number, found NaN"}},
		{"t_end inf", `t_end = 0.5`, `t_end = inf`, []string{":12:", "data.t_end", "finite"}},
		{"ic_sigma inf", `nu = 0.1`, "nu = 0.1\nic_sigma = inf", []string{":18:", "data.params.ic_sigma", "finite"}},
		{"ic_tau negative", `nu = 0.1`, "nu = 0.1\nic_tau = -1.0", []string{":18:", "data.params.ic_tau", "must be positive"}},
		{"ic_sigma negative", `nu = 0.1`, "nu = 0.1\nic_sigma = -1.0", []string{":18:", "data.params.ic_sigma", "non-negative"}},
		{"gamma zero", `step_size = 3`, "step_size = 3\ngamma = 0.0", []string{":32:", "train.gamma", "must be positive"}},
		{"gamma negative", `step_size = 3`, "step_size = 3\ngamma = -0.5", []string{"train.gamma", "must be positive"}},
		{"checkpoint_every negative", `checkpoint_every = 2`, `checkpoint_every = -2`, []string{":33:", "train.checkpoint_every", ">= 0"}},
		{"checkpoint_seconds negative", `checkpoint_every = 2`, "checkpoint_every = 2\ncheckpoint_seconds = -5.0", []string{":34:", "train.checkpoint_seconds", "finite and >= 0"}},
		{"eval_every negative", `eval_every = 3`, `eval_every = -1`, []string{":32:", "train.eval_every", ">= 0"}},
		{"superres_samples negative", `superres_samples = 2`, `superres_samples = -1`, []string{":38:", "eval.superres_samples", ">= 0"}},
		{"solver_samples negative", `solver_samples = 2`, `solver_samples = -1`, []string{":39:", "eval.solver_samples", ">= 0"}},
		{"subsample factor beyond the grid", `subsamples = [1]`, `subsamples = [100]`, []string{":36:", "eval.subsamples", "between 1 and"}},
		// Keys of another model kind.
		{"pinn key on fno", `step_size = 3`, "step_size = 3\nlbfgs_iters = 10", []string{":32:", "train.lbfgs_iters", "kind fno does not use this key", "lpinn, pinn"}},
		{"lpinn key on fno", `layers = 2`, "layers = 2\ndepth_x = 3", []string{":24:", "model.depth_x", "kind fno"}},
		// Names that are not one ordinary directory name.
		{"name dot", `name = "fno-test"`, `name = "."`, []string{":2:", "name", "directory name"}},
		{"name dotdot", `name = "fno-test"`, `name = ".."`, []string{":2:", "name", "directory name"}},
		{"name separator", `name = "fno-test"`, `name = "a/b"`, []string{"name", "path separators"}},
		{"name control", `name = "fno-test"`, `name = "a\tb"`, []string{"name", "control characters"}},
		{"name too long", `name = "fno-test"`, `name = "` + strings.Repeat("n", 101) + `"`, []string{"name", "at most 100 bytes"}},
		// Step counts that overflow.
		{"dt 1e-300", `dt = 1e-3`, `dt = 1e-300`, []string{":14:", "data.dt", "time steps per sample"}},
		{"dt 1e-19", `dt = 1e-3`, `dt = 1e-19`, []string{":14:", "data.dt", "increase dt"}},
		// Sizes that cannot fit: the key, the estimate and the machine's memory.
		{"resolution 1e12", `resolution = 64`, `resolution = 1000000000000`, []string{":11:", "data.resolution", "generate needs about", "more than this machine's"}},
		{"width 1e8", `width = 8`, `width = 100000000`, []string{":21:", "model.width", "training needs about", "parameters"}},
		{"layers 1e9", `layers = 2`, `layers = 1000000000`, []string{":23:", "model.layers", "training needs about"}},
		{"eval resolution 1e8", `resolutions = [128]`, `resolutions = [100000000]`, []string{":37:", "eval.resolutions", "evaluation at resolution 100000000 needs about"}},
		{"train 1e12", `train = 24`, `train = 1000000000000`, []string{"data.train"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadFNOVariant(t, c.from, c.to)
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

func TestOptimizerDefaultLearningRate(t *testing.T) {
	for _, opt := range []string{"adam", "adamw"} {
		cfg, err := loadFNOVariant(t, `lr = 5e-3`, `optimizer = "`+opt+`"`)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Train.LR != 1e-3 {
			t.Errorf("%s without train.lr: lr %v, want 1e-3", opt, cfg.Train.LR)
		}
	}
}

// A run directory below a regular file is blamed on run_dir (or name when
// run_dir is not set), not on data.output, which the user never wrote.
func TestRunDirUnderAFileNamesRunDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(fnoConfig, "output = \"OUT\"\n", "", 1)
	text = strings.ReplaceAll(text, "RUN", filepath.Join(file, "run"))
	p := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), ":4: run_dir:") || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("run_dir under a file: %v", err)
	}
	for _, bad := range []string{".", dir + "/..", "/"} {
		_, err := LoadWithOverrides(p, []Override{{Key: "run_dir", Value: `"` + bad + `"`}})
		if bad == "." || bad == "/" {
			if err == nil || !strings.Contains(err.Error(), "working directory or above it") {
				t.Errorf("run_dir %q: %v", bad, err)
			}
		}
	}
}

func TestOverrideValuesThatDoNotParse(t *testing.T) {
	dir := t.TempDir()
	text := strings.ReplaceAll(strings.ReplaceAll(fnoConfig, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)
	p := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		set  string
		want []string
	}{
		{"model.modes=[1,2,", []string{"model.modes", "[1,2, is not valid TOML"}},
		{"model.activation={a=", []string{"model.activation", "not valid TOML"}},
		{`name="abc`, []string{"name", "not valid TOML"}},
		{"model.modes=16", []string{"model.modes", "must be a list of integers, found 16 (an integer)", "-set model.modes=16"}},
		{"train.lr=3e-4x", []string{"train.lr", `must be a number, found "3e-4x" (a string)`}},
		{"name=..", []string{"name", "directory name"}},
		{"seed=-1", []string{"seed", "non-negative"}},
	}
	for _, c := range cases {
		t.Run(c.set, func(t *testing.T) {
			o, err := ParseOverride(c.set)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadWithOverrides(p, []Override{o})
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
	// A bare word is still a string.
	o, _ := ParseOverride("model.activation=tanh")
	if cfg, err := LoadWithOverrides(p, []Override{o}); err != nil || cfg.Model.Activation != "tanh" {
		t.Fatalf("bare word: %v", err)
	}
}

func TestParseOverrideKeys(t *testing.T) {
	for _, c := range []struct {
		set string
		ok  bool
	}{
		{"train.lr=3e-4", true}, {"data.params.ic_alpha=2", true}, {" model.kind = t1 ", true},
		{"train..lr=1", false}, {".lr=1", false}, {"train.lr.=1", false}, {"=1", false}, {"lr", false},
		{"train.l r=1", false}, {"train.l\tr=1", false}, {"data.\"x\"=1", false},
	} {
		_, err := ParseOverride(c.set)
		if (err == nil) != c.ok {
			t.Errorf("ParseOverride(%q): error %v, want ok %v", c.set, err, c.ok)
		}
	}
}

// The checkpoint interval changes how training runs, not what it makes:
// neither the stage hashes nor the changed keys see it.
func TestCheckpointIntervalIsNeutral(t *testing.T) {
	dir := t.TempDir()
	text := strings.ReplaceAll(strings.ReplaceAll(fnoConfig, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)
	p := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(sets ...Override) *Config {
		cfg, err := LoadWithOverrides(p, sets)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	a := load()
	b := load(Override{Key: "train.checkpoint_every", Value: "1"})
	c := load(Override{Key: "train.lr", Value: "4e-3"})
	for _, stage := range []string{StageGenerate, StageTrain, StageEval} {
		ha, _ := a.StageHash(stage)
		hb, _ := b.StageHash(stage)
		if ha != hb {
			t.Errorf("%s: checkpoint_every changes the stage hash", stage)
		}
	}
	ta, _ := a.Resolved()
	tb, _ := b.Resolved()
	tc, _ := c.Resolved()
	if k := ChangedKeys(ta, tb); len(k) != 0 {
		t.Errorf("checkpoint_every counted as a change: %v", k)
	}
	if k := ChangedKeys(ta, tc); len(k) != 1 || k[0] != "train.lr" {
		t.Errorf("lr change: changed keys %v, want [train.lr]", k)
	}
	ha, _ := a.StageHash(StageTrain)
	hc, _ := c.StageHash(StageTrain)
	if ha == hc {
		t.Error("lr does not change the train stage hash")
	}
}
