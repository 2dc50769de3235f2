package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"
)

// Config is a study described in one TOML file: [data] (the generate
// stage), and optionally [model], [train] and [eval] (the train and
// evaluate stages).
type Config struct {
	Name         string      `toml:"name" doc:"study name: the run directory is runs/<name> (one directory name: no separators, control characters or dots only; at most 100 bytes)"`
	Seed         uint64      `toml:"seed" doc:"seed of every random draw (initial conditions, weights, batch order)"`
	RunDirectory string      `toml:"run_dir" doc:"run directory (default runs/<name>, relative to the working directory)"`
	Data         DataConfig  `toml:"data"`
	Model        ModelConfig `toml:"model"`
	Train        TrainConfig `toml:"train"`
	Eval         EvalConfig  `toml:"eval"`
	Slurm        SlurmConfig `toml:"slurm"`

	path string         // the file it was loaded from
	text string         // its contents, recorded as provenance
	tree map[string]any // its contents as a TOML tree
	gen  generator      // the configured solver, built by validation
	ext  *externalData  // or the file named by data.file, read by validation
	fam  *modelFamily   // the configured model family, looked up by validation

	hasModel bool
}

// DataConfig is the [data] section: which solver makes the samples, how
// many, at what resolution, over which time window.
type DataConfig struct {
	Solver     string  `toml:"solver" doc:"registry name: burgers, convection, navierstokes, darcy, mpm"`
	Output     string  `toml:"output" doc:"HDF5 file; default runs/<name>/data/data.h5, or the data store's file (data.store)"`
	Store      string  `toml:"store" doc:"a directory of data shared between runs: the data goes to STORE/<key>/data.h5, the key a hash of the seed and the [data] settings, so every run of the same data settings (any name, model or training) generates it once and reuses it; a run finding it being generated waits for it (instead of data.output)"`
	Train      int     `toml:"train" doc:"training samples (the first ones)"`
	Test       int     `toml:"test" doc:"test samples (the last ones)"`
	Resolution int     `toml:"resolution" doc:"solver grid points per axis (mpm: grid cells per axis)"`
	Subsample  int     `toml:"subsample" doc:"keep every k-th point when storing (default 1)"`
	TEnd       float64 `toml:"t_end" doc:"final time (time-dependent solvers): the stored window is t_end long"`
	BurnIn     float64 `toml:"burn_in" doc:"time-dependent solvers: time integrated from the initial condition and discarded before the first stored frame (default 0); frames are stored at burn_in + t_end i/(snapshots-1)"`
	Snapshots  int     `toml:"snapshots" doc:"stored times from burn_in to burn_in + t_end inclusive (default 2; mpm: stored frames, data.params.substeps steps of data.dt apart)"`
	Dt         float64 `toml:"dt" doc:"solver time step"`

	Params toml.Primitive `toml:"params" doc:"solver-specific, decoded by the registry"`

	// Data that surrogo did not generate: an existing HDF5 file instead of
	// a solver (docs/DATA.md, "Training on PDEBench data").
	File        string   `toml:"file" doc:"an existing HDF5 file in a PDEBench layout (tensor, Darcy, per-sample groups, CFD) to train on instead of a solver's data"`
	InputFrame  int      `toml:"input_frame" doc:"data.file, map task: the stored frame that is the input (default 0; Darcy: 0 is nu)"`
	TargetFrame int      `toml:"target_frame" doc:"data.file, map task: the stored frame that is the target (default -1, the last; Darcy: the solution)"`
	FrameStart  int      `toml:"frame_start" doc:"data.file, rollout: the first stored frame of the window (default 0)"`
	FrameStride int      `toml:"frame_stride" doc:"data.file, rollout: use every k-th stored frame (default 1)"`
	Variables   []string `toml:"variables" doc:"data.file, CFD layout: the variables read as channels, in order (default all: density, pressure, Vx, Vy, Vz)"`
}

// Samples returns train + test.
func (d DataConfig) Samples() int { return d.Train + d.Test }

