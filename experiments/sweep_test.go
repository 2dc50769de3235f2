package experiments

import (
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParseSweepAxis: values split at commas outside brackets and quotes,
// trimmed; malformed keys, empty values, values that read as the same
// TOML value and keys that name the run are refused, naming the flag.
func TestParseSweepAxis(t *testing.T) {
	cases := []struct {
		in     string
		key    string
		values []string
		err    []string // substrings of the error; nil: no error
	}{
		{"train.lr=1e-3,3e-4", "train.lr", []string{"1e-3", "3e-4"}, nil},
		{" model.width = 32 , 64 ", "model.width", []string{"32", "64"}, nil},
		{"model.width=32", "model.width", []string{"32"}, nil},
		{"model.modes=[8, 8],[12,12]", "model.modes", []string{"[8, 8]", "[12,12]"}, nil},
		{`model.activation="a,b",gelu`, "model.activation", []string{`"a,b"`, "gelu"}, nil},
		{`data.file='x,y.h5',"q\",r"`, "data.file", []string{`'x,y.h5'`, `"q\",r"`}, nil},
		{"eval.x={a = 1, b = 2},{a = 2}", "eval.x", []string{"{a = 1, b = 2}", "{a = 2}"}, nil},
		{"data.file=o'brien.h5,x.h5", "data.file", []string{"o'brien.h5", "x.h5"}, nil},
		{`model.modes=[8, 8],["a,b", 'c']`, "model.modes", []string{"[8, 8]", `["a,b", 'c']`}, nil},
		{"k.x=a],b,c", "", nil, []string{`']' at character 2 closes a bracket that was not opened, in value "a]"`}},
		{"k.x=1,[2],3]", "", nil, []string{`']' at character 8 closes a bracket that was not opened, in value "3]"`}},
		{"k.x=[1,2", "", nil, []string{`'[' at character 1 is not closed, in value "[1,2"`}},
		{"k.x=1,{a = [1, 2}", "", nil, []string{`'{' at character 3 is not closed, in value "{a = [1, 2}"`}},
		{`k.x=a,'b,c`, "", nil, []string{`quote ' at character 3 is not closed, in value "'b,c"`}},
		{`k.x="a\",b`, "", nil, []string{`quote " at character 1 is not closed`}},
		{"train.lr", "", nil, []string{`-grid "train.lr"`, "expected KEY=V1,V2"}},
		{"=1,2", "", nil, []string{"expected KEY=V1,V2"}},
		{"train..lr=1,2", "", nil, []string{`key "train..lr" must be dotted names`}},
		{"train lr=1,2", "", nil, []string{`key "train lr" must be dotted names`}},
		{"train.lr=", "", nil, []string{"value 1 of 1 is empty"}},
		{"train.lr=1e-3,,3e-4", "", nil, []string{"value 2 of 3 is empty"}},
		{"train.lr=1e-3,", "", nil, []string{"value 2 of 2 is empty"}},
		{"train.lr=1e-3,0.001", "", nil, []string{"values 1 (1e-3) and 2 (0.001) are the same value"}},
		{"train.lr=1,1.0", "", nil, []string{"values 1 (1) and 2 (1.0) are the same value"}},
		{"model.modes=[8, 16],[8.0, 16]", "", nil, []string{"values 1 ([8, 16]) and 2 ([8.0, 16]) are the same value"}},
		{`model.activation=gelu,"gelu"`, "", nil, []string{"values 1 (gelu) and 2 (\"gelu\") are the same value"}},
		{"model.modes=[8],[ 8 ]", "", nil, []string{"are the same value"}},
		{"name=a,b", "", nil, []string{"name cannot be swept"}},
		{"run_dir=a,b", "", nil, []string{"run_dir cannot be swept"}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			a, err := ParseSweepAxis(c.in)
			if c.err == nil {
				if err != nil || a.Key != c.key || !slices.Equal(a.Values, c.values) {
					t.Fatalf("got %q %q, %v; want %q %q", a.Key, a.Values, err, c.key, c.values)
				}
				if back, err := ParseSweepAxis(a.String()); err != nil || !slices.Equal(back.Values, a.Values) {
					t.Errorf("String %q does not read back: %v %v", a.String(), back, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %q %q", a.Key, a.Values)
			}
			for _, w := range c.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSafeValue: directory names keep letters, digits and . + - _, any
// other run of characters becomes one _, and a value with none of them
// becomes a hash.
func TestSafeValue(t *testing.T) {
	cases := map[string]string{
		"1e-3":             "1e-3",
		"[8, 8]":           "8_8",
		`"gelu"`:           "gelu",
		"data/a b.h5":      "data_a_b.h5",
		"../../etc":        ".._.._etc",
		"{a = 1}":          "a_1",
		"/":                "v" + shortHash("/"),
		"..":               "v" + shortHash(".."),
		"r\u00e9sum\u00e9": "r_sum",
	}
	for in, want := range cases {
		if got := safeValue(in); got != want {
			t.Errorf("safeValue(%q) = %q, want %q", in, got, want)
		}
	}
	long := []Override{{"model.modes", "[" + strings.Repeat("16, ", 80) + "16]"}}
	name := sweepDirName(long)
	if len(name) > maxDirName || !strings.HasPrefix(name, "model.modes=16_16") || !strings.HasSuffix(name, shortHash(sweepLabel(long, ","))) {
		t.Errorf("long name %q (%d bytes)", name, len(name))
	}
}

// sweepStudy writes a small Burgers FNO study (never run here) with its
// run directory under dir.
func sweepStudy(t *testing.T, dir, extra string) string {
	t.Helper()
	text := `name = "swept"
seed = 3
run_dir = "` + filepath.Join(dir, "run") + `"
` + extra + `
[data]
solver = "burgers"
train = 8
test = 2
resolution = 32
t_end = 0.1
dt = 1e-3

[data.params]
nu = 0.1

[model]
kind = "fno"
width = 8
modes = [6]

[train]
epochs = 1
batch = 4
lr = 1e-3
schedule = "cosine"
`
	path := filepath.Join(dir, "study.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustAxis(t *testing.T, s string) SweepAxis {
	t.Helper()
	a, err := ParseSweepAxis(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPlanSweepOrderAndDirs: the points are the cartesian product with
// the first axis varying slowest, each in <run_dir>/sweep/<key=value,...>
// with its values (and -set overrides) in its config, sharing one data
// file when no data key is swept and one per data value when one is.
func TestPlanSweepOrderAndDirs(t *testing.T) {
	dir := t.TempDir()
	path := sweepStudy(t, dir, "")
	sets := []Override{{"train.epochs", "2"}}
	axes := []SweepAxis{mustAxis(t, "train.lr=1e-3,3e-4"), mustAxis(t, "model.modes=[4],[6]"), mustAxis(t, "model.activation=gelu,relu")}
	s, err := PlanSweep(path, sets, axes)
	if err != nil {
		t.Fatal(err)
	}
	sweepDir := filepath.Join(dir, "run", "sweep")
	if s.Dir != sweepDir || len(s.Points) != 8 {
		t.Fatalf("dir %s, %d points", s.Dir, len(s.Points))
	}
	want := []struct {
		name string
		lr   float64
		mode int
		act  string
	}{
		{"train.lr=1e-3,model.modes=4,model.activation=gelu", 1e-3, 4, "gelu"},
		{"train.lr=1e-3,model.modes=4,model.activation=relu", 1e-3, 4, "relu"},
		{"train.lr=1e-3,model.modes=6,model.activation=gelu", 1e-3, 6, "gelu"},
		{"train.lr=1e-3,model.modes=6,model.activation=relu", 1e-3, 6, "relu"},
		{"train.lr=3e-4,model.modes=4,model.activation=gelu", 3e-4, 4, "gelu"},
		{"train.lr=3e-4,model.modes=4,model.activation=relu", 3e-4, 4, "relu"},
		{"train.lr=3e-4,model.modes=6,model.activation=gelu", 3e-4, 6, "gelu"},
		{"train.lr=3e-4,model.modes=6,model.activation=relu", 3e-4, 6, "relu"},
	}
	for i, w := range want {
		p, cfg := s.Points[i], s.PointConfig(i)
		if p.Index != i || p.Dir != filepath.Join(sweepDir, w.name) || cfg.RunDir() != p.Dir {
			t.Errorf("point %d: index %d dir %s run dir %s, want %s", i, p.Index, p.Dir, cfg.RunDir(), w.name)
		}
		if cfg.Train.LR != w.lr || !slices.Equal(cfg.Model.Modes, []int{w.mode}) || cfg.Model.Activation != w.act || cfg.Train.Epochs != 2 {
			t.Errorf("point %d config: lr %g modes %v activation %s epochs %d", i, cfg.Train.LR, cfg.Model.Modes, cfg.Model.Activation, cfg.Train.Epochs)
		}
		lr := map[float64]string{1e-3: "1e-3", 3e-4: "3e-4"}[w.lr]
		if wantLabel := fmt.Sprintf("train.lr=%s, model.modes=[%d], model.activation=%s", lr, w.mode, w.act); p.Label != wantLabel {
			t.Errorf("point %d label %q, want %q", i, p.Label, wantLabel)
		}
		if filepath.Dir(filepath.Dir(p.DataFile)) != filepath.Join(sweepDir, "data") || cfg.Data.Output != p.DataFile || p.DataFile != s.Points[0].DataFile {
			t.Errorf("point %d data %s (config %s), want the one file of the store %s/data", i, p.DataFile, cfg.Data.Output, sweepDir)
		}
	}
	if got := s.DataPoints(); !slices.Equal(got, []int{0}) {
		t.Errorf("DataPoints %v, want [0]", got)
	}

	// A swept data key: points of one data value share a file.
	s, err = PlanSweep(path, nil, []SweepAxis{mustAxis(t, "data.params.nu=0.1,0.05"), mustAxis(t, "train.lr=1e-3,3e-4")})
	if err != nil {
		t.Fatal(err)
	}
	for i, same := range []int{0, 0, 2, 2} {
		p := s.Points[i]
		if p.DataFile != s.Points[same].DataFile || filepath.Dir(filepath.Dir(p.DataFile)) != filepath.Join(sweepDir, "data") {
			t.Errorf("point %d data %s, want point %d's %s in the store %s/data", i, p.DataFile, same, s.Points[same].DataFile, sweepDir)
		}
	}
	if s.Points[0].DataFile == s.Points[2].DataFile {
		t.Errorf("two values of data.params.nu share the data file %s", s.Points[0].DataFile)
	}
	if got := s.DataPoints(); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("DataPoints %v, want [0 2]", got)
	}
	if _, err := os.Stat(sweepDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("planning wrote %s: %v", sweepDir, err)
	}
}

// TestPlanSweepRefusals: every point is checked before any runs: a bad
// value, an unknown key, a key that changes nothing, two values that make
// one directory name, keys swept twice or also set, a data file two
// points would write differently and a point directory holding another
// run are refused, naming the key, value and point, and nothing is
// written.
func TestPlanSweepRefusals(t *testing.T) {
	cases := []struct {
		name  string
		extra string // top-level config lines
		sets  []Override
		axes  []string
		want  []string
	}{
		{"bad value", "", nil, []string{"model.width=8,16", "train.lr=1e-3,abc"},
			[]string{"sweep point 1 (model.width=8, train.lr=abc; points numbered 0..3)", "train.lr", "abc"}},
		{"unknown key", "", nil, []string{"model.depth=1,2"}, []string{"sweep point 0 (model.depth=1", "model.depth: unknown key"}},
		{"key not read", "", nil, []string{"train.checkpoint_every=1,2"},
			[]string{"points 0 (train.checkpoint_every=1) and 1 (train.checkpoint_every=2) resolve to the same configuration"}},
		{"same directory", "", nil, []string{`model.activation="a b",a_b`}, []string{"would share the run directory", "model.activation=a_b"}},
		{"swept twice", "", nil, []string{"train.lr=1,2", "train.lr=3"}, []string{"-grid train.lr and -grid train.lr"}},
		{"nested keys", "", nil, []string{"data.params={nu = 0.1},{nu = 0.2}", "data.params.nu=0.1,0.2"}, []string{"-grid data.params and -grid data.params.nu"}},
		{"swept and set", "", []Override{{"train.lr", "1"}}, []string{"train.lr=1e-3,3e-4"}, []string{"-grid train.lr and -set train.lr=1 both set train.lr"}},
		{"no axes", "", nil, nil, []string{"no axes"}},
		{"shared data file", "", []Override{{"data.output", `"` + "DIR/d.h5" + `"`}}, []string{"data.params.nu=0.1,0.2"},
			[]string{"points 0 (data.params.nu=0.1) and 1 (data.params.nu=0.2) would generate different data into one file", "d.h5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := sweepStudy(t, dir, c.extra)
			var axes []SweepAxis
			for _, a := range c.axes {
				axes = append(axes, mustAxis(t, a))
			}
			for i := range c.sets {
				c.sets[i].Value = strings.ReplaceAll(c.sets[i].Value, "DIR", dir)
			}
			_, err := PlanSweep(path, c.sets, axes)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "run")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused sweep wrote %s", filepath.Join(dir, "run"))
			}
		})
	}
}

// TestPlanSweepRefusesChangedPointDir: a point directory holding a run of
// another config is refused up front (as Run would refuse it midway);
// one whose config differs in [eval] keys only is accepted.
func TestPlanSweepRefusesChangedPointDir(t *testing.T) {
	dir := t.TempDir()
	path := sweepStudy(t, dir, "")
	axes := []SweepAxis{mustAxis(t, "train.lr=1e-3,3e-4")}
	s, err := PlanSweep(path, nil, axes)
	if err != nil {
		t.Fatal(err)
	}
	write := func(cfg *Config) {
		text, err := cfg.ResolvedTOML()
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(s.Points[1].Dir, 0o755)
		if err := os.WriteFile(filepath.Join(s.Points[1].Dir, "config.toml"), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other, err := LoadWithOverrides(path, append(s.PointSets(1), Override{"eval.solver_samples", "1"}))
	if err != nil {
		t.Fatal(err)
	}
	write(other)
	if _, err := PlanSweep(path, nil, axes); err != nil {
		t.Errorf("[eval] change refused: %v", err)
	}
	other, err = LoadWithOverrides(path, append(s.PointSets(1), Override{"model.width", "4"}))
	if err != nil {
		t.Fatal(err)
	}
	write(other)
	_, err = PlanSweep(path, nil, axes)
	if !errors.Is(err, ErrConfigChanged) || !strings.Contains(err.Error(), "sweep point 1 (train.lr=3e-4") || !strings.Contains(err.Error(), "changed keys: model.width") {
		t.Errorf("changed run: %v", err)
	}
}

// TestSweepManifest: sweep.json round-trips the axes and points, names
// point directories relative to the sweep directory, is not rewritten
// when unchanged, and a manifest naming a directory outside is refused.
func TestSweepManifest(t *testing.T) {
	dir := t.TempDir()
	path := sweepStudy(t, dir, "")
	s, err := PlanSweep(path, []Override{{"train.epochs", "2"}}, []SweepAxis{mustAxis(t, "train.lr=1e-3,3e-4"), mustAxis(t, "model.width=4,8")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadSweepManifest(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config != path || !slices.Equal(m.Sets, []string{"train.epochs=2"}) || len(m.Axes) != 2 || len(m.Points) != 4 {
		t.Fatalf("manifest %+v", m)
	}
	dirs := m.RunDirs(s.Dir)
	for i, p := range s.Points {
		if dirs[i] != p.Dir || m.Points[i].Label != p.Label || m.Points[i].Index != i {
			t.Errorf("point %d: %s %+v, want %s", i, dirs[i], m.Points[i], p.Dir)
		}
	}
	if !slices.Equal(m.Points[3].Overrides, []string{"train.lr=3e-4", "model.width=8"}) {
		t.Errorf("point 3 overrides %q", m.Points[3].Overrides)
	}
	if d := m.Points[0].DataFile; !filepath.IsLocal(d) || filepath.Join(s.Dir, d) != s.Points[0].DataFile {
		t.Errorf("point 0 data_file %q, want %s relative to %s", d, s.Points[0].DataFile, s.Dir)
	}
	before, _ := os.Stat(filepath.Join(s.Dir, SweepManifestName))
	if err := s.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(filepath.Join(s.Dir, SweepManifestName))
	if !os.SameFile(before, after) {
		t.Error("an unchanged manifest was rewritten")
	}
	if _, err := ReadSweepManifest(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no manifest: %v", err)
	}
	bad := `{"axes": [{"key": "train.lr", "values": ["1"]}], "points": [{"index": 0, "dir": "../elsewhere"}]}`
	os.WriteFile(filepath.Join(dir, SweepManifestName), []byte(bad), 0o644)
	if _, err := ReadSweepManifest(dir); err == nil || !strings.Contains(err.Error(), `found "../elsewhere"`) {
		t.Errorf("outside directory: %v", err)
	}
}

// TestWriteManifestMerges: a later, different sweep into the same run_dir
// keeps the earlier sweep's points (keyed by directory) and adds its own;
// the axes are the union of keys in order of first appearance, each with
// the union of its values; writing a sweep again changes nothing.
func TestWriteManifestMerges(t *testing.T) {
	dir := t.TempDir()
	path := sweepStudy(t, dir, "")
	steps := []struct {
		axes   []string
		points []string // the manifest's point directories after the step
		axisKV []string // its axes, as ParseSweepAxis reads them
	}{
		{[]string{"train.lr=1e-3,3e-4"}, []string{"train.lr=1e-3", "train.lr=3e-4"}, []string{"train.lr=1e-3,3e-4"}},
		{[]string{"model.width=4,16"}, []string{"train.lr=1e-3", "train.lr=3e-4", "model.width=4", "model.width=16"},
			[]string{"train.lr=1e-3,3e-4", "model.width=4,16"}},
		{[]string{"train.lr=1e-2,1e-3", "model.width=16"}, []string{"train.lr=1e-3", "train.lr=3e-4", "model.width=4", "model.width=16",
			"train.lr=1e-2,model.width=16", "train.lr=1e-3,model.width=16"}, []string{"train.lr=1e-3,3e-4,1e-2", "model.width=4,16"}},
		{[]string{"model.width=4,16"}, nil, nil}, // again: unchanged
	}
	var last []byte
	for i, st := range steps {
		var axes []SweepAxis
		for _, a := range st.axes {
			axes = append(axes, mustAxis(t, a))
		}
		s, err := PlanSweep(path, nil, axes)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteManifest(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		raw := sweepMust(os.ReadFile(filepath.Join(s.Dir, SweepManifestName)))
		if st.points == nil {
			if string(raw) != string(last) {
				t.Errorf("step %d: writing a sweep again changed the manifest:\n%s\nto\n%s", i, last, raw)
			}
			continue
		}
		last = raw
		m := sweepMust(ReadSweepManifest(s.Dir))
		var dirs, kv []string
		for _, p := range m.Points {
			dirs = append(dirs, p.Dir)
		}
		for _, a := range m.Axes {
			kv = append(kv, a.String())
		}
		if !slices.Equal(dirs, st.points) || !slices.Equal(kv, st.axisKV) {
			t.Errorf("step %d: points %q axes %q, want %q %q", i, dirs, kv, st.points, st.axisKV)
		}
	}
}

// TestWriteManifestConcurrent: sweeps of different points writing the
// manifest at once (as array tasks of two sweeps on a shared file system
// may) lose no points.
func TestWriteManifestConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := sweepStudy(t, dir, "")
	lrs := []string{"1e-3,2e-3", "3e-3,4e-3", "5e-3,6e-3", "7e-3,8e-3"}
	var sweeps []*Sweep
	for _, lr := range lrs {
		s, err := PlanSweep(path, nil, []SweepAxis{mustAxis(t, "train.lr="+lr)})
		if err != nil {
			t.Fatal(err)
		}
		sweeps = append(sweeps, s)
	}
	errs := make(chan error, len(sweeps))
	for _, s := range sweeps {
		go func() { errs <- s.WriteManifest() }()
	}
	for range sweeps {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	m := sweepMust(ReadSweepManifest(sweeps[0].Dir))
	if len(m.Points) != 2*len(lrs) || len(m.Axes) != 1 || len(m.Axes[0].Values) != 2*len(lrs) {
		t.Errorf("%d points, axes %v; want %d points of one axis", len(m.Points), m.Axes, 2*len(lrs))
	}
	if left := sweepMust(filepath.Glob(filepath.Join(sweeps[0].Dir, SweepManifestName+".*"))); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}

// TestWriteManifestTempUnique: the temporary file is the writer's own, so
// another host's writer of the same pid (here: its temporary name taken
// by a directory) does not clash with it.
func TestWriteManifestTempUnique(t *testing.T) {
	dir := t.TempDir()
	s, err := PlanSweep(sweepStudy(t, dir, ""), nil, []SweepAxis{mustAxis(t, "train.lr=1e-3,3e-4")})
	if err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(s.Dir, fmt.Sprintf("%s.%d.tmp", SweepManifestName, os.Getpid()))
	if err := os.MkdirAll(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteManifest(); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadSweepManifest(s.Dir); err != nil || len(m.Points) != 2 {
		t.Errorf("manifest %+v, %v", m, err)
	}
}

// TestReplaceFileRenameFails: a failed rename is success when the file
// now holds the bytes written (another writer's rename of the same
// content won), an error naming the file otherwise; the temporary file
// never stays.
func TestReplaceFileRenameFails(t *testing.T) {
	defer func(r func(string, string) error) { renameFile = r }(renameFile)
	renameFile = func(oldpath, newpath string) error {
		os.Remove(oldpath)
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	cases := []struct {
		name, now string // now: the file's content when the rename fails ("": none)
		ok        bool
	}{
		{"same bytes", "manifest\n", true},
		{"other bytes", "other\n", false},
		{"no file", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, SweepManifestName)
			if c.now != "" {
				os.WriteFile(path, []byte(c.now), 0o644)
			}
			err := replaceFile(path, []byte("manifest\n"))
			if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "writing "+path)) {
				t.Errorf("error %v, want ok %v", err, c.ok)
			}
			if left := sweepMust(filepath.Glob(filepath.Join(dir, "*.tmp"))); len(left) != 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}

// sweepMust is v, panicking (failing the test) on err.
func sweepMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestPlotSweep: a log x axis for positive numbers spanning 10x or more
// (exactly 10x too, whatever the rounding), a linear one otherwise, categories numbered in order of first
// appearance; the figure is a valid PNG with an SVG beside it.
func TestPlotSweep(t *testing.T) {
	axisCases := []struct {
		xs    []string
		x     []float64
		label string
		log   bool
	}{
		{[]string{"1e-2", "3e-4", "1e-4"}, []float64{1e-2, 3e-4, 1e-4}, "k", true},
		{[]string{"1e-3", "1e-4"}, []float64{1e-3, 1e-4}, "k", true},
		{[]string{"1e-3", "3e-3", "1e-2"}, []float64{1e-3, 3e-3, 1e-2}, "k", true},
		{[]string{"0.3", "0.1", "3"}, []float64{0.3, 0.1, 3}, "k", true},
		{[]string{"1e-3", "9.99e-3"}, []float64{1e-3, 9.99e-3}, "k", false},
		{[]string{"1e-4", "3e-4"}, []float64{1e-4, 3e-4}, "k", false},
		{[]string{"32", "64"}, []float64{32, 64}, "k", false},
		{[]string{"0", "1", "100"}, []float64{0, 1, 100}, "k", false},
		{[]string{"gelu", "relu", "gelu"}, []float64{1, 2, 1}, "k (1: gelu, 2: relu)", false},
	}
	for _, c := range axisCases {
		var runs []SweepResult
		for _, x := range c.xs {
			runs = append(runs, SweepResult{X: x, TestRelL2: 0.1})
		}
		x, label, log := sweepAxisValues("k", runs)
		if !slices.Equal(x, c.x) || label != c.label || log != c.log {
			t.Errorf("%q: %v %q %v, want %v %q %v", c.xs, x, label, log, c.x, c.label, c.log)
		}
	}
	base := filepath.Join(t.TempDir(), "figs", "lr")
	runs := []SweepResult{{"1e-3", "model.width=8", 0.1}, {"1e-4", "model.width=8", 0.3}, {"1e-3", "model.width=16", 0.05}, {"1e-4", "model.width=16", 0.2}}
	files, err := PlotSweep("train.lr", runs, base, PlotOptions{})
	if err != nil || !slices.Equal(files, []string{base + ".png", base + ".svg"}) {
		t.Fatalf("files %v, %v", files, err)
	}
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("not a PNG: %v", err)
	}
	if _, err := PlotSweep("train.lr", nil, base, PlotOptions{}); err == nil {
		t.Error("no runs: no error")
	}
}
