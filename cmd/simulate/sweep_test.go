package main

import (
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/surrogo/surrogo/experiments"
)

// sweepStudy is tinyStudy (one epoch) with its run directory under dir.
func sweepStudy(t *testing.T, dir string) (cfg, sweepDir string) {
	t.Helper()
	runDir := filepath.Join(dir, "run")
	text := strings.ReplaceAll(strings.ReplaceAll(tinyStudy, "DT", "1e-3"), "EPOCHS", "1")
	text = strings.Replace(text, "seed = 5\n", fmt.Sprintf("seed = 5\nrun_dir = %q\n", runDir), 1)
	cfg = filepath.Join(dir, "sweep.toml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(runDir, "sweep")
}

// TestSweepEndToEnd runs a 2x2 sweep of the tiny study: every point gets
// its own run directory whose config.toml carries its values, with
// metrics; the points share one data file; the sweep ends with the
// compare table (the swept keys as columns) and the figure of the test
// error against the first key. Rerunning it runs nothing; compare of the
// sweep directory prints the same table; -point i reruns one point;
// -dry-run lists the points.
func TestSweepEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg, sweepDir := sweepStudy(t, dir)
	args := []string{"sweep", "-grid", "train.lr=3e-3,1e-2", "-grid", "model.width=4,6", "-set", "eval.solver_samples=1", cfg}
	code, out, errOut := runCLI(args...)
	if code != 0 {
		t.Fatalf("sweep exit %d: %s\n%s", code, errOut, out)
	}
	points := []struct {
		dir, lr, width string
	}{
		{"train.lr=3e-3,model.width=4", "lr = 0.003", "width = 4"},
		{"train.lr=3e-3,model.width=6", "lr = 0.003", "width = 6"},
		{"train.lr=1e-2,model.width=4", "lr = 0.01", "width = 4"},
		{"train.lr=1e-2,model.width=6", "lr = 0.01", "width = 6"},
	}
	metrics := map[string]float64{}
	for _, p := range points {
		run := filepath.Join(sweepDir, p.dir)
		resolved := string(must(os.ReadFile(filepath.Join(run, "config.toml"))))
		for _, want := range []string{p.lr, p.width, "solver_samples = 1", fmt.Sprintf("store = %q", filepath.Join(sweepDir, "data"))} {
			if !strings.Contains(resolved, "\n"+want+"\n") && !strings.Contains(resolved, "  "+want+"\n") {
				t.Errorf("%s/config.toml lacks %q:\n%s", p.dir, want, resolved)
			}
		}
		metrics[p.dir] = readMetrics(t, run).TestRelL2
		row := fmt.Sprintf("| %s (tiny) | %s | %s | fno w%s m[6] |", filepath.Join(sweepDir, p.dir), strings.TrimPrefix(p.lr, "lr = "),
			strings.TrimPrefix(p.width, "width = "), strings.TrimPrefix(p.width, "width = "))
		if !strings.Contains(out, row) {
			t.Errorf("the table lacks the row starting %q:\n%s", row, out)
		}
	}
	if !strings.Contains(out, "| run | train.lr | model.width | model | params | test rel L2 |") {
		t.Errorf("the table's header lacks the swept keys:\n%s", out)
	}
	if !strings.Contains(out, "sweep point 0 (1 of 4): train.lr=3e-3, model.width=4 -> "+filepath.Join(sweepDir, points[0].dir)+"\n") ||
		!strings.Contains(out, "sweep point 3 (4 of 4): ") {
		t.Errorf("progress lines lack \"sweep point i (i+1 of n): \":\n%s", out)
	}
	if strings.Count(out, "already holds these samples") != 3 {
		t.Errorf("the points did not share one generation:\n%s", out)
	}
	checkPNG(t, filepath.Join(sweepDir, "test_rel_l2.png"))
	if _, err := experiments.ReadSweepManifest(sweepDir); err != nil {
		t.Error(err)
	}

	// Again: every stage of every point is skipped, metrics unchanged.
	code, out, errOut = runCLI(args...)
	if code != 0 || strings.Count(out, "done earlier, skipped") != 16 || strings.Contains(out, ": started") {
		t.Errorf("rerun exit %d: %s\n%s", code, errOut, out)
	}
	for _, p := range points {
		if m := readMetrics(t, filepath.Join(sweepDir, p.dir)).TestRelL2; m != metrics[p.dir] {
			t.Errorf("%s: rerun changed the metrics %v -> %v", p.dir, metrics[p.dir], m)
		}
	}

	// compare SWEEP_DIR: the points' rows, the swept keys first.
	fig := filepath.Join(dir, "figs", "sweep")
	code, cmp, errOut := runCLI("compare", "-figure", fig, sweepDir)
	if code != 0 || !strings.Contains(cmp, "| run | train.lr | model.width | model |") || strings.Count(cmp, "\n") != 8 ||
		!strings.Contains(cmp, "| "+filepath.Join(sweepDir, points[3].dir)+" (tiny) | 0.01 | 6 | fno w6 m[6] |") {
		t.Errorf("compare exit %d: %s\n%s", code, errOut, cmp)
	}
	checkPNG(t, fig+".png")

	// -point 2 alone: one point, its stages skipped; -dry-run lists all.
	code, out, errOut = runCLI(append([]string{"sweep", "-point", "2"}, args[1:]...)...)
	if code != 0 || strings.Count(out, "done earlier, skipped") != 4 || !strings.Contains(out, "sweep point 2 complete in "+filepath.Join(sweepDir, points[2].dir)) {
		t.Errorf("-point 2 exit %d: %s\n%s", code, errOut, out)
	}
	code, out, _ = runCLI(append([]string{"sweep", "-dry-run"}, args[1:]...)...)
	if code != 0 || !strings.Contains(out, "sweep of 4 points into "+sweepDir) || !strings.Contains(out, "  3  train.lr=1e-2, model.width=6  "+filepath.Join(sweepDir, points[3].dir)) ||
		!regexp.MustCompile(`data `+regexp.QuoteMeta(filepath.Join(sweepDir, "data"))+`/[0-9a-f]{20}/data\.h5: 4 of 4 points`).MatchString(out) {
		t.Errorf("-dry-run exit %d:\n%s", code, out)
	}
}

