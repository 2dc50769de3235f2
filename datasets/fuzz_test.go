package datasets

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fuzz targets feed mutated HDF5 files to the readers. Under `go test`
// they run their seed corpus only (small valid files written here, some
// deterministic damage to each, and testdata/fuzz/<FuzzName>/); `go test
// -fuzz FuzzName -fuzztime 3m ./datasets/` mutates further.
//
// libhdf5 1.10.8 itself segfaults, corrupts its heap or loops on many
// damaged files, some only now and then (testdata/hdf5-crashers): in the
// fuzzing process that would stop every run within seconds, on a crash
// that is not ours. So each input is read in a child process (this test
// binary, TestFuzzedFileChild), and the target fails when the child fails
// outside libhdf5: a Go panic, a fatal Go error (out of memory), or a read
// returning something other than nil or an *Error naming the file. A crash
// inside a cgo call, or a child still busy after fuzzChildTimeout, is
// libhdf5's (Preflight's job in production) and passes. The child's
// coverage does not guide the fuzzer: it mutates around the seed corpus.

// fuzzChildEnv passes "target:path" to the child.
const fuzzChildEnv = "SURROGO_DATASETS_FUZZ_CHILD"

// fuzzChildTimeout bounds a child's reads of one input. Go's fuzzing
// worker panics ("deadlocked!") when one call of the fuzz function takes
// 10 s, which libhdf5's loops and multi-gigabyte allocations on damaged
// variable-length strings would reach.
const fuzzChildTimeout = 5 * time.Second

// fuzzReadLimit bounds each read while fuzzing, so that a mutated shape
// can neither exhaust memory nor take long to stream.
const fuzzReadLimit = 1 << 20

// fuzzSeedFiles writes one small valid file of every layout (and storage
// variety) the readers meet and returns their bytes.
func fuzzSeedFiles(tb testing.TB) [][]byte {
	tb.Helper()
	dir := tb.TempDir()
	var out [][]byte
	add := func(name string, fill func(f *File) error) {
		p := filepath.Join(dir, name)
		f, err := Create(p)
		if err != nil {
			tb.Fatal(err)
		}
		if err := fill(f); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, raw)
	}
	x := []float64{0, 0.25, 0.5, 0.75}
	add("tensor.h5", func(f *File) error {
		return WriteTensorSet(f, &TensorSet{Shape: []int{3, 2, 4}, Data: ramp[float32](24),
			Coords: Coordinates{X: x, T: []float64{0, 1, 2}}, Params: map[string]float64{"Nu": 0.01}})
	})
	add("darcy.h5", func(f *File) error {
		return WriteDarcy(f, &DarcySet{N: 2, X: 4, Y: 4, Nu: ramp[float32](32), U: ramp[float32](32),
			Coords: Coordinates{X: x, Y: x}, Beta: 1})
	})
	add("cfd.h5", func(f *File) error {
		fields := map[string][]float32{}
		for _, k := range cfdFieldsFor(1) {
			fields[k] = ramp[float32](16)
		}
		return WriteCFD(f, &CFDSet{Shape: []int{2, 2, 4}, Fields: fields, Coords: Coordinates{X: x}})
	})
	add("groups.h5", func(f *File) error {
		for i := 0; i < 2; i++ {
			if err := WriteSampleGroup(f, &SampleGroup{Name: SampleGroupName(i), Shape: []int{2, 4, 1},
				Data: ramp[float32](8), Grid: Coordinates{X: x, T: []float64{0, 1}}, Config: "a: 1"}); err != nil {
				return err
			}
		}
		return nil
	})
	add("storage.h5", func(f *File) error {
		if err := Write(f.Group, "tensor", []int{4, 2, 3}, ramp[float64](24), &Options{Compression: LZF}); err != nil {
			return err
		}
		if err := Write(f.Group, "plain", []int{3, 3}, ramp[int16](9), &Options{Compression: None}); err != nil {
			return err
		}
		d, err := f.CreateDataset("grow", Float32, []int{0, 3}, &Options{Extendible: true})
		if err != nil {
			return err
		}
		if err := Append(d, ramp[float32](6)); err != nil {
			return err
		}
		return f.SetAttr("names", []string{"a", "b"})
	})
	return out
}

// damage returns deterministic mutations of a valid file: truncated, the
// superblock and the middle of the file (object headers, chunk data)
// overwritten.
func damage(raw []byte) [][]byte {
	var out [][]byte
	flip := func(at, n int) {
		b := append([]byte(nil), raw...)
		for i := at; i < at+n && i < len(b); i++ {
			b[i] ^= 0xa5
		}
		out = append(out, b)
	}
	out = append(out, raw[:len(raw)*3/4])
	flip(20, 4)             // superblock: addresses
	flip(len(raw)/2, 16)    // somewhere in the middle
	flip(len(raw)*7/8, 8)   // near the end: data or a heap
	flip(len(raw)/3, 2)     // object headers
	flip(len(raw)-100, 100) // the last bytes
	return out
}

// addSeeds adds the valid files and their damaged variants to f.
func addSeeds(f *testing.F) {
	for _, raw := range fuzzSeedFiles(f) {
		f.Add(raw)
		for _, b := range damage(raw) {
			f.Add(b)
		}
	}
}

