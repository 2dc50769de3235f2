package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/experiments"
)

// checkpointAt returns the epoch (over all phases), in-epoch batch and
// phase of a run directory's checkpoint.
func checkpointAt(t *testing.T, runDir string) (epoch, batch, phase int64) {
	t.Helper()
	f, err := datasets.Open(filepath.Join(runDir, "checkpoints", "last.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, a := range []struct {
		name string
		dst  *int64
	}{{"epoch", &epoch}, {"batch", &batch}, {"phase", &phase}} {
		if *a.dst, err = f.AttrInt64(a.name); err != nil {
			t.Fatal(err)
		}
	}
	return epoch, batch, phase
}

// logLines counts the epoch lines of a run directory's train_log.csv.
func logLines(runDir string) int {
	raw, err := os.ReadFile(filepath.Join(runDir, "train_log.csv"))
	if err != nil {
		return 0
	}
	return strings.Count(string(raw), "\n") - 1
}

// startChild starts `simulate args...` and returns it once ready() holds.
func startChild(t *testing.T, what string, ready func() bool, stderr *syncBuffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := child(t, nil, args...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute) // generous: CI machines may be loaded
	for !ready() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s never reached", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd
}

// TestRunSignalDuringTrainingResumes sends SIGTERM (and SIGINT, SIGUSR1) to
// `simulate run` while it trains, with no periodic checkpoint before the
// end: it exits 75 (exitResumable) saying that the checkpoint holds its last completed step
// and how to resume, the checkpoint is there, and a rerun ends with the
// metrics of an uninterrupted run.
func TestRunSignalDuringTrainingResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("signals a child process; seconds")
	}
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 40)
	os.WriteFile(cfg, []byte(strings.Replace(string(must(os.ReadFile(cfg))), "checkpoint_every = 1", "checkpoint_every = 1000", 1)), 0o644)
	ref := filepath.Join(dir, "ref")
	if code, out, errOut := runCLI("run", "-q", "-out", ref, cfg); code != 0 {
		t.Fatalf("reference run: %s %s", out, errOut)
	}
	want := readMetrics(t, ref)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1} { // USR1: SLURM's --signal warning
		t.Run(sig.String(), func(t *testing.T) {
			runDir := filepath.Join(dir, sig.String())
			var errOut syncBuffer
			cmd := startChild(t, "two trained epochs", func() bool { return logLines(runDir) >= 2 }, &errOut, "run", "-q", "-out", runDir, cfg)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitResumable {
				t.Fatalf("exit after %v: %v\n%s", sig, err, errOut.String())
			}
			msg := errOut.String()
			for _, w := range []string{"checkpoint " + filepath.Join(runDir, "checkpoints", "last.h5") + " holds that state", "signal received", "`simulate run -q -out " + runDir + " " + cfg + "` resumes"} {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr lacks %q:\n%s", w, msg)
				}
			}
			if strings.Count(strings.TrimSpace(msg), "\n") != 0 {
				t.Errorf("the message is not one line:\n%s", msg)
			}
			epoch, batch, _ := checkpointAt(t, runDir)
			t.Logf("%v: stopped at epoch %d, batch %d", sig, epoch, batch)
			if epoch < 2 || epoch >= 40 {
				t.Fatalf("checkpoint at epoch %d batch %d, want the epoch training was in (2..39)", epoch, batch)
			}
			if rec, err := experiments.ReadRunRecord(runDir); err != nil || rec.Stages["train"].Status != "failed" {
				t.Errorf("run.json after the signal: %+v %v", rec, err)
			}
			if sig != syscall.SIGTERM {
				return // the same path as SIGTERM from here on
			}
			code, out, stderr := runCLI("run", "-out", runDir, cfg)
			if code != 0 || strings.Contains(out, "epoch 1/40") {
				t.Fatalf("rerun exit %d (training must resume, not start over): %s\n%s", code, stderr, out)
			}
			got := readMetrics(t, runDir)
			if got.TestRelL2 != want.TestRelL2 || got.TestRelL2Max != want.TestRelL2Max || got.SuperResolution["64"] != want.SuperResolution["64"] {
				t.Errorf("stopped at epoch %d batch %d and resumed: rel L2 %v (max %v, 64: %v), uninterrupted %v (max %v, 64: %v)", epoch, batch,
					got.TestRelL2, got.TestRelL2Max, got.SuperResolution["64"], want.TestRelL2, want.TestRelL2Max, want.SuperResolution["64"])
			}
		})
	}
}

