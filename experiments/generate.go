package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/surrogo/surrogo/datasets"
)

// GenerateOptions controls the generate stage.
type GenerateOptions struct {
	// Shard and Shards split the samples: shard k of n (1-based) writes
	// samples [(k-1) N/n, k N/n) to its own file. Zero values mean the
	// whole set.
	Shard, Shards int
	// Workers solving samples in parallel (0: GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each sample is written.
	Progress func(done, total int)
	// Resume continues an interrupted generation of the same settings
	// from the samples its NAME.tmp already holds (flushed after the first
	// sample, then every 2 s); otherwise generation starts over.
	Resume bool
	// Resumed, if set, is told how many samples a resumed file held.
	Resumed func(done, total int)
	// Merged, if set, is told that an unsharded generation with Resume
	// found every shard of n and merged them (MergeShards) instead of
	// generating.
	Merged func(n int)
	// Kept, if set, is told when the output already held these samples:
	// a complete file of the same settings and shard (its generate_hash)
	// is kept, not generated again.
	Kept func(path string)
	// Waiting, if set, is told when the output is a data store's file
	// that another process is writing: this one waits for it.
	Waiting func(path string, holder LockHolder)
}

// storeLockWait bounds the wait for a data store's file that another
// process generates (a whole generation can take that long).
const storeLockWait = 48 * time.Hour