// childOutcome is how a child process reading a file ended.
type childOutcome int

const (
	childOK        childOutcome = iota // every read ended in nil or an *Error
	childLibHDF5                       // crashed inside a cgo call (libhdf5)
	childTimeout                       // still running at the deadline
	childGoFailure                     // panicked, failed a check, or died in Go
)

// readInChild runs TestFuzzedFileChild on path for target in a child
// process and classifies how it ended.
func readInChild(t *testing.T, target, path string, timeout time.Duration) (childOutcome, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// A fuzzing worker talks to its coordinator over inherited descriptors
	// 3-5; the child must not hold them.
	for fd := 3; fd <= 5; fd++ {
		syscall.CloseOnExec(fd)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFuzzedFileChild$", "-test.v")
	cmd.WaitDelay = time.Second // a killed child's output pipes are not waited on forever
	cmd.Env = append(os.Environ(), fuzzChildEnv+"="+target+":"+path)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := out.String()
	switch {
	case err == nil:
		return childOK, text
	case ctx.Err() != nil:
		return childTimeout, text
	case strings.Contains(text, "signal arrived during cgo execution") || strings.Contains(text, "Fatal glibc error"):
		return childLibHDF5, text
	}
	return childGoFailure, text
}

// fuzzInChild writes data to a file and reads it in a child process as
// target does, failing on a failure outside libhdf5.
func fuzzInChild(t *testing.T, target string, data []byte) {
	p := filepath.Join(t.TempDir(), "fuzz.h5")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, out := readInChild(t, target, p, fuzzChildTimeout); got == childGoFailure {
		t.Fatalf("reading the file failed outside libhdf5:\n%s", out)
	}
}

// TestFuzzedFileChild is the child of the fuzz targets (and of
// TestLibHDF5CrashersStayInC); without fuzzChildEnv it does nothing.
func TestFuzzedFileChild(t *testing.T) {
	target, path, ok := strings.Cut(os.Getenv(fuzzChildEnv), ":")
	if !ok {
		return
	}
	defer SetReadLimit(SetReadLimit(fuzzReadLimit))
	f, err := Open(path)
	if err != nil {
		wantPackageError(t, "Open", err)
		return
	}
	defer f.Close()
	layout, err := DetectLayout(f)
	wantPackageError(t, "DetectLayout", err)
	switch target {
	case "detect":
		wantPackageError(t, "Describe", Describe(io.Discard, f, DescribeOptions{}))
	case "read":
		readSamples(t, f, layout)
	case "stats":
		wantPackageError(t, "Describe", Describe(io.Discard, f, DescribeOptions{Stats: true, PieceBytes: 4096}))
	case "all":
		readSamples(t, f, layout)
		wantPackageError(t, "Describe", Describe(io.Discard, f, DescribeOptions{Stats: true, PieceBytes: 4096}))
	default:
		t.Fatalf("unknown target %q", target)
	}
}

// readSamples reads the first sample through the layout's reader, then the
// first sample and the attributes of every dataset.
func readSamples(t *testing.T, file *File, layout Layout) {
	var err error
	switch layout {
	case LayoutTensor:
		_, err = ReadTensorSet(file, 0, 1)
	case LayoutDarcy:
		_, err = ReadDarcy(file, 0, 1)
	case LayoutCFD:
		_, err = ReadCFD(file, 0, 1)
	case LayoutSampleGroups:
		var names []string
		if names, err = SampleGroupNames(file); err == nil && len(names) > 0 {
			_, err = ReadSampleGroup(file, names[0])
		}
	}
	wantPackageError(t, "reading "+layout.String(), err)
	err = file.Walk(func(e Entry) error {
		if e.Kind != KindDataset {
			return nil
		}
		d, err := file.OpenDataset(e.Path)
		if err != nil {
			wantPackageError(t, "OpenDataset", err)
			return nil
		}
		defer d.Close()
		if d.dtype.IsFloat() || d.dtype.IsInt() {
			switch {
			case d.Rank() == 0:
				_, err = ReadAll[float64](d)
			case d.Len() > 0:
				_, err = ReadSamples[float64](d, 0, 1)
			}
			wantPackageError(t, "reading "+e.Path, err)
		}
		_, err = d.Attrs()
		wantPackageError(t, "attributes of "+e.Path, err)
		return nil
	})
	wantPackageError(t, "Walk", err)
}

// wantPackageError fails unless err is nil or an *Error naming the file.
func wantPackageError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s returned %T, not *datasets.Error: %v", what, err, err)
	}
	if e.File == "" || e.Op == "" {
		t.Fatalf("%s: error without file or operation: %#v", what, e)
	}
}

// FuzzDetectLayout opens mutated files, names their layout and lists them
// (Describe without statistics: every object, attribute and filter).
func FuzzDetectLayout(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzInChild(t, "detect", data) })
}

// FuzzReadSamples reads the first sample of a mutated file through its
// layout's reader, and the first sample of every dataset in it.
func FuzzReadSamples(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzInChild(t, "read", data) })
}

// FuzzDescribeStats runs `simulate inspect -stats` on mutated files:
// every dataset streamed in small pieces.
func FuzzDescribeStats(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzInChild(t, "stats", data) })
}
