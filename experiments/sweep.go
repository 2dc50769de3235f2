package experiments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
)

// SweepManifestName is the file a sweep directory holds: its axes and
// points (SweepManifest).
const SweepManifestName = "sweep.json"

// SweepAxis is one swept key and its values, in the order given: the
// -grid KEY=V1,V2,... of simulate sweep. A value is read like a -set value
// (a TOML value, or a bare word as a string).
type SweepAxis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// String writes the axis as ParseSweepAxis reads it.
func (a SweepAxis) String() string { return a.Key + "=" + strings.Join(a.Values, ",") }

// unsweepable are keys that name the run rather than configure it.
var unsweepable = map[string]string{
	"name":    "the study's name names the run directory the sweep's runs go under",
	"run_dir": "each point's run directory is chosen by the sweep (under <run_dir>/sweep/)",
}

// ParseSweepAxis reads KEY=V1,V2,...: a dotted key as -set takes it and at
// least one value. Values are split at commas outside brackets, braces
// and quotes, so arrays and strings may hold commas
// (model.modes=[8,8],[12,12]); a bracket or quote left open, or closed
// without being opened, is refused naming its position. An empty value
// and two values that read as the same TOML value (1e-3 and 0.001, 1 and
// 1.0) are refused, as are keys that cannot be swept (name, run_dir).
func ParseSweepAxis(s string) (SweepAxis, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return SweepAxis{}, fmt.Errorf("-grid %q: expected KEY=V1,V2,..., e.g. train.lr=1e-3,3e-4", s)
	}
	if err := checkDottedKey(k); err != nil {
		return SweepAxis{}, fmt.Errorf("-grid %q: %w", s, err)
	}
	if why, ok := unsweepable[k]; ok {
		return SweepAxis{}, fmt.Errorf("-grid %q: %s cannot be swept: %s", s, k, why)
	}
	values, err := splitSweepValues(v)
	if err != nil {
		return SweepAxis{}, fmt.Errorf("-grid %q: expected values separated by commas, with brackets and quotes closed: %w", s, err)
	}
	seen := map[string]int{}
	for i, val := range values {
		if val == "" {
			return SweepAxis{}, fmt.Errorf("-grid %q: value %d of %d is empty (expected KEY=V1,V2,... with no empty value)", s, i+1, len(values))
		}
		c := canonicalValue(val)
		if j, dup := seen[c]; dup {
			return SweepAxis{}, fmt.Errorf("-grid %q: values %d (%s) and %d (%s) are the same value: each point must differ", s, j+1, values[j], i+1, val)
		}
		seen[c] = i
	}
	return SweepAxis{Key: k, Values: values}, nil
}

// checkDottedKey applies -set's key rule: dotted names of letters,
// digits, _ and -.
func checkDottedKey(k string) error {
	for _, part := range strings.Split(k, ".") {
		if part == "" || strings.TrimFunc(part, isKeyRune) != "" {
			return fmt.Errorf("key %q must be dotted names of letters, digits, _ and -, e.g. train.lr", k)
		}
	}
	return nil
}

// splitSweepValues splits at commas outside [], {} and quoted strings,
// trimming spaces. A quote opens a string only where a value (or an
// element of an array or table) starts, so o'brien.h5 is one bare word;
// a bracket closed that was not opened, or a quote or bracket still open
// at the end, is an error naming its position and value.
func splitSweepValues(s string) ([]string, error) {
	var out []string
	depth, start, opened := 0, 0, 0 // opened: where the open quote or outermost bracket is
	var quote, prev rune            // prev: the last non-space rune of the value outside strings
	escaped := false
	for i, r := range s {
		if quote != 0 {
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote == '"':
				escaped = true
			case r == quote:
				quote, prev = 0, r
			}
			continue
		}
		switch {
		case (r == '"' || r == '\'') && startsValue(prev):
			quote, opened = r, i
		case r == '[' || r == '{':
			if depth == 0 {
				opened = i
			}
			depth++
		case r == ']' || r == '}':
			if depth--; depth < 0 {
				return nil, fmt.Errorf("%q at character %d closes a bracket that was not opened, in value %q", r, i+1, valueAround(s, start, i))
			}
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start, prev = i+1, 0
			continue
		}
		if !unicode.IsSpace(r) {
			prev = r
		}
	}
	switch {
	case quote != 0:
		return nil, fmt.Errorf("quote %c at character %d is not closed, in value %q", quote, opened+1, strings.TrimSpace(s[start:]))
	case depth > 0:
		return nil, fmt.Errorf("%q at character %d is not closed, in value %q", s[opened], opened+1, strings.TrimSpace(s[start:]))
	}
	return append(out, strings.TrimSpace(s[start:])), nil
}

