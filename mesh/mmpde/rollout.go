package mmpde

import (
	"context"
	"fmt"
	"time"

	"github.com/surrogo/surrogo/mesh"
)

// Mover returns the mesh a step runs on for the current field, given on
// the uniform MeshNodes x MeshNodes node grid of the unit square (the
// grid a monitor is computed on): the classical or a learnt mover for
// MM-PDE, the uniform mesh for the baseline.
type Mover func(ctx context.Context, coarse []float64) (*mesh.Mesh, error)

// Uniform is the baseline's Mover: the uniform n x n mesh for every field.
func Uniform(n int) (Mover, error) {
	u, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, fmt.Errorf("mmpde: %w", err)
	}
	return func(context.Context, []float64) (*mesh.Mesh, error) { return u, nil }, nil
}

// RolloutStep is one step of a rollout: the mesh it ran on, the predicted
// node values, and the predicted field on the fine grid.
type RolloutStep struct {
	Mesh  *mesh.Mesh
	Nodes []float64
	Fine  []float64
}

// Rollout is the package comment's rollout of steps steps from fine, a
// field on the fineN x fineN node grid of the unit square (mesh.SampleGrid's
// order). It reports the seconds spent moving meshes and in the rest of
// the steps (sampling, network, interpolation back). It stops with ctx's
// error, checked before each step.
func (m *Model[T]) Rollout(ctx context.Context, move Mover, fine []float64, fineN, steps int) (out []RolloutStep, moveSeconds, stepSeconds float64, err error) {
	n := m.Cfg.MeshNodes
	if fineN < 2 || len(fine) != fineN*fineN {
		return nil, 0, 0, fmt.Errorf("mmpde: Rollout: a field of %d values on a grid of %d x %d nodes; want %d", len(fine), fineN, fineN, fineN*fineN)
	}
	uniform, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mmpde: %w", err)
	}
	for k := range steps {
		if err := ctx.Err(); err != nil {
			return nil, 0, 0, err
		}
		start := time.Now()
		coarse, err := mesh.ToMesh(fine, fineN, 1, uniform)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: %w", k+1, err)
		}
		msh, err := move(ctx, coarse)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: moving the mesh: %w", k+1, err)
		}
		moved := time.Now()
		s, err := m.advance(msh, fine, fineN)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: %w", k+1, err)
		}
		moveSeconds += moved.Sub(start).Seconds()
		stepSeconds += time.Since(moved).Seconds()
		out = append(out, s)
		fine = s.Fine
	}
	return out, moveSeconds, stepSeconds, nil
}

// advance samples the fine field at msh's nodes, steps it, and
// interpolates the result back to the fine grid.
func (m *Model[T]) advance(msh *mesh.Mesh, fine []float64, fineN int) (RolloutStep, error) {
	u, err := mesh.ToMesh(fine, fineN, 1, msh)
	if err != nil {
		return RolloutStep{}, err
	}
	next, err := m.Step(msh, u)
	if err != nil {
		return RolloutStep{}, err
	}
	loc, err := mesh.NewLocator(msh)
	if err != nil {
		return RolloutStep{}, err
	}
	back, err := mesh.FromMesh(loc, next, 1, fineN)
	if err != nil {
		return RolloutStep{}, err
	}
	return RolloutStep{Mesh: msh, Nodes: next, Fine: back}, nil
}
