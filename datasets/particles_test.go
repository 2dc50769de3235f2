package datasets

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

// makeTrajectory builds a trajectory whose values depend on every index.
func makeTrajectory(frames, particles, dim, features int, seed float32) *ParticleTrajectory {
	tr := &ParticleTrajectory{Frames: frames, Particles: particles, Dim: dim, FeatureDim: features,
		Material: "sand", MaterialParams: map[string]float64{"E": 1e6, "nu": 0.2},
		Dt: 5e-4, FrameStride: 10}
	tr.Positions = make([]float32, frames*particles*dim)
	for i := range tr.Positions {
		tr.Positions[i] = seed + float32(math.Sin(0.37*float64(i)))
	}
	if features > 0 {
		tr.Features = make([]float32, particles*features)
		for i := range tr.Features {
			tr.Features[i] = float32(i%7) + seed
		}
	}
	return tr
}

func TestParticleRoundTrip(t *testing.T) {
	energy := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 0.5 * float64(i*i)
		}
		return v
	}
	cases := []struct {
		name string
		trs  []*ParticleTrajectory
	}{
		{"2-D without features", []*ParticleTrajectory{makeTrajectory(4, 9, 2, 0, 0)}},
		{"3-D with features, names, scalars and box", func() []*ParticleTrajectory {
			tr := makeTrajectory(6, 5, 3, 2, 1)
			tr.FeatureNames = []string{"material_id", "mass"}
			tr.Scalars = map[string][]float64{"kinetic_energy": energy(6), "time": energy(6)}
			tr.BoxLo, tr.BoxHi = []float64{0.1, 0.1, 0}, []float64{0.9, 0.9, 1}
			return []*ParticleTrajectory{tr}
		}()},
		{"varying N", []*ParticleTrajectory{
			makeTrajectory(3, 7, 2, 1, 0), makeTrajectory(3, 1, 2, 1, 2), makeTrajectory(5, 130, 2, 1, 3),
		}},
		{"mixed dimensions and bare attributes", func() []*ParticleTrajectory {
			a, b := makeTrajectory(2, 4, 3, 0, 0), makeTrajectory(1, 2, 2, 3, 5)
			b.Material, b.MaterialParams, b.Dt, b.FrameStride = "", nil, 0, 0
			return []*ParticleTrajectory{a, b}
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "p.h5"))
			for i, tr := range c.trs {
				got, err := AppendTrajectory(f, tr)
				if err != nil || got != i {
					t.Fatalf("append %d: index %d, %v", i, got, err)
				}
			}
			r := reopen(t, f)
			n, err := TrajectoryCount(r)
			if err != nil || n != len(c.trs) {
				t.Fatalf("count %d, %v; want %d", n, err, len(c.trs))
			}
			sizes, err := TrajectorySizes(r)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.trs {
				ws := TrajectorySize{want.Frames, want.Particles, want.Dim, want.FeatureDim}
				if sizes[i] != ws {
					t.Errorf("trajectory %d size %+v, want %+v", i, sizes[i], ws)
				}
				got, err := ReadTrajectory(r, i)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("trajectory %d read back as\n%+v\nwant\n%+v", i, got, want)
				}
			}
		})
	}
}

