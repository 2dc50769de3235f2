package datasets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/surrogo/surrogo/tensor"
)

// The files testdata/pdebench_fixtures.py writes, and its sizes.
const (
	fxBurgers   = "1D_Burgers_Sols_Nu0.01.hdf5"
	fxAdvection = "1D_Advection_Sols_beta0.1.hdf5"
	fxDarcy     = "2D_DarcyFlow_beta1.0_Train.hdf5"
	fxDiffReact = "2D_diff-react_NA_NA.h5"
	fxCFD       = "1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5"

	fxN, fxT, fxX, fx2D = 12, 11, 32, 16
)

// pdebenchFixtures writes the h5py fixtures into a fresh directory (args
// are passed on, e.g. "--nan-sample", "5") and returns it.
func pdebenchFixtures(t *testing.T, args ...string) string {
	t.Helper()
	requireH5py(t)
	dir := t.TempDir()
	cmd := exec.Command(refPython, append([]string{filepath.Join("testdata", "pdebench_fixtures.py"), dir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdebench_fixtures.py %v: %v\n%s", args, err, out)
	}
	if len(out) != 0 {
		t.Errorf("pdebench_fixtures.py printed %q, expected nothing", out)
	}
	return dir
}

// fixtureValue is the fixtures' formula: variable k of sample s at frame
// t and grid point (i, j). Every value is exact in float32.
func fixtureValue(k, s, t, i, j int) float32 {
	return float32(32*float64(k) + float64(s+1)*(1+float64(t)/16+float64(i)/512+float64(j)/8192))
}

// gridExpect describes what a GridSource should return: the stored frames
// of input and target, the formula's variable of each channel, the grid
// read and the subsampling step.
type gridExpect struct {
	in, out []int
	vars    []int
	spatial []int
	sub     int
}

// fields computes the expected [B, spatial..., len(frames)*len(vars)]
// values of samples idx.
func (e gridExpect) fields(idx, frames []int) []float32 {
	pts := tensor.Size(e.spatial)
	nch := len(frames) * len(e.vars)
	out := make([]float32, 0, len(idx)*pts*nch)
	for _, s := range idx {
		for p := 0; p < pts; p++ {
			pos := unravel(p, e.spatial)
			i, j := pos[0]*e.sub, 0
			if len(pos) > 1 {
				j = pos[1] * e.sub
			}
			for _, fr := range frames {
				for _, k := range e.vars {
					out = append(out, fixtureValue(k, s, fr, i, j))
				}
			}
		}
	}
	return out
}

// checkTensor compares a batch field with the expected shape and values,
// exactly.
func checkTensor(t *testing.T, what string, got *tensor.Tensor[float32], shape []int, want []float32) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s is nil", what)
	}
	if !slices.Equal(got.Shape(), shape) {
		t.Fatalf("%s has shape %v, want %v", what, got.Shape(), shape)
	}
	for p, v := range got.Data() {
		if v != want[p] {
			t.Fatalf("%s[%v] = %v, want %v", what, unravel(p, shape), v, want[p])
		}
	}
}

