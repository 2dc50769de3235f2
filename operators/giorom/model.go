package giorom

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/geometry"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// Model is the GIOROM time-stepper on a sparse particle subset (and,
// with Config.Recon, the reconstructor of the dense particles).
type Model[T tensor.Float] struct {
	Cfg Config

	EncNode *nn.GraphMLP[T]           // node features -> L, LayerNorm
	EncEdge *nn.GraphMLP[T]           // edge features -> L, LayerNorm
	Before  []*nn.InteractionLayer[T] // interaction layers before the latent operator
	After   []*nn.InteractionLayer[T] // interaction layers after it

	EncKernel *nn.MLP[T]      // GNO encode kernel [d + L, KH, KH, L], GELU
	TokenIn   *nn.Linear[T]   // [GNO output, grid coordinates] (L + d) -> W
	Blocks    []*AttnBlock[T] // linear-attention blocks on the latent tokens
	TokenOut  *nn.Linear[T]   // W -> L: the latent field f(y) the decoder reads
	DecKernel *nn.MLP[T]      // GNO decode kernel [d, KH, KH, L], GELU
	Decoder   *nn.GraphMLP[T] // L -> d, no LayerNorm
	ReconMLP  *nn.MLP[T]      // residual MLP of the reconstruction, GELU; nil unless Cfg.Recon
	feat      lagrangian.Features
	grid      []float64         // latent node coordinates [G, d], row-major over the axes
	gridFeat  *tensor.Tensor[T] // the coordinates mapped to [0, 1] per axis, [G, d]
}

// AttnBlock is one pre-norm transformer block with linear attention on
// tokens z [G, W]:
//
//	a = LayerNorm(z),  q = softmax_features(a W_q),  k = softmax_tokens(a W_k),  v = a W_v
//	z <- z + (q (k^T v)) W_o
//	z <- z + FF2(GELU(FF1(LayerNorm(z))))
//
// softmax_features normalises each token's q over its W channels and
// softmax_tokens each channel of k over the G tokens (Shen et al.'s
// efficient attention; upstream's GPTNOT instead takes softmax over the
// features of both q and k and divides by q . sum k), so the cost is
// O(G W^2) rather than O(G^2 W).
type AttnBlock[T tensor.Float] struct {
	Norm1, Norm2 *nn.LayerNorm[T]
	Q, K, V, O   *nn.Linear[T]
	FF1, FF2     *nn.Linear[T]
}

func newAttnBlock[T tensor.Float](r *tensor.RNG, w int) *AttnBlock[T] {
	return &AttnBlock[T]{Norm1: nn.NewLayerNorm[T](w), Norm2: nn.NewLayerNorm[T](w),
		Q: nn.NewLinear[T](r, w, w, true), K: nn.NewLinear[T](r, w, w, true), V: nn.NewLinear[T](r, w, w, true),
		O: nn.NewLinear[T](r, w, w, true), FF1: nn.NewLinear[T](r, w, w, true), FF2: nn.NewLinear[T](r, w, w, true)}
}

// Forward applies the block to z [G, W].
func (b *AttnBlock[T]) Forward(z *autograd.Var[T]) *autograd.Var[T] {
	a := b.Norm1.Forward(z)
	q := autograd.Softmax(b.Q.Forward(a), 1)
	k := autograd.Softmax(b.K.Forward(a), 0)
	v := b.V.Forward(a)
	kv := autograd.MatMul(k, v, true, false) // [W, W]
	z = autograd.Add(z, b.O.Forward(autograd.MatMul(q, kv, false, false)))
	f := b.FF2.Forward(autograd.GELU(b.FF1.Forward(b.Norm2.Forward(z))))
	return autograd.Add(z, f)
}

