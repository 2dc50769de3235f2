package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is a study described in one TOML file: [data] (the generate
// stage), and optionally [model], [train] and [eval] (the train and
// evaluate stages).
type Config struct {
	Name         string      `toml:"name" doc:"study name: the run directory is runs/<name> (no path separators)"`
	Seed         uint64      `toml:"seed" doc:"seed of every random draw (initial conditions, weights, batch order)"`
	RunDirectory string      `toml:"run_dir" doc:"run directory (default runs/<name>, relative to the working directory)"`
	Data         DataConfig  `toml:"data"`
	Model        ModelConfig `toml:"model"`
	Train        TrainConfig `toml:"train"`
	Eval         EvalConfig  `toml:"eval"`

	path string    // the file it was loaded from
	text string    // its contents, recorded as provenance
	gen  generator // the configured solver, built by validation

	hasModel bool
}

// DataConfig is the [data] section: which solver makes the samples, how
// many, at what resolution, over which time window.
type DataConfig struct {
	Solver     string  `toml:"solver" doc:"registry name: burgers, convection, navierstokes, darcy"`
	Output     string  `toml:"output" doc:"HDF5 file; default runs/<name>/data/data.h5"`
	Train      int     `toml:"train" doc:"training samples (the first ones)"`
	Test       int     `toml:"test" doc:"test samples (the last ones)"`
	Resolution int     `toml:"resolution" doc:"solver grid points per axis"`
	Subsample  int     `toml:"subsample" doc:"keep every k-th point when storing (default 1)"`
	TEnd       float64 `toml:"t_end" doc:"final time (time-dependent solvers)"`
	Snapshots  int     `toml:"snapshots" doc:"stored times from 0 to t_end inclusive (default 2)"`
	Dt         float64 `toml:"dt" doc:"solver time step"`

	Params toml.Primitive `toml:"params" doc:"solver-specific, decoded by the registry"`
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
	md, err := toml.NewDecoder(bytes.NewReader(raw)).Decode(cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		return nil, &ConfigError{File: path, Msg: err.Error()}
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

// Path returns the file the config came from.
func (c *Config) Path() string { return c.path }

// Text returns the configuration text, for provenance.
func (c *Config) Text() string { return c.text }

func (c *Config) fail(raw []byte, key, format string, args ...any) error {
	return &ConfigError{File: c.path, Line: keyLine(raw, strings.Split(key, ".")), Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (c *Config) validate(md toml.MetaData, raw []byte) error {
	if c.Name == "" {
		return c.fail(raw, "name", "missing: give the study a name (used for the run directory)")
	}
	if strings.ContainsAny(c.Name, `/\`) {
		return c.fail(raw, "name", "must not contain path separators, got %q", c.Name)
	}
	d := &c.Data
	spec, ok := registry[d.Solver]
	if !ok {
		return c.fail(raw, "data.solver", "unknown solver %q (expected one of %s)", d.Solver, strings.Join(solverNames(), ", "))
	}
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
	if spec.timeDependent {
		switch {
		case !(d.TEnd > 0):
			return c.fail(raw, "data.t_end", "must be positive for %s, got %v", d.Solver, d.TEnd)
		case d.Snapshots < 2:
			return c.fail(raw, "data.snapshots", "must be at least 2 (t = 0 and t_end), got %d", d.Snapshots)
		case !(d.Dt > 0):
			return c.fail(raw, "data.dt", "must be positive for %s, got %v", d.Solver, d.Dt)
		case d.Dt > d.TEnd:
			return c.fail(raw, "data.dt", "%v exceeds data.t_end %v", d.Dt, d.TEnd)
		}
	}
	if d.Output == "" {
		d.Output = filepath.Join(c.RunDir(), "data", "data.h5")
	}
	if err := checkWritable(d.Output); err != nil {
		return c.fail(raw, "data.output", "%v", err)
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
		return &ConfigError{File: c.path, Line: keyLine(raw, k), Key: k.String(), Msg: fmt.Sprintf("unknown key for solver %s (known: %s)", d.Solver, strings.Join(spec.paramKeys, ", "))}
	}
	c.gen = gen
	return c.validateModel(md, raw)
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
// headers and assignments (0 when not found).
func keyLine(raw []byte, key toml.Key) int {
	lines := strings.Split(string(raw), "\n")
	table := ""
	want := strings.Join(key, ".")
	for i, line := range lines {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "[") {
			table = strings.Trim(strings.TrimSpace(strings.Split(l, "#")[0]), "[] ")
			if table == want {
				return i + 1
			}
			continue
		}
		eq := strings.Index(l, "=")
		if eq < 0 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(l[:eq]), `"`)
		full := name
		if table != "" {
			full = table + "." + name
		}
		if full == want {
			return i + 1
		}
	}
	return 0
}

func solverNames() []string {
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