// startsValue reports whether a quote after prev (the last non-space
// rune before it, 0 at the start of a value) opens a string.
func startsValue(prev rune) bool { return prev == 0 || strings.ContainsRune("[{,=", prev) }

// valueAround is the comma-separated piece of s from start that holds
// byte i, trimmed.
func valueAround(s string, start, i int) string {
	end := len(s)
	if j := strings.IndexByte(s[i:], ','); j >= 0 {
		end = i + j
	}
	return strings.TrimSpace(s[start:end])
}

// canonicalValue is a value as the config reads it (type and value), so
// that 1e-3 and 0.001, 1 and 1.0, or gelu and "gelu", compare equal.
func canonicalValue(v string) string {
	probe := map[string]any{}
	if _, err := toml.Decode("v = "+v, &probe); err == nil {
		c := canonicalNumbers(probe["v"])
		return fmt.Sprintf("%T %v", c, c)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// canonicalNumbers turns the integers in a TOML value into floats, so
// that 1 and 1.0 read alike.
func canonicalNumbers(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonicalNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonicalNumbers(e)
		}
		return out
	}
	return v
}

// SweepPoint is one combination of a sweep's values.
type SweepPoint struct {
	// Index is the point's place in the expansion (0-based): the first
	// axis varies slowest.
	Index int
	// Overrides are the point's axis values, one per axis in axis order.
	Overrides []Override
	// Dir is the point's run directory: <run_dir>/sweep/<key=value,...>.
	Dir string
	// Label names the point: "train.lr=1e-3, model.width=32".
	Label string
	// DataFile is the data the point trains on (data.file) or generates
	// (data.output). Points of equal data settings share one file in the
	// data store <run_dir>/sweep/data, generated once; a point finding it
	// being generated waits for it, so a job array's tasks may start
	// together (generating it first, Sweep.DataPoints, saves the wait).
	DataFile string

	store string // the data.store override ("": none)
	cfg   *Config
}

// Sweep is a study run over every combination of some keys' values: the
// points, each in its own run directory under Dir, and their configs,
// all validated.
type Sweep struct {
	Config string      // the base config file
	Sets   []Override  // overrides common to every point (-set)
	Axes   []SweepAxis // the swept keys, the first varying slowest
	Dir    string      // <run_dir>/sweep: the points' directories and sweep.json
	Points []SweepPoint
}

// PlanSweep expands axes over the config at path (with sets applied to
// every point) into the cartesian product of their values, the first axis
// varying slowest, and validates every point before anything runs: each
// point's config is loaded with its overrides (a bad value is refused
// naming the key, value and point), two points may not resolve to the
// same run or the same directory, points that share a data file must
// generate the same data, and a point's directory that holds a run of
// another config is refused. A point's run directory is
// <run_dir>/sweep/<key=value,...>, the values made safe for a file name.
// When the config leaves data.output at its default and sets no
// data.store, the points' data goes to the data store <run_dir>/sweep/data
// (data.store): points of equal data settings share one file,
// <run_dir>/sweep/data/<key>/data.h5, generated once.
func PlanSweep(path string, sets []Override, axes []SweepAxis) (*Sweep, error) {
	if err := CheckSweepAxes(sets, axes); err != nil {
		return nil, err
	}
	base, err := LoadWithOverrides(path, sets)
	if err != nil {
		return nil, err
	}
	s := &Sweep{Config: path, Sets: slices.Clone(sets), Axes: slices.Clone(axes), Dir: filepath.Join(base.RunDir(), "sweep")}
	share := sharesData(base, axes)
	for i, ovs := range expandAxes(axes) {
		p := SweepPoint{Index: i, Overrides: ovs, Label: sweepLabel(ovs, ", "), Dir: filepath.Join(s.Dir, sweepDirName(ovs))}
		if share {
			p.store = filepath.Join(s.Dir, "data")
		}
		s.Points = append(s.Points, p)
	}
	if err := s.checkDirs(); err != nil {
		return nil, err
	}
	for i := range s.Points {
		if err := s.loadPoint(i); err != nil {
			return nil, err
		}
	}
	return s, s.checkPoints()
}

