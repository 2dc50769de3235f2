package experiments

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/tensor"
)

// gridData is the stored data a grid operator trains and is evaluated
// on: a source that reads input/target pairs a batch at a time (never the
// whole file), the grid the pairs are on, and the split.
type gridData struct {
	src     *datasets.GridSource
	spatial []int // the training grid: the stored grid subsampled
	nTrain  int   // the first nTrain samples train
	nTest   int   // the last nTest samples test
}

// openGridData opens the data file for pairs on the stored grid
// subsampled by sub. The file is checked against the configuration before
// anything is read (layout, rank, snapshots, grid: checkStoredGrid); the
// reads themselves refuse what would crash or mislead training (a shape
// beyond memory, storage never written, NaN or infinite values, integer
// fields, metadata libhdf5 crashes on), each error naming the file and
// dataset.
func openGridData(cfg *Config, sub int) (*gridData, error) {
	path := cfg.dataPath()
	// libhdf5 walks the file in a child process first: a damaged file on
	// which it crashes or loops is refused instead of killing this one.
	err := datasets.Preflight(path)
	var f *datasets.File
	if err == nil {
		f, err = datasets.Open(path)
	}
	if err != nil {
		if errors.Is(err, datasets.ErrNotFound) && cfg.ext == nil {
			return nil, fmt.Errorf("%w (run `simulate generate %s` first)", err, cfg.path)
		}
		return nil, err
	}
	d, err := newGridData(cfg, f, sub)
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

func newGridData(cfg *Config, f *datasets.File, sub int) (*gridData, error) {
	if cfg.ext != nil {
		return newFileGridData(cfg, f, sub)
	}
	if err := checkStoredGrid(cfg, f); err != nil {
		return nil, err
	}
	nTrain, nTest, err := split(cfg, f, storedSamples(f))
	if err != nil {
		return nil, err
	}
	src, err := datasets.NewGridSource(f, cfg.gridTask(sub))
	if err != nil {
		return nil, err
	}
	return &gridData{src: src, spatial: src.Spatial(), nTrain: nTrain, nTest: nTest}, nil
}

// newFileGridData opens data.file, which must still hold what it held
// when the configuration loaded (the split is the configuration's: the
// first data.train samples and the last data.test).
func newFileGridData(cfg *Config, f *datasets.File, sub int) (*gridData, error) {
	src, err := datasets.NewGridSource(f, cfg.gridTask(sub))
	if err != nil {
		return nil, err
	}
	e := cfg.ext
	if src.Layout() != e.layout || src.Trajectories() != e.samples || src.Frames() != e.frames || !slices.Equal(src.StoredGrid(), e.stored) {
		src.Close()
		return nil, fmt.Errorf("experiments: %s changed since the configuration was loaded (layout %s, %d samples of %d frames on %v; now %s, %d of %d on %v): %w",
			f.Name(), e.layout, e.samples, e.frames, e.stored, src.Layout(), src.Trajectories(), src.Frames(), src.StoredGrid(), datasets.ErrLayout)
	}
	return &gridData{src: src, spatial: src.Spatial(), nTrain: cfg.Data.Train, nTest: cfg.Data.Test}, nil
}

// storedSamples is the length of /tensor's leading axis (checkStoredGrid
// has opened it once already).
func storedSamples(f *datasets.File) int {
	d, err := f.OpenDataset("tensor")
	if err != nil {
		return 0
	}
	defer d.Close()
	return d.Len()
}

// gridTask says which stored frames are a sample's input and target: the
// first and last snapshots for a map (nu and the solution for Darcy), the
// first t_in frames and the t_out after them for a rollout.
func (c *Config) gridTask(sub int) datasets.GridTask {
	d := c.Data
	if c.ext == nil {
		d.InputFrame, d.TargetFrame, d.FrameStart, d.FrameStride = 0, -1, 0, 1
	}
	if c.Model.Task == "rollout" {
		return datasets.GridTask{Rollout: true, In: c.Model.TIn, Out: c.Model.TOut, Start: d.FrameStart, Stride: d.FrameStride,
			Windows: c.Train.Windows == "all", WindowEvery: c.Train.WindowEvery, Subsample: sub, Variables: d.Variables}
	}
	return datasets.GridTask{InputFrame: d.InputFrame, TargetFrame: d.TargetFrame, Subsample: sub, Variables: d.Variables}
}

// trainIndices are the training samples: the windows of the first nTrain
// trajectories of the file (one window each unless train.windows = all).
func (d *gridData) trainIndices() []int { return seq(0, d.nTrain*d.src.WindowsPerTrajectory()) }

// testIndices are the test samples: the windows of the last nTest
// trajectories of the file.
func (d *gridData) testIndices() []int {
	n := d.src.Samples()
	return seq(n-d.nTest*d.src.WindowsPerTrajectory(), n)
}

// variables is the number of fields per frame (the model's output
// channels per step).
func (d *gridData) variables() int { return d.src.Variables() }

func (d *gridData) Close() error { return d.src.Close() }

func seq(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}

// scanBatch is the number of samples read at a time by the passes over
// the data that fit the normalizers and check the test samples.
const scanBatch = 64

// fitNormalizers streams once over the samples training and testing will
// read, fitting the normalizers (train.normalize) to the training samples;
// the pass refuses NaN or infinite values before anything is written.
func fitNormalizers(ctx context.Context, cfg *Config, d *gridData) (*normalizers, error) {
	kind := datasets.NormalizerKind(cfg.Train.Normalize)
	check := func(*datasets.Batch) error { return nil }
	pair := &datasets.Normalizers{}
	if kind == "none" {
		if err := datasets.ScanSamples(ctx, d.src, d.trainIndices(), scanBatch, check); err != nil {
			return nil, err
		}
	} else {
		var err error
		if pair, err = datasets.FitNormalizers(ctx, kind, d.src, d.trainIndices(), scanBatch); err != nil {
			return nil, err
		}
	}
	if err := datasets.ScanSamples(ctx, d.src, d.testIndices(), scanBatch, check); err != nil {
		return nil, err
	}
	return &normalizers{Normalizers: *pair}, nil
}

// normalizers are the input and target normalizers (none when normalize
// = none), with the target's decoding as a differentiable op.
type normalizers struct {
	datasets.Normalizers
	// decode's constants for the grid they were built for
	scale, center *autograd.Var[float32]
	grid          []int
}

func normalizerPath(cfg *Config) string { return filepath.Join(cfg.RunDir(), "normalizers.h5") }

// save writes normalizers.h5 (nothing for normalize = none).
func (n *normalizers) save(cfg *Config) error {
	if n.Input == nil {
		return nil
	}
	return n.Save(normalizerPath(cfg))
}

func loadNormalizers(cfg *Config) (*normalizers, error) {
	if cfg.Train.Normalize == "none" {
		return &normalizers{}, nil
	}
	pair, err := datasets.LoadNormalizers(normalizerPath(cfg))
	if err != nil {
		return nil, err
	}
	return &normalizers{Normalizers: *pair}, nil
}

// decode maps normalised model outputs back: y = out * scale + center.
// The scale and center tensors are built once per grid.
func (n *normalizers) decode(out *autograd.Var[float32], spatial []int) *autograd.Var[float32] {
	if n.Target == nil {
		return out
	}
	if n.scale == nil || !tensor.SameShape(n.grid, spatial) {
		y := n.Target
		shape := append(append([]int{1}, spatial...), len(y.Scale)/max(tensor.Size(spatial), 1))
		if len(y.Scale) == 1 {
			shape = []int{1}
		}
		scale := make([]float32, len(y.Scale))
		center := make([]float32, len(y.Center))
		for i := range scale {
			scale[i], center[i] = float32(y.Scale[i]), float32(y.Center[i])
		}
		n.scale = autograd.Const(tensor.FromSlice(scale, shape...))
		n.center = autograd.Const(tensor.FromSlice(center, shape...))
		n.grid = append([]int{}, spatial...)
	}
	return autograd.Add(autograd.Mul(out, n.scale), n.center)
}

// encodedInputs returns the inputs normalised by the input normalizer
// (x itself when there is none).
func (n *normalizers) encodedInputs(x *tensor.Tensor[float32]) (*tensor.Tensor[float32], error) {
	if n.Input == nil {
		return x, nil
	}
	c := x.Clone()
	return c, datasets.Encode(n.Input, c.Data())
}

// checkStoredGrid verifies that the file holds what the [data] section
// describes, from the shapes alone (nothing is read): the solver's layout,
// /tensor of rank 2 + dim ([N, T, X(, Y)], or [N, 1, X, Y] for Darcy), the
// configured number of snapshots (a file with one snapshot would train
// u(0) -> u(0)), and the grid. A model is never trained on other data than
// the configuration says.
func checkStoredGrid(cfg *Config, f *datasets.File) error {
	wantLayout := cfg.grid().layout()
	layout, err := datasets.DetectLayout(f)
	if err != nil {
		return err
	}
	if layout != wantLayout {
		return fmt.Errorf("experiments: %s has layout %s, solver %s writes %s (docs/DATA.md): regenerate or fix data.output: %w",
			f.Name(), layout, cfg.Data.Solver, wantLayout, datasets.ErrLayout)
	}
	d, err := f.OpenDataset("tensor")
	if err != nil {
		return err
	}
	defer d.Close()
	dim, n := cfg.storedGrid()
	s := d.Shape()
	spatial := []string{"X", "Y", "Z"}[:min(dim, 3)]
	axes := "[N, T, " + strings.Join(spatial, ", ") + "]"
	if wantLayout == datasets.LayoutDarcy {
		axes = "[N, 1, " + strings.Join(spatial, ", ") + "]"
	}
	if len(s) != 2+dim {
		return fmt.Errorf("experiments: %s /tensor has rank %d (shape %v), expected %s for %s data: %w",
			f.Name(), len(s), s, axes, cfg.Data.Solver, datasets.ErrLayout)
	}
	if wantLayout == datasets.LayoutDarcy && s[1] != 1 {
		return fmt.Errorf("experiments: %s /tensor has shape %v: %d values on its second axis, expected %s (one steady solution per sample): %w",
			f.Name(), s, s[1], axes, datasets.ErrLayout)
	}
	if wantLayout == datasets.LayoutTensor && s[1] != cfg.Data.Snapshots {
		need := "t = 0 is the input and t_end the target"
		if cfg.Model.Task == "rollout" {
			need = fmt.Sprintf("the rollout needs t_in + t_out = %d", cfg.Model.TIn+cfg.Model.TOut)
		}
		return fmt.Errorf("experiments: %s /tensor stores %d snapshots per sample (shape %v), expected %d (data.snapshots; %s): regenerate or fix the config: %w",
			f.Name(), s[1], s, cfg.Data.Snapshots, need, datasets.ErrLayout)
	}
	for i, got := range s[2:] {
		if got != n {
			return fmt.Errorf("experiments: %s stores fields on %d points per axis, the [data] section describes %d (data.resolution %d, data.subsample %d; /tensor shape %v, axis %s): regenerate or fix the config: %w",
				f.Name(), got, n, cfg.Data.Resolution, cfg.Data.Subsample, s, spatial[i], datasets.ErrLayout)
		}
	}
	if s[0] < 1 {
		return fmt.Errorf("experiments: %s /tensor holds no samples (shape %v): %w", f.Name(), s, datasets.ErrLayout)
	}
	return nil
}

// split returns the numbers of training and test samples recorded in the
// file (its n_train and n_test attributes, else the configuration) and
// checks they fit the n samples it holds.
func split(cfg *Config, f *datasets.File, n int) (nTrain, nTest int, err error) {
	nTrain, nTest = cfg.Data.Train, cfg.Data.Test
	for _, a := range []struct {
		name string
		dst  *int
	}{{"n_train", &nTrain}, {"n_test", &nTest}} {
		if !f.HasAttr(a.name) {
			continue
		}
		v, err := f.AttrInt64(a.name)
		if err != nil {
			return 0, 0, err
		}
		if v < 1 || v > int64(n) {
			return 0, 0, fmt.Errorf("experiments: %s attribute %s is %d, expected 1 to %d (the samples /tensor holds): %w",
				f.Name(), a.name, v, n, datasets.ErrRange)
		}
		*a.dst = int(v)
	}
	if nTrain+nTest > n || nTrain < 1 || nTest < 1 {
		return 0, 0, fmt.Errorf("experiments: %s holds %d samples, the split needs %d train + %d test: %w", f.Name(), n, nTrain, nTest, datasets.ErrRange)
	}
	return nTrain, nTest, nil
}
