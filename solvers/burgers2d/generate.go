package burgers2d

import (
	"context"
	"fmt"
)

// InitialCondition returns the initial field of sample i of the stream
// seeded by seed: U is p.IC().Sample(seed, 2i) and, for the vector
// system, V is p.IC().Sample(seed, 2i+1), independent of U. p must be
// valid.
func (p Params) InitialCondition(seed uint64, i int) Field {
	g := p.IC()
	f := Field{U: g.Sample(seed, 2*i)}
	if p.equation() == EquationVector {
		f.V = g.Sample(seed, 2*i+1)
	}
	return f
}

// Generate returns the Frames snapshots at p.Times() of sample i of the
// stream seeded by seed: a pure function of (Params, seed, i).
func (s *Solver) Generate(ctx context.Context, seed uint64, i int) ([]Field, error) {
	if err := s.p.validateData(); err != nil {
		return nil, err
	}
	if i < 0 {
		return nil, fmt.Errorf("burgers2d: sample index must be >= 0, got %d", i)
	}
	return s.Solve(ctx, s.p.InitialCondition(seed, i), s.p.Times(), nil)
}
