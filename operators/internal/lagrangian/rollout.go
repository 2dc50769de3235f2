package lagrangian

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/geometry"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Positions converts a flat [frames, n, d] float32 array to float64,
// refusing a wrong length (n >= 1) and non-finite values; what names the
// array in the error.
func Positions(what string, pos []float32, frames, n, d int) ([]float64, error) {
	if n < 1 || len(pos) != frames*n*d {
		return nil, fmt.Errorf("%s has %d values, want [%d frames, n = %d particles, %d] = %d (n >= 1)", what, len(pos), frames, n, d, frames*n*d)
	}
	out := make([]float64, len(pos))
	for k, x := range pos {
		v := float64(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: frame %d particle %d coordinate %d is %v", what, k/(n*d), k/d%n, k%d, v)
		}
		out[k] = v
	}
	return out, nil
}

// Tensor copies v into a new tensor of the given shape.
func Tensor[T tensor.Float](v []float64, shape ...int) *tensor.Tensor[T] {
	t := tensor.New[T](shape...)
	for k, x := range v {
		t.Data()[k] = T(x)
	}
	return t
}

// Float32 converts v to float32.
func Float32(v []float64) []float32 {
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(x)
	}
	return out
}

// Advance integrates the de-normalised accelerations acc [n, d] from the
// last two frames of window [C+1, n, d] (Integrate) and clamps the new
// positions into the box [lo, hi], as the simulator's walls keep the
// particles in; a non-finite prediction is an error naming the particle.
func Advance(window, acc, lo, hi []float64) ([]float64, error) {
	d := len(lo)
	fn := len(acc)
	c := len(window)/fn - 1
	next := Integrate(window[c*fn:], window[(c-1)*fn:c*fn], acc)
	for k, x := range next {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("predicted position of particle %d, coordinate %d is %v", k/d, k%d, x)
		}
		next[k] = math.Max(lo[k%d], math.Min(hi[k%d], x))
	}
	return next, nil
}

// Rollout feeds step's prediction [fn] back as the newest frame of window
// [C+1, fn] steps times and returns the predictions [steps, fn] (float64
// between steps). It stops with ctx's error, checked before every step,
// and wraps a step's error with its index.
func Rollout(ctx context.Context, window []float64, fn, steps int, step func(window []float64) ([]float64, error)) ([]float32, error) {
	if steps < 0 {
		return nil, fmt.Errorf("rollout of %d steps", steps)
	}
	out := make([]float32, 0, steps*fn)
	for s := 0; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("rollout stopped before step %d of %d: %w", s, steps, err)
		}
		next, err := step(window)
		if err != nil {
			return nil, fmt.Errorf("rollout step %d: %w", s, err)
		}
		out = append(out, Float32(next)...)
		window = append(window[fn:], next...)
	}
	return out, nil
}

// Inputs builds the radius graph (self loops included) on the last
// positions of window [c+1, n, d] and the node and edge features of f.
// The search runs in an unbounded box, so noise pushing a particle
// slightly through a wall does not fail it; the walls enter only the
// features.
func Inputs[T tensor.Float](f Features, window []float64, c, n int, radius float64) (nodes, edges *autograd.Var[T], g *nn.Edges, err error) {
	last := window[c*n*f.Dim:]
	gg, err := geometry.RadiusGraph(last, f.Dim, geometry.Box{}, radius, true)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("radius graph: %w", err)
	}
	if g, err = nn.NewEdges(n, gg.Senders, gg.Receivers, gg.Offsets); err != nil {
		return nil, nil, nil, err
	}
	nodes = autograd.Const(Tensor[T](f.Nodes(window, c, n), n, f.NodeWidth(c)))
	edges = autograd.Const(Tensor[T](f.Edges(last, gg.Senders, gg.Receivers), g.Len(), f.EdgeWidth()))
	return nodes, edges, g, nil
}

// NextPositions de-normalises a model's accelerations norm [n, d] with f
// and advances window [C+1, n, d] by them (Advance, clamped into [lo,
// hi]).
func NextPositions[T tensor.Float](f Features, window []float64, norm *tensor.Tensor[T], lo, hi []float64) ([]float64, error) {
	a := make([]float64, norm.Len())
	for k, x := range norm.Data() {
		a[k] = float64(x)
	}
	return Advance(window, f.DenormalizeAcc(a), lo, hi)
}
