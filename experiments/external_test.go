package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// The fixtures' sizes (datasets/testdata/pdebench_fixtures.py).
const fixtureSamples, fixtureFrames = 12, 11

// pdebenchFixtures writes the h5py fixtures (PDEBench's file names,
// datasets, shapes and attributes; gzip and LZF) into a new directory;
// nanSample >= 0 puts a NaN into that sample.
func pdebenchFixtures(t *testing.T, nanSample int) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import h5py").CombinedOutput(); err != nil {
		msg := "the PDEBench fixtures are written by Debian's python3-h5py: " + strings.TrimSpace(string(out))
		if os.Getenv("SURROGO_REQUIRE_H5PY") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	args := []string{filepath.Join("..", "datasets", "testdata", "pdebench_fixtures.py"), dir}
	if nanSample >= 0 {
		args = append(args, "--nan-sample", strconv.Itoa(nanSample))
	}
	if out, err := exec.Command(python, args...).CombinedOutput(); err != nil {
		t.Fatalf("pdebench_fixtures.py: %v\n%s", err, out)
	}
	return dir
}

// fixtureValue is the fixtures' formula: variable k of sample s, frame t,
// grid point (i, j).
func fixtureValue(k, s, t, i, j int) float32 {
	return float32(32*float64(k) + float64(s+1)*(1+float64(t)/16+float64(i)/512+float64(j)/8192))
}

// fileStudy is a study of a tiny FNO on one fixture file.
func fileStudy(dir, fixture, data, model string) string {
	return `
name = "pdebench"
seed = 3
run_dir = "` + filepath.Join(dir, "run") + `"

[data]
file = "` + fixture + `"
train = 9
test = 3
` + data + `

[model]
kind = "fno"
width = 8
` + model + `

[train]
epochs = 30
batch = 3
lr = 3e-3
schedule = "none"
eval_every = 1
`
}

// TestTrainOnPDEBenchFiles runs the whole pipeline on each PDEBench
// layout read from h5py-written files: the targets stored in
// predictions.h5 are the file's values for the chosen frames, variables
// and test samples (the last three), the test error falls during
// training, and metrics.json says no solver was evaluated.
func TestTrainOnPDEBenchFiles(t *testing.T) {
	fx := pdebenchFixtures(t, -1)
	cases := []struct {
		name, file, data, model string
		grid                    []int
		// target frames and variables of the truth, frame-major
		frames, vars []int
	}{
		{"burgers map first to last", "1D_Burgers_Sols_Nu0.01.hdf5", "", "modes = [4]", []int{32}, []int{10}, []int{0}},
		{"advection map chosen frames", "1D_Advection_Sols_beta0.1.hdf5", "input_frame = 2\ntarget_frame = 7", "modes = [4]", []int{32}, []int{7}, []int{0}},
		{"advection rollout window", "1D_Advection_Sols_beta0.1.hdf5", "frame_start = 1\nframe_stride = 2",
			"modes = [4]\ntask = \"rollout\"\nt_in = 2\nt_out = 3", []int{32}, []int{5, 7, 9}, []int{0}},
		{"darcy nu to u", "2D_DarcyFlow_beta1.0_Train.hdf5", "", "modes = [4, 4]", []int{16, 16}, []int{1}, []int{0}},
		{"diff-react groups rollout", "2D_diff-react_NA_NA.h5", "", "modes = [4, 4]\ntask = \"rollout\"\nt_in = 2\nt_out = 2",
			[]int{16, 16}, []int{2, 3}, []int{0, 1}},
		{"cfd two variables rollout", "1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5", "variables = [\"density\", \"Vx\"]",
			"modes = [4]\ntask = \"rollout\"\nt_in = 3\nt_out = 2", []int{32}, []int{3, 4}, []int{0, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := dataConfig(t, dir, fileStudy(dir, filepath.Join(fx, c.file), c.data, c.model))
			if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
				t.Fatal(err)
			}
			checkFileTruth(t, cfg, c.grid, c.frames, c.vars)
			m := readMetrics(t, cfg)
			if !strings.Contains(m.SolverSkipped, c.file) || m.SolverSecondsPerSample != 0 {
				t.Errorf("metrics.json: solver_skipped %q, solver time %v; want the file named and no solver time", m.SolverSkipped, m.SolverSecondsPerSample)
			}
			first, last := firstTestError(t, cfg), m.TestRelL2
			t.Logf("test rel L2: epoch 1 %.4f, final %.4f", first, last)
			if !(last < 0.5*first) {
				t.Errorf("test rel L2 went from %.4f to %.4f: training did not learn the file's map", first, last)
			}
		})
	}
}