func TestGridSourceReadsPDEBenchFixtures(t *testing.T) {
	dir := pdebenchFixtures(t)
	one, two := []int{fxX}, []int{fx2D, fx2D}
	frames := func(lo, hi, step int) []int {
		var v []int
		for f := lo; f <= hi; f += step {
			v = append(v, f)
		}
		return v
	}
	cases := []struct {
		name   string
		file   string
		task   GridTask
		layout Layout
		want   gridExpect
	}{
		{"map first to last", fxBurgers, GridTask{InputFrame: 0, TargetFrame: -1}, LayoutTensor,
			gridExpect{in: []int{0}, out: []int{10}, vars: []int{0}, spatial: one, sub: 1}},
		{"zero task maps frame 0 to itself", fxBurgers, GridTask{}, LayoutTensor,
			gridExpect{in: []int{0}, out: []int{0}, vars: []int{0}, spatial: one, sub: 1}},
		{"map explicit frames", fxBurgers, GridTask{InputFrame: 3, TargetFrame: 7}, LayoutTensor,
			gridExpect{in: []int{3}, out: []int{7}, vars: []int{0}, spatial: one, sub: 1}},
		{"map negative frames", fxAdvection, GridTask{InputFrame: -3, TargetFrame: -11}, LayoutTensor,
			gridExpect{in: []int{8}, out: []int{0}, vars: []int{0}, spatial: one, sub: 1}},
		{"map subsampled 3 (not dividing 32)", fxBurgers, GridTask{TargetFrame: 1, Subsample: 3}, LayoutTensor,
			gridExpect{in: []int{0}, out: []int{1}, vars: []int{0}, spatial: []int{11}, sub: 3}},
		{"rollout with start and stride", fxAdvection, GridTask{Rollout: true, In: 2, Out: 3, Start: 1, Stride: 2}, LayoutTensor,
			gridExpect{in: []int{1, 3}, out: []int{5, 7, 9}, vars: []int{0}, spatial: one, sub: 1}},
		{"rollout over every frame", fxAdvection, GridTask{Rollout: true, In: 10, Out: 1}, LayoutTensor,
			gridExpect{in: frames(0, 9, 1), out: []int{10}, vars: []int{0}, spatial: one, sub: 1}},
		{"rollout subsampled 2", fxBurgers, GridTask{Rollout: true, In: 1, Out: 2, Start: 4, Subsample: 2}, LayoutTensor,
			gridExpect{in: []int{4}, out: []int{5, 6}, vars: []int{0}, spatial: []int{16}, sub: 2}},
		{"CFD all variables", fxCFD, GridTask{InputFrame: 0, TargetFrame: -1}, LayoutCFD,
			gridExpect{in: []int{0}, out: []int{10}, vars: []int{0, 1, 2}, spatial: one, sub: 1}},
		{"CFD all variables, rollout", fxCFD, GridTask{Rollout: true, In: 2, Out: 1, Start: 4, Stride: 3}, LayoutCFD,
			gridExpect{in: []int{4, 7}, out: []int{10}, vars: []int{0, 1, 2}, spatial: one, sub: 1}},
		{"CFD subset in the caller's order", fxCFD,
			GridTask{Rollout: true, In: 2, Out: 2, Start: 1, Stride: 3, Variables: []string{"Vx", "density"}}, LayoutCFD,
			gridExpect{in: []int{1, 4}, out: []int{7, 10}, vars: []int{2, 0}, spatial: one, sub: 1}},
		{"CFD one variable subsampled 4", fxCFD, GridTask{InputFrame: 2, TargetFrame: 5, Subsample: 4, Variables: []string{"pressure"}}, LayoutCFD,
			gridExpect{in: []int{2}, out: []int{5}, vars: []int{1}, spatial: []int{8}, sub: 4}},
		{"Darcy nu to u", fxDarcy, GridTask{InputFrame: 0, TargetFrame: 1}, LayoutDarcy,
			gridExpect{in: []int{0}, out: []int{1}, vars: []int{0}, spatial: two, sub: 1}},
		{"Darcy negative frames subsampled 2", fxDarcy, GridTask{InputFrame: -2, TargetFrame: -1, Subsample: 2}, LayoutDarcy,
			gridExpect{in: []int{0}, out: []int{1}, vars: []int{0}, spatial: []int{8, 8}, sub: 2}},
		{"sample groups first to last", fxDiffReact, GridTask{InputFrame: 0, TargetFrame: -1}, LayoutSampleGroups,
			gridExpect{in: []int{0}, out: []int{10}, vars: []int{0, 1}, spatial: two, sub: 1}},
		{"sample groups rollout subsampled 2", fxDiffReact, GridTask{Rollout: true, In: 3, Out: 2, Start: 2, Stride: 2, Subsample: 2}, LayoutSampleGroups,
			gridExpect{in: []int{2, 4, 6}, out: []int{8, 10}, vars: []int{0, 1}, spatial: []int{8, 8}, sub: 2}},
		{"sample groups subsampled 5", fxDiffReact, GridTask{InputFrame: 1, TargetFrame: 9, Subsample: 5}, LayoutSampleGroups,
			gridExpect{in: []int{1}, out: []int{9}, vars: []int{0, 1}, spatial: []int{4, 4}, sub: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := OpenGridSource(filepath.Join(dir, c.file), c.task)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			w := c.want
			if src.Layout() != c.layout || src.Samples() != fxN {
				t.Fatalf("layout %v with %d samples, want %v with %d", src.Layout(), src.Samples(), c.layout, fxN)
			}
			if !slices.Equal(src.Spatial(), w.spatial) {
				t.Fatalf("Spatial() = %v, want %v", src.Spatial(), w.spatial)
			}
			cin, cout := len(w.in)*len(w.vars), len(w.out)*len(w.vars)
			if src.InChannels() != cin || src.OutChannels() != cout || src.Variables() != len(w.vars) {
				t.Fatalf("channels in %d out %d variables %d, want %d, %d, %d",
					src.InChannels(), src.OutChannels(), src.Variables(), cin, cout, len(w.vars))
			}
			for _, idx := range [][]int{{0}, {11, 3, 5}, {7, 7}, {}} {
				b, err := src.Read(idx)
				if err != nil {
					t.Fatalf("Read(%v): %v", idx, err)
				}
				if !slices.Equal(b.Index, idx) || b.Len() != len(idx) {
					t.Fatalf("Read(%v).Index = %v", idx, b.Index)
				}
				if b.Trajectories != nil || b.Mesh != nil || b.NodeFields != nil {
					t.Fatalf("Read(%v) set particle or mesh fields", idx)
				}
				lead := append([]int{len(idx)}, w.spatial...)
				checkTensor(t, fmt.Sprintf("Read(%v).Input", idx), b.Input, append(slices.Clone(lead), cin), w.fields(idx, w.in))
				checkTensor(t, fmt.Sprintf("Read(%v).Target", idx), b.Target, append(slices.Clone(lead), cout), w.fields(idx, w.out))
			}
		})
	}
}