// CheckSweepAxes refuses an empty sweep, a key swept twice or also set
// with -set, and keys nested in one another (model and model.width).
func CheckSweepAxes(sets []Override, axes []SweepAxis) error {
	if len(axes) == 0 {
		return errors.New("sweep: no axes: expected at least one -grid KEY=V1,V2,...")
	}
	for i, a := range axes {
		if len(a.Values) == 0 {
			return fmt.Errorf("sweep: -grid %s has no values", a.Key)
		}
		for _, b := range axes[:i] {
			if overlaps(a.Key, b.Key) {
				return fmt.Errorf("sweep: -grid %s and -grid %s: a key may be swept once (give all its values in one -grid)", b.Key, a.Key)
			}
		}
		for _, o := range sets {
			if overlaps(a.Key, o.Key) {
				return fmt.Errorf("sweep: -grid %s and -set %s=%s both set %s: drop one", a.Key, o.Key, o.Value, a.Key)
			}
		}
	}
	return nil
}

// overlaps reports whether two dotted keys are equal or one holds the
// other.
func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

// expandAxes lists the cartesian product of the axes' values, the first
// axis varying slowest.
func expandAxes(axes []SweepAxis) [][]Override {
	points := [][]Override{nil}
	for _, a := range axes {
		var next [][]Override
		for _, p := range points {
			for _, v := range a.Values {
				next = append(next, append(slices.Clone(p), Override{Key: a.Key, Value: v}))
			}
		}
		points = next
	}
	return points
}

// sweepLabel writes overrides as key=value joined by sep.
func sweepLabel(ovs []Override, sep string) string {
	parts := make([]string, len(ovs))
	for i, o := range ovs {
		parts[i] = o.Key + "=" + o.Value
	}
	return strings.Join(parts, sep)
}

// maxDirName bounds a point's directory name (file systems allow 255
// bytes).
const maxDirName = 200

// sweepDirName names a point's directory: key=value pairs joined by
// commas, each value reduced to letters, digits and . + - _ (any other
// run of characters becomes one _, "[8, 8]" becomes 8_8). A name longer
// than maxDirName keeps its start and ends in a hash of the whole.
func sweepDirName(ovs []Override) string {
	parts := make([]string, len(ovs))
	for i, o := range ovs {
		parts[i] = o.Key + "=" + safeValue(o.Value)
	}
	name := strings.Join(parts, ",")
	if len(name) > maxDirName {
		name = name[:maxDirName-17] + "-" + shortHash(sweepLabel(ovs, ","))
	}
	return name
}

// safeValue reduces a value to characters safe in a file name; a value
// with none of them becomes v<hash>.
func safeValue(v string) string {
	var b strings.Builder
	gap := false
	for _, r := range v {
		ok := r == '.' || r == '+' || r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		default:
			gap = true
		}
	}
	if b.Len() == 0 || strings.Trim(b.String(), ".") == "" {
		return "v" + shortHash(v)
	}
	return b.String()
}

// shortHash is 16 hex digits of the SHA-256 of s.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// dataKey reports whether a key changes the generated data.
func dataKey(k string) bool { return k == "seed" || k == "data" || strings.HasPrefix(k, "data.") }

// sharesData reports whether the points' data goes to a data store in
// the sweep directory, shared by points of equal data settings: the base
// config generates its data to the default place (no data.output, no
// data.store of its own) and no axis names the data file or store.
func sharesData(base *Config, axes []SweepAxis) bool {
	if base.Data.File != "" || base.Data.Store != "" || base.Data.Output != filepath.Join(base.RunDir(), "data", "data.h5") {
		return false
	}
	return !slices.ContainsFunc(axes, func(a SweepAxis) bool {
		return overlaps(a.Key, "data.output") || overlaps(a.Key, "data.file") || overlaps(a.Key, "data.store")
	})
}

// checkDirs refuses two points whose values differ only in characters a
// directory name drops.
func (s *Sweep) checkDirs() error {
	seen := map[string]int{}
	for i, p := range s.Points {
		if j, ok := seen[p.Dir]; ok {
			return fmt.Errorf("sweep: points %d (%s) and %d (%s) would share the run directory %s: their values differ only in characters a directory name cannot hold",
				j, s.Points[j].Label, i, p.Label, p.Dir)
		}
		seen[p.Dir] = i
	}
	return nil
}

