package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/surrogo/surrogo/tensor"
)

// Batch is a set of samples read from a source, with named fields. Which
// fields are set depends on what the source holds:
//
//	regular grids  Input [B, s..., Cin] and Target [B, s..., Cout]
//	particle sets  Trajectories, one per sample (N varies between them)
//	meshes         Mesh (shared by the batch) and NodeFields [B, N, F]
//
// Index lists the samples' positions in the source, in the batch's order.
type Batch struct {
	Index []int

	Input, Target *tensor.Tensor[float32]

	Trajectories []*ParticleTrajectory

	Mesh       *Mesh
	NodeFields *tensor.Tensor[float32]
}

// Len is the number of samples in the batch.
func (b *Batch) Len() int { return len(b.Index) }

// Source reads samples by index from a file, a batch at a time, so that
// training holds one batch (and the one prefetched) rather than the whole
// dataset. Read is safe to call from one goroutine at a time.
type Source interface {
	Samples() int
	Read(idx []int) (*Batch, error)
	Close() error
}

// GridTask says which stored frames of a regular-grid dataset make one
// sample's input and target.
//
// A map takes frame InputFrame to frame TargetFrame (negative counts from
// the end: -1 is the last). Darcy's two frames are the coefficient nu
// (frame 0) and the solution (frame 1).
//
// A rollout (Rollout true) takes In consecutive frames to the Out frames
// after them, starting at frame Start and taking every Stride-th stored
// frame. Frames become channels, frame-major: channel j*C + c is variable
// c of frame j, so a one-variable field's channels are its frames.
//
// With Windows, a rollout reads every window of a trajectory: the window
// starts at Start + w*WindowEvery for w = 0, 1, ... while it fits, and
// sample i of the source is window i % W of trajectory i / W (W windows
// per trajectory, WindowsPerTrajectory). Without it each trajectory is one
// sample, its window at Start.
type GridTask struct {
	Rollout     bool
	In, Out     int
	Start       int
	Stride      int // default 1
	Windows     bool
	WindowEvery int // stored frames between window starts (default 1)
	InputFrame  int
	TargetFrame int
	// Subsample keeps every k-th point on each spatial axis (default 1).
	Subsample int
	// Variables are the CFD layout's variables read as channels, in order
	// (default: all stored, in CFDFields order).
	Variables []string
}

// GridSource reads input/target pairs of a regular-grid dataset in one of
// the PDEBench layouts (tensor, Darcy, per-sample groups, CFD) by
// hyperslab: a batch reads only its samples' frames. Read and Close may
// be called from several goroutines (one read at a time).
type GridSource struct {
	mu       sync.Mutex // Read's buffers: one reader at a time
	file     *File
	layout   Layout
	task     GridTask
	fields   []*Dataset // tensor: [tensor]; Darcy: [nu, tensor]; CFD: the variables
	groups   []string   // per-sample groups: their names, sorted
	samples  int        // trajectories (samples of the file)
	windows  int        // windows per trajectory (1 unless task.Windows)
	frames   int
	stored   []int // the stored grid
	spatial  []int // the grid after subsampling
	channels int   // variables per frame
	frame    []float32
	part     []float32
}

