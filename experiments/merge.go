package experiments

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/datasets"
)

// MergeShards joins the files of `simulate generate -shard k/n` (k = 1..n)
// into the configured data file, samples in order, as if generated
// unsharded: the same datasets, coordinates, attributes and provenance,
// and the unsharded generate_hash, so a later run keeps it. shards = 0
// finds n from the shard files present (one count only). Each shard must
// exist and hold exactly its samples of these settings (its
// generate_hash); a missing, foreign or misplaced shard is refused by
// name, and nothing is written. The data are copied once (the shards are
// left in place). It returns the merged file's path.
func MergeShards(ctx context.Context, cfg *Config, shards int) (string, error) {
	if cfg.ext != nil {
		return "", fmt.Errorf("experiments: data.file %s is read as it is; there are no shards to merge", cfg.Data.File)
	}
	if shards == 0 {
		var err error
		if shards, err = ShardCount(cfg); err != nil {
			return "", err
		}
	}
	if shards < 2 || shards > cfg.Data.Samples() {
		return "", fmt.Errorf("experiments: merging %d shards of %d samples; want 2 to %d", shards, cfg.Data.Samples(), cfg.Data.Samples())
	}
	g, err := newGeneration(cfg, GenerateOptions{})
	if err != nil {
		return "", err
	}
	srcs, err := openShards(g, shards)
	defer func() {
		for _, f := range srcs {
			f.Close()
		}
	}()
	if err != nil {
		return "", err
	}
	lock, err := g.lockOutput(ctx)
	if err != nil {
		return "", err
	}
	defer lock.Release()
	if g.complete() {
		return g.path, nil // already merged (or generated) with these settings
	}
	if err := g.openOutput(); err != nil {
		return "", err
	}
	for k, src := range srcs {
		lo, hi := SampleRange(cfg.Data.Samples(), k+1, shards)
		if err := g.store.merge(ctx, g.file, src, lo, hi); err != nil {
			g.file.Abort()
			return "", fmt.Errorf("experiments: merging shard %d of %d (%s) into %s: %w (nothing written; the shards are kept)",
				k+1, shards, src.Name(), g.path, err)
		}
	}
	if err := g.finishOutput(); err != nil {
		g.file.Abort()
		return "", err
	}
	return g.path, nil
}

// openShards opens the n shard files of g's output and checks that each
// holds its own samples of g's settings.
func openShards(g *generation, n int) ([]*datasets.File, error) {
	var out []*datasets.File
	for k := 1; k <= n; k++ {
		path := ShardPath(g.path, k, n)
		f, err := datasets.Open(path)
		if err != nil {
			return out, fmt.Errorf("experiments: shard %d of %d: %w (run `simulate generate -shard %d/%d %s`)", k, n, err, k, n, g.cfg.path)
		}
		out = append(out, f)
		want, err := generateHash(g.cfg, k, n)
		if err != nil {
			return out, err
		}
		h, err := f.AttrString("generate_hash")
		if err != nil {
			return out, fmt.Errorf("experiments: shard %d of %d: %s has no generate_hash (%v); not a file of simulate generate", k, n, path, err)
		}
		if h != want {
			return out, fmt.Errorf("experiments: shard %d of %d: %s holds other samples or settings (generate_hash %q; these settings' shard %d/%d is %q)",
				k, n, path, h, k, n, want)
		}
	}
	return out, nil
}

// shardName matches a shard file's name: data.shard-K-of-N.h5.
func shardName(out string) *regexp.Regexp {
	ext := filepath.Ext(out)
	base := regexp.QuoteMeta(strings.TrimSuffix(filepath.Base(out), ext))
	return regexp.MustCompile("^" + base + `\.shard-([0-9]+)-of-([0-9]+)` + regexp.QuoteMeta(ext) + "$")
}

