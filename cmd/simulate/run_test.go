package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/surrogo/surrogo/experiments"
)

// TestMain lets the tests run the command in a child process (to kill it,
// or to limit its file size): SURROGO_TEST_CHILD=1 runs main's run() on the
// arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("SURROGO_TEST_CHILD") == "1" {
		if lim := os.Getenv("SURROGO_TEST_FSIZE"); lim != "" {
			n, _ := strconv.ParseUint(lim, 10, 64)
			signal.Ignore(syscall.SIGXFSZ) // writes past the limit fail with EFBIG instead
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(3)
			}
		}
		args := os.Args
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(runOnStdio(args))
	}
	code := m.Run()
	stopLocalSlurm()
	os.Exit(code)
}

// child starts this test binary as `simulate args...`.
func child(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "SURROGO_TEST_CHILD=1"), env...)
	return cmd
}

// tinyStudy is a complete study that runs in a few seconds.
const tinyStudy = `name = "tiny"
seed = 5

[data]
solver = "burgers"
train = 24
test = 8
resolution = 32
t_end = 0.5
dt = DT

[data.params]
nu = 0.1

[model]
kind = "fno"
width = 8
modes = [6]

[train]
epochs = EPOCHS
batch = 8
lr = 3e-3
schedule = "cosine"
eval_every = 1
checkpoint_every = 1

[eval]
resolutions = [64]
superres_samples = 2
solver_samples = 2
`

