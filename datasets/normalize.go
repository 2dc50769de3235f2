package datasets

import (
	"fmt"
	"math"
	"slices"
)

// NormalizerKind names a normalization scheme.
type NormalizerKind string

// The normalizers of the FNO reference code (utilities3.py), with their
// formulas. Statistics run over the leading (sample) axis; "pointwise"
// means one statistic per grid point and channel.
const (
	// PointwiseGaussian is FNO's UnitGaussianNormalizer:
	// y = (x - mean) / (std + eps), mean and std per point, std with
	// Bessel's correction (N-1, as torch.std), eps = 1e-5.
	PointwiseGaussian NormalizerKind = "gaussian-pointwise"
	// GlobalGaussian is FNO's GaussianNormalizer: one mean and std for the
	// whole array, y = (x - mean) / (std + eps).
	GlobalGaussian NormalizerKind = "gaussian-global"
	// MinMax is FNO's RangeNormalizer: per point, maps [min, max] of the
	// training data affinely onto [Low, High] (default [0, 1]).
	MinMax NormalizerKind = "minmax"
)

// DefaultNormalizerEps is FNO's eps.
const DefaultNormalizerEps = 1e-5

// Normalizer is a fitted affine map y = (x - Center) / Scale, per point
// (len(Center) = points per sample) or global (len(Center) = 1). It is
// fitted on training data and applied unchanged to test data; Decode
// inverts it exactly as FNO does (y * Scale + Center).
type Normalizer struct {
	Kind      NormalizerKind
	Eps       float64   // added to std (Gaussian kinds)
	Low, High float64   // target range (MinMax)
	Stat1     []float64 // mean (Gaussian) or min (MinMax)
	Stat2     []float64 // std (Gaussian) or max (MinMax)
	Center    []float64
	Scale     []float64
}

// FitNormalizer fits a normalizer of the given kind on data laid out as
// [samples, pointsPerSample...] with sampleSize values per sample.
func FitNormalizer[T Float](kind NormalizerKind, data []T, sampleSize int) (*Normalizer, error) {
	if sampleSize <= 0 || len(data) == 0 || len(data)%sampleSize != 0 {
		return nil, fmt.Errorf("datasets: fit %s normalizer: expected a whole number (at least 1) of samples of %d values, found %d values: %w",
			kind, sampleSize, len(data), ErrShape)
	}
	fit, err := NewNormalizerFit(kind, sampleSize)
	if err != nil {
		return nil, err
	}
	if err := AddSamples(fit, data); err != nil {
		return nil, err
	}
	return fit.Normalizer()
}

// NormalizerFit accumulates a normalizer's statistics over samples added
// a batch at a time, so a dataset larger than memory can be fitted while
// it streams past. Adding the samples in any number of batches gives the
// same bits as adding them at once.
type NormalizerFit struct {
	kind       NormalizerKind
	sampleSize int
	n          int       // samples added (values, for GlobalGaussian)
	stat1      []float64 // running mean, or min
	stat2      []float64 // running sum of squared deviations, or max
}

// NewNormalizerFit starts fitting a normalizer of the given kind on
// samples of sampleSize values.
func NewNormalizerFit(kind NormalizerKind, sampleSize int) (*NormalizerFit, error) {
	if sampleSize <= 0 {
		return nil, fmt.Errorf("datasets: fit %s normalizer: samples of %d values, expected at least 1: %w", kind, sampleSize, ErrShape)
	}
	fit := &NormalizerFit{kind: kind, sampleSize: sampleSize}
	switch kind {
	case PointwiseGaussian:
		fit.stat1, fit.stat2 = make([]float64, sampleSize), make([]float64, sampleSize)
	case GlobalGaussian:
		fit.stat1, fit.stat2 = make([]float64, 1), make([]float64, 1)
	case MinMax:
		fit.stat1, fit.stat2 = make([]float64, sampleSize), make([]float64, sampleSize)
		for j := range fit.stat1 {
			fit.stat1[j], fit.stat2[j] = math.Inf(1), math.Inf(-1)
		}
	default:
		return nil, fmt.Errorf("datasets: unknown normalizer %q (expected %q, %q or %q): %w",
			kind, PointwiseGaussian, GlobalGaussian, MinMax, ErrArgument)
	}
	return fit, nil
}