// firstTestError is the test rel L2 train_log.csv records after epoch 1.
func firstTestError(t *testing.T, cfg *Config) float64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "train_log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "epoch,step,lr,train_loss,test_rel_l2") {
		t.Fatalf("train_log.csv starts %q", lines[:min(2, len(lines))])
	}
	v, err := strconv.ParseFloat(strings.Split(lines[1], ",")[4], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkFileTruth compares the truth predictions.h5 stores with the
// fixtures' formula for the last three samples.
func checkFileTruth(t *testing.T, cfg *Config, grid, frames, vars []int) {
	t.Helper()
	f, err := datasets.Open(filepath.Join(cfg.RunDir(), "predictions.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, shape, err := datasets.Read[float32](f.Group, "truth")
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]int{3}, grid...), len(frames)*len(vars))
	if !slices.Equal(shape, want) {
		t.Fatalf("truth has shape %v, want %v", shape, want)
	}
	ny := 1
	if len(grid) == 2 {
		ny = grid[1]
	}
	nch := len(frames) * len(vars)
	for n := 0; n < 3; n++ {
		s := fixtureSamples - 3 + n
		for p := 0; p < grid[0]*ny; p++ {
			for a, fr := range frames {
				for b, k := range vars {
					got := truth[(n*grid[0]*ny+p)*nch+a*len(vars)+b]
					if w := fixtureValue(k, s, fr, p/ny, p%ny); got != w {
						t.Fatalf("truth of sample %d, point %d, frame %d, variable %d is %v, the file holds %v", s, p, fr, k, got, w)
					}
				}
			}
		}
	}
}