// checkPNG fails the test unless path is a PNG image.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// TestSweepRefusedUpFront: a bad value (first met at point 1), a key the
// config does not read, a key both swept and set and a point out of range
// are refused before anything runs (no run directory appears), naming
// the key, value and point; command-line mistakes exit 2.
func TestSweepRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	cfg, sweepDir := sweepStudy(t, dir)
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bad value", []string{"-grid", "model.width=4,6", "-grid", "train.lr=1e-3,abc"}, 1,
			[]string{"sweep point 1 (model.width=4, train.lr=abc; points numbered 0..3)", "train.lr: must be a number", `"abc"`}},
		{"unknown key", []string{"-grid", "model.depth=2,3"}, 1, []string{"sweep point 0 (model.depth=2", "model.depth: unknown key"}},
		{"key changes nothing", []string{"-grid", "train.checkpoint_every=1,2"}, 1, []string{"resolve to the same configuration"}},
		{"swept and set", []string{"-grid", "train.lr=1e-3,3e-4", "-set", "train.lr=1e-3"}, 2, []string{"-grid train.lr and -set train.lr=1e-3"}},
		{"swept twice", []string{"-grid", "train.lr=1e-3", "-grid", "train.lr=3e-4"}, 2, []string{"a key may be swept once"}},
		{"run_dir", []string{"-grid", "run_dir=a,b"}, 2, []string{"run_dir cannot be swept"}},
		{"empty value", []string{"-grid", "train.lr=1e-3,"}, 2, []string{"value 2 of 2 is empty"}},
		{"bracket not opened", []string{"-grid", "model.modes=8],[6]"}, 2, []string{`-grid "model.modes=8],[6]"`, `']' at character 2 closes a bracket that was not opened, in value "8]"`}},
		{"bracket not closed", []string{"-grid", "model.modes=[8,[6]"}, 2, []string{`'[' at character 1 is not closed, in value "[8,[6]"`}},
		{"equal as TOML", []string{"-grid", "train.lr=1,1.0"}, 2, []string{"values 1 (1) and 2 (1.0) are the same value"}},
		{"no grid", nil, 2, []string{"no axes"}},
		{"point out of range", []string{"-grid", "train.lr=1e-3,3e-4", "-point", "2"}, 2, []string{"-point 2: the sweep has 2 points (expected 0..1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(append(append([]string{"sweep"}, c.args...), cfg)...)
			if code != c.code || out != "" {
				t.Errorf("exit %d, want %d; stdout %q", code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if _, err := os.Stat(filepath.Dir(sweepDir)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused sweep made %s", filepath.Dir(sweepDir))
			}
		})
	}
}