// PointSets are every override of point i: the sweep's -set overrides,
// the point's values, its run directory and (shared data) its data file.
func (s *Sweep) PointSets(i int) []Override {
	p := s.Points[i]
	sets := append(slices.Clone(s.Sets), p.Overrides...)
	sets = append(sets, Override{Key: "run_dir", Value: tomlString(p.Dir)})
	if p.store != "" {
		// data.output at its default may be written out (a resolved
		// config): the store replaces it.
		sets = append(sets, Override{Key: "data.output", Value: `""`}, Override{Key: "data.store", Value: tomlString(p.store)})
	}
	return sets
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var buf bytes.Buffer
	toml.NewEncoder(&buf).Encode(map[string]string{"v": s})
	_, v, _ := strings.Cut(strings.TrimSpace(buf.String()), " = ")
	return v
}

// loadPoint loads and validates point i's config.
func (s *Sweep) loadPoint(i int) error {
	p := &s.Points[i]
	cfg, err := LoadWithOverrides(s.Config, s.PointSets(i))
	if err != nil {
		return fmt.Errorf("sweep point %d (%s; points numbered 0..%d): %w", i, p.Label, len(s.Points)-1, err)
	}
	p.cfg, p.DataFile = cfg, cfg.dataPath()
	return nil
}

// PointConfig is point i's validated config.
func (s *Sweep) PointConfig(i int) *Config { return s.Points[i].cfg }

// checkPoints refuses points that resolve to the same run (a swept key
// the model family does not read), points that share a data file but
// would generate different data into it, and a point's directory that
// holds a run of another config.
func (s *Sweep) checkPoints() error {
	runs, data := map[string]int{}, map[string]int{}
	for i, p := range s.Points {
		h, err := p.cfg.sweepHash()
		if err != nil {
			return err
		}
		if j, ok := runs[h]; ok {
			return fmt.Errorf("sweep: points %d (%s) and %d (%s) resolve to the same configuration: a swept key is not read by this config (check `simulate config -set KEY=VALUE`)",
				j, s.Points[j].Label, i, p.Label)
		}
		runs[h] = i
		if err := s.checkSharedData(i, data); err != nil {
			return err
		}
		if err := checkPointDir(p); err != nil {
			return fmt.Errorf("sweep point %d (%s; points numbered 0..%d): %w", i, p.Label, len(s.Points)-1, err)
		}
	}
	return nil
}

// sweepHash is the hash of the resolved settings the results depend on
// (the evaluate stage's), without data.output and the neutral keys:
// equal for two configs that compute the same thing.
func (c *Config) sweepHash() (string, error) {
	tree, err := c.Resolved()
	if err != nil {
		return "", err
	}
	for k := range tree { // name, run_dir, slurm: where and how, not what
		if !slices.Contains(stageKeys[StageEval], k) {
			delete(tree, k)
		}
	}
	if d, ok := tree["data"].(map[string]any); ok {
		delete(d, "output")
	}
	for _, k := range neutralKeys {
		section, key, _ := strings.Cut(k, ".")
		if t, ok := tree[section].(map[string]any); ok {
			delete(t, key)
		}
	}
	return hashTree(tree)
}

// checkSharedData refuses two points that write different data to one
// file (data.output set in the config while data keys are swept). seen
// maps a data file to the first point using it.
func (s *Sweep) checkSharedData(i int, seen map[string]int) error {
	p := s.Points[i]
	if p.cfg.Data.File != "" {
		return nil
	}
	j, ok := seen[p.DataFile]
	if !ok {
		seen[p.DataFile] = i
		return nil
	}
	hi, err := p.cfg.StageHash(StageGenerate)
	if err != nil {
		return err
	}
	hj, err := s.Points[j].cfg.StageHash(StageGenerate)
	if err != nil {
		return err
	}
	if hi != hj {
		return fmt.Errorf("sweep: points %d (%s) and %d (%s) would generate different data into one file %s (data.output is set while data keys are swept: leave data.output unset, or sweep it too)",
			j, s.Points[j].Label, i, p.Label, p.DataFile)
	}
	return nil
}

// checkPointDir refuses a point's directory that holds a run of another
// config (as Run would, but before any point runs); changes of [eval]
// keys alone are accepted, as Run accepts them.
func checkPointDir(p SweepPoint) error {
	path := filepath.Join(p.Dir, "config.toml")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	old := map[string]any{}
	if _, err := toml.Decode(string(raw), &old); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	cur, err := p.cfg.Resolved()
	if err != nil {
		return err
	}
	changed := slices.DeleteFunc(ChangedKeys(old, cur), p.cfg.evalOnlyKey)
	if len(changed) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w; changed keys: %s (remove the directory, or sweep into another run_dir)", p.Dir, ErrConfigChanged, strings.Join(changed, ", "))
}

