package experiments

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slurmStudy is burgersConfig with an FNO and the [slurm] section SLURM.
const slurmStudy = burgersConfig + `
[model]
kind = "fno"
width = 4
modes = [4]

[train]
epochs = 1
batch = 4
schedule = "none"
SLURM`

// loadSlurmStudy loads slurmStudy with its data and run directory in
// dir (a new one when "").
func loadSlurmStudy(t *testing.T, dir, slurm string) (*Config, error) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	text := strings.Replace(slurmStudy, "SLURM", slurm, 1)
	text = strings.Replace(text, "seed = 7\n", fmt.Sprintf("seed = 7\nrun_dir = %q\n", filepath.Join(dir, "run")), 1)
	text = strings.ReplaceAll(text, "OUT", filepath.Join(dir, "out", "data.h5"))
	return Load(writeConfig(t, t.TempDir(), text))
}

func TestSlurmConfigRefuses(t *testing.T) {
	for _, tc := range []struct{ slurm, want string }{
		{`[slurm]` + "\n" + `time = "2 hours"`, `slurm.time: expected a SLURM time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED), found "2 hours"`},
		{`[slurm]` + "\n" + `mem = "8GB"`, `slurm.mem: expected a memory size such as 8G (digits with an optional K, M, G or T), found "8GB"`},
		{`[slurm]` + "\n" + `partition = "gpu; rm -rf"`, `slurm.partition: expected a partition name`},
		{`[slurm]` + "\n" + `account = "a b"`, `slurm.account: expected an account name`},
		{`[slurm]` + "\n" + `cpus = -1`, `slurm.cpus: expected 1 to 65536 cores per job (0 for the cluster's default), found -1`},
		{`[slurm]` + "\n" + `shards = 8`, `slurm.shards: 8 shards for 7 samples: at most one shard per sample`},
		{`[slurm]` + "\n" + `shards = -2`, `slurm.shards: expected at least 1 generation task (0 for the default 1), found -2`},
		{`[slurm]` + "\n" + `signal_seconds = -5`, `slurm.signal_seconds: expected 0 to 65535 seconds`},
		{`[slurm]` + "\n" + `sbatch = ["--qos=long", "--array=1-4"]`, `slurm.sbatch: element 2, "--array=1-4": --array is set by simulate submit itself`},
		{`[slurm]` + "\n" + `sbatch = ["qos=long"]`, `slurm.sbatch: element 1, "qos=long": expected a long option starting with --`},
		{`[slurm]` + "\n" + `sbatch = ["--qos=long\n#SBATCH --array=1"]`, `slurm.sbatch: element 1, "--qos=long\n#SBATCH --array=1": must be one line`},
		{`[slurm]` + "\n" + `queue = "x"`, `slurm.queue: unknown key`},
		{`[slurm]` + "\n" + `ranks = 5`, `slurm.ranks: experiments:`},
		{`[slurm]` + "\n" + `ranks = -1`, `slurm.ranks: expected 1 to 65536 MPI processes`},
		{`[slurm]` + "\n" + `ranks = 2` + "\n" + `mpi = "pmix v4"`, `slurm.mpi: expected an srun --mpi plugin name`},
		{`[slurm]` + "\n" + `sbatch = ["--ntasks=4"]`, `--ntasks is set by simulate submit itself`},
		{`[slurm]` + "\n" + `sbatch = ["--dep=afterok:1"]`, `"--dep=afterok:1": --dependency is set by simulate submit itself`},
		{`[slurm]` + "\n" + `time = "2"`, `slurm.time: 120 s of warning leave less than half of the 120 s time limit`},
		{`[slurm]` + "\n" + `time = "0-0:3"` + "\n" + `signal_seconds = 90`, `slurm.signal_seconds: 90 s of warning leave less than half of the 180 s time limit`},
	} {
		_, err := loadSlurmStudy(t, "", tc.slurm)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.slurm, err, tc.want)
		}
	}
}

