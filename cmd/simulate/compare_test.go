package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareRefusesIncompleteMetrics: compare refuses a metrics.json that
// is null, {} or lacks keys, naming the file and what is missing, and
// prints no table.
func TestCompareRefusesIncompleteMetrics(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"null", "null", []string{"expected a JSON object", "found null"}},
		{"empty object", "{}", []string{"missing test_rel_l2", "params", "speedup", "found no keys"}},
		{"missing keys", `{"test_rel_l2": 0.1, "params": 3}`, []string{"missing test_rel_l2_std", "found keys params, test_rel_l2"}},
		{"null value", `{"test_rel_l2": null}`, []string{"null test_rel_l2"}},
		{"not JSON", "oops", []string{"expected a JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "metrics.json")
			os.WriteFile(path, []byte(c.text), 0o644)
			code, out, errOut := runCLI("compare", dir)
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q", code, out)
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}
