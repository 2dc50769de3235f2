// Package golden reads the PyTorch reference values of the engine's
// cross-checks (testdata/torch_reference.h5, written by
// scripts/torch_reference.py) and compares results with them. It is used
// by tests only.
package golden

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/tensor"
)

// File is the open reference file of one test.
type File struct {
	t *testing.T
	f *datasets.File
}

// Path is the reference file's location in the repository.
func Path() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "testdata", "torch_reference.h5")
}

// Open opens the reference file for t and closes it when t ends.
func Open(t *testing.T) *File {
	t.Helper()
	f, err := datasets.Open(Path())
	if err != nil {
		t.Fatalf("golden file (regenerate with make golden): %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &File{t: t, f: f}
}

// Load reads the dataset at path as a tensor.
func Load[T tensor.Float](g *File, path string) *tensor.Tensor[T] {
	g.t.Helper()
	v, shape, err := datasets.Read[T](g.f.Group, path)
	if err != nil {
		g.t.Fatal(err)
	}
	return tensor.FromSlice(v, shape...)
}

// Ints reads an integer dataset or attribute-free integer array.
func Ints(g *File, path string) []int {
	g.t.Helper()
	v, _, err := datasets.Read[int](g.f.Group, path)
	if err != nil {
		g.t.Fatal(err)
	}
	return v
}

// Agree checks max |got - want| <= tol * max |want| and logs the measured
// relative difference.
func Agree[T tensor.Float](t *testing.T, what string, got, want *tensor.Tensor[T], tol float64) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("%s: %d values (shape %v), reference has %d (shape %v)", what, got.Len(), got.Shape(), want.Len(), want.Shape())
	}
	var diff, scale float64
	for i, w := range want.Data() {
		diff = math.Max(diff, math.Abs(float64(got.Data()[i]-w)))
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	t.Logf("%s: max relative difference %.2g", what, diff/math.Max(scale, 1e-30))
	if diff > tol*math.Max(scale, 1e-30) {
		t.Errorf("%s: max difference %.3g relative to reference scale %.3g (tolerance %g)", what, diff/scale, scale, tol)
	}
}

// AttrFloat64 reads a float attribute of the group at path.
func AttrFloat64(g *File, path, name string) float64 {
	g.t.Helper()
	grp, err := g.f.OpenGroup(path)
	if err != nil {
		g.t.Fatal(err)
	}
	v, err := grp.AttrFloat64(name)
	if err != nil {
		g.t.Fatal(err)
	}
	return v
}
