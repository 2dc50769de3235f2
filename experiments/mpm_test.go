package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"image/gif"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// mpmConfig is a small 2-D sand dataset: 4 trajectories of 1-2 random
// bodies (a few hundred particles), 6 frames 10 steps apart.
const mpmConfig = `
name = "mpm-test"
seed = 5

[data]
solver = "mpm"
output = "OUT"
train = 3
test = 1
resolution = 24
dt = 1e-3
snapshots = 6

[data.params]
dim = 2
substeps = 10
particles_per_cell = 4

[data.params.material]
kind = "sand"
E = 1e4
nu = 0.3
friction_angle = 30

[data.params.scene]
min_bodies = 1
max_bodies = 2
min_size = 0.1
max_size = 0.15
max_linear_speed = 1
max_angular_speed = 2
jitter = 0.5
`

// mpmFixedScene replaces mpmConfig's random scene with two fixed bodies.
const mpmFixedScene = `[data.params.scene]

[[data.params.scene.bodies]]
shape = "box"
center = [0.5, 0.3]
half = [0.1, 0.08]
velocity = [1, 0]

[[data.params.scene.bodies]]
shape = "ball"
center = [0.4, 0.7]
radius = 0.1
angular_velocity = [2]
`

// mpmVariant loads mpmConfig with the replacements from -> to applied in
// order (each must match).
func mpmVariant(t *testing.T, pairs ...string) (*Config, error) {
	t.Helper()
	return loadText(t, replaced(t, mpmConfig, pairs...))
}

// randomScene is the [data.params.scene] section of mpmConfig.
var randomScene = mpmConfig[strings.Index(mpmConfig, "[data.params.scene]"):]