// pinnStudy is an LPINN (or PINN) study whose training takes a few
// seconds: 300 Adam steps on 256 collocation points, then up to 100 L-BFGS
// iterations, a checkpoint every 10 steps.
const pinnStudy = `name = "pinn-kill"
seed = 2

[data]
solver = "convection"
train = 0
test = 1
resolution = 64
t_end = 1.0
snapshots = 20
dt = 0.05

[data.params]
beta = 2.0
ic = "sin"

[model]
kind = "KIND"
width = 16
layers = 3

[train]
epochs = 300
lr = 1e-2
amsgrad = true
collocation = 256
lbfgs_iters = 100
checkpoint_every = 10
`

// TestPINNKilledResumes kills (SIGKILL) `simulate run` of an LPINN and of
// a PINN once inside the Adam phase and, rerun, once inside the L-BFGS
// phase; the last rerun ends with the metrics and log of an uninterrupted
// run.
func TestPINNKilledResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; seconds")
	}
	for _, kind := range []string{"lpinn", "pinn"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "study.toml")
			if err := os.WriteFile(cfg, []byte(strings.Replace(pinnStudy, "KIND", kind, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			ref := filepath.Join(dir, "ref")
			if code, out, errOut := runCLI("run", "-q", "-out", ref, cfg); code != 0 {
				t.Fatalf("reference run: %s %s", out, errOut)
			}
			if n := logLines(ref); n <= 310 {
				t.Fatalf("the reference took %d steps: L-BFGS ended too early to be killed inside", n)
			}
			killed := filepath.Join(dir, "killed")
			for _, stop := range []struct {
				phase     string
				lines     int   // log lines (steps) to wait for
				wantPhase int64 // of the checkpoint left
			}{{"adam", 60, 0}, {"lbfgs", 320, 1}} {
				var errOut syncBuffer
				cmd := startChild(t, stop.phase+" steps", func() bool { return logLines(killed) >= stop.lines }, &errOut, "run", "-q", "-out", killed, cfg)
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				epoch, batch, phase := checkpointAt(t, killed)
				t.Logf("killed in %s: checkpoint at step %d of phase %d", stop.phase, epoch, phase)
				if phase != stop.wantPhase || epoch%10 != 0 || batch != 0 {
					t.Fatalf("killed in %s: checkpoint at step %d (batch %d) of phase %d, want a multiple of 10 in phase %d", stop.phase, epoch, batch, phase, stop.wantPhase)
				}
			}
			if code, out, errOut := runCLI("run", "-q", "-out", killed, cfg); code != 0 {
				t.Fatalf("resumed run: %s %s", out, errOut)
			}
			got, want := readMetrics(t, killed), readMetrics(t, ref)
			if got.TestRelL2 != want.TestRelL2 {
				t.Errorf("killed twice and resumed: rel L2 %v, uninterrupted %v", got.TestRelL2, want.TestRelL2)
			}
			steps := func(runDir string) string { // the log without its seconds column
				var out []string
				for _, l := range strings.Split(string(must(os.ReadFile(filepath.Join(runDir, "train_log.csv")))), "\n") {
					if i := strings.LastIndex(l, ","); i >= 0 {
						out = append(out, l[:i])
					}
				}
				return strings.Join(out, "\n")
			}
			if steps(killed) != steps(ref) {
				t.Error("train_log.csv of the killed and resumed run differs from the uninterrupted one's")
			}
		})
	}
}
