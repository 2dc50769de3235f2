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
	lock, err := g.lockOutput()
	if err != nil {
		return "", err
	}
	defer lock.Release()
	if err := g.openOutput(); err != nil {
		return "", err
	}
	for k, src := range srcs {
		lo, _ := SampleRange(cfg.Data.Samples(), k+1, shards)
		if err := ctx.Err(); err != nil {
			g.file.Abort()
			return "", err
		}
		if err := g.store.merge(g.file, src, lo); err != nil {
			g.file.Abort()
			return "", fmt.Errorf("experiments: merging shard %d of %d (%s): %w", k+1, shards, src.Name(), err)
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
	want, err := g.cfg.StageHash(StageGenerate)
	if err != nil {
		return nil, err
	}
	var out []*datasets.File
	for k := 1; k <= n; k++ {
		path := ShardPath(g.path, k, n)
		f, err := datasets.Open(path)
		if err != nil {
			return out, fmt.Errorf("experiments: shard %d of %d: %s: %w (run `simulate generate -shard %d/%d %s`)", k, n, path, err, k, n, g.cfg.path)
		}
		out = append(out, f)
		h, err := f.AttrString("generate_hash")
		shardWant := fmt.Sprintf("%s shard %d/%d", want, k, n)
		if err != nil || h != shardWant {
			return out, fmt.Errorf("experiments: shard %d of %d: %s holds other samples or settings (generate_hash %q; these settings' shard %d/%d is %q)",
				k, n, path, h, k, n, shardWant)
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
		if m := re.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[2])
			counts[n] = append(counts[n], e.Name())
		}
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

// shardsComplete reports whether every shard of one count exists next to
// the configured data file (not whether they hold the right samples:
// MergeShards checks that).
func shardsComplete(cfg *Config) (int, bool) {
	n, err := ShardCount(cfg)
	if err != nil || n < 2 {
		return 0, false
	}
	for k := 1; k <= n; k++ {
		if _, err := os.Stat(ShardPath(cfg.dataPath(), k, n)); err != nil {
			return 0, false
		}
	}
	return n, true
}

// merge appends a field shard's samples (the first being sample first) to
// the datasets create laid out, one sample at a time.
func (s *fieldStore) merge(dst, src *datasets.File, first int) error {
	for _, fs := range s.gen.fields() {
		d, err := src.OpenDataset(fs.name)
		if err != nil {
			return err
		}
		n := d.Shape()[0]
		for i := range n {
			v, err := datasets.ReadSamples[float32](d, i, 1)
			if err == nil {
				err = datasets.Append(s.sets[fs.name], v)
			}
			if err != nil {
				d.Close()
				return fmt.Errorf("%s, sample %d: %w", fs.name, first+i, err)
			}
		}
		d.Close()
	}
	return nil
}

// merge appends a particle shard's trajectories, each marked with its
// sample index (which the shard's must equal).
func (trajectoryStore) merge(dst, src *datasets.File, first int) error {
	n, err := datasets.TrajectoryCount(src)
	if err != nil {
		return err
	}
	for k := range n {
		g, err := src.OpenGroup(trajectoryGroup(k))
		if err != nil {
			return err
		}
		i, err := g.AttrInt64(attrSample)
		g.Close()
		if err != nil || i != int64(first+k) {
			return fmt.Errorf("trajectory %d is sample %d (%v); want %d", k, i, err, first+k)
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
	n, ok := shardsComplete(cfg)
	if !ok {
		return 0, false, nil
	}
	_, err := MergeShards(ctx, cfg, n)
	return n, err == nil, err
}
