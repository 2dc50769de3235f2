package dmm

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// V is the float64 autograd variable the package computes with.
type V = *autograd.Var[float64]

// BranchKind selects the branch network that encodes a field u.
type BranchKind int

const (
	// ConvBranch is upstream's ConvNet on an n x n field.
	ConvBranch BranchKind = iota
	// MLPBranch is a tanh MLP on a vector (a 1-D field or parameters).
	MLPBranch
	// GridBranch is a convolutional network from node fields on the n x
	// n grid to -Lap phi at the nodes, projected onto a cosine trunk's
	// modes (local and translation-equivariant: Config.GridDepth).
	GridBranch
)

// Config sizes the network phi(xi; u) = head(concat(branch(u), trunk(xi))).
type Config struct {
	Dim    int        // dimension of xi: 1 or 2
	Branch BranchKind // ConvBranch (n x n fields) or MLPBranch (vectors)
	// Input is the field side n of a ConvBranch (48 upstream) or the
	// vector length of an MLPBranch.
	Input int
	// Channels are the ConvBranch channels c0, c1 of 1 -> c0 -> c1 -> c0
	// -> 1 (8, 16 upstream).
	Channels [2]int
	// BranchHidden are the tanh widths between the conv features (or the
	// MLP input) and the branch output (1024 upstream).
	BranchHidden []int
	Latent       int   // branch and trunk output width (512 upstream)
	TrunkHidden  []int // tanh widths of the trunk (32 upstream)
	HeadHidden   []int // tanh widths of the head (512 upstream)
	// CenterTrunk feeds the trunk 2 xi - 1 in [-1, 1]^Dim instead of xi
	// (upstream: xi).
	CenterTrunk bool
	// TrunkInit, if not 0 or 1, multiplies the trunk's first-layer
	// weights at initialisation (upstream: 1, PyTorch's U(-1/sqrt(Dim),
	// 1/sqrt(Dim))): wider weights give the trunk's tanh features the
	// finer scales of a 2-D monitor, which training from the default
	// init reaches only slowly (spectral bias).
	TrunkInit float64
	// StandardizeBranch feeds the branch each field minus its mean over
	// its standard deviation (a constant field: minus its mean) instead of
	// the raw values (upstream: raw). Burgers fields are ~0.1 in amplitude.
	StandardizeBranch bool
	// CosineModes, if > 0, replaces the learned trunk and head by a fixed
	// basis, a DeepONet with the Neumann Laplacian's eigenfunctions as
	// trunk: phi(xi; u) = sum_k b_k(u) t_k(xi), b the branch's output and
	// t_k = cos(pi k1 xi1) cos(pi k2 xi2) / (pi^2 |k|^2) for 0 <= k1, k2 <
	// CosineModes, k != 0 (1-D: cos(pi k xi) / (pi k)^2, 0 < k <
	// CosineModes). Every t_k has a zero normal derivative on the sides,
	// so the Neumann condition holds exactly (the boundary term is 0), and
	// the 1 / eigenvalue factor makes the branch's outputs the modes of
	// -Lap phi, which the linearised equation -Lap phi = m / theta - 1
	// sets to O(1). Latent is then the number of modes, CosineModes^Dim
	// - 1 (New sets it), and the branch's last layer starts at 0: phi = 0,
	// the identity map.
	CosineModes int
	// BranchSkip adds a linear map from an MLPBranch's input to its
	// output, starting at 0: branch(x) = MLP(x) + W x / len(x) (the 1 /
	// len(x) keeps an Adam step, which moves every weight by about the
	// rate, from moving an output by len(x) times it). The linearised
	// equation makes the modes of -Lap phi linear in m / theta (and a
	// corrector's update linear in the residual it sees), a map of rank
	// up to the mode count that the MLP's hidden width would otherwise
	// bound.
	BranchSkip bool
	// GridDepth and GridInputs size a GridBranch: GridDepth tanh 5 x 5
	// convolutions of Channels[0] channels (even-reflection padding, the
	// Neumann extension) on GridInputs node fields of the Input x Input
	// grid (m / theta, fed as theta / m; a corrector's or iterated net's
	// residual r, fed as log(1 + r)), then a 5 x 5 convolution to one
	// channel plus a 1 x 1 skip from the inputs, giving s = -Lap phi at
	// the nodes; its DCT-I coefficients for 0 <= k1, k2 < CosineModes (k
	// != 0) are the branch's outputs. The skip alone with weight -1 gives
	// s = 1 - theta / m up to the constant mode, a 1-D front's exact map
	// were m taken at the moved point; the convolutions learn the rest.
	// Weights are shared across the grid, so every node of every field is
	// a training example for them. A GridBranch uses none of
	// BranchHidden, Latent (set from CosineModes), the trunk and head
	// settings or Channels[1].
	GridDepth, GridInputs int
	// Iterations, if > 0, makes the net a learned iterative solver: a
	// GridBranch with GridInputs 2 and no base, applied Iterations times
	// to its own map from the identity, c_{t+1} = c_t + branch(m / theta,
	// r(c_t)) with c the cosine coefficients and r the Monge-Ampere
	// residual at the nodes (iterate.go).
	Iterations int
}

