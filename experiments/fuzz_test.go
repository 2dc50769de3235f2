package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets for everything a user types: the TOML config, and -set
// overrides applied to it. `go test` runs their seed corpus (and the
// crashers saved in testdata/fuzz); `make fuzz` runs them for longer.
// The invariants: no panic, a rejection is a *ConfigError (file, line
// when known, key), and an accepted config survives its own round trip
// through the resolved TOML that run directories record.

// fuzzSeeds are the configs of the tests and examples, the starting
// points the fuzzer mutates.
func fuzzSeeds(f *testing.F) []string {
	seeds := []string{fnoConfig, burgersConfig, lpinnConfig}
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "*.toml"))
	for _, p := range examples {
		if raw, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, string(raw))
		}
	}
	return seeds
}

// fuzzText points a config's placeholders into the fuzz directory.
func fuzzText(text string) string {
	return strings.NewReplacer("OUT", "out/data.h5", "RUN", "run").Replace(text)
}

// checkAccepted asserts the round trip of an accepted config: its
// resolved TOML loads again to the same resolved TOML.
func checkAccepted(t *testing.T, cfg *Config) {
	t.Helper()
	text, err := cfg.ResolvedTOML()
	if err != nil {
		t.Fatalf("accepted config cannot be resolved: %v", err)
	}
	again, err := Parse("resolved.toml", text)
	if err != nil {
		t.Fatalf("the resolved config is refused: %v\n%s", err, text)
	}
	text2, err := again.ResolvedTOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.SplitN(string(text), "\n", 2)[1] != strings.SplitN(string(text2), "\n", 2)[1] {
		t.Fatalf("resolving twice changes the config:\n%s\n---\n%s", text, text2)
	}
}

func checkRejected(t *testing.T, err error) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) && !strings.Contains(err.Error(), "reading config") {
		t.Fatalf("rejection is not a ConfigError: %T %v", err, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Chdir(f.TempDir()) // relative outputs land in a scratch directory
	for _, s := range fuzzSeeds(f) {
		f.Add(fuzzText(s))
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		cfg, err := Parse("fuzz.toml", []byte(text))
		if err != nil {
			checkRejected(t, err)
			return
		}
		checkAccepted(t, cfg)
	})
}

func FuzzOverride(f *testing.F) {
	f.Chdir(f.TempDir())
	path := "base.toml"
	if err := os.WriteFile(path, []byte(fuzzText(fnoConfig)), 0o644); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"train.lr=3e-4", "model.modes=[4]", "model.modes=[1,2,", "name=..", "seed=-1", "train.gamma=0",
		"data.params.nu=inf", "model.activation=tanh", "eval.resolutions=[]", "data=3", "model.kind=t1",
		"train.lr=1e-3x", `name="a\nb"`, "model.width=100000000", "data.dt=1e-300", "run_dir=.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, set string) {
		o, err := ParseOverride(set)
		if err != nil {
			return
		}
		cfg, err := LoadWithOverrides(path, []Override{o})
		if err != nil {
			checkRejected(t, err)
			return
		}
		checkAccepted(t, cfg)
	})
}
