package main

import "testing"

// TestRunSummary: compare's model column names the kind, its variant or
// mesh, the width and the modes.
func TestRunSummary(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"name = \"a\"\n[model]\nkind = \"fno\"\nwidth = 32\nmodes = [12, 12]\n", "fno w32 m[12 12]"},
		{"name = \"a\"\n[model]\nkind = \"factformer\"\nvariant = \"ifactformer-o\"\nwidth = 64\n", "factformer ifactformer-o w64"},
		{"name = \"a\"\n[model]\nkind = \"mmpde\"\nmesh = \"uniform\"\nwidth = 32\n", "mmpde uniform w32"},
		{"name = \"a\"\n", "?"},
	} {
		if _, got := runSummary(c.text, "x"); got != c.want {
			t.Errorf("%q: model %q; want %q", c.text, got, c.want)
		}
	}
}
