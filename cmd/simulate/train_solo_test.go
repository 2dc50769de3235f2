//go:build !mpi

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainWithoutMPIRefusesSeveralRanks: a simulate built without MPI
// that an MPI launcher started as one of several processes (its
// environment says so) refuses to train, saying how to build with MPI,
// and writes nothing; as one process of one it trains.
func TestTrainWithoutMPIRefusesSeveralRanks(t *testing.T) {
	tests := []struct {
		env      string
		wantCode int
		want     string
	}{
		{"OMPI_COMM_WORLD_SIZE=2", 1, "-tags mpi"},
		{"PMI_SIZE=3", 1, "-tags mpi"},
		{"OMPI_COMM_WORLD_SIZE=1", 0, "trained tiny"},
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data.h5")
	study := func(name string) string {
		text := strings.NewReplacer("DT", "1e-4", "EPOCHS", "1").Replace(tinyStudy)
		text = strings.Replace(text, "seed = 5\n", fmt.Sprintf("seed = 5\nrun_dir = %q\n", filepath.Join(dir, name)), 1)
		text = strings.Replace(text, "[data]\n", fmt.Sprintf("[data]\noutput = %q\n", data), 1)
		p := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if code, _, errOut := runCLI("generate", study("gen")); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut)
	}
	for i, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			name := fmt.Sprint("run", i)
			runDir, cfg := filepath.Join(dir, name), study(name)
			out, err := child(t, []string{tc.env}, "train", cfg).CombinedOutput()
			code := 0
			if err != nil {
				code = 1
			}
			if code != tc.wantCode || !strings.Contains(string(out), tc.want) {
				t.Fatalf("exit %v, output:\n%s\nwant exit %d saying %q", err, out, tc.wantCode, tc.want)
			}
			if _, err := os.Stat(runDir); tc.wantCode != 0 && !os.IsNotExist(err) {
				t.Errorf("the refused training created %s (%v)", runDir, err)
			}
		})
	}
}
