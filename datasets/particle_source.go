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
	// Sliding windows (SetWindows): sample i is window i - starts[k] of
	// trajectory k, where starts[k] <= i < starts[k+1]; nil: one sample
	// per trajectory.
	windowLen, windowEvery int
	starts                 []int
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

// Samples is the number of trajectories, or of windows after SetWindows.
func (s *ParticleSource) Samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.starts != nil {
		return s.starts[len(s.starts)-1]
	}
	return len(s.sizes)
}

// Trajectories is the number of trajectories in the file.
func (s *ParticleSource) Trajectories() int { return len(s.sizes) }

// SetWindows makes every sample a window of length consecutive frames:
// the windows of trajectory k start at frames 0, every, 2 every, ... while
// they fit, and are samples TrajectoryWindows(k) of the source, in order
// (trajectory 0's first). Reads then return Batch.Trajectories holding
// one window each (FirstFrame its start). A trajectory shorter than length
// is refused (ErrRange, naming it); length 0 goes back to one sample per
// trajectory and the frame window of SetFrames.
func (s *ParticleSource) SetWindows(length, every int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return fmt.Errorf("datasets: set the windows of a closed particle source: %w", ErrClosed)
	}
	if length == 0 {
		s.windowLen, s.windowEvery, s.starts = 0, 0, nil
		return nil
	}
	if length < 1 || every < 1 {
		return newErr("read", s.file.Name(), "/"+keyTrajectories, ErrRange,
			"windows of %d frames every %d frames requested; both must be at least 1", length, every)
	}
	starts := make([]int, len(s.sizes)+1)
	for k, sz := range s.sizes {
		if sz.Frames < length {
			return newErr("read", s.file.Name(), trajectoryPath(k)+"/"+keyPositions, ErrRange,
				"windows of %d frames requested; trajectory %d holds %d frames", length, k, sz.Frames)
		}
		starts[k+1] = starts[k] + (sz.Frames-length)/every + 1
	}
	s.windowLen, s.windowEvery, s.starts = length, every, starts
	return nil
}

// TrajectoryWindows returns the samples [lo, hi) that are trajectory k's
// windows (SetWindows), or [k, k+1) without windows.
func (s *ParticleSource) TrajectoryWindows(k int) (lo, hi int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.starts == nil {
		return k, k + 1
	}
	return s.starts[k], s.starts[k+1]
}

// WindowOf returns the trajectory and the first frame of sample i: a
// window after SetWindows, else trajectory i from the SetFrames window's
// start.
func (s *ParticleSource) WindowOf(i int) (trajectory, start int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, t0, _ := s.frames(i)
	return k, t0
}

// frames returns the trajectory and frames [t0, t1) that sample i reads.
func (s *ParticleSource) frames(i int) (k, t0, t1 int) {
	if s.starts == nil {
		return i, s.t0, windowStop(s.t1, s.sizes[i].Frames)
	}
	// Every trajectory has a window (SetWindows), so starts increases.
	k, found := slices.BinarySearch(s.starts, i)
	if !found {
		k--
	}
	t0 = (i - s.starts[k]) * s.windowEvery
	return k, t0, t0 + s.windowLen
}

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
// SetFrames), or the windows idx after SetWindows, in idx's order. It refuses an index outside [0, Samples())
// (ErrRange) and a batch whose positions and features would exceed
// ReadLimit (ErrTooLarge, before reading), besides what
// ReadTrajectoryFrames refuses.
func (s *ParticleSource) Read(idx []int) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil, fmt.Errorf("datasets: read from a closed particle source: %w", ErrClosed)
	}
	total, n, what, whats := 0, len(s.sizes), "trajectory", "trajectories"
	if s.starts != nil {
		n, what, whats = s.starts[len(s.starts)-1], "window", "windows"
	}
	for _, i := range idx {
		if i < 0 || i >= n {
			return nil, newErr("read", s.file.Name(), "/"+keyTrajectories, ErrRange,
				"%s %d requested, the file holds %d (0 to %d)", what, i, n, n-1)
		}
		k, t0, t1 := s.frames(i)
		sz := s.sizes[k]
		total += (t1-t0)*sz.Particles*sz.Dim + sz.Particles*sz.FeatureDim
	}
	batch := fmt.Sprintf("a batch of %d %s", len(idx), whats)
	if err := checkBuffer(s.file.Name(), "/"+keyTrajectories, batch, total, 4); err != nil {
		return nil, err
	}
	b := &Batch{Index: slices.Clone(idx), Trajectories: make([]*ParticleTrajectory, len(idx))}
	for j, i := range idx {
		k, t0, t1 := s.frames(i)
		tr, err := ReadTrajectoryFrames(s.file, k, t0, t1)
		if err != nil {
			return nil, err
		}
		b.Trajectories[j] = tr
	}
	return b, nil
}
