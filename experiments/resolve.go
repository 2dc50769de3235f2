package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Resolved returns the configuration as a tree of TOML values with every
// default filled in: the solver's parameters as the solver resolved them
// and the operator's architecture defaults. It is what run directories
// store as config.toml and what stage hashes are computed from.
func (c *Config) Resolved() (map[string]any, error) {
	model := c.Model
	if c.hasModel {
		model = c.family().resolve(c)
	}
	top := map[string]any{"name": c.Name, "seed": c.Seed, "run_dir": c.RunDir(),
		"data": fieldsOf(c.Data), "model": fieldsOf(model), "train": fieldsOf(c.Train), "eval": fieldsOf(c.Eval)}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(top); err != nil {
		return nil, fmt.Errorf("experiments: encoding the resolved config: %w", err)
	}
	tree := map[string]any{}
	if _, err := toml.Decode(buf.String(), &tree); err != nil {
		return nil, fmt.Errorf("experiments: re-reading the resolved config: %w", err)
	}
	if c.gen != nil {
		params, err := asTree(c.gen.params())
		if err != nil {
			return nil, err
		}
		tree["data"].(map[string]any)["params"] = params
	}
	slurm, err := c.slurmResolved()
	if err != nil {
		return nil, err
	}
	if slurm != nil {
		tree["slurm"] = slurm
	}
	c.dropDataKeys(tree["data"].(map[string]any))
	if c.inStore() {
		// The store chooses the file: a config with both is refused.
		delete(tree["data"].(map[string]any), "output")
	}
	if !c.hasModel {
		delete(tree, "model")
		delete(tree, "train")
		delete(tree, "eval")
	}
	if c.hasModel {
		c.family().dropUnread(tree)
		if c.family().untrained {
			delete(tree, "train") // no [train] section: the config must load again
		}
	}
	return tree, nil
}

// fieldsOf maps a config section's fields to their TOML names (the raw
// solver parameters, a toml.Primitive, are left out).
func fieldsOf(section any) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(section)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" || f.Type == reflect.TypeOf(toml.Primitive{}) {
			continue
		}
		out[name] = v.Field(i).Interface()
	}
	return out
}

// asTree converts a struct with toml tags to a tree of TOML values.
func asTree(v any) (map[string]any, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("experiments: encoding %T: %w", v, err)
	}
	tree := map[string]any{}
	_, err := toml.Decode(buf.String(), &tree)
	return tree, err
}

