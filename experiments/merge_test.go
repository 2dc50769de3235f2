package experiments

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// generateShards writes shards 1..n of cfg's samples.
func generateShards(t *testing.T, cfg *Config, n int) {
	t.Helper()
	for k := 1; k <= n; k++ {
		if _, err := Generate(context.Background(), cfg, GenerateOptions{Shard: k, Shards: n, Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// fieldFile is every field of a generated file and its generate_hash and
// sample attributes.
func fieldFile(t *testing.T, cfg *Config, path string) map[string]any {
	t.Helper()
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]any{}
	fields := cfg.gen.store().(*fieldStore).gen.fields()
	for _, fs := range append(fields, fieldSpec{name: "x-coordinate"}, fieldSpec{name: "t-coordinate"}) {
		d, err := f.OpenDataset(fs.name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := datasets.ReadSamples[float32](d, 0, d.Shape()[0])
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[fs.name] = v
	}
	for _, a := range []string{"generate_hash"} {
		out[a], _ = f.AttrString(a)
	}
	for _, a := range []string{"sample_start", "sample_end", "shard", "shards", "n_train", "n_test"} {
		out[a], _ = f.AttrInt64(a)
	}
	return out
}

// TestMergeShardsEqualsUnsharded: 3 shards of 7 Burgers samples merged
// give the unsharded file's fields, coordinates, sample attributes and
// generate_hash, so a later generation keeps the merged file; an
// unsharded generation merges complete shards by itself.
func TestMergeShardsEqualsUnsharded(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Generate(context.Background(), cfg, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := fieldFile(t, cfg, full)
	if err := os.Remove(full); err != nil {
		t.Fatal(err)
	}
	generateShards(t, cfg, 3)
	path, err := MergeShards(context.Background(), cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := fieldFile(t, cfg, path)
	for k, w := range want {
		if !equalAny(got[k], w) {
			t.Errorf("merged %s = %v; want the unsharded file's %v", k, got[k], w)
		}
	}
	kept := ""
	if _, err := Generate(context.Background(), cfg, GenerateOptions{Resume: true, Kept: func(p string) { kept = p }}); err != nil || kept != path {
		t.Errorf("generation after the merge: kept %q, %v; want the merged file kept", kept, err)
	}
	os.Remove(path)
	merged := 0
	if _, err := Generate(context.Background(), cfg, GenerateOptions{Resume: true, Merged: func(n int) { merged = n }}); err != nil || merged != 3 {
		t.Errorf("generation with 3 complete shards: merged %d, %v; want the shards merged", merged, err)
	}
	if n, ok, err := MergeIfSharded(context.Background(), cfg); err != nil || ok {
		t.Errorf("MergeIfSharded with the data file present: %d, %v, %v; want nothing done", n, ok, err)
	}
}

// equalAny compares the values fieldFile reads.
func equalAny(a, b any) bool {
	if x, ok := a.([]float32); ok {
		y, ok := b.([]float32)
		return ok && slices.Equal(x, y)
	}
	return a == b
}

// TestMergeShardsRefuses: a missing shard, a shard of other settings, a
// shard under another's name and shard files of two counts are each
// refused by name, and no data file is written.
func TestMergeShardsRefuses(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.dataPath()
	if _, err := MergeShards(context.Background(), cfg, 0); err == nil || !strings.Contains(err.Error(), "no shard files data.shard-K-of-N.h5") {
		t.Errorf("no shards: %v", err)
	}
	generateShards(t, cfg, 3)
	other := strings.ReplaceAll(strings.Replace(burgersConfig, "nu = 0.05", "nu = 0.04", 1), "OUT", filepath.Join(t.TempDir(), "data.h5"))
	cfg2, err := Load(writeConfig(t, t.TempDir(), other))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := Generate(context.Background(), cfg2, GenerateOptions{Shard: 2, Shards: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	shard := func(k, n int) string { return ShardPath(out, k, n) }
	move := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name        string
		break_, fix func()
		want        string
	}{
		{"missing", func() { move(shard(2, 3), shard(2, 3)+".away") }, func() { move(shard(2, 3)+".away", shard(2, 3)) },
			"shard 2 of 3: datasets: open " + shard(2, 3)},
		{"other settings", func() { move(shard(2, 3), shard(2, 3)+".away"); move(foreign, shard(2, 3)) },
			func() { move(shard(2, 3), foreign); move(shard(2, 3)+".away", shard(2, 3)) }, "shard 2 of 3: " + shard(2, 3) + " holds other samples or settings"},
		{"renamed", func() { move(shard(3, 3), shard(3, 3)+".away"); copyFile(t, shard(1, 3), shard(3, 3)) },
			func() { move(shard(3, 3)+".away", shard(3, 3)) }, "shard 3 of 3: " + shard(3, 3) + " holds other samples or settings"},
		{"two counts", func() { copyFile(t, shard(1, 3), shard(1, 2)) }, func() { os.Remove(shard(1, 2)) },
			"shard files of different counts next to " + out + ": data.shard-1-of-2.h5, data.shard-1-of-3.h5"},
	} {
		tc.break_()
		_, err := MergeShards(context.Background(), cfg, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want it to contain %q", tc.name, err, tc.want)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("%s: a data file was written", tc.name)
		}
		tc.fix()
	}
	path, err := MergeShards(context.Background(), cfg, 0)
	if err != nil {
		t.Fatalf("after the fixes: %v", err)
	}
	before, _ := os.Stat(path)
	if _, err := MergeShards(context.Background(), cfg, 0); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) {
		t.Error("a second merge rewrote the merged file")
	}
}

// TestStaleShardsAreLeftAlone: shards of other settings next to the data
// file (an earlier config's) are not merged: the generation runs as
// before, and the shards stay.
func TestStaleShardsAreLeftAlone(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.dataPath()
	other := strings.ReplaceAll(strings.Replace(burgersConfig, "nu = 0.05", "nu = 0.04", 1), "OUT", out)
	cfg2, err := Load(writeConfig(t, t.TempDir(), other))
	if err != nil {
		t.Fatal(err)
	}
	generateShards(t, cfg2, 2)
	merged := 0
	if _, err := Generate(context.Background(), cfg, GenerateOptions{Resume: true, Merged: func(n int) { merged = n }}); err != nil || merged != 0 {
		t.Fatalf("generation next to stale shards: merged %d, %v; want generated", merged, err)
	}
	if _, err := os.Stat(ShardPath(out, 2, 2)); err != nil {
		t.Errorf("the stale shards were touched: %v", err)
	}
	if n, ok, err := MergeIfSharded(context.Background(), cfg); ok || err != nil {
		t.Errorf("MergeIfSharded: %d, %v, %v; want nothing done", n, ok, err)
	}
}

// copyFile copies a file.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}
