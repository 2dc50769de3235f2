package datasets

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// writeSmall writes a valid file with one field and returns its path.
func writeSmall(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "good.h5")
	f := mustCreate(t, p)
	if err := Write(f.Group, "tensor", []int{4, 3, 16}, ramp[float32](4*3*16), nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeSmall(t, dir)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("this is not an HDF5 file, just some text\n"), 0o644)
	empty := filepath.Join(dir, "empty.h5")
	os.WriteFile(empty, nil, 0o644)
	truncated := filepath.Join(dir, "truncated.h5")
	os.WriteFile(truncated, raw[:len(raw)/2], 0o644)
	orphan := filepath.Join(dir, "killed.h5")
	os.WriteFile(orphan+TmpSuffix, raw, 0o644)
	sub := filepath.Join(dir, "adir")
	os.Mkdir(sub, 0o755)

	cases := []struct {
		name     string
		path     string
		sentinel error
		mentions []string
	}{
		{"missing", filepath.Join(dir, "nope.h5"), ErrNotFound, []string{"nope.h5", "no such file"}},
		{"interrupted", orphan, ErrNotFound, []string{"killed.h5", "killed.h5.tmp", "interrupted"}},
		{"directory", sub, ErrArgument, []string{"adir", "is a directory"}},
		{"text", text, ErrNotHDF5, []string{"notes.txt", "no HDF5 signature"}},
		{"empty", empty, ErrNotHDF5, []string{"empty.h5", "0 bytes"}},
		{"truncated", truncated, ErrCorrupt, []string{"truncated.h5", "truncated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(c.path)
			if err == nil {
				f.Close()
				t.Fatal("opened without error")
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error %v is not %v", err, c.sentinel)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != c.path {
				t.Errorf("error %#v does not carry the file path", err)
			}
			assertMentions(t, err, c.mentions...)
		})
	}
}

func TestBadObjectsAndSelections(t *testing.T) {
	dir := t.TempDir()
	p := writeSmall(t, dir)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("tensor")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		err      error
		sentinel error
		mentions []string
	}{
		{"missing dataset", func() error { _, err := f.OpenDataset("fields/u"); return err }(), ErrNotFound, []string{p, "/fields/u", "no such dataset"}},
		{"missing group", func() error { _, err := f.OpenGroup("0000"); return err }(), ErrNotFound, []string{p, "/0000"}},
		{"group is a dataset", func() error { _, err := f.OpenGroup("tensor"); return err }(), ErrLayout, []string{p, "/tensor", "expected a group, found a dataset"}},
		{"dataset is a group", func() error { _, err := f.OpenDataset("/"); return err }(), ErrLayout, []string{p, "expected a dataset, found a group"}},
		{"sample past end", func() error { _, err := ReadSamples[float32](d, 3, 2); return err }(), ErrRange, []string{p, "/tensor", "[3, 5)", "holds 4"}},
		{"negative sample", func() error { _, err := ReadSamples[float32](d, -1, 1); return err }(), ErrRange, []string{p, "/tensor"}},
		{"slab rank", ReadSlab(d, []int{0, 0}, []int{1, 1}, make([]float32, 1)), ErrShape, []string{p, "/tensor", "rank 3"}},
		{"slab outside", ReadSlab(d, []int{0, 0, 10}, []int{1, 1, 8}, make([]float32, 8)), ErrRange, []string{p, "/tensor", "axis 2"}},
		{"buffer size", ReadInto(d, make([]float32, 10)), ErrShape, []string{p, "/tensor", "192", "10"}},
		{"dtype", func() error { _, err := ReadAll[int64](d); return err }(), ErrDtype, []string{p, "/tensor", "float32", "int64"}},
		{"write read-only", WriteSamples(d, 0, make([]float32, 48)), ErrReadOnly, []string{p, "/tensor"}},
		{"ragged samples", WriteSamples(d, 0, make([]float32, 47)), ErrShape, []string{p, "/tensor", "48 elements each", "47"}},
		{"string attribute as float", func() error { _, err := f.AttrFloat64("surrogo_format"); return err }(), ErrDtype, []string{p, "@surrogo_format", "text"}},
		{"tensor layout", func() error { _, err := ReadDarcy(f, 0, -1); return err }(), ErrNotFound, []string{p, "/nu"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, c.sentinel) {
				t.Fatalf("error %v is not %v", c.err, c.sentinel)
			}
			assertMentions(t, c.err, c.mentions...)
		})
	}
}

