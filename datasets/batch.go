package datasets

import (
	"fmt"
	"sort"

	"github.com/surrogo/surrogo/tensor"
)

// Permutation returns a permutation of 0..n-1 that depends only on (seed,
// stream): Fisher-Yates driven by tensor's seeded generator.
func Permutation(n int, seed, stream uint64) []int {
	return tensor.NewRNGStream(seed, stream).Perm(n)
}

// Sampler yields the mini-batches of an epoch as lists of sample indices.
// With Shuffle, epoch e visits Indices in the order Permutation(len, Seed,
// e), so a run resumed at epoch e sees exactly the batches an
// uninterrupted run would.
type Sampler struct {
	Indices   []int // the samples to draw from (e.g. a Split's Train)
	BatchSize int
	Shuffle   bool
	DropLast  bool // skip a final short batch
	Seed      uint64
}

// NewSampler checks its arguments and returns a Sampler.
func NewSampler(indices []int, batchSize int, shuffle bool, seed uint64) (*Sampler, error) {
	if batchSize <= 0 {
		return nil, fmt.Errorf("datasets: batch size must be positive, found %d: %w", batchSize, ErrArgument)
	}
	if len(indices) == 0 {
		return nil, fmt.Errorf("datasets: sampler needs at least one sample: %w", ErrArgument)
	}
	return &Sampler{Indices: indices, BatchSize: batchSize, Shuffle: shuffle, Seed: seed}, nil
}

// Batches returns the number of batches per epoch.
func (s *Sampler) Batches() int {
	if s.DropLast {
		return len(s.Indices) / s.BatchSize
	}
	return (len(s.Indices) + s.BatchSize - 1) / s.BatchSize
}

// Epoch returns the batches of epoch e (0-based).
func (s *Sampler) Epoch(e int) [][]int {
	order := s.Indices
	if s.Shuffle {
		p := Permutation(len(s.Indices), s.Seed, uint64(e))
		order = make([]int, len(p))
		for i, k := range p {
			order[i] = s.Indices[k]
		}
	}
	out := make([][]int, 0, s.Batches())
	for i := 0; i < len(order); i += s.BatchSize {
		j := min(i+s.BatchSize, len(order))
		if s.DropLast && j-i < s.BatchSize {
			break
		}
		out = append(out, order[i:j])
	}
	return out
}

// Split partitions sample indices into training, validation and test sets.
type Split struct {
	Train, Val, Test []int
}

// SplitFirstLast is the FNO convention: the first ntrain samples train, the
// last ntest test (no validation set). The two must not overlap.
func SplitFirstLast(n, ntrain, ntest int) (Split, error) {
	if ntrain < 0 || ntest < 0 || ntrain+ntest > n {
		return Split{}, fmt.Errorf("datasets: split %d train + %d test samples out of %d: expected ntrain + ntest <= %d: %w",
			ntrain, ntest, n, n, ErrRange)
	}
	return Split{Train: seq(0, ntrain), Test: seq(n-ntest, n)}, nil
}

// SplitRandom draws disjoint train, validation and test sets by seed; each
// set is returned in increasing order (good for chunked reads).
func SplitRandom(n, ntrain, nval, ntest int, seed uint64) (Split, error) {
	if ntrain < 0 || nval < 0 || ntest < 0 || ntrain+nval+ntest > n {
		return Split{}, fmt.Errorf("datasets: split %d train + %d validation + %d test samples out of %d: %w",
			ntrain, nval, ntest, n, ErrRange)
	}
	p := Permutation(n, seed, 0)
	pick := func(a, b int) []int {
		s := append([]int(nil), p[a:b]...)
		sort.Ints(s)
		return s
	}
	return Split{Train: pick(0, ntrain), Val: pick(ntrain, ntrain+nval), Test: pick(ntrain+nval, ntrain+nval+ntest)}, nil
}

func seq(a, b int) []int {
	s := make([]int, b-a)
	for i := range s {
		s[i] = a + i
	}
	return s
}

// ReadBatch reads the samples idx (any order, repeats allowed) of d into
// dst, sample after sample, merging runs of consecutive indices into one
// hyperslab read. len(dst) must be len(idx) * d.SampleSize().
func ReadBatch[T Number](d *Dataset, idx []int, dst []T) error {
	ss := d.SampleSize()
	if len(dst) != len(idx)*ss {
		return newErr("read", d.f.name, d.path, ErrShape,
			"batch of %d samples of %d values needs %d, buffer holds %d", len(idx), ss, len(idx)*ss, len(dst))
	}
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 {
			j++
		}
		if err := ReadSamplesInto(d, idx[i], j-i, dst[i*ss:j*ss]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// GatherSamples copies the samples idx of an in-memory array src (samples
// of sampleSize values) into dst.
func GatherSamples[T Number](src []T, sampleSize int, idx []int, dst []T) error {
	if sampleSize <= 0 || len(src)%sampleSize != 0 {
		return fmt.Errorf("datasets: gather: %d values is not a whole number of samples of %d: %w", len(src), sampleSize, ErrShape)
	}
	if len(dst) != len(idx)*sampleSize {
		return fmt.Errorf("datasets: gather: %d samples of %d values need %d, buffer holds %d: %w",
			len(idx), sampleSize, len(idx)*sampleSize, len(dst), ErrShape)
	}
	n := len(src) / sampleSize
	for i, k := range idx {
		if k < 0 || k >= n {
			return fmt.Errorf("datasets: gather: sample %d out of range [0, %d): %w", k, n, ErrRange)
		}
		copy(dst[i*sampleSize:(i+1)*sampleSize], src[k*sampleSize:(k+1)*sampleSize])
	}
	return nil
}
