package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompareRefusesIncompleteMetrics: compare refuses a metrics.json that
// is null, {} or lacks keys, naming the file and what is missing, and
// prints no table.
func TestCompareRefusesIncompleteMetrics(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"null", "null", []string{"expected a JSON object", "found null"}},
		{"empty object", "{}", []string{"missing test_rel_l2", "params", "speedup", "found no keys"}},
		{"missing keys", `{"test_rel_l2": 0.1, "params": 3}`, []string{"missing test_rel_l2_std", "found keys params, test_rel_l2"}},
		{"null value", `{"test_rel_l2": null}`, []string{"null test_rel_l2"}},
		{"not JSON", "oops", []string{"expected a JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "metrics.json")
			os.WriteFile(path, []byte(c.text), 0o644)
			code, out, errOut := runCLI("compare", dir)
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q", code, out)
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestCompareLabelsRowsByRunDirectory: each row is labelled by its run
// directory as given (cleaned, pipes escaped), with the study name added
// when it differs from the directory's base name, so two runs of one
// config are told apart; speed-ups keep three significant digits below
// 100 (0.0213x, not 0x) and are whole numbers from 100 up.
func TestCompareLabelsRowsByRunDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	cases := []struct {
		arg       string // the run directory as given on the command line
		study     string // name in its config.toml; "" writes no config.toml
		speedup   float64
		wantLabel string
		wantModel string
		wantSpeed string
	}{
		{"runs/burgers-fno", "burgers-fno", 0.0213, "runs/burgers-fno", "fno w64 m[16]", "0.0213x"},
		{"runs/burgers-fno-lr3e-4/", "burgers-fno", 1275.9, "runs/burgers-fno-lr3e-4 (burgers-fno)", "fno w64 m[16]", "1276x"},
		{"./sweep/a", "burgers-fno", 45.67, "sweep/a (burgers-fno)", "fno w64 m[16]", "45.7x"},
		{"sweep/b", "burgers-fno", 0.5, "sweep/b (burgers-fno)", "fno w64 m[16]", "0.5x"},
		{"odd|name", "odd|name", 2.5, `odd\|name`, "fno w64 m[16]", "2.5x"},
		{"bare", "", 0, "bare", "?", "0x"},
	}
	var args []string
	for _, c := range cases {
		writeCompareRun(t, c.arg, c.study, c.speedup)
		args = append(args, c.arg)
	}
	code, out, errOut := runCLI(append([]string{"compare"}, args...)...)
	if code != 0 {
		t.Fatalf("compare exit %d: %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(rows) != 2+len(cases) {
		t.Fatalf("%d lines, want a header, a rule and %d rows:\n%s", len(rows), len(cases), out)
	}
	for i, c := range cases {
		row := rows[2+i]
		wantStart := "| " + c.wantLabel + " | " + c.wantModel + " | 1000 | "
		if !strings.HasPrefix(row, wantStart) || !strings.HasSuffix(row, " | "+c.wantSpeed+" |") {
			t.Errorf("%s: row\n%s\nwant it to start %q and end %q", c.arg, row, wantStart, " | "+c.wantSpeed+" |")
		}
	}
}

// writeCompareRun writes a run directory holding a complete metrics.json
// with the given speed-up and, unless study is "", a config.toml naming the
// study and an FNO of width 64 with 16 modes.
func writeCompareRun(t *testing.T, dir, study string, speedup float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	metrics := fmt.Sprintf(`{"test_rel_l2": 0.001, "test_rel_l2_std": 0.0002, "test_rel_l2_max": 0.004, "test_samples": 20,
		"resolution": [256], "params": 1000, "train_seconds": 12, "inference_seconds_per_sample": 0.01,
		"solver_seconds_per_sample": %g, "speedup": %g}`, 0.01*speedup, speedup)
	if err := os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(metrics), 0o644); err != nil {
		t.Fatal(err)
	}
	if study == "" {
		return
	}
	config := fmt.Sprintf("name = %q\n\n[model]\nkind = \"fno\"\nwidth = 64\nmodes = [16]\n", study)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareLongRollouts: runs with a long rollout get a second table
// (steps 1, 8 and the last, persistence, distances at the last step) and
// -figure draws their errors per step in one figure.
func TestCompareLongRollouts(t *testing.T) {
	dir := t.TempDir()
	steps := make([]float64, 10)
	for i := range steps {
		steps[i] = 0.01 * float64(i+1)
	}
	var runs []string
	for i, kind := range []string{"fno", "factformer"} {
		run := filepath.Join(dir, kind)
		os.MkdirAll(run, 0o755)
		m := map[string]any{"test_rel_l2": 0.1, "test_rel_l2_std": 0.01, "test_rel_l2_max": 0.2, "test_samples": 4, "resolution": []int{8, 8},
			"params": 100, "train_seconds": 1, "inference_seconds_per_sample": 0.1, "solver_seconds_per_sample": 1, "speedup": 10,
			"long_rollout": map[string]any{"steps": 10, "rel_l2": steps, "persistence_rel_l2": []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1, 1, 1.25},
				"compare_steps": []int{1, 10}, "spectrum_distance": []float64{0.1, 0.5 + float64(i)}, "pdf_distance": []float64{0.01, 0.03},
				"time_averaged": map[string]any{"EnergyTruth": 2.0, "EnergyPred": 1.5}}}
		raw, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(run, "metrics.json"), raw, 0o644)
		os.WriteFile(filepath.Join(run, "config.toml"), []byte("name = \"kf\"\n[model]\nkind = \""+kind+"\"\nwidth = 8\n"), 0o644)
		runs = append(runs, run)
	}
	fig := filepath.Join(dir, "figs", "kolmogorov")
	code, out, errOut := runCLI(append([]string{"compare", "-figure", fig}, runs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| rel L2 step 1 | step 8 | last |", "| 10 | 0.01 | 0.08 | 0.1 | 0.5 | 1 | 1.25 | 1.5 | 0.03 | 0.75 |", "| 10 | 0.01 | 0.08 | 0.1 | 0.5 | 1 | 1.25 | 0.5 | 0.03 | 0.75 |", "wrote " + fig + ".png"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(fig + ".svg"); err != nil {
		t.Error(err)
	}
}

// TestCompareParticleRollouts: particle models get a table of their
// rollouts: a full-order model advances every particle, a reduced-order
// one its fraction, with the MSE over all particles reconstructed and the
// reconstruction against inverse distance; -figure draws the MSE per
// step.
func TestCompareParticleRollouts(t *testing.T) {
	dir := t.TempDir()
	mse := make([]float64, 12)
	for i := range mse {
		mse[i] = 1e-6 * float64(i+1)
	}
	dense := make([]float64, 12)
	for i := range dense {
		dense[i] = 2e-6 * float64(i+1)
	}
	var runs []string
	for _, kind := range []string{"gns", "giorom", "old"} {
		run := filepath.Join(dir, kind)
		os.MkdirAll(run, 0o755)
		m := map[string]any{"test_rel_l2": 0.1, "test_rel_l2_std": 0.01, "test_rel_l2_max": 0.2, "test_samples": 3, "resolution": []int{500, 2},
			"params": 100, "train_seconds": 1, "inference_seconds_per_sample": 0.02, "solver_seconds_per_sample": 0.001, "speedup": 0.05,
			"rollout_mse": mse, "chamfer_last": 3e-5, "constant_velocity_mse": dense}
		if kind == "old" { // evaluated before the baseline was measured
			delete(m, "constant_velocity_mse")
		}
		if kind == "giorom" {
			m["rollout_start_frame"] = 200
			m["sparse"] = map[string]any{"sampling": 0.1, "dense_rollout_mse": dense, "subset_rel_l2": 0.05, "step_seconds_per_frame": 0.005,
				"recon_seconds_per_frame": 0.015, "recon_rel_l2": 0.08, "idw_rel_l2": 0.12, "interp_rel_l2": 0.09}
		}
		raw, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(run, "metrics.json"), raw, 0o644)
		runs = append(runs, run)
	}
	fig := filepath.Join(dir, "figs", "particles")
	code, out, errOut := runCLI(append([]string{"compare", "-figure", fig}, runs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(fig + ".png"); err != nil {
		t.Errorf("the particle MSE figure: %v", err)
	}
	for _, want := range []string{
		"| advanced | from frame | MSE step 1 | step 10 | last | all particles: step 1 | step 10 | last | constant velocity (last) |",
		"gns | 100% | 0 | 1e-06 | 1e-05 | 1.2e-05 | 1e-06 | 1e-05 | 1.2e-05 | 2.4e-05 | 3e-05 | 0.02 | 0.02 | 0.001 | - | - |",
		"old | 100% | 0 | 1e-06 | 1e-05 | 1.2e-05 | 1e-06 | 1e-05 | 1.2e-05 | - | 3e-05 |",
		"giorom | 10.0% | 200 | 1e-06 | 1e-05 | 1.2e-05 | 2e-06 | 2e-05 | 2.4e-05 | 2.4e-05 | 3e-05 | 0.005 | 0.02 | 0.001 | 0.08 | 0.09 | 0.12 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// writeResolvedRun writes a run directory with a metrics.json of the
// given test error (unless relL2 < 0: an unfinished run) and a resolved
// config.toml whose run_dir and data.output are its own, with the given
// learning rate and extra [train] lines.
func writeResolvedRun(t *testing.T, dir, lr, extraTrain string, relL2 float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("name = %q\nrun_dir = %q\nseed = 1\n\n[data]\noutput = %q\nsolver = \"burgers\"\n\n[model]\nkind = \"fno\"\nwidth = 8\nmodes = [6]\n\n[train]\nlr = %s\nepochs = 3\n%s",
		filepath.Base(dir), dir, filepath.Join(dir, "data", "data.h5"), lr, extraTrain)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if relL2 < 0 {
		return
	}
	metrics := fmt.Sprintf(`{"test_rel_l2": %g, "test_rel_l2_std": 0.0002, "test_rel_l2_max": 0.004, "test_samples": 20,
		"resolution": [32], "params": 1000, "train_seconds": 12, "inference_seconds_per_sample": 0.01,
		"solver_seconds_per_sample": 0.1, "speedup": 10}`, relL2)
	if err := os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(metrics), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareColumnsForDifferingSettings: runs whose resolved configs
// differ get those keys as columns after the run (not name, run_dir or
// data.output, which always differ, nor keys all runs share); a key one
// run lacks shows "-". Without rollouts, -figure draws the test error
// against the first differing key.
func TestCompareColumnsForDifferingSettings(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	writeResolvedRun(t, a, "0.001", "", 0.2)
	writeResolvedRun(t, b, "0.0003", "", 0.1)
	code, out, errOut := runCLI("compare", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| run | train.lr | model | params |", "|---|---|---|---:|", "| " + a + " | 0.001 | fno w8 m[6] | 1000 | 0.2 |", "| " + b + " | 0.0003 | fno w8 m[6] | 1000 | 0.1 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	writeResolvedRun(t, c, "0.001", "clip = 1.0\n", 0.3)
	fig := filepath.Join(dir, "figs", "lr")
	code, out, errOut = runCLI("compare", "-figure", fig, a, b, c)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| run | train.clip | train.lr | model |", "| " + a + " | - | 0.001 |", "| " + c + " | 1 | 0.001 |", "wrote " + fig + ".png"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkPNG(t, fig+".png")
	cmp, err := loadComparison([]string{a, b, c}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if key := cmp.figureKey(); key != "train.lr" {
		t.Errorf("figure key %q, want train.lr (numeric in every run; train.clip is not)", key)
	}
}

// TestCompareFigureKey: without a sweep, the figure's x axis is the first
// (sorted) differing key that is a number in every drawn run; with none,
// the first differing key; for a sweep, its first swept key.
func TestCompareFigureKey(t *testing.T) {
	cases := []struct {
		name    string
		configs []string // each run's config.toml ("": none)
		axes    []string
		want    string
	}{
		{"numeric in every run", []string{"[train]\nlr = 1.0\nclip = 1.0", "[train]\nlr = 2.0", "[train]\nlr = 3.0"}, nil, "train.lr"},
		{"first sorted numeric", []string{"[train]\nlr = 1.0\nbatch = 4", "[train]\nlr = 2.0\nbatch = 8"}, nil, "train.batch"},
		{"none numeric", []string{"[model]\nactivation = \"gelu\"", "[model]\nactivation = \"relu\""}, nil, "model.activation"},
		{"unknown config ignored", []string{"[train]\nlr = 1.0", "[train]\nlr = 2.0", ""}, nil, "train.lr"},
		{"sweep: first axis", []string{"[train]\nlr = 1.0\n[model]\nact = \"a\"", "[train]\nlr = 2.0\n[model]\nact = \"b\""}, []string{"model.act", "train.lr"}, "model.act"},
		{"nothing differs", []string{"[train]\nlr = 1.0", "[train]\nlr = 1.0"}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dirs []string
			for i, cfg := range c.configs {
				dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
				writeCompareRun(t, dir, "", 1)
				if cfg != "" {
					os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg+"\n"), 0o644)
				}
				dirs = append(dirs, dir)
			}
			cmp, err := loadComparison(dirs, c.axes, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if got := cmp.figureKey(); got != c.want {
				t.Errorf("figure key %q, want %q (keys %q)", got, c.want, cmp.keys)
			}
		})
	}
}

// TestCompareDamagedConfig: a config.toml that does not parse is a
// warning naming the file and the error; the run's settings show "?", and
// it is left off the figure, whose numeric axis stays numeric.
func TestCompareDamagedConfig(t *testing.T) {
	dir := t.TempDir()
	a, b, bad := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "bad")
	writeResolvedRun(t, a, "0.001", "", 0.2)
	writeResolvedRun(t, b, "0.0003", "", 0.1)
	writeResolvedRun(t, bad, "0.01", "", 0.3)
	path := filepath.Join(bad, "config.toml")
	os.WriteFile(path, []byte("[train\nlr = 0.01\n"), 0o644)
	fig := filepath.Join(dir, "fig")
	code, out, errOut := runCLI("compare", "-figure", fig, a, b, bad)
	if code != 0 || !strings.Contains(out, "| "+bad+" | ? | ? | 1000 | 0.3 |") || !strings.Contains(out, "wrote "+fig+".png") {
		t.Errorf("exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(errOut, "warning: "+path+": expected the run's resolved config (TOML): ") || !strings.Contains(errOut, "toml: line 2") {
		t.Errorf("stderr lacks the warning naming %s and the parse error:\n%s", path, errOut)
	}
	cmp, err := loadComparison([]string{a, b, bad}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var xs []string
	for _, r := range cmp.sweepResults(cmp.figureKey()) {
		xs = append(xs, r.X)
	}
	if !slices.Equal(xs, []string{"0.001", "0.0003"}) {
		t.Errorf("figure x values %q, want the two readable runs' learning rates", xs)
	}
}

// TestCompareDifferingKeys: the swept keys come first, in order, then the
// other differing keys sorted; a swept key holding a table shows as its
// differing leaves only.
func TestCompareDifferingKeys(t *testing.T) {
	cfg := func(nu, lr float64, act string) map[string]any {
		return map[string]any{"name": "x", "data": map[string]any{"output": "x.h5", "params": map[string]any{"nu": nu, "k": 1.0}},
			"train": map[string]any{"lr": lr}, "model": map[string]any{"activation": act}}
	}
	cases := []struct {
		name    string
		configs []map[string]any
		axes    []string
		want    []string
	}{
		{"table axis", []map[string]any{cfg(0.1, 1, "a"), cfg(0.2, 1, "a")}, []string{"data.params"}, []string{"data.params.nu"}},
		{"table axis and another", []map[string]any{cfg(0.1, 1, "a"), cfg(0.2, 2, "a")}, []string{"train.lr", "data.params"}, []string{"train.lr", "data.params.nu"}},
		{"leaf axis", []map[string]any{cfg(0.1, 1, "a"), cfg(0.2, 1, "b")}, []string{"data.params.nu"}, []string{"data.params.nu", "model.activation"}},
		{"no axes", []map[string]any{cfg(0.1, 2, "a"), nil, cfg(0.1, 1, "b")}, nil, []string{"model.activation", "train.lr"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := differingKeys(c.configs, c.axes); !slices.Equal(got, c.want) {
				t.Errorf("keys %q, want %q", got, c.want)
			}
		})
	}
}

// TestCompareRunState: a run without metrics says how far it got: a
// missing directory, no run.json, an unreadable run.json, a stage.
func TestCompareRunState(t *testing.T) {
	cases := []struct {
		name    string
		runJSON string // "-": no directory; "": no run.json
		want    string
	}{
		{"no directory", "-", "no such directory"},
		{"no run.json", "", "not started"},
		{"damaged run.json", "{oops", "run.json unreadable: "},
		{"training", `{"stages": {"generate": {"status": "done"}, "train": {"status": "running"}}}`, "train running or stopped"},
		{"eval failed", `{"stages": {"generate": {"status": "done"}, "train": {"status": "done"}, "eval": {"status": "failed"}}}`, "eval failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			if c.runJSON != "-" {
				os.MkdirAll(dir, 0o755)
			}
			if c.runJSON != "-" && c.runJSON != "" {
				os.WriteFile(filepath.Join(dir, "run.json"), []byte(c.runJSON), 0o644)
			}
			if got := runState(dir); !strings.HasPrefix(got, c.want) {
				t.Errorf("state %q, want it to start %q", got, c.want)
			}
		})
	}
}

// TestCompareUnfinishedRuns: a run without metrics.json is a row saying
// how far it got (from run.json), the finished runs are tabulated, and
// compare exits 1 naming the unfinished ones in one line; a sweep
// directory's unfinished points likewise.
func TestCompareUnfinishedRuns(t *testing.T) {
	dir := t.TempDir()
	done, training, fresh := filepath.Join(dir, "done"), filepath.Join(dir, "training"), filepath.Join(dir, "fresh")
	writeResolvedRun(t, done, "0.001", "", 0.2)
	writeResolvedRun(t, training, "0.0003", "", -1)
	os.WriteFile(filepath.Join(training, "run.json"), []byte(`{"stages": {"generate": {"status": "done"}, "train": {"status": "running"}}}`), 0o644)
	code, out, errOut := runCLI("compare", done, training, fresh)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"| " + done + " | 0.001 | fno w8 m[6] | 1000 | 0.2 |", "| " + training + " | 0.0003 | fno w8 m[6] | - | unfinished: train running or stopped | - |",
		"| " + fresh + " | ? | ? | - | unfinished: no such directory | - |"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "2 of 3 runs have no metrics.json") || !strings.Contains(errOut, training+" (train running or stopped), "+fresh+" (no such directory)") ||
		strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("stderr: %s", errOut)
	}

	// The same runs as a sweep's points: the swept key is the column.
	manifest := `{"config": "x.toml", "axes": [{"key": "train.lr", "values": ["1e-3", "3e-4"]}],
		"points": [{"index": 0, "dir": "done"}, {"index": 1, "dir": "training"}]}`
	os.WriteFile(filepath.Join(dir, "sweep.json"), []byte(manifest), 0o644)
	code, out, errOut = runCLI("compare", dir)
	if code != 1 || !strings.Contains(out, "| run | train.lr | model |") || !strings.Contains(out, "| "+training+" | 0.0003 | fno w8 m[6] | - | unfinished: train running") ||
		!strings.Contains(errOut, "1 of 2 runs have no metrics.json") {
		t.Errorf("sweep: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestCompareDamagedSweepManifest: a sweep.json that is not a manifest is
// refused, naming the file, before any table.
func TestCompareDamagedSweepManifest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sweep.json")
	os.WriteFile(path, []byte(`{"axes": []}`), 0o644)
	code, out, errOut := runCLI("compare", dir)
	if code != 1 || out != "" || !strings.Contains(errOut, path) || !strings.Contains(errOut, "expected a sweep manifest with axes and points, found 0 axes and 0 points") {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
}
