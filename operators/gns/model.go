package gns

import (
	"context"
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// Model is an encode-process-decode graph network (nn.EncodeProcessDecode)
// that predicts each particle's normalised acceleration from its last C+1
// positions.
type Model[T tensor.Float] struct {
	Cfg                        Config
	*nn.EncodeProcessDecode[T] // node features -> L -> M interaction layers -> d

	feat lagrangian.Features
}

// New builds a model with PyTorch's default Linear init and LayerNorm
// weight 1, bias 0.
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*Model[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	net, err := nn.NewEncodeProcessDecode[T](r, cfg.NodeFeatures(), cfg.EdgeFeatures(), cfg.Latent, cfg.MLPHidden, cfg.MessagePassing, cfg.Dim, nn.Aggregation(cfg.Aggregate))
	if err != nil {
		return nil, err
	}
	return &Model[T]{Cfg: cfg, EncodeProcessDecode: net, feat: cfg.features()}, nil
}

// inputs builds the graph on the last positions of window [C+1, n, d]
// and the features. The radius search runs in an unbounded box, so it
// never fails on positions outside the walls (noise can push a particle
// on a wall slightly outside); the walls enter only the features.
func (m *Model[T]) inputs(window []float64, n int) (nodes, edges *autograd.Var[T], g *nn.Edges, err error) {
	nodes, edges, g, err = lagrangian.Inputs[T](m.feat, window, m.Cfg.History, n, m.Cfg.Radius)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("gns: %w", err)
	}
	return nodes, edges, g, nil
}

// checkPositions converts a flat [frames, n, d] float32 array to float64,
// rejecting a wrong length and non-finite values.
func (m *Model[T]) checkPositions(what string, pos []float32, frames, n int) ([]float64, error) {
	out, err := lagrangian.Positions(what, pos, frames, n, m.Cfg.Dim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", "gns", err)
	}
	return out, nil
}

// Loss is the training loss on one window positions [C+2, n, d] (C+1
// input frames and the target frame): random-walk noise from r on the
// inputs (none when NoiseStd is 0 or r is nil), the radius graph on the
// noisy last input positions, and the mean squared error of the
// normalised acceleration over all particles and axes. The target
// acceleration takes the noisy inputs to the clean target frame.
func (m *Model[T]) Loss(positions []float32, n int, r *tensor.RNG) (*autograd.Var[T], error) {
	c, d := m.Cfg.History, m.Cfg.Dim
	pos, err := m.checkPositions("loss window", positions, c+2, n)
	if err != nil {
		return nil, err
	}
	var noise []float64
	if m.Cfg.NoiseStd > 0 && r != nil {
		noise = lagrangian.RandomWalkNoise(r, c, n, d, m.Cfg.NoiseStd)
	}
	return m.loss(pos, n, noise)
}

// loss is Loss with the noise [C+1, n, d] given (nil: none).
func (m *Model[T]) loss(pos []float64, n int, noise []float64) (*autograd.Var[T], error) {
	c, d := m.Cfg.History, m.Cfg.Dim
	fn := n * d
	window := append([]float64(nil), pos[:(c+1)*fn]...)
	for k := range noise {
		window[k] += noise[k]
	}
	nodes, edges, g, err := m.inputs(window, n)
	if err != nil {
		return nil, err
	}
	var lastNoise []float64
	if noise != nil {
		lastNoise = noise[c*fn:]
	}
	acc := lagrangian.TargetAcc(lagrangian.NoisyTarget(pos[(c+1)*fn:], lastNoise), window[c*fn:], window[(c-1)*fn:c*fn])
	target := autograd.Const(lagrangian.Tensor[T](m.feat.NormalizeAcc(acc), n, d))
	return nn.MSE(m.Forward(nodes, edges, g), target), nil
}

// Step predicts the next positions [n, d] from history [C+1, n, d],
// without recording gradients. The predicted positions are clamped to
// the box, as the MPM solver's walls keep particles in; a non-finite
// prediction is an error naming the particle.
func (m *Model[T]) Step(history []float32, n int) ([]float32, error) {
	window, err := m.checkPositions("history", history, m.Cfg.History+1, n)
	if err != nil {
		return nil, err
	}
	next, err := m.step(window, n)
	if err != nil {
		return nil, fmt.Errorf("gns: %w", err)
	}
	return lagrangian.Float32(next), nil
}

// step is Step on a float64 window.
func (m *Model[T]) step(window []float64, n int) ([]float64, error) {
	var norm *tensor.Tensor[T]
	var err error
	autograd.NoGrad(func() {
		var nodes, edges *autograd.Var[T]
		var g *nn.Edges
		if nodes, edges, g, err = m.inputs(window, n); err == nil {
			norm = m.Forward(nodes, edges, g).Value
		}
	})
	if err != nil {
		return nil, err
	}
	return lagrangian.NextPositions(m.feat, window, norm, m.Cfg.BoxLo, m.Cfg.BoxHi)
}

// Rollout predicts steps frames [steps, n, d] from history [C+1, n, d],
// feeding each prediction back as the newest input (positions kept in
// float64 between steps). It stops with ctx's error when ctx is done,
// checked before every step, and wraps a step's error with its index.
func (m *Model[T]) Rollout(ctx context.Context, history []float32, n, steps int) ([]float32, error) {
	window, err := m.checkPositions("history", history, m.Cfg.History+1, n)
	if err != nil {
		return nil, err
	}
	out, err := lagrangian.Rollout(ctx, window, n*m.Cfg.Dim, steps, func(w []float64) ([]float64, error) { return m.step(w, n) })
	if err != nil {
		return nil, fmt.Errorf("gns: %w", err)
	}
	return out, nil
}
