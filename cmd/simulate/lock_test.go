package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/surrogo/surrogo/experiments"
)

// slowStudy is tinyStudy with its run directory set and 8 samples that take
// about half a second each on one worker.
func slowStudy(t *testing.T, dir string) (cfg, runDir string) {
	t.Helper()
	runDir = filepath.Join(dir, "run")
	text := strings.ReplaceAll(strings.ReplaceAll(tinyStudy, "DT", "5e-6"), "EPOCHS", "2")
	text = strings.Replace(text, "seed = 5\n", fmt.Sprintf("seed = 5\nrun_dir = %q\n", runDir), 1)
	text = strings.Replace(text, "train = 24\ntest = 8", "train = 6\ntest = 2", 1)
	text = strings.Replace(text, "batch = 8", "batch = 2", 1)
	cfg = filepath.Join(dir, "slow.toml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, runDir
}

// waitFor polls ready until it holds (or fails the test after a generous
// deadline, killing cmd).
func waitFor(t *testing.T, cmd *exec.Cmd, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !ready() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("%s never reached", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSecondCommandRefused runs `simulate run` in a child process and,
// while it generates, starts run, train, eval, plot and generate on the
// same run directory: each is refused with one line naming the child (pid,
// host, start time) and changes nothing. Once the child is killed its lock
// no longer blocks.
func TestSecondCommandRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process; seconds")
	}
	dir := t.TempDir()
	cfg, runDir := slowStudy(t, dir)
	var out syncBuffer
	cmd := child(t, nil, "run", "-workers", "1", cfg)
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, cmd, "generation", func() bool { return strings.Contains(out.String(), "done=1 ") })
	host, _ := os.Hostname()
	holder := fmt.Sprintf("pid %d on host %s, started ", cmd.Process.Pid, host)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"run", []string{"run", cfg}, []string{"run directory " + runDir, "in use by another process", holder, "(run " + cfg + ")"}},
		{"run with -force", []string{"run", "-force", "-set", "train.lr=1e-3", cfg}, []string{"in use by another process", holder}},
		{"train", []string{"train", cfg}, []string{"run directory " + runDir, holder}},
		{"eval", []string{"eval", cfg}, []string{"run directory " + runDir, holder}},
		{"plot", []string{"plot", runDir}, []string{"run directory " + runDir, holder}},
		{"generate", []string{"generate", cfg}, []string{"data file " + filepath.Join(runDir, "data", "data.h5"), holder, "(generate " + cfg + ")"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(c.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1: %s", code, errOut)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("error is not one line:\n%s", errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(runDir, "config.toml")); err != nil {
		t.Errorf("the refused -force run removed the first run's config.toml: %v", err)
	}
	// The holder dies without releasing anything: its lock is stale and
	// does not block.
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if h, err := experiments.ReadLockHolder(filepath.Join(runDir, experiments.LockFileName)); err != nil || h.PID != cmd.Process.Pid {
		t.Errorf("the killed run's lock file: %+v %v", h, err)
	}
	l, err := experiments.LockRunDir(runDir, "test")
	if err != nil {
		t.Fatalf("stale lock blocked: %v", err)
	}
	l.Release()
	if _, _, errOut := runCLI("plot", runDir); strings.Contains(errOut, "in use") {
		t.Errorf("plot after the holder died: %s", errOut)
	}
}
