package dmm

import (
	"errors"
	"fmt"

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
	if net.base == nil {
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
	n, d := f.N, f.Dim
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
	var err error
	autograd.NoGrad(func() { dv, err = net.derivs([]Field{f}, xi, Jets) })
	if err != nil {
		return nil, err
	}
	out := make([]float64, pow(n, d))
	hxx := dv.Hess[0].Value.Data()
	var hxy, hyy []float64
	if d == 2 {
		hxy, hyy = dv.Hess[1].Value.Data(), dv.Hess[2].Value.Data()
	}
	p := make([]float64, d)
	for k := range out {
		det := 1 + hxx[k]
		for a := range d {
			p[a] = x[k*d+a] + dv.Grad[a].Value.Data()[k]
		}
		if d == 2 {
			det = det*(1+hyy[k]) - hxy[k]*hxy[k]
		}
		m, _ := f.at(p)
		out[k] = m*det/f.Theta - 1
	}
	return out, nil
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
	x := append([]float64(nil), ref.Nodes...)
	autograd.NoGrad(func() {
		var dv *Derivs
		if dv, err = net.derivs([]Field{f}, tensor.FromSlice(append([]float64(nil), ref.Nodes...), 1, n*n, 2), Jets); err != nil {
			return
		}
		for k := range 2 {
			for q, g := range dv.Grad[k].Value.Data() {
				x[2*q+k] += g
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("dmm: MeshFor: %w", err)
	}
	return finishMesh(ref, x)
}
