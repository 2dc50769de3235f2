package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// TestGenerateSIGTERMResumes sends SIGTERM (and SIGINT) to `simulate
// generate` in a child process: it exits 1 saying where the samples are
// kept, data.h5.tmp stays (no data.h5), and a rerun resumes from it to a
// complete file.
func TestGenerateSIGTERMResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("signals a child process; seconds")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg, runDir := slowStudy(t, dir)
			data := filepath.Join(runDir, "data", "data.h5")
			var out, errOut syncBuffer
			cmd := child(t, nil, "generate", "-workers", "1", cfg)
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			waitFor(t, cmd, "two samples", func() bool { return strings.Contains(out.String(), "done=2 ") })
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitResumable {
				t.Fatalf("exit after %v: %v\n%s", sig, err, errOut.String())
			}
			msg := errOut.String()
			if !strings.Contains(msg, "kept in "+data+datasets.TmpSuffix) || !strings.Contains(msg, "context canceled") {
				t.Errorf("stderr: %s", msg)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("data.h5 appeared although generation was stopped")
			}
			if _, err := os.Stat(data + datasets.TmpSuffix); err != nil {
				t.Fatalf("%v removed data.h5.tmp: %v", sig, err)
			}
			if sig != syscall.SIGTERM {
				return // the same path as SIGTERM from here on
			}
			code, stdout, stderr := runCLI("generate", "-workers", "1", cfg)
			if code != 0 {
				t.Fatalf("rerun exit %d: %s", code, stderr)
			}
			i := strings.Index(stdout, "resuming after ")
			if i < 0 {
				t.Fatalf("rerun did not resume:\n%s", stdout)
			}
			n, _ := strconv.Atoi(strings.Fields(stdout[i+len("resuming after "):])[0])
			if n < 2 || n >= 8 {
				t.Errorf("resumed after %d samples, want 2..7", n)
			}
			f, err := datasets.Open(data)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			set, err := datasets.ReadTensorSet(f, 0, -1)
			if err != nil || set.Samples() != 8 {
				t.Fatalf("resumed file: %v samples, %v", set, err)
			}
		})
	}
}