// TestPDEBenchFixturesReadWithTheLayoutReaders checks the fixtures
// against the whole-file readers: shapes, coordinates (t-coordinate with
// T+1 values in the 1-D files, T in the groups), attributes and values.
func TestPDEBenchFixturesReadWithTheLayoutReaders(t *testing.T) {
	dir := pdebenchFixtures(t)
	open := func(name string) *File {
		f, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	for _, c := range []struct {
		file  string
		param string
		value float64
	}{{fxBurgers, "Nu", 0.01}, {fxAdvection, "beta", 0.1}} {
		ts, err := ReadTensorSet(open(c.file), 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ts.Shape, []int{fxN, fxT, fxX}) || len(ts.Coords.X) != fxX || len(ts.Coords.T) != fxT+1 {
			t.Fatalf("%s: shape %v, %d x and %d t coordinates", c.file, ts.Shape, len(ts.Coords.X), len(ts.Coords.T))
		}
		if ts.Params[c.param] != c.value {
			t.Errorf("%s: %s = %v, want %v", c.file, c.param, ts.Params[c.param], c.value)
		}
		if got, want := ts.Data[(5*fxT+7)*fxX+30], fixtureValue(0, 5, 7, 30, 0); got != want {
			t.Errorf("%s: tensor[5, 7, 30] = %v, want %v", c.file, got, want)
		}
		if x := ts.Coords.X; math.Abs(x[0]-0.5/fxX) > 1e-7 || math.Abs(x[fxX-1]-(fxX-0.5)/fxX) > 1e-6 {
			t.Errorf("%s: x-coordinate runs %v to %v, want cell centres", c.file, x[0], x[fxX-1])
		}
	}
	ds, err := ReadDarcy(open(fxDarcy), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != fxN || ds.X != fx2D || ds.Y != fx2D || ds.Beta != 1 || ds.Coords.T != nil {
		t.Fatalf("Darcy: N %d X %d Y %d beta %v t %v", ds.N, ds.X, ds.Y, ds.Beta, ds.Coords.T)
	}
	if ds.Nu[(3*fx2D+4)*fx2D+5] != fixtureValue(0, 3, 0, 4, 5) || ds.U[(3*fx2D+4)*fx2D+5] != fixtureValue(0, 3, 1, 4, 5) {
		t.Errorf("Darcy: nu or u of sample 3 at (4, 5) differs from the formula")
	}
	f := open(fxDiffReact)
	names, err := SampleGroupNames(f)
	if err != nil || len(names) != fxN || names[0] != "0000" || names[fxN-1] != "0011" {
		t.Fatalf("sample groups %v, %v", names, err)
	}
	sg, err := ReadSampleGroup(f, "0004")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sg.Shape, []int{fxT, fx2D, fx2D, 2}) || len(sg.Grid.T) != fxT || len(sg.Grid.Y) != fx2D || !strings.Contains(sg.Config, "seed: 4") {
		t.Fatalf("group 0004: shape %v, %d t, %d y, config %q", sg.Shape, len(sg.Grid.T), len(sg.Grid.Y), sg.Config)
	}
	if got := sg.Data[((6*fx2D+7)*fx2D+8)*2+1]; got != fixtureValue(1, 4, 6, 7, 8) {
		t.Errorf("group 0004: data[6, 7, 8, 1] = %v, want %v", got, fixtureValue(1, 4, 6, 7, 8))
	}
	cfd, err := ReadCFD(open(fxCFD), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfd.Shape, []int{3, fxT, fxX}) || cfd.Params["eta"] != 0.01 || cfd.Params["zeta"] != 0.01 || len(cfd.Coords.T) != fxT+1 {
		t.Fatalf("CFD: shape %v, params %v, %d t", cfd.Shape, cfd.Params, len(cfd.Coords.T))
	}
	for k, v := range []string{"density", "pressure", "Vx"} {
		if got := cfd.Fields[v][(1*fxT+2)*fxX+3]; got != fixtureValue(k, 3, 2, 3, 0) {
			t.Errorf("CFD %s[3, 2, 3] = %v, want %v", v, got, fixtureValue(k, 3, 2, 3, 0))
		}
	}
}

func TestOpenGridSourceRefuses(t *testing.T) {
	dir := pdebenchFixtures(t)
	other := t.TempDir()
	particles := filepath.Join(other, "particles.h5")
	pf := mustCreate(t, particles)
	if _, err := AppendTrajectory(pf, makeTrajectory(3, 4, 2, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(other, "plain.h5")
	f := mustCreate(t, plain)
	if err := Write(f.Group, "u", []int{2, 3, 4}, ramp[float32](24), nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		path     string
		task     GridTask
		sentinel error
		mentions []string
	}{
		{"rollout on Darcy", filepath.Join(dir, fxDarcy), GridTask{Rollout: true, In: 1, Out: 1}, ErrLayout, []string{"Darcy", "rollout"}},
		{"target frame beyond T", filepath.Join(dir, fxBurgers), GridTask{TargetFrame: fxT}, ErrLayout, []string{"11 frames", "frame 11"}},
		{"input frame before the first", filepath.Join(dir, fxBurgers), GridTask{InputFrame: -fxT - 1}, ErrLayout, []string{"frame -12"}},
		{"Darcy frame 2", filepath.Join(dir, fxDarcy), GridTask{TargetFrame: 2}, ErrLayout, []string{"2 frames", "frame 2"}},
		{"rollout past the last frame", filepath.Join(dir, fxDiffReact), GridTask{Rollout: true, In: 3, Out: 2, Start: 5, Stride: 2}, ErrLayout, []string{"up to frame 13", "/0000/data"}},
		{"CFD rollout one frame too far", filepath.Join(dir, fxCFD), GridTask{Rollout: true, In: 2, Out: 1, Start: 5, Stride: 3}, ErrLayout, []string{"11 frames", "up to frame 11"}},
		{"rollout without input frames", filepath.Join(dir, fxBurgers), GridTask{Rollout: true, Out: 1}, ErrLayout, []string{"0 input"}},
		{"rollout from a negative start", filepath.Join(dir, fxBurgers), GridTask{Rollout: true, In: 1, Out: 1, Start: -1}, ErrLayout, []string{"from frame -1"}},
		{"negative stride", filepath.Join(dir, fxBurgers), GridTask{Rollout: true, In: 1, Out: 1, Stride: -1}, ErrArgument, []string{"stride -1"}},
		{"negative subsample", filepath.Join(dir, fxBurgers), GridTask{Subsample: -2}, ErrArgument, []string{"subsample -2"}},
		{"unknown CFD variable", filepath.Join(dir, fxCFD), GridTask{Variables: []string{"density", "temperature"}}, ErrArgument, []string{"/temperature", "not a CFD variable"}},
		{"CFD variable not stored", filepath.Join(dir, fxCFD), GridTask{Variables: []string{"Vy"}}, ErrNotFound, []string{"Vy"}},
		{"a particle file", particles, GridTask{}, ErrLayout, []string{"no regular-grid layout", particles}},
		{"a file of other datasets", plain, GridTask{}, ErrLayout, []string{"no regular-grid layout", plain}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := OpenGridSource(c.path, c.task)
			if err == nil {
				src.Close()
				t.Fatalf("OpenGridSource succeeded, want %v", c.sentinel)
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("OpenGridSource = %v, want %v", err, c.sentinel)
			}
			assertMentions(t, err, c.mentions...)
		})
	}
	if _, err := OpenGridSource(filepath.Join(other, "missing.h5"), GridTask{}); err == nil {
		t.Error("OpenGridSource of a missing file succeeded")
	}
}

// TestOpenGridSourceChecksCoordinates replaces one coordinate dataset of
// a fixture (with h5py) and opens it: axes that do not fit the fields are
// refused; Darcy, being steady, has no time axis to check.
func TestOpenGridSourceChecksCoordinates(t *testing.T) {
	dir := pdebenchFixtures(t)
	const replace = `
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "a") as f:
    if sys.argv[2] in f:
        del f[sys.argv[2]]
    f.create_dataset(sys.argv[2], data=np.array(json.loads(sys.argv[3]), dtype=np.float32))
`
	ramp := func(n int, step float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i) * step
		}
		return v
	}
	cases := []struct {
		name, file, dataset string
		values              []float64
		sentinel            error // nil: opens and reads
		mentions            []string
	}{
		{"Darcy with a time axis", fxDarcy, "t-coordinate", ramp(11, 0.1), nil, nil},
		{"x-coordinate one short", fxBurgers, "x-coordinate", ramp(fxX-1, 0.03), ErrLayout, []string{"/x-coordinate", "31 values", "expected 32"}},
		{"t-coordinate too long", fxAdvection, "t-coordinate", ramp(fxT+2, 0.1), ErrLayout, []string{"/t-coordinate", "13 values"}},
		{"x-coordinate not monotone", fxCFD, "x-coordinate", append(ramp(fxX-1, 0.03), 0.5), ErrLayout, []string{"/x-coordinate", "not monotone"}},
		{"Darcy y-coordinate one short", fxDarcy, "y-coordinate", ramp(fx2D-1, 0.06), ErrLayout, []string{"/y-coordinate", "15 values"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			values, err := json.Marshal(c.values)
			if err != nil {
				t.Fatal(err)
			}
			runPython(t, replace, nil, path, c.dataset, string(values))
			src, err := OpenGridSource(path, GridTask{TargetFrame: 1})
			if c.sentinel == nil {
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				if _, err := src.Read([]int{0, 11}); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("OpenGridSource = %v, want %v", err, c.sentinel)
			}
			assertMentions(t, err, append(c.mentions, path)...)
		})
	}
}