func TestReadTrajectoryFramesWindows(t *testing.T) {
	f := mustCreate(t, tempFile(t, "w.h5"))
	tr := makeTrajectory(10, 6, 3, 1, 0)
	tr.Scalars = map[string][]float64{"e": {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	if _, err := AppendTrajectory(f, tr); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	per := tr.Particles * tr.Dim
	for _, w := range [][2]int{{0, 10}, {0, 1}, {3, 9}, {9, 10}, {4, 4}} {
		got, err := ReadTrajectoryFrames(r, 0, w[0], w[1])
		if err != nil {
			t.Fatalf("window %v: %v", w, err)
		}
		if got.FirstFrame != w[0] || got.Frames != w[1]-w[0] {
			t.Errorf("window %v: first %d frames %d", w, got.FirstFrame, got.Frames)
		}
		if want := tr.Positions[w[0]*per : w[1]*per]; !reflect.DeepEqual(got.Positions, want) && len(want) > 0 {
			t.Errorf("window %v positions differ", w)
		}
		if want := tr.Scalars["e"][w[0]:w[1]]; !reflect.DeepEqual(got.Scalars["e"], want) {
			t.Errorf("window %v scalars %v, want %v", w, got.Scalars["e"], want)
		}
		if !reflect.DeepEqual(got.Features, tr.Features) {
			t.Errorf("window %v features differ", w)
		}
	}
	for _, w := range [][2]int{{-1, 2}, {3, 2}, {0, 11}} {
		_, err := ReadTrajectoryFrames(r, 0, w[0], w[1])
		if !errors.Is(err, ErrRange) {
			t.Errorf("window %v: got %v, want ErrRange", w, err)
		}
		assertMentions(t, err, r.Name(), "/trajectories/000000/positions", "trajectory 0")
	}
	_, err := ReadTrajectory(r, 1)
	if !errors.Is(err, ErrRange) {
		t.Errorf("trajectory 1 of 1: %v", err)
	}
	assertMentions(t, err, "/trajectories/000001", "holds 1")
}

func TestAppendTrajectoryRefuses(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(tr *ParticleTrajectory)
		target error
		parts  []string
	}{
		{"dimension 4", func(tr *ParticleTrajectory) { tr.Dim = 4 }, ErrShape, []string{"dimension 4"}},
		{"short positions", func(tr *ParticleTrajectory) { tr.Positions = tr.Positions[1:] }, ErrShape, []string{"positions", "needs 24"}},
		{"NaN position", func(tr *ParticleTrajectory) { tr.Positions[13] = float32(math.NaN()) }, ErrNonFinite, []string{"frame 1, particle 2, coordinate 1"}},
		{"features for other N", func(tr *ParticleTrajectory) { tr.Features = tr.Features[:3] }, ErrShape, []string{"features", "[4 1]"}},
		{"names for other F", func(tr *ParticleTrajectory) { tr.FeatureNames = []string{"a", "b"} }, ErrShape, []string{"2 feature names for 1"}},
		{"scalar per other T", func(tr *ParticleTrajectory) { tr.Scalars = map[string][]float64{"e": {1}} }, ErrShape, []string{"scalars/e", "one per frame (3)"}},
		{"box reversed", func(tr *ParticleTrajectory) { tr.BoxLo, tr.BoxHi = []float64{0, 1}, []float64{1, 0} }, ErrArgument, []string{"axis 1"}},
		{"box of other d", func(tr *ParticleTrajectory) { tr.BoxLo, tr.BoxHi = []float64{0}, []float64{1} }, ErrArgument, []string{"expected 2 each"}},
		{"window", func(tr *ParticleTrajectory) { tr.FirstFrame = 2 }, ErrArgument, []string{"first frame 2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "bad.h5"))
			defer f.Abort()
			tr := makeTrajectory(3, 4, 2, 1, 0)
			c.edit(tr)
			_, err := AppendTrajectory(f, tr)
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			assertMentions(t, err, append([]string{f.Name(), "/trajectories/000000"}, c.parts...)...)
			if f.Has("trajectories/000000") {
				t.Error("a refused trajectory left a group behind")
			}
		})
	}
}

// TestReadTrajectoryRefusesBadFiles writes a good trajectory 0 and a
// damaged trajectory 1 with the plain dataset API, and checks the error.
func TestReadTrajectoryRefusesBadFiles(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		build  func(g *Group) error
		target error
		parts  []string
	}{
		{"features for other N", func(g *Group) error {
			if err := Write(g, "positions", []int{2, 3, 2}, make([]float32, 12), nil); err != nil {
				return err
			}
			return Write(g, "features", []int{4, 1}, make([]float32, 4), nil)
		}, ErrShape, []string{"features", "for 4 particles, expected 3"}},
		{"dimension 4", func(g *Group) error {
			return Write(g, "positions", []int{2, 3, 4}, make([]float32, 24), nil)
		}, ErrLayout, []string{"positions", "dimension 4"}},
		{"rank 2 positions", func(g *Group) error {
			return Write(g, "positions", []int{2, 3}, make([]float32, 6), nil)
		}, ErrLayout, []string{"positions", "rank 2"}},
		{"integer positions", func(g *Group) error {
			return Write(g, "positions", []int{2, 3, 2}, make([]int32, 12), nil)
		}, ErrDtype, []string{"positions", "int32"}},
		{"NaN position", func(g *Group) error {
			p := make([]float32, 12)
			p[9] = nan
			return Write(g, "positions", []int{2, 3, 2}, p, nil)
		}, ErrNonFinite, []string{"positions", "frame 1, particle 1, coordinate 1", "trajectory 1"}},
		{"infinite feature", func(g *Group) error {
			if err := Write(g, "positions", []int{2, 3, 2}, make([]float32, 12), nil); err != nil {
				return err
			}
			return Write(g, "features", []int{3, 2}, []float32{0, 0, 0, float32(math.Inf(1)), 0, 0}, nil)
		}, ErrNonFinite, []string{"features", "particle 1, feature 1"}},
		{"scalar per other T", func(g *Group) error {
			if err := Write(g, "positions", []int{2, 3, 2}, make([]float32, 12), nil); err != nil {
				return err
			}
			return Write(g, "scalars/e", []int{3}, []float64{1, 2, 3}, nil)
		}, ErrShape, []string{"scalars/e", "one per frame (2)"}},
		{"box of other d", func(g *Group) error {
			if err := Write(g, "positions", []int{2, 3, 2}, make([]float32, 12), nil); err != nil {
				return err
			}
			if err := g.SetAttr("box_lo", []float64{0, 0, 0}); err != nil {
				return err
			}
			return g.SetAttr("box_hi", []float64{1, 1, 1})
		}, ErrLayout, []string{"box_lo", "expected 2 each"}},
		{"no positions", func(g *Group) error {
			return Write(g, "features", []int{3, 1}, make([]float32, 3), nil)
		}, ErrNotFound, []string{"/trajectories/000001/positions"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "bad.h5"))
			if _, err := AppendTrajectory(f, makeTrajectory(2, 3, 2, 0, 0)); err != nil {
				t.Fatal(err)
			}
			g, err := f.CreateGroup("trajectories/000001")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.build(g); err != nil {
				t.Fatal(err)
			}
			r := reopen(t, f)
			if _, err := ReadTrajectory(r, 0); err != nil {
				t.Fatalf("the good trajectory: %v", err)
			}
			_, err = ReadTrajectory(r, 1)
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("%T is not a *datasets.Error", err)
			}
			assertMentions(t, err, append([]string{r.Name(), "/trajectories/000001"}, c.parts...)...)
		})
	}
}

