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
// order). The state lives on the mesh's nodes: the first mesh is moved to
// fine and samples it; after each step the mover gets the prediction on the
// uniform MeshNodes^2 grid (the mesh's interpolant there), and when it
// returns another mesh the prediction is interpolated to its nodes (the
// remap; the uniform baseline's mover returns the same mesh, so its state
// is never interpolated). Each step's prediction is also interpolated to
// the fine grid, where it is judged; on a periodic grid (periodic: its
// last row and column are the copies of the first) those copies are set
// from the first row and column. It reports the seconds spent moving
// meshes (the monitor's sample and the remap included) and in the network
// and the interpolation to the fine grid. It stops with ctx's error,
// checked before each step; a mesh the mover returns tangled is an error.
func (m *Model[T]) Rollout(ctx context.Context, move Mover, fine []float64, fineN, steps int, periodic bool) (out []RolloutStep, moveSeconds, stepSeconds float64, err error) {
	n := m.Cfg.MeshNodes
	if fineN < 2 || len(fine) != fineN*fineN {
		return nil, 0, 0, fmt.Errorf("mmpde: Rollout: a field of %d values on a grid of %d x %d nodes; want %d", len(fine), fineN, fineN, fineN*fineN)
	}
	if steps < 0 {
		return nil, 0, 0, fmt.Errorf("mmpde: Rollout: %d steps; want >= 0", steps)
	}
	if steps == 0 {
		return nil, 0, 0, nil
	}
	uniform, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mmpde: %w", err)
	}
	start := time.Now()
	coarse, err := mesh.ToMesh(fine, fineN, 1, uniform)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mmpde: step 1: %w", err)
	}
	msh, err := moveTo(ctx, move, coarse)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mmpde: step 1: moving the mesh: %w", err)
	}
	u, err := mesh.ToMesh(fine, fineN, 1, msh)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mmpde: step 1: %w", err)
	}
	moveSeconds += time.Since(start).Seconds()
	for k := range steps {
		if err := ctx.Err(); err != nil {
			return nil, 0, 0, err
		}
		start := time.Now()
		s, loc, err := m.advance(msh, u, fineN, periodic)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: %w", k+1, err)
		}
		stepSeconds += time.Since(start).Seconds()
		out = append(out, s)
		if k+1 == steps {
			break
		}
		start = time.Now()
		if msh, u, err = remap(ctx, move, loc, s, uniform); err != nil {
			return nil, 0, 0, fmt.Errorf("mmpde: step %d: moving the mesh: %w", k+2, err)
		}
		moveSeconds += time.Since(start).Seconds()
	}
	return out, moveSeconds, stepSeconds, nil
}

// moveTo calls the mover and checks its mesh.
func moveTo(ctx context.Context, move Mover, coarse []float64) (*mesh.Mesh, error) {
	msh, err := move(ctx, coarse)
	if err == nil && msh == nil {
		err = fmt.Errorf("the mover returned no mesh")
	}
	if err == nil {
		err = msh.CheckUntangled()
	}
	return msh, err
}

// remap moves the mesh to step s's prediction (given to the mover on the
// uniform grid's nodes) and carries the prediction to the new mesh's nodes
// with the old mesh's interpolant loc; the same mesh keeps the values.
func remap(ctx context.Context, move Mover, loc *mesh.Locator, s RolloutStep, uniform *mesh.Mesh) (*mesh.Mesh, []float64, error) {
	coarse, err := loc.Interpolate(s.Nodes, 1, uniform.Nodes)
	if err != nil {
		return nil, nil, err
	}
	msh, err := moveTo(ctx, move, coarse)
	if err != nil {
		return nil, nil, err
	}
	if msh == s.Mesh {
		return msh, s.Nodes, nil
	}
	u, err := loc.Interpolate(s.Nodes, 1, msh.Nodes)
	return msh, u, err
}

// wrap sets the last row and column of an n x n node field to its first.
func wrap(f []float64, n int) {
	for i := range n {
		f[i*n+n-1] = f[i*n]
	}
	copy(f[(n-1)*n:], f[:n])
}

// advance steps the node values u of msh and interpolates the result to
// the fine grid (wrapped when periodic); it returns the step and the
// mesh's interpolant.
func (m *Model[T]) advance(msh *mesh.Mesh, u []float64, fineN int, periodic bool) (RolloutStep, *mesh.Locator, error) {
	next, err := m.Step(msh, u)
	if err != nil {
		return RolloutStep{}, nil, err
	}
	loc, err := mesh.NewLocator(msh)
	if err != nil {
		return RolloutStep{}, nil, err
	}
	back, err := mesh.FromMesh(loc, next, 1, fineN)
	if err != nil {
		return RolloutStep{}, nil, err
	}
	if periodic {
		wrap(back, fineN)
	}
	return RolloutStep{Mesh: msh, Nodes: next, Fine: back}, loc, nil
}