// TestMPMBadInputNamesKeyAndLine: invalid materials, time steps and
// bodies are refused at load with the config key and its line.
func TestMPMBadInputNamesKeyAndLine(t *testing.T) {
	outside := strings.Replace(mpmFixedScene, "center = [0.4, 0.7]", "center = [0.05, 0.7]", 1)
	cases := []struct {
		name  string
		pairs []string
		want  []string
	}{
		{"unknown material kind", []string{`kind = "sand"`, `kind = "mud"`},
			[]string{":20: data.params.material.kind", `unknown material "mud"`, "jelly", "plasticine", "water"}},
		{"negative E", []string{`E = 1e4`, `E = -1e4`},
			[]string{":21: data.params.material.E", "Young's modulus must be positive and finite, got -10000"}},
		{"nu 0.5", []string{`nu = 0.3`, `nu = 0.5`},
			[]string{":22: data.params.material.nu", "Poisson ratio must be in (-1, 0.5), got 0.5"}},
		{"dt over the stability limit", []string{`dt = 1e-3`, `dt = 5e-3`},
			[]string{":11: data.dt", "time step 0.005 is above the stability limit 0.002055", "sound speed 3.669"}},
		{"body outside the box", []string{randomScene, outside},
			[]string{":33: data.params.scene.bodies[1]", "outside the box between its walls"}},
		{"friction angle 90", []string{`friction_angle = 30`, `friction_angle = 90`},
			[]string{":23: data.params.material.friction_angle", "(0, 90) degrees, got 90"}},
		{"key of another material", []string{`kind = "sand"`, `kind = "water"`},
			[]string{":21: data.params.material.E", "material water does not use this key", "jelly", "sand"}},
		{"yield stress missing", []string{`kind = "sand"`, `kind = "plasticine"`, `friction_angle = 30`, ``},
			[]string{":19: data.params.material.yield_stress", "yield stress must be positive"}},
		{"random keys beside fixed bodies", []string{randomScene, strings.Replace(mpmFixedScene, "[data.params.scene]\n", "[data.params.scene]\nmax_bodies = 3\n", 1)},
			[]string{":26: data.params.scene.max_bodies", "applies to random bodies"}},
		{"vector of the wrong length", []string{randomScene, strings.Replace(mpmFixedScene, "center = [0.4, 0.7]", "center = [0.4, 0.7, 0.5]", 1)},
			[]string{":35: data.params.scene.bodies[1].center", "needs 2 components in 2-D, got 3"}},
		{"unknown shape", []string{randomScene, strings.Replace(mpmFixedScene, `shape = "ball"`, `shape = "cone"`, 1)},
			[]string{":33: data.params.scene.bodies[1]", `unknown shape "cone"`}},
		{"wrong type in a body", []string{randomScene, strings.Replace(mpmFixedScene, "radius = 0.1", `radius = "big"`, 1)},
			[]string{":36: data.params.scene.bodies[1].radius", `must be a number, found "big"`}},
		{"random shape", []string{`jitter = 0.5`, "jitter = 0.5\nshapes = [\"box\", \"cone\"]"},
			[]string{":33: data.params.scene.shapes", `unknown shape "cone"`}},
		{"body too large", []string{`max_size = 0.15`, `max_size = 0.45`},
			[]string{":29: data.params.scene.max_size", "does not fit between the walls"}},
		{"grid too small", []string{`resolution = 24`, `resolution = 8`},
			[]string{":10: data.resolution", "at least 2 x boundary + 4 = 10 cells"}},
		{"substeps zero", []string{`substeps = 10`, `substeps = 0`},
			[]string{":16: data.params.substeps", "at least 1"}},
		{"t_end set", []string{`snapshots = 6`, "snapshots = 6\nt_end = 1.0"},
			[]string{":13: data.t_end", "remove t_end"}},
		{"one frame", []string{`snapshots = 6`, `snapshots = 1`},
			[]string{":12: data.snapshots", "at least 2 frames"}},
		{"unknown material key", []string{`nu = 0.3`, "nu = 0.3\ncolour = \"red\""},
			[]string{":23: data.params.material.colour", "unknown key for solver mpm"}},
		{"wall", []string{`dim = 2`, "dim = 2\nwall = \"glue\""},
			[]string{":16: data.params.wall", `unknown wall "glue"`}},
		{"a grid model on particles", []string{`jitter = 0.5`, "jitter = 0.5\n[model]\nkind = \"fno\"\n[train]\nepochs = 1"},
			[]string{":34: model.kind", "kind fno trains on fields on a grid, but solver mpm makes particle trajectories"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mpmVariant(t, c.pairs...)
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("not a ConfigError: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// readTrajectories reads every trajectory of a particle file with its
// sample attribute.
func readTrajectories(t *testing.T, path string) ([]*datasets.ParticleTrajectory, []int64) {
	t.Helper()
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := datasets.TrajectoryCount(f)
	if err != nil {
		t.Fatal(err)
	}
	var trs []*datasets.ParticleTrajectory
	var samples []int64
	for i := 0; i < n; i++ {
		tr, err := datasets.ReadTrajectory(f, i)
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.OpenGroup(trajectoryGroup(i))
		if err != nil {
			t.Fatal(err)
		}
		s, err := g.AttrInt64(attrSample)
		g.Close()
		if err != nil {
			t.Fatal(err)
		}
		trs, samples = append(trs, tr), append(samples, s)
	}
	return trs, samples
}

// TestMPMTrajectoryLayout: generate writes one trajectory per sample in
// the particle layout, with the material, its parameters, the time step,
// frame stride, box, features and sample index, and provenance; sample i
// starts from the bodies drawn from (seed, i).
func TestMPMTrajectoryLayout(t *testing.T) {
	cfg, err := loadText(t, mpmConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	trs, samples := readTrajectories(t, path)
	if len(trs) != 4 || !reflect.DeepEqual(samples, []int64{0, 1, 2, 3}) {
		t.Fatalf("%d trajectories, samples %v", len(trs), samples)
	}
	g := cfg.gen.(*mpmGen)
	for i, tr := range trs {
		st, err := g.sp.Sample(5, i)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Frames != 6 || tr.Dim != 2 || tr.Particles != st.Len() || tr.FeatureDim != 2 {
			t.Fatalf("trajectory %d: %d frames of %d particles in %d-D, %d features; want 6 of %d in 2-D, 2", i, tr.Frames, tr.Particles, tr.Dim, tr.FeatureDim, st.Len())
		}
		if !reflect.DeepEqual(tr.Positions[:2*tr.Particles], st.Positions()) {
			t.Errorf("trajectory %d: frame 0 is not sample %d's initial state", i, i)
		}
		wantParams := map[string]float64{"E": 1e4, "nu": 0.3, "rho": 1000, "friction_angle": 30}
		if tr.Material != "sand" || !reflect.DeepEqual(tr.MaterialParams, wantParams) || tr.Dt != 1e-3 || tr.FrameStride != 10 {
			t.Errorf("trajectory %d: material %q %v, dt %v, stride %d", i, tr.Material, tr.MaterialParams, tr.Dt, tr.FrameStride)
		}
		if w := 3.0 / 24; !reflect.DeepEqual(tr.BoxLo, []float64{w, w}) || !reflect.DeepEqual(tr.BoxHi, []float64{1 - w, 1 - w}) {
			t.Errorf("trajectory %d: box %v %v", i, tr.BoxLo, tr.BoxHi)
		}
		if !reflect.DeepEqual(tr.FeatureNames, []string{"material_id", "body"}) || tr.Features[0] != 3 || tr.Features[1] != float32(st.Body[0]) {
			t.Errorf("trajectory %d: features %v %v", i, tr.FeatureNames, tr.Features[:2])
		}
	}
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for k, want := range map[string]float64{"dx": 1.0 / 24, "length": 1, "cells": 24} {
		if v, err := f.AttrFloat64(k); err != nil || v != want {
			t.Errorf("root attribute %s = %v (%v), want %v", k, v, err, want)
		}
	}
	if p, _ := f.AttrString("producer"); p != "mpm" {
		t.Errorf("producer %q", p)
	}
}

// TestMPMShardsEqualFullRun: three shards hold the trajectories of the
// whole run, in order and bit for bit, each marked with its sample index.
func TestMPMShardsEqualFullRun(t *testing.T) { // and merged, equal it
	cfg, err := loadText(t, mpmConfig)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	want, wantSamples := readTrajectories(t, full)
	var joined []*datasets.ParticleTrajectory
	var samples []int64
	for k := 1; k <= 3; k++ {
		p, err := Generate(context.Background(), cfg, GenerateOptions{Shard: k, Shards: 3, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		trs, s := readTrajectories(t, p)
		joined, samples = append(joined, trs...), append(samples, s...)
	}
	if !reflect.DeepEqual(samples, wantSamples) {
		t.Fatalf("shard samples %v, full run %v", samples, wantSamples)
	}
	if !reflect.DeepEqual(joined, want) {
		t.Fatal("shards differ from the full run")
	}
	if err := os.Remove(full); err != nil {
		t.Fatal(err)
	}
	merged, err := MergeShards(context.Background(), cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if trs, s := readTrajectories(t, merged); !reflect.DeepEqual(s, wantSamples) || !reflect.DeepEqual(trs, want) {
		t.Fatalf("merged shards: samples %v; want the full run's %v and its trajectories", s, wantSamples)
	}
}

// TestMPMCancelledGenerationResumes: a cancelled generation keeps its
// trajectories in NAME.tmp; a rerun continues after them and its file
// equals an uninterrupted one's.
func TestMPMCancelledGenerationResumes(t *testing.T) {
	cfg, err := loadText(t, mpmConfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Generate(ctx, cfg, GenerateOptions{Workers: 1, Resume: true, Progress: func(d, n int) {
		if d == 2 {
			cancel()
		}
	}})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled generation: %v", err)
	}
	if _, err := os.Stat(cfg.Data.Output); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a cancelled generation left a file under the final name")
	}
	resumedAt := -1
	path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2, Resume: true,
		Resumed: func(done, total int) { resumedAt = done }})
	if err != nil {
		t.Fatal(err)
	}
	if resumedAt != 2 {
		t.Errorf("resumed after %d trajectories, want 2", resumedAt)
	}
	ref, err := loadText(t, mpmConfig)
	if err != nil {
		t.Fatal(err)
	}
	refPath, err := Generate(context.Background(), ref, GenerateOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, gotSamples := readTrajectories(t, path)
	want, wantSamples := readTrajectories(t, refPath)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotSamples, wantSamples) {
		t.Error("resumed trajectories differ from an uninterrupted generation")
	}
}

// TestMPMFixedBodies: fixed bodies start every sample with the same
// particles and velocities (frames 0 and 1 agree across samples).
func TestMPMFixedBodies(t *testing.T) {
	cfg, err := mpmVariant(t, randomScene, mpmFixedScene)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	trs, _ := readTrajectories(t, path)
	for i, tr := range trs[1:] {
		if !reflect.DeepEqual(tr.Positions, trs[0].Positions) {
			t.Errorf("sample %d differs from sample 0 with fixed bodies", i+1)
		}
	}
	bodies := map[float32]bool{}
	for p := 0; p < trs[0].Particles; p++ {
		bodies[trs[0].Features[2*p+1]] = true
	}
	if len(bodies) != 2 {
		t.Errorf("particles from bodies %v, want 0 and 1", bodies)
	}
}

// TestMPMDataOnlyRunPlots: a run without a model generates the data and
// draws it (four frames, and an animation of every frame); Plot redraws
// from the run directory alone.
func TestMPMDataOnlyRunPlots(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(mpmConfig, "seed = 5", "seed = 5\nrun_dir = \""+filepath.Join(dir, "run")+"\"", 1)
	text = strings.Replace(text, "output = \"OUT\"\n", "", 1)
	cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Run(context.Background(), cfg, RunOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Stages[StagePlot] == nil || rec.Stages[StagePlot].Status != "done" || rec.Stages[StageTrain] != nil {
		t.Fatalf("stages %v", rec.Stages)
	}
	figs := filepath.Join(dir, "run", "figures")
	for _, name := range []string{"particles.png", "particles.svg", "particles.gif"} {
		if _, err := os.Stat(filepath.Join(figs, name)); err != nil {
			t.Errorf("figure %s: %v", name, err)
		}
	}
	raw, err := os.Open(filepath.Join(figs, "particles.gif"))
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(raw)
	raw.Close()
	if err != nil || len(anim.Image) != 6 || anim.LoopCount != 0 {
		t.Fatalf("animation: %v frames, loop %v, %v", len(anim.Image), anim.LoopCount, err)
	}
	os.RemoveAll(figs)
	files, err := Plot(filepath.Join(dir, "run"), PlotOptions{Formats: []string{"pdf"}})
	if err != nil || len(files) != 2 || !strings.HasSuffix(files[0], "particles.pdf") {
		t.Fatalf("redrawn %v: %v", files, err)
	}
}

// h5pyTrajectories prints what h5py sees of a particle file: the root's
// attributes, the layout, and per trajectory the shapes, dtypes,
// attributes and every position.
const h5pyTrajectories = `
import sys, json, h5py, numpy as np
def plain(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v.item() if hasattr(v, "item") else v
out = {"root": {}, "trajectories": []}
with h5py.File(sys.argv[1], "r") as f:
    for k in ["dx", "length", "cells", "producer", "seed", "n_train", "n_test"]:
        out["root"][k] = plain(f.attrs[k])
    out["layout"] = plain(f["trajectories"].attrs["layout"])
    for name in sorted(f["trajectories"]):
        g = f["trajectories"][name]
        pos, fea = g["positions"], g["features"]
        out["trajectories"].append({"name": name, "shape": list(pos.shape), "dtype": pos.dtype.str,
            "features_shape": list(fea.shape), "features_dtype": fea.dtype.str,
            "attrs": {k: plain(v) for k, v in g.attrs.items()},
            "positions": [float(x) for x in pos[()].ravel()],
            "features": [float(x) for x in fea[()].ravel()]})
print(json.dumps(out))
`

// TestMPMDataReadByH5py: Debian's h5py reads a generated MPM dataset:
// float32 positions [T, N, d] equal to what surrogo reads, float32
// features [N, 2], the material, its parameters, time step, frame stride,
// box and sample index as attributes, and the grid's root attributes.
func TestMPMDataReadByH5py(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import h5py, numpy").CombinedOutput(); err != nil {
		msg := "reading MPM data with Debian's python3-h5py: " + strings.TrimSpace(string(out))
		if os.Getenv("SURROGO_REQUIRE_H5PY") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg, err := loadText(t, mpmConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command(python, "-c", h5pyTrajectories, path).Output()
	if err != nil {
		t.Fatalf("h5py: %v", err)
	}
	var seen struct {
		Root         map[string]any
		Layout       string
		Trajectories []struct {
			Name, Dtype         string
			FeaturesDtype       string `json:"features_dtype"`
			Shape               []int
			FeaturesShape       []int `json:"features_shape"`
			Attrs               map[string]any
			Positions, Features []float64
		}
	}
	if err := json.Unmarshal(raw, &seen); err != nil {
		t.Fatal(err)
	}
	wantRoot := map[string]any{"dx": 1.0 / 24, "length": 1.0, "cells": 24.0, "producer": "mpm", "seed": 5.0, "n_train": 3.0, "n_test": 1.0}
	if !reflect.DeepEqual(seen.Root, wantRoot) || seen.Layout != datasets.ParticleLayout {
		t.Errorf("root %v, layout %q", seen.Root, seen.Layout)
	}
	trs, _ := readTrajectories(t, path)
	if len(seen.Trajectories) != len(trs) {
		t.Fatalf("h5py sees %d trajectories, surrogo %d", len(seen.Trajectories), len(trs))
	}
	w := 3.0 / 24
	for i, h := range seen.Trajectories {
		tr := trs[i]
		if h.Name != datasets.TrajectoryName(i) || !reflect.DeepEqual(h.Shape, []int{tr.Frames, tr.Particles, 2}) || h.Dtype != "<f4" ||
			!reflect.DeepEqual(h.FeaturesShape, []int{tr.Particles, 2}) || h.FeaturesDtype != "<f4" {
			t.Errorf("trajectory %d: h5py sees %s %v %s, features %v %s", i, h.Name, h.Shape, h.Dtype, h.FeaturesShape, h.FeaturesDtype)
		}
		wantAttrs := map[string]any{"material": "sand", "material.E": 1e4, "material.nu": 0.3, "material.rho": 1000.0,
			"material.friction_angle": 30.0, "dt": 1e-3, "frame_stride": 10.0, "box_lo": []any{w, w}, "box_hi": []any{1 - w, 1 - w},
			"feature_names": []any{"material_id", "body"}, "sample": float64(i)}
		if !reflect.DeepEqual(h.Attrs, wantAttrs) {
			t.Errorf("trajectory %d: h5py attributes %v\nwant %v", i, h.Attrs, wantAttrs)
		}
		for k, x := range tr.Positions {
			if h.Positions[k] != float64(x) {
				t.Fatalf("trajectory %d: position value %d: h5py %v, surrogo %v", i, k, h.Positions[k], x)
			}
		}
		for k, x := range tr.Features {
			if h.Features[k] != float64(x) {
				t.Fatalf("trajectory %d: feature value %d: h5py %v, surrogo %v", i, k, h.Features[k], x)
			}
		}
	}
}

// TestKeyLineArraysOfTables: an element of an array of tables is found
// by its index, a key without an index in the first element setting it,
// and a sub-table of an element under that element's index.
func TestKeyLineArraysOfTables(t *testing.T) {
	text := `name = "x"          # 1
[data.params]                  # 2
dim = 2                        # 3
[[data.params.scene.bodies]]   # 4
shape = "box"                  # 5
[[data.params.scene.bodies]]   # 6
radius = 0.1                   # 7
shape = "ball"                 # 8
[data.params.scene.bodies.tag] # 9
colour = "red"                 # 10
`
	cases := []struct {
		key  string
		line int
	}{
		{"name", 1}, {"data.params.dim", 3},
		{"data.params.scene.bodies", 4}, {"data.params.scene.bodies[0]", 4}, {"data.params.scene.bodies[1]", 6},
		{"data.params.scene.bodies[0].shape", 5}, {"data.params.scene.bodies[1].shape", 8},
		{"data.params.scene.bodies.shape", 5}, {"data.params.scene.bodies.radius", 7},
		{"data.params.scene.bodies[1].tag.colour", 10}, {"data.params.scene.bodies[2]", 0},
		{"data.params.material.E", 0},
	}
	for _, c := range cases {
		if got := keyLine([]byte(text), strings.Split(c.key, ".")); got != c.line {
			t.Errorf("keyLine(%s) = %d, want %d", c.key, got, c.line)
		}
	}
	if got := paramLine([]byte(text), "data.params.material.E"); got != 2 {
		t.Errorf("paramLine of a key the file lacks = %d, want 2 (its nearest table)", got)
	}
}

// TestMPMGravity: without the key gravity pulls down the last axis; an
// empty list means none; the resolved config records it, and material
// keys the kind does not read are left out.
func TestMPMGravity(t *testing.T) {
	cases := []struct {
		pairs []string
		want  []float64
	}{
		{nil, []float64{0, -9.8}},
		{[]string{`dim = 2`, "dim = 2\ngravity = []"}, []float64{}},
		{[]string{`dim = 2`, "dim = 3\ngravity = [1, 2, 3]", `max_size = 0.15`, `max_size = 0.12`}, []float64{1, 2, 3}},
	}
	for _, c := range cases {
		cfg, err := mpmVariant(t, c.pairs...)
		if err != nil {
			t.Fatal(err)
		}
		g := cfg.gen.(*mpmGen)
		if !reflect.DeepEqual(g.p.Gravity, c.want) || len(g.sp.Gravity) != len(c.want) {
			t.Errorf("%v: gravity %v (solver %v), want %v", c.pairs, g.p.Gravity, g.sp.Gravity, c.want)
		}
	}
	cfg, err := mpmVariant(t)
	if err != nil {
		t.Fatal(err)
	}
	text, err := cfg.ResolvedTOML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gravity = [0.0, -9.8]", "friction_angle = 30.0", "E = 10000.0"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("resolved config lacks %q:\n%s", want, text)
		}
	}
	for _, unread := range []string{"bulk", "yield_stress", "gamma"} {
		if strings.Contains(string(text), unread) {
			t.Errorf("resolved config of sand records %s:\n%s", unread, text)
		}
	}
}