// ConfigError is a configuration problem: the file, the line when known,
// the key, and what is wrong.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

// Error formats as "FILE:LINE: KEY: MESSAGE".
func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Load reads and strictly decodes a configuration: unknown keys are errors
// naming the key and its line; values are checked by Validate.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: reading config: %w", err)
	}
	return Parse(path, raw)
}

// Parse decodes configuration text (path is used in messages).
func Parse(path string, raw []byte) (*Config, error) {
	cfg := &Config{path: path, text: string(raw)}
	tree := map[string]any{}
	if _, err := toml.Decode(string(raw), &tree); err != nil {
		return nil, syntaxError(path, err)
	}
	if te := checkTypes(tree, reflect.TypeOf(*cfg), ""); te != nil {
		return nil, cfg.typeFail(raw, te)
	}
	cfg.tree = tree
	md, err := toml.NewDecoder(bytes.NewReader(raw)).Decode(cfg)
	if err != nil {
		return nil, syntaxError(path, err)
	}
	for _, k := range md.Undecoded() {
		key := k.String()
		if strings.HasPrefix(key, "data.params") {
			continue // checked against the solver's own parameters
		}
		return nil, &ConfigError{File: path, Line: keyLine(raw, k), Key: key, Msg: "unknown key"}
	}
	if err := cfg.validate(md, raw); err != nil {
		return nil, err
	}
	return cfg, nil
}

// syntaxError reports a TOML decoding error at its line.
func syntaxError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
	}
	return &ConfigError{File: path, Msg: err.Error()}
}

// typeFail reports a value of the wrong type or domain at its key's line
// (list elements are located by their list's key).
func (c *Config) typeFail(raw []byte, te *typeError) error {
	line := keyLine(raw, strings.Split(te.key, "."))
	if line == 0 {
		key, _, _ := strings.Cut(te.key, "[")
		line = keyLine(raw, strings.Split(key, "."))
	}
	return &ConfigError{File: c.path, Line: line, Key: te.key, Msg: te.msg}
}

// Path returns the file the config came from.
func (c *Config) Path() string { return c.path }

// Text returns the configuration text, for provenance.
func (c *Config) Text() string { return c.text }

