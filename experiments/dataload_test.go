package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// dataConfig is fnoConfig (burgers at 64 points, 2 snapshots, 24 + 8
// samples) whose data file each case writes by hand.
func dataConfig(t *testing.T, dir string, text string) *Config {
	t.Helper()
	data := filepath.Join(dir, "data.h5")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "OUT", data), "RUN", filepath.Join(dir, "run"))
	p := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// smooth returns n samples of [t, x] values without NaN, ramps in x.
func smooth(n, t, x int) []float32 {
	v := make([]float32, n*t*x)
	for i := range v {
		v[i] = float32(math.Sin(float64(i) * 0.01))
	}
	return v
}

// writeData writes path with fn, committing it.
func writeData(t *testing.T, path string, fn func(f *datasets.File) error) {
	t.Helper()
	f, err := datasets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(f); err != nil {
		f.Abort()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeTensor(shape []int, data []float32, opts *datasets.Options) func(f *datasets.File) error {
	return func(f *datasets.File) error { return datasets.Write(f.Group, "tensor", shape, data, opts) }
}

// readData opens the data as training does and reads every sample it
// would use, once.
func readData(cfg *Config) (*gridData, error) {
	d, err := openGridData(cfg, 1)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	_, err = fitNormalizers(context.Background(), cfg, d)
	return d, err
}

func TestLoadPairsRefusesBadData(t *testing.T) {
	nan := float32(math.NaN())
	withNaN := smooth(32, 2, 64)
	for i := 3*128 + 70; i < 3*128+82; i++ {
		withNaN[i] = nan
	}
	xs := make([]float32, 64)
	for i := range xs {
		xs[i] = float32(i) / 64
	}
	xs[40] = xs[39]
	cases := []struct {
		name     string
		write    func(f *datasets.File) error
		sentinel error
		mentions []string
	}{
		{"one snapshot", writeTensor([]int{32, 1, 64}, smooth(32, 1, 64), nil), datasets.ErrLayout,
			[]string{"/tensor stores 1 snapshots per sample (shape [32 1 64]), expected 2 (data.snapshots", "t = 0 is the input"}},
		{"three snapshots", writeTensor([]int{32, 3, 64}, smooth(32, 3, 64), nil), datasets.ErrLayout,
			[]string{"/tensor stores 3 snapshots per sample", "expected 2"}},
		{"rank 2", writeTensor([]int{32, 64}, smooth(32, 1, 64), nil), datasets.ErrLayout,
			[]string{"/tensor has rank 2 (shape [32 64]), expected [N, T, X] for burgers data"}},
		{"rank 0", writeTensor(nil, []float32{1}, nil), datasets.ErrLayout,
			[]string{"/tensor has rank 0 (shape []), expected [N, T, X]"}},
		{"rank 4", writeTensor([]int{32, 2, 8, 8}, smooth(32, 2, 64), nil), datasets.ErrLayout,
			[]string{"/tensor has rank 4 (shape [32 2 8 8]), expected [N, T, X]"}},
		{"no samples", writeTensor([]int{0, 2, 64}, nil, &datasets.Options{Extendible: true}), datasets.ErrLayout,
			[]string{"/tensor holds no samples"}},
		{"grid", writeTensor([]int{32, 2, 32}, smooth(32, 2, 32), nil), datasets.ErrLayout,
			[]string{"stores fields on 32 points per axis, the [data] section describes 64"}},
		{"darcy layout", func(f *datasets.File) error {
			return datasets.WriteDarcy(f, &datasets.DarcySet{N: 2, X: 64, Y: 1, Nu: smooth(2, 1, 64), U: smooth(2, 1, 64)})
		}, datasets.ErrLayout, []string{"has layout pdebench-darcy, solver burgers writes pdebench-tensor"}},
		{"huge claimed shape", func(f *datasets.File) error {
			d, err := f.CreateDataset("tensor", datasets.Float32, []int{1_000_000_000, 2, 64}, nil)
			if err != nil {
				return err
			}
			return datasets.WriteSamples(d, 0, smooth(1, 2, 64))
		}, datasets.ErrUnwritten, []string{"/tensor", "shape [1000000000 2 64]", "never written"}},
		{"partly written", func(f *datasets.File) error {
			d, err := f.CreateDataset("tensor", datasets.Float32, []int{32, 2, 64}, &datasets.Options{Chunks: []int{1, 2, 64}})
			if err != nil {
				return err
			}
			return datasets.WriteSamples(d, 0, smooth(20, 2, 64))
		}, datasets.ErrUnwritten, []string{"/tensor", "stores 20 of the 32 chunks", "sample 20", "never written"}},
		{"NaN", writeTensor([]int{32, 2, 64}, withNaN, nil), datasets.ErrNonFinite,
			[]string{"/tensor: sample 3, frame 1 holds 12 NaN or infinite values, the first (NaN) at value 6 of 64"}},
		{"integers", func(f *datasets.File) error {
			return datasets.Write(f.Group, "tensor", []int{32, 2, 64}, make([]int16, 32*2*64), nil)
		}, datasets.ErrDtype, []string{"/tensor", "stores int16 values", "fractional part"}},
		{"coordinates", func(f *datasets.File) error {
			if err := datasets.Write(f.Group, "tensor", []int{32, 2, 64}, smooth(32, 2, 64), nil); err != nil {
				return err
			}
			return datasets.Write(f.Group, "x-coordinate", []int{64}, xs, nil)
		}, datasets.ErrLayout, []string{"/x-coordinate", "values 39 and 40 are both"}},
		{"short coordinates", func(f *datasets.File) error {
			if err := datasets.Write(f.Group, "tensor", []int{32, 2, 64}, smooth(32, 2, 64), nil); err != nil {
				return err
			}
			return datasets.Write(f.Group, "x-coordinate", []int{63}, xs[:63], nil)
		}, datasets.ErrLayout, []string{"/x-coordinate", "has 63 values, expected 64"}},
		{"split attribute", func(f *datasets.File) error {
			if err := datasets.Write(f.Group, "tensor", []int{32, 2, 64}, smooth(32, 2, 64), nil); err != nil {
				return err
			}
			return f.SetAttr("n_train", int64(1)<<62)
		}, datasets.ErrRange, []string{"attribute n_train is 4611686018427387904, expected 1 to 32"}},
		{"split attribute type", func(f *datasets.File) error {
			if err := datasets.Write(f.Group, "tensor", []int{32, 2, 64}, smooth(32, 2, 64), nil); err != nil {
				return err
			}
			return f.SetAttr("n_test", 7.5)
		}, datasets.ErrDtype, []string{"@n_test", "expected an integer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := dataConfig(t, dir, fnoConfig)
			writeData(t, cfg.Data.Output, c.write)
			_, err := readData(cfg)
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
			for _, m := range append([]string{cfg.Data.Output}, c.mentions...) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// TestTrainEvalRefuseBadData runs the train and evaluate stages on data
// that used to crash them (a huge claimed shape: out of memory) or train
// nonsense (one snapshot: u(0) -> u(0)); both stop with the loader's error
// before writing anything.
func TestTrainEvalRefuseBadData(t *testing.T) {
	cases := []struct {
		name     string
		write    func(f *datasets.File) error
		sentinel error
	}{
		{"huge claimed shape", func(f *datasets.File) error {
			d, err := f.CreateDataset("tensor", datasets.Float32, []int{1_000_000_000, 2, 64}, nil)
			if err != nil {
				return err
			}
			return datasets.WriteSamples(d, 0, smooth(1, 2, 64))
		}, datasets.ErrUnwritten},
		{"one snapshot", writeTensor([]int{32, 1, 64}, smooth(32, 1, 64), nil), datasets.ErrLayout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := dataConfig(t, dir, fnoConfig)
			writeData(t, cfg.Data.Output, c.write)
			if _, err := Train(context.Background(), cfg, nil); !errors.Is(err, c.sentinel) {
				t.Errorf("Train: %v is not %v", err, c.sentinel)
			}
			if _, err := Evaluate(context.Background(), cfg); !errors.Is(err, c.sentinel) {
				t.Errorf("Evaluate: %v is not %v", err, c.sentinel)
			}
			if _, err := os.Stat(filepath.Join(cfg.RunDir(), "train_log.csv")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused run wrote its log: %v", err)
			}
		})
	}
}

func TestLoadRolloutSnapshots(t *testing.T) {
	dir := t.TempDir()
	cfg := dataConfig(t, dir, rolloutConfig)
	n := cfg.Data.Samples()
	res := cfg.Data.Resolution / cfg.Data.Subsample
	writeData(t, cfg.Data.Output, writeTensor([]int{n, 4, res, res}, smooth(n, 4, res*res), nil))
	_, err := readData(cfg)
	if !errors.Is(err, datasets.ErrLayout) {
		t.Fatalf("rollout on too few snapshots: %v", err)
	}
	for _, m := range []string{cfg.Data.Output, "/tensor stores 4 snapshots per sample", "expected 6 (data.snapshots", "t_in + t_out = 5"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// TestLoadPairsCorruptChunk: a damaged gzip chunk is named by the train
// stage's loader as by inspect (datasets' TestCorruptChunkNamed).
func TestLoadPairsCorruptChunk(t *testing.T) {
	dir := t.TempDir()
	cfg := dataConfig(t, dir, fnoConfig)
	writeData(t, cfg.Data.Output, writeTensor([]int{32, 2, 64}, smooth(32, 2, 64), &datasets.Options{Chunks: []int{4, 2, 64}}))
	f, err := datasets.Open(cfg.Data.Output)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.OpenDataset("tensor")
	c, err := d.ChunkAt([]int{3, 0, 0})
	f.Close()
	if err != nil || !c.Stored || c.Size < 40 {
		t.Fatalf("chunk 3: %+v %v", c, err)
	}
	raw, _ := os.ReadFile(cfg.Data.Output)
	for i := c.Offset + 10; i < c.Offset+40; i++ {
		raw[i] ^= 0x5a
	}
	os.WriteFile(cfg.Data.Output, raw, 0o644)
	_, err = readData(cfg)
	if !errors.Is(err, datasets.ErrCorrupt) {
		t.Fatalf("corrupt chunk: %v", err)
	}
	for _, m := range []string{cfg.Data.Output, "/tensor", "chunk 3 of 8", "sample 12", "gzip stream is corrupt", "inflate() failed"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// TestLoadPairsLibHDF5Crasher: a data file on which libhdf5 1.10 itself
// crashes is refused by the train/eval loader (Preflight's child process
// takes the crash).
func TestLoadPairsLibHDF5Crasher(t *testing.T) {
	dir := t.TempDir()
	cfg := dataConfig(t, dir, fnoConfig)
	raw, err := os.ReadFile(filepath.Join("..", "datasets", "testdata", "hdf5-crashers", "attr-vlen-heap-segv-1.h5"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Data.Output, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = readData(cfg)
	if !errors.Is(err, datasets.ErrCorrupt) {
		t.Fatalf("error %v is not ErrCorrupt", err)
	}
	for _, m := range []string{cfg.Data.Output, "libhdf5 crashed (SIGSEGV)", "in a child process"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}