// ShardPath returns the file a shard writes: data.h5 ->
// data.shard-2-of-4.h5 (the path itself for an unsharded run).
func ShardPath(out string, shard, shards int) string {
	if shards <= 1 {
		return out
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s.shard-%d-of-%d%s", strings.TrimSuffix(out, ext), shard, shards, ext)
}

// SampleRange returns the samples [lo, hi) of shard k of n (1-based).
func SampleRange(total, shard, shards int) (lo, hi int) {
	if shards <= 1 {
		return 0, total
	}
	return (shard - 1) * total / shards, shard * total / shards
}

// Generate runs the configured solver over its samples (sample i from
// (seed, i)), in parallel, and streams them in order to an HDF5 file in
// the PDEBench-compatible layout of docs/DATA.md, with coordinates,
// parameters and provenance. The file appears under its final name only
// when complete. Cancellation (Ctrl-C, SIGTERM) keeps the samples written
// so far in NAME.tmp, flushed, for a later run with Resume to continue; a
// failed sample leaves nothing. While it runs it holds the lock NAME.lock,
// so a second generation of the same file is refused, naming this one.
// It returns the path written. For data read from a file (data.file)
// nothing is generated: the file is checked and its path returned.
func Generate(ctx context.Context, cfg *Config, opts GenerateOptions) (path string, err error) {
	if cfg.ext != nil {
		return cfg.Data.File, checkDataFile(cfg)
	}
	g, err := newGeneration(cfg, opts)
	if err != nil {
		return "", err
	}
	if g.shards == 1 && opts.Resume && !g.complete() {
		return g.generateOrMerge(ctx)
	}
	return g.run(ctx)
}

// generateOrMerge merges the shards of these settings when every one is
// present (MergeShards), else generates.
func (g *generation) generateOrMerge(ctx context.Context) (string, error) {
	cfg, opts := g.cfg, g.opts
	if n, ok := shardsMergeable(cfg); ok {
		path, err := MergeShards(ctx, cfg, n)
		if err == nil && opts.Merged != nil {
			opts.Merged(n)
		}
		return path, err
	}
	return g.run(ctx)
}

// run generates g's samples (or keeps a complete file of them).
func (g *generation) run(ctx context.Context) (path string, err error) {
	// A file appears under its final name only when complete: one of these
	// settings is kept without taking the lock, so that runs sharing it
	// (a data store, a sweep's points) never wait for each other once it
	// exists.
	if kept, err := g.keepComplete(); err != nil || kept {
		return g.path, err
	}
	lock, err := g.lockOutput(ctx)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	if kept, err := g.keepComplete(); err != nil || kept {
		return g.path, err
	}
	if err := g.openOutput(); err != nil {
		return "", err
	}
	done := false
	defer func() {
		if done {
			return
		}
		if kerr := g.leaveOutput(ctx); kerr != nil {
			err = errors.Join(err, kerr)
		}
	}()
	g.reportResumed()
	if err := g.writeSamples(ctx); err != nil {
		return "", err
	}
	if err := g.finishOutput(); err != nil {
		return "", err
	}
	done = true
	return g.path, nil
}

// generation is one run of Generate: the samples [lo, hi) of one shard,
// written to path, of which a resumed file already held resumedAt.
type generation struct {
	cfg           *Config
	gen           generator
	store         sampleStore
	opts          GenerateOptions
	shard, shards int
	lo, hi        int
	path          string
	file          *datasets.File
	resumedAt     int
}

// newGeneration checks the shard settings and works out the shard's
// samples and file.
func newGeneration(cfg *Config, opts GenerateOptions) (*generation, error) {
	if cfg.gen == nil {
		return nil, fmt.Errorf("experiments: config %s was not validated", cfg.path)
	}
	shards := max(opts.Shards, 1)
	shard := opts.Shard
	if shards > 1 && (shard < 1 || shard > shards) {
		return nil, fmt.Errorf("experiments: shard %d of %d out of range (expected 1..%d)", shard, shards, shards)
	}
	if shards > cfg.Data.Samples() {
		return nil, fmt.Errorf("experiments: %d shards for %d samples", shards, cfg.Data.Samples())
	}
	lo, hi := SampleRange(cfg.Data.Samples(), shard, shards)
	return &generation{cfg: cfg, gen: cfg.gen, store: cfg.gen.store(), opts: opts, shard: shard, shards: shards, lo: lo, hi: hi,
		path: ShardPath(cfg.Data.Output, shard, shards)}, nil
}

// lockOutput creates the output's directory and takes the lock NAME.lock.
// A data store's file is shared by runs: one held by another process is
// waited for (until ctx is done), since that process makes the same data.
func (g *generation) lockOutput(ctx context.Context) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(g.path), 0o755); err != nil {
		return nil, fmt.Errorf("experiments: output directory for %s: %w", g.path, err)
	}
	wait, err := lockWait()
	if err != nil {
		return nil, err
	}
	var waiting func(LockHolder)
	if g.cfg.inStore() {
		wait = max(wait, storeLockWait)
		waiting = func(h LockHolder) {
			if g.opts.Waiting != nil {
				g.opts.Waiting(g.path, h)
			}
		}
	}
	lock, err := AcquireLockWaiting(ctx, g.path+".lock", "generate "+g.cfg.path, wait, waiting)
	if err != nil {
		return nil, fmt.Errorf("experiments: data file %s: %w", g.path, err)
	}
	return lock, nil
}

// hash is the generate_hash the shard's file records.
func (g *generation) hash() (string, error) { return generateHash(g.cfg, max(g.shard, 1), g.shards) }

// generateHash is the generate_hash of shard k of n (1 of 1: unsharded):
// the generate stage's settings and the shard.
func generateHash(cfg *Config, k, n int) (string, error) {
	hash, err := cfg.StageHash(StageGenerate)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s shard %d/%d", hash, k, n), nil
}

// keepComplete reports whether, with Resume, the output already is a
// complete file of the same settings and shard (a file appears under its
// final name only when complete), which is then kept. A file of other
// settings, or one that does not open, is generated over as before.
func (g *generation) keepComplete() (bool, error) {
	if !g.opts.Resume || !g.complete() {
		return false, nil
	}
	if g.opts.Kept != nil {
		g.opts.Kept(g.path)
	}
	return true, nil
}

// complete reports whether the output is a complete file of g's settings
// and shard.
func (g *generation) complete() bool {
	want, err := g.hash()
	if err != nil {
		return false
	}
	f, err := datasets.Open(g.path)
	if err != nil {
		return false
	}
	got, err := f.AttrString("generate_hash")
	f.Close()
	return err == nil && got == want
}

