package datasets

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeParticleFile writes trajectories of different lengths and particle
// counts, each with per-frame scalars, and returns the path and them.
func writeParticleFile(t *testing.T) (string, []*ParticleTrajectory) {
	t.Helper()
	path := tempFile(t, "particles.h5")
	f := mustCreate(t, path)
	var trs []*ParticleTrajectory
	for k, sz := range [][2]int{{6, 5}, {8, 3}, {6, 9}, {7, 1}} {
		tr := makeTrajectory(sz[0], sz[1], 2, 1, float32(10*k))
		tr.Scalars = map[string][]float64{"e": make([]float64, sz[0])}
		for i := range tr.Scalars["e"] {
			tr.Scalars["e"][i] = float64(100*k + i)
		}
		if _, err := AppendTrajectory(f, tr); err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, trs
}

// checkWindow compares a read trajectory with frames [t0, t1) of want.
func checkWindow(t *testing.T, got, want *ParticleTrajectory, t0, t1 int) {
	t.Helper()
	per := want.Particles * want.Dim
	switch {
	case got.FirstFrame != t0 || got.Frames != t1-t0 || got.Particles != want.Particles || got.Dim != want.Dim:
		t.Fatalf("frames %d from %d, %d particles in %d-D; want %d from %d, %d in %d-D",
			got.Frames, got.FirstFrame, got.Particles, got.Dim, t1-t0, t0, want.Particles, want.Dim)
	case !slices.Equal(got.Positions, want.Positions[t0*per:t1*per]):
		t.Fatalf("positions of frames [%d, %d) differ", t0, t1)
	case !slices.Equal(got.Features, want.Features):
		t.Fatalf("features %v, want %v", got.Features, want.Features)
	case !slices.Equal(got.Scalars["e"], want.Scalars["e"][t0:t1]):
		t.Fatalf("scalars %v, want %v", got.Scalars["e"], want.Scalars["e"][t0:t1])
	case got.Material != want.Material || got.Dt != want.Dt:
		t.Fatalf("material %q dt %v, want %q %v", got.Material, got.Dt, want.Material, want.Dt)
	}
}

func TestParticleSourceReadsWindows(t *testing.T) {
	path, trs := writeParticleFile(t)
	src, err := OpenParticleSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Samples() != len(trs) {
		t.Fatalf("Samples() = %d, want %d", src.Samples(), len(trs))
	}
	for i, sz := range src.Sizes() {
		if want := (TrajectorySize{trs[i].Frames, trs[i].Particles, 2, 1}); sz != want {
			t.Fatalf("Sizes()[%d] = %+v, want %+v", i, sz, want)
		}
	}
	cases := []struct {
		name   string
		t0, t1 int    // SetFrames; (0, 0) is every frame
		stops  [4]int // each trajectory's window end
		idx    []int  // the batch read
	}{
		{"whole trajectories", 0, 0, [4]int{6, 8, 6, 7}, []int{2, 0, 2, 3, 1}},
		{"all but the first frame", 1, 0, [4]int{6, 8, 6, 7}, []int{3, 1}},
		{"all but the last two", 0, -2, [4]int{4, 6, 4, 5}, []int{0, 1, 2, 3}},
		{"a fixed window", 2, 5, [4]int{5, 5, 5, 5}, []int{1}},
		{"the last frame", 5, 6, [4]int{6, 6, 6, 6}, []int{0, 3}},
		{"an empty batch", 0, 0, [4]int{6, 8, 6, 7}, []int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := src.SetFrames(c.t0, c.t1); err != nil {
				t.Fatal(err)
			}
			b, err := src.Read(c.idx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.Index, c.idx) || len(b.Trajectories) != len(c.idx) {
				t.Fatalf("Index %v with %d trajectories, want %v", b.Index, len(b.Trajectories), c.idx)
			}
			if b.Input != nil || b.Target != nil || b.Mesh != nil || b.NodeFields != nil {
				t.Fatal("a particle batch set grid or mesh fields")
			}
			for k, i := range c.idx {
				checkWindow(t, b.Trajectories[k], trs[i], c.t0, c.stops[i])
			}
		})
	}
}

