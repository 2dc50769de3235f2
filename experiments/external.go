package experiments

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
)

// externalData is a [data] section that names an existing HDF5 file
// (data.file, in one of the PDEBench layouts) instead of a solver: what
// the file holds, read when the configuration loads. No solver stands
// behind such data, so evaluation against a solver is skipped.
type externalData struct {
	layout    datasets.Layout
	samples   int
	frames    int   // stored frames per sample (2 for Darcy: nu, u)
	stored    []int // the stored grid
	variables int   // fields per frame (channels)
}

// solverDataKeys are the [data] keys that describe a solver's data; a
// file brings its own grid and frames.
var solverDataKeys = []string{"solver", "output", "store", "resolution", "subsample", "t_end", "burn_in", "snapshots", "dt", "params"}

// fileDataKeys are the [data] keys that choose what is read from data.file.
var fileDataKeys = []string{"file", "input_frame", "target_frame", "frame_start", "frame_stride", "variables"}

// validateFileKeys refuses the keys of one kind of [data] in the other.
func (c *Config) validateFileKeys(md toml.MetaData, raw []byte) error {
	if c.Data.File == "" {
		for _, k := range fileDataKeys[1:] {
			if md.IsDefined("data", k) {
				return c.fail(raw, "data."+k, "applies to data read from a file (data.file); solver %q writes its own frames", c.Data.Solver)
			}
		}
		return nil
	}
	for _, k := range solverDataKeys {
		if md.IsDefined("data", k) {
			return c.fail(raw, "data."+k, "does not apply to data.file (the grid, frames and samples come from the file): remove it")
		}
	}
	return nil
}

// validateExternal opens data.file, checks the frames and variables the
// configuration chooses and the sample counts against it, and fills the
// defaults (target_frame -1, the last; frame_stride 1).
func (c *Config) validateExternal(md toml.MetaData, raw []byte) error {
	d := &c.Data
	if !md.IsDefined("data", "target_frame") {
		d.TargetFrame = -1
	}
	if d.FrameStride == 0 {
		d.FrameStride = 1
	}
	switch {
	case d.Train < 0:
		return c.fail(raw, "data.train", "must be >= 0, got %d", d.Train)
	case d.Test < 0:
		return c.fail(raw, "data.test", "must be >= 0, got %d", d.Test)
	case d.FrameStride < 1:
		return c.fail(raw, "data.frame_stride", "must be at least 1, got %d", d.FrameStride)
	case d.FrameStart < 0:
		return c.fail(raw, "data.frame_start", "must be >= 0, got %d", d.FrameStart)
	}
	src, err := datasets.OpenGridSource(d.File, datasets.GridTask{Variables: d.Variables})
	if err != nil {
		key := "data.file"
		var de *datasets.Error
		if len(d.Variables) > 0 && errors.As(err, &de) && strings.HasPrefix(de.Object, "/") && slices.Contains(d.Variables, de.Object[1:]) {
			key = "data.variables" // a variable the file lacks, or no CFD variable
		}
		return c.fail(raw, key, "%v", err)
	}
	defer src.Close()
	if len(d.Variables) > 0 && src.Layout() != datasets.LayoutCFD {
		return c.fail(raw, "data.variables", "chooses variables of the CFD layout; %s has layout %s", d.File, src.Layout())
	}
	e := &externalData{layout: src.Layout(), samples: src.Samples(), frames: src.Frames(), stored: src.StoredGrid(), variables: src.Variables()}
	for _, fr := range []struct {
		key string
		v   int
	}{{"data.input_frame", d.InputFrame}, {"data.target_frame", d.TargetFrame}} {
		if fr.v < -e.frames || fr.v >= e.frames {
			return c.fail(raw, fr.key, "frame %d does not exist: %s stores %d frames per sample (0 to %d, or -1 for the last)", fr.v, d.File, e.frames, e.frames-1)
		}
	}
	if d.FrameStart >= e.frames {
		return c.fail(raw, "data.frame_start", "frame %d does not exist: %s stores %d frames per sample", d.FrameStart, d.File, e.frames)
	}
	if n := d.Samples(); n > e.samples || n == 0 {
		return c.fail(raw, "data.train", "%d training + %d test samples, %s holds %d (the first are trained on, the last tested)", d.Train, d.Test, d.File, e.samples)
	}
	if md.IsDefined("eval", "solver_samples") {
		return c.fail(raw, "eval.solver_samples", "times a solver; data.file has none: remove it")
	}
	c.ext = e
	return nil
}

