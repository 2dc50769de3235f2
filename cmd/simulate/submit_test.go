package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/internal/mpi"
)

// requireSlurmEnv turns a missing SLURM into a failure (make test sets
// it), as SURROGO_REQUIRE_H5PY does for h5py.
const requireSlurmEnv = "SURROGO_REQUIRE_SLURM"

// localSlurm is the one-node cluster of this test binary, started by
// scripts/slurm-local.sh on first use and stopped by TestMain.
var localSlurm struct {
	once sync.Once
	dir  string // its directory: slurm.conf, logs
	err  error
}

// needSlurm starts the local cluster if needed and returns the
// environment that points SLURM's clients at it. Without one (no
// slurm-wlm, not root) the test is skipped, or fails when
// SURROGO_REQUIRE_SLURM=1.
func needSlurm(t *testing.T) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs jobs on a local SLURM cluster")
	}
	localSlurm.once.Do(startLocalSlurm)
	if localSlurm.err != nil {
		if os.Getenv(requireSlurmEnv) == "1" {
			t.Fatalf("a local SLURM cluster is required (%s=1): %v", requireSlurmEnv, localSlurm.err)
		}
		t.Skipf("no local SLURM cluster: %v", localSlurm.err)
	}
	return []string{"SLURM_CONF=" + filepath.Join(localSlurm.dir, "slurm.conf")}
}

func startLocalSlurm() {
	if _, err := exec.LookPath("slurmctld"); err != nil {
		localSlurm.err = fmt.Errorf("slurmctld not found (scripts/setup.sh test installs slurm-wlm and munge)")
		return
	}
	dir, err := os.MkdirTemp("", "surrogo-slurm-")
	if err != nil {
		localSlurm.err = err
		return
	}
	localSlurm.dir = dir
	ports, err := freePorts(2)
	if err != nil {
		localSlurm.err = err
		return
	}
	out, err := exec.Command("../../scripts/slurm-local.sh", "start", dir, ports[0], ports[1]).CombinedOutput()
	if err != nil {
		localSlurm.err = fmt.Errorf("scripts/slurm-local.sh start: %v\n%s", err, out)
	}
}

// stopLocalSlurm stops the cluster if a test started one.
func stopLocalSlurm() {
	if localSlurm.dir == "" {
		return
	}
	exec.Command("../../scripts/slurm-local.sh", "stop", localSlurm.dir).Run()
	os.RemoveAll(localSlurm.dir)
}

