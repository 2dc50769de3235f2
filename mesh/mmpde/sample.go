package mmpde

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Sample is one training pair: a mesh (moved to the field at t, or
// uniform), the field at t and at t + dt at its nodes, and its graph.
type Sample struct {
	pos     []float64
	u, next []float64
	g       *nn.Edges
}

// NewSample builds a training pair on msh (its graph built once here).
func (m *Model[T]) NewSample(msh *mesh.Mesh, u, next []float64) (*Sample, error) {
	g, err := m.Graph(msh)
	if err != nil {
		return nil, err
	}
	if err := checkValues("the field at t", u, g.Nodes); err != nil {
		return nil, err
	}
	if err := checkValues("the field at t + dt", next, g.Nodes); err != nil {
		return nil, err
	}
	return &Sample{pos: msh.Nodes, u: u, next: next, g: g}, nil
}

// Loss is the mean over the batch of each pair's mean square error of the
// normalised increment (package comment). The batch runs as one graph,
// the disjoint union of the pairs' graphs (every pair has MeshNodes^2
// nodes, so the mean over all nodes is the mean of the pairs' means).
// With NoiseStd > 0 and r not nil, Gaussian noise from r perturbs the
// input node values and the target is the step from them to the clean
// next frame, so the network learns to correct its own rollout errors
// (the training noise of Sanchez-Gonzalez et al.'s GNS).
func (m *Model[T]) Loss(batch []*Sample, r *tensor.RNG) (*autograd.Var[T], error) {
	if len(batch) == 0 {
		return nil, errors.New("mmpde: Loss of an empty batch")
	}
	g, err := union(batch)
	if err != nil {
		return nil, err
	}
	var pos, u []float64
	target := tensor.New[T](g.Nodes, 1)
	noise := m.Cfg.NoiseStd * m.Cfg.Stats.Std
	for _, s := range batch {
		in := s.u
		if noise > 0 && r != nil {
			in = make([]float64, len(s.u))
			for i, v := range s.u {
				in[i] = v + noise*r.Normal()
			}
		}
		for i, v := range s.next {
			target.Data()[len(u)+i] = T((v - in[i]) / m.Cfg.Stats.IncStd)
		}
		pos, u = append(pos, s.pos...), append(u, in...)
	}
	nodes, edges := m.features(pos, u, g)
	return nn.MSE(m.Forward(nodes, edges, g), autograd.Const(target)), nil
}

// union is the disjoint union of the samples' graphs: sample b's nodes
// and edges follow those of the samples before it.
func union(batch []*Sample) (*nn.Edges, error) {
	if len(batch) == 1 {
		return batch[0].g, nil
	}
	out := &nn.Edges{Offsets: []int{0}}
	for _, s := range batch {
		if s.g.Nodes != batch[0].g.Nodes {
			return nil, fmt.Errorf("mmpde: a batch of meshes with %d and %d nodes; want equal", batch[0].g.Nodes, s.g.Nodes)
		}
		base, edges := out.Nodes, len(out.Senders)
		for k := range s.g.Senders {
			out.Senders = append(out.Senders, base+s.g.Senders[k])
			out.Receivers = append(out.Receivers, base+s.g.Receivers[k])
		}
		for _, o := range s.g.Offsets[1:] {
			out.Offsets = append(out.Offsets, edges+o)
		}
		out.Nodes += s.g.Nodes
	}
	return out, nil
}

// StatsAccumulator pools the Stats of training pairs.
type StatsAccumulator struct {
	n                 int
	sum, sumSq, incSq float64
}

// Add pools one pair's node values at t and t + dt.
func (a *StatsAccumulator) Add(u, next []float64) error {
	if len(u) != len(next) {
		return fmt.Errorf("mmpde: a pair of %d and %d node values; want equal counts", len(u), len(next))
	}
	for i, v := range u {
		a.n++
		a.sum += v
		a.sumSq += v * v
		a.incSq += (next[i] - v) * (next[i] - v)
	}
	return nil
}

// Stats returns the pooled statistics; an error when they cannot scale
// the features (no values, a constant field, no change in time).
func (a *StatsAccumulator) Stats() (Stats, error) {
	if a.n == 0 {
		return Stats{}, errors.New("mmpde: no training values to take statistics of")
	}
	n := float64(a.n)
	mean := a.sum / n
	s := Stats{Mean: mean, Std: math.Sqrt(max(a.sumSq/n-mean*mean, 0)), IncStd: math.Sqrt(a.incSq / n)}
	return s, s.validate()
}
