package nn

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// Graph networks: message passing on a directed graph whose edges are
// sorted by receiver (CSR by receiver), as interaction networks and GNS
// (Battaglia et al. 2016; Sanchez-Gonzalez et al. 2020) use them.

// Edges is a directed graph over Nodes nodes in CSR form by receiver:
// edge k goes from Senders[k] to Receivers[k], and the edges into node i
// are Offsets[i] .. Offsets[i+1]-1 (so Receivers is sorted).
type Edges struct {
	Nodes     int
	Senders   []int
	Receivers []int
	Offsets   []int
}

// NewEdges checks a receiver-sorted edge list (as geometry.RadiusGraph
// returns it) and converts its indices for the gather and segment ops.
func NewEdges(nodes int, senders, receivers []int32, offsets []int) (*Edges, error) {
	if nodes < 0 {
		return nil, fmt.Errorf("nn: graph with %d nodes", nodes)
	}
	if len(senders) != len(receivers) {
		return nil, fmt.Errorf("nn: graph with %d senders but %d receivers", len(senders), len(receivers))
	}
	if len(offsets) != nodes+1 {
		return nil, fmt.Errorf("nn: graph over %d nodes needs %d offsets, got %d", nodes, nodes+1, len(offsets))
	}
	if offsets[0] != 0 || offsets[nodes] != len(senders) {
		return nil, fmt.Errorf("nn: graph offsets run from %d to %d, want 0 to the edge count %d", offsets[0], offsets[nodes], len(senders))
	}
	g := &Edges{Nodes: nodes, Senders: make([]int, len(senders)), Receivers: make([]int, len(receivers)), Offsets: append([]int(nil), offsets...)}
	for i := 0; i < nodes; i++ {
		if offsets[i+1] < offsets[i] {
			return nil, fmt.Errorf("nn: graph offsets decrease at node %d (%d < %d)", i, offsets[i+1], offsets[i])
		}
		for k := offsets[i]; k < offsets[i+1]; k++ {
			if int(receivers[k]) != i {
				return nil, fmt.Errorf("nn: edge %d has receiver %d but lies in node %d's range (edges must be sorted by receiver)", k, receivers[k], i)
			}
			if senders[k] < 0 || int(senders[k]) >= nodes {
				return nil, fmt.Errorf("nn: edge %d has sender %d outside [0, %d)", k, senders[k], nodes)
			}
			g.Senders[k] = int(senders[k])
			g.Receivers[k] = i
		}
	}
	return g, nil
}

// Len is the number of edges.
func (g *Edges) Len() int { return len(g.Senders) }

// Aggregation names how an interaction layer combines incoming messages.
type Aggregation string

// The aggregations.
const (
	AggregateSum  Aggregation = "sum"  // a_i = sum over incoming edges (GNS)
	AggregateMean Aggregation = "mean" // a_i = mean over incoming edges; 0 with none
)

// ParseAggregation checks a name from a configuration ("" is sum).
func ParseAggregation(name string) (Aggregation, error) {
	switch Aggregation(name) {
	case AggregateSum, "":
		return AggregateSum, nil
	case AggregateMean:
		return AggregateMean, nil
	}
	return "", fmt.Errorf("nn: aggregation must be %q or %q, got %q", AggregateSum, AggregateMean, name)
}

// Aggregate reduces per-edge rows m [E, C] into per-node rows [N, C]
// over each node's incoming edges. A node without incoming edges gets 0.
func Aggregate[T tensor.Float](m *autograd.Var[T], g *Edges, agg Aggregation) *autograd.Var[T] {
	if agg == AggregateMean {
		return autograd.SegmentMean(m, g.Offsets)
	}
	return autograd.SegmentSum(m, g.Offsets)
}

// GraphMLP is the MLP of graph networks: Linear layers with ReLU between
// them and, optionally, a LayerNorm on the output (GNS puts one after the
// encoder and processor MLPs, none after the decoder).
type GraphMLP[T tensor.Float] struct {
	Layers []*Linear[T]
	Norm   *LayerNorm[T] // nil: no output LayerNorm
}

// NewGraphMLP builds in -> hidden (hiddenLayers times) -> out, that is
// hiddenLayers+1 Linear layers with PyTorch's default init; hiddenLayers
// may be 0 (one Linear layer).
func NewGraphMLP[T tensor.Float](r *tensor.RNG, in, hidden, hiddenLayers, out int, layerNorm bool) (*GraphMLP[T], error) {
	if in < 1 || out < 1 || hiddenLayers < 0 || (hiddenLayers > 0 && hidden < 1) {
		return nil, fmt.Errorf("nn: graph MLP with input %d, %d hidden layers of width %d, output %d", in, hiddenLayers, hidden, out)
	}
	m := &GraphMLP[T]{}
	prev := in
	for i := 0; i < hiddenLayers; i++ {
		m.Layers = append(m.Layers, NewLinear[T](r, prev, hidden, true))
		prev = hidden
	}
	m.Layers = append(m.Layers, NewLinear[T](r, prev, out, true))
	if layerNorm {
		m.Norm = NewLayerNorm[T](out)
	}
	return m, nil
}