// OpenGridSource checks path with Preflight, opens it and hands it to
// NewGridSource; the file stays open until Close.
func OpenGridSource(path string, task GridTask) (*GridSource, error) {
	if err := Preflight(path); err != nil {
		return nil, err
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	s, err := NewGridSource(f, task)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// NewGridSource reads the open file f, which must hold a regular-grid
// layout with the frames task needs. The source owns f from then on (its
// Close closes f); on error the caller keeps it.
func NewGridSource(f *File, task GridTask) (*GridSource, error) {
	s := &GridSource{file: f, task: task}
	if s.task.Stride == 0 {
		s.task.Stride = 1
	}
	if s.task.Subsample == 0 {
		s.task.Subsample = 1
	}
	if s.task.WindowEvery == 0 {
		s.task.WindowEvery = 1
	}
	if err := s.open(); err != nil {
		for _, d := range s.fields {
			d.Close()
		}
		return nil, err
	}
	return s, nil
}

// open detects the layout and opens its field datasets.
func (s *GridSource) open() error {
	layout, err := DetectLayout(s.file)
	if err != nil {
		return err
	}
	s.layout = layout
	switch layout {
	case LayoutTensor:
		err = s.openFields(keyTensor)
	case LayoutDarcy:
		err = s.openDarcy()
	case LayoutCFD:
		err = s.openCFD()
	case LayoutSampleGroups:
		err = s.openGroups()
	default:
		return newErr("read", s.file.name, "/", ErrLayout,
			"holds no regular-grid layout (expected /tensor, /tensor + /nu, /density + /Vx..., or groups 0000, 0001, ...; docs/DATA.md)")
	}
	if err != nil {
		return err
	}
	if s.samples < 1 {
		return newErr("read", s.file.name, "/", ErrLayout, "holds no samples (layout %s)", layout)
	}
	if s.layout != LayoutSampleGroups {
		// The grid axes must fit the fields (readCoords checks each
		// present axis: length, finite, strictly monotonic).
		dims := append([]int{s.frames}, s.stored...)
		if s.layout == LayoutDarcy {
			dims[0] = -1 // steady: no time axis to check, as ReadDarcy
		}
		if _, err := readCoords(s.file, s.objectName(), dims); err != nil {
			return err
		}
	}
	if err := s.checkTask(); err != nil {
		return err
	}
	s.spatial = make([]int, len(s.stored))
	for i, n := range s.stored {
		s.spatial[i] = (n + s.task.Subsample - 1) / s.task.Subsample
	}
	per := elements(append(s.StoredGrid(), s.channels))
	if err := checkBuffer(s.file.name, s.objectName(), fmt.Sprintf("one frame of shape %v with %d variables", s.stored, s.channels), per, 8); err != nil {
		return err
	}
	s.frame, s.part = make([]float32, per), make([]float32, elements(s.stored))
	return nil
}

// openFields opens time-dependent fields [N, T, s...] of one shape.
func (s *GridSource) openFields(names ...string) error {
	for _, name := range names {
		d, err := s.file.OpenDataset(name)
		if err != nil {
			return err
		}
		s.fields = append(s.fields, d)
		if err := checkField(d, 3, 5, axesTimeField); err != nil {
			return err
		}
		if first := s.fields[0]; !slices.Equal(d.shape, first.shape) {
			return newErr("read", s.file.name, d.path, ErrLayout, "has shape %v, expected %v as %s", d.shape, first.shape, first.path)
		}
	}
	sh := s.fields[0].shape
	s.samples, s.frames, s.stored, s.channels = sh[0], sh[1], slices.Clone(sh[2:]), len(names)
	return nil
}

func (s *GridSource) openDarcy() error {
	for _, name := range []string{keyNu, keyTensor} {
		d, err := s.file.OpenDataset(name)
		if err != nil {
			return err
		}
		s.fields = append(s.fields, d)
	}
	nu, u := s.fields[0], s.fields[1]
	if err := checkField(u, 4, 4, axesDarcyU); err != nil {
		return err
	}
	if err := checkField(nu, 3, 3, axesDarcyNu); err != nil {
		return err
	}
	us, ns := u.shape, nu.shape
	if us[1] != 1 {
		return newErr("read", s.file.name, u.path, ErrLayout,
			"has shape %v: %d values on its second axis, expected %s (one steady solution per sample)", us, us[1], axesDarcyU)
	}
	if ns[0] != us[0] || ns[1] != us[2] || ns[2] != us[3] {
		return newErr("read", s.file.name, nu.path, ErrLayout, "has shape %v, expected [%d %d %d] to match %s %v", ns, us[0], us[2], us[3], u.path, us)
	}
	s.samples, s.frames, s.stored, s.channels = us[0], 2, slices.Clone(us[2:]), 1
	return nil
}

func (s *GridSource) openCFD() error {
	vars := s.task.Variables
	if len(vars) == 0 {
		for _, v := range CFDFields {
			if s.file.Kind(v) == KindDataset {
				vars = append(vars, v)
			}
		}
	}
	for _, v := range vars {
		if !slices.Contains(CFDFields, v) {
			return newErr("read", s.file.name, "/"+v, ErrArgument, "is not a CFD variable (expected some of %s)", strings.Join(CFDFields, ", "))
		}
	}
	return s.openFields(vars...)
}

func (s *GridSource) openGroups() error {
	names, err := SampleGroupNames(s.file)
	if err != nil {
		return err
	}
	for _, name := range names {
		d, err := s.file.OpenDataset(name + "/data")
		if err != nil {
			return err
		}
		err = checkField(d, 3, 5, axesSampleGroup)
		shape := d.shape
		d.Close()
		if err != nil {
			return err
		}
		if s.groups == nil {
			s.frames, s.stored, s.channels = shape[0], slices.Clone(shape[1:len(shape)-1]), shape[len(shape)-1]
		} else if want := append(append([]int{s.frames}, s.stored...), s.channels); !slices.Equal(shape, want) {
			return newErr("read", s.file.name, "/"+name+"/data", ErrLayout, "has shape %v, expected %v as /%s/data", shape, want, s.groups[0])
		}
		s.groups = append(s.groups, name)
	}
	s.samples = len(s.groups)
	return nil
}

// checkTask verifies that the frames the task names exist.
func (s *GridSource) checkTask() error {
	t := s.task
	obj := s.objectName()
	if t.Subsample < 1 || t.Stride < 1 {
		return newErr("read", s.file.name, obj, ErrArgument, "subsample %d and stride %d must be at least 1", t.Subsample, t.Stride)
	}
	if t.Rollout {
		if s.layout == LayoutDarcy {
			return newErr("read", s.file.name, obj, ErrLayout, "holds steady Darcy solutions: a rollout needs time-dependent fields")
		}
		last := t.Start + (t.In+t.Out-1)*t.Stride
		if t.In < 1 || t.Out < 1 || t.Start < 0 || last >= s.frames {
			return newErr("read", s.file.name, obj, ErrLayout,
				"stores %d frames per sample; the rollout needs %d input + %d target frames from frame %d every %d (up to frame %d)",
				s.frames, t.In, t.Out, t.Start, t.Stride, last)
		}
		s.windows = 1
		if t.Windows {
			if t.WindowEvery < 1 {
				return newErr("read", s.file.name, obj, ErrArgument, "window starts every %d frames, expected at least 1", t.WindowEvery)
			}
			s.windows = (s.frames-1-last)/t.WindowEvery + 1
		}
		return nil
	}
	if t.Windows {
		return newErr("read", s.file.name, obj, ErrArgument, "windows need a rollout task")
	}
	s.windows = 1
	for _, fr := range []int{t.InputFrame, t.TargetFrame} {
		if fr < -s.frames || fr >= s.frames {
			return newErr("read", s.file.name, obj, ErrLayout, "stores %d frames per sample, frame %d does not exist (0 to %d, or -1 for the last)",
				s.frames, fr, s.frames-1)
		}
	}
	return nil
}

// objectName names the source's data in errors.
func (s *GridSource) objectName() string {
	if len(s.fields) > 0 {
		return s.fields[len(s.fields)-1].path
	}
	if len(s.groups) > 0 {
		return "/" + s.groups[0] + "/data"
	}
	return "/"
}

// Layout is the file's PDEBench layout.
func (s *GridSource) Layout() Layout { return s.layout }

// File is the open file, for its attributes.
func (s *GridSource) File() *File { return s.file }

// Samples is the number of samples the source reads: trajectories times
// WindowsPerTrajectory.
func (s *GridSource) Samples() int { return s.samples * s.windows }

// Trajectories is the number of samples the file stores.
func (s *GridSource) Trajectories() int { return s.samples }

// WindowsPerTrajectory is the number of rollout windows read from each
// stored trajectory (1 unless GridTask.Windows).
func (s *GridSource) WindowsPerTrajectory() int { return s.windows }

// Frames is the number of stored frames per sample (2 for Darcy: nu, u).
func (s *GridSource) Frames() int { return s.frames }

// StoredGrid is the stored spatial grid.
func (s *GridSource) StoredGrid() []int { return slices.Clone(s.stored) }

// Spatial is the grid of the samples Read returns (after subsampling).
func (s *GridSource) Spatial() []int { return slices.Clone(s.spatial) }

// Variables is the number of stored variables per frame.
func (s *GridSource) Variables() int { return s.channels }

// InChannels and OutChannels are the channels of a sample's input and
// target.
func (s *GridSource) InChannels() int {
	if s.task.Rollout {
		return s.task.In * s.channels
	}
	return s.channels
}

// OutChannels is the channels of a sample's target.
func (s *GridSource) OutChannels() int {
	if s.task.Rollout {
		return s.task.Out * s.channels
	}
	return s.channels
}

// Close closes the file.
func (s *GridSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.fields {
		d.Close()
	}
	s.fields = nil
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Read returns the samples idx: Input [B, s..., Cin], Target
// [B, s..., Cout] on the subsampled grid. Values that are NaN or infinite
// are refused, naming the sample, frame and dataset.
func (s *GridSource) Read(idx []int) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil, fmt.Errorf("datasets: read from a closed grid source: %w", ErrClosed)
	}
	inFrames, outFrames := s.taskFrames(0)
	pts := tensor.Size(s.spatial)
	cin, cout := len(inFrames)*s.channels, len(outFrames)*s.channels
	what := fmt.Sprintf("a batch of %d samples of %d points with %d input and %d target channels", len(idx), pts, cin, cout)
	if err := checkBuffer(s.file.name, s.objectName(), what, elements([]int{len(idx), pts, cin + cout}), 4); err != nil {
		return nil, err
	}
	b := &Batch{Index: slices.Clone(idx),
		Input:  tensor.New[float32](append(append([]int{len(idx)}, s.spatial...), cin)...),
		Target: tensor.New[float32](append(append([]int{len(idx)}, s.spatial...), cout)...)}
	for k, i := range idx {
		if n := s.samples * s.windows; i < 0 || i >= n {
			return nil, newErr("read", s.file.name, s.objectName(), ErrRange, "sample %d requested, the source holds %d (0 to %d)", i, n, n-1)
		}
		traj := i / s.windows
		if s.windows > 1 {
			inFrames, outFrames = s.taskFrames((i % s.windows) * s.task.WindowEvery)
		}
		if err := s.readFrames(traj, inFrames, b.Input.Data()[k*pts*cin:(k+1)*pts*cin]); err != nil {
			return nil, err
		}
		if err := s.readFrames(traj, outFrames, b.Target.Data()[k*pts*cout:(k+1)*pts*cout]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// taskFrames lists the stored frames of a sample's input and target, a
// rollout's window shifted by offset frames.
func (s *GridSource) taskFrames(offset int) (in, out []int) {
	t := s.task
	if !t.Rollout {
		abs := func(fr int) int {
			if fr < 0 {
				return s.frames + fr
			}
			return fr
		}
		return []int{abs(t.InputFrame)}, []int{abs(t.TargetFrame)}
	}
	for j := 0; j < t.In+t.Out; j++ {
		fr := t.Start + offset + j*t.Stride
		if j < t.In {
			in = append(in, fr)
		} else {
			out = append(out, fr)
		}
	}
	return in, out
}

// readFrames reads the frames of sample i, subsampled, into dst laid out
// [s..., len(frames) * C] frame-major in the channels.
func (s *GridSource) readFrames(i int, frames []int, dst []float32) error {
	nch := len(frames) * s.channels
	for j, fr := range frames {
		if err := s.readFrame(i, fr); err != nil {
			return err
		}
		s.subsampleInto(dst, nch, j*s.channels)
	}
	return nil
}

// readFrame reads frame fr of sample i at the stored resolution into
// s.frame, [stored..., C].
func (s *GridSource) readFrame(i, fr int) error {
	rank := len(s.stored)
	switch s.layout {
	case LayoutSampleGroups:
		d, err := s.file.OpenDataset(s.groups[i] + "/data")
		if err != nil {
			return err
		}
		defer d.Close()
		start := make([]int, rank+2)
		start[0] = fr
		count := append(append([]int{1}, s.stored...), s.channels)
		if err := ReadSlab(d, start, count, s.frame); err != nil {
			return err
		}
		return checkFrame(d, s.frame, i, fr)
	case LayoutDarcy:
		d := s.fields[fr] // nu [N, X, Y], then the solution [N, 1, X, Y]
		start, count := make([]int, d.Rank()), make([]int, d.Rank())
		start[0] = i
		for a := range count {
			count[a] = 1
		}
		copy(count[d.Rank()-rank:], s.stored)
		if err := ReadSlab(d, start, count, s.frame); err != nil {
			return err
		}
		return checkFrame(d, s.frame, i, fr)
	}
	start := make([]int, rank+2)
	start[0], start[1] = i, fr
	count := append([]int{1, 1}, s.stored...)
	for c, d := range s.fields {
		buf := s.frame
		if s.channels > 1 {
			buf = s.part
		}
		if err := ReadSlab(d, start, count, buf); err != nil {
			return err
		}
		if err := checkFrame(d, buf, i, fr); err != nil {
			return err
		}
		if s.channels > 1 {
			for p, v := range buf {
				s.frame[p*s.channels+c] = v
			}
		}
	}
	return nil
}

// checkFrame refuses a frame holding NaN or infinite values, naming how
// many, the sample, the frame and the first one's position (data is one
// frame of shape [s..., C] when read as a whole).
func checkFrame(d *Dataset, data []float32, sample, frame int) error {
	bad, at := 0, -1
	for p, v := range data {
		if v == v && v <= math.MaxFloat32 && v >= -math.MaxFloat32 {
			continue
		}
		if bad++; at < 0 {
			at = p
		}
	}
	if at < 0 {
		return nil
	}
	return newErr("read", d.f.name, d.path, ErrNonFinite, "sample %d, frame %d holds %d NaN or infinite values, the first (%v) at value %d of %d",
		sample, frame, bad, data[at], at, len(data))
}

// subsampleInto copies every Subsample-th point of s.frame ([stored...,
// C]) into dst ([spatial..., nch]) at channels off..off+C.
func (s *GridSource) subsampleInto(dst []float32, nch, off int) {
	k, c := s.task.Subsample, s.channels
	rank := len(s.stored)
	pos := make([]int, rank) // index on the subsampled grid
	for p := 0; p < tensor.Size(s.spatial); p++ {
		src := 0
		for a := 0; a < rank; a++ {
			src = src*s.stored[a] + pos[a]*k
		}
		copy(dst[p*nch+off:p*nch+off+c], s.frame[src*c:(src+1)*c])
		for a := rank - 1; a >= 0; a-- {
			if pos[a]++; pos[a] < s.spatial[a] {
				break
			}
			pos[a] = 0
		}
	}
}