// Upstream returns the reference code's Burgers network: ConvNet branch on
// a 48 x 48 field, trunk [2, 32, 512], head [1024, 512, 1].
func Upstream() Config {
	return Config{Dim: 2, Branch: ConvBranch, Input: 48, Channels: [2]int{8, 16},
		BranchHidden: []int{1024}, Latent: 512, TrunkHidden: []int{32}, HeadHidden: []int{512}}
}

// Scaled returns c with every channel and width multiplied by f (rounded,
// at least 1): Upstream().Scaled(0.25) is the quarter-width CPU network.
func (c Config) Scaled(f float64) Config {
	s := func(w int) int { return max(1, int(math.Round(f*float64(w)))) }
	all := func(ws []int) []int {
		out := make([]int, len(ws))
		for i, w := range ws {
			out[i] = s(w)
		}
		return out
	}
	c.Channels = [2]int{s(c.Channels[0]), s(c.Channels[1])}
	c.BranchHidden, c.TrunkHidden, c.HeadHidden = all(c.BranchHidden), all(c.TrunkHidden), all(c.HeadHidden)
	c.Latent = s(c.Latent)
	return c
}

// validate checks the sizes.
func (c Config) validate() error {
	if c.Dim != 1 && c.Dim != 2 {
		return fmt.Errorf("Dim = %d; want 1 or 2", c.Dim)
	}
	if math.IsNaN(c.TrunkInit) || math.IsInf(c.TrunkInit, 0) || c.TrunkInit < 0 {
		return fmt.Errorf("TrunkInit = %g; want finite and >= 0", c.TrunkInit)
	}
	if (c.Latent < 1 && c.CosineModes == 0) || c.Input < 1 {
		return fmt.Errorf("Latent = %d, Input = %d; want both >= 1", c.Latent, c.Input)
	}
	for _, w := range append(append(append([]int{}, c.BranchHidden...), c.TrunkHidden...), c.HeadHidden...) {
		if w < 1 {
			return fmt.Errorf("hidden widths %v, %v, %v; want all >= 1", c.BranchHidden, c.TrunkHidden, c.HeadHidden)
		}
	}
	if c.CosineModes < 0 || c.CosineModes == 1 || c.CosineModes > maxCosineModes {
		return fmt.Errorf("CosineModes = %d; want 0 (learned trunk) or 2 to %d", c.CosineModes, maxCosineModes)
	}
	if c.BranchSkip && c.Branch != MLPBranch {
		return errors.New("BranchSkip needs an MLPBranch")
	}
	if c.Iterations < 0 || c.Iterations > maxIterations || (c.Iterations > 0 && (c.Branch != GridBranch || c.GridInputs != 2)) {
		return fmt.Errorf("Iterations = %d; want 0, or 1 to %d for a GridBranch with GridInputs 2 (m / theta and the residual)", c.Iterations, maxIterations)
	}
	switch c.Branch {
	case ConvBranch:
		if c.Dim != 2 || c.Input < 5 || c.Channels[0] < 1 || c.Channels[1] < 1 {
			return fmt.Errorf("ConvBranch with Dim %d, Input %d, Channels %v; want Dim 2, Input >= 5, channels >= 1", c.Dim, c.Input, c.Channels)
		}
	case MLPBranch:
	case GridBranch:
		if err := c.validateGrid(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown branch kind %d", c.Branch)
	}
	return nil
}

// Net is the DeepONet-like potential phi(xi; u).
type Net struct {
	Config Config
	Conv   []*nn.Conv2d[float64] // ConvBranch: the four convolutions
	BMLP   *nn.MLP[float64]      // branch MLP after the convs (or the whole MLP branch)
	Trunk  *nn.MLP[float64]      // [Dim, TrunkHidden..., Latent]
	Head   *nn.MLP[float64]      // [2 Latent, HeadHidden..., 1]
	Skip   *nn.Linear[float64]   // BranchSkip: input -> branch output, no bias
	// GridSkip is a GridBranch's 1 x 1 convolution from its inputs to s.
	GridSkip *nn.Conv2d[float64]
	base     *Net // the frozen network a corrector corrects (SetBase)
}

// New builds the network with PyTorch's default init drawn from r in the
// order branch, trunk, head.
func New(c Config, r *tensor.RNG) (*Net, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("dmm: New: %w", err)
	}
	if r == nil {
		return nil, fmt.Errorf("dmm: New: nil RNG")
	}
	if c.CosineModes > 0 {
		c.Latent = pow(c.CosineModes, c.Dim) - 1
	}
	net := &Net{Config: c}
	if c.Branch == GridBranch {
		if err := net.buildGrid(r); err != nil {
			return nil, fmt.Errorf("dmm: New: %w", err)
		}
		return net, nil
	}
	in := c.Input
	if c.Branch == ConvBranch {
		flat, err := net.buildConv(r)
		if err != nil {
			return nil, fmt.Errorf("dmm: New: %w", err)
		}
		in = flat
	}
	var err error
	if net.BMLP, err = nn.NewMLP[float64](r, sizes(in, c.BranchHidden, c.Latent), nn.Tanh); err != nil {
		return nil, fmt.Errorf("dmm: New: branch: %w", err)
	}
	if c.BranchSkip {
		net.Skip = nn.NewLinear[float64](r, in, c.Latent, false)
		net.Skip.W.Value.Fill(0)
	}
	if c.CosineModes > 0 {
		last := net.BMLP.Layers[len(net.BMLP.Layers)-1]
		last.W.Value.Fill(0)
		last.B.Value.Fill(0)
		return net, nil
	}
	if net.Trunk, err = nn.NewMLP[float64](r, sizes(c.Dim, c.TrunkHidden, c.Latent), nn.Tanh); err != nil {
		return nil, fmt.Errorf("dmm: New: trunk: %w", err)
	}
	if c.TrunkInit != 0 && c.TrunkInit != 1 {
		w := net.Trunk.Layers[0].W.Value.Data()
		for i := range w {
			w[i] *= c.TrunkInit
		}
	}
	if net.Head, err = nn.NewMLP[float64](r, sizes(2*c.Latent, c.HeadHidden, 1), nn.Tanh); err != nil {
		return nil, fmt.Errorf("dmm: New: head: %w", err)
	}
	return net, nil
}

