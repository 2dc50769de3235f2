package datasets

import (
	"fmt"
	"slices"
	"sync"
)

var _ Source = (*ParticleSource)(nil)

// ParticleSource reads particle trajectories (the layout of particles.go)
// by index, a batch at a time: Read returns Batch{Index, Trajectories},
// each trajectory read with ReadTrajectoryFrames, so only the frames of
// the window are decoded. The number of particles may differ between the
// trajectories of a batch. Read, SetFrames and Close may be called from
// several goroutines (one at a time).
type ParticleSource struct {
	mu     sync.Mutex
	file   *File
	sizes  []TrajectorySize
	t0, t1 int // the frame window; t1 <= 0 counts from each trajectory's end
}

// OpenParticleSource opens path, which must hold at least one particle
// trajectory, and reads every trajectory's shape (no values); the file
// stays open until Close. Reads return whole trajectories until SetFrames.
func OpenParticleSource(path string) (*ParticleSource, error) {
	if err := Preflight(path); err != nil {
		return nil, err
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	s := &ParticleSource{file: f}
	if s.sizes, err = TrajectorySizes(f); err != nil {
		f.Close()
		return nil, err
	}
	if len(s.sizes) == 0 {
		f.Close()
		return nil, newErr("read", path, "/"+keyTrajectories, ErrLayout, "holds no particle trajectories (expected groups 000000, 000001, ... under /%s; docs/DATA.md)", keyTrajectories)
	}
	return s, nil
}

// Samples is the number of trajectories.
func (s *ParticleSource) Samples() int { return len(s.sizes) }

// Sizes returns every trajectory's frames, particles, dimension and
// feature count, as stored.
func (s *ParticleSource) Sizes() []TrajectorySize { return slices.Clone(s.sizes) }

// File is the open file.
func (s *ParticleSource) File() *File { return s.file }

// SetFrames makes later reads return frames [t0, t1) of every trajectory,
// with FirstFrame t0. A t1 of 0 or below counts from each trajectory's
// end, so trajectories of different lengths share a window: (0, 0) is
// every frame, (1, 0) all but the first, (0, -1) all but the last. A
// window that some trajectory cannot hold is refused (ErrRange, naming
// it) and the previous window kept.
func (s *ParticleSource) SetFrames(t0, t1 int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return fmt.Errorf("datasets: set the frames of a closed particle source: %w", ErrClosed)
	}
	for i, sz := range s.sizes {
		if stop := windowStop(t1, sz.Frames); t0 < 0 || stop <= t0 || stop > sz.Frames {
			return newErr("read", s.file.Name(), trajectoryPath(i)+"/"+keyPositions, ErrRange,
				"frames [%d, %d) requested of every trajectory (from SetFrames(%d, %d)); trajectory %d holds %d frames",
				t0, stop, t0, t1, i, sz.Frames)
		}
	}
	s.t0, s.t1 = t0, t1
	return nil
}

// windowStop resolves a window's end for a trajectory of frames frames.
func windowStop(t1, frames int) int {
	if t1 <= 0 {
		return frames + t1
	}
	return t1
}

// Close closes the file.
func (s *ParticleSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Read returns the trajectories idx (frames of the window set by
// SetFrames), in idx's order. It refuses an index outside [0, Samples())
// (ErrRange) and a batch whose positions and features would exceed
// ReadLimit (ErrTooLarge, before reading), besides what
// ReadTrajectoryFrames refuses.
func (s *ParticleSource) Read(idx []int) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil, fmt.Errorf("datasets: read from a closed particle source: %w", ErrClosed)
	}
	total := 0
	for _, i := range idx {
		if i < 0 || i >= len(s.sizes) {
			return nil, newErr("read", s.file.Name(), "/"+keyTrajectories, ErrRange,
				"trajectory %d requested, the file holds %d (0 to %d)", i, len(s.sizes), len(s.sizes)-1)
		}
		sz := s.sizes[i]
		total += (windowStop(s.t1, sz.Frames)-s.t0)*sz.Particles*sz.Dim + sz.Particles*sz.FeatureDim
	}
	what := fmt.Sprintf("a batch of %d trajectories", len(idx))
	if err := checkBuffer(s.file.Name(), "/"+keyTrajectories, what, total, 4); err != nil {
		return nil, err
	}
	b := &Batch{Index: slices.Clone(idx), Trajectories: make([]*ParticleTrajectory, len(idx))}
	for k, i := range idx {
		tr, err := ReadTrajectoryFrames(s.file, i, s.t0, windowStop(s.t1, s.sizes[i].Frames))
		if err != nil {
			return nil, err
		}
		b.Trajectories[k] = tr
	}
	return b, nil
}
