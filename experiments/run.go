package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/internal/buildinfo"
)

// RunOptions steer Run.
type RunOptions struct {
	// Force starts over in a run directory that holds a run of a
	// different configuration (its outputs are removed first).
	Force bool
	// Log receives one line per stage event and the stages' progress
	// (nil: silent).
	Log io.Writer
	// Progress, if set, reports generation progress (done, total).
	Progress func(done, total int)
	// Workers for generation (0: GOMAXPROCS).
	Workers int
}

// RunRecord is run.json: the provenance and stage status of a run
// directory.
type RunRecord struct {
	Surrogo  string                  `json:"surrogo_version"`
	Go       string                  `json:"go_version"`
	Host     string                  `json:"host"`
	Config   string                  `json:"config"` // the file the run was started from
	Started  time.Time               `json:"started"`
	Finished *time.Time              `json:"finished,omitempty"`
	Hash     string                  `json:"config_hash"` // of the resolved config (eval stage keys)
	Stages   map[string]*StageRecord `json:"stages"`
}

// StageRecord is one stage's status in run.json.
type StageRecord struct {
	Status   string     `json:"status"` // running | done | failed
	Hash     string     `json:"hash"`   // StageHash when it ran
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Seconds  float64    `json:"seconds,omitempty"`
	Error    string     `json:"error,omitempty"`
}

// ErrConfigChanged is returned (wrapped) when a run directory holds a run
// of a different configuration and Force is not set.
var ErrConfigChanged = errors.New("run directory holds a run of a different configuration")

// runFiles are the outputs a run directory holds besides the data file.
var runFiles = []string{"config.toml", "run.json", "checkpoints", "train_log.csv", "train.json",
	"normalizers.h5", "metrics.json", "predictions.h5", "figures"}

// Run executes the pipeline generate -> train -> eval -> plot into the run
// directory, skipping every stage that already finished with the same
// settings (its StageHash) and whose outputs are present; training
// continues from the newest checkpoint. The resolved configuration is
// written to config.toml and the stages' status to run.json after every
// change, atomically. Run holds the run directory's lock (LockRunDir)
// throughout, so a second Run, or a train, eval or plot command, on the
// same directory is refused, naming this one.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*RunRecord, error) {
	dir := cfg.RunDir()
	lock, err := lockRunDir(cfg, dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if err := recordConfig(cfg, dir, opts.Force); err != nil {
		return nil, err
	}
	rec, err := startRunRecord(cfg, dir)
	if err != nil {
		return nil, err
	}
	r := &pipelineRun{cfg: cfg, dir: dir, rec: rec, log: opts.Log}
	for _, st := range r.stages(ctx, opts) {
		stageErr, err := r.runStage(st)
		if err != nil {
			return nil, err
		}
		if stageErr != nil {
			return rec, stageErr
		}
	}
	end := time.Now().UTC()
	rec.Finished = &end
	return rec, writeRunRecord(dir, rec)
}

// lockRunDir creates the run directory, checks that it is writable and
// takes its lock: one writer per run directory, since a second run (or
// train, eval, plot) would interleave the log and replace files the first
// is reading.
func lockRunDir(cfg *Config, dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("experiments: run directory: %w", err)
	}
	if err := probeWritable(dir); err != nil {
		return nil, err
	}
	return LockRunDir(dir, "run "+cfg.path)
}

// recordConfig writes the resolved configuration to config.toml, after
// checking that the directory holds no run of another one (checkSameRun).
func recordConfig(cfg *Config, dir string, force bool) error {
	resolved, err := cfg.ResolvedTOML()
	if err != nil {
		return err
	}
	if err := checkSameRun(cfg, dir, force); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "config.toml"), resolved)
}

// startRunRecord reads run.json (stages done earlier) and records this
// run's provenance in it: versions, host, config file and hash.
func startRunRecord(cfg *Config, dir string) (*RunRecord, error) {
	rec := readRunRecord(dir)
	host, _ := os.Hostname()
	rec.Surrogo, rec.Go, rec.Host, rec.Config = buildinfo.Version(), buildinfo.GoVersion(), host, cfg.path
	if rec.Started.IsZero() {
		rec.Started = time.Now().UTC()
	}
	rec.Finished = nil
	var err error
	if rec.Hash, err = cfg.StageHash(StageEval); err != nil {
		return nil, err
	}
	return rec, nil
}