func TestParticleSourceRefuses(t *testing.T) {
	path, _ := writeParticleFile(t)
	src, err := OpenParticleSource(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.SetFrames(1, 4); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		t0, t1   int
		mentions []string
	}{
		{0, 7, []string{"frames [0, 7)", "trajectory 0 holds 6 frames", "/trajectories/000000/positions"}},
		{5, -1, []string{"frames [5, 5)", "trajectory 0 holds 6"}},
		{-1, 0, []string{"frames [-1, 6)"}},
		{3, 3, []string{"frames [3, 3)"}},
		{0, -7, []string{"frames [0, -1)"}},
	} {
		err := src.SetFrames(w.t0, w.t1)
		if !errors.Is(err, ErrRange) {
			t.Fatalf("SetFrames(%d, %d) = %v, want ErrRange", w.t0, w.t1, err)
		}
		assertMentions(t, err, append(w.mentions, path)...)
	}
	b, err := src.Read([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	if tr := b.Trajectories[0]; tr.FirstFrame != 1 || tr.Frames != 3 {
		t.Fatalf("after refused windows, frames %d from %d: want the previous window [1, 4)", tr.Frames, tr.FirstFrame)
	}
	for _, idx := range [][]int{{4}, {0, -1}} {
		_, err := src.Read(idx)
		if !errors.Is(err, ErrRange) {
			t.Fatalf("Read(%v) = %v, want ErrRange", idx, err)
		}
		assertMentions(t, err, "holds 4 (0 to 3)")
	}
	prev := SetReadLimit(2 * (3*9*2 + 9) * 4)
	if _, err := src.Read([]int{2, 2}); err != nil {
		t.Errorf("a batch at the read limit: %v", err)
	}
	_, err = src.Read([]int{2, 2, 2})
	SetReadLimit(prev)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a batch over the read limit: %v, want ErrTooLarge", err)
	}
	assertMentions(t, err, "a batch of 3 trajectories")
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read([]int{0}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if err := src.SetFrames(0, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetFrames after Close = %v, want ErrClosed", err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.h5")
	f := mustCreate(t, empty)
	if err := Write(f.Group, "u", []int{2, 3}, ramp[float32](6), nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	nan := filepath.Join(dir, "nan.h5")
	f = mustCreate(t, nan)
	pos := ramp[float32](3 * 4 * 2)
	pos[(2*4+1)*2] = float32(math.NaN())
	if err := Write(f.Group, "trajectories/000000/positions", []int{3, 4, 2}, pos, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenParticleSource(empty); !errors.Is(err, ErrLayout) {
		t.Errorf("a file without trajectories: %v, want ErrLayout", err)
	} else {
		assertMentions(t, err, "holds no particle trajectories", empty)
	}
	if _, err := OpenParticleSource(filepath.Join(dir, "missing.h5")); err == nil {
		t.Error("a missing file opened")
	}
	src, err = OpenParticleSource(nan)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Read([]int{0}); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("Read of a NaN position = %v, want ErrNonFinite", err)
	} else {
		assertMentions(t, err, "frame 2", "particle 1")
	}
	if err := src.SetFrames(0, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read([]int{0}); err != nil {
		t.Fatalf("frames before the NaN: %v", err)
	}
}

func TestParticleSourceStreams(t *testing.T) {
	path, trs := writeParticleFile(t)
	src, err := OpenParticleSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	batches := [][]int{{3, 2}, {1}, {0, 1, 2, 3}}
	st := NewStream(ctx, src, batches, 2)
	defer st.Close()
	for _, idx := range batches {
		b, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, i := range idx {
			checkWindow(t, b.Trajectories[k], trs[i], 0, trs[i].Frames)
		}
	}
	if _, err := st.Next(ctx); err != io.EOF {
		t.Fatalf("Next after the last batch = %v, want io.EOF", err)
	}
}

func TestParticleSourceSlidingWindows(t *testing.T) {
	path, trs := writeParticleFile(t) // 6, 8, 6 and 7 frames
	src, err := OpenParticleSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.SetWindows(4, 2); err != nil {
		t.Fatal(err)
	}
	// Windows start at 0, 2, ... while 4 frames fit: 2, 3, 2 and 2.
	wantStarts := [][]int{{0, 2}, {0, 2, 4}, {0, 2}, {0, 2}}
	if got := src.Samples(); got != 9 {
		t.Fatalf("%d samples, want 9", got)
	}
	i := 0
	for k, starts := range wantStarts {
		lo, hi := src.TrajectoryWindows(k)
		if lo != i || hi != i+len(starts) {
			t.Fatalf("trajectory %d: windows [%d, %d), want [%d, %d)", k, lo, hi, i, i+len(starts))
		}
		for _, t0 := range starts {
			b, err := src.Read([]int{i})
			if err != nil {
				t.Fatal(err)
			}
			checkWindow(t, b.Trajectories[0], trs[k], t0, t0+4)
			if gk, gt := src.WindowOf(i); gk != k || gt != t0 {
				t.Fatalf("WindowOf(%d) = %d, %d; want %d, %d", i, gk, gt, k, t0)
			}
			i++
		}
	}
	if _, err := src.Read([]int{9}); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), "window 9 requested") {
		t.Fatalf("window past the end: %v", err)
	}
	if err := src.SetWindows(7, 1); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), "trajectory 0 holds 6 frames") {
		t.Fatalf("window longer than a trajectory: %v", err)
	}
	if err := src.SetWindows(2, 0); !errors.Is(err, ErrRange) {
		t.Fatalf("windows every 0 frames: %v", err)
	}
	if src.Samples() != 9 {
		t.Fatal("a refused SetWindows changed the windows")
	}
	if err := src.SetWindows(0, 0); err != nil || src.Samples() != 4 || src.Trajectories() != 4 {
		t.Fatalf("back to trajectories: %v, %d samples", err, src.Samples())
	}
}