// sizes is [in, hidden..., out].
func sizes(in int, hidden []int, out int) []int {
	return append(append([]int{in}, hidden...), out)
}

// buildConv makes upstream's four 5x5 convolutions (padding 2, strides 2,
// 1, 1, 2) and returns the flattened feature count (144 for 48 x 48).
func (net *Net) buildConv(r *tensor.RNG) (int, error) {
	c := net.Config
	chans := [][2]int{{1, c.Channels[0]}, {c.Channels[0], c.Channels[1]}, {c.Channels[1], c.Channels[0]}, {c.Channels[0], 1}}
	strides := []int{2, 1, 1, 2}
	shape := []int{1, 1, c.Input, c.Input}
	for i, ch := range chans {
		conv, err := nn.NewConv2d[float64](r, ch[0], ch[1], [2]int{5, 5}, [2]int{strides[i], strides[i]}, [2]int{2, 2}, true)
		if err != nil {
			return 0, err
		}
		if shape, err = conv.OutputShape(shape); err != nil {
			return 0, fmt.Errorf("conv %d on a %d x %d field: %w", i, c.Input, c.Input, err)
		}
		net.Conv = append(net.Conv, conv)
	}
	return shape[2] * shape[3], nil
}

// Params returns every trainable parameter, named.
func (net *Net) Params() []nn.Param[float64] {
	parts := []nn.Named[float64]{}
	for i, c := range net.Conv {
		parts = append(parts, nn.Named[float64]{Name: fmt.Sprintf("branch.conv%d", i), Module: c})
	}
	if net.GridSkip != nil {
		parts = append(parts, nn.Named[float64]{Name: "branch.skip", Module: net.GridSkip})
	}
	if net.BMLP != nil {
		parts = append(parts, nn.Named[float64]{Name: "branch.mlp", Module: net.BMLP})
	}
	if net.Skip != nil {
		parts = append(parts, nn.Named[float64]{Name: "branch.skip", Module: net.Skip})
	}
	if net.Config.CosineModes == 0 {
		parts = append(parts, nn.Named[float64]{Name: "trunk", Module: net.Trunk}, nn.Named[float64]{Name: "head", Module: net.Head})
	}
	return nn.Collect(parts...)
}

