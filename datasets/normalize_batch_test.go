package datasets

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"testing"
)

func TestNormalizersByHand(t *testing.T) {
	// Three samples of two points: point 0 takes 1, 2, 6; point 1 takes 4, 4, 4.
	data := []float64{1, 4, 2, 4, 6, 4}
	cases := []struct {
		kind         NormalizerKind
		center, scal []float64
	}{
		// mean 3, unbiased std sqrt(((1-3)^2+(2-3)^2+(6-3)^2)/2) = sqrt(7).
		{PointwiseGaussian, []float64{3, 4}, []float64{math.Sqrt(7) + 1e-5, 1e-5}},
		// global: mean 21/6 = 3.5, squared deviations 6.25+.25+2.25+.25+6.25+.25 = 15.5, unbiased std sqrt(15.5/5).
		{GlobalGaussian, []float64{3.5}, []float64{math.Sqrt(15.5/5) + 1e-5}},
		// min-max onto [0, 1]: point 0 spans [1, 6]; point 1 is constant.
		{MinMax, []float64{1, 4}, []float64{5, 1}},
	}
	for _, c := range cases {
		nz, err := FitNormalizer(c.kind, data, 2)
		if err != nil {
			t.Fatal(err)
		}
		for j := range c.center {
			if math.Abs(nz.Center[j]-c.center[j]) > 1e-14 || math.Abs(nz.Scale[j]-c.scal[j]) > 1e-14 {
				t.Errorf("%s point %d: center %v scale %v, want %v %v", c.kind, j, nz.Center[j], nz.Scale[j], c.center[j], c.scal[j])
			}
		}
		x := append([]float64(nil), data...)
		if err := Encode(nz, x); err != nil {
			t.Fatal(err)
		}
		if c.kind == MinMax && (x[0] != 0 || x[4] != 1 || x[2] != 0.2) {
			t.Errorf("minmax encodes point 0 to %v %v %v, want 0 0.2 1", x[0], x[2], x[4])
		}
		if err := Decode(nz, x); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(x[i]-data[i]) > 1e-12 {
				t.Errorf("%s round trip [%d]: %v, want %v", c.kind, i, x[i], data[i])
			}
		}
	}
	nz, _ := FitNormalizer(MinMax, data, 2)
	if err := nz.SetRange(-1, 1); err != nil {
		t.Fatal(err)
	}
	x := append([]float64(nil), data...)
	Encode(nz, x)
	if x[0] != -1 || x[4] != 1 {
		t.Errorf("[-1, 1] range: %v", x)
	}
}

func TestNormalizerErrors(t *testing.T) {
	if _, err := FitNormalizer(PointwiseGaussian, []float32{1, 2, 3}, 2); !errors.Is(err, ErrShape) {
		t.Errorf("ragged: %v", err)
	}
	if _, err := FitNormalizer(PointwiseGaussian, []float32{1, 2}, 2); !errors.Is(err, ErrShape) {
		t.Errorf("one sample: %v", err)
	}
	if _, err := FitNormalizer("zscore", []float32{1, 2}, 1); !errors.Is(err, ErrArgument) {
		t.Errorf("unknown kind: %v", err)
	}
	nz, _ := FitNormalizer(PointwiseGaussian, []float32{1, 2, 3, 4, 5, 6}, 3)
	if err := Encode(nz, make([]float32, 4)); !errors.Is(err, ErrShape) {
		t.Errorf("wrong layout: %v", err)
	}
}

// TestPointwiseGaussianMatchesNumPy fits FNO's UnitGaussianNormalizer on
// float32 data and compares with NumPy (mean and std with ddof=1 over the
// sample axis, as torch.mean/torch.std in utilities3.py).
func TestPointwiseGaussianMatchesNumPy(t *testing.T) {
	requireH5py(t)
	const n, p = 50, 7
	data := make([]float32, n*p)
	for i := range data {
		data[i] = float32(100 + math.Sin(float64(i)*1.3)*float64(i%p+1))
	}
	nz, err := FitNormalizer(PointwiseGaussian, data, p)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Mean, Std []float64
	}
	runPython(t, `
import sys, json, numpy as np
n, p = int(sys.argv[1]), int(sys.argv[2])
i = np.arange(n * p)
x = (100 + np.sin(i * 1.3) * (i % p + 1)).astype("f4").reshape(n, p).astype("f8")
print(json.dumps({"Mean": x.mean(0).tolist(), "Std": x.std(0, ddof=1).tolist()}))
`, &ref, fmt.Sprint(n), fmt.Sprint(p))
	for j := 0; j < p; j++ {
		if math.Abs(nz.Stat1[j]-ref.Mean[j]) > 1e-12*100 || math.Abs(nz.Stat2[j]-ref.Std[j]) > 1e-12 {
			t.Errorf("point %d: mean %v std %v, NumPy %v %v", j, nz.Stat1[j], nz.Stat2[j], ref.Mean[j], ref.Std[j])
		}
	}
}