// GraphMLPParamCount is the number of parameters NewGraphMLP builds.
func GraphMLPParamCount(in, hidden, hiddenLayers, out int, layerNorm bool) int {
	n, prev := 0, in
	for i := 0; i < hiddenLayers; i++ {
		n += prev*hidden + hidden
		prev = hidden
	}
	n += prev*out + out
	if layerNorm {
		n += 2 * out
	}
	return n
}

// Forward applies the MLP to x [..., in].
func (m *GraphMLP[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return m.forwardFrom(m.Layers[0].Forward(x))
}

// forwardFrom continues after the first layer's affine map y.
func (m *GraphMLP[T]) forwardFrom(y *autograd.Var[T]) *autograd.Var[T] {
	for _, l := range m.Layers[1:] {
		y = l.Forward(autograd.Relu(y))
	}
	if m.Norm != nil {
		y = m.Norm.Forward(y)
	}
	return y
}

// Params returns "0.weight", "0.bias", ..., and "norm.weight",
// "norm.bias" with the LayerNorm.
func (m *GraphMLP[T]) Params() []Param[T] {
	var ps []Param[T]
	for i, l := range m.Layers {
		ps = append(ps, Prefixed(fmt.Sprint(i), l.Params())...)
	}
	if m.Norm != nil {
		ps = append(ps, Prefixed("norm", m.Norm.Params())...)
	}
	return ps
}

// InteractionLayer is one step of message passing with residual node and
// edge updates (the GNS processor block): for edge k from j to i,
//
//	e'_k = MLP_e([e_k, h_i, h_j])
//	a_i  = sum (or mean) of e'_k over the edges into i
//	h_i <- h_i + MLP_n([h_i, a_i])
//	e_k <- e_k + e'_k
//
// Node and edge latents have widths NodeDim and EdgeDim; both MLPs end in
// a LayerNorm when built with one.
type InteractionLayer[T tensor.Float] struct {
	NodeDim, EdgeDim int
	Agg              Aggregation
	EdgeMLP          *GraphMLP[T] // [EdgeDim + 2 NodeDim] -> EdgeDim
	NodeMLP          *GraphMLP[T] // [NodeDim + EdgeDim] -> NodeDim
}

// NewInteractionLayer builds a layer whose MLPs have hiddenLayers hidden
// layers of width hidden.
func NewInteractionLayer[T tensor.Float](r *tensor.RNG, nodeDim, edgeDim, hidden, hiddenLayers int, agg Aggregation, layerNorm bool) (*InteractionLayer[T], error) {
	agg, err := ParseAggregation(string(agg))
	if err != nil {
		return nil, err
	}
	if nodeDim < 1 || edgeDim < 1 {
		return nil, fmt.Errorf("nn: interaction layer with node width %d and edge width %d", nodeDim, edgeDim)
	}
	em, err := NewGraphMLP[T](r, edgeDim+2*nodeDim, hidden, hiddenLayers, edgeDim, layerNorm)
	if err != nil {
		return nil, err
	}
	nm, err := NewGraphMLP[T](r, nodeDim+edgeDim, hidden, hiddenLayers, nodeDim, layerNorm)
	if err != nil {
		return nil, err
	}
	return &InteractionLayer[T]{NodeDim: nodeDim, EdgeDim: edgeDim, Agg: agg, EdgeMLP: em, NodeMLP: nm}, nil
}

// InteractionParamCount is the number of parameters NewInteractionLayer
// builds.
func InteractionParamCount(nodeDim, edgeDim, hidden, hiddenLayers int, layerNorm bool) int {
	return GraphMLPParamCount(edgeDim+2*nodeDim, hidden, hiddenLayers, edgeDim, layerNorm) +
		GraphMLPParamCount(nodeDim+edgeDim, hidden, hiddenLayers, nodeDim, layerNorm)
}

// Forward returns the updated node latents h [N, NodeDim] and edge
// latents e [E, EdgeDim] on graph g.
//
// The edge MLP's first layer is applied without forming [e, h_i, h_j]:
// its weight W = [W_e, W_r, W_s] is split by columns and
// e W_e^T + gather(h W_r^T, receivers) + gather(h W_s^T, senders) + b
// costs N instead of E products for the node parts. The result is the
// same affine map (summed in another order).
func (l *InteractionLayer[T]) Forward(h, e *autograd.Var[T], g *Edges) (*autograd.Var[T], *autograd.Var[T]) {
	if hs := h.Shape(); len(hs) != 2 || hs[0] != g.Nodes || hs[1] != l.NodeDim {
		panic(fmt.Sprintf("nn: interaction layer on node latents %v, want [%d %d]", hs, g.Nodes, l.NodeDim))
	}
	if es := e.Shape(); len(es) != 2 || es[0] != g.Len() || es[1] != l.EdgeDim {
		panic(fmt.Sprintf("nn: interaction layer on edge latents %v, want [%d %d]", es, g.Len(), l.EdgeDim))
	}
	first := l.EdgeMLP.Layers[0]
	ne, nd := l.EdgeDim, l.NodeDim
	we := autograd.Slice(first.W, 1, 0, ne)
	wr := autograd.Slice(first.W, 1, ne, ne+nd)
	ws := autograd.Slice(first.W, 1, ne+nd, ne+2*nd)
	pre := autograd.Linear(e, we, first.B)
	pre = autograd.Add(pre, autograd.RepeatSegments(autograd.Linear(h, wr, nil), g.Offsets)) // = Gather by receiver
	pre = autograd.Add(pre, autograd.Gather(autograd.Linear(h, ws, nil), 0, g.Senders))
	msg := l.EdgeMLP.forwardFrom(pre)
	agg := Aggregate(msg, g, l.Agg)
	h = autograd.Add(h, l.NodeMLP.Forward(autograd.Concat(1, h, agg)))
	e = autograd.Add(e, msg)
	return h, e
}

// Params returns "edge.*" and "node.*".
func (l *InteractionLayer[T]) Params() []Param[T] {
	return Collect(Named[T]{"edge", l.EdgeMLP}, Named[T]{"node", l.NodeMLP})
}

// EncodeProcessDecode is the graph network of Battaglia et al. 2018 as GNS
// (Sanchez-Gonzalez et al. 2020) lays it out: MLP encoders of the node and
// edge inputs to latent width L (LayerNorm), Layers interaction layers
// with unshared weights (LayerNorm on their MLPs), and an MLP decoder of
// the node latents to Out values (no LayerNorm). Every MLP has
// hiddenLayers hidden layers of width L.
type EncodeProcessDecode[T tensor.Float] struct {
	EncNode   *GraphMLP[T]
	EncEdge   *GraphMLP[T]
	Processor []*InteractionLayer[T]
	Decoder   *GraphMLP[T]
}

// NewEncodeProcessDecode builds the network with PyTorch's default Linear
// init, drawing the encoders', the layers' and the decoder's weights from
// r in that order.
func NewEncodeProcessDecode[T tensor.Float](r *tensor.RNG, nodeIn, edgeIn, latent, hiddenLayers, layers, out int, agg Aggregation) (*EncodeProcessDecode[T], error) {
	m := &EncodeProcessDecode[T]{}
	var err error
	if m.EncNode, err = NewGraphMLP[T](r, nodeIn, latent, hiddenLayers, latent, true); err != nil {
		return nil, err
	}
	if m.EncEdge, err = NewGraphMLP[T](r, edgeIn, latent, hiddenLayers, latent, true); err != nil {
		return nil, err
	}
	for range layers {
		p, err := NewInteractionLayer[T](r, latent, latent, latent, hiddenLayers, agg, true)
		if err != nil {
			return nil, err
		}
		m.Processor = append(m.Processor, p)
	}
	if m.Decoder, err = NewGraphMLP[T](r, latent, latent, hiddenLayers, out, false); err != nil {
		return nil, err
	}
	return m, nil
}

// EncodeProcessDecodeParamCount is the number of parameters
// NewEncodeProcessDecode builds.
func EncodeProcessDecodeParamCount(nodeIn, edgeIn, latent, hiddenLayers, layers, out int) int {
	l, h := latent, hiddenLayers
	return GraphMLPParamCount(nodeIn, l, h, l, true) + GraphMLPParamCount(edgeIn, l, h, l, true) +
		layers*InteractionParamCount(l, l, l, h, true) + GraphMLPParamCount(l, l, h, out, false)
}

// Params names the parameters "encoder.node.*", "encoder.edge.*",
// "processor.<k>.edge.*", "processor.<k>.node.*" and "decoder.*"; an
// MLP's are "<layer>.weight", "<layer>.bias", "norm.weight", "norm.bias".
func (m *EncodeProcessDecode[T]) Params() []Param[T] {
	ps := Collect(Named[T]{Name: "encoder.node", Module: m.EncNode}, Named[T]{Name: "encoder.edge", Module: m.EncEdge})
	for k, p := range m.Processor {
		ps = append(ps, Prefixed(fmt.Sprintf("processor.%d", k), p.Params())...)
	}
	return append(ps, Prefixed("decoder", m.Decoder.Params())...)
}

// Forward maps node inputs [N, nodeIn] and edge inputs [E, edgeIn] on
// graph g to node outputs [N, out].
func (m *EncodeProcessDecode[T]) Forward(nodes, edges *autograd.Var[T], g *Edges) *autograd.Var[T] {
	h := m.EncNode.Forward(nodes)
	e := m.EncEdge.Forward(edges)
	for _, p := range m.Processor {
		h, e = p.Forward(h, e, g)
	}
	return m.Decoder.Forward(h)
}