// TestSlurmConfigChangesNoResult: [slurm] enters no stage hash, and a
// config without it resolves without it, as before.
func TestSlurmConfigChangesNoResult(t *testing.T) {
	dir := t.TempDir()
	plain, err := loadSlurmStudy(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	with, err := loadSlurmStudy(t, dir, "[slurm]\ntime = \"1:00:00\"\nshards = 3\nsbatch = [\"--qos=long\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{StageGenerate, StageTrain, StageEval, StagePlot} {
		a, _ := plain.StageHash(stage)
		b, _ := with.StageHash(stage)
		if a != b {
			t.Errorf("%s stage hash changed by [slurm]", stage)
		}
	}
	text, err := plain.ResolvedTOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "[slurm]") {
		t.Errorf("a config without [slurm] resolved with one:\n%s", text)
	}
	if with.Slurm.SignalSeconds != defaultSignalSeconds || plain.Slurm.Shards != 1 {
		t.Errorf("defaults: signal_seconds %d (want %d), shards %d (want 1)", with.Slurm.SignalSeconds, defaultSignalSeconds, plain.Slurm.Shards)
	}
}

// TestSlurmAndStoreAreNotConfigChanges: a run directory made without
// [slurm] (or with other resources, or another data store place) accepts
// the config with them: resources and the store's place change no result.
func TestSlurmAndStoreAreNotConfigChanges(t *testing.T) {
	dir := t.TempDir()
	plain, err := loadSlurmStudy(t, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	with, err := loadSlurmStudy(t, dir, "[slurm]\ntime = \"1:00:00\"\nmem = \"8G\"\nsbatch = [\"--qos=long\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := plain.Resolved()
	b, _ := with.Resolved()
	if changed := ChangedKeys(a, b); len(changed) != 0 {
		t.Errorf("[slurm] added: changed keys %v, want none", changed)
	}
	a["data"].(map[string]any)["store"] = "/one/place"
	b["data"].(map[string]any)["store"] = "/another"
	if changed := ChangedKeys(a, b); len(changed) != 0 {
		t.Errorf("data.store moved: changed keys %v, want none", changed)
	}
	b["data"].(map[string]any)["train"] = int64(3)
	if changed := ChangedKeys(a, b); len(changed) != 1 || changed[0] != "data.train" {
		t.Errorf("data.train changed: changed keys %v, want [data.train]", changed)
	}
	if err := os.MkdirAll(plain.RunDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	text, _ := plain.ResolvedTOML()
	if err := os.WriteFile(filepath.Join(plain.RunDir(), "config.toml"), text, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckRunDirSettings(with); err != nil {
		t.Errorf("CheckRunDirSettings with [slurm] added: %v", err)
	}
}

func TestPlanSlurm(t *testing.T) {
	opts := SlurmPlanOptions{Simulate: "/opt/surrogo bin/simulate", Workdir: "/home/u/study", Version: "v1"}
	for _, tc := range []struct {
		name   string
		slurm  string
		stages []string
		tasks  int
		want   []string // lines of the first script
	}{
		{"one generation job", "", []string{"generate", "train", "finish"}, 0,
			[]string{"#SBATCH --requeue", "#SBATCH --signal=B:USR1@120", "resumable '/opt/surrogo bin/simulate' generate "}},
		{"data-parallel training", "[slurm]\nranks = 2\n", []string{"generate", "train", "finish"}, 0, nil},
		{"an array of shards", "[slurm]\nshards = 3\ntime = \"30\"\ncpus = 2\nmem = \"4G\"\npartition = \"short\"\naccount = \"pde\"\nsbatch = [\"--qos=long\"]\nsignal_seconds = 60\n",
			[]string{"generate", "train", "finish"}, 3,
			[]string{"#SBATCH --array=1-3", "#SBATCH --time=30", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=4G", "#SBATCH --partition=short",
				"#SBATCH --account=pde", "#SBATCH --qos=long", "#SBATCH --signal=B:USR1@60", "%x-%A_%a.out", `generate -shard "${SLURM_ARRAY_TASK_ID}/3" `}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadSlurmStudy(t, "", tc.slurm)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := PlanSlurm(cfg, opts)
			if err != nil {
				t.Fatal(err)
			}
			var stages []string
			for _, j := range plan.Jobs {
				stages = append(stages, j.Stage)
			}
			if strings.Join(stages, ",") != strings.Join(tc.stages, ",") {
				t.Fatalf("jobs %v, want %v", stages, tc.stages)
			}
			if plan.Jobs[0].Tasks != tc.tasks {
				t.Errorf("generation tasks %d, want %d", plan.Jobs[0].Tasks, tc.tasks)
			}
			for _, w := range tc.want {
				if !strings.Contains(plan.Jobs[0].Script, w) {
					t.Errorf("generate script lacks %q:\n%s", w, plan.Jobs[0].Script)
				}
			}
			if ranks := cfg.Slurm.Ranks; ranks > 1 {
				for _, w := range []string{fmt.Sprintf("#SBATCH --ntasks=%d\n", ranks), "resumable srun --mpi=pmix '/opt/surrogo bin/simulate' train "} {
					if !strings.Contains(plan.Jobs[1].Script, w) {
						t.Errorf("train script lacks %q:\n%s", w, plan.Jobs[1].Script)
					}
				}
			} else if strings.Contains(plan.Jobs[1].Script, "srun") || strings.Contains(plan.Jobs[1].Script, "--ntasks") {
				t.Errorf("one-process train script starts ranks:\n%s", plan.Jobs[1].Script)
			}
			if !strings.Contains(plan.Jobs[2].Script, " run ") || !strings.Contains(plan.Jobs[1].Script, " train ") {
				t.Errorf("train and finish scripts do not run train and run:\n%s\n%s", plan.Jobs[1].Script, plan.Jobs[2].Script)
			}
			if _, err := os.Stat(plan.Dir); !os.IsNotExist(err) {
				t.Errorf("planning wrote %s", plan.Dir)
			}
			if err := plan.Write(); err != nil {
				t.Fatal(err)
			}
			frozen, err := Load(plan.Config)
			if err != nil {
				t.Fatalf("the frozen config does not load: %v", err)
			}
			for _, stage := range []string{StageGenerate, StageTrain, StageEval} {
				a, _ := cfg.StageHash(stage)
				b, _ := frozen.StageHash(stage)
				if a != b {
					t.Errorf("the frozen config's %s hash differs", stage)
				}
			}
			if frozen.Slurm.Shards != cfg.Slurm.Shards {
				t.Errorf("frozen shards %d, want %d", frozen.Slurm.Shards, cfg.Slurm.Shards)
			}
		})
	}
}

func TestSlurmSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"30", 1800, true}, {"5:30", 330, true}, {"2:00:00", 7200, true}, {"1-0", 86400, true},
		{"1-2:30", 95400, true}, {"2-0:0:10", 172810, true}, {"UNLIMITED", 0, false}, {"", 0, false},
	} {
		if got, ok := slurmSeconds(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("slurmSeconds(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/usr/bin/simulate", "/usr/bin/simulate"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
		{"$HOME", "'$HOME'"},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestResumableForwardsSignals runs the job scripts' wrapper in bash:
// USR1 (the warning before the time limit) reaches the command, whose exit
// status 75 is returned after the job requeues itself (scontrol stubbed);
// TERM (scancel, or a requeue SLURM does itself) reaches it too, and its
// 75 is returned without a requeue; other statuses pass through.
func TestResumableForwardsSignals(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, tc := range []struct {
		name     string
		signal   syscall.Signal
		command  string
		wantCode int
		requeue  bool
	}{
		{"USR1 forwarded, exit 75 requeues", syscall.SIGUSR1, `trap 'exit 75' USR1; touch "$READY"; while :; do sleep 0.05; done`, 75, true},
		{"TERM forwarded, exit 75 without a requeue", syscall.SIGTERM, `trap 'exit 75' TERM; touch "$READY"; while :; do sleep 0.05; done`, 75, false},
		{"a command that keeps running after USR1", syscall.SIGUSR1, `trap 'sleep 0.3; exit 75' USR1; touch "$READY"; while :; do sleep 0.05; done`, 75, true},
		{"a failure passes through", 0, `touch "$READY"; exit 3`, 3, false},
		{"success", 0, `touch "$READY"; exit 0`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			stub := filepath.Join(dir, "scontrol")
			log := filepath.Join(dir, "scontrol.log")
			if err := os.WriteFile(stub, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			script := resumableFunction + "resumable bash -c " + shellQuote(tc.command) + "\n"
			cmd := exec.Command(bash, "-c", script)
			ready := filepath.Join(dir, "ready")
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "SLURM_JOB_ID=42", "READY="+ready)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.signal != 0 {
				waitForFile(t, ready) // the traps are set before the command starts
				cmd.Process.Signal(tc.signal)
			}
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			got, _ := os.ReadFile(log)
			if requeued := strings.TrimSpace(string(got)) == "requeue 42"; requeued != tc.requeue {
				t.Errorf("scontrol called with %q, want a requeue: %v", got, tc.requeue)
			}
		})
	}
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
