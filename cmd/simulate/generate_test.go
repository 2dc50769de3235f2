package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/experiments"
)

// TestGenerateExamples runs every small example config through
// `simulate generate`, then `simulate inspect`, and reads the files with
// Debian's h5py to check layout, dtypes and provenance. Of a particle
// example only the first trajectory is generated (-shard 1/n): the
// examples take seconds to a minute each.
func TestGenerateExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("generates every small example")
	}
	configs, err := filepath.Glob("../../examples/*.toml")
	if err != nil || len(configs) < 5 {
		t.Fatalf("example configs: %v %v", configs, err)
	}
	dir := t.TempDir()
	var files []string
	for _, c := range configs {
		out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(c), ".toml")+".h5")
		args, layout := []string{"generate", "-out", out}, "layout pdebench-"
		if particles, n := particleExample(t, c); particles {
			args = append(args, "-shard", fmt.Sprintf("1/%d", n))
			out, layout = experiments.ShardPath(out, 1, n), "particle trajectories (surrogo-particles/1): 1\n"
		}
		code, stdout, stderr := runCLI(append(args, c)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c, code, stderr)
		}
		if !strings.Contains(stdout, "wrote "+out) {
			t.Errorf("%s: output %q", c, stdout)
		}
		code, info, stderr := runCLI("inspect", out)
		if code != 0 || !strings.Contains(info, layout) || !strings.Contains(info, "@producer") {
			t.Errorf("inspect %s: %d %s %s", out, code, info, stderr)
		}
		files = append(files, out)
	}
	if _, err := exec.Command("/usr/bin/python3", "-c", "import h5py").CombinedOutput(); err != nil {
		if os.Getenv("SURROGO_REQUIRE_H5PY") == "1" {
			t.Fatal("h5py missing")
		}
		t.Skip("h5py missing")
	}
	// A particle file (one shard: one trajectory) is seen as [trajectories,
	// T, N, d], its last axis standing for the grid.
	script := `
import sys, json, h5py
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        if "trajectories" in f:
            main = "trajectories/000000/positions"
            shape = [len(f["trajectories"])] + list(f[main].shape)
            n, x = int(f.attrs["sample_end"]) - int(f.attrs["sample_start"]), shape[-1]
        else:
            main = "tensor"
            shape = list(f[main].shape)
            n, x = int(f.attrs["n_train"]) + int(f.attrs["n_test"]), len(f["x-coordinate"])
        out[p] = {"shape": shape, "dtype": f[main].dtype.str,
                  "producer": f.attrs["producer"], "seed": int(f.attrs["seed"]),
                  "n": n, "x": x, "finite": bool(__import__("numpy").isfinite(f[main][()]).all())}
print(json.dumps(out))
`
	raw, err := exec.Command("/usr/bin/python3", append([]string{"-c", script}, files...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Shape    []int
		Dtype    string
		Producer string
		Seed     int
		N        int
		X        int
		Finite   bool
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for p, g := range got {
		if g.Dtype != "<f4" || g.Shape[0] != g.N || !g.Finite || g.Seed != 1 || g.X != g.Shape[len(g.Shape)-1] {
			t.Errorf("%s: h5py sees %+v", filepath.Base(p), g)
		}
	}
}

// particleExample reports whether an example config makes particle
// trajectories, and its number of samples.
func particleExample(t *testing.T, path string) (bool, int) {
	t.Helper()
	cfg, err := experiments.Load(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Data.Solver == "mpm", cfg.Data.Samples()
}

func TestGenerateUsage(t *testing.T) {
	code, _, stderr := runCLI("generate")
	if code != 2 || !strings.Contains(stderr, "expected one CONFIG.toml") {
		t.Errorf("no config: %d %s", code, stderr)
	}
	code, _, stderr = runCLI("generate", "-shard", "5/4", "x.toml")
	if code != 2 || !strings.Contains(stderr, "1 <= k <= n") {
		t.Errorf("bad shard: %d %s", code, stderr)
	}
	code, _, stderr = runCLI("generate", filepath.Join(t.TempDir(), "missing.toml"))
	if code != 1 || !strings.Contains(stderr, "missing.toml") {
		t.Errorf("missing config: %d %s", code, stderr)
	}
}

// TestMergeCommand: generate -shard 1/2 and 2/2, then merge joins them
// into the data file; train merges shards by itself when the data file is
// missing; bad counts are usage errors.
func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(strings.ReplaceAll(strings.ReplaceAll(tinyStudy, "DT", "1e-3"), "EPOCHS", "1"), "seed = 5",
		"seed = 5\nrun_dir = \""+filepath.Join(dir, "run")+"\"", 1)
	text = strings.Replace(text, "[data]", "[data]\noutput = \""+filepath.Join(dir, "data.h5")+"\"", 1)
	cfg := filepath.Join(dir, "study.toml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1/2", "2/2"} {
		if code, _, stderr := runCLI("generate", "-q", "-shard", k, cfg); code != 0 {
			t.Fatalf("generate -shard %s: %d %s", k, code, stderr)
		}
	}
	code, stdout, stderr := runCLI("merge", cfg)
	if code != 0 || !strings.Contains(stdout, "merged 32 samples into "+filepath.Join(dir, "data.h5")) {
		t.Fatalf("merge: %d %q %s", code, stdout, stderr)
	}
	if err := os.Remove(filepath.Join(dir, "data.h5")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI("train", cfg)
	if code != 0 || !strings.Contains(stdout, "merged the 2 shards of simulate generate -shard into "+filepath.Join(dir, "data.h5")) {
		t.Fatalf("train on shards: %d %q %s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI("merge", "-shards", "1", cfg); code != 2 || !strings.Contains(stderr, "want the n >= 2") {
		t.Errorf("merge -shards 1: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI("merge", "-shards", "3", cfg); code != 1 || !strings.Contains(stderr, "shard 1 of 3") {
		t.Errorf("merge -shards 3 with 2 shards: %d %s", code, stderr)
	}
}