// freePorts returns n TCP ports free on loopback right now.
func freePorts(n int) ([]string, error) {
	var ports []string
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, fmt.Sprint(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

// simulateWrapper writes an executable that runs this test binary as
// simulate, for the jobs to call.
func simulateWrapper(t *testing.T, dir string) string {
	t.Helper()
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "simulate")
	script := fmt.Sprintf("#!/bin/sh\nSURROGO_TEST_CHILD=1 exec %s -test.run='^$' -- \"$@\"\n", self)
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// submitStudy runs simulate submit in dir and returns the job ids by
// stage.
func submitStudy(t *testing.T, env []string, dir string, args ...string) map[string]string {
	t.Helper()
	cmd := child(t, env, append([]string{"submit", "-simulate", simulateWrapper(t, dir)}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("simulate submit: %v\n%s", err, out)
	}
	ids := map[string]string{}
	for _, m := range regexp.MustCompile(`submitted (\w+) job (\d+)`).FindAllStringSubmatch(string(out), -1) {
		ids[m[1]] = m[2]
		// A failed test leaves no job running on into the next ones.
		t.Cleanup(func() {
			cmd := exec.Command("scancel", m[2])
			cmd.Env = append(os.Environ(), env...)
			cmd.Run()
		})
	}
	if len(ids) == 0 {
		t.Fatalf("simulate submit printed no job ids:\n%s", out)
	}
	return ids
}

// jobStates returns the state of every job and array task of a job id
// (scontrol keeps finished jobs for MinJobAge, 300 s).
func jobStates(t *testing.T, env []string, id string) []string {
	t.Helper()
	cmd := exec.Command("scontrol", "show", "job", id)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scontrol show job %s: %v", id, err)
	}
	var states []string
	for _, m := range regexp.MustCompile(`JobState=(\S+)`).FindAllStringSubmatch(string(out), -1) {
		states = append(states, m[1])
	}
	return states
}

// waitJobs waits until every job has finished and fails the test, with
// the jobs' logs, unless all completed.
func waitJobs(t *testing.T, env []string, runDir string, ids map[string]string) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for _, stage := range []string{"generate", "data", "train", "points", "finish"} {
		id, ok := ids[stage]
		if !ok {
			continue
		}
		for {
			states := jobStates(t, env, id)
			done := len(states) > 0
			for _, s := range states {
				if s != "COMPLETED" {
					done = false
				}
				if s == "FAILED" || s == "CANCELLED" || s == "TIMEOUT" || s == "NODE_FAIL" || s == "OUT_OF_MEMORY" {
					t.Fatalf("%s job %s: %v\n%s", stage, id, states, jobLogs(runDir))
				}
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s job %s not finished after 4 minutes: %v\n%s", stage, id, states, jobLogs(runDir))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// jobLogs is what the jobs of a run directory printed and what slurmctld
// logged, for a failure message.
func jobLogs(runDir string) string {
	var b strings.Builder
	if raw, err := os.ReadFile(filepath.Join(localSlurm.dir, "slurmctld.log")); err == nil {
		fmt.Fprintf(&b, "--- slurmctld.log\n%s", raw)
	}
	logs, _ := filepath.Glob(filepath.Join(runDir, "slurm", "logs", "*.out"))
	for _, l := range logs {
		raw, _ := os.ReadFile(l)
		fmt.Fprintf(&b, "--- %s\n%s", l, raw)
	}
	return b.String()
}

// TestSubmitUnderSlurm submits a study to a real one-node SLURM: the
// generation as an array of 3 shards, the training (which merges them),
// and the finishing run (evaluation, figures). The run directory holds
// what a local `simulate run` of the same config writes, with the same
// data, model, metrics and training curve; the jobs' log lines carry
// their job and task ids.
func TestSubmitUnderSlurm(t *testing.T) {
	env := needSlurm(t)
	dir := t.TempDir()
	// A space in the working directory: the scripts' paths are quoted.
	dir = filepath.Join(dir, "work dir")
	must(0, os.Mkdir(dir, 0o755))
	// The same config for both: [slurm] is part of the resolved config.
	cfg := writeStudy(t, dir, "1e-3", 4)
	appendFile(t, cfg, "\n[slurm]\nshards = 3\ntime = \"10:00\"\n")
	runDir := filepath.Join(dir, "runs", "tiny")
	local := localRun(t, dir, cfg, runDir)
	ids := submitStudy(t, env, dir, cfg)
	waitJobs(t, env, runDir, ids)
	sameRunContent(t, local, runDir)

	logs := jobLogs(runDir)
	for _, want := range []string{"job=" + ids["generate"] + "_1 ", "job=" + ids["generate"] + "_3 ", "job=" + ids["train"] + " ", "job=" + ids["finish"] + " "} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line carries %q:\n%s", want, logs)
		}
	}
}

// TestSubmitSweepUnderSlurm submits a 2-point sweep: the data job, the
// array of points (both sharing the one data file it made), and the
// finishing table with the swept key as a column.
func TestSubmitSweepUnderSlurm(t *testing.T) {
	env := needSlurm(t)
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 3)
	ids := submitStudy(t, env, dir, "-grid", "train.lr=3e-3,1e-3", cfg)
	sweepDir := filepath.Join(dir, "runs", "tiny", "sweep")
	waitJobs(t, env, sweepDir, ids)
	for _, point := range []string{"train.lr=3e-3", "train.lr=1e-3"} {
		m := readMetrics(t, filepath.Join(sweepDir, point))
		if !(m.TestRelL2 > 0) {
			t.Errorf("point %s: test rel L2 %v", point, m.TestRelL2)
		}
	}
	logs := jobLogs(sweepDir)
	for _, want := range []string{"job=" + ids["points"] + "_0 ", "job=" + ids["points"] + "_1 ", "| train.lr |", "| 0.003 |", "| 0.001 |"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the sweep's logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Count(logs, "already holds these samples") < 2 {
		t.Errorf("the points did not both keep the data the data job made:\n%s", logs)
	}
}

// TestSubmitRequeueResumes requeues the training job mid-training
// (scontrol requeue, as preemption does): SLURM sends it SIGTERM, it
// keeps a checkpoint and exits 75, runs again and resumes, and the study
// ends with the metrics and training curve of an uninterrupted local run.
func TestSubmitRequeueResumes(t *testing.T) {
	env := needSlurm(t)
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 400)
	runDir := filepath.Join(dir, "runs", "tiny")
	local := localRun(t, dir, cfg, runDir)
	ids := submitStudy(t, env, dir, cfg)
	again := child(t, env, "submit", "-simulate", simulateWrapper(t, dir), cfg)
	again.Dir = dir
	if out, err := again.CombinedOutput(); err == nil || !strings.Contains(string(out), "are still queued or running") {
		t.Errorf("a second submission while the first's jobs are queued: %v\n%s; want it refused", err, out)
	}
	epochs := func() int {
		raw, _ := os.ReadFile(filepath.Join(runDir, "train_log.csv"))
		return strings.Count(string(raw), "\n") - 1
	}
	deadline := time.Now().Add(3 * time.Minute)
	for epochs() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("training never reached epoch 20:\n%s", jobLogs(runDir))
		}
		time.Sleep(50 * time.Millisecond)
	}
	scontrol(t, env, "requeue", ids["train"])
	// A requeued job waits for a begin time SLURM sets about two minutes
	// ahead; the test brings it forward to 3 s from now (not to now:
	// slurmd refuses a job credential issued within the second its
	// previous run's credential was revoked in).
	deadline = time.Now().Add(time.Minute)
	for !slices.Contains(jobStates(t, env, ids["train"]), "PENDING") {
		if time.Now().After(deadline) {
			t.Fatalf("the requeued training job never became pending: %v\n%s", jobStates(t, env, ids["train"]), jobLogs(runDir))
		}
		time.Sleep(100 * time.Millisecond)
	}
	stoppedAt := epochs()
	scontrol(t, env, "update", "jobid="+ids["train"], "StartTime=now+3")
	waitJobs(t, env, runDir, ids)

	if stoppedAt >= 400 {
		t.Fatalf("training had finished (%d epochs) before the requeue took effect", stoppedAt)
	}
	var train struct {
		ResumedFrom int `json:"resumed_from"`
	}
	raw, err := os.ReadFile(filepath.Join(runDir, "train.json"))
	if err == nil {
		err = json.Unmarshal(raw, &train)
	}
	if err != nil || train.ResumedFrom < 20 || train.ResumedFrom > stoppedAt {
		t.Errorf("train.json: resumed_from %d (%v); want the epoch the requeue stopped at, 20 to %d\n%s", train.ResumedFrom, err, stoppedAt, jobLogs(runDir))
	}
	if a, b := readMetrics(t, local), readMetrics(t, runDir); a.TestRelL2 != b.TestRelL2 || a.TestRelL2Max != b.TestRelL2Max {
		t.Errorf("requeued study: test rel L2 %v (max %v); uninterrupted local run %v (max %v)", b.TestRelL2, b.TestRelL2Max, a.TestRelL2, a.TestRelL2Max)
	}
	t.Logf("requeued at epoch %d of 400", stoppedAt)
}