// TestSweepSIGTERMResumes stops a sweep with SIGTERM while its first point
// generates: it exits 75 (resumable) saying the rerun command, and the
// rerun resumes the data and completes every point.
func TestSweepSIGTERMResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("signals a child process; seconds")
	}
	dir := t.TempDir()
	cfg, runDir := slowStudy(t, dir)
	sweepDir := filepath.Join(runDir, "sweep")
	args := []string{"sweep", "-workers", "1", "-grid", "train.lr=3e-3,1e-2", cfg}
	var out, errOut syncBuffer
	cmd := child(t, nil, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, cmd, "two samples", func() bool { return strings.Contains(out.String(), "done=2 ") })
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitResumable {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, errOut.String())
	}
	if msg := errOut.String(); !strings.Contains(msg, "sweep point 0 (train.lr=3e-3)") || !strings.Contains(msg, "kept in ") {
		t.Errorf("stderr: %s", msg)
	}
	code, stdout, stderr := runCLI(args...)
	if code != 0 || !strings.Contains(stdout, "resuming after ") {
		t.Fatalf("rerun exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, p := range []string{"train.lr=3e-3", "train.lr=1e-2"} {
		readMetrics(t, filepath.Join(sweepDir, p))
	}
}

// TestSweepDataThenPoints: -data generates the sweep's one shared data
// file and runs no point (the job before a job array); -point i then
// finds the data made. A point that fails (here: its run directory is
// locked by another command) is reported and the others still run; the
// sweep exits 1 naming it, its row unfinished in the table.
func TestSweepDataThenPoints(t *testing.T) {
	dir := t.TempDir()
	cfg, sweepDir := sweepStudy(t, dir)
	grid := []string{"-grid", "train.lr=3e-3,1e-2", cfg}
	code, out, errOut := runCLI(append([]string{"sweep", "-data"}, grid...)...)
	data := regexp.MustCompile(`sweep data (\S+) ready \(point 0: train.lr=3e-3\)`).FindStringSubmatch(out)
	if code != 0 || data == nil || filepath.Dir(filepath.Dir(data[1])) != filepath.Join(sweepDir, "data") {
		t.Fatalf("-data exit %d: %s\n%s", code, errOut, out)
	}
	if _, err := os.Stat(filepath.Join(sweepDir, "train.lr=3e-3")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("-data ran a point: %v", err)
	}
	code, out, errOut = runCLI(append([]string{"sweep", "-point", "1"}, grid...)...)
	if code != 0 || !strings.Contains(out, "already holds these samples") {
		t.Fatalf("-point 1 exit %d: %s\n%s", code, errOut, out)
	}
	lock, err := experiments.LockRunDir(filepath.Join(sweepDir, "train.lr=3e-3"), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, out, errOut = runCLI(append([]string{"sweep", "-point", "0"}, grid...)...)
	if want := "sweep point 0 (train.lr=3e-3) failed (rerun `simulate sweep -point 0 -grid train.lr=3e-3,1e-2 " + cfg + "` to retry it): "; code != 1 ||
		!strings.Contains(errOut, want) || strings.Contains(errOut, "sweep points failed") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("-point 0 locked: exit %d, stderr lacks %q (or says more):\n%s", code, want, errOut)
	}
	code, out, errOut = runCLI(append([]string{"sweep"}, grid...)...)
	if code != 1 || !strings.Contains(errOut, "1 of 2 sweep points failed") || !strings.Contains(errOut, "point 0 (train.lr=3e-3)") ||
		!strings.Contains(out, "unfinished: not started") || !strings.Contains(out, "done earlier, skipped") {
		t.Errorf("locked point: exit %d\n%s\n%s", code, out, errOut)
	}

	// Another sweep into the same run_dir: compare SWEEP_DIR shows both
	// sweeps' points, both swept keys as columns.
	code, out, errOut = runCLI("sweep", "-data", "-grid", "model.width=4,6", cfg)
	if code != 0 {
		t.Fatalf("second sweep's -data exit %d: %s\n%s", code, errOut, out)
	}
	_, out, _ = runCLI("compare", sweepDir)
	for _, want := range []string{"| run | train.lr | model.width | model |", "| " + filepath.Join(sweepDir, "train.lr=1e-2") + " (tiny) | 0.01 | 8 |",
		"| " + filepath.Join(sweepDir, "model.width=6") + " | ? | ? | ? | - | unfinished: no such directory |"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare of two sweeps lacks %q:\n%s", want, out)
		}
	}
}

