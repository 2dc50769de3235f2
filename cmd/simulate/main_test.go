package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestInspectListsAWellFormedFile writes a small PDEBench-layout field
// file whose values are known (v_k = k/32 - 1 for k = 0..95: min -1, max
// 1.96875, mean 0.484375) and checks the listing and the -stats line.
func TestInspectListsAWellFormedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fields.h5")
	writeKnownFieldFile(t, path)
	code, out, errOut := runCLI("inspect", "-stats", path)
	if code != 0 {
		t.Fatalf("inspect exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"layout pdebench-tensor",
		"/tensor  dataset float32 [3 4 8] max [inf 4 8] chunks [",
		"] shuffle+gzip(1)  ",
		"/x-coordinate  dataset float32 [8]",
		"@Nu              = 0.01",
		`@producer        = "known-ramp"`,
		"@seed            = 9",
		"min -1  max 1.96875  mean 0.484375",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

// writeKnownFieldFile writes 3 samples x 4 times x 8 points of the ramp
// k/32 - 1 into an extendible /tensor with coordinates, Nu and provenance.
func writeKnownFieldFile(t *testing.T, path string) {
	t.Helper()
	f, err := datasets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if err := f.SetProvenance(datasets.Provenance{Kind: "test", Name: "known-ramp", Seed: 9}); err != nil {
		t.Fatal(err)
	}
	d, err := f.CreateDataset("tensor", datasets.Float32, []int{0, 4, 8}, &datasets.Options{Extendible: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sample := make([]float32, 4*8)
		for j := range sample {
			sample[j] = float32(i*len(sample)+j)/32 - 1
		}
		if err := datasets.Append(d, sample); err != nil {
			t.Fatal(err)
		}
	}
	x, times := []float64{0, 1, 2, 3, 4, 5, 6, 7}, []float64{0, 1, 2, 3}
	if err := datasets.Write(f.Group, "x-coordinate", []int{8}, x, &datasets.Options{Dtype: datasets.Float32}); err != nil {
		t.Fatal(err)
	}
	if err := datasets.Write(f.Group, "t-coordinate", []int{4}, times, &datasets.Options{Dtype: datasets.Float32}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttr("Nu", 0.01); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
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
		{[]string{"smoke"}, 2, []string{`unknown command "smoke"`}},
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

// TestOneProcessVerbsRefuseSeveralRanks: a verb other than train started
// as several MPI ranks is refused (each rank would run the whole command
// into one run directory), with the variable that says so.
func TestOneProcessVerbsRefuseSeveralRanks(t *testing.T) {
	for _, verb := range []string{"run", "generate", "sweep", "eval"} {
		out, err := child(t, []string{"OMPI_COMM_WORLD_SIZE=2"}, verb, "nowhere.toml").CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		want := "started as 2 MPI ranks (OMPI_COMM_WORLD_SIZE): simulate " + verb + " runs as one process"
		if code != 2 || !strings.Contains(string(out), want) {
			t.Errorf("%s under 2 ranks: exit %d, %s; want exit 2 and %q", verb, code, out, want)
		}
	}
}