// localRun runs the study locally in dir, into its own run directory
// runDir, then moves that aside, to dir/local, and returns where: the
// jobs write runDir afresh, with the same settings, paths included.
func localRun(t *testing.T, dir, cfg, runDir string) string {
	t.Helper()
	cmd := child(t, nil, "run", "-q", cfg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("local run: %v\n%s", err, out)
	}
	local := filepath.Join(dir, "local")
	if err := os.Rename(runDir, local); err != nil {
		t.Fatal(err)
	}
	return local
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func scontrol(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("scontrol", args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scontrol %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// sameRunContent checks that run directory got holds every file of want
// with the same content: HDF5 datasets value for value, JSON and CSV
// apart from wall-clock times, the resolved config apart from its
// comment; figures by name. Left aside: got's slurm/ directory (scripts,
// frozen config, logs) and its generation shards.
func sameRunContent(t *testing.T, want, got string) {
	t.Helper()
	var files []string
	filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != ".lock" {
			rel, _ := filepath.Rel(want, p)
			files = append(files, rel)
		}
		return nil
	})
	filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(got, p)
		switch {
		case err != nil || d.Name() == ".lock":
		case d.IsDir() && rel == "slurm":
			return filepath.SkipDir
		case !d.IsDir() && !strings.Contains(d.Name(), ".shard-") && !slices.Contains(files, rel):
			t.Errorf("%s has %s, which the local run has not", got, rel)
		}
		return nil
	})
	for _, rel := range files {
		a, b := filepath.Join(want, rel), filepath.Join(got, rel)
		if _, err := os.Stat(b); err != nil {
			t.Errorf("%s: missing (the local run wrote it)", b)
			continue
		}
		switch filepath.Ext(rel) {
		case ".h5":
			sameDatasets(t, a, b)
		case ".json":
			sameJSON(t, a, b)
		case ".csv", ".toml":
			sameText(t, a, b)
		}
	}
}

