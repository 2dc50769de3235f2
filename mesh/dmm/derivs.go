package dmm

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Method selects how phi's derivatives with respect to xi are computed.
type Method int

const (
	// Jets propagates value, gradient and Hessian forward through the trunk
	// and head as ordinary autograd ops (one reverse pass for parameters).
	Jets Method = iota
	// DoubleAutograd calls autograd.Grad with createGraph twice, as upstream.
	DoubleAutograd
)

// String names the method.
func (m Method) String() string {
	switch m {
	case Jets:
		return "jets"
	case DoubleAutograd:
		return "double-autograd"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Derivs holds phi and its xi-derivatives at B x P points, each [B, P].
// Hess lists the unique entries (k, l), k <= l, row by row: for Dim 2
// (xx, xy, yy), for Dim 1 (xx).
type Derivs struct {
	Phi  V
	Grad []V
	Hess []V
}

// pairs lists the unique Hessian entries (k, l), k <= l, of d dimensions.
func pairs(d int) (ks, ls []int) {
	for k := range d {
		for l := k; l < d; l++ {
			ks, ls = append(ks, k), append(ls, l)
		}
	}
	return ks, ls
}

// hessIndex returns the position of entry (k, l) in Derivs.Hess.
func hessIndex(d, k, l int) int {
	if k > l {
		k, l = l, k
	}
	ks, ls := pairs(d)
	for i := range ks {
		if ks[i] == k && ls[i] == l {
			return i
		}
	}
	return -1
}

// Derivatives returns phi, grad phi and the Hessian at xi [B, P, Dim] for
// branch features feat [B, Latent] by the chosen method.
func (net *Net) Derivatives(feat V, xi *tensor.Tensor[float64], m Method) (*Derivs, error) {
	s := xi.Shape()
	if len(s) != 3 || s[2] != net.Config.Dim || feat.Value.Dim(0) != s[0] {
		return nil, fmt.Errorf("dmm: Derivatives: points %v with features %v; want [B, P, %d] and [B, %d]", s, feat.Shape(), net.Config.Dim, net.Config.Latent)
	}
	switch m {
	case Jets:
		return net.jets(feat, xi), nil
	case DoubleAutograd:
		return net.doubleGrad(feat, xi)
	}
	return nil, fmt.Errorf("dmm: Derivatives: unknown method %d", int(m))
}

// A jet is a stack [S, N, H]: slice 0 the value, slices 1..d the first
// derivatives, the rest the unique second derivatives in pairs() order.

// inputJet is the jet of the trunk's input a xi + b: value a xi + b,
// gradient a times the unit vectors, Hessian 0.
func inputJet(xi *tensor.Tensor[float64], d int, a, b float64) V {
	n := xi.Len() / d
	q := d * (d + 1) / 2
	j := tensor.New[float64](1+d+q, n, d)
	data, src := j.Data(), xi.Data()
	for i, v := range src {
		data[i] = a*v + b
	}
	for k := range d {
		for p := range n {
			data[(1+k)*n*d+p*d+k] = a
		}
	}
	return autograd.Const(j)
}

// linearJet applies W z + b to the value and W to the derivatives.
func linearJet(j, w, b V) V {
	s := j.Value.Dim(0)
	v := autograd.Linear(autograd.Slice(j, 0, 0, 1), w, b)
	return autograd.Concat(0, v, autograd.Linear(autograd.Slice(j, 0, 1, s), w, nil))
}

// tanhJet applies tanh: h, dh = (1 - h^2) dz, d2h = (1 - h^2) (d2z - 2 h
// dz_k dz_l).
func tanhJet(j V, d int) V {
	s := j.Value.Dim(0)
	h := autograd.Tanh(autograd.Slice(j, 0, 0, 1))
	sech2 := autograd.AddScalar(autograd.Neg(autograd.Square(h)), 1)
	dz := autograd.Slice(j, 0, 1, 1+d)
	ks, ls := pairs(d)
	outer := autograd.Mul(autograd.Gather(dz, 0, ks), autograd.Gather(dz, 0, ls))
	d2 := autograd.Sub(autograd.Slice(j, 0, 1+d, s), autograd.Scale(autograd.Mul(h, outer), 2))
	return autograd.Concat(0, h, autograd.Mul(sech2, dz), autograd.Mul(sech2, d2))
}

// mlpJet runs an MLP (tanh between layers, none after the last) on a jet,
// starting at layer from.
func mlpJet(m *nn.MLP[float64], j V, d, from int) V {
	for i := from; i < len(m.Layers); i++ {
		if i > from {
			j = tanhJet(j, d)
		}
		j = linearJet(j, m.Layers[i].W, m.Layers[i].B)
	}
	return j
}

// jets computes Derivs by forward second-order jets. The branch is
// constant in xi, so the head's first layer splits: its branch columns act
// on the features once per field, its trunk columns on the trunk jet.
func (net *Net) jets(feat V, xi *tensor.Tensor[float64]) *Derivs {
	if net.Config.CosineModes > 0 {
		return net.cosineDerivs(feat, xi)
	}
	d, lat := net.Config.Dim, net.Config.Latent
	b, p := xi.Dim(0), xi.Dim(1)
	a, c := 1.0, 0.0
	if net.Config.CenterTrunk {
		a, c = 2, -1
	}
	t := mlpJet(net.Trunk, inputJet(xi, d, a, c), d, 0)
	first := net.Head.Layers[0]
	wb := autograd.Slice(first.W, 1, 0, lat)
	wt := autograd.Slice(first.W, 1, lat, 2*lat)
	hid := first.Out
	fb := autograd.Linear(feat, wb, first.B)
	fb = autograd.Reshape(autograd.BroadcastTo(autograd.Reshape(fb, b, 1, hid), []int{b, p, hid}), 1, b*p, hid)
	z := linearJet(t, wt, nil)
	s := z.Value.Dim(0)
	z = autograd.Concat(0, autograd.Add(autograd.Slice(z, 0, 0, 1), fb), autograd.Slice(z, 0, 1, s))
	out := z
	if len(net.Head.Layers) > 1 {
		out = mlpJet(net.Head, tanhJet(z, d), d, 1)
	}
	return jetDerivs(d, func(i int) V { return autograd.Reshape(autograd.Slice(out, 0, i, i+1), b, p) })
}

// jetDerivs assembles Derivs from a jet's entries in order: phi, the d
// first derivatives, the d(d+1)/2 second ones.
func jetDerivs(d int, entry func(i int) V) *Derivs {
	res := &Derivs{Phi: entry(0)}
	for k := range d {
		res.Grad = append(res.Grad, entry(1+k))
	}
	for i := range d * (d + 1) / 2 {
		res.Hess = append(res.Hess, entry(1+d+i))
	}
	return res
}

// doubleGrad computes Derivs with autograd.Grad(createGraph) twice.
func (net *Net) doubleGrad(feat V, xi *tensor.Tensor[float64]) (*Derivs, error) {
	d := net.Config.Dim
	b, p := xi.Dim(0), xi.Dim(1)
	x := autograd.Param(xi)
	phi := net.Phi(feat, x)
	g, err := autograd.Grad([]V{phi}, []V{x}, []V{autograd.Const(tensor.Ones[float64](b, p))}, true)
	if err != nil {
		return nil, fmt.Errorf("dmm: first derivatives: %w", err)
	}
	res := &Derivs{Phi: phi}
	for k := range d {
		res.Grad = append(res.Grad, autograd.Reshape(autograd.Slice(g[0], 2, k, k+1), b, p))
	}
	rows := make([]V, d)
	for k := range d {
		h, err := autograd.Grad([]V{res.Grad[k]}, []V{x}, []V{autograd.Const(tensor.Ones[float64](b, p))}, true)
		if err != nil {
			return nil, fmt.Errorf("dmm: second derivatives: %w", err)
		}
		rows[k] = h[0]
	}
	ks, ls := pairs(d)
	for i := range ks {
		res.Hess = append(res.Hess, autograd.Reshape(autograd.Slice(rows[ks[i]], 2, ls[i], ls[i]+1), b, p))
	}
	return res, nil
}
