package dmm

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/tensor"
)

// MeshResult is a moved mesh and what its boundary did.
type MeshResult struct {
	// Mesh is mesh.StructuredQuad(n, n) with nodes x = xi + grad phi(xi),
	// then every boundary node put back on its side: the coordinate that
	// is 0 or 1 in xi is reset to it (a side node slides, a corner stays).
	Mesh *mesh.Mesh
	// Raw is the mesh before that projection.
	Raw *mesh.Mesh
	// Drift is mesh.BoundaryDrift of Raw: the largest distance of a
	// boundary node from its side before projection, the size of the soft
	// Neumann condition's violation.
	Drift float64
}

// Mesh moves the uniform n x n mesh of [0, 1]^2 with the trained map for
// the branch input u (length net's branch input: the n_u x n_u field of a
// ConvBranch): x = xi + grad phi(xi; u) at every node, by jets.
func (net *Net) Mesh(u []float64, n int) (*MeshResult, error) {
	if net.Config.Dim != 2 {
		return nil, fmt.Errorf("dmm: Mesh: the net is %d-D; want 2-D (use Nodes1D)", net.Config.Dim)
	}
	ref, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, fmt.Errorf("dmm: Mesh: %w", err)
	}
	x, err := net.move(u, ref.Nodes, n*n)
	if err != nil {
		return nil, fmt.Errorf("dmm: Mesh: %w", err)
	}
	return finishMesh(ref, x)
}

// finishMesh builds the MeshResult of moved nodes x of ref: the raw mesh,
// its boundary drift, and the mesh with boundary nodes put back.
func finishMesh(ref *mesh.Mesh, x []float64) (*MeshResult, error) {
	res := &MeshResult{}
	var err error
	if res.Raw, err = ref.WithNodes(x); err != nil {
		return nil, fmt.Errorf("dmm: Mesh: %w", err)
	}
	if res.Drift, _, err = mesh.BoundaryDrift(ref, res.Raw); err != nil {
		return nil, fmt.Errorf("dmm: Mesh: %w", err)
	}
	x = append([]float64(nil), x...)
	for i, v := range ref.Nodes {
		if v == 0 || v == 1 {
			x[i] = v
		}
	}
	if res.Mesh, err = ref.WithNodes(x); err != nil {
		return nil, fmt.Errorf("dmm: Mesh: %w", err)
	}
	return res, nil
}

// Nodes1D returns the moved nodes x_p = xi_p + phi'(xi_p) of n uniform
// nodes xi_p = p/(n-1) of [0, 1] for the branch input u, unprojected, and
// the largest end drift max(|x_0|, |x_{n-1} - 1|).
func (net *Net) Nodes1D(u []float64, n int) (x []float64, drift float64, err error) {
	if net.Config.Dim != 1 || n < 2 {
		return nil, 0, fmt.Errorf("dmm: Nodes1D: a %d-D net and %d nodes; want 1-D and n >= 2", net.Config.Dim, n)
	}
	xi := make([]float64, n)
	for p := range xi {
		xi[p] = float64(p) / float64(n-1)
	}
	if x, err = net.move(u, xi, n); err != nil {
		return nil, 0, fmt.Errorf("dmm: Nodes1D: %w", err)
	}
	return x, math.Max(math.Abs(x[0]), math.Abs(x[n-1]-1)), nil
}

// move returns xi + grad phi at p points xi [p, Dim] without recording.
func (net *Net) move(u, xi []float64, p int) ([]float64, error) {
	if net.base != nil || net.Config.Iterations > 0 {
		return nil, errors.New("a corrector or an iterated net needs the field's monitor for its residual: use MeshFor")
	}
	if len(u) != net.branchLen() {
		return nil, fmt.Errorf("branch input of %d values; the net wants %d", len(u), net.branchLen())
	}
	if err := checkFinite("branch input", u); err != nil {
		return nil, err
	}
	if net.Config.Branch == GridBranch {
		n := net.Config.Input
		if err := net.checkGridField(Field{Branch: u, N: n}); err != nil {
			return nil, err
		}
	}
	d := net.Config.Dim
	out := append([]float64(nil), xi...)
	var err error
	autograd.NoGrad(func() {
		feat := net.Branch(autograd.Const(tensor.FromSlice(append([]float64(nil), u...), 1, len(u))))
		var dv *Derivs
		if dv, err = net.Derivatives(feat, tensor.FromSlice(append([]float64(nil), xi...), 1, p, d), Jets); err != nil {
			return
		}
		for k := range d {
			for q, g := range dv.Grad[k].Value.Data() {
				out[q*d+k] += g
			}
		}
	})
	return out, err
}