// timeKeys are the JSON keys that hold wall-clock times or their ratios,
// and where a run happened.
var timeKeys = []string{"seconds", "started", "finished", "train_seconds", "inference_seconds_per_sample",
	"solver_seconds_per_sample", "speedup", "config", "host"}

func sameJSON(t *testing.T, a, b string) {
	t.Helper()
	read := func(p string) any {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return dropKeys(v, timeKeys)
	}
	x, y := read(a), read(b)
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	if string(xs) != string(ys) {
		t.Errorf("%s differs from %s:\n%s\n%s", b, a, ys, xs)
	}
}

func dropKeys(v any, keys []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(keys, k) {
				delete(x, k)
			} else {
				x[k] = dropKeys(e, keys)
			}
		}
	case []any:
		for i := range x {
			x[i] = dropKeys(x[i], keys)
		}
	}
	return v
}

// sameText compares text files without comment lines and without a CSV
// column named seconds.
func sameText(t *testing.T, a, b string) {
	t.Helper()
	clean := func(p string) string {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		secondsCol := -1
		for i, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			cells := strings.Split(line, ",")
			if i == 0 && filepath.Ext(p) == ".csv" {
				secondsCol = slices.Index(cells, "seconds")
			}
			if secondsCol >= 0 && secondsCol < len(cells) {
				cells = slices.Delete(cells, secondsCol, secondsCol+1)
			}
			lines = append(lines, strings.Join(cells, ","))
		}
		return strings.Join(lines, "\n")
	}
	if x, y := clean(a), clean(b); x != y {
		t.Errorf("%s differs from %s:\n%s\n---\n%s", b, a, y, x)
	}
}

// sameDatasets compares every dataset of two HDF5 files value for value.
func sameDatasets(t *testing.T, a, b string) {
	t.Helper()
	want, got := datasetValues(t, a), datasetValues(t, b)
	if len(want) == 0 {
		t.Errorf("%s: no datasets", a)
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: no dataset %s", b, name)
		} else if !slices.Equal(g, w) {
			t.Errorf("%s: dataset %s differs from %s's", b, name, a)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: dataset %s, which %s has not", b, name, a)
		}
	}
}

