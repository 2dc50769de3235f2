package dmm

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// gridKernel is the side of a GridBranch convolution (padding gridKernel/2
// by even reflection).
const gridKernel = 5

// buildGrid makes a GridBranch: GridDepth tanh convolutions of
// Channels[0] channels on the GridInputs input channels, a last
// convolution to one channel and a 1 x 1 skip from the inputs, the last
// two starting at 0 (phi = 0, the identity map).
func (net *Net) buildGrid(r *tensor.RNG) error {
	c := net.Config
	w := c.Channels[0]
	in := c.GridInputs
	for range c.GridDepth {
		conv, err := nn.NewConv2d[float64](r, in, w, [2]int{gridKernel, gridKernel}, [2]int{1, 1}, [2]int{0, 0}, true)
		if err != nil {
			return err
		}
		net.Conv = append(net.Conv, conv)
		in = w
	}
	last, err := nn.NewConv2d[float64](r, in, 1, [2]int{gridKernel, gridKernel}, [2]int{1, 1}, [2]int{0, 0}, true)
	if err != nil {
		return err
	}
	last.W.Value.Fill(0)
	last.B.Value.Fill(0)
	net.Conv = append(net.Conv, last)
	if net.GridSkip, err = nn.NewConv2d[float64](r, c.GridInputs, 1, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, false); err != nil {
		return err
	}
	net.GridSkip.W.Value.Fill(0)
	return nil
}

// gridBranch is the GridBranch forward pass: inputs [B, GridInputs n^2]
// (channel-major node values) to the field s = conv(inputs) + skip(inputs)
// at the nodes, the network's -Lap phi, projected onto the cosine modes:
// features [B, CosineModes^2 - 1].
func (net *Net) gridBranch(u V) V {
	c := net.Config
	n, k := c.Input, c.CosineModes
	x := autograd.Const(gridInputs(u.Value, c.GridInputs))
	x = autograd.Reshape(x, -1, c.GridInputs, n, n)
	h := x
	for i, conv := range net.Conv {
		h = conv.Forward(reflectPad(h, gridKernel/2))
		if i < len(net.Conv)-1 {
			h = autograd.Tanh(h)
		}
	}
	s := autograd.Add(h, net.GridSkip.Forward(x))
	b := s.Shape()[0]
	d := dctProjection(n, k)
	coef := autograd.ApplyAlongAxis(autograd.ApplyAlongAxis(autograd.Reshape(s, b, n, n), 1, d), 2, d)
	return autograd.Slice(autograd.Reshape(coef, b, k*k), 1, 1, k*k)
}

// gridInputs maps a GridBranch's inputs [B, channels n^2] to what its
// convolutions see: channel 0, m / theta (Field.MonitorBranch), becomes
// theta / m, the Jacobian det(I + H) that equidistributes m (for a 1-D
// front 1 - s = theta / m(x), m at the moved point x; bounded where m /
// theta is not, at a shock); channel 1, a corrector's residual r = m det /
// theta - 1, becomes log(1 + r) (r >= -1 + 1e-3: a tangled node's det <=
// 0 is clamped), symmetric in over- and under-compression. Other
// channels pass unchanged.
func gridInputs(u *tensor.Tensor[float64], channels int) *tensor.Tensor[float64] {
	out := u.Clone()
	d := out.Data()
	rows := u.Dim(0)
	per := u.Dim(1) / channels
	for b := range rows {
		row := d[b*u.Dim(1):]
		for k := range per {
			row[k] = 1 / row[k]
		}
		if channels > 1 {
			for k := per; k < 2*per; k++ {
				row[k] = math.Log(math.Max(1+row[k], 1e-3))
			}
		}
	}
	return out
}

// reflectPad pads the last two axes of x [B, C, n, n] by p nodes of even
// reflection about the boundary nodes (node -i is node i), the extension
// under which the Neumann cosine modes are smooth.
func reflectPad(x V, p int) V {
	n := x.Shape()[2]
	idx := make([]int, 0, n+2*p)
	for i := p; i >= 1; i-- {
		idx = append(idx, i)
	}
	for i := range n {
		idx = append(idx, i)
	}
	for i := n - 2; i >= n-1-p; i-- {
		idx = append(idx, i)
	}
	return autograd.Gather(autograd.Gather(x, 2, idx), 3, idx)
}

// dctProjection is the [k, n] matrix of the first k coefficients of the
// DCT-I on n nodes: s_i = sum_{a < n} c_a cos(pi a i / (n - 1)) exactly
// for c = D s, D_ai = (2 / (n - 1)) e_a e_i cos(pi a i / (n - 1)), e = 1/2
// at the ends (a or i in {0, n - 1}), 1 between.
func dctProjection(n, k int) *tensor.Tensor[float64] {
	d := tensor.New[float64](k, n)
	span := float64(n - 1)
	end := func(i int) float64 {
		if i == 0 || i == n-1 {
			return 0.5
		}
		return 1
	}
	for a := range k {
		for i := range n {
			d.Data()[a*n+i] = 2 / span * end(a) * end(i) * math.Cos(math.Pi*float64(a*i)/span)
		}
	}
	return d
}

// validateGrid checks a GridBranch's sizes.
func (c Config) validateGrid() error {
	switch {
	case c.Dim != 2:
		return fmt.Errorf("GridBranch with Dim %d; want 2", c.Dim)
	case c.Input < gridKernel/2+1:
		return fmt.Errorf("GridBranch on a %d x %d grid; want at least %d nodes per axis", c.Input, c.Input, gridKernel/2+1)
	case c.CosineModes < 2 || c.CosineModes > c.Input:
		return fmt.Errorf("GridBranch with CosineModes %d; want 2 to the grid's %d nodes per axis", c.CosineModes, c.Input)
	case c.GridInputs < 1 || c.GridDepth < 1 || c.Channels[0] < 1:
		return fmt.Errorf("GridBranch with %d input channels, depth %d, %d channels; want all >= 1", c.GridInputs, c.GridDepth, c.Channels[0])
	case c.StandardizeBranch || c.BranchSkip:
		return fmt.Errorf("GridBranch with StandardizeBranch or BranchSkip; its skip is built in")
	}
	return nil
}

// checkGridField checks a field for a GridBranch: its grid is the
// branch's, and its m / theta channel (the first N^2 branch values) is
// positive and finite.
func (net *Net) checkGridField(f Field) error {
	n := net.Config.Input
	if f.N != n || len(f.Branch) < n*n {
		return fmt.Errorf("a %d x %d grid with %d branch values; the GridBranch reads %d x %d node fields", f.N, f.N, len(f.Branch), n, n)
	}
	for k, v := range f.Branch[:n*n] {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("branch input %d is %g; a GridBranch takes m / theta > 0 (Field.MonitorBranch)", k, v)
		}
	}
	return nil
}
