package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestSmokeThenInspect(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI("smoke", "-out", dir, "-n", "3", "-seed", "9")
	if code != 0 {
		t.Fatalf("smoke exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "3 samples x 51 times x 256 points") || !strings.Contains(out, "max |error|") {
		t.Errorf("smoke output: %s", out)
	}
	path := filepath.Join(dir, "fields.h5")
	code, out, errOut = runCLI("inspect", "-stats", path)
	if code != 0 {
		t.Fatalf("inspect exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"layout pdebench-tensor",
		"/tensor  dataset float32 [3 51 256] max [inf 51 256] chunks [1 51 256] shuffle+gzip(1)",
		"/x-coordinate  dataset float32 [256]",
		"@Nu              = 0.01",
		`@producer        = "heat-exact"`,
		"@seed            = 9",
		"min 0  max 0.996094",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageAndErrors(t *testing.T) {
	dir := t.TempDir()
	notH5 := filepath.Join(dir, "notes.txt")
	os.WriteFile(notH5, []byte("hello"), 0o644)
	cases := []struct {
		args     []string
		code     int
		inStderr []string
	}{
		{nil, 2, []string{"usage: simulate"}},
		{[]string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{[]string{"inspect"}, 2, []string{"expected at least one HDF5 file"}},
		{[]string{"inspect", filepath.Join(dir, "missing.h5")}, 1, []string{"missing.h5", "no such file"}},
		{[]string{"inspect", notH5}, 1, []string{"notes.txt", "no HDF5 signature"}},
		{[]string{"inspect", dir}, 1, []string{"is a directory"}},
		{[]string{"smoke", "-n", "0"}, 2, []string{"-n must be at least 1"}},
		{[]string{"smoke", "-out", notH5}, 1, []string{"notes.txt"}},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errOut)
		}
		for _, w := range c.inStderr {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
	code, out, _ := runCLI("version")
	if code != 0 || !strings.HasPrefix(out, "surrogo ") || !strings.Contains(out, "HDF5 1.") {
		t.Errorf("version: %d %q", code, out)
	}
}
