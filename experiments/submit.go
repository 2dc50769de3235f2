package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// SlurmJob is one batch script of a submitted study.
type SlurmJob struct {
	Stage  string // generate, train or finish
	Path   string // where the script is written: RUN_DIR/slurm/<stage>.sbatch
	Tasks  int    // array tasks (generate -shard k/n), 0 for a single job
	Script string // the script's text
}

// SlurmPlan is a study as SLURM batch jobs, each depending (afterok) on
// the one before: the generation (an array of shards when slurm.shards >
// 1), the training (which merges the shards first), and a finishing
// `simulate run` that evaluates and draws the figures, skipping what the
// jobs before it finished. The jobs run the config frozen at submission
// (RUN_DIR/slurm/config.toml, the resolved config), from the submitting
// directory, so later edits of the file do not reach queued jobs.
type SlurmPlan struct {
	Dir    string // RUN_DIR/slurm
	Config string // the frozen config the jobs run
	Jobs   []SlurmJob

	frozen []byte
}

// SlurmPlanOptions says how the jobs call surrogo.
type SlurmPlanOptions struct {
	Simulate string // the simulate binary the jobs run (an absolute path)
	Workdir  string // the directory the jobs run in (--chdir), absolute
	Version  string // written into the scripts' headers
}

// PlanSlurm writes nothing: it builds the scripts of cfg's jobs.
func PlanSlurm(cfg *Config, opts SlurmPlanOptions) (*SlurmPlan, error) {
	if !filepath.IsAbs(opts.Simulate) || !filepath.IsAbs(opts.Workdir) {
		return nil, fmt.Errorf("experiments: the simulate binary (%q) and the working directory (%q) of batch jobs must be absolute paths", opts.Simulate, opts.Workdir)
	}
	frozen, err := cfg.ResolvedTOML()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.RunDir(), "slurm")
	p := &SlurmPlan{Dir: dir, Config: filepath.Join(dir, "config.toml"), frozen: frozen}
	if err := p.checkFrozen(cfg); err != nil {
		return nil, err
	}
	w := scriptWriter{cfg: cfg, opts: opts, plan: p}
	if cfg.gen != nil {
		p.Jobs = append(p.Jobs, w.generate())
	}
	if cfg.HasModel() && !cfg.family().untrained {
		p.Jobs = append(p.Jobs, w.job("train", "simulate train: merges the generation shards, then trains (resuming from the last checkpoint after a requeue)", "train"))
	}
	p.Jobs = append(p.Jobs, w.job("finish", "simulate run: what the jobs before left to do (merge, evaluation, figures)", "run"))
	return p, nil
}

// checkFrozen checks that the frozen config loads again with the stage
// hashes of cfg, so the jobs compute what a local run would.
func (p *SlurmPlan) checkFrozen(cfg *Config) error {
	again, err := Parse(p.Config, p.frozen)
	if err != nil {
		return fmt.Errorf("experiments: the resolved config does not load again (please report this): %w", err)
	}
	for _, stage := range []string{StageGenerate, StageTrain, StageEval} {
		want, err := cfg.StageHash(stage)
		if err != nil {
			return err
		}
		got, err := again.StageHash(stage)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("experiments: the resolved config changes the %s stage's settings (please report this)", stage)
		}
	}
	return nil
}

// scriptWriter writes the scripts of one plan.
type scriptWriter struct {
	cfg  *Config
	opts SlurmPlanOptions
	plan *SlurmPlan
}

// generate is the generation job: an array of shards, or one job.
func (w scriptWriter) generate() SlurmJob {
	n := w.cfg.Slurm.Shards
	if n <= 1 {
		return w.job("generate", "simulate generate: the [data] section's samples", "generate")
	}
	j := w.job("generate", fmt.Sprintf("simulate generate -shard k/%d, k = SLURM_ARRAY_TASK_ID: shard k of the samples", n),
		"generate", "-shard", fmt.Sprintf(`"${SLURM_ARRAY_TASK_ID}/%d"`, n))
	j.Tasks = n
	j.Script = strings.Replace(j.Script, "#SBATCH --requeue\n", fmt.Sprintf("#SBATCH --array=1-%d\n#SBATCH --requeue\n", n), 1)
	j.Script = strings.Replace(j.Script, "%x-%j.out", "%x-%A_%a.out", 1)
	return j
}

// job writes the script of one stage running `simulate VERB [ARGS]
// CONFIG` through the signal-forwarding wrapper; args are shell words
// already quoted.
func (w scriptWriter) job(stage, what, verb string, args ...string) SlurmJob {
	s := w.cfg.Slurm
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n# %s: the %s job of study %s, written by simulate submit (surrogo %s).\n# %s\n",
		filepath.Base(filepath.Join(w.plan.Dir, stage+".sbatch")), stage, w.cfg.Name, w.opts.Version, what)
	opt := func(format string, a ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", a...) }
	opt("--job-name=%s", jobName(w.cfg.Name, stage))
	opt("--chdir=%s", w.opts.Workdir)
	opt("--output=%s", filepath.Join(absUnder(w.opts.Workdir, w.plan.Dir), "logs", "%x-%j.out"))
	opt("--open-mode=append")
	opt("--requeue")
	opt("--signal=B:USR1@%d", s.SignalSeconds)
	for _, o := range []struct{ flag, v string }{{"partition", s.Partition}, {"account", s.Account}, {"time", s.Time}, {"mem", s.Mem}} {
		if o.v != "" {
			opt("--%s=%s", o.flag, o.v)
		}
	}
	if s.CPUs > 0 {
		opt("--cpus-per-task=%d", s.CPUs)
	}
	for _, extra := range s.Sbatch {
		opt("%s", extra)
	}
	b.WriteString(resumableFunction)
	words := append([]string{shellQuote(w.opts.Simulate), verb}, args...)
	words = append(words, shellQuote(absUnder(w.opts.Workdir, w.plan.Config)))
	fmt.Fprintf(&b, "resumable %s\n", strings.Join(words, " "))
	return SlurmJob{Stage: stage, Path: filepath.Join(w.plan.Dir, stage+".sbatch"), Script: b.String()}
}

