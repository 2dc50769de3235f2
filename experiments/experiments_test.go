package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/tensor"
)

func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const burgersConfig = `
name = "burgers-test"
seed = 7

[data]
solver = "burgers"
output = "OUT"
train = 5
test = 2
resolution = 128
subsample = 2
t_end = 0.5
snapshots = 3
dt = 1e-3

[data.params]
nu = 0.05
`

func loadText(t *testing.T, text string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	text = strings.ReplaceAll(text, "OUT", filepath.Join(dir, "out", "data.h5"))
	return Load(writeConfig(t, dir, text))
}

func TestGenerateBurgersLayoutAndProvenance(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	var last int
	path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 3, Progress: func(d, n int) { last = d }})
	if err != nil {
		t.Fatal(err)
	}
	if last != 7 {
		t.Fatalf("progress ended at %d, want 7", last)
	}
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := datasets.ReadTensorSet(f, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(set.Shape, []int{7, 3, 64}) || len(set.Coords.T) != 3 || set.Coords.T[2] != 0.5 || set.Params["Nu"] != 0.05 {
		t.Fatalf("shape %v, t %v, params %v", set.Shape, set.Coords.T, set.Params)
	}
	for _, k := range []string{"producer", "parameters", "config", "surrogo_version"} {
		if !f.HasAttr(k) {
			t.Errorf("missing provenance attribute %s", k)
		}
	}
	if name, _ := f.AttrString("producer"); name != "burgers" {
		t.Errorf("producer %q", name)
	}
	// Sample 3's initial condition is the GRF draw (seed 7, index 3).
	ic := cfg.grid().(*burgersGen).ic.Sample(7, 3)
	for j := 0; j < 64; j++ {
		if got, want := set.Data[3*3*64+j], float32(ic[2*j]); got != want {
			t.Fatalf("sample 3 initial condition at %d: %v, want %v", j, got, want)
		}
	}
}