func TestTrajectoryCountRefusesGapsAndStrays(t *testing.T) {
	cases := []struct {
		name  string
		build func(f *File) error
		parts []string
	}{
		{"gap", func(f *File) error {
			_, err := f.CreateGroup("trajectories/000001")
			return err
		}, []string{"000001", "expected 000000"}},
		{"stray dataset", func(f *File) error {
			return Write(f.Group, "trajectories/notes", []int{1}, []float32{1}, nil)
		}, []string{"/trajectories/notes", "only trajectory groups"}},
		{"not a group", func(f *File) error {
			return Write(f.Group, "trajectories", []int{1}, []float32{1}, nil)
		}, []string{"/trajectories", "expected a group"}},
		{"other layout", func(f *File) error {
			g, err := f.CreateGroup("trajectories")
			if err != nil {
				return err
			}
			return g.SetAttr("layout", "gns-tfrecord")
		}, []string{"layout", "surrogo-particles/1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "c.h5"))
			if err := c.build(f); err != nil {
				t.Fatal(err)
			}
			r := reopen(t, f)
			_, err := TrajectoryCount(r)
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("got %v, want ErrLayout", err)
			}
			assertMentions(t, err, c.parts...)
		})
	}
	f := mustCreate(t, tempFile(t, "empty.h5"))
	r := reopen(t, f)
	if n, err := TrajectoryCount(r); n != 0 || err != nil {
		t.Errorf("a file without trajectories: %d, %v", n, err)
	}
}

