package dmm

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/tensor"
)

// A corrector is a second network trained, data-free like the first, to
// correct a trained (frozen) network's map: phi = phi_base + phi_net,
// where net's branch sees the field's branch input followed by the base
// map's Monge-Ampere residual at the field's N^Dim grid nodes,
//
//	r_ij = m(xi_ij + grad phi_base) det(I + H(phi_base)) / theta - 1,
//
// the quantity a classical relaxation or Newton step turns into its
// correction (-Lap dphi = -r, linearised). It is a learned second step of
// an iterative solver: the first network's residual, not any reference
// mesh, tells the second where the map is wrong. Bases chain (a base may
// have its own base).

// SetBase makes net a corrector of base (nil: a plain network again).
// net's branch must take len(base's branch input) + N^Dim values, N the
// fields' grid nodes per axis; base is not trained with net (its
// parameters are not in net.Params).
func (net *Net) SetBase(base *Net) error {
	if base != nil && base.Config.Dim != net.Config.Dim {
		return fmt.Errorf("dmm: SetBase: a %d-D base for a %d-D net", base.Config.Dim, net.Config.Dim)
	}
	if base != nil && net.Config.Iterations > 0 {
		return errors.New("dmm: SetBase: an iterated net starts from the identity; it takes no base")
	}
	if base != nil && base.Config.Iterations > 0 {
		return errors.New("dmm: SetBase: an iterated net is not a base (its loss is one step's from a state of its iteration); iterate it longer instead")
	}
	for b := base; b != nil; b = b.base {
		if b == net {
			return errors.New("dmm: SetBase: the base chain would contain the net itself")
		}
	}
	net.base = base
	return nil
}

// Base returns the network net corrects (nil: none).
func (net *Net) Base() *Net { return net.base }

// inputLen is the branch input length a field of net's needs: its own
// branch input, plus N^Dim residual values for a corrector.
func (net *Net) inputLen(f Field) int {
	if net.base == nil && net.Config.Iterations == 0 {
		return len(f.Branch)
	}
	return len(f.Branch) + pow(f.N, f.Dim)
}

// features returns the branch features [B, Latent] of the fields: the
// branch on their inputs, followed for a corrector by the base map's
// residual at their grid nodes.
func (net *Net) features(fields []Field) (V, error) {
	if net.base == nil {
		return net.Branch(autograd.Const(branchBatch(fields))), nil
	}
	l := net.inputLen(fields[0])
	in := tensor.New[float64](len(fields), l)
	for i, f := range fields {
		r, err := net.base.nodeResidual(f)
		if err != nil {
			return nil, err
		}
		row := in.Data()[i*l : (i+1)*l]
		copy(row, f.Branch)
		copy(row[len(f.Branch):], r)
	}
	return net.Branch(autograd.Const(in)), nil
}

// derivs returns phi's derivatives at xi [B, P, Dim] for the fields:
// net's (recorded, for training) plus, for a corrector, its base's (as
// constants).
func (net *Net) derivs(fields []Field, xi *tensor.Tensor[float64], m Method) (*Derivs, error) {
	if net.Config.Iterations > 0 {
		return nil, errors.New("an iterated net's loss is one step's from a state of the iteration: train it with Phases")
	}
	feat, err := net.features(fields)
	if err != nil {
		return nil, err
	}
	dv, err := net.Derivatives(feat, xi, m)
	if err != nil || net.base == nil {
		return dv, err
	}
	var bd *Derivs
	autograd.NoGrad(func() { bd, err = net.base.derivs(fields, xi, Jets) })
	if err != nil {
		return nil, err
	}
	add := func(a, b V) V { return autograd.Add(a, autograd.Const(b.Value)) }
	out := &Derivs{Phi: add(dv.Phi, bd.Phi)}
	for k := range dv.Grad {
		out.Grad = append(out.Grad, add(dv.Grad[k], bd.Grad[k]))
	}
	for k := range dv.Hess {
		out.Hess = append(out.Hess, add(dv.Hess[k], bd.Hess[k]))
	}
	return out, nil
}

// nodeResidual is net's (with its bases) residual m(x) det(I + H) / theta
// - 1 at f's N^Dim grid nodes, without recording.
func (net *Net) nodeResidual(f Field) ([]float64, error) {
	g, err := net.gridDerivs(f, f.N)
	if err != nil {
		return nil, err
	}
	return residualAt(f, g), nil
}

// residualAt is the residual m(x) det(I + H) / theta - 1 at f's N^Dim
// grid nodes of the map whose derivatives there are g.
func residualAt(f Field, g *gridValues) []float64 {
	n, d := f.N, f.Dim
	out := make([]float64, pow(n, d))
	p := make([]float64, d)
	for k := range out {
		det := 1 + g.hess[0][k]
		if d == 1 {
			p[0] = float64(k)/float64(n-1) + g.grad[0][k]
		} else {
			p[0] = float64(k/n)/float64(n-1) + g.grad[0][k]
			p[1] = float64(k%n)/float64(n-1) + g.grad[1][k]
			det = det*(1+g.hess[2][k]) - g.hess[1][k]*g.hess[1][k]
		}
		m, _ := f.at(p)
		out[k] = m*det/f.Theta - 1
	}
	return out
}

// gridValues are phi's gradient and unique Hessian entries at the nodes
// of a uniform grid.
type gridValues struct {
	grad, hess [][]float64
}