// ResolvedTOML is Resolved as TOML text (keys sorted within tables).
func (c *Config) ResolvedTOML() ([]byte, error) {
	tree, err := c.Resolved()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s resolved by surrogo: every default filled in.\n", c.path)
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Stages of a run, in order.
const (
	StageGenerate = "generate"
	StageTrain    = "train"
	StageEval     = "eval"
	StagePlot     = "plot"
)

// stageKeys lists the top-level keys each stage's outputs depend on.
var stageKeys = map[string][]string{
	StageGenerate: {"seed", "data"},
	StageTrain:    {"seed", "data", "model", "train"},
	StageEval:     {"seed", "data", "model", "train", "eval"},
	StagePlot:     {"seed", "data", "model", "train", "eval"},
}

// StageHash is the SHA-256 of the resolved settings a stage depends on:
// a finished stage is reused only when its hash is unchanged. Settings at
// their zero value (false, 0, "", []) are left out, so a key that a newer
// surrogo adds with a zero default does not invalidate finished stages.
func (c *Config) StageHash(stage string) (string, error) {
	tree, err := c.Resolved()
	if err != nil {
		return "", err
	}
	for _, k := range neutralKeys {
		section, key, _ := strings.Cut(k, ".")
		if t, ok := tree[section].(map[string]any); ok {
			delete(t, key)
		}
	}
	sub := map[string]any{}
	for _, k := range stageKeys[stage] {
		if v, ok := tree[k]; ok {
			sub[k] = v
		}
	}
	if c.ext != nil {
		// Every stage depends on the file's contents.
		id, err := c.fileIdentity()
		if err != nil {
			return "", err
		}
		sub["data_file"] = id
	}
	return hashTree(sub)
}

// hashTree is the SHA-256 of a resolved tree without its zero values.
func hashTree(tree map[string]any) (string, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(withoutZeros(tree)); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// withoutZeros copies a tree leaving out zero-valued settings and the
// tables left empty.
func withoutZeros(tree map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range tree {
		if sub, ok := v.(map[string]any); ok {
			if pruned := withoutZeros(sub); len(pruned) > 0 {
				out[k] = pruned
			}
			continue
		}
		if !isZero(v) {
			out[k] = v
		}
	}
	return out
}

// isZero reports whether a resolved TOML value is its type's zero value.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case int64:
		return x == 0
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// ChangedKeys lists the dotted keys whose values differ between two
// resolved trees (added, removed or changed), sorted. A key present on one
// side only is a change unless its value there is the zero value (a key a
// newer surrogo added with a zero default, which reproduces the old
// behaviour).
func ChangedKeys(old, cur map[string]any) []string {
	var out []string
	var walk func(prefix string, a, b map[string]any)
	walk = func(prefix string, a, b map[string]any) {
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range b {
			keys[k] = true
		}
		for k := range keys {
			va, oka := a[k]
			vb, okb := b[k]
			ta, isTa := va.(map[string]any)
			tb, isTb := vb.(map[string]any)
			switch {
			case isTa && isTb:
				walk(prefix+k+".", ta, tb)
			case !oka && isTb: // a table on one side only: compare its keys
				walk(prefix+k+".", map[string]any{}, tb)
			case !okb && isTa:
				walk(prefix+k+".", ta, map[string]any{})
			case !oka && isZero(vb), !okb && isZero(va):
			case !oka || !okb || fmt.Sprint(va) != fmt.Sprint(vb):
				out = append(out, prefix+k)
			}
		}
	}
	walk("", old, cur)
	out = slices.DeleteFunc(out, neutralKey)
	sort.Strings(out)
	return out
}

// neutralKeys change how a stage runs but not what it produces (a resumed
// training is bit-identical whatever the checkpoint interval): changing
// them neither invalidates a finished stage nor counts as a changed
// config, so a preempted job can be rerun with checkpoints more often.
// data.store is one: the store's place is not part of its data (its
// entries are keyed without it), and the data file follows from it.
var neutralKeys = []string{"train.checkpoint_every", "train.checkpoint_seconds", "data.store"}

// neutralKey reports whether a changed key leaves every result alone: a
// neutral key, or any key of [slurm] (resources of batch jobs, so that a
// study can be run locally, then submitted, or resubmitted with more
// memory).
func neutralKey(k string) bool {
	return slices.Contains(neutralKeys, k) || k == "slurm" || strings.HasPrefix(k, "slurm.")
}

// Override is one -set KEY=VALUE.
type Override struct {
	Key, Value string
}

// ParseOverride splits "key=value".
func ParseOverride(s string) (Override, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return Override{}, fmt.Errorf("-set %q: expected KEY=VALUE, e.g. train.lr=3e-4", s)
	}
	for _, part := range strings.Split(k, ".") {
		if part == "" || strings.TrimFunc(part, isKeyRune) != "" {
			return Override{}, fmt.Errorf("-set %q: key %q must be dotted names of letters, digits, _ and -, e.g. train.lr", s, k)
		}
	}
	return Override{Key: k, Value: strings.TrimSpace(v)}, nil
}

// isKeyRune reports whether r may appear in a bare TOML key.
func isKeyRune(r rune) bool {
	return r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// LoadWithOverrides reads a config and applies -set overrides before the
// strict decoding, so an override is checked exactly like a key in the
// file: an unknown key or a value of the wrong type is an error naming the
// override. A value is read as a TOML value (3e-4, 48, true, [12, 12],
// "gelu"); a bare word that is not valid TOML is taken as a string.
func LoadWithOverrides(path string, sets []Override) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: reading config: %w", err)
	}
	if len(sets) == 0 {
		return Parse(path, raw)
	}
	tree := map[string]any{}
	if _, err := toml.Decode(string(raw), &tree); err != nil {
		return Parse(path, raw) // reports the syntax error with its line
	}
	for _, o := range sets {
		if err := setKey(tree, o); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return nil, fmt.Errorf("experiments: applying -set overrides: %w", err)
	}
	cfg, err := Parse(path, buf.Bytes())
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			for _, o := range sets {
				if ce.Key == o.Key || strings.Contains(ce.Msg, `"`+o.Key+`"`) {
					// The decoder's "line N (last key ...)" points into the
					// rewritten text; the -set names the place instead.
					msg := ce.Msg
					if i := strings.Index(msg, "): "); strings.HasPrefix(msg, "toml: line ") && i >= 0 {
						msg = msg[i+3:]
					}
					return nil, &ConfigError{File: path, Key: o.Key, Msg: fmt.Sprintf("%s (from -set %s=%s)", msg, o.Key, o.Value)}
				}
			}
			ce.Line = 0 // lines refer to the rewritten text, not the file
		}
		return nil, err
	}
	cfg.text = string(raw) + "\n# -set overrides:\n"
	for _, o := range sets {
		cfg.text += fmt.Sprintf("#   %s = %s\n", o.Key, o.Value)
	}
	return cfg, nil
}

// overrideValue reads the value of a -set as TOML. A bare word that is
// not TOML is taken as a string (-set model.activation=gelu), but a value
// that starts like a TOML array, table or quoted string and does not parse
// is an error: "[1,2," is a typo, not the string "[1,2,".
func overrideValue(o Override) (any, error) {
	probe := map[string]any{}
	_, err := toml.Decode("v = "+o.Value, &probe)
	if err == nil {
		return probe["v"], nil
	}
	if strings.ContainsAny(o.Value, "\n\r") {
		return nil, &ConfigError{File: "-set", Key: o.Key, Msg: fmt.Sprintf("value %q spans lines: give one TOML value", o.Value)}
	}
	if strings.HasPrefix(o.Value, "[") || strings.HasPrefix(o.Value, "{") || strings.HasPrefix(o.Value, `"`) || strings.HasPrefix(o.Value, "'") {
		msg := err.Error()
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg = pe.Message
		}
		return nil, &ConfigError{File: "-set", Key: o.Key, Msg: fmt.Sprintf("value %s is not valid TOML: %s", o.Value, msg)}
	}
	return o.Value, nil
}

// setKey sets a dotted key in a TOML tree.
func setKey(tree map[string]any, o Override) error {
	v, err := overrideValue(o)
	if err != nil {
		return err
	}
	parts := strings.Split(o.Key, ".")
	node := tree
	for i, p := range parts[:len(parts)-1] {
		next, ok := node[p]
		if !ok {
			t := map[string]any{}
			node[p] = t
			node = t
			continue
		}
		t, ok := next.(map[string]any)
		if !ok {
			return &ConfigError{File: "-set", Key: o.Key, Msg: fmt.Sprintf("%s is a value, not a section", strings.Join(parts[:i+1], "."))}
		}
		node = t
	}
	node[parts[len(parts)-1]] = v
	return nil
}