// openOutput starts the file, or with Resume continues an interrupted one
// of the same settings and shard.
func (g *generation) openOutput() error {
	hash, err := g.hash()
	if err != nil {
		return err
	}
	g.file, g.resumedAt, err = openGenerated(g.path, hash, g.store, g.lo, g.opts.Resume)
	return err
}

// leaveOutput handles a generation that did not finish: cancelled, it
// keeps the samples written for Resume; failed, it deletes the file.
func (g *generation) leaveOutput(ctx context.Context) error {
	if ctx.Err() == nil {
		g.file.Abort()
		return nil
	}
	if err := suspend(g.file); err != nil {
		return fmt.Errorf("experiments: keeping the samples written so far: %w", err)
	}
	return nil
}

// reportResumed tells the callbacks how many samples a resumed file held.
func (g *generation) reportResumed() {
	if g.resumedAt == 0 {
		return
	}
	if g.opts.Resumed != nil {
		g.opts.Resumed(g.resumedAt, g.hi-g.lo)
	}
	if g.opts.Progress != nil {
		g.opts.Progress(g.resumedAt, g.hi-g.lo)
	}
}

// writeSamples solves the samples the file does not hold yet on the
// workers and appends them in order, then checks that all were written.
func (g *generation) writeSamples(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	results := g.startWorkers(ctx)
	next, err := g.writeInOrder(ctx, cancel, results)
	if err != nil {
		return err
	}
	return g.checkAllWritten(parent, ctx, next)
}

// sampleResult is one solved sample, or why it failed.
type sampleResult struct {
	i   int
	add appendSample
	err error
}