// DataPoints lists, for each distinct data file the sweep generates, the
// first point that uses it: running their generate stage first lets the
// other points (a job array's tasks) find their data made. Points that
// read an existing file (data.file) are left out.
func (s *Sweep) DataPoints() []int {
	var out []int
	seen := map[string]bool{}
	for i, p := range s.Points {
		if p.cfg.Data.File != "" || seen[p.DataFile] {
			continue
		}
		seen[p.DataFile] = true
		out = append(out, i)
	}
	return out
}

// RunPoint runs point i through Run (the same stages, resume and
// skipping as simulate run) after recording the sweep in sweep.json.
func (s *Sweep) RunPoint(ctx context.Context, i int, opts RunOptions) (*RunRecord, error) {
	if i < 0 || i >= len(s.Points) {
		return nil, fmt.Errorf("sweep: point %d out of range (expected 0..%d)", i, len(s.Points)-1)
	}
	if err := s.WriteManifest(); err != nil {
		return nil, err
	}
	return Run(ctx, s.Points[i].cfg, opts)
}

// SweepManifest is sweep.json: what a sweep directory holds, for compare
// and for job arrays. Point directories, and data files inside the sweep
// directory, are relative to the sweep directory.
type SweepManifest struct {
	Config string          `json:"config"`         // the last sweep's config file
	Sets   []string        `json:"sets,omitempty"` // the last sweep's -set, KEY=VALUE
	Axes   []SweepAxis     `json:"axes"`
	Points []ManifestPoint `json:"points"`
}

// ManifestPoint is one point in sweep.json.
type ManifestPoint struct {
	Index     int      `json:"index"` // -point's index in the sweep that wrote it
	Dir       string   `json:"dir"`   // relative to the sweep directory
	Label     string   `json:"label"`
	Overrides []string `json:"overrides"`           // KEY=VALUE, one per axis of its sweep
	DataFile  string   `json:"data_file,omitempty"` // relative to the sweep directory when inside it
}

// Manifest is the sweep's own sweep.json content (before merging with
// earlier sweeps').
func (s *Sweep) Manifest() *SweepManifest {
	m := &SweepManifest{Config: s.Config, Axes: s.Axes}
	for _, o := range s.Sets {
		m.Sets = append(m.Sets, o.Key+"="+o.Value)
	}
	for _, p := range s.Points {
		mp := ManifestPoint{Index: p.Index, Dir: filepath.Base(p.Dir), Label: p.Label, DataFile: p.DataFile}
		if rel, err := filepath.Rel(s.Dir, p.DataFile); err == nil && filepath.IsLocal(rel) {
			mp.DataFile = rel
		}
		for _, o := range p.Overrides {
			mp.Overrides = append(mp.Overrides, o.Key+"="+o.Value)
		}
		m.Points = append(m.Points, mp)
	}
	return m
}

// MergeManifests adds the points of cur (a later sweep) to old's: points
// are keyed by directory, a point of cur replacing old's of the same
// directory in place and the others appended in cur's order; the axes
// are the union of keys in order of first appearance, each with the union
// of its values; Config and Sets are cur's. Merging cur again changes
// nothing, so tasks of one sweep that merge at once agree. old may be nil.
func MergeManifests(old, cur *SweepManifest) *SweepManifest {
	if old == nil {
		old = &SweepManifest{}
	}
	m := &SweepManifest{Config: cur.Config, Sets: slices.Clone(cur.Sets), Points: slices.Clone(old.Points)}
	for _, a := range append(slices.Clone(old.Axes), cur.Axes...) {
		j := slices.IndexFunc(m.Axes, func(b SweepAxis) bool { return b.Key == a.Key })
		if j < 0 {
			m.Axes = append(m.Axes, SweepAxis{Key: a.Key, Values: slices.Clone(a.Values)})
			continue
		}
		for _, v := range a.Values {
			if !slices.Contains(m.Axes[j].Values, v) {
				m.Axes[j].Values = append(m.Axes[j].Values, v)
			}
		}
	}
	for _, p := range cur.Points {
		if j := slices.IndexFunc(m.Points, func(q ManifestPoint) bool { return q.Dir == p.Dir }); j >= 0 {
			m.Points[j] = p
		} else {
			m.Points = append(m.Points, p)
		}
	}
	return m
}

// manifestLockWait bounds the wait for another writer of sweep.json
// (which holds its lock for a read and a write).
const manifestLockWait = time.Minute