// checkFileTask refuses the frame keys of data.file that the other task
// reads: input_frame and target_frame choose a map's frames,
// frame_start and frame_stride a rollout's window.
func (c *Config) checkFileTask(md toml.MetaData, raw []byte) error {
	if c.ext == nil {
		return nil
	}
	keys, task := []string{"frame_start", "frame_stride"}, "a map (input_frame -> target_frame)"
	if c.Model.Task == "rollout" {
		keys, task = []string{"input_frame", "target_frame"}, "a rollout (frame_start, frame_stride)"
	}
	for _, k := range keys {
		if md.IsDefined("data", k) {
			return c.fail(raw, "data."+k, "does not apply to %s", task)
		}
	}
	return nil
}

// timeDependent reports whether the data has a time axis to roll out.
func (c *Config) timeDependent() bool {
	if c.ext != nil {
		return c.ext.layout != datasets.LayoutDarcy && c.ext.frames > 1
	}
	return registry[c.Data.Solver].timeDependent
}

// windowFrames is the number of frames a rollout can draw on: the stored
// snapshots, or for a file those from frame_start every frame_stride.
func (c *Config) windowFrames() int {
	if c.ext != nil {
		return (c.ext.frames-c.Data.FrameStart-1)/c.Data.FrameStride + 1
	}
	return c.Data.Snapshots
}

// DataPath is the HDF5 file the train and evaluate stages read.
func (c *Config) DataPath() string { return c.dataPath() }

// dataPath is the HDF5 file the train and evaluate stages read.
func (c *Config) dataPath() string {
	if c.Data.File != "" {
		return c.Data.File
	}
	return c.Data.Output
}

// variables is the number of fields per frame: the model's output
// channels (one per step of a rollout).
func (c *Config) variables() int {
	if c.ext != nil {
		return c.ext.variables
	}
	return 1
}

// storedShape is the data's stored spatial grid.
func (c *Config) storedShape() []int {
	if c.ext != nil {
		return slices.Clone(c.ext.stored)
	}
	dim, n := c.storedGrid()
	s := make([]int, dim)
	for i := range s {
		s[i] = n
	}
	return s
}

// dataSource says where the data came from, for metrics.json.
func (c *Config) dataSource() string {
	if c.ext != nil {
		return fmt.Sprintf("file %s (layout %s); no solver to evaluate against", c.Data.File, c.ext.layout)
	}
	return "solver " + c.Data.Solver
}

// fileIdentity is the size and modification time of data.file, part of
// the generate stage's hash: a replaced file retrains.
func (c *Config) fileIdentity() (map[string]any, error) {
	st, err := os.Stat(c.Data.File)
	if err != nil {
		return nil, fmt.Errorf("experiments: data.file: %w", err)
	}
	return map[string]any{"size": st.Size(), "modified": st.ModTime().UTC().Format("2006-01-02T15:04:05.000000000Z")}, nil
}

// dropDataKeys removes from a resolved [data] the keys of the other kind
// of data (a solver's for a file, a file's for a solver).
func (c *Config) dropDataKeys(data map[string]any) {
	drop := fileDataKeys
	if c.Data.File != "" {
		drop = solverDataKeys
	}
	for _, k := range drop {
		delete(data, k)
	}
}

// windowsPerTrajectory is the number of rollout windows training reads
// from each trajectory: 1, or with train.windows = all every window of
// t_in + t_out frames, starts train.window_every apart.
func (c *Config) windowsPerTrajectory() int {
	m, t := c.Model, c.Train
	if t.Windows != "all" || m.Task != "rollout" {
		return 1
	}
	span := m.TIn + m.TOut
	if c.ext != nil {
		span = (span-1)*c.Data.FrameStride + 1 + c.Data.FrameStart
	}
	frames := c.Data.Snapshots
	if c.ext != nil {
		frames = c.ext.frames
	}
	if frames < span {
		return 1
	}
	return (frames-span)/max(t.WindowEvery, 1) + 1
}