// ShardCount returns the n of the shard files next to the configured data
// file; shard files of more than one count are refused, naming them.
func ShardCount(cfg *Config) (int, error) {
	out := cfg.dataPath()
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("experiments: looking for shards of %s: %w", out, err)
	}
	re := shardName(out)
	counts := map[int][]string{}
	for _, e := range entries {
		m := re.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		k, kerr := strconv.Atoi(m[1])
		n, nerr := strconv.Atoi(m[2])
		if kerr != nil || nerr != nil || n < 2 || k < 1 || k > n {
			continue // not a name generate -shard k/n writes
		}
		counts[n] = append(counts[n], e.Name())
	}
	switch len(counts) {
	case 0:
		return 0, fmt.Errorf("experiments: no shard files %s next to %s (run `simulate generate -shard k/n %s` for k = 1..n)",
			strings.Replace(filepath.Base(ShardPath(out, 1, 2)), "-1-of-2", "-K-of-N", 1), out, cfg.path)
	case 1:
		for n := range counts {
			return n, nil
		}
	}
	var found []string
	for _, names := range counts {
		found = append(found, names...)
	}
	slices.Sort(found)
	return 0, fmt.Errorf("experiments: shard files of different counts next to %s: %s; keep one set (or pass the count)", out, strings.Join(found, ", "))
}

// shardsMergeable reports whether every shard of one count exists next to
// the configured data file and holds its samples of these settings (shards
// of other settings, left from an earlier config, are not merged: the
// data are generated as before).
func shardsMergeable(cfg *Config) (int, bool) {
	n, err := ShardCount(cfg)
	if err != nil || n < 2 || n > cfg.Data.Samples() {
		return 0, false
	}
	g, err := newGeneration(cfg, GenerateOptions{})
	if err != nil {
		return 0, false
	}
	srcs, err := openShards(g, n)
	for _, f := range srcs {
		f.Close()
	}
	return n, err == nil
}

// merge appends a field shard's samples [first, end) to the datasets
// create laid out, one sample at a time.
func (s *fieldStore) merge(ctx context.Context, dst, src *datasets.File, first, end int) error {
	for _, fs := range s.gen.fields() {
		if err := s.mergeField(ctx, fs, src, first, end); err != nil {
			return err
		}
	}
	return nil
}

// mergeField appends one field's samples of a shard.
func (s *fieldStore) mergeField(ctx context.Context, fs fieldSpec, src *datasets.File, first, end int) error {
	d, err := src.OpenDataset(fs.name)
	if err != nil {
		return err
	}
	defer d.Close()
	if shape := d.Shape(); len(shape) != len(fs.shape)+1 || shape[0] != end-first {
		return fmt.Errorf("%s has shape %v; want %d samples of %v", fs.name, shape, end-first, fs.shape)
	}
	for i := range end - first {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, err := datasets.ReadSamples[float32](d, i, 1)
		if err == nil {
			err = datasets.Append(s.sets[fs.name], v)
		}
		if err != nil {
			return fmt.Errorf("%s, sample %d: %w", fs.name, first+i, err)
		}
	}
	return nil
}

// merge appends a particle shard's trajectories (samples [first, end)),
// each marked with its sample index (which the shard's must equal).
func (trajectoryStore) merge(ctx context.Context, dst, src *datasets.File, first, end int) error {
	n, err := datasets.TrajectoryCount(src)
	if err != nil {
		return err
	}
	if n != end-first {
		return fmt.Errorf("%d trajectories; want %d (samples %d..%d)", n, end-first, first, end-1)
	}
	for k := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i, err := sampleOf(src, k); err != nil || i != first+k {
			return fmt.Errorf("trajectory %d is marked sample %d (%v); want %d", k, i, err, first+k)
		}
		tr, err := datasets.ReadTrajectory(src, k)
		if err != nil {
			return err
		}
		if err := appendMarked(dst, tr, first+k); err != nil {
			return err
		}
	}
	return nil
}

// MergeIfSharded merges the shards (MergeShards) when the configured data
// file is missing and every shard of one count is present; it reports
// the count and whether it merged.
func MergeIfSharded(ctx context.Context, cfg *Config) (int, bool, error) {
	if cfg.ext != nil {
		return 0, false, nil
	}
	if _, err := os.Stat(cfg.dataPath()); err == nil {
		return 0, false, nil
	}
	n, ok := shardsMergeable(cfg)
	if !ok {
		return 0, false, nil
	}
	_, err := MergeShards(ctx, cfg, n)
	return n, err == nil, err
}
