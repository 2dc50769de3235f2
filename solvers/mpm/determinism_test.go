package mpm

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// randomScene returns 2-D sand with 2-4 random jittered bodies under
// gravity at a high sampling density.
func randomScene() Params {
	p := Params{Dim: 2, Cells: 48, Length: 1, Gravity: []float64{0, -9.8}, ParticlesPerCell: 9,
		Material: Material{Kind: Sand, E: 2e4, Nu: 0.3, Rho: 100, FrictionAngle: 30},
		Scene:    Scene{MinBodies: 2, MaxBodies: 4, MinSize: 0.08, MaxSize: 0.15, MaxLinearSpeed: 2, MaxAngularSpeed: 3, Jitter: 0.5}}
	p.Dt = p.MaxStableDt()
	return p
}

// TestSamplesDependOnlyOnSeedAndIndex: sample i is the same drawn alone
// or after others, and differs from sample j and from another seed.
func TestSamplesDependOnlyOnSeedAndIndex(t *testing.T) {
	p := randomScene()
	alone, err := p.Sample(11, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := p.Sample(11, i); err != nil {
			t.Fatal(err)
		}
	}
	again, _ := p.Sample(11, 3)
	other, _ := p.Sample(11, 4)
	reseeded, _ := p.Sample(12, 3)
	if !slices.Equal(alone.X, again.X) || !slices.Equal(alone.V, again.V) || !slices.Equal(alone.Body, again.Body) {
		t.Error("sample 3 differs when drawn after samples 0-2")
	}
	if slices.Equal(alone.X, other.X) || slices.Equal(alone.X, reseeded.X) {
		t.Error("samples of another index or seed equal sample 3")
	}
	bodies := int(slices.Max(alone.Body)) + 1
	t.Logf("sample 3: %d particles in %d bodies", alone.Len(), bodies)
	if bodies < 2 || bodies > 4 {
		t.Errorf("sample 3 has %d bodies, want 2-4", bodies)
	}
}

// TestDeterministicAcrossWorkers: a trajectory is bitwise identical with
// 1, 2 and 4 workers (the coloured scatter sums in a fixed order). The
// scene is dense enough (16 particles per cell) for parallel.For to split
// the scatter of each colour.
func TestDeterministicAcrossWorkers(t *testing.T) {
	p := randomScene()
	p.Cells, p.ParticlesPerCell = 64, 16
	p.Scene.MinSize, p.Scene.MaxSize = 0.12, 0.2
	p.Dt = p.MaxStableDt()
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	var first [][]float32
	for _, w := range []int{1, 2, 4} {
		parallel.SetWorkers(w)
		st, err := p.Sample(5, 0)
		if err != nil {
			t.Fatal(err)
		}
		frames, err := Simulate(context.Background(), p, st, 3, 20)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = frames
			t.Logf("%d particles, %d steps", st.Len(), 40)
			continue
		}
		for f := range frames {
			if !slices.Equal(frames[f], first[f]) {
				t.Errorf("%d workers: frame %d differs from 1 worker", w, f)
			}
		}
	}
}

// TestSimulateStops: a cancelled context stops the run, an unstable time
// step is reported with its step, and a state outside the box is refused.
func TestSimulateStops(t *testing.T) {
	p := randomScene()
	st, _ := p.Sample(1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Simulate(ctx, p, st.Clone(), 3, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	s, _ := New(p)
	s.p.Dt = 40 * p.Dt // past the limit Validate enforces
	if _, err := s.Run(context.Background(), st.Clone(), 50, 20); err == nil || !strings.Contains(err.Error(), "unstable at step") {
		t.Errorf("unstable run: %v", err)
	}
	bad := st.Clone()
	bad.X[1] = -0.5
	if _, err := Simulate(context.Background(), p, bad, 2, 1); err == nil || !strings.Contains(err.Error(), "particle 0 has coordinate 1") {
		t.Errorf("particle outside the box: %v", err)
	}
}

// TestStepDoesNotAllocate: after the first step on a state, steps allocate
// nothing (one worker).
func TestStepDoesNotAllocate(t *testing.T) {
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	for _, dim := range []int{2, 3} {
		p := spinningBody(dim, 32, materials()[3])
		st, _ := p.Sample(0, 0)
		s, _ := New(p)
		s.Step(st)
		if a := testing.AllocsPerRun(5, func() { s.Step(st) }); a != 0 {
			t.Errorf("%d-D: %v allocations per step", dim, a)
		}
	}
}
