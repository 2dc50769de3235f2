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
// normalised increment (package comment).
func (m *Model[T]) Loss(batch []*Sample) (*autograd.Var[T], error) {
	if len(batch) == 0 {
		return nil, errors.New("mmpde: Loss of an empty batch")
	}
	var total *autograd.Var[T]
	for _, s := range batch {
		nodes, edges := m.features(s.pos, s.u, s.g)
		target := tensor.New[T](len(s.u), 1)
		for i, v := range s.next {
			target.Data()[i] = T((v - s.u[i]) / m.Cfg.Stats.IncStd)
		}
		l := nn.MSE(m.Forward(nodes, edges, s.g), autograd.Const(target))
		if total == nil {
			total = l
		} else {
			total = autograd.Add(total, l)
		}
	}
	return autograd.Scale(total, T(1/float64(len(batch)))), nil
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
