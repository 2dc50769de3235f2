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
// order). On a periodic grid (periodic: its last row and column are the
// copies of the first) the copies are reset from the first row and
// column after every step, which the mesh's interpolant does not keep
// equal. It reports the seconds spent moving meshes (the coarse sample
// included) and in the rest of the steps (sampling, network,
// interpolation back). It stops with ctx's error, checked before each
// step; a mesh the mover returns tangled is an error before the network
// runs.
func (m *Model[T]) Rollout(ctx context.Context, move Mover, fine []float64, fineN, steps int, periodic bool) (out []RolloutStep, moveSeconds, stepSeconds float64, err error) {
	n := m.Cfg.MeshNodes
	if fineN < 2 || len(fine) != fineN*fineN {
		return nil, 0, 0, fmt.Errorf("mmpde: Rollout: a field of %d values on a grid of %d x %d nodes; want %d", len(fine), fineN, fineN, fineN*fineN)
	}
	if steps < 0 {
		return nil, 0, 0, fmt.Errorf("mmpde: Rollout: %d steps; want >= 0", steps)
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
		if err == nil && msh == nil {
			err = fmt.Errorf("the mover returned no mesh")
		}
		if err == nil {
			err = msh.CheckUntangled()
		}
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: moving the mesh: %w", k+1, err)
		}
		moved := time.Now()
		s, err := m.advance(msh, fine, fineN)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: %w", k+1, err)
		}
		if periodic {
			wrap(s.Fine, fineN)
		}
		moveSeconds += moved.Sub(start).Seconds()
		stepSeconds += time.Since(moved).Seconds()
		out = append(out, s)
		fine = s.Fine
	}
	return out, moveSeconds, stepSeconds, nil
}

// wrap sets the last row and column of an n x n node field to its first.
func wrap(f []float64, n int) {
	for i := range n {
		f[i*n+n-1] = f[i*n]
	}
	copy(f[(n-1)*n:], f[:n])
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