// resumableFunction runs a command so that a signal to the batch shell
// (SLURM's --signal=B:USR1 warning before the time limit, or TERM on
// preemption or scontrol requeue) reaches it; the command keeps its state
// and exits 75, and the job requeues itself, so that the same command
// resumes when it runs again.
const resumableFunction = `set -u
# A requeued job may start while its previous run still saves its
# checkpoint: wait for the run directory's lock instead of failing.
export SURROGO_LOCK_WAIT=5m
resumable() {
	"$@" &
	local pid=$! rc
	trap 'kill -USR1 "$pid" 2>/dev/null' USR1
	trap 'kill -TERM "$pid" 2>/dev/null' TERM
	while :; do
		wait "$pid"
		rc=$?
		# wait returns above 128 when a trapped signal interrupts it:
		# wait again until the command itself has exited.
		if [ "$rc" -le 128 ] || ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
	done
	if [ "$rc" -eq 75 ]; then
		echo "surrogo: stopped with its state kept (exit 75): requeueing job $SLURM_JOB_ID"
		scontrol requeue "$SLURM_JOB_ID" || true
	fi
	return "$rc"
}
`

// jobName is the SLURM job name of a stage: NAME-STAGE.
func jobName(study, stage string) string { return study + "-" + stage }

// absUnder makes a path that jobs read absolute, relative paths being
// relative to the working directory.
func absUnder(workdir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(workdir, path)
}

// shellQuote quotes a word for bash.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Write writes the frozen config and the scripts into RUN_DIR/slurm,
// each atomically, and creates the log directory.
func (p *SlurmPlan) Write() error {
	if err := os.MkdirAll(filepath.Join(p.Dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("experiments: slurm directory: %w", err)
	}
	if err := writeAtomic(p.Config, p.frozen); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	for _, j := range p.Jobs {
		if err := writeAtomic(j.Path, []byte(j.Script)); err != nil {
			return fmt.Errorf("experiments: %w", err)
		}
	}
	return nil
}

// SubmittedJob is a job sbatch accepted.
type SubmittedJob struct {
	Stage string
	ID    string
}

// Submit submits the written scripts with sbatch, in order, each after
// the one before (--dependency=afterok). If sbatch refuses one, the jobs
// already submitted are cancelled (scancel), so nothing half-submitted is
// left queued, and the error carries sbatch's message.
func (p *SlurmPlan) Submit(ctx context.Context, sbatch string) ([]SubmittedJob, error) {
	var done []SubmittedJob
	for _, j := range p.Jobs {
		args := []string{"--parsable"}
		if len(done) > 0 {
			args = append(args, "--dependency=afterok:"+done[len(done)-1].ID)
		}
		id, err := runSbatch(ctx, sbatch, append(args, j.Path))
		if err != nil {
			cancelJobs(done)
			return nil, fmt.Errorf("experiments: submitting the %s job (%s): %w", j.Stage, j.Path, err)
		}
		done = append(done, SubmittedJob{Stage: j.Stage, ID: id})
	}
	return done, nil
}

// runSbatch runs sbatch --parsable and returns the job id it prints
// ("ID" or "ID;CLUSTER").
func runSbatch(ctx context.Context, sbatch string, args []string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, sbatch, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", sbatch, strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("%s printed %q, expected a job id", sbatch, strings.TrimSpace(out.String()))
	}
	return id, nil
}

// cancelJobs cancels submitted jobs, best effort (it runs on a failure
// path already being reported).
func cancelJobs(jobs []SubmittedJob) {
	if len(jobs) == 0 {
		return
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	exec.Command("scancel", ids...).Run()
}

// WriteDryRun prints the scripts as they would be written.
func (p *SlurmPlan) WriteDryRun(w io.Writer) error {
	fmt.Fprintf(w, "# %s: the frozen config the jobs run (the resolved config)\n", p.Config)
	for i, j := range p.Jobs {
		dep := ""
		if i > 0 {
			dep = fmt.Sprintf(" --dependency=afterok:<%s job>", p.Jobs[i-1].Stage)
		}
		fmt.Fprintf(w, "\n# sbatch --parsable%s %s\n%s", dep, j.Path, j.Script)
	}
	return nil
}

// ErrNoSbatch is returned when no sbatch is found.
var ErrNoSbatch = errors.New("sbatch not found on PATH: simulate submit needs a SLURM client (simulate submit -dry-run prints the scripts without one)")
