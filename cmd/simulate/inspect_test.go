package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/surrogo/surrogo/datasets"
)

// TestInspectHugeClaim: a 9 KB file whose /tensor claims [1e9, 2, 32]
// (238 GiB) is inspected with -stats in bounded time and memory, and the
// listing says how little of it the file holds.
func TestInspectHugeClaim(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.h5")
	f, err := datasets.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.CreateDataset("tensor", datasets.Float32, []int{1_000_000_000, 2, 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteSamples(d, 0, make([]float32, 64)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, out, errOut := runCLI("inspect", "-stats", p)
	if code != 0 {
		t.Fatalf("inspect exit %d: %s", code, errOut)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("inspect -stats took %v", el)
	}
	for _, want := range []string{
		"/tensor  dataset float32 [1000000000 2 32] chunks [256 2 32]",
		"of 238.42 GiB",
		"warning: the file stores 1 of the 3906250 chunks this shape spans",
		"min 0  max 0  mean 0  (over the 1 stored chunks only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

// TestInspectCorruptChunk: a damaged gzip chunk is named (dataset, chunk,
// offset, cause) and the rest of the file is still listed.
func TestInspectCorruptChunk(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gz.h5")
	f, err := datasets.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 40*2*64)
	for i := range v {
		v[i] = float32(i%97) * 0.37
	}
	if err := datasets.Write(f.Group, "tensor", []int{40, 2, 64}, v, &datasets.Options{Chunks: []int{4, 2, 64}}); err != nil {
		t.Fatal(err)
	}
	if err := datasets.Write(f.Group, "x-coordinate", []int{3}, []float32{0, 0.5, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := datasets.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := r.OpenDataset("tensor")
	c, err := d.ChunkAt([]int{2, 0, 0})
	r.Close()
	if err != nil || !c.Stored {
		t.Fatalf("chunk 2: %+v %v", c, err)
	}
	raw, _ := os.ReadFile(p)
	for i := c.Offset + 10; i < c.Offset+40; i++ {
		raw[i] ^= 0x5a
	}
	os.WriteFile(p, raw, 0o644)

	code, out, errOut := runCLI("inspect", "-stats", p)
	if code != 1 {
		t.Errorf("inspect exit %d, want 1", code)
	}
	for _, want := range []string{"stats: cannot read the data", "/x-coordinate  dataset float32 [3]", "min 0  max 1  mean 0.5"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{p, "/tensor", "chunk 2 of 10", "sample 8", "gzip stream is corrupt", "inflate() failed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("inspect stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "unknown HDF5 error") {
		t.Errorf("inspect lost HDF5's cause:\n%s", errOut)
	}
}

// TestInspectLibHDF5Crasher: a damaged file on which libhdf5 1.10 itself
// crashes (found by datasets' fuzz targets) is refused with an error; the
// crash happens in a child process, not in inspect.
func TestInspectLibHDF5Crasher(t *testing.T) {
	p := filepath.Join("..", "..", "datasets", "testdata", "hdf5-crashers", "attr-vlen-heap-segv-1.h5")
	code, _, errOut := runCLI("inspect", "-stats", p)
	if code != 1 {
		t.Errorf("inspect exit %d, want 1", code)
	}
	for _, want := range []string{p, "libhdf5 crashed (SIGSEGV)", "in a child process", "not opened here"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("inspect stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestInspectParticles: a particle file starts with a summary of its
// trajectories (count, particles, frames, dimension, time step, material
// and parameters); the tree lists the first two trajectory groups and
// sums up the rest, or every one with -all.
func TestInspectParticles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "particles.h5")
	f, err := datasets.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{30, 50, 40, 20} {
		tr := &datasets.ParticleTrajectory{Frames: 3, Particles: n, Dim: 2, Positions: make([]float32, 3*n*2),
			Material: "sand", MaterialParams: map[string]float64{"E": 1e5, "friction_angle": 30}, Dt: 1e-3, FrameStride: 10,
			BoxLo: []float64{0, 0}, BoxHi: []float64{1, 1}}
		if i == 3 {
			tr.Material, tr.MaterialParams = "water", map[string]float64{"bulk": 1e4}
		}
		if _, err := datasets.AppendTrajectory(f, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("inspect", p)
	if code != 0 {
		t.Fatalf("inspect exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"particle trajectories (surrogo-particles/1): 4\n",
		"    particles  20 .. 50 (mean 35, total 140)\n",
		"    frames     3\n",
		"    dimension  2, features 0\n",
		"    time step  dt 0.001 x 10 steps = 0.01 between frames\n",
		"    material   sand: E 100000, friction_angle 30 (3 trajectories)\n",
		"    material   water: bulk 10000 (1 trajectory)\n",
		"/trajectories/000001/positions  dataset float32 [3 50 2]",
		"/trajectories/000002 .. /trajectories/000003  2 more trajectory groups like those above (simulate inspect -all lists them)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/trajectories/000003/positions") {
		t.Errorf("inspect lists trajectory 3 without -all:\n%s", out)
	}
	code, out, _ = runCLI("inspect", "-all", p)
	if code != 0 || !strings.Contains(out, "/trajectories/000003/positions  dataset float32 [3 20 2]") || strings.Contains(out, "more trajectory groups") {
		t.Errorf("inspect -all: %d\n%s", code, out)
	}
}
