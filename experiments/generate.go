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
}

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
// It returns the path written.
func Generate(ctx context.Context, cfg *Config, opts GenerateOptions) (path string, err error) {
	if cfg.gen == nil {
		return "", fmt.Errorf("experiments: config %s was not validated", cfg.path)
	}
	shards := max(opts.Shards, 1)
	shard := opts.Shard
	if shards > 1 && (shard < 1 || shard > shards) {
		return "", fmt.Errorf("experiments: shard %d of %d out of range (expected 1..%d)", shard, shards, shards)
	}
	if shards > cfg.Data.Samples() {
		return "", fmt.Errorf("experiments: %d shards for %d samples", shards, cfg.Data.Samples())
	}
	lo, hi := SampleRange(cfg.Data.Samples(), shard, shards)
	path = ShardPath(cfg.Data.Output, shard, shards)
	gen := cfg.gen
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("experiments: output directory for %s: %w", path, err)
	}
	lock, err := AcquireLock(path+".lock", "generate "+cfg.path)
	if err != nil {
		return "", fmt.Errorf("experiments: data file %s: %w", path, err)
	}
	defer lock.Release()
	hash, err := cfg.StageHash(StageGenerate)
	if err != nil {
		return "", err
	}
	hash = fmt.Sprintf("%s shard %d/%d", hash, max(shard, 1), shards)
	f, sets, resumedAt, err := openGenerated(path, hash, gen.fields(), opts.Resume)
	if err != nil {
		return "", err
	}
	done := false
	parent := ctx
	defer func() {
		if done {
			return
		}
		if parent.Err() != nil {
			// Cancelled: keep what is written for Resume.
			if kerr := suspend(f); kerr != nil {
				err = errors.Join(err, fmt.Errorf("experiments: keeping the samples written so far: %w", kerr))
			}
			return
		}
		f.Abort()
	}()
	if resumedAt > 0 && opts.Resumed != nil {
		opts.Resumed(resumedAt, hi-lo)
	}
	lo += resumedAt
	if resumedAt > 0 && opts.Progress != nil {
		opts.Progress(resumedAt, hi-lo+resumedAt)
	}

	type result struct {
		i      int
		fields map[string][]float32
		err    error
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fields, err := gen.sample(ctx, cfg.Seed, i)
				select {
				case results <- result{i, fields, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		// At most 2 * workers samples in flight keeps memory bounded.
		for i := lo; i < hi; i++ {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	pending := map[int]map[string][]float32{}
	next := lo
	lastFlush := time.Now()
	for r := range results {
		if r.err != nil {
			cancel()
			if ctx.Err() != nil && errors.Is(r.err, context.Canceled) {
				continue
			}
			return "", fmt.Errorf("experiments: %s sample %d: %w", cfg.Data.Solver, r.i, r.err)
		}
		pending[r.i] = r.fields
		for ctx.Err() == nil { // once cancelled, nothing more is appended
			fields, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			for _, fs := range gen.fields() {
				if err := datasets.Append(sets[fs.name], fields[fs.name]); err != nil {
					return "", err
				}
			}
			next++
			if opts.Progress != nil {
				opts.Progress(next-lo+resumedAt, hi-lo+resumedAt)
			}
			if next == lo+1 || time.Since(lastFlush) > 2*time.Second {
				// A killed run can resume from what is flushed: the first
				// sample at once, then every 2 s.
				if err := f.Flush(); err != nil {
					return "", err
				}
				lastFlush = time.Now()
			}
		}
	}
	if err := ctx.Err(); err != nil {
		if parent.Err() != nil {
			return "", fmt.Errorf("experiments: generation stopped after %d of %d samples, kept in %s%s for a rerun to resume: %w",
				next-lo+resumedAt, hi-lo+resumedAt, path, datasets.TmpSuffix, err)
		}
		return "", fmt.Errorf("experiments: generation stopped after %d of %d samples: %w", next-lo+resumedAt, hi-lo+resumedAt, err)
	}
	if next != hi {
		return "", fmt.Errorf("experiments: generation stopped after %d of %d samples", next-lo+resumedAt, hi-lo+resumedAt)
	}
	lo -= resumedAt

	c := gen.coords()
	for _, ax := range []struct {
		name string
		v    []float64
	}{{"x-coordinate", c.X}, {"y-coordinate", c.Y}, {"z-coordinate", c.Z}, {"t-coordinate", c.T}} {
		if ax.v == nil {
			continue
		}
		if err := datasets.Write(f.Group, ax.name, []int{len(ax.v)}, ax.v, &datasets.Options{Dtype: datasets.Float32}); err != nil {
			return "", err
		}
	}
	for k, v := range gen.attrs() {
		if err := f.SetAttr(k, v); err != nil {
			return "", err
		}
	}
	params, err := json.Marshal(map[string]any{"data": dataSummary(cfg.Data), "params": gen.params()})
	if err != nil {
		return "", err
	}
	if err := f.SetProvenance(datasets.Provenance{Kind: "solver", Name: cfg.Data.Solver, Parameters: string(params),
		Seed: int64(cfg.Seed), Config: cfg.text}); err != nil {
		return "", err
	}
	for k, v := range map[string]int{"n_train": cfg.Data.Train, "n_test": cfg.Data.Test, "sample_start": lo,
		"sample_end": hi, "shard": max(shard, 1), "shards": shards} {
		if err := f.SetAttr(k, v); err != nil {
			return "", err
		}
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	done = true
	return path, nil
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

// openGenerated starts the output file, or with resume reopens an
// interrupted one of the same settings (its generate_hash attribute) whose
// fields hold equally many samples, returning that count.
func openGenerated(path, hash string, fields []fieldSpec, resume bool) (*datasets.File, map[string]*datasets.Dataset, int, error) {
	if resume {
		f, resumed, err := datasets.Resume(path)
		if err != nil {
			return nil, nil, 0, err
		}
		if resumed {
			if sets, n, ok := resumable(f, hash, fields); ok {
				return f, sets, n, nil
			}
			f.Abort()
		} else {
			f.Abort()
		}
	}
	f, err := datasets.Create(path)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := f.SetAttr("generate_hash", hash); err != nil {
		f.Abort()
		return nil, nil, 0, err
	}
	sets := map[string]*datasets.Dataset{}
	for _, fs := range fields {
		d, err := f.CreateDataset(fs.name, datasets.Float32, append([]int{0}, fs.shape...), &datasets.Options{Extendible: true})
		if err != nil {
			f.Abort()
			return nil, nil, 0, err
		}
		sets[fs.name] = d
	}
	return f, sets, 0, nil
}

// resumable opens the fields of a reopened NAME.tmp and reports how many
// whole samples it holds, or false when it is not a run of these settings.
func resumable(f *datasets.File, hash string, fields []fieldSpec) (map[string]*datasets.Dataset, int, bool) {
	if h, err := f.AttrString("generate_hash"); err != nil || h != hash {
		return nil, 0, false
	}
	sets := map[string]*datasets.Dataset{}
	n := -1
	for _, fs := range fields {
		d, err := f.OpenDataset(fs.name)
		if err != nil {
			return nil, 0, false
		}
		s := d.Shape()
		if len(s) != len(fs.shape)+1 || (n >= 0 && s[0] != n) {
			return nil, 0, false
		}
		n = s[0]
		sets[fs.name] = d
	}
	return sets, max(n, 0), true
}

func dataSummary(d DataConfig) map[string]any {
	return map[string]any{"solver": d.Solver, "train": d.Train, "test": d.Test, "resolution": d.Resolution,
		"subsample": d.Subsample, "t_end": d.TEnd, "snapshots": d.Snapshots, "dt": d.Dt}
}