// pipelineRun is Run going through the stages of one run directory.
type pipelineRun struct {
	cfg   *Config
	dir   string
	rec   *RunRecord
	log   io.Writer
	rerun bool // once a stage reruns, every later one does too
}

// logf writes one line to the run's log (nil: silent).
func (r *pipelineRun) logf(format string, args ...any) {
	if r.log != nil {
		fmt.Fprintf(r.log, format+"\n", args...)
	}
}

// stages lists the pipeline: generate, and with a model train, eval and
// plot; without a model, plot only when the data has figures of its own
// (particle trajectories).
func (r *pipelineRun) stages(ctx context.Context, opts RunOptions) []stage {
	cfg, dir := r.cfg, r.dir
	plot := stage{StagePlot, []string{filepath.Join(dir, "figures")}, func() error {
		_, err := Plot(cfg.RunDir(), PlotOptions{Log: opts.Log})
		return err
	}}
	stages := []stage{
		{StageGenerate, []string{cfg.dataPath()}, func() error {
			_, err := Generate(ctx, cfg, GenerateOptions{Workers: opts.Workers, Progress: opts.Progress, Resume: true,
				Resumed: func(done, total int) { r.logf("generate: resuming after %d of %d samples", done, total) },
				Kept:    func(path string) { r.logf("generate: %s already holds these samples (same settings), kept", path) },
				Waiting: func(path string, h LockHolder) {
					r.logf("generate: %s is being generated by %s; waiting for it", path, h)
				},
				Merged: func(n int) {
					r.logf("generate: merged the %d shards of simulate generate -shard into %s", n, cfg.dataPath())
				}})
			return err
		}},
	}
	if !cfg.hasModel {
		if cfg.ext == nil && registry[cfg.Data.Solver].figures != nil {
			stages = append(stages, plot)
		}
		return stages
	}
	if !cfg.family().untrained {
		stages = append(stages, stage{StageTrain, []string{checkpointPath(cfg), filepath.Join(dir, "train.json")}, func() error {
			_, err := Train(ctx, cfg, opts.Log)
			return err
		}})
	}
	return append(stages,
		stage{StageEval, []string{filepath.Join(dir, "metrics.json"), filepath.Join(dir, "predictions.h5")}, func() error {
			_, err := Evaluate(ctx, cfg)
			return err
		}},
		plot)
}

// runStage runs one stage, unless it finished earlier with the same
// settings and its outputs are present, recording its status in run.json
// before and after. stageErr is the stage's own failure, recorded; err is
// a failure to record it.
func (r *pipelineRun) runStage(st stage) (stageErr, err error) {
	hash, err := r.cfg.StageHash(st.name)
	if err != nil {
		return nil, err
	}
	prev := r.rec.Stages[st.name]
	if !r.rerun && prev != nil && prev.Status == "done" && prev.Hash == hash && allExist(st.outputs) {
		r.logf("%s: done earlier, skipped", st.name)
		return nil, nil
	}
	r.rerun = true
	sr := &StageRecord{Status: "running", Hash: hash, Started: time.Now().UTC()}
	r.rec.Stages[st.name] = sr
	if err := writeRunRecord(r.dir, r.rec); err != nil {
		return nil, err
	}
	r.logf("%s: started", st.name)
	runErr := st.run()
	end := time.Now().UTC()
	sr.Finished, sr.Seconds = &end, end.Sub(sr.Started).Seconds()
	if runErr != nil {
		sr.Status, sr.Error = "failed", runErr.Error()
		if werr := writeRunRecord(r.dir, r.rec); werr != nil {
			return nil, errors.Join(runErr, werr)
		}
		return fmt.Errorf("%s stage: %w", st.name, runErr), nil
	}
	sr.Status = "done"
	if err := writeRunRecord(r.dir, r.rec); err != nil {
		return nil, err
	}
	r.logf("%s: done in %.1fs", st.name, sr.Seconds)
	return nil, nil
}

// stage is one step of Run: its outputs (all present when it finished)
// and how to run it.
type stage struct {
	name    string
	outputs []string
	run     func() error
}

