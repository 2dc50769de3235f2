package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyParticleStudy is a data-only particle study: 2 trajectories of one
// elastic ball, 4 frames, in a second.
const tinyParticleStudy = `name = "tiny-particles"
seed = 2

[data]
solver = "mpm"
train = 1
test = 1
resolution = 16
dt = 2e-3
snapshots = 4

[data.params]
substeps = 5

[data.params.material]
kind = "jelly"
E = 1e4
nu = 0.3

[data.params.scene]
shapes = ["ball"]
min_size = 0.15
max_size = 0.2
`

// TestRunParticleData: `simulate run` of particle data without a model
// generates it and draws it; `simulate plot RUN_DIR` redraws the figures;
// `simulate inspect` summarises the data.
func TestRunParticleData(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "particles.toml")
	if err := os.WriteFile(cfg, []byte(tinyParticleStudy), 0o644); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(dir, "run")
	code, out, errOut := runCLI("run", "-q", "-out", runDir, cfg)
	if code != 0 {
		t.Fatalf("run exit %d: %s\n%s", code, errOut, out)
	}
	figures := []string{"particles.png", "particles.svg", "particles.gif"}
	for _, f := range append([]string{"config.toml", "run.json", "data/data.h5"}, figures...) {
		if !strings.HasPrefix(f, "particles") {
			f = filepath.Join("..", f)
		}
		if st, err := os.Stat(filepath.Join(runDir, "figures", f)); err != nil || st.Size() == 0 {
			t.Errorf("output %s: %v", f, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(runDir, "figures")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("plot", runDir)
	if code != 0 {
		t.Fatalf("plot exit %d: %s", code, errOut)
	}
	for _, f := range figures {
		if !strings.Contains(out, "wrote "+filepath.Join(runDir, "figures", f)) {
			t.Errorf("plot did not redraw %s:\n%s", f, out)
		}
	}
	code, out, _ = runCLI("inspect", filepath.Join(runDir, "data", "data.h5"))
	if code != 0 || !strings.Contains(out, "particle trajectories (surrogo-particles/1): 2") || !strings.Contains(out, "material   jelly: E 10000, nu 0.3, rho 1000") {
		t.Errorf("inspect: %d\n%s", code, out)
	}
}