// manifestLockName is the lock file writers of sweep.json take.
const manifestLockName = SweepManifestName + ".lock"

// WriteManifest merges the sweep into Dir/sweep.json (MergeManifests), so
// a later, different sweep into the same run_dir keeps the earlier
// sweep's points; it writes nothing when the file already holds them (the
// tasks of a job array each call it). Writers read, merge and write under
// the lock file sweep.json.lock, so two sweeps writing at once lose no
// points; the file is replaced atomically through a temporary file of
// the writer's own (os.CreateTemp: unique across hosts of a shared file
// system), fsynced with its directory.
func (s *Sweep) WriteManifest() error {
	path := filepath.Join(s.Dir, SweepManifestName)
	if _, same, err := s.mergedManifest(path); err != nil || same {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("experiments: sweep directory: %w", err)
	}
	lock, err := AcquireLockWaiting(context.Background(), filepath.Join(s.Dir, manifestLockName), "writing "+path, manifestLockWait, nil)
	if err != nil {
		return fmt.Errorf("experiments: writing %s: %w", path, err)
	}
	defer lock.Release()
	raw, same, err := s.mergedManifest(path)
	if err != nil || same {
		return err
	}
	return replaceFile(path, raw)
}

// mergedManifest is the sweep merged into the manifest at path (none:
// the sweep's own), encoded, and whether path already holds exactly that.
func (s *Sweep) mergedManifest(path string) (raw []byte, same bool, err error) {
	var old *SweepManifest
	oldRaw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if old, err = decodeManifest(path, oldRaw); err != nil {
			return nil, false, fmt.Errorf("%w (remove it to start the manifest anew)", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("experiments: reading the sweep manifest: %w", err)
	}
	raw, err = json.MarshalIndent(MergeManifests(old, s.Manifest()), "", "  ")
	if err != nil {
		return nil, false, err
	}
	raw = append(raw, '\n')
	return raw, oldRaw != nil && bytes.Equal(oldRaw, raw), nil
}

// renameFile is os.Rename (replaced in tests).
var renameFile = os.Rename

// replaceFile replaces path by raw atomically: written and fsynced into a
// temporary file of its own in path's directory, then renamed over path.
// A failed rename that leaves path holding raw (another writer's rename
// of the same bytes won) is success.
func replaceFile(path string, raw []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, filepath.Base(path)+".*.tmp", raw)
	if err != nil {
		return fmt.Errorf("experiments: writing %s: %w", path, err)
	}
	if err := renameFile(tmp, path); err != nil {
		os.Remove(tmp)
		if now, rerr := os.ReadFile(path); rerr == nil && bytes.Equal(now, raw) {
			return nil
		}
		return fmt.Errorf("experiments: writing %s: expected to rename %s over it: %w", path, tmp, err)
	}
	syncDir(dir)
	return nil
}

// writeTemp creates a new file in dir named after pattern (os.CreateTemp),
// writes raw and fsyncs it, returning its path; on failure it removes it.
func writeTemp(dir, pattern string, raw []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// ReadSweepManifest reads dir/sweep.json. Its error wraps fs.ErrNotExist
// when dir holds none.
func ReadSweepManifest(dir string) (*SweepManifest, error) {
	path := filepath.Join(dir, SweepManifestName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: reading the sweep manifest: %w", err)
	}
	return decodeManifest(path, raw)
}

// decodeManifest checks and decodes sweep.json's content, read from path.
func decodeManifest(path string, raw []byte) (*SweepManifest, error) {
	m := &SweepManifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("experiments: %s: expected a sweep manifest (JSON object with axes and points): %w", path, err)
	}
	if len(m.Axes) == 0 || len(m.Points) == 0 {
		return nil, fmt.Errorf("experiments: %s: expected a sweep manifest with axes and points, found %d axes and %d points", path, len(m.Axes), len(m.Points))
	}
	for _, p := range m.Points {
		if p.Dir == "" || p.Dir != filepath.Base(p.Dir) || p.Dir == ".." || p.Dir == "." {
			return nil, fmt.Errorf("experiments: %s: point %d: expected a directory name inside the sweep directory, found %q", path, p.Index, p.Dir)
		}
	}
	return m, nil
}

// RunDirs are the points' run directories, under the sweep directory dir
// the manifest was read from.
func (m *SweepManifest) RunDirs(dir string) []string {
	out := make([]string, len(m.Points))
	for i, p := range m.Points {
		out[i] = filepath.Join(dir, p.Dir)
	}
	return out
}