// branchLen is the length of one branch input.
func (net *Net) branchLen() int {
	switch net.Config.Branch {
	case ConvBranch:
		return net.Config.Input * net.Config.Input
	case GridBranch:
		return net.Config.GridInputs * net.Config.Input * net.Config.Input
	}
	return net.Config.Input
}

// Branch encodes B inputs u [B, branchLen] into features [B, Latent].
func (net *Net) Branch(u V) V {
	if net.Config.StandardizeBranch {
		u = autograd.Const(standardize(u.Value))
	}
	if net.Config.Branch == GridBranch {
		return net.gridBranch(u)
	}
	if net.Config.Branch == MLPBranch {
		if net.Skip != nil {
			return autograd.Add(net.BMLP.Forward(u), autograd.Scale(net.Skip.Forward(u), 1/float64(net.Skip.In)))
		}
		return net.BMLP.Forward(u)
	}
	n := net.Config.Input
	x := autograd.Reshape(u, -1, 1, n, n)
	h := autograd.Tanh(net.Conv[0].Forward(x))
	r := h
	h = autograd.Tanh(net.Conv[1].Forward(h))
	h = autograd.Tanh(autograd.Add(r, net.Conv[2].Forward(h)))
	h = autograd.Tanh(net.Conv[3].Forward(h))
	s := h.Shape()
	return net.BMLP.Forward(autograd.Reshape(h, s[0], s[2]*s[3]))
}

// Phi is the plain forward pass: features [B, Latent] and points xi
// [B, P, Dim] give phi [B, P], through concat(branch, trunk) as upstream.
func (net *Net) Phi(feat, xi V) V {
	s := xi.Shape()
	if net.Config.CosineModes > 0 {
		t := cosineBasis(xi, net.Config.CosineModes, net.Config.Dim)
		return autograd.Reshape(autograd.MatMul(t, autograd.Reshape(feat, s[0], net.Config.Latent, 1), false, false), s[0], s[1])
	}
	if net.Config.CenterTrunk {
		xi = autograd.AddScalar(autograd.Scale(xi, 2), -1)
	}
	t := net.Trunk.Forward(xi)
	b := autograd.BroadcastTo(autograd.Reshape(feat, s[0], 1, net.Config.Latent), []int{s[0], s[1], net.Config.Latent})
	out := net.Head.Forward(autograd.Concat(2, b, t))
	return autograd.Reshape(out, s[0], s[1])
}

// standardize returns each row of u [B, L] minus its mean over its
// standard deviation (a row of spread below 1e-12 times its scale: minus
// its mean only).
func standardize(u *tensor.Tensor[float64]) *tensor.Tensor[float64] {
	s := u.Shape()
	out := u.Clone()
	d := out.Data()
	l := s[len(s)-1]
	for r := 0; r < len(d); r += l {
		row := d[r : r+l]
		mean, scale := 0.0, 0.0
		for _, v := range row {
			mean += v
			scale = math.Max(scale, math.Abs(v))
		}
		mean /= float64(l)
		sd := 0.0
		for _, v := range row {
			sd += (v - mean) * (v - mean)
		}
		sd = math.Sqrt(sd / float64(l))
		if !(sd > 1e-12*scale) {
			sd = 1
		}
		for i, v := range row {
			row[i] = (v - mean) / sd
		}
	}
	return out
}