func writeStudy(t *testing.T, dir, dt string, epochs int) string {
	t.Helper()
	p := filepath.Join(dir, "study.toml")
	text := strings.ReplaceAll(strings.ReplaceAll(tinyStudy, "DT", dt), "EPOCHS", strconv.Itoa(epochs))
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readMetrics(t *testing.T, dir string) experiments.Metrics {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m experiments.Metrics
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 3)
	runDir := filepath.Join(dir, "run")
	code, out, errOut := runCLI("run", "-out", runDir, cfg)
	if code != 0 {
		t.Fatalf("run exit %d: %s\n%s", code, errOut, out)
	}
	for _, f := range []string{"config.toml", "run.json", "data/data.h5", "checkpoints/last.h5", "train_log.csv", "train.json",
		"metrics.json", "predictions.h5", "figures/loss.png", "figures/loss.svg", "figures/samples.png",
		"figures/spectrum.svg", "figures/resolution_error.png"} {
		st, err := os.Stat(filepath.Join(runDir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("output %s: %v", f, err)
		}
	}
	resolved, _ := os.ReadFile(filepath.Join(runDir, "config.toml"))
	for _, want := range []string{`solver = "burgers"`, "layers = 4", "proj_hidden = 128", "ic_tau = 5.0", `optimizer = "adam"`} {
		if !strings.Contains(string(resolved), want) {
			t.Errorf("config.toml lacks the resolved %q:\n%s", want, resolved)
		}
	}
	rec, err := experiments.ReadRunRecord(runDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"generate", "train", "eval", "plot"} {
		if s := rec.Stages[st]; s == nil || s.Status != "done" || len(s.Hash) < 64 {
			t.Errorf("run.json stage %s: %+v", st, s)
		}
	}
	if rec.Finished == nil || rec.Surrogo == "" || rec.Host == "" {
		t.Errorf("run.json provenance: %+v", rec)
	}
	lines := strings.Split(strings.TrimSpace(string(must(os.ReadFile(filepath.Join(runDir, "train_log.csv"))))), "\n")
	if len(lines) != 4 || lines[0] != "epoch,step,lr,train_loss,test_rel_l2,seconds" {
		t.Errorf("train_log.csv: %q", lines)
	}
	m := readMetrics(t, runDir)
	if !(m.TestRelL2 > 0 && m.TestRelL2 < 10) || m.Params == 0 || !(m.Speedup > 0) || m.SuperResolution["64"] <= 0 {
		t.Errorf("metrics: %+v", m)
	}
	if !strings.Contains(out, "| "+runDir+" (tiny) | fno w8 m[6] |") {
		t.Errorf("run summary table missing:\n%s", out)
	}
	if !strings.Contains(out, "level=INFO msg=\"train: started\"") || !strings.Contains(out, "eta ") {
		t.Errorf("batch-job log lines (not a terminal) missing:\n%s", out)
	}

	// The same command again: every stage is skipped, nothing changes.
	code, out, errOut = runCLI("run", "-out", runDir, cfg)
	if code != 0 || strings.Count(out, "done earlier, skipped") != 4 {
		t.Errorf("rerun exit %d: %s\n%s", code, out, errOut)
	}
	if m2 := readMetrics(t, runDir); m2.TestRelL2 != m.TestRelL2 {
		t.Errorf("rerun changed metrics: %v -> %v", m.TestRelL2, m2.TestRelL2)
	}
	// A changed config is refused, naming the keys.
	code, _, errOut = runCLI("run", "-out", runDir, "-set", "train.lr=1e-3", "-set", "model.width=12", cfg)
	if code != 1 || !strings.Contains(errOut, "changed keys: model.width, train.lr") || !strings.Contains(errOut, "-force") {
		t.Errorf("changed config: exit %d: %s", code, errOut)
	}
	// A change of [eval] keys alone keeps the data and the model and
	// evaluates again.
	code, out, errOut = runCLI("run", "-out", runDir, "-set", "eval.solver_samples=1", cfg)
	if code != 0 || strings.Count(out, "done earlier, skipped") != 2 || !strings.Contains(string(must(os.ReadFile(filepath.Join(runDir, "config.toml")))), "solver_samples = 1") {
		t.Errorf("eval keys changed: exit %d: %s\n%s", code, out, errOut)
	}
	if m2 := readMetrics(t, runDir); m2.TestRelL2 != m.TestRelL2 {
		t.Errorf("evaluating the same model again changed its test error: %v -> %v", m.TestRelL2, m2.TestRelL2)
	}
	// compare, config, plot.
	code, out, _ = runCLI("compare", runDir, runDir)
	if code != 0 || strings.Count(out, "| run | model |") != 1 || strings.Count(out, "| "+runDir+" (tiny) | fno w8 m[6] |") != 2 || strings.Count(out, "\n") != 4 {
		t.Errorf("compare exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI("config", "-set", "train.epochs=7", cfg)
	if code != 0 || !strings.Contains(out, "epochs = 7") || !strings.Contains(out, "nu = 0.1") {
		t.Errorf("config exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI("plot", "-formats", "pdf", runDir)
	if code != 0 || !strings.Contains(out, "loss.pdf") {
		t.Errorf("plot exit %d:\n%s", code, out)
	}
	if raw, err := os.ReadFile(filepath.Join(runDir, "figures", "loss.pdf")); err != nil || !strings.HasPrefix(string(raw), "%PDF") {
		t.Errorf("loss.pdf: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRunKilledResumes kills `simulate run` (SIGKILL) once during
// generation and once during training, reruns it each time, and checks
// the final metrics equal those of an uninterrupted run.
func TestRunKilledResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; seconds")
	}
	dir := t.TempDir()
	// dt 5e-6: 100,000 steps per sample, so generation on one worker takes
	// several seconds even on a fast idle machine (kill after 2.5 s).
	// 40 epochs leave a wide window to kill training between checkpoints.
	cfg := writeStudy(t, dir, "5e-6", 40)
	ref := filepath.Join(dir, "ref")
	if code, out, errOut := runCLI("run", "-q", "-workers", "1", "-out", ref, cfg); code != 0 {
		t.Fatalf("reference run: %s %s", out, errOut)
	}
	want := readMetrics(t, ref)

	killed := filepath.Join(dir, "killed")
	var out syncBuffer
	killWhen := func(what string, ready func() bool) string {
		t.Helper()
		out.Reset()
		cmd := child(t, nil, "run", "-workers", "1", "-out", killed, cfg)
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Minute) // generous: CI machines may be loaded
		for !ready() {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("%s never reached", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		return out.String()
	}
	stageRunning := func(stage string) bool {
		rec, err := experiments.ReadRunRecord(killed)
		return err == nil && rec.Stages[stage] != nil && rec.Stages[stage].Status == "running"
	}
	// Mid-generation: once 3 of 32 samples are reported (the first sample
	// is flushed at once, so the temporary file holds at least one).
	killWhen("generation", func() bool {
		return strings.Contains(out.String(), "done=3 ") && stageRunning("generate")
	})
	if _, err := os.Stat(filepath.Join(killed, "data", "data.h5")); err == nil {
		t.Fatal("data.h5 exists: the kill came after generation")
	}
	// Mid-training: once two epochs are checkpointed.
	out2 := killWhen("training", func() bool {
		raw, err := os.ReadFile(filepath.Join(killed, "train_log.csv"))
		return err == nil && strings.Count(string(raw), "\n") >= 3 && stageRunning("train")
	})
	if !strings.Contains(out2, "generate: resuming after") {
		t.Errorf("generation started over instead of resuming:\n%s", out2)
	}
	rec, _ := experiments.ReadRunRecord(killed)
	if rec.Stages["generate"].Status != "done" || rec.Stages["train"].Status != "running" {
		t.Fatalf("after the second kill: generate %s, train %s", rec.Stages["generate"].Status, rec.Stages["train"].Status)
	}
	code, out3, errOut := runCLI("run", "-workers", "1", "-out", killed, cfg)
	if code != 0 {
		t.Fatalf("resumed run: %s %s", out3, errOut)
	}
	if !strings.Contains(out3, "generate: done earlier, skipped") || strings.Contains(out3, "epoch 1/40") {
		t.Errorf("the rerun did not resume (generation skipped, training from its checkpoint):\n%s", out3)
	}
	got := readMetrics(t, killed)
	if got.TestRelL2 != want.TestRelL2 || got.TestRelL2Max != want.TestRelL2Max || got.SuperResolution["64"] != want.SuperResolution["64"] {
		t.Errorf("killed and resumed run: rel L2 %v (max %v, 64: %v), uninterrupted %v (max %v, 64: %v)",
			got.TestRelL2, got.TestRelL2Max, got.SuperResolution["64"], want.TestRelL2, want.TestRelL2Max, want.SuperResolution["64"])
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 1)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(strings.Replace(string(must(os.ReadFile(cfg))), "lr = 3e-3", "lr = 3e-3\nlearning_rate = 1", 1)), 0o644)
	file := filepath.Join(dir, "plain-file")
	os.WriteFile(file, []byte("x"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown key", []string{"run", bad}, 1, []string{"bad.toml:24: train.learning_rate: unknown key"}},
		{"wrong type in -set", []string{"run", "-set", "train.lr=fast", cfg}, 1, []string{"train.lr", "-set train.lr=fast", "string"}},
		{"unknown -set key", []string{"run", "-set", "model.depth=3", cfg}, 1, []string{"model.depth: unknown key", "-set model.depth=3"}},
		{"malformed -set", []string{"run", "-set", "lr", cfg}, 2, []string{"expected KEY=VALUE"}},
		{"missing config", []string{"run", filepath.Join(dir, "nope.toml")}, 1, []string{"nope.toml", "no such file"}},
		{"run dir not writable", []string{"run", "-out", filepath.Join(file, "run"), cfg}, 1, []string{"plain-file", "not a directory"}},
		{"no config", []string{"run"}, 2, []string{"usage: simulate run"}},
		{"compare without metrics", []string{"compare", dir}, 1, []string{"no metrics.json"}},
		{"plot format", []string{"plot", "-formats", "gif", dir}, 2, []string{`unknown format "gif"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, errOut)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); c.code == 1 && n != 0 {
				t.Errorf("error is not one line:\n%s", errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestRunDiskFull runs the study with a 200 KB file-size limit, so writing
// the data file fails part-way as on a full disk: one clear error line,
// exit 1, the stage marked failed, and no data.h5 under its final name.
func TestRunDiskFull(t *testing.T) {
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 1)
	os.WriteFile(cfg, []byte(strings.Replace(string(must(os.ReadFile(cfg))), "train = 24", "train = 2000", 1)), 0o644)
	runDir := filepath.Join(dir, "run")
	cmd := child(t, []string{"SURROGO_TEST_FSIZE=200000"}, "run", "-q", "-out", runDir, cfg)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1:\n%s", err, out)
	}
	msg := strings.TrimSpace(string(out))
	if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "generate stage") {
		t.Errorf("error output:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(runDir, "data", "data.h5")); err == nil {
		t.Error("a partial data.h5 appeared under its final name")
	}
	rec, err := experiments.ReadRunRecord(runDir)
	if err != nil || rec.Stages["generate"].Status != "failed" || rec.Stages["train"] != nil {
		t.Errorf("run.json after the failure: %+v %v", rec, err)
	}
}