func readMetrics(t *testing.T, cfg *Config) Metrics {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Metrics
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDataFileConfigErrors: a [data] naming a file is checked against
// the file when the configuration loads, each error at its key.
func TestDataFileConfigErrors(t *testing.T) {
	fx := pdebenchFixtures(t, -1)
	burgers := filepath.Join(fx, "1D_Burgers_Sols_Nu0.01.hdf5")
	darcy := filepath.Join(fx, "2D_DarcyFlow_beta1.0_Train.hdf5")
	cfd := filepath.Join(fx, "1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5")
	cases := []struct {
		name, file, data, model string
		key                     string
		mentions                []string
	}{
		{"solver too", burgers, `solver = "burgers"`, "modes = [4]", "data.solver", []string{"does not apply to data.file"}},
		{"resolution", burgers, "resolution = 64", "modes = [4]", "data.resolution", []string{"the grid, frames and samples come from the file"}},
		{"missing file", filepath.Join(fx, "nope.h5"), "", "modes = [4]", "data.file", []string{"nope.h5", "not found"}},
		{"not a grid", "FIXTURE_TEXT", "", "modes = [4]", "data.file", []string{"not an HDF5 file"}},
		{"too many samples", burgers, "", "modes = [4]", "data.train", []string{"9 training + 30 test samples", "holds 12"}},
		{"input frame", burgers, "input_frame = 11", "modes = [4]", "data.input_frame", []string{"frame 11 does not exist", "stores 11 frames"}},
		{"target frame", burgers, "target_frame = -12", "modes = [4]", "data.target_frame", []string{"frame -12 does not exist"}},
		{"rollout window", burgers, "frame_start = 2\nframe_stride = 3", "modes = [4]\ntask = \"rollout\"\nt_in = 2\nt_out = 2", "model.t_out",
			[]string{"t_in + t_out = 4 exceeds the 3 frames", "data.frame_start 2 every data.frame_stride 3"}},
		{"rollout on darcy", darcy, "", "modes = [4, 4]\ntask = \"rollout\"\nt_in = 1\nt_out = 1", "model.task", []string{"time-dependent", "pdebench-darcy"}},
		{"variables on tensor", burgers, `variables = ["density"]`, "modes = [4]", "data.variables", []string{"layout pdebench-tensor"}},
		{"unknown variable", cfd, `variables = ["Vy"]`, "modes = [4]", "data.variables", []string{"/Vy", "not found"}},
		{"not a variable", cfd, `variables = ["rho"]`, "modes = [4]", "data.variables", []string{"/rho", "is not a CFD variable"}},
		{"modes beyond the grid", burgers, "", "modes = [40]", "model.modes", []string{"stores a [32] grid"}},
		{"superresolution", burgers, "", "modes = [4]\n[eval]\nresolutions = [64]", "eval.resolutions", []string{"re-solves", "has none"}},
		{"solver samples", burgers, "", "modes = [4]\n[eval]\nsolver_samples = 2", "eval.solver_samples", []string{"data.file has none"}},
		{"map window", burgers, "frame_stride = 2", "modes = [4]", "data.frame_stride", []string{"does not apply to a map"}},
		{"rollout frame", burgers, "input_frame = 1", "modes = [4]\ntask = \"rollout\"\nt_in = 2\nt_out = 2", "data.input_frame", []string{"does not apply to a rollout"}},
		{"negative test", burgers, "", "modes = [4]", "data.test", []string{"must be >= 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := c.file
			if file == "FIXTURE_TEXT" {
				file = filepath.Join(dir, "text.h5")
				os.WriteFile(file, []byte("not hdf5"), 0o644)
			}
			text := fileStudy(dir, file, c.data, c.model)
			if c.name == "too many samples" {
				text = strings.Replace(text, "test = 3", "test = 30", 1)
			}
			if c.name == "negative test" {
				text = strings.Replace(text, "test = 3", "test = -3", 1)
			}
			p := filepath.Join(dir, "c.toml")
			os.WriteFile(p, []byte(text), 0o644)
			_, err := Load(p)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != c.key {
				t.Fatalf("error %v, want a ConfigError at %s", err, c.key)
			}
			for _, m := range c.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// TestDataFileKeysNeedAFile: the keys that choose frames of a file are
// refused on a solver's data.
func TestDataFileKeysNeedAFile(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(fnoConfig, "[data]\n", "[data]\ninput_frame = 1\n", 1)
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(strings.ReplaceAll(strings.ReplaceAll(text, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)), 0o644)
	_, err := Load(p)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "data.input_frame" || !strings.Contains(err.Error(), "applies to data read from a file") {
		t.Fatalf("error %v, want data.input_frame refused on solver data", err)
	}
}

// TestDataFileNaNRefused: a NaN in a training sample of the file stops
// training before anything is written, naming the file, dataset, sample
// and frame.
func TestDataFileNaNRefused(t *testing.T) {
	fx := pdebenchFixtures(t, 4)
	dir := t.TempDir()
	file := filepath.Join(fx, "1D_Burgers_Sols_Nu0.01.hdf5")
	cfg := dataConfig(t, dir, fileStudy(dir, file, "", "modes = [4]"))
	_, err := Train(context.Background(), cfg, nil)
	if !errors.Is(err, datasets.ErrNonFinite) {
		t.Fatalf("error %v is not ErrNonFinite", err)
	}
	for _, m := range []string{file, "/tensor", "sample 4, frame 10"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir(), "normalizers.h5")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run wrote into its run directory: %v", err)
	}
}

// TestDataFileWindows: a rollout on every window of a file's
// trajectories (train.windows = all) trains and tests on the windows of
// the configured trajectories: 11 frames, 2 + 3 per window, every 2nd
// start: 4 windows per trajectory, 3 test trajectories.
func TestDataFileWindows(t *testing.T) {
	fx := pdebenchFixtures(t, -1)
	dir := t.TempDir()
	text := fileStudy(dir, filepath.Join(fx, "1D_Advection_Sols_beta0.1.hdf5"), "", "modes = [4]\ntask = \"rollout\"\nt_in = 2\nt_out = 3")
	text = strings.Replace(text, "eval_every = 1", "eval_every = 1\nwindows = \"all\"\nwindow_every = 2", 1)
	cfg := dataConfig(t, dir, text)
	if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := readMetrics(t, cfg); m.TestSamples != 3*4 {
		t.Errorf("%d test samples, want 3 trajectories x 4 windows", m.TestSamples)
	}
}

// TestFactFormerMapOnAFile: a FactFormer map (one frame per call) with a
// pointwise normalizer trains in normalised units like it is evaluated,
// and learns the file's map; more latent steps are refused for a map.
func TestFactFormerMapOnAFile(t *testing.T) {
	fx := pdebenchFixtures(t, -1)
	dir := t.TempDir()
	model := "width = 16\nlayers = 1\nheads = 2\ndim_head = 8"
	text := strings.Replace(fileStudy(dir, filepath.Join(fx, "1D_Burgers_Sols_Nu0.01.hdf5"), "", ""), "kind = \"fno\"\nwidth = 8\n", "kind = \"factformer\"\n"+model+"\n", 1)
	text = strings.Replace(text, "eval_every = 1", "eval_every = 1\nnormalize = \"gaussian-pointwise\"", 1)
	cfg := dataConfig(t, dir, text)
	if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Kind != "factformer" {
		t.Fatalf("the study trains kind %q", cfg.Model.Kind)
	}
	first, last := firstTestError(t, cfg), readMetrics(t, cfg).TestRelL2
	t.Logf("test rel L2: epoch 1 %.4f, final %.4f", first, last)
	if !(last < 0.5*first) {
		t.Errorf("test rel L2 went from %.4f to %.4f", first, last)
	}
	p := filepath.Join(dir, "bad.toml")
	os.WriteFile(p, []byte(strings.Replace(text, model, model+"\nlatent_steps = 3", 1)), 0o644)
	var ce *ConfigError
	if _, err := Load(p); !errors.As(err, &ce) || ce.Key != "model.latent_steps" || !strings.Contains(ce.Msg, "a map predicts one frame") {
		t.Errorf("latent_steps = 3 on a map: %v", err)
	}
}
