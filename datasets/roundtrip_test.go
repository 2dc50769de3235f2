package datasets

import (
	"errors"
	"fmt"
	"github.com/surrogo/surrogo/tensor"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func tempFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(t.TempDir(), name)
}

// ramp returns n values that exercise sign, fractions and magnitude.
func ramp[T Number](n int) []T {
	out := make([]T, n)
	for i := range out {
		v := float64(i%97) - 40
		var z T
		switch any(z).(type) {
		case float32, float64:
			v = math.Sin(float64(i)*0.37) * math.Pow(10, float64(i%7-3))
		case uint8, uint16, uint32, uint64:
			v = float64(i % 97)
		}
		out[i] = T(v)
	}
	return out
}

func roundTrip[T Number](t *testing.T, shape []int, opts *Options) {
	t.Helper()
	path := tempFile(t, "rt.h5")
	data := ramp[T](tensor.Size(shape))
	f := mustCreate(t, path)
	if err := Write(f.Group, "a/b/field", shape, data, opts); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	got, gotShape, err := Read[T](r.Group, "a/b/field")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotShape, shape) && !(len(shape) == 0 && len(gotShape) == 0) {
		t.Fatalf("shape %v, want %v", gotShape, shape)
	}
	if !reflect.DeepEqual(got, data) && len(data) > 0 {
		t.Fatalf("data differ: got %v..., want %v...", got[:min(4, len(got))], data[:min(4, len(data))])
	}
	d, err := r.OpenDataset("/a/b/field")
	if err != nil {
		t.Fatal(err)
	}
	if d.Dtype() != dtypeOf[T]() {
		t.Errorf("dtype %s, want %s", d.Dtype(), dtypeOf[T]())
	}
}

func TestRoundTripDtypesAndRanks(t *testing.T) {
	shapes := [][]int{{}, {7}, {3, 5}, {2, 3, 4}, {2, 1, 3, 4}, {2, 3, 2, 2, 3}}
	for _, shape := range shapes {
		for _, c := range []Compression{Default, None, Gzip, LZF} {
			opts := &Options{Compression: c, Level: 6}
			t.Run("", func(t *testing.T) {
				roundTrip[float32](t, shape, opts)
				roundTrip[float64](t, shape, opts)
				roundTrip[int32](t, shape, opts)
				roundTrip[int64](t, shape, opts)
				roundTrip[int](t, shape, opts)
				roundTrip[uint8](t, shape, opts)
				roundTrip[int16](t, shape, opts)
				roundTrip[uint64](t, shape, opts)
			})
		}
	}
}

func TestDtypeOfNamedTypes(t *testing.T) {
	type celsius float32
	type count uint16
	type offset int64
	if got := dtypeOf[celsius](); got != Float32 {
		t.Errorf("celsius: %s", got)
	}
	if got := dtypeOf[count](); got != Uint16 {
		t.Errorf("count: %s", got)
	}
	if got := dtypeOf[offset](); got != Int64 {
		t.Errorf("offset: %s", got)
	}
}

func TestTypeConversionOnRead(t *testing.T) {
	path := tempFile(t, "conv.h5")
	f64 := []float64{1.0 / 3, -2.5e-8, 1e30, 0, math.Pi}
	ints := []int32{-3, 0, 7, 1 << 20}
	f := mustCreate(t, path)
	if err := Write(f.Group, "f64", []int{5}, f64, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "i32", []int{4}, ints, nil); err != nil {
		t.Fatal(err)
	}
	// float64 data stored as float32 on request.
	if err := Write(f.Group, "stored32", []int{5}, f64, &Options{Dtype: Float32}); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)

	got32, _, err := Read[float32](r.Group, "f64")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f64 {
		if got32[i] != float32(v) {
			t.Errorf("float64->float32 [%d]: %v, want %v", i, got32[i], float32(v))
		}
	}
	back, _, err := Read[float64](r.Group, "stored32")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f64 {
		if back[i] != float64(float32(v)) {
			t.Errorf("float32 file -> float64 [%d]: %v, want %v", i, back[i], float64(float32(v)))
		}
	}
	d, _ := r.OpenDataset("stored32")
	if d.Dtype() != Float32 {
		t.Errorf("stored dtype %s, want float32", d.Dtype())
	}
	gotF, _, err := Read[float64](r.Group, "i32")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ints {
		if gotF[i] != float64(v) {
			t.Errorf("int32->float64 [%d]: %v", i, gotF[i])
		}
	}
	got64, _, err := Read[int64](r.Group, "i32")
	if err != nil || got64[3] != 1<<20 {
		t.Errorf("int32->int64: %v %v", got64, err)
	}
	// Lossy conversions are refused with the dtypes named.
	if _, _, err := Read[int32](r.Group, "f64"); !errors.Is(err, ErrDtype) {
		t.Errorf("float->int read: err = %v, want ErrDtype", err)
	} else {
		assertMentions(t, err, path, "/f64", "float64", "int32")
	}
	if _, _, err := Read[int16](r.Group, "i32"); !errors.Is(err, ErrDtype) {
		t.Errorf("int32->int16 read: err = %v, want ErrDtype", err)
	}
}

