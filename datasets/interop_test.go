package datasets

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// The reference client is Debian's h5py, run with /usr/bin/python3 (not
// whatever python3 is first on PATH). `make test` installs it and sets
// SURROGO_REQUIRE_H5PY=1, which turns a missing h5py into a failure.
const refPython = "/usr/bin/python3"

func requireH5py(t *testing.T) {
	t.Helper()
	out, err := exec.Command(refPython, "-c", "import h5py, numpy; print(h5py.version.hdf5_version)").CombinedOutput()
	if err == nil {
		return
	}
	msg := "h5py interop test needs Debian's python3-h5py (" + refPython + "): " + strings.TrimSpace(string(out))
	if os.Getenv("SURROGO_REQUIRE_H5PY") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; install it with scripts/setup.sh test")
}

// runPython runs script with args and decodes its JSON output into v.
func runPython(t *testing.T, script string, v any, args ...string) {
	t.Helper()
	cmd := exec.Command(refPython, append([]string{"-c", script}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("python failed: %v\n%s", err, stderr)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("decoding python output %q: %v", out, err)
		}
	}
}

// h5pyDescribe prints, for every dataset, its shape, dtype, chunks,
// filters, max shape and a checksum, and every attribute of every object.
const h5pyDescribe = `
import sys, json, h5py, numpy as np
out = {"datasets": {}, "attrs": {}}
def attrs(obj):
    d = {}
    for k, v in obj.attrs.items():
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, np.ndarray):
            v = [x.decode() if isinstance(x, bytes) else (x.item() if hasattr(x, "item") else x) for x in v.tolist()]
        elif hasattr(v, "item"):
            v = v.item()
        d[k] = [type(v).__name__, v]
    return d
def visit(name, obj):
    out["attrs"]["/" + name] = attrs(obj)
    if isinstance(obj, h5py.Dataset):
        a = obj[()]
        out["datasets"]["/" + name] = {
            "shape": list(obj.shape), "dtype": obj.dtype.str,
            "chunks": list(obj.chunks) if obj.chunks else None,
            "maxshape": [(-1 if m is None else m) for m in obj.maxshape] if obj.maxshape else None,
            "compression": obj.compression, "level": obj.compression_opts if obj.compression == "gzip" else None,
            "shuffle": bool(obj.shuffle),
            "sum": float(np.asarray(a, dtype=np.float64).sum()),
            "first": np.asarray(a).ravel()[:3].astype(np.float64).tolist(),
        }
with h5py.File(sys.argv[1], "r") as f:
    out["attrs"]["/"] = attrs(f)
    f.visititems(visit)
print(json.dumps(out))
`

type h5pyDataset struct {
	Shape       []int     `json:"shape"`
	Dtype       string    `json:"dtype"`
	Chunks      []int     `json:"chunks"`
	MaxShape    []int     `json:"maxshape"`
	Compression *string   `json:"compression"`
	Level       *int      `json:"level"`
	Shuffle     bool      `json:"shuffle"`
	Sum         float64   `json:"sum"`
	First       []float64 `json:"first"`
}

type h5pyReport struct {
	Datasets map[string]h5pyDataset       `json:"datasets"`
	Attrs    map[string]map[string][2]any `json:"attrs"`
}