// AddSamples adds whole samples to the fit (Welford's update, one value at
// a time, for accuracy in float32 data with large offsets).
func AddSamples[T Float](fit *NormalizerFit, data []T) error {
	if len(data)%fit.sampleSize != 0 {
		return fmt.Errorf("datasets: fit %s normalizer: expected whole samples of %d values, found %d values: %w",
			fit.kind, fit.sampleSize, len(data), ErrShape)
	}
	switch fit.kind {
	case GlobalGaussian:
		mean, m2 := fit.stat1[0], fit.stat2[0]
		for _, x := range data {
			fit.n++
			d := float64(x) - mean
			mean += d / float64(fit.n)
			m2 += d * (float64(x) - mean)
		}
		fit.stat1[0], fit.stat2[0] = mean, m2
		return nil
	case PointwiseGaussian:
		mean, m2 := fit.stat1, fit.stat2
		for lo := 0; lo < len(data); lo += fit.sampleSize {
			fit.n++
			for j, x := range data[lo : lo+fit.sampleSize] {
				d := float64(x) - mean[j]
				mean[j] += d / float64(fit.n)
				m2[j] += d * (float64(x) - mean[j])
			}
		}
		return nil
	}
	lo, hi := fit.stat1, fit.stat2
	for s := 0; s < len(data); s += fit.sampleSize {
		fit.n++
		for j, x := range data[s : s+fit.sampleSize] {
			lo[j] = math.Min(lo[j], float64(x))
			hi[j] = math.Max(hi[j], float64(x))
		}
	}
	return nil
}

// Normalizer returns the fitted normalizer. The Gaussian kinds need at
// least 2 samples (values, for the global one) for a standard deviation.
func (fit *NormalizerFit) Normalizer() (*Normalizer, error) {
	nz := &Normalizer{Kind: fit.kind, Eps: DefaultNormalizerEps}
	switch fit.kind {
	case MinMax:
		if fit.n < 1 {
			return nil, fmt.Errorf("datasets: fit %s normalizer: no samples added: %w", fit.kind, ErrShape)
		}
		nz.Low, nz.High = 0, 1
		nz.Stat1, nz.Stat2 = slices.Clone(fit.stat1), slices.Clone(fit.stat2)
	default:
		if fit.n < 2 {
			what := "samples"
			if fit.kind == GlobalGaussian {
				what = "values"
			}
			return nil, fmt.Errorf("datasets: fit %s normalizer: the standard deviation needs at least 2 %s, found %d: %w", fit.kind, what, fit.n, ErrShape)
		}
		nz.Stat1 = slices.Clone(fit.stat1)
		nz.Stat2 = make([]float64, len(fit.stat2))
		for j, m2 := range fit.stat2 {
			nz.Stat2[j] = math.Sqrt(m2 / float64(fit.n-1))
		}
	}
	nz.derive()
	return nz, nil
}

// SetRange changes the MinMax target interval (default [0, 1]).
func (nz *Normalizer) SetRange(low, high float64) error {
	if nz.Kind != MinMax || !(high > low) {
		return fmt.Errorf("datasets: normalizer range [%g, %g]: needs a minmax normalizer and low < high: %w", low, high, ErrArgument)
	}
	nz.Low, nz.High = low, high
	nz.derive()
	return nil
}

// derive computes Center and Scale from the statistics.
func (nz *Normalizer) derive() {
	nz.Center = make([]float64, len(nz.Stat1))
	nz.Scale = make([]float64, len(nz.Stat1))
	for j := range nz.Stat1 {
		switch nz.Kind {
		case MinMax:
			span := nz.Stat2[j] - nz.Stat1[j]
			if span == 0 {
				span = 1 // a constant point maps to Low
			}
			nz.Scale[j] = span / (nz.High - nz.Low)
			nz.Center[j] = nz.Stat1[j] - nz.Low*nz.Scale[j]
		default:
			nz.Center[j] = nz.Stat1[j]
			nz.Scale[j] = nz.Stat2[j] + nz.Eps
		}
	}
}