func TestBufferSizesChecked(t *testing.T) {
	path := tempFile(t, "buf.h5")
	f := mustCreate(t, path)
	defer f.Abort()
	if err := Write(f.Group, "x", []int{2, 3}, make([]float32, 5), nil); !errors.Is(err, ErrShape) {
		t.Fatalf("short write: %v", err)
	}
	if err := Write(f.Group, "x", []int{2, 3}, make([]float32, 6), nil); err != nil {
		t.Fatal(err)
	}
	d, err := f.OpenDataset("x")
	if err != nil {
		t.Fatal(err)
	}
	err = ReadInto(d, make([]float64, 7))
	if !errors.Is(err, ErrShape) {
		t.Fatalf("long buffer: %v", err)
	}
	assertMentions(t, err, path, "/x", "6", "7")
}

func TestPartialReadsAndWrites(t *testing.T) {
	path := tempFile(t, "slab.h5")
	const n, tt, x = 6, 4, 5
	data := ramp[float32](n * tt * x)
	f := mustCreate(t, path)
	d, err := f.CreateDataset("u", Float32, []int{n, tt, x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Write samples out of order, one at a time.
	for _, i := range []int{3, 0, 5, 1, 4, 2} {
		if err := WriteSamples(d, i, data[i*tt*x:(i+1)*tt*x]); err != nil {
			t.Fatal(err)
		}
	}
	r := reopen(t, f)
	d, err = r.OpenDataset("u")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadSamples[float32](d, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, data[2*tt*x:5*tt*x]) {
		t.Fatal("samples 2..4 differ")
	}
	// A general box: sample 4, times 1..2, points 3..4.
	box := make([]float64, 2*2)
	if err := ReadSlab(d, []int{4, 1, 3}, []int{1, 2, 2}, box); err != nil {
		t.Fatal(err)
	}
	want := []float64{
		float64(data[4*tt*x+1*x+3]), float64(data[4*tt*x+1*x+4]),
		float64(data[4*tt*x+2*x+3]), float64(data[4*tt*x+2*x+4]),
	}
	if !reflect.DeepEqual(box, want) {
		t.Fatalf("box %v, want %v", box, want)
	}
	if _, err := ReadSamples[float32](d, 5, 2); !errors.Is(err, ErrRange) {
		t.Fatalf("out of range: %v", err)
	} else {
		assertMentions(t, err, path, "/u", "[5, 7)", "6")
	}
}

func TestAppendStreamsSamples(t *testing.T) {
	path := tempFile(t, "append.h5")
	f := mustCreate(t, path)
	d, err := f.CreateDataset("fields/u", Float64, []int{0, 3, 4}, &Options{Extendible: true})
	if err != nil {
		t.Fatal(err)
	}
	var all []float64
	for k := 0; k < 7; k++ {
		n := k%3 + 1 // batches of 1, 2, 3 samples
		batch := ramp[float64](n * 12)
		for i := range batch {
			batch[i] += float64(k)
		}
		if err := Append(d, batch); err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := Append(d, make([]float64, 5)); !errors.Is(err, ErrShape) {
		t.Fatalf("ragged append: %v", err)
	}
	if got := d.Shape(); got[0] != len(all)/12 {
		t.Fatalf("len %v, want %d", got, len(all)/12)
	}
	r := reopen(t, f)
	got, shape, err := Read[float64](r.Group, "fields/u")
	if err != nil {
		t.Fatal(err)
	}
	if shape[0] != len(all)/12 || !reflect.DeepEqual(got, all) {
		t.Fatalf("appended data differ (shape %v)", shape)
	}
	d, _ = r.OpenDataset("fields/u")
	if ms := d.MaxShape(); ms[0] != -1 {
		t.Fatalf("max shape %v, want unlimited leading axis", ms)
	}
}

func TestAppendNeedsExtendible(t *testing.T) {
	path := tempFile(t, "fixed.h5")
	f := mustCreate(t, path)
	defer f.Abort()
	d, err := f.CreateDataset("u", Float32, []int{2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = Append(d, make([]float32, 3))
	if !errors.Is(err, ErrArgument) {
		t.Fatalf("append to fixed: %v", err)
	}
	assertMentions(t, err, path, "/u", "extendible")
}

func TestAttributes(t *testing.T) {
	path := tempFile(t, "attrs.h5")
	f := mustCreate(t, path)
	g, err := f.CreateGroup("0000/grid")
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "0000/data", []int{2, 2}, []float32{1, 2, 3, 4}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := f.OpenDataset("0000/data")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"text":    "Navier–Stokes ν=1e-3 ✓",
		"texts":   []string{"a", "", "βγ"},
		"f64":     0.001,
		"f32":     float32(0.5),
		"i":       42,
		"i64":     int64(-7),
		"i32":     int32(9),
		"f64s":    []float64{1, 2.5, -3},
		"f32s":    []float32{0.25, 4},
		"ints":    []int{1, 2, 3},
		"flag":    true,
		"empties": []float64{},
	}
	for _, obj := range []interface {
		SetAttr(string, any) error
	}{f, g, d} {
		for k, v := range values {
			if err := obj.SetAttr(k, v); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
	}
	// Overwrite changes type and value.
	if err := g.SetAttr("i", "now text"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rg, err := r.OpenGroup("0000/grid")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := r.OpenDataset("0000/data")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text": "Navier–Stokes ν=1e-3 ✓", "texts": []string{"a", "", "βγ"},
		"f64": 0.001, "f32": 0.5, "i": int64(42), "i64": int64(-7), "i32": int64(9),
		"f64s": []float64{1, 2.5, -3}, "f32s": []float64{0.25, 4}, "ints": []int64{1, 2, 3},
		"flag": int64(1), "empties": []float64{},
	}
	type attrReader interface {
		Attr(string) (any, error)
		AttrNames() ([]string, error)
	}
	for name, obj := range map[string]attrReader{"file": r, "group": rg, "dataset": rd} {
		names, err := obj.AttrNames()
		if err != nil {
			t.Fatal(err)
		}
		extra := 0
		if name == "file" {
			extra = 4 // provenance
		}
		if len(names) != len(values)+extra {
			t.Errorf("%s: %d attributes %v, want %d", name, len(names), names, len(values)+extra)
		}
		for k, w := range want {
			if name == "group" && k == "i" {
				w = "now text"
			}
			got, err := obj.Attr(k)
			if err != nil {
				t.Fatalf("%s %s: %v", name, k, err)
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s %s = %#v, want %#v", name, k, got, w)
			}
		}
	}
	if v, err := rd.AttrFloat64("i32"); err != nil || v != 9 {
		t.Errorf("AttrFloat64 of an int: %v %v", v, err)
	}
	if _, err := rd.AttrString("f64"); !errors.Is(err, ErrDtype) {
		t.Errorf("AttrString of a float: %v", err)
	}
	_, err = rd.Attr("missing")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing attribute: %v", err)
	}
	assertMentions(t, err, path, "/0000/data@missing")
	if err := r.SetAttr("x", 1.0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("attribute on read-only file: %v", err)
	}
}

func TestNestedGroupsAndListing(t *testing.T) {
	path := tempFile(t, "tree.h5")
	f := mustCreate(t, path)
	if _, err := f.CreateGroup("a/b/c"); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "a/b/c/d/e", []int{2}, []float64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(f.Group, "a/x", []int{1}, []int32{3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreateGroup("a/x/y"); !errors.Is(err, ErrLayout) {
		t.Errorf("group below a dataset: %v", err)
	}
	if err := Write(f.Group, "a/x", []int{1}, []int32{3}, nil); !errors.Is(err, ErrExists) {
		t.Errorf("dataset twice: %v", err)
	}
	r := reopen(t, f)
	var seen []string
	err := r.Walk(func(e Entry) error {
		seen = append(seen, e.Path+":"+e.Kind.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/a:group", "/a/b:group", "/a/b/c:group", "/a/b/c/d:group", "/a/b/c/d/e:dataset", "/a/x:dataset"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("walk %v, want %v", seen, want)
	}
	if r.Kind("a/nope/deeper") != KindNone || r.Kind("/a/b") != KindGroup {
		t.Error("Kind of missing/intermediate paths")
	}
}

func TestChunksAndFilters(t *testing.T) {
	path := tempFile(t, "filters.h5")
	f := mustCreate(t, path)
	cases := []struct {
		name   string
		shape  []int
		opts   *Options
		chunks []int
		filt   string
	}{
		{"default", []int{10, 201, 1024}, nil, []int{1, 201, 1024}, "shuffle,gzip(1)"},
		{"small", []int{100, 64}, nil, []int{100, 64}, "shuffle,gzip(1)"},
		{"gzip9", []int{4, 8}, &Options{Compression: Gzip, Level: 9, NoShuffle: true}, []int{4, 8}, "gzip(9)"},
		{"lzf", []int{4, 8}, &Options{Compression: LZF, Chunks: []int{2, 8}}, []int{2, 8}, "shuffle,lzf"},
		{"plain", []int{4, 8}, &Options{Compression: None}, nil, ""},
		{"big", []int{2, 1024, 1024}, nil, []int{1, 512, 512}, "shuffle,gzip(1)"},
	}
	for _, c := range cases {
		d, err := f.CreateDataset(c.name, Float32, c.shape, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Chunks(), c.chunks) {
			t.Errorf("%s: chunks %v, want %v", c.name, d.Chunks(), c.chunks)
		}
		fl, err := d.Filters()
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for i, x := range fl {
			if i > 0 {
				s += ","
			}
			s += x.String()
		}
		if s != c.filt {
			t.Errorf("%s: filters %q, want %q", c.name, s, c.filt)
		}
	}
	if _, err := f.CreateDataset("bad", Float32, []int{4}, &Options{Compression: Gzip, Level: 12}); !errors.Is(err, ErrArgument) {
		t.Errorf("gzip 12: %v", err)
	}
	if _, err := f.CreateDataset("bad", Float32, []int{4, 4}, &Options{Chunks: []int{4}}); !errors.Is(err, ErrShape) {
		t.Errorf("chunk rank: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCompressionShrinksSmoothFields(t *testing.T) {
	dir := t.TempDir()
	n := 64 * 256
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(math.Sin(float64(i) * 2 * math.Pi / 256))
	}
	size := func(c Compression) int64 {
		p := filepath.Join(dir, c.String()+".h5")
		f, err := Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(f.Group, "u", []int{64, 256}, data, &Options{Compression: c}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	raw := size(None)
	for _, c := range []Compression{Default, LZF} {
		if s := size(c); s >= raw*9/10 {
			t.Errorf("%s: %d bytes, uncompressed %d: expected at least 10%% smaller", c, s, raw)
		}
	}
}

// TestConcurrentUse reads one file from several goroutines while another
// goroutine streams samples into a second file; libhdf5 is not thread-safe,
// so this exercises the package's serialisation (run with -race too).
func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	src := writeSmall(t, dir) // tensor [4, 3, 16]
	r, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := r.OpenDataset("tensor")
	if err != nil {
		t.Fatal(err)
	}
	all, _ := ReadAll[float32](d)
	w := mustCreate(t, filepath.Join(dir, "out.h5"))
	out, err := w.CreateDataset("u", Float64, []int{0, 16}, &Options{Extendible: true})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 5)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for k := 0; k < 200; k++ {
				i := (g + k) % 4
				got, err := ReadSamples[float32](d, i, 1)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got, all[i*48:(i+1)*48]) {
					errs <- fmt.Errorf("goroutine %d read a wrong sample %d", g, i)
					return
				}
			}
			errs <- nil
		}(g)
	}
	go func() {
		for k := 0; k < 200; k++ {
			if err := Append(out, ramp[float64](16)); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	for i := 0; i < 5; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if out.Len() != 200 {
		t.Fatalf("appended %d samples, want 200", out.Len())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