func TestReadTrajectoryFramesRespectsReadLimit(t *testing.T) {
	f := mustCreate(t, tempFile(t, "big.h5"))
	if _, err := AppendTrajectory(f, makeTrajectory(32, 6000, 3, 0, 0)); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	prev := SetReadLimit(10 * 6000 * 3 * 4)
	defer SetReadLimit(prev)
	if _, err := ReadTrajectoryFrames(r, 0, 5, 15); err != nil {
		t.Fatalf("a window within the limit: %v", err)
	}
	_, err := ReadTrajectoryFrames(r, 0, 0, 11)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	assertMentions(t, err, "positions", "[11 6000 3]")
}

// h5pyParticleWriter writes two trajectories in the documented layout, as
// a Python producer would; values follow closed forms the test recomputes.
const h5pyParticleWriter = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    root = f.create_group("trajectories")
    root.attrs["layout"] = "surrogo-particles/1"
    for i, (T, N, d) in enumerate([(5, 7, 3), (4, 11, 2)]):
        g = root.create_group("%06d" % i)
        t, p, k = np.meshgrid(np.arange(T), np.arange(N), np.arange(d), indexing="ij")
        g.create_dataset("positions", data=(0.1 * t + 0.01 * p + 0.001 * k + i).astype(np.float32), chunks=(1, N, d), compression="gzip")
        if i == 0:
            g.create_dataset("features", data=np.stack([np.arange(N) % 3, np.full(N, 0.5)], 1).astype(np.float32))
            g.attrs["feature_names"] = ["material_id", "mass"]
            g.create_dataset("scalars/kinetic_energy", data=np.arange(T, dtype=np.float64) ** 2)
        g.attrs["material"] = "water"
        g.attrs["material.E"] = 1e5
        g.attrs["material.nu"] = 0.3
        g.attrs["dt"] = 5e-4
        g.attrs["frame_stride"] = np.int64(10)
        g.attrs["box_lo"] = np.zeros(d)
        g.attrs["box_hi"] = np.ones(d)
`

// h5pyParticleReader prints what h5py sees of a particle file.
const h5pyParticleReader = `
import sys, json, h5py, numpy as np
out = {"trajectories": {}}
with h5py.File(sys.argv[1], "r") as f:
    out["layout"] = f["trajectories"].attrs["layout"]
    for name, g in f["trajectories"].items():
        o = {"attrs": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in g.attrs.items()}}
        for k in ("positions", "features"):
            if k in g:
                o[k] = {"shape": list(g[k].shape), "dtype": g[k].dtype.str, "values": g[k][()].astype(np.float64).ravel().tolist()}
        if "scalars" in g:
            o["scalars"] = {k: v[()].tolist() for k, v in g["scalars"].items()}
        out["trajectories"][name] = o