func (c *Config) fail(raw []byte, key, format string, args ...any) error {
	return &ConfigError{File: c.path, Line: paramLine(raw, key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// paramLine is keyLine of a dotted key; a solver parameter the file does
// not set (a missing material parameter) is located at the nearest table
// above it that the file has ([data.params.material]).
func paramLine(raw []byte, key string) int {
	parts := strings.Split(key, ".")
	line := keyLine(raw, parts)
	for line == 0 && len(parts) > 2 && strings.HasPrefix(key, "data.params.") {
		parts = parts[:len(parts)-1]
		line = keyLine(raw, parts)
	}
	return line
}

// validate checks the whole configuration in the order a reader meets it,
// filling defaults: the name and run directory, [data] (its counts, time
// window and output, then the solver's parameters, which build the
// generator), the generation's footprint, and [model], [train] and [eval]
// with the training footprint. Errors name the key and its line.
func (c *Config) validate(md toml.MetaData, raw []byte) error {
	if err := checkName(c.Name); err != nil {
		return c.fail(raw, "name", "%v", err)
	}
	if c.Seed > math.MaxInt64 {
		// config.toml records the seed as a TOML integer, a signed 64-bit one.
		return c.fail(raw, "seed", "must be at most %d, found %d", int64(math.MaxInt64), c.Seed)
	}
	if err := checkRunDir(c.RunDir()); err != nil {
		return c.fail(raw, "run_dir", "%v", err)
	}
	if err := c.validateFileKeys(md, raw); err != nil {
		return err
	}
	if c.Data.File != "" {
		if err := c.validateExternal(md, raw); err != nil {
			return err
		}
	} else if err := c.validateSolverData(md, raw); err != nil {
		return err
	}
	if err := c.validateModel(md, raw); err != nil {
		return err
	}
	if err := c.validateSlurm(raw); err != nil {
		return err
	}
	if c.hasModel {
		return c.checkModelFootprint(raw)
	}
	return nil
}

// validateSolverData checks a [data] section that a solver generates:
// counts, time window, output, the solver's parameters (which build the
// generator) and the generation's footprint.
func (c *Config) validateSolverData(md toml.MetaData, raw []byte) error {
	spec, ok := registry[c.Data.Solver]
	if !ok {
		return c.fail(raw, "data.solver", "unknown solver %q (expected one of %s, or data.file naming an HDF5 file)", c.Data.Solver, strings.Join(solverNames(), ", "))
	}
	if err := c.validateSampling(raw); err != nil {
		return err
	}
	if spec.frameSteps {
		if err := c.validateFrameWindow(raw); err != nil {
			return err
		}
	} else if spec.timeDependent {
		if err := c.validateTimeWindow(raw); err != nil {
			return err
		}
	} else if c.Data.BurnIn != 0 {
		return c.fail(raw, "data.burn_in", "applies to time-dependent solvers; %s computes a steady state", c.Data.Solver)
	}
	if err := c.validateOutput(raw); err != nil {
		return err
	}
	if err := c.buildGenerator(spec, md, raw); err != nil {
		return err
	}
	if err := c.placeInStore(raw); err != nil {
		return err
	}
	return c.checkGenerateFootprint(raw)
}

// validateSampling checks the sample counts, the resolution and the
// subsampling of [data], then fills the defaults of data.subsample (1) and
// data.snapshots (2).
func (c *Config) validateSampling(raw []byte) error {
	d := &c.Data
	switch {
	case d.Train < 0:
		return c.fail(raw, "data.train", "must be >= 0, got %d", d.Train)
	case d.Test < 0:
		return c.fail(raw, "data.test", "must be >= 0, got %d", d.Test)
	case d.Samples() == 0:
		return c.fail(raw, "data.train", "no samples: set data.train and/or data.test above zero")
	case d.Resolution < 2:
		return c.fail(raw, "data.resolution", "must be at least 2, got %d", d.Resolution)
	case d.Subsample < 0:
		return c.fail(raw, "data.subsample", "must be >= 1, got %d", d.Subsample)
	}
	if d.Subsample == 0 {
		d.Subsample = 1
	}
	if d.Snapshots == 0 {
		d.Snapshots = 2
	}
	return nil
}

// validateTimeWindow checks a time-dependent solver's t_end, snapshots,
// time step and burn-in, and that the steps of one sample stay countable
// (the burn-in is one interval of the solvers' time loop, bounded like
// t_end).
func (c *Config) validateTimeWindow(raw []byte) error {
	d := c.Data
	switch {
	case !(d.TEnd > 0):
		return c.fail(raw, "data.t_end", "must be positive for %s, got %v", d.Solver, d.TEnd)
	case d.Snapshots < 2:
		return c.fail(raw, "data.snapshots", "must be at least 2 (t = 0 and t_end), got %d", d.Snapshots)
	case !(d.Dt > 0):
		return c.fail(raw, "data.dt", "must be positive for %s, got %v", d.Solver, d.Dt)
	case d.Dt > d.TEnd:
		return c.fail(raw, "data.dt", "%v exceeds data.t_end %v", d.Dt, d.TEnd)
	case d.TEnd/d.Dt > maxSolverSteps:
		return c.fail(raw, "data.dt", "t_end / dt = %.3g time steps per sample, more than the %.0g a run can take: increase dt", d.TEnd/d.Dt, float64(maxSolverSteps))
	case !(d.BurnIn >= 0) || math.IsInf(d.BurnIn, 0):
		return c.fail(raw, "data.burn_in", "must be finite and >= 0, got %v", d.BurnIn)
	case d.BurnIn/d.Dt > maxSolverSteps:
		return c.fail(raw, "data.burn_in", "burn_in / dt = %.3g time steps, more than the %.0g a run can take: increase dt", d.BurnIn/d.Dt, float64(maxSolverSteps))
	}
	// A physics-informed network learns the solution from the equation's
	// initial condition at t = 0, not from a state after a burn-in.
	if f, ok := modelFamilies[c.Model.Kind]; ok && f.newPINN != nil && d.BurnIn != 0 {
		return c.fail(raw, "data.burn_in", "model %s trains on the equation from its initial condition at t = 0: set burn_in = 0", c.Model.Kind)
	}
	return nil
}

// validateFrameWindow checks the frames of a solver that stores
// data.snapshots frames data.params.substeps steps of data.dt apart from
// t = 0: the keys of a time window, a burn-in and a subsampled grid do
// not apply.
func (c *Config) validateFrameWindow(raw []byte) error {
	d := c.Data
	switch {
	case d.Snapshots < 2:
		return c.fail(raw, "data.snapshots", "must be at least 2 frames (the initial state and one more), got %d", d.Snapshots)
	case !(d.Dt > 0):
		return c.fail(raw, "data.dt", "must be positive for %s, got %v", d.Solver, d.Dt)
	case d.TEnd != 0:
		return c.fail(raw, "data.t_end", "%s stores data.snapshots frames data.params.substeps steps of data.dt apart: remove t_end", d.Solver)
	case d.BurnIn != 0:
		return c.fail(raw, "data.burn_in", "%s stores frames from the initial state at t = 0: remove burn_in", d.Solver)
	case d.Subsample != 1:
		return c.fail(raw, "data.subsample", "%s stores every particle: remove subsample", d.Solver)
	}
	return nil
}

// validateOutput fills data.output (default: data/data.h5 under the run
// directory) and checks that it can be written, blaming the key that
// chose it.
func (c *Config) validateOutput(raw []byte) error {
	d := &c.Data
	outputKey := "data.output"
	if d.Store != "" {
		if d.Output != "" {
			return c.fail(raw, "data.store", "the data store chooses the data file: remove data.output (%s), or data.store", d.Output)
		}
		return nil // placeInStore chooses the file once the generator is built
	}
	if d.Output == "" {
		d.Output = filepath.Join(c.RunDir(), "data", "data.h5")
		outputKey = "run_dir" // the data goes under the run directory
		if c.RunDirectory == "" {
			outputKey = "name"
		}
	}
	if err := checkWritable(d.Output); err != nil {
		return c.fail(raw, outputKey, "%v", err)
	}
	return nil
}

// SetDataOutput replaces data.output (a command line's -out) after
// checking that the file can be written there; data read from a file
// (data.file) has no output.
func (c *Config) SetDataOutput(path string) error {
	if c.Data.File != "" {
		return fmt.Errorf("the data is read from data.file %s: nothing is generated", c.Data.File)
	}
	if err := checkWritable(path); err != nil {
		return err
	}
	c.Data.Output = path
	c.Data.Store = "" // the file given replaces the store's
	return nil
}

// buildGenerator checks [data.params] against the solver's parameter
// types, builds the solver's generator (a solver's error names its key
// when it is a fieldError, else data.params), and refuses keys the solver
// does not read.
func (c *Config) buildGenerator(spec solverSpec, md toml.MetaData, raw []byte) error {
	data, _ := c.tree["data"].(map[string]any)
	if params, ok := data["params"].(map[string]any); ok {
		if te := checkTypes(params, reflect.TypeOf(spec.defaults()), "data.params."); te != nil {
			return c.typeFail(raw, te)
		}
	}
	gen, err := spec.build(c, md)
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			key := fe.key
			if !strings.HasPrefix(key, "data.") {
				key = "data.params." + key
			}
			return c.fail(raw, key, "%s", fe.msg)
		}
		return c.fail(raw, "data.params", "%v", err)
	}
	for _, k := range md.Undecoded() {
		return &ConfigError{File: c.path, Line: keyLine(raw, k), Key: k.String(), Msg: fmt.Sprintf("unknown key for solver %s (known: %s)", c.Data.Solver, strings.Join(spec.paramKeys, ", "))}
	}
	c.gen = gen
	return nil
}

// maxSolverSteps bounds the time steps of one sample (the solvers refuse
// more per output interval: solvers/internal/march.MaxSteps).
const maxSolverSteps = 1e9

// maxNameLength bounds a study name (a directory name on every file
// system, with room for the files surrogo puts beside it).
const maxNameLength = 100

// checkName accepts a study name that is one ordinary path component: not
// empty, not made of dots only ("." and ".." would make the run directory
// runs/ itself or the working directory), without separators or control
// characters, at most maxNameLength bytes.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("missing: give the study a name (used for the run directory)")
	case len(name) > maxNameLength:
		return fmt.Errorf("must be at most %d bytes (it names the run directory), got %d", maxNameLength, len(name))
	case strings.Trim(name, ".") == "":
		return fmt.Errorf("must be a directory name, not %q", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("must not contain path separators, got %q", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("must not contain control characters, got %q", name)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("must not start or end with white space, got %q", name)
	}
	return nil
}

// checkRunDir refuses a run directory that is the working directory or one
// of its ancestors: -force empties a run directory before starting over.
func checkRunDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("cannot resolve %q: %w", dir, err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil // nothing to compare with
	}
	if rel, err := filepath.Rel(abs, wd); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return fmt.Errorf("%q is the working directory or above it; give a directory of its own (e.g. runs/<name>)", dir)
	}
	return nil
}