// Params returns norm1, q, k, v, o, norm2, ff1, ff2.
func (b *AttnBlock[T]) Params() []nn.Param[T] {
	return nn.Collect(nn.Named[T]{Name: "norm1", Module: b.Norm1}, nn.Named[T]{Name: "q", Module: b.Q},
		nn.Named[T]{Name: "k", Module: b.K}, nn.Named[T]{Name: "v", Module: b.V}, nn.Named[T]{Name: "o", Module: b.O},
		nn.Named[T]{Name: "norm2", Module: b.Norm2}, nn.Named[T]{Name: "ff1", Module: b.FF1}, nn.Named[T]{Name: "ff2", Module: b.FF2})
}

// New builds a model with PyTorch's default Linear init and LayerNorm
// weight 1, bias 0; the reconstructor's last layer starts at zero.
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*Model[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l, kh, w, d := cfg.Latent, cfg.KernelHidden, cfg.AttentionWidth, cfg.Dim
	m := &Model[T]{Cfg: cfg, feat: cfg.features()}
	var err error
	if m.EncNode, err = nn.NewGraphMLP[T](r, cfg.NodeFeatures(), l, mlpHidden, l, true); err != nil {
		return nil, err
	}
	if m.EncEdge, err = nn.NewGraphMLP[T](r, cfg.EdgeFeatures(), l, mlpHidden, l, true); err != nil {
		return nil, err
	}
	for i := 0; i < 2*cfg.InteractionLayers; i++ {
		p, err := nn.NewInteractionLayer[T](r, l, l, l, mlpHidden, nn.AggregateMean, true)
		if err != nil {
			return nil, err
		}
		if i < cfg.InteractionLayers {
			m.Before = append(m.Before, p)
		} else {
			m.After = append(m.After, p)
		}
	}
	if m.EncKernel, err = nn.NewMLP[T](r, []int{d + l, kh, kh, l}, nn.GELU); err != nil {
		return nil, err
	}
	m.TokenIn = nn.NewLinear[T](r, l+d, w, true)
	for i := 0; i < cfg.AttentionLayers; i++ {
		m.Blocks = append(m.Blocks, newAttnBlock[T](r, w))
	}
	m.TokenOut = nn.NewLinear[T](r, w, l, true)
	if m.DecKernel, err = nn.NewMLP[T](r, []int{d, kh, kh, l}, nn.GELU); err != nil {
		return nil, err
	}
	if m.Decoder, err = nn.NewGraphMLP[T](r, l, l, mlpHidden, d, false); err != nil {
		return nil, err
	}
	if cfg.Recon {
		if m.ReconMLP, err = nn.NewMLP[T](r, []int{cfg.reconIn(), cfg.ReconHidden, cfg.ReconHidden, d}, nn.GELU); err != nil {
			return nil, err
		}
		// The residual starts at 0: the untrained reconstructor is the
		// Shepard interpolant x_ref + u_s.
		last := m.ReconMLP.Layers[len(m.ReconMLP.Layers)-1]
		last.W.Value.Fill(0)
		last.B.Value.Fill(0)
	}
	m.grid, m.gridFeat = latentGrid[T](cfg)
	return m, nil
}

// latentGrid returns the node coordinates of the GridNodes^d latent grid
// over the box (row-major, last axis fastest) and the same mapped to
// [0, 1] per axis.
func latentGrid[T tensor.Float](cfg Config) ([]float64, *tensor.Tensor[T]) {
	d, n := cfg.Dim, cfg.GridNodes
	g := cfg.LatentNodes()
	pos := make([]float64, g*d)
	unit := tensor.New[T](g, d)
	for i := 0; i < g; i++ {
		rem := i
		for a := d - 1; a >= 0; a-- {
			k := rem % n
			rem /= n
			t := float64(k) / float64(n-1)
			pos[i*d+a] = cfg.BoxLo[a] + t*(cfg.BoxHi[a]-cfg.BoxLo[a])
			unit.Data()[i*d+a] = T(t)
		}
	}
	return pos, unit
}

