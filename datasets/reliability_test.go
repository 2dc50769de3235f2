package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeHugeClaim writes a small chunked file whose /tensor claims shape
// [1e9, 2, 32] (238 GiB of float32) with only its first sample written:
// what a damaged or hostile file looks like.
func writeHugeClaim(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "huge.h5")
	f := mustCreate(t, p)
	d, err := f.CreateDataset("tensor", Float32, []int{1_000_000_000, 2, 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSamples(d, 0, ramp[float32](64)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Size() > 64<<10 {
		t.Fatalf("the file claiming a huge shape should be small: %v %v", st.Size(), err)
	}
	return p
}

func TestHugeClaimedShape(t *testing.T) {
	p := writeHugeClaim(t, t.TempDir())
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.OpenDataset("tensor")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		read     func() error
		sentinel error
		mentions []string
	}{
		{"ReadAll", func() error { _, err := ReadAll[float32](d); return err }, ErrTooLarge,
			[]string{p, "/tensor", "shape [1000000000 2 32]", "238.42 GiB", "64000000000 float32 values", "memory available"}},
		{"ReadAll float64", func() error { _, err := ReadAll[float64](d); return err }, ErrTooLarge,
			[]string{p, "/tensor", "476.84 GiB"}},
		{"ReadSamples all", func() error { _, err := ReadSamples[float32](d, 0, d.Len()); return err }, ErrTooLarge,
			[]string{p, "/tensor", "[1000000000 2 32]", "GiB"}},
		{"ReadTensorSet", func() error { _, err := ReadTensorSet(f, 0, -1); return err }, ErrTooLarge,
			[]string{p, "/tensor", "memory available"}},
		{"unwritten samples", func() error { _, err := ReadSamples[float32](d, 0, 1000); return err }, ErrUnwritten,
			[]string{p, "/tensor", "samples [0, 1000)", "sample 256", "fill values", "stores 1 of the 3906250 chunks"}},
		{"unwritten far sample", func() error { _, err := ReadSamples[float32](d, 999_999_999, 1); return err }, ErrUnwritten,
			[]string{p, "/tensor", "sample 999999744"}},
		{"the written sample", func() error {
			v, err := ReadSamples[float32](d, 0, 1)
			if err == nil && v[5] != ramp[float32](64)[5] {
				return fmt.Errorf("read back %v", v[:8])
			}
			return err
		}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.read()
			if c.sentinel == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
			assertMentions(t, err, c.mentions...)
		})
	}

	// inspect -stats: bounded time and memory, the missing storage named,
	// statistics over what the file holds.
	var out bytes.Buffer
	start := time.Now()
	if err := Describe(&out, f, DescribeOptions{Stats: true}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Describe took %v", el)
	}
	for _, want := range []string{"238.42 GiB", "warning: the file stores 1 of the 3906250 chunks", "never written",
		"over the 1 stored chunks only", "3906249 chunks were never written"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Describe output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestReadLimit(t *testing.T) {
	defer SetReadLimit(SetReadLimit(1000))
	p := writeSmall(t, t.TempDir()) // tensor [4 3 16] float32: 768 bytes
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, _ := f.OpenDataset("tensor")
	if _, err := ReadAll[float32](d); err != nil {
		t.Fatalf("768 bytes under a 1000-byte limit: %v", err)
	}
	_, err = ReadAll[float64](d)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("1536 bytes over a 1000-byte limit: %v", err)
	}
	assertMentions(t, err, p, "/tensor", "shape [4 3 16]", "1.5 KiB", "192 float64 values", "1000 B", "SetReadLimit")
	if _, err := ReadSamples[float64](d, 0, 2); err != nil {
		t.Fatalf("two samples as float64 (768 bytes): %v", err)
	}
	// The limit also covers attributes and HDF5's chunk buffers.
	_, err = f.Attr("created")
	if err != nil {
		t.Fatalf("a short attribute: %v", err)
	}
	SetReadLimit(500)
	if _, err := ReadSamples[float32](d, 0, 1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a chunk of 768 bytes over a 500-byte limit: %v", err)
	} else {
		assertMentions(t, err, "chunks of shape [4 3 16]", "768 B each")
	}
	SetReadLimit(0)
	if ReadLimit() <= 100 {
		t.Fatalf("SetReadLimit(0) did not restore the default: %d", ReadLimit())
	}
}

func TestMemoryAvailable(t *testing.T) {
	m, src := MemoryAvailable()
	if m <= 0 || src == "" {
		t.Fatalf("MemoryAvailable() = %d, %q", m, src)
	}
	if l := ReadLimit(); l != m/readLimitFraction {
		t.Errorf("default ReadLimit %d, want %d", l, m/readLimitFraction)
	}
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	meminfo := []struct {
		name string
		text string
		want int64
		ok   bool
	}{
		{"meminfo", "MemTotal:       24680000 kB\nMemFree:  1 kB\n", 24680000 * 1024, true},
		{"meminfo-late", "MemFree:  1 kB\nMemTotal: 2048 kB\n", 2048 * 1024, true},
		{"meminfo-none", "MemFree:  1 kB\n", 0, false},
		{"meminfo-garbage", "MemTotal: lots kB\n", 0, false},
	}
	for _, c := range meminfo {
		got, ok := memTotal(file(c.name, c.text))
		if got != c.want || ok != c.ok {
			t.Errorf("%s: memTotal = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	cgroup := []struct {
		name string
		text string
		want int64
		ok   bool
	}{
		{"v2-limit", "2147483648\n", 2 << 30, true},
		{"v2-max", "max\n", 0, false},
		{"v1-unlimited", "9223372036854771712\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, c := range cgroup {
		got, ok := cgroupLimit(file(c.name, c.text))
		if got != c.want || ok != c.ok {
			t.Errorf("%s: cgroupLimit = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if _, ok := cgroupLimit(filepath.Join(dir, "missing")); ok {
		t.Error("a missing cgroup file gave a limit")
	}
}

// writePartial writes /tensor of shape [10, 2, 8] in chunks of one sample
// with only samples [0, 6) written.
func writePartial(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "partial.h5")
	f := mustCreate(t, p)
	d, err := f.CreateDataset("tensor", Float32, []int{10, 2, 8}, &Options{Chunks: []int{1, 2, 8}})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSamples(d, 0, ramp[float32](6*16)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnwrittenStorage(t *testing.T) {
	dir := t.TempDir()
	p := writePartial(t, dir)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, _ := f.OpenDataset("tensor")
	st, err := d.Storage()
	if err != nil || st.StoredChunks != 6 || st.TotalChunks != 10 || st.Complete() {
		t.Fatalf("Storage() = %+v, %v", st, err)
	}
	cases := []struct {
		name     string
		err      error
		mentions []string
	}{
		{"ReadAll", func() error { _, err := ReadAll[float32](d); return err }(),
			[]string{p, "/tensor", "4 of the 10 chunks under the whole dataset were never written", "sample 6", "stores 6 of the 10 chunks"}},
		{"ReadSamples", func() error { _, err := ReadSamples[float32](d, 4, 4); return err }(),
			[]string{p, "/tensor", "2 of the 4 chunks under samples [4, 8)", "element [6 0 0]", "sample 6"}},
		{"ReadSlab", ReadSlab(d, []int{9, 0, 0}, []int{1, 1, 8}, make([]float32, 8)),
			[]string{p, "/tensor", "1 of the 1 chunks under the selection at [9 0 0]"}},
		{"ReadTensorSet", func() error { _, err := ReadTensorSet(f, 0, -1); return err }(),
			[]string{p, "/tensor", "never written"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrUnwritten) {
				t.Fatalf("error %v is not ErrUnwritten", c.err)
			}
			assertMentions(t, c.err, c.mentions...)
		})
	}
	if _, err := ReadSamples[float32](d, 0, 6); err != nil {
		t.Fatalf("the written samples: %v", err)
	}
	if c, err := d.ChunkAt([]int{5, 0, 0}); err != nil || !c.Stored || c.Size == 0 || c.Offset == 0 {
		t.Errorf("ChunkAt of a written chunk: %+v, %v", c, err)
	}
	if c, err := d.ChunkAt([]int{7, 0, 0}); err != nil || c.Stored {
		t.Errorf("ChunkAt of a chunk never written: %+v, %v", c, err)
	}
	if _, err := d.ChunkAt([]int{10, 0, 0}); !errors.Is(err, ErrRange) {
		t.Errorf("ChunkAt outside the grid: %v", err)
	} else {
		assertMentions(t, err, "chunk position [10 0 0] is outside the chunk grid [10 1 1]")
	}
	var out bytes.Buffer
	if err := Describe(&out, f, DescribeOptions{Stats: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"warning: the file stores 6 of the 10 chunks", "over the 6 stored chunks only, 96 values; 4 chunks were never written"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Describe output lacks %q:\n%s", want, out.String())
		}
	}

	// A contiguous dataset created and never written.
	q := filepath.Join(dir, "empty.h5")
	w := mustCreate(t, q)
	if _, err := w.CreateDataset("tensor", Float32, []int{4, 2, 8}, &Options{Compression: None}); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, w)
	e, _ := r.OpenDataset("tensor")
	_, err = ReadAll[float32](e)
	if !errors.Is(err, ErrUnwritten) {
		t.Fatalf("never-written contiguous dataset: %v", err)
	}
	assertMentions(t, err, q, "/tensor", "stores no data", "never written")
	if _, err := e.ChunkAt([]int{0, 0, 0}); !errors.Is(err, ErrLayout) {
		t.Errorf("ChunkAt of a contiguous dataset: %v", err)
	}
}

// TestStatsManyChunksPartlyWritten covers the statistics of a partly
// written dataset with more stored chunks than are looked up one by one:
// pieces whose chunks are all stored are read, the rest skipped.
func TestStatsManyChunksPartlyWritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "many.h5")
	f := mustCreate(t, p)
	n := maxSparseChunks + 100
	d, err := f.CreateDataset("v", Float64, []int{n + 50}, &Options{Chunks: []int{1}, Compression: None})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(i)
	}
	if err := WriteSlab(d, []int{0}, []int{n}, vals); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	var out bytes.Buffer
	if err := Describe(&out, r, DescribeOptions{Stats: true, PieceBytes: 8 * 64}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("min 0  max %d  mean %g  (over the stored data only: 50 values in chunks never written skipped)", n-1, float64(n-1)/2)
	if !strings.Contains(out.String(), want) {
		t.Errorf("Describe output lacks %q:\n%s", want, out.String())
	}
}

func TestStatsStreamInPieces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.h5")
	f := mustCreate(t, p)
	vals := ramp[float32](64 * 4 * 32)
	vals[77] = float32(math.NaN())
	if err := Write(f.Group, "tensor", []int{64, 4, 32}, vals, &Options{Chunks: []int{4, 4, 32}}); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	var out, progress bytes.Buffer
	// Pieces of 512 float64 values: one 4-sample chunk each, 16+ pieces.
	if err := Describe(&out, r, DescribeOptions{Stats: true, PieceBytes: 4096, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	var s stats
	s.min, s.max = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		s.add([]float64{float64(v)})
	}
	s.finish()
	want := fmt.Sprintf("    min %.6g  max %.6g  mean %.6g  non-finite 1\n", s.min, s.max, s.mean)
	if !strings.Contains(out.String(), want) {
		t.Errorf("Describe output lacks %q:\n%s", want, out.String())
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != 10 || !strings.Contains(lines[0], "/tensor: 12% (2 of 16 pieces)") || !strings.Contains(lines[9], "/tensor: 100% (16 of 16 pieces)") {
		t.Errorf("progress lines:\n%s", progress.String())
	}
}

func TestPieceShape(t *testing.T) {
	cases := []struct {
		shape, chunk []int
		max          int
		want         []int
	}{
		{[]int{64, 4, 32}, []int{4, 4, 32}, 512, []int{4, 4, 32}},
		{[]int{64, 4, 32}, []int{4, 4, 32}, 1200, []int{8, 4, 32}},
		{[]int{64, 4, 32}, []int{4, 4, 32}, 1 << 20, []int{64, 4, 32}},
		{[]int{64, 4, 32}, []int{4, 4, 32}, 100, []int{1, 2, 32}},
		{[]int{1_000_000_000, 2, 32}, []int{256, 2, 32}, 4 << 20, []int{65536, 2, 32}},
		{[]int{2, 1_000_000_000}, nil, 1000, []int{1, 1000}},
		{[]int{10}, nil, 1, []int{1}},
		{[]int{3, 5}, []int{2, 2}, 1000, []int{3, 5}},
	}
	for _, c := range cases {
		got := pieceShape(c.shape, c.chunk, c.max)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("pieceShape(%v, %v, %d) = %v, want %v", c.shape, c.chunk, c.max, got, c.want)
		}
		if elements(got) > c.max && c.max >= len(c.shape) {
			t.Errorf("piece %v exceeds %d elements", got, c.max)
		}
		// The pieces tile the shape exactly once.
		covered := 0
		forEachTile(c.shape, got, func(start, count []int) bool {
			covered += elements(count)
			return covered < 1<<24
		})
		if covered != elements(c.shape) && elements(c.shape) < 1<<24 {
			t.Errorf("tiles of %v cover %d of %d elements", got, covered, elements(c.shape))
		}
	}
}

// corruptChunk damages the gzip stream of chunk index k (along the leading
// axis) of /tensor in the file at p and returns the chunk's file offset.
func corruptChunk(t *testing.T, p string, k int) uint64 {
	t.Helper()
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := f.OpenDataset("tensor")
	c, err := d.ChunkAt([]int{k, 0, 0})
	f.Close()
	addr := c.Offset
	if err != nil || !c.Stored || c.Size < 40 {
		t.Fatalf("chunk %d: %+v, %v", k, c, err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := addr + 10; i < addr+40; i++ {
		raw[i] ^= 0x5a
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestCorruptChunkNamed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gz.h5")
	f := mustCreate(t, p)
	if err := Write(f.Group, "tensor", []int{40, 2, 64}, ramp[float32](40*2*64), &Options{Chunks: []int{4, 2, 64}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	addr := corruptChunk(t, p, 2)
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, _ := r.OpenDataset("tensor")
	var out bytes.Buffer
	describeErr := Describe(&out, r, DescribeOptions{Stats: true})
	same := []string{p, "/tensor", "chunk 2 of 10", "elements from [8 0 0]", "sample 8",
		"file offset " + strconv.FormatUint(addr, 10), "gzip stream is corrupt", "inflate() failed"}
	cases := []struct {
		name string
		err  error
	}{
		{"ReadAll float32 (train)", func() error { _, err := ReadAll[float32](d); return err }()},
		{"ReadSamples float64 (inspect)", func() error { _, err := ReadSamples[float64](d, 0, 40); return err }()},
		{"ReadSamples from the chunk", func() error { _, err := ReadSamples[float32](d, 9, 1); return err }()},
		{"ReadTensorSet", func() error { _, err := ReadTensorSet(r, 0, -1); return err }()},
		{"Describe", describeErr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", c.err)
			}
			if strings.Contains(c.err.Error(), "unknown HDF5 error") {
				t.Errorf("error lost HDF5's cause: %v", c.err)
			}
			assertMentions(t, c.err, same...)
		})
	}
	if !strings.Contains(out.String(), "stats: cannot read the data: ") {
		t.Errorf("Describe did not report the failed statistics inline:\n%s", out.String())
	}
	if _, err := ReadSamples[float32](d, 0, 8); err != nil {
		t.Errorf("the chunks before the damaged one: %v", err)
	}
}

func TestNonFiniteFields(t *testing.T) {
	dir := t.TempDir()
	tensor := func(name string, poison func(v []float32)) string {
		p := filepath.Join(dir, name)
		f := mustCreate(t, p)
		v := ramp[float32](6 * 2 * 8)
		poison(v)
		if err := Write(f.Group, "tensor", []int{6, 2, 8}, v, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name     string
		path     string
		start, n int
		mentions []string
	}{
		{"nan", tensor("nan.h5", func(v []float32) {
			for i := 3*16 + 5; i < 3*16+17; i++ {
				v[i] = nan
			}
		}), 0, -1, []string{"nan.h5", "/tensor", "12 NaN values, first in sample 3 at [0 5]"}},
		{"inf", tensor("inf.h5", func(v []float32) { v[16*4+9] = -inf; v[16*5] = inf }), 0, -1,
			[]string{"inf.h5", "/tensor", "2 infinite values, first in sample 4 at [1 1]"}},
		{"both", tensor("both.h5", func(v []float32) { v[16] = inf; v[40] = nan }), 0, -1,
			[]string{"both.h5", "1 NaN and 1 infinite values, first in sample 1 at [0 0]"}},
		{"offset read", tensor("late.h5", func(v []float32) { v[16*5+15] = nan }), 4, 2,
			[]string{"late.h5", "1 NaN values, first in sample 5 at [1 7]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(c.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = ReadTensorSet(f, c.start, c.n)
			if !errors.Is(err, ErrNonFinite) {
				t.Fatalf("error %v is not ErrNonFinite", err)
			}
			assertMentions(t, err, c.mentions...)
		})
	}
	// Darcy, CFD and sample groups check too.
	p := filepath.Join(dir, "darcy.h5")
	f := mustCreate(t, p)
	nu := ramp[float32](3 * 4 * 4)
	nu[2*16+1] = nan
	if err := WriteDarcy(f, &DarcySet{N: 3, X: 4, Y: 4, Nu: nu, U: ramp[float32](48)}); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	_, err := ReadDarcy(r, 0, -1)
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("Darcy: %v", err)
	}
	assertMentions(t, err, "darcy.h5", "/nu", "1 NaN values, first in sample 2 at [0 1]")

	p = filepath.Join(dir, "cfd.h5")
	f = mustCreate(t, p)
	fields := map[string][]float32{}
	for _, k := range cfdFieldsFor(1) {
		fields[k] = ramp[float32](2 * 3 * 8)
	}
	fields["pressure"][30] = inf
	if err := WriteCFD(f, &CFDSet{Shape: []int{2, 3, 8}, Fields: fields}); err != nil {
		t.Fatal(err)
	}
	r = reopen(t, f)
	_, err = ReadCFD(r, 0, -1)
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("CFD: %v", err)
	}
	assertMentions(t, err, "cfd.h5", "/pressure", "1 infinite values, first in sample 1 at [0 6]")

	p = filepath.Join(dir, "groups.h5")
	f = mustCreate(t, p)
	data := ramp[float32](3 * 4 * 2)
	data[13] = nan
	if err := WriteSampleGroup(f, &SampleGroup{Name: "0000", Shape: []int{3, 4, 2}, Data: data}); err != nil {
		t.Fatal(err)
	}
	r = reopen(t, f)
	_, err = ReadSampleGroup(r, "0000")
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("sample group: %v", err)
	}
	assertMentions(t, err, "groups.h5", "/0000/data", "1 NaN values, first at [1 2 1] (of shape [3 4 2])")
}

func TestIntegerField(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ints.h5")
	f := mustCreate(t, p)
	if err := Write(f.Group, "tensor", []int{2, 2, 4}, ramp[int32](16), nil); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	_, err := ReadTensorSet(r, 0, -1)
	if !errors.Is(err, ErrDtype) {
		t.Fatalf("integer tensor: %v", err)
	}
	assertMentions(t, err, "ints.h5", "/tensor", "stores int32 values", "expected a float32 or float64 field", "fractional part")
}

func TestBadCoordinates(t *testing.T) {
	dir := t.TempDir()
	good := axis(8)
	cases := []struct {
		name     string
		coords   map[string][]float32
		sentinel error
		mentions []string
	}{
		{"non-monotone x", map[string][]float32{"x-coordinate": {0, .1, .2, .3, .25, .5, .6, .7}}, ErrLayout,
			[]string{"/x-coordinate", "not monotone: value 4 is 0.25 after 0.3", "starts increasing"}},
		{"repeated t", map[string][]float32{"x-coordinate": good, "t-coordinate": {0, 0.5, 0.5}}, ErrLayout,
			[]string{"/t-coordinate", "values 1 and 2 are both 0.5"}},
		{"nan x", map[string][]float32{"x-coordinate": {0, .1, float32(math.NaN()), .3, .4, .5, .6, .7}}, ErrNonFinite,
			[]string{"/x-coordinate", "coordinate 2 of 8 is NaN"}},
		{"inf t", map[string][]float32{"t-coordinate": {0, float32(math.Inf(1))}}, ErrNonFinite,
			[]string{"/t-coordinate", "coordinate 1 of 2 is +Inf"}},
		{"short x", map[string][]float32{"x-coordinate": good[:7]}, ErrLayout,
			[]string{"/x-coordinate", "has 7 values, expected 8 (the grid of /tensor)"}},
		{"y for a 1D field", map[string][]float32{"y-coordinate": good}, ErrLayout,
			[]string{"/y-coordinate", "given for a 1D field /tensor"}},
		{"2-D x", nil, ErrLayout, []string{"/x-coordinate", "has shape [2 4], expected one axis of 8 values"}},
		{"decreasing x is fine", map[string][]float32{"x-coordinate": {.7, .6, .5, .4, .3, .2, .1, 0}}, nil, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("c%d.h5", i))
			f := mustCreate(t, p)
			if err := Write(f.Group, "tensor", []int{3, 2, 8}, ramp[float32](48), nil); err != nil {
				t.Fatal(err)
			}
			for name, v := range c.coords {
				if err := Write(f.Group, name, []int{len(v)}, v, nil); err != nil {
					t.Fatal(err)
				}
			}
			if c.coords == nil {
				Write(f.Group, "x-coordinate", []int{2, 4}, good, nil)
			}
			r := reopen(t, f)
			_, err := ReadTensorSet(r, 0, -1)
			if c.sentinel == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
			assertMentions(t, err, append([]string{p}, c.mentions...)...)
		})
	}
	// Writing refuses the same coordinates.
	f := mustCreate(t, filepath.Join(dir, "w.h5"))
	defer f.Abort()
	err := WriteTensorSet(f, &TensorSet{Shape: []int{1, 2, 3}, Data: make([]float32, 6), Coords: Coordinates{X: []float64{0, 2, 1}}})
	if !errors.Is(err, ErrLayout) {
		t.Fatalf("writing non-monotone coordinates: %v", err)
	}
	assertMentions(t, err, "w.h5", "/x-coordinate", "not monotone")
}

func TestRankErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		write    func(f *File) error
		read     func(f *File) error
		mentions []string
	}{
		{"tensor rank 2", func(f *File) error { return Write(f.Group, "tensor", []int{4, 16}, make([]float32, 64), nil) },
			func(f *File) error { _, err := ReadTensorSet(f, 0, -1); return err },
			[]string{"/tensor", "has rank 2 (shape [4 16]), expected [N, T, X(, Y(, Z))]"}},
		{"tensor rank 0", func(f *File) error { return Write(f.Group, "tensor", nil, []float32{1}, nil) },
			func(f *File) error { _, err := ReadTensorSet(f, 0, -1); return err },
			[]string{"/tensor", "has rank 0 (shape []), expected [N, T, X(, Y(, Z))]"}},
		{"tensor rank 6", func(f *File) error {
			return Write(f.Group, "tensor", []int{1, 1, 2, 2, 2, 2}, make([]float32, 16), nil)
		}, func(f *File) error { _, err := ReadTensorSet(f, 0, -1); return err },
			[]string{"/tensor", "has rank 6", "expected [N, T, X(, Y(, Z))]"}},
		{"darcy rank", func(f *File) error {
			if err := Write(f.Group, "tensor", []int{2, 4, 4}, make([]float32, 32), nil); err != nil {
				return err
			}
			return Write(f.Group, "nu", []int{2, 4, 4}, make([]float32, 32), nil)
		}, func(f *File) error { _, err := ReadDarcy(f, 0, -1); return err },
			[]string{"/tensor", "has rank 3 (shape [2 4 4]), expected [N, 1, X, Y]"}},
		{"darcy nu", func(f *File) error {
			if err := Write(f.Group, "tensor", []int{2, 1, 4, 4}, make([]float32, 32), nil); err != nil {
				return err
			}
			return Write(f.Group, "nu", []int{2, 4, 5}, make([]float32, 40), nil)
		}, func(f *File) error { _, err := ReadDarcy(f, 0, -1); return err },
			[]string{"/nu", "has shape [2 4 5], expected [2 4 4]"}},
		{"cfd rank", func(f *File) error {
			if err := Write(f.Group, "density", []int{2, 8}, make([]float32, 16), nil); err != nil {
				return err
			}
			return Write(f.Group, "Vx", []int{2, 8}, make([]float32, 16), nil)
		}, func(f *File) error { _, err := ReadCFD(f, 0, -1); return err },
			[]string{"/density", "has rank 2 (shape [2 8]), expected [N, T, X(, Y(, Z))]"}},
		{"sample group rank", func(f *File) error { return Write(f.Group, "0000/data", []int{4, 8}, make([]float32, 32), nil) },
			func(f *File) error { _, err := ReadSampleGroup(f, "0000"); return err },
			[]string{"/0000/data", "has rank 2 (shape [4 8]), expected [T, X(, Y(, Z)), C]"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("r%d.h5", i))
			f := mustCreate(t, p)
			if err := c.write(f); err != nil {
				t.Fatal(err)
			}
			r := reopen(t, f)
			err := c.read(r)
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("error %v is not ErrLayout", err)
			}
			assertMentions(t, err, append([]string{p}, c.mentions...)...)
		})
	}
}