// Points is the number of values per sample the normalizer applies to (1
// for a global one, which applies to any layout).
func (nz *Normalizer) Points() int { return len(nz.Center) }

func (nz *Normalizer) checkLen(n int) error {
	p := len(nz.Center)
	if p > 1 && n%p != 0 {
		return fmt.Errorf("datasets: %s normalizer fitted on samples of %d values cannot apply to %d values: %w", nz.Kind, p, n, ErrShape)
	}
	return nil
}

// Encode normalizes x in place: x = (x - Center) / Scale, per point.
func Encode[T Float](nz *Normalizer, x []T) error {
	if err := nz.checkLen(len(x)); err != nil {
		return err
	}
	p := len(nz.Center)
	for i := range x {
		j := i % p
		x[i] = T((float64(x[i]) - nz.Center[j]) / nz.Scale[j])
	}
	return nil
}

// Decode undoes Encode in place: x = x * Scale + Center.
func Decode[T Float](nz *Normalizer, x []T) error {
	if err := nz.checkLen(len(x)); err != nil {
		return err
	}
	p := len(nz.Center)
	for i := range x {
		j := i % p
		x[i] = T(float64(x[i])*nz.Scale[j] + nz.Center[j])
	}
	return nil
}

// Save stores the normalizer as group name under g: attributes kind, eps,
// low, high and datasets stat1/stat2 (mean/std or min/max, float64).
func (nz *Normalizer) Save(g *Group, name string) error {
	sub, err := g.CreateGroup(name)
	if err != nil {
		return err
	}
	defer sub.Close()
	for k, v := range map[string]any{"kind": string(nz.Kind), "eps": nz.Eps, "low": nz.Low, "high": nz.High} {
		if err := sub.SetAttr(k, v); err != nil {
			return err
		}
	}
	n1, n2 := "mean", "std"
	if nz.Kind == MinMax {
		n1, n2 = "min", "max"
	}
	if err := Write(sub, n1, []int{len(nz.Stat1)}, nz.Stat1, nil); err != nil {
		return err
	}
	return Write(sub, n2, []int{len(nz.Stat2)}, nz.Stat2, nil)
}

// LoadNormalizer reads a normalizer saved by Save.
func LoadNormalizer(g *Group, name string) (*Normalizer, error) {
	sub, err := g.OpenGroup(name)
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	kind, err := sub.AttrString("kind")
	if err != nil {
		return nil, err
	}
	nz := &Normalizer{Kind: NormalizerKind(kind)}
	n1, n2 := "mean", "std"
	switch nz.Kind {
	case MinMax:
		n1, n2 = "min", "max"
	case PointwiseGaussian, GlobalGaussian:
	default:
		return nil, newErr("read", g.f.name, sub.path+"@kind", ErrLayout, "unknown normalizer kind %q", kind)
	}
	for name, dst := range map[string]*float64{"eps": &nz.Eps, "low": &nz.Low, "high": &nz.High} {
		if *dst, err = sub.AttrFloat64(name); err != nil {
			return nil, err
		}
	}
	if nz.Kind == MinMax && !(nz.High > nz.Low) {
		return nil, newErr("read", g.f.name, sub.path, ErrLayout, "minmax range [%g, %g] is empty, expected low < high", nz.Low, nz.High)
	}
	if nz.Stat1, _, err = Read[float64](sub, n1); err != nil {
		return nil, err
	}
	if nz.Stat2, _, err = Read[float64](sub, n2); err != nil {
		return nil, err
	}
	if len(nz.Stat1) != len(nz.Stat2) || len(nz.Stat1) == 0 {
		return nil, newErr("read", g.f.name, sub.path, ErrLayout, "%s has %d values and %s %d, expected the same non-zero count", n1, len(nz.Stat1), n2, len(nz.Stat2))
	}
	nz.derive()
	return nz, nil
}
