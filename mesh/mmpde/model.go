package mmpde

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Model is the encode-process-decode network of the package comment
// (nn.EncodeProcessDecode, mean aggregation, one output per node).
type Model[T tensor.Float] struct {
	Cfg Config
	*nn.EncodeProcessDecode[T]
}

// New builds a model with PyTorch's default Linear init (LayerNorm weight
// 1, bias 0).
func New[T tensor.Float](cfg Config, r *tensor.RNG) (*Model[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	net, err := nn.NewEncodeProcessDecode[T](r, nodeFeatures, edgeFeatures, cfg.Latent, cfg.MLPHidden, cfg.Layers, 1, nn.AggregateMean)
	if err != nil {
		return nil, err
	}
	return &Model[T]{Cfg: cfg, EncodeProcessDecode: net}, nil
}

// Graph is the k-nearest-neighbour graph of a mesh's nodes in the form
// Forward takes. The mesh must have MeshNodes^2 nodes.
func (m *Model[T]) Graph(msh *mesh.Mesh) (*nn.Edges, error) {
	n := m.Cfg.MeshNodes
	if got := msh.NumNodes(); got != n*n {
		return nil, fmt.Errorf("mmpde: a mesh of %d nodes; the network runs on meshes of %d x %d = %d nodes (mesh_nodes)", got, n, n, n*n)
	}
	g, err := msh.KNNGraph(m.Cfg.Neighbours)
	if err != nil {
		return nil, fmt.Errorf("mmpde: %w", err)
	}
	return nn.NewEdges(n*n, g.Senders, g.Receivers, g.Offsets)
}

// features are the node and edge inputs of the package comment for the
// node positions [N, 2] and values u [N] on graph g.
func (m *Model[T]) features(pos, u []float64, g *nn.Edges) (nodes, edges *autograd.Var[T]) {
	s, h := m.Cfg.Stats, 1/float64(m.Cfg.MeshNodes-1)
	nf := tensor.New[T](len(u), nodeFeatures)
	nd := nf.Data()
	for i, v := range u {
		nd[3*i], nd[3*i+1], nd[3*i+2] = T((v-s.Mean)/s.Std), T(2*pos[2*i]-1), T(2*pos[2*i+1]-1)
	}
	ef := tensor.New[T](g.Len(), edgeFeatures)
	ed := ef.Data()
	for k := range g.Len() {
		i, j := g.Receivers[k], g.Senders[k]
		dx, dy := (pos[2*j]-pos[2*i])/h, (pos[2*j+1]-pos[2*i+1])/h
		ed[4*k], ed[4*k+1], ed[4*k+2], ed[4*k+3] = T((u[j]-u[i])/s.Std), T(dx), T(dy), T(math.Hypot(dx, dy))
	}
	return autograd.Const(nf), autograd.Const(ef)
}

// checkValues refuses a node field of the wrong length or with a
// non-finite value, naming it.
func checkValues(what string, u []float64, nodes int) error {
	if len(u) != nodes {
		return fmt.Errorf("mmpde: %s has %d values; want one per mesh node, %d", what, len(u), nodes)
	}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("mmpde: %s is %v at node %d", what, v, i)
		}
	}
	return nil
}

// Step advances the node values u of mesh msh one time step, without
// recording gradients.
func (m *Model[T]) Step(msh *mesh.Mesh, u []float64) ([]float64, error) {
	g, err := m.Graph(msh)
	if err != nil {
		return nil, err
	}
	return m.step(msh.Nodes, u, g)
}

// step is Step on a built graph.
func (m *Model[T]) step(pos, u []float64, g *nn.Edges) ([]float64, error) {
	if err := checkValues("the field", u, g.Nodes); err != nil {
		return nil, err
	}
	var d *tensor.Tensor[T]
	autograd.NoGrad(func() {
		nodes, edges := m.features(pos, u, g)
		d = m.Forward(nodes, edges, g).Value
	})
	out := make([]float64, len(u))
	for i, v := range d.Data() {
		out[i] = u[i] + m.Cfg.Stats.IncStd*float64(v)
		if math.IsNaN(out[i]) || math.IsInf(out[i], 0) {
			return nil, fmt.Errorf("mmpde: the network's step is %v at node %d", out[i], i)
		}
	}
	return out, nil
}