func sum[T Number](v []T) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func TestH5pyReadsSurrogoFiles(t *testing.T) {
	requireH5py(t)
	path := tempFile(t, "surrogo.h5")
	f := mustCreate(t, path)
	u := ramp[float32](3 * 5 * 8)
	v := ramp[float64](4 * 6)
	ids := ramp[int64](10)
	mask := ramp[uint8](12)
	if err := Write(f.Group, "fields/u", []int{3, 5, 8}, u, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "fields/v", []int{4, 6}, v, &Options{Compression: LZF}); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "ids", []int{10}, ids, &Options{Compression: Gzip, Level: 7, NoShuffle: true}); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "mask", []int{3, 4}, mask, &Options{Compression: None}); err != nil {
		t.Fatal(err)
	}
	s, err := f.CreateDataset("stream", Float32, []int{0, 4}, &Options{Extendible: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Append(s, []float32{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttr("Nu", 0.001); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttr("note", "ν = 10⁻³, périodique"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAttr("modes", []int{12, 12}); err != nil {
		t.Fatal(err)
	}
	g, err := f.CreateGroup("fields")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SetAttr("names", []string{"u", "v"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetProvenance(Provenance{Kind: "solver", Name: "burgers", Parameters: `{"nu":0.001}`, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	var rep h5pyReport
	runPython(t, h5pyDescribe, &rep, path)
	str := func(s string) *string { return &s }
	lvl := func(i int) *int { return &i }
	want := map[string]h5pyDataset{
		"/fields/u": {Shape: []int{3, 5, 8}, Dtype: "<f4", Chunks: []int{3, 5, 8}, MaxShape: []int{3, 5, 8}, Compression: str("gzip"), Level: lvl(1), Shuffle: true, Sum: sum(u), First: []float64{float64(u[0]), float64(u[1]), float64(u[2])}},
		"/fields/v": {Shape: []int{4, 6}, Dtype: "<f8", Chunks: []int{4, 6}, MaxShape: []int{4, 6}, Compression: str("lzf"), Shuffle: true, Sum: sum(v), First: v[:3]},
		"/ids":      {Shape: []int{10}, Dtype: "<i8", Chunks: []int{10}, MaxShape: []int{10}, Compression: str("gzip"), Level: lvl(7), Sum: sum(ids), First: []float64{float64(ids[0]), float64(ids[1]), float64(ids[2])}},
		"/mask":     {Shape: []int{3, 4}, Dtype: "|u1", MaxShape: []int{3, 4}, Sum: sum(mask), First: []float64{float64(mask[0]), float64(mask[1]), float64(mask[2])}},
		"/stream":   {Shape: []int{2, 4}, Dtype: "<f4", Chunks: []int{1024, 4}, MaxShape: []int{-1, 4}, Compression: str("gzip"), Level: lvl(1), Shuffle: true, Sum: 36, First: []float64{1, 2, 3}},
	}
	for name, w := range want {
		got, ok := rep.Datasets[name]
		if !ok {
			t.Errorf("h5py does not see %s", name)
			continue
		}
		if math.Abs(got.Sum-w.Sum) > 1e-9*math.Max(1, math.Abs(w.Sum)) {
			t.Errorf("%s: h5py sum %v, want %v", name, got.Sum, w.Sum)
		}
		got.Sum, w.Sum = 0, 0
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: h5py sees\n %+v\nwant\n %+v", name, got, w)
		}
	}
	root := rep.Attrs["/"]
	checks := map[string][2]any{
		"Nu":              {"float", 0.001},
		"note":            {"str", "ν = 10⁻³, périodique"},
		"producer":        {"str", "burgers"},
		"producer_kind":   {"str", "solver"},
		"parameters":      {"str", `{"nu":0.001}`},
		"seed":            {"int", 7.0},
		"surrogo_format":  {"str", Format},
		"surrogo_version": {"str", root["surrogo_version"][1]},
	}
	for k, w := range checks {
		if got := root[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("root attribute %s: h5py reads %v, want %v", k, got, w)
		}
	}
	if got := rep.Attrs["/stream"]["modes"]; !reflect.DeepEqual(got, [2]any{"list", []any{12.0, 12.0}}) {
		t.Errorf("dataset attribute modes: %v", got)
	}
	if got := rep.Attrs["/fields"]["names"]; !reflect.DeepEqual(got, [2]any{"list", []any{"u", "v"}}) {
		t.Errorf("group attribute names: %v", got)
	}
}

// h5pyWriter writes what surrogo must read: gzip, LZF, big-endian floats,
// variable-length UTF-8 and fixed-length byte attributes, scalars, and
// per-sample groups as PDEBench ships them. Values follow formulas the Go
// side recomputes.
const h5pyWriter = `
import sys, h5py, numpy as np
i = np.arange(2 * 3 * 4)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("gz", data=np.sin(0.1 * i).reshape(2, 3, 4).astype("f4"), compression="gzip", compression_opts=4, shuffle=True, chunks=(1, 3, 4))
    f.create_dataset("lzf", data=np.cos(0.2 * i).reshape(2, 12), compression="lzf", chunks=(1, 12))
    f.create_dataset("big_endian", data=(0.5 * i).astype(">f8"))
    f.create_dataset("counts", data=(i * 3).astype("<i2"))
    f.create_dataset("scalar", data=np.float64(2.75))
    f.attrs["title"] = "Écoulement de Darcy — β"
    f.attrs["fixed"] = np.bytes_(b"fixed-len")
    f.attrs["beta"] = np.float32(0.25)
    f.attrs["n"] = np.int32(12)
    f.attrs["names"] = np.array([b"ab", b"cde"], dtype="S3")
    f.attrs["vlnames"] = ["α", "β"]
    for s in range(3):
        g = f.create_group("%04d" % s)
        data = np.fromfunction(lambda t, x, c: s + 0.01 * t + 0.001 * x - c, (5, 8, 2)).astype("f4")
        g.create_dataset("data", data=data, compression="lzf")
        g.create_dataset("grid/x", data=np.linspace(0, 1, 8, dtype="f4"))
        g.create_dataset("grid/t", data=np.linspace(0, 2, 5, dtype="f4"))
        g.attrs["config"] = "sim:\n  seed: %d\n" % s
`

func TestSurrogoReadsH5pyFiles(t *testing.T) {
	requireH5py(t)
	path := tempFile(t, "h5py.h5")
	runPython(t, h5pyWriter, nil, path)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	n := 24
	gz, shape, err := Read[float64](f.Group, "gz")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shape, []int{2, 3, 4}) {
		t.Fatalf("gz shape %v", shape)
	}
	for i := 0; i < n; i++ {
		if want := float64(float32(math.Sin(0.1 * float64(i)))); gz[i] != want {
			t.Fatalf("gz[%d] = %v, want %v", i, gz[i], want)
		}
	}
	d, _ := f.OpenDataset("gz")
	if fl, _ := d.Filters(); len(fl) != 2 || fl[0].Name != "shuffle" || fl[1].Level != 4 {
		t.Errorf("gz filters %v", fl)
	}
	lzf, _, err := Read[float32](f.Group, "lzf")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if want := float32(math.Cos(0.2 * float64(i))); lzf[i] != want {
			t.Fatalf("lzf[%d] = %v, want %v", i, lzf[i], want)
		}
	}
	be, _, err := Read[float64](f.Group, "big_endian")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if be[i] != 0.5*float64(i) {
			t.Fatalf("big_endian[%d] = %v", i, be[i])
		}
	}
	counts, _, err := Read[int32](f.Group, "counts")
	if err != nil || counts[5] != 15 {
		t.Fatalf("counts %v %v", counts, err)
	}
	sc, shape, err := Read[float32](f.Group, "scalar")
	if err != nil || len(shape) != 0 || sc[0] != 2.75 {
		t.Fatalf("scalar %v %v %v", sc, shape, err)
	}
	attrs := map[string]any{
		"title": "Écoulement de Darcy — β", "fixed": "fixed-len", "beta": 0.25,
		"n": int64(12), "names": []string{"ab", "cde"}, "vlnames": []string{"α", "β"},
	}
	for k, w := range attrs {
		got, err := f.Attr(k)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("attribute %s = %#v, want %#v", k, got, w)
		}
	}

	if l, err := DetectLayout(f); err != nil || l != LayoutSampleGroups {
		t.Fatalf("layout %v %v", l, err)
	}
	names, err := SampleGroupNames(f)
	if err != nil || !reflect.DeepEqual(names, []string{"0000", "0001", "0002"}) {
		t.Fatalf("sample groups %v %v", names, err)
	}
	sg, err := ReadSampleGroup(f, "0002")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sg.Shape, []int{5, 8, 2}) || len(sg.Grid.X) != 8 || len(sg.Grid.T) != 5 {
		t.Fatalf("sample group shape %v grid %d %d", sg.Shape, len(sg.Grid.X), len(sg.Grid.T))
	}
	if sg.Config != "sim:\n  seed: 2\n" {
		t.Errorf("config %q", sg.Config)
	}
	// data[t, x, c] = s + 0.01 t + 0.001 x - c
	at := func(tt, x, c int) float32 { return sg.Data[(tt*8+x)*2+c] }
	if got, want := at(3, 5, 1), float32(2+0.03+0.005-1); got != want {
		t.Errorf("data[3,5,1] = %v, want %v", got, want)
	}
}

// TestPDEBenchLayoutsWithH5py writes each PDEBench layout with surrogo and
// checks with h5py that keys, shapes and dtypes are exactly PDEBench's; then
// has h5py write each layout as PDEBench does and reads it back.
func TestPDEBenchLayoutsWithH5py(t *testing.T) {
	requireH5py(t)
	dir := t.TempDir()
	// surrogo -> h5py
	write := func(name string, fn func(f *File) error) string {
		p := dir + "/" + name
		f, err := Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lin := func(n int, a, b float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = a + (b-a)*float64(i)/float64(n-1)
		}
		return v
	}
	p1 := write("1d.h5", func(f *File) error {
		return WriteTensorSet(f, &TensorSet{Shape: []int{2, 4, 8}, Data: ramp[float32](64),
			Coords: Coordinates{X: lin(8, 0, 1), T: lin(5, 0, 2)}, Params: map[string]float64{"Nu": 0.01}})
	})
	pd := write("darcy.h5", func(f *File) error {
		return WriteDarcy(f, &DarcySet{N: 2, X: 4, Y: 4, Nu: ramp[float32](32), U: ramp[float32](32),
			Coords: Coordinates{X: lin(4, 0, 1), Y: lin(4, 0, 1)}, Beta: 1})
	})
	pc := write("cfd.h5", func(f *File) error {
		fields := map[string][]float32{}
		for _, k := range CFDFields[:4] {
			fields[k] = ramp[float32](2 * 3 * 4 * 4)
		}
		return WriteCFD(f, &CFDSet{Shape: []int{2, 3, 4, 4}, Fields: fields,
			Coords: Coordinates{X: lin(4, 0, 1), Y: lin(4, 0, 1), T: lin(3, 0, 1)}})
	})
	ps := write("groups.h5", func(f *File) error {
		for s := 0; s < 2; s++ {
			err := WriteSampleGroup(f, &SampleGroup{Name: SampleGroupName(s), Shape: []int{3, 4, 4, 2},
				Data: ramp[float32](96), Grid: Coordinates{X: lin(4, -1, 1), Y: lin(4, -1, 1), T: lin(3, 0, 5)},
				Config: "seed: 1"})
			if err != nil {
				return err
			}
		}
		return nil
	})
	type keys map[string][]any
	var got keys
	const layoutKeys = `
import sys, json, h5py
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        def v(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[p.split("/")[-1] + ":" + name] = [list(obj.shape), obj.dtype.str]
        f.visititems(v)
        for k in ("Nu", "beta"):
            if k in f.attrs:
                out[p.split("/")[-1] + ":@" + k] = [float(f.attrs[k])]
        if "0000" in f:
            out["groups.h5:@config"] = [f["0000"].attrs["config"]]
print(json.dumps(out))
`
	runPython(t, layoutKeys, &got, p1, pd, pc, ps)
	want := keys{
		"1d.h5:tensor": {[]any{2.0, 4.0, 8.0}, "<f4"}, "1d.h5:x-coordinate": {[]any{8.0}, "<f4"},
		"1d.h5:t-coordinate": {[]any{5.0}, "<f4"}, "1d.h5:@Nu": {0.01},
		"darcy.h5:tensor": {[]any{2.0, 1.0, 4.0, 4.0}, "<f4"}, "darcy.h5:nu": {[]any{2.0, 4.0, 4.0}, "<f4"},
		"darcy.h5:x-coordinate": {[]any{4.0}, "<f4"}, "darcy.h5:y-coordinate": {[]any{4.0}, "<f4"}, "darcy.h5:@beta": {1.0},
		"cfd.h5:density": {[]any{2.0, 3.0, 4.0, 4.0}, "<f4"}, "cfd.h5:pressure": {[]any{2.0, 3.0, 4.0, 4.0}, "<f4"},
		"cfd.h5:Vx": {[]any{2.0, 3.0, 4.0, 4.0}, "<f4"}, "cfd.h5:Vy": {[]any{2.0, 3.0, 4.0, 4.0}, "<f4"},
		"cfd.h5:x-coordinate": {[]any{4.0}, "<f4"}, "cfd.h5:y-coordinate": {[]any{4.0}, "<f4"}, "cfd.h5:t-coordinate": {[]any{3.0}, "<f4"},
		"groups.h5:0000/data": {[]any{3.0, 4.0, 4.0, 2.0}, "<f4"}, "groups.h5:0000/grid/x": {[]any{4.0}, "<f4"},
		"groups.h5:0000/grid/y": {[]any{4.0}, "<f4"}, "groups.h5:0000/grid/t": {[]any{3.0}, "<f4"},
		"groups.h5:0001/data": {[]any{3.0, 4.0, 4.0, 2.0}, "<f4"}, "groups.h5:0001/grid/x": {[]any{4.0}, "<f4"},
		"groups.h5:0001/grid/y": {[]any{4.0}, "<f4"}, "groups.h5:0001/grid/t": {[]any{3.0}, "<f4"},
		"groups.h5:@config": {"seed: 1"},
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: h5py sees %v, want %v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s: %v", k, got[k])
			}
		}
	}

	// h5py -> surrogo, in PDEBench's own shapes (1D Burgers: 1024 points,
	// 201 steps and 202 times are scaled down here; LZF as the
	// diffusion-reaction sets).
	const pdebenchWriter = `
import sys, h5py, numpy as np
d = sys.argv[1]
n, T, X = 3, 6, 16
x = np.linspace(0, 1, X, endpoint=False, dtype="f4") + 0.5 / X
t = np.linspace(0, 2, T + 1, dtype="f4")
u = np.sin(2 * np.pi * x)[None, None, :] * np.exp(-t[:T])[None, :, None] * (1 + np.arange(n))[:, None, None]
with h5py.File(d + "/1D_Burgers_Sols_Nu0.01.hdf5", "w") as f:
    f.create_dataset("tensor", data=u.astype("f4"))
    f.create_dataset("x-coordinate", data=x)
    f.create_dataset("t-coordinate", data=t)
    f.attrs["Nu"] = 0.01
with h5py.File(d + "/2D_DarcyFlow_beta1.0_Train.hdf5", "w") as f:
    f.create_dataset("tensor", data=np.arange(2 * 8 * 8, dtype="f4").reshape(2, 1, 8, 8))
    f.create_dataset("nu", data=np.where(np.arange(2 * 8 * 8) % 3 == 0, 12.0, 3.0).astype("f4").reshape(2, 8, 8))
    f.create_dataset("x-coordinate", data=np.linspace(0, 1, 8, dtype="f4"))
    f.create_dataset("y-coordinate", data=np.linspace(0, 1, 8, dtype="f4"))
    f.attrs["beta"] = 1.0
with h5py.File(d + "/2D_CFD_Rand_M0.1.hdf5", "w") as f:
    for k, name in enumerate(["density", "pressure", "Vx", "Vy"]):
        f.create_dataset(name, data=(k + np.arange(2 * 3 * 4 * 4) / 100).astype("f4").reshape(2, 3, 4, 4))
    f.create_dataset("x-coordinate", data=np.linspace(0, 1, 4, dtype="f4"))
    f.create_dataset("y-coordinate", data=np.linspace(0, 1, 4, dtype="f4"))
    f.create_dataset("t-coordinate", data=np.linspace(0, 1, 4, dtype="f4"))
    f.attrs["M"] = 0.1
with h5py.File(d + "/2D_diff-react_NA_NA.h5", "w") as f:
    for s in range(2):
        g = f.create_group("%04d" % s)
        g.create_dataset("data", data=np.full((4, 8, 8, 2), s, dtype="f4"), compression="lzf")
        g.create_dataset("grid/x", data=np.linspace(-1, 1, 8, dtype="f4"))
        g.create_dataset("grid/y", data=np.linspace(-1, 1, 8, dtype="f4"))
        g.create_dataset("grid/t", data=np.linspace(0, 5, 4, dtype="f4"))
        g.attrs["config"] = "sim:\n  seed: %d" % s
`
	runPython(t, pdebenchWriter, nil, dir)

	open := func(name string, want Layout) *File {
		f, err := Open(dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if l, err := DetectLayout(f); err != nil || l != want {
			t.Fatalf("%s: layout %v (%v), want %v", name, l, err, want)
		}
		return f
	}
	f1 := open("1D_Burgers_Sols_Nu0.01.hdf5", LayoutTensor)
	ts, err := ReadTensorSet(f1, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ts.Shape, []int{2, 6, 16}) || len(ts.Coords.T) != 7 || ts.Params["Nu"] != 0.01 {
		t.Fatalf("1D set: shape %v, %d times, params %v", ts.Shape, len(ts.Coords.T), ts.Params)
	}
	// Sample 1 (second): amplitude 2; at t index 0 and x index 4, 2 sin(2 pi x4).
	x4 := float32(4.0/16 + 0.5/16)
	if got, want := ts.Data[4], 2*float32(math.Sin(2*math.Pi*float64(x4))); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("u[1,0,4] = %v, want %v", got, want)
	}

	fd := open("2D_DarcyFlow_beta1.0_Train.hdf5", LayoutDarcy)
	ds, err := ReadDarcy(fd, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || ds.X != 8 || ds.Beta != 1 || ds.U[70] != 70 || ds.Nu[3] != 12 || ds.Nu[4] != 3 {
		t.Fatalf("darcy: N %d X %d beta %v u[70] %v nu[3] %v", ds.N, ds.X, ds.Beta, ds.U[70], ds.Nu[3])
	}

	fc := open("2D_CFD_Rand_M0.1.hdf5", LayoutCFD)
	cs, err := ReadCFD(fc, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Fields) != 4 || cs.Fields["Vy"][1] != 3.01 || cs.Params["M"] != float64(float32(0.1)) && cs.Params["M"] != 0.1 {
		t.Fatalf("cfd: %d fields, Vy[1] %v, M %v", len(cs.Fields), cs.Fields["Vy"][1], cs.Params["M"])
	}

	fg := open("2D_diff-react_NA_NA.h5", LayoutSampleGroups)
	sg, err := ReadSampleGroup(fg, "0001")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sg.Shape, []int{4, 8, 8, 2}) || sg.Data[100] != 1 || sg.Config != "sim:\n  seed: 1" {
		t.Fatalf("diff-react: shape %v data %v config %q", sg.Shape, sg.Data[100], sg.Config)
	}
}

// TestLZFCodecWithoutPlugin reruns the LZF checks in a child process with
// HDF5's plugin loading disabled, so surrogo's own codec (liblzf) does the
// work, both ways with h5py.
func TestLZFCodecWithoutPlugin(t *testing.T) {
	if os.Getenv("SURROGO_LZF_CHILD") == "1" {
		if !lzfBuiltin {
			t.Fatal("plugins are disabled but surrogo's LZF codec was not registered")
		}
		TestSurrogoReadsH5pyFiles(t)
		TestH5pyReadsSurrogoFiles(t)
		return
	}
	requireH5py(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLZFCodecWithoutPlugin$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SURROGO_LZF_CHILD=1", "HDF5_PLUGIN_PRELOAD=::")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child run with plugins disabled failed: %v\n%s", err, out)
	}
}