func datasetValues(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]float64{}
	err = f.Walk(func(e datasets.Entry) error {
		if e.Kind != datasets.KindDataset {
			return nil
		}
		v, _, err := datasets.Read[float64](f.Group, e.Path)
		if err != nil {
			return err
		}
		out[e.Path] = v
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// TestSubmitDryRunAndRefusals: -dry-run prints the three scripts with the
// flags' resources and writes nothing; a bad resource is refused naming
// its key; without sbatch on PATH, submit says so and writes nothing.
func TestSubmitDryRunAndRefusals(t *testing.T) {
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 2)
	runDir := filepath.Join(dir, "runs", "tiny")
	wrapper := simulateWrapper(t, t.TempDir())
	cmd := child(t, nil, "submit", "-simulate", wrapper, "-dry-run", "-shards", "2", "-partition", "short", "-time", "1:00:00", "-cpus", "4", "-mem", "2G", cfg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("submit -dry-run: %v\n%s", err, out)
	}
	for _, want := range []string{"#SBATCH --array=1-2", "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "#SBATCH --cpus-per-task=4",
		"#SBATCH --mem=2G", "--dependency=afterok:<generate job>", "--dependency=afterok:<train job>", " train ", " run "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("-dry-run created %s", runDir)
	}
	cmd = child(t, nil, "submit", "-simulate", wrapper, "-dry-run", "-grid", "train.lr=1e-3,3e-4", "-grid", "model.width=4,8,16", cfg)
	cmd.Dir = dir
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("submit -dry-run -grid: %v\n%s", err, out)
	}
	for _, want := range []string{"sweep -data -grid train.lr=1e-3,3e-4 -grid model.width=4,8,16 ", "#SBATCH --array=0-5",
		`sweep -point "${SLURM_ARRAY_TASK_ID}" -grid train.lr=1e-3,3e-4`, "--dependency=afterok:<points job>", "runs/tiny/sweep/slurm/config.toml"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("sweep dry run lacks %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"-time", "2h"}, nil, 1, `slurm.time: expected a SLURM time limit`},
		{[]string{"-shards", "40"}, nil, 1, `slurm.shards: 40 shards for 32 samples`},
		{[]string{"-shards", "two"}, nil, 1, `slurm.shards`},
		{nil, []string{"PATH=" + t.TempDir()}, 1, "sbatch not found on PATH"},
		{[]string{"-grid", "train.lr=1e-3,3e-4", "-shards", "2"}, nil, 1, "slurm.shards = 2: a sweep's data is generated by one job"},
		{[]string{"-grid", "train.lr="}, nil, 2, "-grid"},
		{[]string{"-grid", "train.lr=abc,1e-3"}, nil, 1, "train.lr"},
		{[]string{"-time", "1", "-set", "slurm.signal_seconds=60"}, nil, 1, "slurm.signal_seconds: 60 s of warning leave less than half of the 60 s time limit"},
		{[]string{"-simulate="}, nil, 2, "temporary binary of go run"},
	} {
		args := append([]string{"submit"}, tc.args...)
		if !slices.Contains(tc.args, "-simulate=") {
			args = append(args, "-simulate", wrapper)
		}
		cmd := child(t, tc.env, append(args, cfg)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.code || !strings.Contains(string(out), tc.want) {
			t.Errorf("submit %v: exit %d, %s; want exit %d and %q", tc.args, code, out, tc.code, tc.want)
		}
		if _, err := os.Stat(runDir); !os.IsNotExist(err) {
			t.Errorf("submit %v created %s", tc.args, runDir)
		}
	}
}

// TestSubmitMPIUnderSlurm submits a study with slurm.ranks = 2: the
// training job runs on two MPI processes started by srun --mpi=pmix
// (data-parallel), records them in train.json, and ends where one process
// does, up to the reassociation of sums. It needs the binary built with
// -tags mpi (make test runs it so).
func TestSubmitMPIUnderSlurm(t *testing.T) {
	if !mpi.Enabled {
		t.Skip("needs a simulate built with -tags mpi (make test runs this test so)")
	}
	env := needSlurm(t)
	dir := t.TempDir()
	cfg := writeStudy(t, dir, "1e-3", 4)
	appendFile(t, cfg, "\n[slurm]\nranks = 2\n")
	runDir := filepath.Join(dir, "runs", "tiny")
	local := localRun(t, dir, cfg, runDir)
	ids := submitStudy(t, env, dir, cfg)
	waitJobs(t, env, runDir, ids)
	var train struct {
		Ranks     int     `json:"ranks"`
		TestRelL2 float64 `json:"test_rel_l2"`
	}
	raw, err := os.ReadFile(filepath.Join(runDir, "train.json"))
	if err == nil {
		err = json.Unmarshal(raw, &train)
	}
	if err != nil || train.Ranks != 2 {
		t.Fatalf("train.json: ranks %d (%v), want 2\n%s", train.Ranks, err, jobLogs(runDir))
	}
	a, b := readMetrics(t, local), readMetrics(t, runDir)
	if diff := math.Abs(a.TestRelL2-b.TestRelL2) / a.TestRelL2; !(diff < 1e-4) {
		t.Errorf("test rel L2 on 2 ranks %v, on one process %v: relative difference %.2g, want < 1e-4", b.TestRelL2, a.TestRelL2, diff)
	}
}