func TestNormalizerSaveLoad(t *testing.T) {
	p := tempFile(t, "norm.h5")
	f := mustCreate(t, p)
	data := ramp[float32](40)
	var fitted []*Normalizer
	for _, k := range []NormalizerKind{PointwiseGaussian, GlobalGaussian, MinMax} {
		nz, err := FitNormalizer(k, data, 8)
		if err != nil {
			t.Fatal(err)
		}
		if k == MinMax {
			nz.SetRange(-1, 1)
		}
		if err := nz.Save(f.Group, "normalizers/"+string(k)); err != nil {
			t.Fatal(err)
		}
		fitted = append(fitted, nz)
	}
	r := reopen(t, f)
	for _, nz := range fitted {
		got, err := LoadNormalizer(r.Group, "normalizers/"+string(nz.Kind))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, nz) {
			t.Errorf("%s: loaded %+v, saved %+v", nz.Kind, got, nz)
		}
	}
	if _, err := LoadNormalizer(r.Group, "normalizers/none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing normalizer: %v", err)
	}
}

func TestPermutationIsUniformAndDeterministic(t *testing.T) {
	p := Permutation(1000, 7, 3)
	s := append([]int(nil), p...)
	sort.Ints(s)
	for i := range s {
		if s[i] != i {
			t.Fatal("not a permutation")
		}
	}
	if !reflect.DeepEqual(p, Permutation(1000, 7, 3)) {
		t.Fatal("same seed and stream gave different permutations")
	}
	if reflect.DeepEqual(p, Permutation(1000, 7, 4)) || reflect.DeepEqual(p, Permutation(1000, 8, 3)) {
		t.Fatal("different stream or seed gave the same permutation")
	}
	// All 24 orders of 4 items, 24000 draws: each count ~ Binomial(24000,
	// 1/24), mean 1000, sd 31; 6 sd bounds fail with probability < 1e-7.
	counts := map[string]int{}
	for s := uint64(0); s < 24000; s++ {
		counts[fmt.Sprint(Permutation(4, s, 0))]++
	}
	if len(counts) != 24 {
		t.Fatalf("%d distinct orders, want 24", len(counts))
	}
	for k, c := range counts {
		if c < 1000-190 || c > 1000+190 {
			t.Errorf("order %s drawn %d times, want about 1000", k, c)
		}
	}
}

func TestSamplerEpochs(t *testing.T) {
	idx := seq(10, 33) // 23 samples
	s, err := NewSampler(idx, 5, true, 42)
	if err != nil {
		t.Fatal(err)
	}
	e0, e1 := s.Epoch(0), s.Epoch(1)
	if len(e0) != 5 || len(e0[4]) != 3 || s.Batches() != 5 {
		t.Fatalf("batches %d, last %d", len(e0), len(e0[4]))
	}
	var all []int
	for _, b := range e0 {
		all = append(all, b...)
	}
	sort.Ints(all)
	if !reflect.DeepEqual(all, idx) {
		t.Fatal("epoch does not visit every sample once")
	}
	if reflect.DeepEqual(e0, e1) {
		t.Fatal("epochs 0 and 1 have the same order")
	}
	if !reflect.DeepEqual(e1, s.Epoch(1)) {
		t.Fatal("epoch 1 is not reproducible")
	}
	s.DropLast = true
	if got := s.Epoch(0); len(got) != 4 || s.Batches() != 4 {
		t.Fatalf("drop last: %d batches", len(got))
	}
	if _, err := NewSampler(idx, 0, false, 0); !errors.Is(err, ErrArgument) {
		t.Errorf("batch 0: %v", err)
	}
}

func TestSplits(t *testing.T) {
	s, err := SplitFirstLast(1200, 1000, 200)
	if err != nil || s.Train[999] != 999 || s.Test[0] != 1000 || len(s.Test) != 200 {
		t.Fatalf("FNO split: %v", err)
	}
	if _, err := SplitFirstLast(100, 90, 20); !errors.Is(err, ErrRange) {
		t.Errorf("overlap: %v", err)
	}
	r, err := SplitRandom(50, 30, 10, 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, set := range [][]int{r.Train, r.Val, r.Test} {
		if !sort.IntsAreSorted(set) {
			t.Error("split set not sorted")
		}
		for _, i := range set {
			if seen[i] {
				t.Fatalf("sample %d in two sets", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != 50 {
		t.Fatalf("%d samples assigned, want 50", len(seen))
	}
}

func TestReadBatch(t *testing.T) {
	p := writeSmall(t, t.TempDir()) // tensor [4, 3, 16] = ramp
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, _ := f.OpenDataset("tensor")
	all, _ := ReadAll[float32](d)
	idx := []int{2, 3, 0, 0, 1}
	got := make([]float32, len(idx)*48)
	if err := ReadBatch(d, idx, got); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(got))
	if err := GatherSamples(all, 48, idx, want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("ReadBatch differs from GatherSamples")
	}
	for i, k := range idx {
		if got[i*48] != all[k*48] {
			t.Fatalf("batch slot %d holds the wrong sample", i)
		}
	}
	if err := ReadBatch(d, []int{4}, make([]float32, 48)); !errors.Is(err, ErrRange) {
		t.Errorf("index 4: %v", err)
	}
}
