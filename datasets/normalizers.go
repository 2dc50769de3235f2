package datasets

import (
	"context"
	"errors"
)

// Normalizers are the fitted normalizers of a source's inputs and
// targets; both are nil when the data is used as stored.
type Normalizers struct {
	Input, Target *Normalizer
}

// FitNormalizers fits a normalizer of the given kind to the inputs and
// another to the targets of the samples idx of src, streaming them batch
// at a time (memory does not grow with the number of samples). Each
// sample's values are one point set: per point and channel for the
// pointwise kinds.
func FitNormalizers(ctx context.Context, kind NormalizerKind, src Source, idx []int, batch int) (*Normalizers, error) {
	var in, out *NormalizerFit
	err := ScanSamples(ctx, src, idx, batch, func(b *Batch) error {
		if b.Input == nil || b.Target == nil {
			return newErr("fit", "", "", ErrLayout, "normalizers need input and target fields; the source gives none")
		}
		if in == nil {
			var err error
			if in, err = NewNormalizerFit(kind, b.Input.Len()/b.Len()); err != nil {
				return err
			}
			if out, err = NewNormalizerFit(kind, b.Target.Len()/b.Len()); err != nil {
				return err
			}
		}
		return errors.Join(AddSamples(in, b.Input.Data()), AddSamples(out, b.Target.Data()))
	})
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, newErr("fit", "", "", ErrArgument, "no samples to fit %s normalizers on", kind)
	}
	n := &Normalizers{}
	if n.Input, err = in.Normalizer(); err != nil {
		return nil, err
	}
	if n.Target, err = out.Normalizer(); err != nil {
		return nil, err
	}
	return n, nil
}

// EncodeInput normalizes the batch's inputs in place (nothing without an
// input normalizer).
func (n *Normalizers) EncodeInput(b *Batch) error {
	if n.Input == nil {
		return nil
	}
	return Encode(n.Input, b.Input.Data())
}

// Save writes the pair to path as groups "x" (inputs) and "y" (targets),
// atomically (see Create).
func (n *Normalizers) Save(path string) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := n.Input.Save(f.Group, "x"); err != nil {
		f.Abort()
		return err
	}
	if err := n.Target.Save(f.Group, "y"); err != nil {
		f.Abort()
		return err
	}
	return f.Close()
}

// LoadNormalizers reads a pair written by Save.
func LoadNormalizers(path string) (*Normalizers, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := &Normalizers{}
	if n.Input, err = LoadNormalizer(f.Group, "x"); err != nil {
		return nil, err
	}
	if n.Target, err = LoadNormalizer(f.Group, "y"); err != nil {
		return nil, err
	}
	return n, nil
}