// gridDerivs returns the derivatives of phi (the sum over the base
// chain) for field f at the n^Dim nodes of the uniform grid (node i*n + j
// at (i/(n-1), j/(n-1))), without recording. A 2-D cosine trunk is
// summed separably, X C Y^T with the modes' coefficients C (O(n K^2)
// instead of O(n^2 K^2) for the jets).
func (net *Net) gridDerivs(f Field, n int) (*gridValues, error) {
	d := net.Config.Dim
	if net.Config.Iterations > 0 {
		c, _, err := net.iterate(f)
		if err != nil {
			return nil, err
		}
		return cosineGrid(c, net.Config.CosineModes, n), nil
	}
	var g *gridValues
	var err error
	autograd.NoGrad(func() {
		var feat V
		if feat, err = net.features([]Field{f}); err != nil {
			return
		}
		if net.Config.CosineModes > 0 && d == 2 {
			g = cosineGrid(feat.Value.Data(), net.Config.CosineModes, n)
			return
		}
		xi := tensor.New[float64](1, pow(n, d), d)
		x := xi.Data()
		for k := range pow(n, d) {
			if d == 1 {
				x[k] = float64(k) / float64(n-1)
			} else {
				x[2*k], x[2*k+1] = float64(k/n)/float64(n-1), float64(k%n)/float64(n-1)
			}
		}
		var dv *Derivs
		if dv, err = net.Derivatives(feat, xi, Jets); err != nil {
			return
		}
		g = &gridValues{}
		for _, v := range dv.Grad {
			g.grad = append(g.grad, v.Value.Data())
		}
		for _, v := range dv.Hess {
			g.hess = append(g.hess, v.Value.Data())
		}
	})
	if err != nil || net.base == nil {
		return g, err
	}
	b, err := net.base.gridDerivs(f, n)
	if err != nil {
		return nil, err
	}
	for k := range g.grad {
		for i := range g.grad[k] {
			g.grad[k][i] += b.grad[k][i]
		}
	}
	for k := range g.hess {
		for i := range g.hess[k] {
			g.hess[k][i] += b.hess[k][i]
		}
	}
	return g, nil
}

// cosineTables are the [n, k] tables X[r][i*k + a] of the value, first
// and second derivative of cos(pi a x) at the grid's x_i = i / (n - 1).
func cosineTables(n, k int) [3][]float64 {
	var X [3][]float64
	for r := range X {
		X[r] = make([]float64, n*k)
	}
	for i := range n {
		x := float64(i) / float64(n-1)
		for a := range k {
			w := math.Pi * float64(a)
			sn, cs := math.Sincos(w * x)
			X[0][i*k+a], X[1][i*k+a], X[2][i*k+a] = cs, -w*sn, -w*w*cs
		}
	}
	return X
}

// cosineGrid evaluates the 2-D cosine trunk's derivatives for the
// coefficients c (the branch's outputs, cosineModes' order) at the n x n
// grid nodes: with C[a][b] = c_m scale_m and X_r[i][a] the r-th
// derivative of cos(pi a x_i), phi_x = X_1 C X_0^T, phi_xy = X_1 C X_1^T,
// and so on.
func cosineGrid(c []float64, k, n int) *gridValues {
	k1, k2, scale := cosineModes(k, 2)
	cm := make([]float64, k*k)
	for m := range scale {
		cm[k1[m]*k+k2[m]] = c[m] * scale[m]
	}
	X := cosineTables(n, k)
	// left[r] = X_r C  [n, k]
	var left [3][]float64
	for r := range left {
		left[r] = make([]float64, n*k)
		for i := range n {
			for a := range k {
				if v := X[r][i*k+a]; v != 0 {
					row := cm[a*k : (a+1)*k]
					out := left[r][i*k : (i+1)*k]
					for b, cv := range row {
						out[b] += v * cv
					}
				}
			}
		}
	}
	prod := func(l, r int) []float64 { // left[l] X_r^T  [n, n]
		out := make([]float64, n*n)
		for i := range n {
			li := left[l][i*k : (i+1)*k]
			for j := range n {
				xj := X[r][j*k : (j+1)*k]
				s := 0.0
				for b := range k {
					s += li[b] * xj[b]
				}
				out[i*n+j] = s
			}
		}
		return out
	}
	return &gridValues{grad: [][]float64{prod(1, 0), prod(0, 1)}, hess: [][]float64{prod(2, 0), prod(1, 1), prod(0, 2)}}
}

// MeshFor moves the uniform n x n mesh of [0, 1]^2 for field f (a
// corrector needs the monitor, not only the branch input, to form its
// base's residual): as Mesh, with phi the sum over the base chain.
func (net *Net) MeshFor(f Field, n int) (*MeshResult, error) {
	if net.Config.Dim != 2 {
		return nil, fmt.Errorf("dmm: MeshFor: the net is %d-D; want 2-D", net.Config.Dim)
	}
	if err := net.checkFields([]Field{f}); err != nil {
		return nil, fmt.Errorf("dmm: MeshFor: %w", err)
	}
	ref, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, fmt.Errorf("dmm: MeshFor: %w", err)
	}
	g, err := net.gridDerivs(f, n)
	if err != nil {
		return nil, fmt.Errorf("dmm: MeshFor: %w", err)
	}
	x := append([]float64(nil), ref.Nodes...)
	for q := range n * n {
		x[2*q] += g.grad[0][q]
		x[2*q+1] += g.grad[1][q]
	}
	return finishMesh(ref, x)
}