// redirectToFull points the file descriptor HDF5 holds for f's NAME.tmp at
// /dev/full, so every later write fails with ENOSPC as on a full disk.
func redirectToFull(t *testing.T, f *File) {
	t.Helper()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); target == f.diskPath {
			fd, _ := strconv.Atoi(e.Name())
			if err := syscall.Dup2(int(full.Fd()), fd); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n == 0 {
		t.Skip("HDF5's descriptor for the file was not found")
	}
}

func TestNoSpaceLeads(t *testing.T) {
	dir := t.TempDir()
	// A full disk at creation: the superblock cannot be written.
	link := filepath.Join(dir, "full.h5"+TmpSuffix)
	if err := os.Symlink("/dev/full", link); err != nil {
		t.Fatal(err)
	}
	_, err := createAt(filepath.Join(dir, "full.h5"), link)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("creating on a full disk: %v", err)
	}
	if want := "datasets: no space left on device writing " + link + " (create "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}

	cases := []struct {
		name  string
		write func(f *File) error
		op    string
	}{
		{"write", func(f *File) error {
			return Write(f.Group, "tensor", []int{64, 64, 64}, make([]float32, 64*64*64), &Options{Compression: None})
		}, "(write "},
		{"flush", func(f *File) error {
			if err := Write(f.Group, "tensor", []int{4, 8}, make([]float32, 32), nil); err != nil {
				return err
			}
			return f.Flush()
		}, "(flush "},
		{"close", func(f *File) error {
			if err := f.SetAttr("note", "x"); err != nil {
				return err
			}
			return f.Close()
		}, "(close "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".h5")
			f := mustCreate(t, p)
			defer f.Abort()
			redirectToFull(t, f)
			err := c.write(f)
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("error %v is not ENOSPC", err)
			}
			want := "datasets: no space left on device writing " + p + TmpSuffix + " " + c.op + p
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}