// Params names the parameters "encoder.node.*", "encoder.edge.*",
// "before.<k>.*", "gno_in.*", "tokens_in.*", "latent.<k>.*",
// "tokens_out.*", "gno_out.*", "after.<k>.*", "decoder.*" and, with the
// reconstructor, "recon.*".
func (m *Model[T]) Params() []nn.Param[T] {
	ps := nn.Collect(nn.Named[T]{Name: "encoder.node", Module: m.EncNode}, nn.Named[T]{Name: "encoder.edge", Module: m.EncEdge})
	for k, p := range m.Before {
		ps = append(ps, nn.Prefixed(fmt.Sprintf("before.%d", k), p.Params())...)
	}
	ps = append(ps, nn.Prefixed("gno_in", m.EncKernel.Params())...)
	ps = append(ps, nn.Prefixed("tokens_in", m.TokenIn.Params())...)
	for k, b := range m.Blocks {
		ps = append(ps, nn.Prefixed(fmt.Sprintf("latent.%d", k), b.Params())...)
	}
	ps = append(ps, nn.Prefixed("tokens_out", m.TokenOut.Params())...)
	ps = append(ps, nn.Prefixed("gno_out", m.DecKernel.Params())...)
	for k, p := range m.After {
		ps = append(ps, nn.Prefixed(fmt.Sprintf("after.%d", k), p.Params())...)
	}
	ps = append(ps, nn.Prefixed("decoder", m.Decoder.Params())...)
	return append(ps, m.ReconParams()...)
}

// ReconParams returns the reconstructor's parameters "recon.*" (none
// without Cfg.Recon): the reconstructor shares nothing with the
// time-stepper and can be trained alone with ReconLoss.
func (m *Model[T]) ReconParams() []nn.Param[T] {
	if m.ReconMLP == nil {
		return nil
	}
	return nn.Prefixed("recon", m.ReconMLP.Params())
}

// GNOEncode is the integral transform from particles to the latent grid:
// for each latent node x,
//
//	z(x) = mean over the particles y with |x - y| <= GNORadius of k([(x - y)/GNORadius, h(y)]),
//
// k the encode kernel MLP, h [n, L] the particles' latent features at
// positions pos [n, d]. A node without particles in reach gets 0. The
// kernel's first layer is applied as (x - y) W_x^T + b + gather(h W_h^T),
// so the node part costs n rather than E products. It returns z [G, L].
func (m *Model[T]) GNOEncode(h *autograd.Var[T], pos []float64) (*autograd.Var[T], error) {
	d, r := m.Cfg.Dim, m.Cfg.GNORadius
	g, err := geometry.RadiusQuery(pos, m.grid, d, geometry.Box{}, r)
	if err != nil {
		return nil, fmt.Errorf("giorom: GNO encode neighbours: %w", err)
	}
	if g.NumEdges() == 0 {
		return autograd.Const(tensor.New[T](len(m.grid)/d, m.Cfg.Latent)), nil
	}
	rel := relative[T](g, pos, m.grid, d, r)
	first := m.EncKernel.Layers[0]
	wx := autograd.Slice(first.W, 1, 0, d)
	wh := autograd.Slice(first.W, 1, d, d+m.Cfg.Latent)
	pre := autograd.Linear(autograd.Const(rel), wx, first.B)
	pre = autograd.Add(pre, autograd.Gather(autograd.Linear(h, wh, nil), 0, ints(g.Senders)))
	y := pre
	for _, l := range m.EncKernel.Layers[1:] {
		y = l.Forward(autograd.GELU(y))
	}
	return autograd.SegmentMean(y, g.Offsets), nil
}

// relative returns the scaled displacements (receiver - sender) / r of
// the edges of g, [E, d].
func relative[T tensor.Float](g *geometry.Graph, senderPos, receiverPos []float64, d int, r float64) *tensor.Tensor[T] {
	disp, _, err := g.Displacements(senderPos, receiverPos, d, geometry.Box{})
	if err != nil {
		panic(err) // the graph was built on these points
	}
	t := tensor.New[T](g.NumEdges(), d)
	for k, v := range disp {
		t.Data()[k] = T(v / r)
	}
	return t
}