// startWorkers solves the samples [lo + resumedAt, hi) on opts.Workers
// goroutines (0: GOMAXPROCS) until ctx is cancelled; the results arrive
// in any order, and the channel closes when the workers are done.
func (g *generation) startWorkers(ctx context.Context) <-chan sampleResult {
	workers := g.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	results := make(chan sampleResult, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				add, err := g.store.solve(ctx, g.cfg.Seed, i)
				select {
				case results <- sampleResult{i, add, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go g.feedJobs(ctx, jobs)
	go func() {
		wg.Wait()
		close(results)
	}()
	return results
}

// feedJobs sends the sample indices to the workers, then closes jobs. At
// most 2 * workers samples in flight keeps memory bounded.
func (g *generation) feedJobs(ctx context.Context, jobs chan<- int) {
	defer close(jobs)
	for i := g.lo + g.resumedAt; i < g.hi; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// writeInOrder appends the results to the file in sample order as they
// arrive, reporting progress; a failed sample cancels the rest. It
// returns the next sample it would have written.
func (g *generation) writeInOrder(ctx context.Context, cancel context.CancelFunc, results <-chan sampleResult) (int, error) {
	pending := map[int]appendSample{}
	first := g.lo + g.resumedAt
	next := first
	lastFlush := time.Now()
	for r := range results {
		if r.err != nil {
			cancel()
			if ctx.Err() != nil && errors.Is(r.err, context.Canceled) {
				continue
			}
			return next, fmt.Errorf("experiments: %s sample %d: %w", g.cfg.Data.Solver, r.i, r.err)
		}
		pending[r.i] = r.add
		for ctx.Err() == nil { // once cancelled, nothing more is appended
			add, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if err := add(g.file); err != nil {
				return next, err
			}
			next++
			if g.opts.Progress != nil {
				g.opts.Progress(next-g.lo, g.hi-g.lo)
			}
			if next == first+1 || time.Since(lastFlush) > 2*time.Second {
				// A killed run can resume from what is flushed: the first
				// sample at once, then every 2 s.
				if err := g.file.Flush(); err != nil {
					return next, err
				}
				lastFlush = time.Now()
			}
		}
	}
	return next, nil
}

// GenerationStopped is Generate's error when its caller's context was
// cancelled: the Done of Total samples written so far are kept in Kept
// (NAME.tmp) for a rerun to resume.
type GenerationStopped struct {
	Done, Total int
	Kept        string
	Err         error
}

func (e *GenerationStopped) Error() string {
	return fmt.Sprintf("experiments: generation stopped after %d of %d samples, kept in %s for a rerun to resume: %v", e.Done, e.Total, e.Kept, e.Err)
}

func (e *GenerationStopped) Unwrap() error { return e.Err }

// checkAllWritten reports a generation that stopped before sample hi:
// cancelled by the caller (parent), the samples are kept for a rerun.
func (g *generation) checkAllWritten(parent, ctx context.Context, next int) error {
	done, total := next-g.lo, g.hi-g.lo
	if err := ctx.Err(); err != nil {
		if parent.Err() != nil {
			return &GenerationStopped{Done: done, Total: total, Kept: g.path + datasets.TmpSuffix, Err: err}
		}
		return fmt.Errorf("experiments: generation stopped after %d of %d samples: %w", done, total, err)
	}
	if next != g.hi {
		return fmt.Errorf("experiments: generation stopped after %d of %d samples", done, total)
	}
	return nil
}

// finishOutput writes what the store adds once (coordinates), the
// attributes and provenance, and publishes the file under its final name.
func (g *generation) finishOutput() error {
	if err := g.store.finish(g.file); err != nil {
		return err
	}
	for k, v := range g.gen.attrs() {
		if err := g.file.SetAttr(k, v); err != nil {
			return err
		}
	}
	if err := g.writeProvenance(); err != nil {
		return err
	}
	for k, v := range map[string]int{"n_train": g.cfg.Data.Train, "n_test": g.cfg.Data.Test, "sample_start": g.lo,
		"sample_end": g.hi, "shard": max(g.shard, 1), "shards": g.shards} {
		if err := g.file.SetAttr(k, v); err != nil {
			return err
		}
	}
	return g.file.Close()
}

// writeCoordinates stores the axes of c that exist, as float32.
func writeCoordinates(f *datasets.File, c datasets.Coordinates) error {
	for _, ax := range []struct {
		name string
		v    []float64
	}{{"x-coordinate", c.X}, {"y-coordinate", c.Y}, {"z-coordinate", c.Z}, {"t-coordinate", c.T}} {
		if ax.v == nil {
			continue
		}
		if err := datasets.Write(f.Group, ax.name, []int{len(ax.v)}, ax.v, &datasets.Options{Dtype: datasets.Float32}); err != nil {
			return err
		}
	}
	return nil
}

// writeProvenance records the solver, its parameters, the seed and the
// configuration text.
func (g *generation) writeProvenance() error {
	cfg := g.cfg
	params, err := json.Marshal(map[string]any{"data": dataSummary(cfg.Data), "params": g.gen.params()})
	if err != nil {
		return err
	}
	return g.file.SetProvenance(datasets.Provenance{Kind: "solver", Name: cfg.Data.Solver, Parameters: string(params),
		Seed: int64(cfg.Seed), Config: cfg.text})
}

// suspend closes a file being written without renaming or deleting it:
// NAME.tmp stays, flushed and closed, for datasets.Resume. (datasets.File
// offers Close, which publishes NAME, and Abort, which deletes NAME.tmp;
// the file is moved aside while Abort closes it and then moved back. A
// crash between the two renames leaves NAME.tmp.closing, and the next run
// starts over.)
func suspend(f *datasets.File) error {
	if err := f.Flush(); err != nil {
		f.Abort()
		return err
	}
	tmp := f.Name() + datasets.TmpSuffix
	aside := tmp + ".closing"
	if err := os.Rename(tmp, aside); err != nil {
		f.Abort()
		return err
	}
	if err := f.Abort(); err != nil {
		os.Remove(aside) // not closed cleanly: not resumable
		return err
	}
	return os.Rename(aside, tmp)
}

// sampleStore writes one generation's samples into its file: how they are
// laid out (grid fields appended along their sample axis, or one particle
// trajectory per sample), how many a reopened file holds, and what the
// file needs once they are all written. A generator makes a new one for
// each generation.
type sampleStore interface {
	// create lays out the samples' datasets in a new file.
	create(f *datasets.File) error
	// resume opens the samples' datasets in a reopened NAME.tmp of the same
	// settings and returns how many whole samples it holds (the first
	// being sample first), or false when they cannot be continued.
	resume(f *datasets.File, first int) (int, bool)
	// solve computes sample i; it is called from several goroutines.
	solve(ctx context.Context, seed uint64, i int) (appendSample, error)
	// finish writes what the file holds once (coordinates).
	finish(f *datasets.File) error
	// merge appends the samples [first, end) a shard's file src holds to
	// dst, laid out by create (MergeShards), checking their count.
	merge(ctx context.Context, dst, src *datasets.File, first, end int) error
}

// appendSample appends one solved sample to the file being generated.
type appendSample func(f *datasets.File) error

// openGenerated starts the output file, or with resume reopens an
// interrupted one of the same settings (its generate_hash attribute)
// whose samples the store can continue, returning how many it holds.
func openGenerated(path, hash string, store sampleStore, first int, resume bool) (*datasets.File, int, error) {
	if resume {
		f, resumed, err := datasets.Resume(path)
		if err != nil {
			return nil, 0, err
		}
		if h, err := f.AttrString("generate_hash"); resumed && err == nil && h == hash {
			if n, ok := store.resume(f, first); ok {
				return f, n, nil
			}
		}
		f.Abort()
	}
	f, err := datasets.Create(path)
	if err != nil {
		return nil, 0, err
	}
	if err := f.SetAttr("generate_hash", hash); err != nil {
		f.Abort()
		return nil, 0, err
	}
	if err := store.create(f); err != nil {
		f.Abort()
		return nil, 0, err
	}
	return f, 0, nil
}

// fieldStore stores grid fields, each a dataset [samples, shape...]
// extended by one sample per append.
type fieldStore struct {
	gen  fieldGenerator
	sets map[string]*datasets.Dataset
}

func (s *fieldStore) create(f *datasets.File) error {
	s.sets = map[string]*datasets.Dataset{}
	for _, fs := range s.gen.fields() {
		d, err := f.CreateDataset(fs.name, datasets.Float32, append([]int{0}, fs.shape...), &datasets.Options{Extendible: true})
		if err != nil {
			return err
		}
		s.sets[fs.name] = d
	}
	return nil
}

// resume opens the fields and requires them to hold equally many samples.
func (s *fieldStore) resume(f *datasets.File, first int) (int, bool) {
	s.sets = map[string]*datasets.Dataset{}
	n := -1
	for _, fs := range s.gen.fields() {
		d, err := f.OpenDataset(fs.name)
		if err != nil {
			return 0, false
		}
		shape := d.Shape()
		if len(shape) != len(fs.shape)+1 || (n >= 0 && shape[0] != n) {
			return 0, false
		}
		n = shape[0]
		s.sets[fs.name] = d
	}
	return max(n, 0), true
}

func (s *fieldStore) solve(ctx context.Context, seed uint64, i int) (appendSample, error) {
	fields, err := s.gen.sample(ctx, seed, i)
	if err != nil {
		return nil, err
	}
	return func(*datasets.File) error {
		for _, fs := range s.gen.fields() {
			if err := datasets.Append(s.sets[fs.name], fields[fs.name]); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (s *fieldStore) finish(f *datasets.File) error { return writeCoordinates(f, s.gen.coords()) }

func dataSummary(d DataConfig) map[string]any {
	s := map[string]any{"solver": d.Solver, "train": d.Train, "test": d.Test, "resolution": d.Resolution,
		"subsample": d.Subsample, "t_end": d.TEnd, "snapshots": d.Snapshots, "dt": d.Dt}
	if d.BurnIn != 0 {
		s["burn_in"] = d.BurnIn // files without a burn-in stay as they were
	}
	return s
}

// checkDataFile is the generate stage of data read from a file: nothing
// is generated; the file is opened to check it still holds what the
// configuration was checked against.
func checkDataFile(cfg *Config) error {
	d, err := openGridData(cfg, 1)
	if err != nil {
		return err
	}
	return d.Close()
}