// checkWritable verifies that the output's directory, or its nearest
// existing ancestor (Generate creates the rest), is a writable directory.
func checkWritable(out string) error {
	dir := filepath.Dir(out)
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return fmt.Errorf("no existing directory above %s", out)
		}
		dir = parent
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: directory %s is not writable: %v", out, dir, err)
	}
	name := probe.Name()
	probe.Close()
	os.Remove(name)
	return nil
}

// fieldError names a solver parameter (relative to data.params).
type fieldError struct {
	key, msg string
}

func (e *fieldError) Error() string { return e.key + ": " + e.msg }

// keyLine finds the line where a dotted key is set, by scanning table
// headers and assignments (0 when not found). An element of an array of
// tables is named by its index, data.params.scene.bodies[1].center (the
// second [[data.params.scene.bodies]]); the key without indices matches
// the first element that sets it.
func keyLine(raw []byte, key toml.Key) int {
	want := strings.Join(key, ".")
	var t tableTracker
	for i, line := range strings.Split(string(raw), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "[") {
			t.enter(strings.TrimSpace(strings.Split(l, "#")[0]))
			if t.indexed == want || t.plain == want {
				return i + 1
			}
			continue
		}
		eq := strings.Index(l, "=")
		if eq < 0 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(l[:eq]), `"`)
		if t.join(t.indexed, name) == want || t.join(t.plain, name) == want {
			return i + 1
		}
	}
	return 0
}

// tableTracker follows the table headers of a TOML text: the current
// table's name as written (plain) and with the index of each array of
// tables it lies in (indexed).
type tableTracker struct {
	plain, indexed string
	arrays         map[string]int // elements seen so far of each [[array]]
}

// enter moves to the table of a header line, [name] or [[name]].
func (t *tableTracker) enter(header string) {
	name := strings.Trim(header, "[] ")
	t.plain, t.indexed = name, name
	if t.arrays == nil {
		t.arrays = map[string]int{}
	}
	for array, n := range t.arrays { // a sub-table of an array's last element
		if strings.HasPrefix(name, array+".") {
			t.indexed = fmt.Sprintf("%s[%d]%s", array, n-1, strings.TrimPrefix(name, array))
		}
	}
	if strings.HasPrefix(header, "[[") {
		t.indexed = fmt.Sprintf("%s[%d]", name, t.arrays[name])
		t.arrays[name]++
	}
}

// join names a key of a table ("" is the top level).
func (t *tableTracker) join(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

func solverNames() []string { return slices.Sorted(maps.Keys(registry)) }
