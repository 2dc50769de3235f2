package experiments

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestNoKindSwitchOutsideTheRegistry keeps the pipeline free of "which
// kind is this?": a model family's name may appear as a string literal in
// the registry (families.go) only, never in the other code of experiments
// or cmd/simulate (comments and tests aside).
func TestNoKindSwitchOutsideTheRegistry(t *testing.T) {
	names := familyNames()
	for _, dir := range []string{".", filepath.Join("..", "cmd", "simulate")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "families.go" {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0) // no comments
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && slices.Contains(names, s) && !isSolverSetting(path, s) {
					t.Errorf("%s: model family %q named outside the registry: ask modelFamilies instead", fset.Position(lit.Pos()), s)
				}
				return true
			})
		}
	}
}

// isSolverSetting allows the Navier-Stokes forcing named "fno" (FNO's
// forcing, a solver parameter that shares the family's name) in the
// solver table.
func isSolverSetting(path, s string) bool {
	return filepath.Base(path) == "registry.go" && s == "fno"
}

// TestFamilyKeysAreConfigKeys checks every key a family claims against
// the schema, so an entry cannot name a key that does not exist, and
// that each family's validation accepts a minimal config of its kind.
func TestFamilyKeysAreConfigKeys(t *testing.T) {
	known := map[string]bool{}
	for _, e := range Schema() {
		known[strings.Fields(e.Key)[0]] = true
	}
	for _, name := range familyNames() {
		f := modelFamilies[name]
		if f.about == "" || f.validate == nil || f.resolve == nil || f.footprints == nil || (f.train == nil) != f.untrained || f.evaluate == nil {
			t.Errorf("%s: incomplete registry entry (train set exactly when it trains)", name)
		}
		set := 0
		for _, isSet := range []bool{f.grid != nil, f.newPINN != nil, f.particles != nil, f.mesh != nil, f.meshPDE} {
			if isSet {
				set++
			}
		}
		if set != 1 {
			t.Errorf("%s: exactly one of grid, newPINN, particles, mesh and meshPDE must be set, found %d", name, set)
		}
		for _, k := range f.keys {
			if !known[k] {
				t.Errorf("%s reads %q, which is not a config key", name, k)
			}
		}
	}
}

// TestResolvedRecordsOnlyTheFamilysKeys: config.toml holds the keys the
// run used, not another family's defaults.
func TestResolvedRecordsOnlyTheFamilysKeys(t *testing.T) {
	for _, c := range []struct {
		text      string
		kind      string
		mustHave  []string
		mustNotBe []string
	}{
		{fnoConfig, "fno", []string{"model.pad_fraction", "train.batch", "eval.resolutions"}, []string{"model.transform", "train.lbfgs_iters", "model.depth_x"}},
		{lpinnConfig, "lpinn", []string{"model.depth_x", "train.lbfgs_iters"}, []string{"train.batch", "model.modes", "model.transform", "eval.resolutions"}},
	} {
		var cfg *Config
		var err error
		if c.kind == "fno" {
			cfg, err = loadFNOVariant(t, "", "")
		} else {
			cfg, err = loadText(t, c.text)
		}
		if err != nil {
			t.Fatal(err)
		}
		tree, err := cfg.Resolved()
		if err != nil {
			t.Fatal(err)
		}
		has := func(key string) bool {
			section, k, _ := strings.Cut(key, ".")
			s, ok := tree[section].(map[string]any)
			if !ok {
				return false
			}
			_, ok = s[k]
			return ok
		}
		for _, k := range c.mustHave {
			if !has(k) {
				t.Errorf("%s: resolved config lacks %s", c.kind, k)
			}
		}
		for _, k := range c.mustNotBe {
			if has(k) {
				t.Errorf("%s: resolved config records %s, which the family does not read", c.kind, k)
			}
		}
	}
}