func TestLayoutMismatches(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad1d.h5")
	f := mustCreate(t, p)
	err := WriteTensorSet(f, &TensorSet{Shape: []int{2, 4, 8}, Data: make([]float32, 64), Coords: Coordinates{X: make([]float64, 7)}})
	if !errors.Is(err, ErrLayout) {
		t.Fatalf("bad x-coordinate: %v", err)
	}
	assertMentions(t, err, "bad1d.h5", "x-coordinate has 7 values, expected 8")
	err = WriteTensorSet(f, &TensorSet{Shape: []int{2, 8}, Data: make([]float32, 16)})
	assertMentions(t, err, "expected shape [N, T, X(, Y(, Z))]", "[2 8]")
	// A file whose coordinates disagree with the field, as a hand-edited
	// file might: write the pieces directly.
	Write(f.Group, "tensor", []int{2, 4, 8}, make([]float32, 64), nil)
	Write(f.Group, "x-coordinate", []int{8}, axis(8), nil)
	Write(f.Group, "t-coordinate", []int{9}, axis(9), nil)
	r := reopen(t, f)
	_, err = ReadTensorSet(r, 0, -1)
	if !errors.Is(err, ErrLayout) {
		t.Fatalf("bad t-coordinate: %v", err)
	}
	assertMentions(t, err, "bad1d.h5", "/t-coordinate", "has 9 values, expected 4 or 5", "grid of /tensor")
}

func TestClosedHandles(t *testing.T) {
	p := writeSmall(t, t.TempDir())
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.OpenDataset("tensor")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := ReadAll[float32](d); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if _, err := f.OpenDataset("tensor"); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after close: %v", err)
	}
}

func TestCreateBadPaths(t *testing.T) {
	dir := t.TempDir()
	_, err := Create(filepath.Join(dir, "no", "such", "dir", "x.h5"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing directory: %v", err)
	}
	assertMentions(t, err, "x.h5", "does not exist")
	_, err = Create(dir)
	if !errors.Is(err, ErrArgument) {
		t.Fatalf("directory as file: %v", err)
	}
}

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.h5")
	f := mustCreate(t, p)
	if err := Write(f.Group, "u", []int{3}, []float64{1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final name exists before Close: %v", err)
	}
	if _, err := Open(p); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reader sees the file before Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + TmpSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("temporary file left after Close")
	}
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()

	// Abort leaves nothing; the earlier complete file is untouched.
	f, err = Create(p)
	if err != nil {
		t.Fatal(err)
	}
	Write(f.Group, "v", []int{1}, []float64{9}, nil)
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + TmpSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("temporary file left after Abort")
	}
	r, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Has("v") || !r.Has("u") {
		t.Fatal("Abort changed the complete file")
	}
}

// TestResumeAfterKill appends samples in a child process that exits without
// closing (as a killed generator would), then resumes in this process and
// finishes the file.
func TestResumeAfterKill(t *testing.T) {
	if p := os.Getenv("SURROGO_KILLED_WRITER"); p != "" {
		f, _, err := Resume(p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.CreateDataset("tensor", Float32, []int{0, 8}, &Options{Extendible: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if err := Append(d, sampleValues(i)); err != nil {
				t.Fatal(err)
			}
			if err := f.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		os.Exit(0) // no Close: the process dies with the file open
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "gen.h5")
	cmd := exec.Command(os.Args[0], "-test.run=^TestResumeAfterKill$")
	cmd.Env = append(os.Environ(), "SURROGO_KILLED_WRITER="+p)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("killed writer's file appeared under its final name")
	}
	f, resumed, err := Resume(p)
	if err != nil {
		t.Fatal(err)
	}
	if !resumed {
		t.Fatal("Resume did not pick up the interrupted file")
	}
	d, err := f.OpenDataset("tensor")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 {
		t.Fatalf("resumed with %d samples, want 3", d.Len())
	}
	for i := d.Len(); i < 5; i++ {
		if err := Append(d, sampleValues(i)); err != nil {
			t.Fatal(err)
		}
	}
	r := reopen(t, f)
	got, shape, err := Read[float32](r.Group, "tensor")
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	for i := 0; i < 5; i++ {
		want = append(want, sampleValues(i)...)
	}
	if !reflect.DeepEqual(shape, []int{5, 8}) || !reflect.DeepEqual(got, want) {
		t.Fatalf("resumed file: shape %v", shape)
	}

	// A temporary file too damaged to open is started over.
	os.WriteFile(p+".x"+TmpSuffix, []byte("garbage"), 0o644)
	f, resumed, err = Resume(p + ".x")
	if err != nil || resumed {
		t.Fatalf("damaged tmp: resumed=%v err=%v", resumed, err)
	}
	f.Abort()
}

func sampleValues(i int) []float32 {
	v := make([]float32, 8)
	for j := range v {
		v[j] = float32(i*10 + j)
	}
	return v
}