func TestGridSourceReadRefuses(t *testing.T) {
	dir := pdebenchFixtures(t)
	src, err := OpenGridSource(filepath.Join(dir, fxBurgers), GridTask{TargetFrame: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range [][]int{{fxN}, {0, -1}} {
		_, err := src.Read(idx)
		if !errors.Is(err, ErrRange) {
			t.Fatalf("Read(%v) = %v, want ErrRange", idx, err)
		}
		assertMentions(t, err, fmt.Sprintf("sample %d requested", idx[len(idx)-1]), "holds 12")
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read([]int{0}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

// TestGridSourceRefusesNaN reads fixtures whose sample 5 holds a NaN in
// its last frame: a batch reading that frame of sample 5 fails, naming the
// sample, the frame and the dataset; the other frames and samples read.
func TestGridSourceRefusesNaN(t *testing.T) {
	dir := pdebenchFixtures(t, "--nan-sample", "5")
	cases := []struct {
		name     string
		file     string
		task     GridTask
		mentions []string
	}{
		{"tensor gzip", fxBurgers, GridTask{TargetFrame: -1}, []string{"/tensor", "sample 5, frame 10"}},
		{"tensor LZF rollout", fxAdvection, GridTask{Rollout: true, In: 2, Out: 9}, []string{"/tensor", "sample 5, frame 10"}},
		{"Darcy solution", fxDarcy, GridTask{TargetFrame: 1}, []string{"/tensor", "sample 5, frame 1"}},
		{"sample groups", fxDiffReact, GridTask{InputFrame: -1, TargetFrame: 0}, []string{"/0005/data", "sample 5, frame 10"}},
		{"CFD pressure", fxCFD, GridTask{TargetFrame: -1}, []string{"/pressure", "sample 5, frame 10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			src, err := OpenGridSource(path, c.task)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			_, err = src.Read([]int{4, 5, 6})
			if !errors.Is(err, ErrNonFinite) {
				t.Fatalf("Read = %v, want ErrNonFinite", err)
			}
			assertMentions(t, err, append(c.mentions, path, "NaN")...)
			if _, err := src.Read([]int{4, 6, 11}); err != nil {
				t.Fatalf("Read without sample 5: %v", err)
			}
		})
	}
	// The NaN is in frame 10 of pressure only: other frames of sample 5,
	// and the other CFD variables, read.
	for _, c := range []struct {
		file string
		task GridTask
	}{
		{fxBurgers, GridTask{InputFrame: 0, TargetFrame: 9}},
		{fxCFD, GridTask{TargetFrame: -1, Variables: []string{"density", "Vx"}}},
		{fxDiffReact, GridTask{Rollout: true, In: 5, Out: 5}},
	} {
		src, err := OpenGridSource(filepath.Join(dir, c.file), c.task)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Read([]int{5}); err != nil {
			t.Errorf("%s %+v: Read([5]) = %v, want the frames without the NaN", c.file, c.task, err)
		}
		src.Close()
	}
}

// watchedSource counts a source's reads, those in progress and any after
// it was marked released, and can fail one index.
type watchedSource struct {
	Source
	reads, reading, afterRelease atomic.Int32
	released                     atomic.Bool
	delay                        time.Duration
}

func (w *watchedSource) Read(idx []int) (*Batch, error) {
	w.reading.Add(1)
	defer w.reading.Add(-1)
	w.reads.Add(1)
	if w.released.Load() {
		w.afterRelease.Add(1)
	}
	time.Sleep(w.delay)
	return w.Source.Read(idx)
}

// burgersSource opens the Burgers fixture as a first-to-last map.
func burgersSource(t *testing.T, dir string) *GridSource {
	t.Helper()
	src, err := OpenGridSource(filepath.Join(dir, fxBurgers), GridTask{TargetFrame: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestStreamDeliversBatchesInOrder(t *testing.T) {
	src := burgersSource(t, pdebenchFixtures(t))
	batches := [][]int{{0, 1}, {2, 3, 4}, {11}, {5, 5}, {10, 9, 8, 7}}
	for _, ahead := range []int{0, 1, 2, 8} {
		t.Run(fmt.Sprintf("ahead %d", ahead), func(t *testing.T) {
			ctx := context.Background()
			st := NewStream(ctx, src, batches, ahead)
			defer st.Close()
			for k, idx := range batches {
				b, err := st.Next(ctx)
				if err != nil {
					t.Fatalf("batch %d: %v", k, err)
				}
				if !slices.Equal(b.Index, idx) {
					t.Fatalf("batch %d has indices %v, want %v", k, b.Index, idx)
				}
				e := gridExpect{in: []int{0}, out: []int{10}, vars: []int{0}, spatial: []int{fxX}, sub: 1}
				checkTensor(t, "Input", b.Input, []int{len(idx), fxX, 1}, e.fields(idx, e.in))
				checkTensor(t, "Target", b.Target, []int{len(idx), fxX, 1}, e.fields(idx, e.out))
			}
			for range 2 {
				if b, err := st.Next(ctx); err != io.EOF || b != nil {
					t.Fatalf("Next after the last batch = %v, %v, want nil, io.EOF", b, err)
				}
			}
		})
	}
}

func TestStreamCloseEarlyFreesTheSource(t *testing.T) {
	w := &watchedSource{Source: burgersSource(t, pdebenchFixtures(t)), delay: time.Millisecond}
	batches := make([][]int, 200)
	for k := range batches {
		batches[k] = []int{k % fxN}
	}
	ctx := context.Background()
	st := NewStream(ctx, w, batches, 3)
	if _, err := st.Next(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	w.released.Store(true)
	if n := w.reading.Load(); n != 0 {
		t.Fatalf("%d reads in progress after Close returned", n)
	}
	time.Sleep(20 * time.Millisecond)
	if n := w.afterRelease.Load(); n != 0 {
		t.Fatalf("the stream read %d batches after Close returned", n)
	}
	if n := w.reads.Load(); n > 1+3+1 {
		t.Errorf("the stream read %d batches, more than the one taken, 3 ahead and one in flight", n)
	}
	if _, err := w.Source.Read([]int{3}); err != nil {
		t.Fatalf("a direct Read after Close: %v", err)
	}
	if _, err := st.Next(ctx); err == nil || err == io.EOF {
		t.Errorf("Next after Close = %v, want an error other than io.EOF (batches were left unread)", err)
	}
}

// TestStreamCancelledContext repeats each check, since a stream whose
// reader has stopped offers both a closed channel and a done context.
func TestStreamCancelledContext(t *testing.T) {
	src := burgersSource(t, pdebenchFixtures(t))
	batches := [][]int{{0}, {1}, {2}, {3}, {4}, {5}}
	for rep := range 20 {
		// The stream's own context, cancelled after one batch.
		ctx, cancel := context.WithCancel(context.Background())
		st := NewStream(ctx, src, batches, 1+rep%3)
		if _, err := st.Next(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		for range 2 {
			if b, err := st.Next(ctx); !errors.Is(err, context.Canceled) || b != nil {
				t.Fatalf("rep %d: Next after cancel = %v, %v, want context.Canceled", rep, b, err)
			}
		}
		// The stream's context cancelled, Next's live: a batch already
		// read may still come, then the context's error, never io.EOF.
		ctx, cancel = context.WithCancel(context.Background())
		st = NewStream(ctx, src, batches, 2)
		cancel()
		time.Sleep(time.Duration(rep%3) * time.Millisecond)
		for k := 0; ; k++ {
			_, err := st.Next(context.Background())
			if err == nil && k < 2 {
				continue
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("rep %d: Next %d of a stream whose context was cancelled = %v, want context.Canceled", rep, k, err)
			}
			break
		}
		// Next's context past its deadline, the stream's live.
		st = NewStream(context.Background(), src, batches, 2)
		dead, stop := context.WithTimeout(context.Background(), -time.Second)
		if _, err := st.Next(dead); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("rep %d: Next with an expired context = %v, want context.DeadlineExceeded", rep, err)
		}
		stop()
		if _, err := src.Read([]int{0}); err != nil {
			t.Fatalf("rep %d: the source after a cancelled stream: %v", rep, err)
		}
	}
}

func TestStreamRepeatsAReadError(t *testing.T) {
	w := &watchedSource{Source: burgersSource(t, pdebenchFixtures(t))}
	ctx := context.Background()
	st := NewStream(ctx, w, [][]int{{0}, {fxN + 3}, {1}, {2}}, 2)
	defer st.Close()
	if _, err := st.Next(ctx); err != nil {
		t.Fatal(err)
	}
	_, first := st.Next(ctx)
	if !errors.Is(first, ErrRange) {
		t.Fatalf("Next = %v, want ErrRange", first)
	}
	assertMentions(t, first, "sample 15 requested")
	for range 2 {
		if b, err := st.Next(ctx); err != first || b != nil {
			t.Fatalf("Next after the error = %v, %v, want the same error", b, err)
		}
	}
	if n := w.reads.Load(); n != 2 {
		t.Errorf("the stream read %d batches, want 2 (it stops at the error)", n)
	}
	// Closed before the failed batch was taken: Next still fails.
	for rep := range 10 {
		st := NewStream(ctx, w, [][]int{{fxN + 3}}, 1+rep%2)
		time.Sleep(time.Duration(rep%3) * time.Millisecond)
		st.Close()
		if b, err := st.Next(ctx); err == nil || err == io.EOF || b != nil {
			t.Fatalf("rep %d: Next after Close of a failed stream = %v, %v, want an error", rep, b, err)
		}
	}
}

// sameNormalizer says how a and b differ, bit for bit, or "".
func sameNormalizer(a, b *Normalizer) string {
	if a.Kind != b.Kind || math.Float64bits(a.Eps) != math.Float64bits(b.Eps) ||
		math.Float64bits(a.Low) != math.Float64bits(b.Low) || math.Float64bits(a.High) != math.Float64bits(b.High) {
		return fmt.Sprintf("kind/eps/range %v %v %v %v vs %v %v %v %v", a.Kind, a.Eps, a.Low, a.High, b.Kind, b.Eps, b.Low, b.High)
	}
	for _, s := range []struct {
		name string
		x, y []float64
	}{{"Stat1", a.Stat1, b.Stat1}, {"Stat2", a.Stat2, b.Stat2}, {"Center", a.Center, b.Center}, {"Scale", a.Scale, b.Scale}} {
		if len(s.x) != len(s.y) {
			return fmt.Sprintf("%s has %d values vs %d", s.name, len(s.x), len(s.y))
		}
		for j := range s.x {
			if math.Float64bits(s.x[j]) != math.Float64bits(s.y[j]) {
				return fmt.Sprintf("%s[%d] = %v vs %v", s.name, j, s.x[j], s.y[j])
			}
		}
	}
	return ""
}

var normalizerKinds = []NormalizerKind{PointwiseGaussian, GlobalGaussian, MinMax}

// fitInBatches adds data's samples in batches of size (the last one
// shorter) and returns the normalizer.
func fitInBatches[T Float](t *testing.T, kind NormalizerKind, data []T, sampleSize, size int) *Normalizer {
	t.Helper()
	fit, err := NewNormalizerFit(kind, sampleSize)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(data); lo += size * sampleSize {
		if err := AddSamples(fit, data[lo:min(lo+size*sampleSize, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	nz, err := fit.Normalizer()
	if err != nil {
		t.Fatal(err)
	}
	return nz
}

func TestNormalizerFitInBatchesIsBitIdentical(t *testing.T) {
	const samples, size = 12, 37
	rng := rand.New(rand.NewSource(7))
	data32 := make([]float32, samples*size)
	data64 := make([]float64, samples*size)
	for i := range data32 {
		// A large offset with small variations: where a naive sum of
		// squares would lose digits.
		data32[i] = float32(1000 + float64(i%size) + rng.NormFloat64())
		data64[i] = -3e5 + rng.Float64()*float64(i%5)
	}
	for _, kind := range normalizerKinds {
		want32, err := FitNormalizer(kind, data32, size)
		if err != nil {
			t.Fatal(err)
		}
		want64, err := FitNormalizer(kind, data64, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 3, 5, samples} {
			if d := sameNormalizer(fitInBatches(t, kind, data32, size, batch), want32); d != "" {
				t.Errorf("%s float32 in batches of %d: %s", kind, batch, d)
			}
			if d := sameNormalizer(fitInBatches(t, kind, data64, size, batch), want64); d != "" {
				t.Errorf("%s float64 in batches of %d: %s", kind, batch, d)
			}
		}
		// Against the textbook two-pass statistics.
		ref := twoPassStats(kind, data32, size)
		for j := range ref[0] {
			for s, name := range []string{"Stat1", "Stat2"} {
				got := [][]float64{want32.Stat1, want32.Stat2}[s][j]
				if d := math.Abs(got - ref[s][j]); d > 1e-9*math.Max(1, math.Abs(ref[s][j])) {
					t.Errorf("%s %s[%d] = %v, two-pass %v", kind, name, j, got, ref[s][j])
				}
			}
		}
	}
}

// twoPassStats computes mean and std (N-1), or min and max, directly.
func twoPassStats(kind NormalizerKind, data []float32, size int) [2][]float64 {
	if kind == GlobalGaussian {
		size = 1
	}
	n := len(data) / size
	a, b := make([]float64, size), make([]float64, size)
	for j := range a {
		switch kind {
		case MinMax:
			a[j], b[j] = math.Inf(1), math.Inf(-1)
			for s := 0; s < n; s++ {
				a[j], b[j] = math.Min(a[j], float64(data[s*size+j])), math.Max(b[j], float64(data[s*size+j]))
			}
		default:
			for s := 0; s < n; s++ {
				a[j] += float64(data[s*size+j])
			}
			a[j] /= float64(n)
			for s := 0; s < n; s++ {
				d := float64(data[s*size+j]) - a[j]
				b[j] += d * d
			}
			b[j] = math.Sqrt(b[j] / float64(n-1))
		}
	}
	return [2][]float64{a, b}
}

// TestNormalizerFitOverAStream fits the inputs of a streamed GridSource
// and compares with FitNormalizer over the same frames read whole.
func TestNormalizerFitOverAStream(t *testing.T) {
	dir := pdebenchFixtures(t)
	src := burgersSource(t, dir)
	f, err := Open(filepath.Join(dir, fxBurgers))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ReadTensorSet(f, 0, -1)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var first []float32 // frame 0 of every sample
	for s := 0; s < fxN; s++ {
		first = append(first, ts.Data[s*fxT*fxX:s*fxT*fxX+fxX]...)
	}
	batches := [][]int{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}}
	for _, kind := range normalizerKinds {
		want, err := FitNormalizer(kind, first, fxX)
		if err != nil {
			t.Fatal(err)
		}
		fit, err := NewNormalizerFit(kind, fxX)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		st := NewStream(ctx, src, batches, 2)
		for {
			b, err := st.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := AddSamples(fit, b.Input.Data()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := fit.Normalizer()
		if err != nil {
			t.Fatal(err)
		}
		if d := sameNormalizer(got, want); d != "" {
			t.Errorf("%s: streamed fit differs: %s", kind, d)
		}
	}
}

func TestNormalizerFitRefuses(t *testing.T) {
	if _, err := NewNormalizerFit(PointwiseGaussian, 0); !errors.Is(err, ErrShape) {
		t.Errorf("sample size 0: %v, want ErrShape", err)
	}
	if _, err := NewNormalizerFit("median", 4); !errors.Is(err, ErrArgument) {
		t.Errorf("unknown kind: %v, want ErrArgument", err)
	}
	for _, kind := range normalizerKinds {
		fit, err := NewNormalizerFit(kind, 4)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fit.Normalizer(); !errors.Is(err, ErrShape) {
			t.Errorf("%s with no samples: %v, want ErrShape", kind, err)
		}
		if err := AddSamples(fit, []float32{1, 2, 3}); !errors.Is(err, ErrShape) {
			t.Errorf("%s with a partial sample: %v, want ErrShape", kind, err)
		}
		if err := AddSamples(fit, []float32{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		_, err = fit.Normalizer()
		if kind == PointwiseGaussian && !errors.Is(err, ErrShape) {
			t.Errorf("%s with one sample: %v, want ErrShape", kind, err)
		}
		if kind != PointwiseGaussian && err != nil {
			t.Errorf("%s with one sample of 4 values: %v", kind, err)
		}
	}
}