// TestSweepUsage: the usage line names every flag.
func TestSweepUsage(t *testing.T) {
	code, _, errOut := runCLI("sweep")
	usage, _, _ := strings.Cut(errOut, "\n")
	for _, flag := range []string{"-grid", "-set", "-point", "-data", "-dry-run", "-q", "-workers"} {
		if !strings.Contains(usage, "["+flag+" ") && !strings.Contains(usage, "["+flag+"]") && !strings.Contains(usage, " "+flag+" ") {
			t.Errorf("usage line lacks %s: %s", flag, usage)
		}
	}
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

// TestSweepPointsAtOnce starts every point of a sweep as its own process
// at once, as a job array's tasks start without a -data job first: all
// finish, the shared data is generated once (the other tasks wait for it
// or find it made), and sweep.json lists every point.
func TestSweepPointsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes; seconds")
	}
	dir := t.TempDir()
	cfg, sweepDir := sweepStudy(t, dir)
	text := strings.Replace(string(must(os.ReadFile(cfg))), "train = 24\ntest = 8", "train = 8\ntest = 4", 1)
	text = strings.Replace(text, "dt = 1e-3", "dt = 1e-4", 1) // generating takes a moment: the other tasks wait
	os.WriteFile(cfg, []byte(strings.Replace(text, "batch = 8", "batch = 4", 1)), 0o644)
	lrs := []string{"3e-3", "1e-2", "3e-2"}
	cmds := make([]*exec.Cmd, len(lrs))
	outs := make([]*syncBuffer, len(lrs))
	for i := range lrs {
		outs[i] = &syncBuffer{}
		cmds[i] = child(t, []string{"GOMAXPROCS=1"}, "sweep", "-point", fmt.Sprint(i), "-workers", "1", "-set", "eval.solver_samples=1",
			"-grid", "train.lr="+strings.Join(lrs, ","), cfg)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.Process.Kill()
	}
	kept := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("point %d: %v\n%s", i, err, outs[i].String())
		}
		if strings.Contains(outs[i].String(), "already holds these samples") {
			kept++
		}
	}
	if kept != len(lrs)-1 {
		t.Errorf("%d of %d tasks found the data made, want all but the one that generated it", kept, len(lrs))
	}
	if data := must(filepath.Glob(filepath.Join(sweepDir, "data", "*", "data.h5"))); len(data) != 1 {
		t.Errorf("data files %q, want one", data)
	}
	m, err := experiments.ReadSweepManifest(sweepDir)
	if err != nil {
		t.Fatal(err)
	}
	for i, lr := range lrs {
		if i >= len(m.Points) || m.Points[i].Dir != "train.lr="+lr {
			t.Errorf("sweep.json points %+v, want train.lr=%s at %d", m.Points, lr, i)
		}
		readMetrics(t, filepath.Join(sweepDir, "train.lr="+lr))
	}
}