func ints(v []int32) []int {
	out := make([]int, len(v))
	for k, x := range v {
		out[k] = int(x)
	}
	return out
}

// Latent applies the latent operator to the GNO encoding z [G, L]: tokens
// Linear([z, grid coordinates in [0, 1]]) of width W, the attention
// blocks, and Linear(W -> L). It returns f [G, L].
func (m *Model[T]) Latent(z *autograd.Var[T]) *autograd.Var[T] {
	t := m.TokenIn.Forward(autograd.Concat(1, z, autograd.Const(m.gridFeat)))
	for _, b := range m.Blocks {
		t = b.Forward(t)
	}
	return m.TokenOut.Forward(t)
}

// GNODecode is the integral transform from the latent grid back to the
// particles at pos [n, d]: for each particle x,
//
//	out(x) = mean over the latent nodes y with |x - y| <= GNORadius of k((x - y)/GNORadius) * f(y),
//
// elementwise, k the decode kernel MLP and f [G, L] the latent field. It
// returns [n, L]; a particle outside the box may have no node in reach
// and gets 0 (Validate's radius rule rules this out inside the box).
func (m *Model[T]) GNODecode(f *autograd.Var[T], pos []float64) (*autograd.Var[T], error) {
	d, r := m.Cfg.Dim, m.Cfg.GNORadius
	g, err := geometry.RadiusQuery(m.grid, pos, d, geometry.Box{}, r)
	if err != nil {
		return nil, fmt.Errorf("giorom: GNO decode neighbours: %w", err)
	}
	n := len(pos) / d
	if g.NumEdges() == 0 {
		return autograd.Const(tensor.New[T](n, m.Cfg.Latent)), nil
	}
	k := m.DecKernel.Forward(autograd.Const(relative[T](g, m.grid, pos, d, r)))
	msg := autograd.Mul(k, autograd.Gather(f, 0, ints(g.Senders)))
	return autograd.SegmentMean(msg, g.Offsets), nil
}

// Forward maps node features [n, C d + 2 d] and edge features [E, d + 1]
// on the sparse graph g, with the particles' last positions pos [n, d],
// to normalised accelerations [n, d]: encoder, interaction layers, GNO
// encode, latent operator, GNO decode added to the node latents,
// interaction layers, decoder.
func (m *Model[T]) Forward(nodes, edges *autograd.Var[T], g *nn.Edges, pos []float64) (*autograd.Var[T], error) {
	h := m.EncNode.Forward(nodes)
	e := m.EncEdge.Forward(edges)
	for _, p := range m.Before {
		h, e = p.Forward(h, e, g)
	}
	z, err := m.GNOEncode(h, pos)
	if err != nil {
		return nil, err
	}
	dec, err := m.GNODecode(m.Latent(z), pos)
	if err != nil {
		return nil, err
	}
	h = autograd.Add(h, dec)
	for _, p := range m.After {
		h, e = p.Forward(h, e, g)
	}
	return m.Decoder.Forward(h), nil
}

// inputs builds the sparse radius graph on the last positions of window
// [C+1, n, d] and the features. The search runs in an unbounded box, so
// noise pushing a particle slightly through a wall does not fail it.
func (m *Model[T]) inputs(window []float64, n int) (nodes, edges *autograd.Var[T], g *nn.Edges, err error) {
	nodes, edges, g, err = lagrangian.Inputs[T](m.feat, window, m.Cfg.History, n, m.Cfg.Radius)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("giorom: %w", err)
	}
	return nodes, edges, g, nil
}

// checkPositions converts a flat [frames, n, d] float32 array to float64,
// rejecting a wrong length and non-finite values.
func (m *Model[T]) checkPositions(what string, pos []float32, frames, n int) ([]float64, error) {
	out, err := lagrangian.Positions(what, pos, frames, n, m.Cfg.Dim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", "giorom", err)
	}
	return out, nil
}