print(json.dumps(out))
`

func TestParticlesWithH5py(t *testing.T) {
	requireH5py(t)
	t.Run("h5py writes, surrogo reads", func(t *testing.T) {
		path := tempFile(t, "h5py-particles.h5")
		runPython(t, h5pyParticleWriter, nil, path)
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sizes, err := TrajectorySizes(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := []TrajectorySize{{5, 7, 3, 2}, {4, 11, 2, 0}}; !reflect.DeepEqual(sizes, want) {
			t.Fatalf("sizes %+v, want %+v", sizes, want)
		}
		for i, s := range sizes {
			tr, err := ReadTrajectoryFrames(f, i, 1, s.Frames)
			if err != nil {
				t.Fatal(err)
			}
			for tt := 1; tt < s.Frames; tt++ {
				for p := 0; p < s.Particles; p++ {
					for k := 0; k < s.Dim; k++ {
						want := float32(0.1*float64(tt) + 0.01*float64(p) + 0.001*float64(k) + float64(i))
						if got := tr.Positions[((tt-1)*s.Particles+p)*s.Dim+k]; got != want {
							t.Fatalf("trajectory %d position [%d %d %d] = %v, want %v", i, tt, p, k, got, want)
						}
					}
				}
			}
			if tr.Material != "water" || tr.Dt != 5e-4 || tr.FrameStride != 10 ||
				!reflect.DeepEqual(tr.MaterialParams, map[string]float64{"E": 1e5, "nu": 0.3}) ||
				len(tr.BoxLo) != s.Dim || tr.BoxHi[0] != 1 {
				t.Errorf("trajectory %d attributes %+v", i, tr)
			}
			if i == 0 {
				if !reflect.DeepEqual(tr.FeatureNames, []string{"material_id", "mass"}) || tr.Features[2*2] != 2 || tr.Features[1] != 0.5 {
					t.Errorf("features %v named %v", tr.Features, tr.FeatureNames)
				}
				if !reflect.DeepEqual(tr.Scalars["kinetic_energy"], []float64{1, 4, 9, 16}) {
					t.Errorf("scalars %v", tr.Scalars)
				}
			}
		}
	})
	t.Run("surrogo writes, h5py reads", func(t *testing.T) {
		path := tempFile(t, "surrogo-particles.h5")
		f := mustCreate(t, path)
		a := makeTrajectory(4, 5, 3, 2, 0)
		a.FeatureNames = []string{"id", "mass"}
		a.Scalars = map[string][]float64{"e": {1, 2, 3, 4}}
		a.BoxLo, a.BoxHi = []float64{0, 0, 0}, []float64{1, 2, 3}
		b := makeTrajectory(2, 9, 2, 0, 1)
		for _, tr := range []*ParticleTrajectory{a, b} {
			if _, err := AppendTrajectory(f, tr); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		type array struct {
			Shape  []int     `json:"shape"`
			Dtype  string    `json:"dtype"`
			Values []float64 `json:"values"`
		}
		var out struct {
			Layout       string `json:"layout"`
			Trajectories map[string]struct {
				Attrs     map[string]any       `json:"attrs"`
				Positions *array               `json:"positions"`
				Features  *array               `json:"features"`
				Scalars   map[string][]float64 `json:"scalars"`
			} `json:"trajectories"`
		}
		runPython(t, h5pyParticleReader, &out, path)
		if out.Layout != ParticleLayout || len(out.Trajectories) != 2 {
			t.Errorf("layout %q with %d trajectories", out.Layout, len(out.Trajectories))
		}
		got := out.Trajectories
		for i, tr := range []*ParticleTrajectory{a, b} {
			g := got[TrajectoryName(i)]
			if g.Positions == nil || !reflect.DeepEqual(g.Positions.Shape, []int{tr.Frames, tr.Particles, tr.Dim}) || g.Positions.Dtype != "<f4" {
				t.Fatalf("trajectory %d positions %+v", i, g.Positions)
			}
			for j, v := range tr.Positions {
				if g.Positions.Values[j] != float64(v) {
					t.Fatalf("trajectory %d position %d = %v, want %v", i, j, g.Positions.Values[j], v)
				}
			}
			if (g.Features != nil) != (tr.FeatureDim > 0) {
				t.Errorf("trajectory %d features %+v", i, g.Features)
			}
			if g.Attrs["material"] != "sand" || g.Attrs["material.E"] != 1e6 || g.Attrs["dt"] != 5e-4 || g.Attrs["frame_stride"] != 10.0 {
				t.Errorf("trajectory %d attributes %v", i, g.Attrs)
			}
		}
		ga := got["000000"]
		if !reflect.DeepEqual(ga.Features.Shape, []int{5, 2}) || ga.Features.Values[3] != float64(a.Features[3]) {
			t.Errorf("features %+v", ga.Features)
		}
		if !reflect.DeepEqual(ga.Scalars["e"], []float64{1, 2, 3, 4}) {
			t.Errorf("scalars %v", ga.Scalars)
		}
		if !reflect.DeepEqual(ga.Attrs["box_hi"], []any{1.0, 2.0, 3.0}) || !reflect.DeepEqual(ga.Attrs["feature_names"], []any{"id", "mass"}) {
			t.Errorf("box and names %v", ga.Attrs)
		}
	})
}
