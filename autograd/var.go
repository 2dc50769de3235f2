package autograd

import (
	"sync/atomic"

	"github.com/surrogo/surrogo/tensor"
)

// Var is a tensor in a computation: a leaf (a parameter or an input) or the
// result of a recorded op. Value is never changed by ops; Grad is filled by
// Backward on leaves that require gradients.
type Var[T tensor.Float] struct {
	Value        *tensor.Tensor[T]
	Grad         *tensor.Tensor[T]
	requiresGrad bool
	node         *node[T]
}

// node records how a Var was computed.
type node[T tensor.Float] struct {
	op     string
	inputs []*Var[T]
	// backward maps the gradient of the output to the gradients of the
	// inputs (nil where an input needs none). It is written with Var ops,
	// so with createGraph the backward pass is itself recorded, unless
	// firstOrder is set (fused ops whose VJP works on raw tensors).
	backward   func(g *Var[T]) []*Var[T]
	firstOrder bool
	// masked, when set, is backward told which inputs need a gradient
	// (need[j]); it may leave the others nil and skip their work. Grad
	// uses it to skip, say, weight gradients when only d/dx is asked for.
	masked func(g *Var[T], need []bool) []*Var[T]
	// saved lists buffers the op allocated for its backward pass beyond
	// its inputs and output; Release recycles them with the graph.
	saved []*tensor.Tensor[T]
}

// Param returns a leaf that requires gradients (a trainable parameter or
// an input to differentiate with respect to).
func Param[T tensor.Float](t *tensor.Tensor[T]) *Var[T] {
	return &Var[T]{Value: t, requiresGrad: true}
}

// Const returns a leaf that needs no gradient.
func Const[T tensor.Float](t *tensor.Tensor[T]) *Var[T] { return &Var[T]{Value: t} }

// Scalar returns a constant rank-0 Var.
func Scalar[T tensor.Float](v T) *Var[T] { return Const(tensor.Scalar(v)) }

// RequiresGrad reports whether gradients flow to or through v.
func (v *Var[T]) RequiresGrad() bool { return v.requiresGrad }

// IsLeaf reports whether v was not produced by a recorded op.
func (v *Var[T]) IsLeaf() bool { return v.node == nil }

// Op names the op that produced v ("" for leaves).
func (v *Var[T]) Op() string {
	if v.node == nil {
		return ""
	}
	return v.node.op
}

// Detach returns a constant sharing v's value, cut from the graph.
func (v *Var[T]) Detach() *Var[T] { return Const(v.Value) }

// Shape returns the value's shape.
func (v *Var[T]) Shape() []int { return v.Value.Shape() }

// ZeroGrad clears the accumulated gradient.
func (v *Var[T]) ZeroGrad() { v.Grad = nil }

// noGrad counts nested NoGrad calls; while positive, ops record nothing.
var noGrad atomic.Int32

// NoGrad runs fn without recording ops: inference and evaluation build no
// graph. The mode is process-wide, so do not train in another goroutine
// while it is on.
func NoGrad(fn func()) {
	noGrad.Add(1)
	defer noGrad.Add(-1)
	fn()
}

// GradEnabled reports whether ops are being recorded.
func GradEnabled() bool { return noGrad.Load() == 0 }

// record wraps an op's result: when gradients are enabled and some input
// requires them, the result remembers its inputs and backward function.
func record[T tensor.Float](value *tensor.Tensor[T], op string, inputs []*Var[T], backward func(g *Var[T]) []*Var[T]) *Var[T] {
	out := &Var[T]{Value: value}
	if !GradEnabled() {
		return out
	}
	for _, in := range inputs {
		if in.requiresGrad {
			out.requiresGrad = true
			out.node = &node[T]{op: op, inputs: inputs, backward: backward}
			break
		}
	}
	return out
}

// recordMasked is record for ops whose backward can skip inputs that need
// no gradient (need[j] false): the expensive products of MatMul and Linear.
func recordMasked[T tensor.Float](value *tensor.Tensor[T], op string, inputs []*Var[T], masked func(g *Var[T], need []bool) []*Var[T]) *Var[T] {
	out := record(value, op, inputs, func(g *Var[T]) []*Var[T] {
		need := make([]bool, len(inputs))
		for j, in := range inputs {
			need[j] = in.requiresGrad
		}
		return masked(g, need)
	})
	if out.node != nil {
		out.node.masked = masked
	}
	return out
}

// recordFirstOrder is record for fused ops whose backward works on raw
// tensors and cannot be differentiated again.
func recordFirstOrder[T tensor.Float](value *tensor.Tensor[T], op string, inputs []*Var[T], backward func(g *Var[T]) []*Var[T]) *Var[T] {
	out := record(value, op, inputs, backward)
	if out.node != nil {
		out.node.firstOrder = true
	}
	return out
}