// SampleCount is the size of the sparse subset of n particles,
// ceil(Sampling n), at least 1.
func (m *Model[T]) SampleCount(n int) int {
	k := int(math.Ceil(m.Cfg.Sampling*float64(n) - 1e-9))
	return max(1, min(n, k))
}

// SampleIndices returns a uniformly random subset of SampleCount(n) of
// the particles 0..n-1, drawn from r, in increasing order.
func (m *Model[T]) SampleIndices(n int, r *tensor.RNG) []int {
	if n < 1 {
		return nil
	}
	idx := r.Perm(n)[:m.SampleCount(n)]
	slices.Sort(idx)
	return idx
}

// gatherFrames returns the particles idx of every frame of pos [frames,
// n, d], as [frames, len(idx), d].
func gatherFrames(pos []float64, frames, n, d int, idx []int) []float64 {
	out := make([]float64, 0, frames*len(idx)*d)
	for f := 0; f < frames; f++ {
		for _, i := range idx {
			out = append(out, pos[(f*n+i)*d:(f*n+i+1)*d]...)
		}
	}
	return out
}

// Loss is the training loss on one window [C+2, n, d] of all n particles
// (C+1 input frames and the target frame): a random subset of the
// particles (SampleIndices with r), random-walk noise from r on its
// inputs (none when NoiseStd is 0), the sparse radius graph and the
// GNO on the noisy last input positions, and the mean squared error of
// the normalised acceleration over the subset and the axes; the target
// acceleration gives the clean next velocity (GNS's: the target frame
// shifted by the last input's noise). With
// Cfg.Recon the reconstruction loss (ReconLoss) of the window's last
// input frame from the same subset is added, with the window's first
// frame as the reference configuration (LossRef takes the trajectory's
// reference). Each window is one sample: it has its own subset, graph
// and latent grid, and LossBatch averages samples computed alone.
func (m *Model[T]) Loss(window []float32, n int, r *tensor.RNG) (*autograd.Var[T], error) {
	return m.LossRef(window, nil, n, r)
}

// LossRef is Loss with the reference positions ref [n, d] (the
// trajectory's first frame) for the reconstruction term; ref nil takes
// the window's first frame. Without Cfg.Recon ref is ignored.
func (m *Model[T]) LossRef(window, ref []float32, n int, r *tensor.RNG) (*autograd.Var[T], error) {
	c, d := m.Cfg.History, m.Cfg.Dim
	if r == nil {
		return nil, fmt.Errorf("giorom: Loss needs an RNG (it draws the particle subset)")
	}
	pos, err := m.checkPositions("loss window", window, c+2, n)
	if err != nil {
		return nil, err
	}
	var ref64 []float64
	if m.Cfg.Recon {
		if ref == nil {
			ref64 = pos[:n*d]
		} else if ref64, err = m.checkPositions("reference", ref, 1, n); err != nil {
			return nil, err
		}
	}
	idx := m.SampleIndices(n, r)
	ns := len(idx)
	var noise []float64
	if m.Cfg.NoiseStd > 0 {
		noise = lagrangian.RandomWalkNoise(r, c, ns, d, m.Cfg.NoiseStd)
	}
	loss, err := m.stepLoss(gatherFrames(pos, c+2, n, d, idx), ns, noise)
	if err != nil || !m.Cfg.Recon {
		return loss, err
	}
	frame := pos[c*n*d : (c+1)*n*d]
	rl, err := m.reconLoss(ref64, frame, n, idx, r)
	if err != nil {
		return nil, err
	}
	return autograd.Add(loss, rl), nil
}

// LossBatch is the mean of Loss over windows (window k of n[k]
// particles), each drawn, encoded and decoded alone with the RNG r in
// order: particles of different samples never share a graph or a latent
// grid (upstream treated a batch as one point cloud in the GNO stage).
func (m *Model[T]) LossBatch(windows [][]float32, n []int, r *tensor.RNG) (*autograd.Var[T], error) {
	if len(windows) == 0 || len(windows) != len(n) {
		return nil, fmt.Errorf("giorom: batch of %d windows with %d particle counts (want as many, at least 1)", len(windows), len(n))
	}
	var sum *autograd.Var[T]
	for k, w := range windows {
		l, err := m.Loss(w, n[k], r)
		if err != nil {
			return nil, fmt.Errorf("giorom: sample %d: %w", k, err)
		}
		if sum == nil {
			sum = l
		} else {
			sum = autograd.Add(sum, l)
		}
	}
	return autograd.Scale(sum, T(1/float64(len(windows)))), nil
}