// TestShardsEqualFullRun generates the same set whole and as 3 shards and
// compares bit for bit.
func TestShardsEqualFullRun(t *testing.T) {
	for _, text := range []string{burgersConfig, strings.Replace(darcyConfig, "OUT", "OUT", 1)} {
		cfg, err := loadText(t, text)
		if err != nil {
			t.Fatal(err)
		}
		full, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		read := func(p, name string) []float32 {
			f, err := datasets.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			v, _, err := datasets.Read[float32](f.Group, name)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for _, field := range cfg.grid().fields() {
			var joined []float32
			for k := 1; k <= 3; k++ {
				p, err := Generate(context.Background(), cfg, GenerateOptions{Shard: k, Shards: 3, Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				joined = append(joined, read(p, field.name)...)
			}
			if !reflect.DeepEqual(joined, read(full, field.name)) {
				t.Fatalf("%s: shards differ from the full run for %s", cfg.Data.Solver, field.name)
			}
		}
	}
}

const darcyConfig = `
name = "darcy-test"
seed = 3
[data]
solver = "darcy"
output = "OUT"
train = 3
test = 1
resolution = 33
subsample = 2
[data.params]
low = 4
`

func TestGenerateDarcyLayout(t *testing.T) {
	cfg, err := loadText(t, darcyConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := datasets.Open(path)
	defer f.Close()
	if l, _ := datasets.DetectLayout(f); l != datasets.LayoutDarcy {
		t.Fatalf("layout %v", l)
	}
	s, err := datasets.ReadDarcy(f, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 4 || s.X != 17 {
		t.Fatalf("darcy set %d x %d", s.N, s.X)
	}
	for _, v := range s.Nu {
		if v != 12 && v != 4 {
			t.Fatalf("coefficient value %v", v)
		}
	}
}

func TestGenerateNavierStokesAndConvection(t *testing.T) {
	ns := `
name = "ns-test"
[data]
solver = "navierstokes"
output = "OUT"
train = 2
resolution = 32
subsample = 2
t_end = 0.2
snapshots = 3
dt = 0.01
[data.params]
nu = 1e-3
scheme = "etdrk4"
`
	cv := `
name = "cv-test"
[data]
solver = "convection"
output = "OUT"
train = 1
resolution = 64
t_end = 1
snapshots = 5
dt = 0.01
[data.params]
beta = 30
`
	for _, text := range []string{ns, cv} {
		cfg, set := generateTensors(t, text)
		t.Logf("%s: tensor %v", cfg.Data.Solver, set.Shape)
	}
}

func TestBadConfigs(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown solver", `solver = "burgers"`, `solver = "heat"`, []string{"config.toml:6: data.solver", `unknown solver "heat"`, "burgers, burgers2d, convection, darcy, mpm, navierstokes"}},
		{"unknown key", `dt = 1e-3`, "dt = 1e-3\nepochs = 3", []string{"config.toml:15: data.epochs: unknown key"}},
		{"unknown param", `nu = 0.05`, "nu = 0.05\nviscosity = 2", []string{"data.params.viscosity", "unknown key for solver burgers", "known: nu, length"}},
		{"negative viscosity", `nu = 0.05`, `nu = -0.05`, []string{"config.toml:17: data.params.nu", "viscosity must be positive, got -0.05"}},
		{"odd grid", `resolution = 128`, `resolution = 127`, []string{"data.resolution", "even grid", "127"}},
		{"zero samples", "train = 5\ntest = 2", "train = 0\ntest = 0", []string{"data.train", "no samples"}},
		{"negative dt", `dt = 1e-3`, `dt = -1`, []string{"data.dt", "must be positive"}},
		{"unwritable output", `output = "OUT"`, `output = "/proc/surrogo/data.h5"`, []string{"data.output", "/proc/surrogo"}},
		{"type", `train = 5`, `train = "five"`, []string{"config.toml", "train"}},
		{"no name", `name = "burgers-test"`, ``, []string{"name: missing"}},
		{"negative length", `nu = 0.05`, "nu = 0.05\nlength = -1", []string{"config.toml:18: data.params.length", "got -1"}},
		{"unknown ic", `nu = 0.05`, "nu = 0.05\nic = \"cos\"", []string{"config.toml:18: data.params.ic", `must be "grf" or "sin", got "cos"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(burgersConfig, c.from, c.to, 1)
			_, err := loadText(t, text)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestCFLViolationNamesSample(t *testing.T) {
	cfg, err := loadText(t, strings.Replace(burgersConfig, "dt = 1e-3", "dt = 0.2", 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Generate(context.Background(), cfg, GenerateOptions{})
	if err == nil || !strings.Contains(err.Error(), "burgers sample") || !strings.Contains(err.Error(), "advective limit") {
		t.Fatalf("CFL violation: %v", err)
	}
	if _, statErr := os.Stat(cfg.Data.Output); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatal("a failed generation left a file under the final name")
	}
	if _, statErr := os.Stat(cfg.Data.Output + datasets.TmpSuffix); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatal("a failed generation left its temporary file")
	}
}

func TestCancelledGenerationLeavesNothing(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Generate(ctx, cfg, GenerateOptions{Workers: 1, Progress: func(d, n int) {
		if d == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, statErr := os.Stat(cfg.Data.Output); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatal("cancelled generation left a complete-looking file")
	}
}

// TestExampleConfigsValidate loads every shipped config, paper-scale ones
// included (validation only; generating them takes CPU-hours).
func TestExampleConfigsValidate(t *testing.T) {
	configs, _ := filepath.Glob("../examples/*.toml")
	paper, _ := filepath.Glob("../examples/paper/*.toml")
	if len(configs) < 5 || len(paper) < 5 {
		t.Fatalf("found %d example and %d paper configs", len(configs), len(paper))
	}
	for _, p := range append(configs, paper...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Redirect outputs into a temporary directory.
		text := string(raw) + "\n"
		text = withGeneratedData(t, text, paper)
		cfg, err := Parse(p, []byte(text))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if cfg.Data.Samples() == 0 {
			t.Errorf("%s: no samples", p)
		}
	}
}

// TestConfigDocUpToDate keeps docs/CONFIG.md equal to the schema it is
// generated from (regenerate: simulate config -schema > docs/CONFIG.md).
func TestConfigDocUpToDate(t *testing.T) {
	raw, err := os.ReadFile("../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != SchemaMarkdown() {
		t.Fatal("docs/CONFIG.md is stale: run `go run ./cmd/simulate config -schema > docs/CONFIG.md`")
	}
	for _, key := range []string{"`data.solver`", "`train.lr`", "`model.transform`", "`eval.resolutions`", "[data.params] (solver darcy)"} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("schema lacks %s", key)
		}
	}
}

// TestEnergySpectrum checks E(k) on single modes (all energy in shell
// |k|) and Parseval on a random 1-D field: sum_k E(k) = sum_x u^2 / 2.
func TestEnergySpectrum(t *testing.T) {
	n := 32
	u := make([]float64, n)
	for i := range u {
		u[i] = 2 * math.Cos(2*math.Pi*3*float64(i)/float64(n))
	}
	k, e := EnergySpectrum(u, []int{n})
	if len(k) != n/2+1 || math.Abs(e[3]-float64(n)) > 1e-9 {
		t.Fatalf("1-D cosine: E(3) = %v (want %d = sum u^2 / 2)", e[3], n)
	}
	r := tensor.NewRNG(3)
	v := tensor.RandN[float64](r, n).Data()
	_, e = EnergySpectrum(v, []int{n})
	var sum, energy float64
	for _, x := range e {
		sum += x
	}
	for _, x := range v {
		energy += x * x / 2
	}
	if math.Abs(sum-energy) > 1e-9*energy {
		t.Fatalf("Parseval 1-D: sum E = %v, sum u^2/2 = %v", sum, energy)
	}
	w := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			w[i*n+j] = math.Sin(2 * math.Pi * (4*float64(i) - 3*float64(j)) / float64(n))
		}
	}
	_, e = EnergySpectrum(w, []int{n, n})
	if math.Abs(e[5]-float64(n*n)/4) > 1e-9 { // |(4, -3)| = 5, sum w^2 / 2 = n^2 / 4
		t.Fatalf("2-D mode (4, -3): E(5) = %v, want %v", e[5], n*n/4)
	}
}

// TestGenerateBurgersMovingShock generates LPINN's moving-shock problem
// (ic = "sin", u0 = sin x + C on [0, 2 pi)): the first frame is the
// formula and the mean, conserved by Burgers, stays C.
func TestGenerateBurgersMovingShock(t *testing.T) {
	text := strings.Replace(burgersConfig, "nu = 0.05", "nu = 0.01\nic = \"sin\"\nic_offset = 2.0\nlength = 6.283185307179586", 1)
	text = strings.Replace(text, "train = 5\ntest = 2", "train = 0\ntest = 1", 1)
	text = strings.Replace(text, "dt = 1e-3", "dt = 1e-4", 1)
	cfg, err := loadText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, shape, err := datasets.Read[float64](f.Group, "tensor")
	if err != nil {
		t.Fatal(err)
	}
	n := shape[2] // 64 stored points (128 subsampled by 2)
	for j := 0; j < n; j++ {
		if d := math.Abs(u[j] - (math.Sin(2*math.Pi*float64(j)/float64(n)) + 2)); d > 1e-6 {
			t.Fatalf("u0 at %d off by %g", j, d)
		}
	}
	for k := 0; k < shape[1]; k++ {
		var mean float64
		for j := 0; j < n; j++ {
			mean += u[k*n+j] / float64(n)
		}
		if math.Abs(mean-2) > 1e-5 {
			t.Errorf("frame %d: mean %v, want 2 (conserved)", k, mean)
		}
	}
}

// TestAddedZeroKeysKeepRunsValid: a setting a newer surrogo adds with a
// zero default changes neither the changed-key list nor the stage hash of
// an older run's resolved config; a real change does, and so does a new
// key with a non-zero value.
func TestAddedZeroKeysKeepRunsValid(t *testing.T) {
	old := map[string]any{"seed": int64(1), "model": map[string]any{"width": int64(32), "kind": "fno"}}
	cur := map[string]any{"seed": int64(1), "model": map[string]any{"width": int64(32), "kind": "fno",
		"hard_curve_ic": false, "depth_x": int64(0), "modes": []any{}, "transform": ""}, "extra": map[string]any{"flag": false}}
	if ch := ChangedKeys(old, cur); len(ch) != 0 {
		t.Errorf("zero-valued additions reported as changes: %v", ch)
	}
	h1, err1 := hashTree(old)
	h2, err2 := hashTree(cur)
	if err1 != nil || err2 != nil || h1 != h2 {
		t.Errorf("hashes %s vs %s (%v, %v)", h1, h2, err1, err2)
	}
	cur["model"].(map[string]any)["hard_curve_ic"] = true
	cur["model"].(map[string]any)["width"] = int64(64)
	if ch := ChangedKeys(old, cur); strings.Join(ch, ",") != "model.hard_curve_ic,model.width" {
		t.Errorf("changes %v, want model.hard_curve_ic and model.width", ch)
	}
	if h3, _ := hashTree(cur); h3 == h1 {
		t.Error("a real change kept the hash")
	}
}

// withGeneratedData points a study that reads the data another example
// generates (data.file = "runs/NAME/data/data.h5", absent here) at a file
// of the same layout and shape, its storage never written (validation
// reads shapes only), made from that example's configuration.
func withGeneratedData(t *testing.T, text string, examples []string) string {
	t.Helper()
	const prefix = `file = "runs/`
	i := strings.Index(text, prefix)
	if i < 0 {
		return text
	}
	rel := text[i+len(`file = "`):]
	rel = rel[:strings.Index(rel, `"`)]
	name := strings.Split(rel, "/")[1]
	for _, p := range examples {
		raw, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(raw), `name = "`+name+`"`) {
			continue
		}
		src, err := Parse(p, raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		path := filepath.Join(t.TempDir(), "data.h5")
		f, err := datasets.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, fs := range src.grid().fields() {
			shape := append([]int{src.Data.Samples()}, fs.shape...)
			if _, err := f.CreateDataset(fs.name, datasets.Float32, shape, &datasets.Options{Chunks: append([]int{1}, fs.shape...)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return strings.Replace(text, rel, path, 1)
	}
	t.Fatalf("no example generates %s", rel)
	return text
}

// replaced is text with the replacements from -> to of pairs applied in
// order, each once; a from that text lacks fails the test.
func replaced(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for k := 0; k+1 < len(pairs); k += 2 {
		if !strings.Contains(text, pairs[k]) {
			t.Fatalf("config has no %q", pairs[k])
		}
		text = strings.Replace(text, pairs[k], pairs[k+1], 1)
	}
	return text
}

// configCase is a config variant (replaced's pairs) that loading must
// refuse with a ConfigError whose message contains want.
type configCase struct {
	name  string
	pairs []string
	want  string
}

// checkConfigCases loads each case's variant with load and checks the
// refusal.
func checkConfigCases(t *testing.T, load func(t *testing.T, pairs ...string) (*Config, error), cases []configCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.pairs...)
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a ConfigError with %q", err, c.want)
			}
		})
	}
}

// runAndReadMetrics runs the whole study of cfg (2 generation workers)
// and reads its metrics.json.
func runAndReadMetrics(t *testing.T, cfg *Config) *Metrics {
	t.Helper()
	if _, err := Run(context.Background(), cfg, RunOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMetrics(cfg.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	return m
}