// checkSameRun refuses a run directory whose config.toml differs from the
// resolved configuration, naming the changed keys; with force it removes
// the old run's outputs instead. A change of keys only evaluation
// depends on (evalOnlyKey) is accepted: the evaluate and plot stages'
// hashes change and they run again on the kept data and model.
// CheckRunDirSettings refuses, without changing anything, a run
// directory that holds a run of other settings than cfg (as simulate run
// would, changes of [eval] alone accepted): simulate submit checks it
// before queueing jobs that would fail on it.
func CheckRunDirSettings(cfg *Config) error {
	_, changed, err := runDirChanges(cfg, cfg.RunDir())
	if err != nil {
		return err
	}
	changed = slices.DeleteFunc(changed, cfg.evalOnlyKey)
	if len(changed) == 0 {
		return nil
	}
	return fmt.Errorf("experiments: %s: %w; changed keys: %s (run it with -force to start over, or set another run_dir)",
		cfg.RunDir(), ErrConfigChanged, strings.Join(changed, ", "))
}

// runDirChanges reads the resolved config a run directory holds and
// returns it with the keys cfg changes (none when the directory holds no
// config.toml).
func runDirChanges(cfg *Config, dir string) (old map[string]any, changed []string, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, "config.toml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("experiments: reading the run's config.toml: %w", err)
	}
	old = map[string]any{}
	if _, err := toml.Decode(string(raw), &old); err != nil {
		return nil, nil, fmt.Errorf("experiments: %s: %w", filepath.Join(dir, "config.toml"), err)
	}
	cur, err := cfg.Resolved()
	if err != nil {
		return nil, nil, err
	}
	return old, ChangedKeys(old, cur), nil
}

func checkSameRun(cfg *Config, dir string, force bool) error {
	old, changed, err := runDirChanges(cfg, dir)
	if err != nil || len(changed) == 0 {
		return err
	}
	if !slices.ContainsFunc(changed, func(k string) bool { return !cfg.evalOnlyKey(k) }) {
		// The evaluation's outputs described the old settings.
		for _, name := range []string{"metrics.json", "predictions.h5", "figures"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("experiments: clearing the old evaluation in %s: %w", dir, err)
			}
		}
		return nil
	}
	if !force {
		return fmt.Errorf("experiments: %s: %w; changed keys: %s (rerun with -force to start over, or set another run_dir / -out)",
			dir, ErrConfigChanged, strings.Join(changed, ", "))
	}
	for _, name := range runFiles {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("experiments: clearing %s: %w", dir, err)
		}
	}
	// The old run's generated data goes too, never a file the new
	// configuration reads (data.file).
	if out, ok := old["data"].(map[string]any)["output"].(string); ok && out != "" && !sameFileName(out, cfg.Data.File) {
		for _, p := range []string{out, out + ".tmp"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("experiments: clearing the old data file: %w", err)
			}
		}
	}
	return nil
}

// evalOnlyKey reports whether only the evaluate and plot stages depend on
// a dotted key: an [eval] key, or a [model] key of a family that trains
// nothing (the classical mesh mover).
func (c *Config) evalOnlyKey(k string) bool {
	section, _, _ := strings.Cut(k, ".")
	return section == "eval" || (section == "model" && c.hasModel && c.family().untrained)
}

func readRunRecord(dir string) *RunRecord {
	rec := &RunRecord{}
	if raw, err := os.ReadFile(filepath.Join(dir, "run.json")); err == nil {
		json.Unmarshal(raw, rec) // a damaged record only costs rerunning stages
	}
	if rec.Stages == nil {
		rec.Stages = map[string]*StageRecord{}
	}
	return rec
}

// ReadRunRecord reads a run directory's run.json.
func ReadRunRecord(dir string) (*RunRecord, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		return nil, err
	}
	rec := &RunRecord{}
	if err := json.Unmarshal(raw, rec); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "run.json"), err)
	}
	return rec, nil
}

func writeRunRecord(dir string, rec *RunRecord) error {
	return writeJSON(filepath.Join(dir, "run.json"), rec)
}

// writeAtomic writes data to path through path.tmp, fsync and a rename:
// path holds either its old content or all of data, never a part.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeSynced creates (or truncates) path, writes data and fsyncs it,
// removing it again on failure.
func writeSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// syncDir fsyncs a directory so renames into it survive a crash (best
// effort: not every file system supports it).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// probeWritable checks that files can be created in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("experiments: run directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func allExist(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// sameFileName reports whether two paths name the same file: equal
// absolute paths, or one file on disk.
func sameFileName(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	pa, errA := filepath.Abs(a)
	pb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && pa == pb {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