// stepLoss is the acceleration loss of a sparse window pos [C+2, ns, d]
// with the noise [C+1, ns, d] (nil: none) added to its inputs.
func (m *Model[T]) stepLoss(pos []float64, ns int, noise []float64) (*autograd.Var[T], error) {
	c, d := m.Cfg.History, m.Cfg.Dim
	fn := ns * d
	window := append([]float64(nil), pos[:(c+1)*fn]...)
	for k := range noise {
		window[k] += noise[k]
	}
	nodes, edges, g, err := m.inputs(window, ns)
	if err != nil {
		return nil, err
	}
	var lastNoise []float64
	if noise != nil {
		lastNoise = noise[c*fn:]
	}
	// GNS's target: the next position keeps the last input's noise.
	acc := lagrangian.TargetAcc(lagrangian.NoisyTarget(pos[(c+1)*fn:], lastNoise), window[c*fn:], window[(c-1)*fn:c*fn])
	target := autograd.Const(lagrangian.Tensor[T](m.feat.NormalizeAcc(acc), ns, d))
	pred, err := m.Forward(nodes, edges, g, window[c*fn:])
	if err != nil {
		return nil, err
	}
	return nn.MSE(pred, target), nil
}

// Step predicts the next positions [ns, d] of the sparse particles from
// history [C+1, ns, d], without recording gradients. Predicted positions
// are clamped into the box [BoxLo, BoxHi] (the walls of the simulator
// keep particles in; the features and the latent grid are only defined
// there); a non-finite prediction is an error naming the particle.
func (m *Model[T]) Step(history []float32, ns int) ([]float32, error) {
	window, err := m.checkPositions("history", history, m.Cfg.History+1, ns)
	if err != nil {
		return nil, err
	}
	next, err := m.step(window, ns)
	if err != nil {
		return nil, fmt.Errorf("giorom: %w", err)
	}
	return lagrangian.Float32(next), nil
}

// step is Step on a float64 window.
func (m *Model[T]) step(window []float64, n int) ([]float64, error) {
	c, d := m.Cfg.History, m.Cfg.Dim
	fn := n * d
	var norm *tensor.Tensor[T]
	var err error
	autograd.NoGrad(func() {
		var nodes, edges, out *autograd.Var[T]
		var g *nn.Edges
		if nodes, edges, g, err = m.inputs(window, n); err != nil {
			return
		}
		if out, err = m.Forward(nodes, edges, g, window[c*fn:]); err == nil {
			norm = out.Value
		}
	})
	if err != nil {
		return nil, err
	}
	return lagrangian.NextPositions(m.feat, window, norm, m.Cfg.BoxLo, m.Cfg.BoxHi)
}

// Rollout predicts steps frames [steps, ns, d] of the sparse particles
// from their history [C+1, ns, d], feeding each prediction back as the
// newest input (positions kept in float64 between steps, each clamped
// into the box as in Step). It stops with ctx's error when ctx is done,
// checked before every step, and wraps a step's error with its index.
func (m *Model[T]) Rollout(ctx context.Context, history []float32, ns, steps int) ([]float32, error) {
	window, err := m.checkPositions("history", history, m.Cfg.History+1, ns)
	if err != nil {
		return nil, err
	}
	out, err := lagrangian.Rollout(ctx, window, ns*m.Cfg.Dim, steps, func(w []float64) ([]float64, error) { return m.step(w, ns) })
	if err != nil {
		return nil, fmt.Errorf("giorom: %w", err)
	}
	return out, nil
}
