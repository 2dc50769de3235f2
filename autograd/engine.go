package autograd

import (
	"errors"
	"fmt"

	"github.com/surrogo/surrogo/tensor"
)

// ErrNoGraph marks a gradient request on something no recorded op links
// to the inputs; ErrFirstOrder a second derivative through a fused op
// that only has a first-order backward.
var (
	ErrNoGraph    = errors.New("autograd: output does not require gradients")
	ErrFirstOrder = errors.New("autograd: op supports first-order gradients only")
)

// topoOrder lists every Var that requires gradients and is reachable from
// outputs, inputs before the Vars computed from them.
func topoOrder[T tensor.Float](outputs []*Var[T]) []*Var[T] {
	var order []*Var[T]
	state := map[*Var[T]]uint8{} // 1 visiting, 2 done
	type frame struct {
		v    *Var[T]
		next int
	}
	for _, root := range outputs {
		if !root.requiresGrad || state[root] != 0 {
			continue
		}
		stack := []frame{{v: root}}
		state[root] = 1
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.v.node != nil && top.next < len(top.v.node.inputs) {
				in := top.v.node.inputs[top.next]
				top.next++
				if in.requiresGrad && state[in] == 0 {
					state[in] = 1
					stack = append(stack, frame{v: in})
				}
				continue
			}
			state[top.v] = 2
			order = append(order, top.v)
			stack = stack[:len(stack)-1]
		}
	}
	return order
}

// Grad returns the gradients of the outputs with respect to inputs:
// sum over outputs of (gradOutputs[i] . d outputs[i] / d input). A nil
// gradOutputs (or nil entry) means ones, i.e. the gradient of the sum of
// that output. Inputs the outputs do not depend on get zero gradients.
//
// With createGraph the backward pass is recorded, so the returned
// gradients can be differentiated again (u_xx of a PINN, the Hessian of a
// potential). Without it, nothing is recorded.
func Grad[T tensor.Float](outputs, inputs, gradOutputs []*Var[T], createGraph bool) ([]*Var[T], error) {
	if gradOutputs != nil && len(gradOutputs) != len(outputs) {
		return nil, fmt.Errorf("autograd: %d gradient outputs for %d outputs", len(gradOutputs), len(outputs))
	}
	for i, out := range outputs {
		if !out.requiresGrad {
			return nil, fmt.Errorf("output %d (shape %v): %w", i, out.Shape(), ErrNoGraph)
		}
	}
	grads, err := backprop(outputs, gradOutputs, inputs, createGraph, nil)
	if err != nil {
		return nil, err
	}
	res := make([]*Var[T], len(inputs))
	for i, in := range inputs {
		if g, ok := grads[in]; ok {
			res[i] = g
		} else {
			res[i] = Const(tensor.New[T](in.Shape()...))
		}
	}
	return res, nil
}

// Backward computes the gradient of loss (nil seed: ones) with respect to
// every leaf that requires gradients and adds it to the leaf's Grad. The
// intermediate gradients, which nothing outside sees, are recycled.
func Backward[T tensor.Float](loss *Var[T]) error { return backward(loss, false) }

// BackwardAndRelease is Backward that consumes the graph, as PyTorch's
// backward does without retain_graph: each op's value (and the buffers it
// saved for its backward pass) is recycled as soon as the pass has gone
// past it, so the pass needs no more memory than the forward one, and the
// emptied Vars panic if used again. Leaves and loss's value are kept.
// Training steps use it; keep no Var the loss was computed from.
func BackwardAndRelease[T tensor.Float](loss *Var[T]) error { return backward(loss, true) }

func backward[T tensor.Float](loss *Var[T], release bool) error {
	if !loss.requiresGrad {
		return fmt.Errorf("loss (shape %v): %w", loss.Shape(), ErrNoGraph)
	}
	rec := tensor.NewRecycler[T]()
	inner := trackGraph(rec, loss, release)
	// Even when a backward function panics, the graph's Vars are emptied
	// (their buffers may be recycled already) and the rest recycled.
	defer func() {
		if release {
			releaseVars(loss, inner)
		}
		rec.Flush()
	}()
	grads, err := backprop([]*Var[T]{loss}, nil, nil, false, &recycling[T]{rec: rec, release: release})
	if err != nil {
		return err
	}
	for v, g := range grads {
		if v.node != nil {
			continue
		}
		if v.Grad == nil {
			v.Grad = g.Value.Clone()
		} else {
			tensor.AddInPlace(v.Grad, g.Value)
		}
	}
	return nil
}

// recycling is what backprop does with buffers it is done with: the
// gradients' buffers once consumed, and with release the graph's values.
type recycling[T tensor.Float] struct {
	rec     *tensor.Recycler[T]
	release bool
}

// trackGraph tells rec about the graph behind root and returns its
// recorded Vars other than root. Leaves (their values and gradients) and
// root's value are kept; the recorded values, and the buffers their ops
// saved, are kept too, or with release held once each, for backprop to
// drop as it passes them. Either way a gradient that shares a forward
// buffer is not recycled while the forward value lives.
func trackGraph[T tensor.Float](rec *tensor.Recycler[T], root *Var[T], release bool) []*Var[T] {
	rec.Keep(root.Value)
	var inner []*Var[T]
	seen := map[*Var[T]]bool{root: true}
	stack := []*Var[T]{root}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v.node == nil {
			rec.Keep(v.Value)
			rec.Keep(v.Grad)
			continue
		}
		if v != root {
			inner = append(inner, v)
		}
		for _, t := range append([]*tensor.Tensor[T]{v.Value}, v.node.saved...) {
			if release {
				rec.Hold(t)
			} else {
				rec.Keep(t)
			}
		}
		for _, in := range v.node.inputs {
			if !seen[in] {
				seen[in] = true
				stack = append(stack, in)
			}
		}
	}
	return inner
}

// backprop propagates the seeds back from outputs. With targets (Grad's
// inputs), only the Vars on a path to a target get gradients: the others
// (weights, when only d/dx is asked for) are skipped, and ops with a masked
// backward skip their products. With cyc, its Recycler counts the
// references the pending gradients hold to their buffers: a gradient's
// buffer is recycled once consumed, unless another pending gradient
// shares it or it is kept; the gradients returned are still held. With
// cyc.release, each op's value and saved buffers are dropped once its
// backward function has run (its consumers ran before it).
func backprop[T tensor.Float](outputs, gradOutputs, targets []*Var[T], createGraph bool, cyc *recycling[T]) (map[*Var[T]]*Var[T], error) {
	var rec *tensor.Recycler[T]
	if cyc != nil {
		rec = cyc.rec
	}
	order := topoOrder(outputs)
	var needed map[*Var[T]]bool // nil: every Var that requires gradients
	if targets != nil {
		needed = make(map[*Var[T]]bool, len(order))
		for _, t := range targets {
			needed[t] = true
		}
		for _, v := range order { // inputs before the Vars computed from them
			if v.node == nil || needed[v] {
				continue
			}
			for _, in := range v.node.inputs {
				if needed[in] {
					needed[v] = true
					break
				}
			}
		}
	}
	isTarget := make(map[*Var[T]]bool, len(targets))
	for _, t := range targets {
		isTarget[t] = true
	}
	wants := func(v *Var[T]) bool { return v.requiresGrad && (needed == nil || needed[v]) }
	grads := make(map[*Var[T]]*Var[T], len(order))
	accumulate := func(v, g *Var[T]) {
		prev, ok := grads[v]
		if !ok {
			grads[v] = g
			if rec != nil {
				rec.Hold(g.Value)
			}
			return
		}
		grads[v] = Add(prev, g)
		if rec != nil {
			rec.Hold(grads[v].Value)
			rec.Drop(prev.Value)
			rec.Consider(g.Value)
		}
	}
	run := func() error {
		for i, out := range outputs {
			var seed *Var[T]
			if gradOutputs != nil && gradOutputs[i] != nil {
				seed = gradOutputs[i]
				if !tensor.SameShape(seed.Shape(), out.Shape()) {
					return fmt.Errorf("autograd: gradient output %d has shape %v, output has %v", i, seed.Shape(), out.Shape())
				}
			} else {
				seed = Const(tensor.Ones[T](out.Shape()...))
			}
			accumulate(out, seed)
		}
		for k := len(order) - 1; k >= 0; k-- {
			v := order[k]
			g, ok := grads[v]
			if !ok || v.node == nil {
				continue
			}
			if !isTarget[v] {
				delete(grads, v) // consumed: let the collector have it
			}
			if createGraph && v.node.firstOrder {
				return fmt.Errorf("%s: %w (higher-order gradients need its composite form)", v.node.op, ErrFirstOrder)
			}
			var ins []*Var[T]
			if needed == nil {
				ins = v.node.backward(g)
			} else {
				need := make([]bool, len(v.node.inputs))
				anyNeeded := false
				for j, in := range v.node.inputs {
					need[j] = wants(in)
					anyNeeded = anyNeeded || need[j]
				}
				switch {
				case !anyNeeded:
					continue
				case v.node.masked != nil:
					ins = v.node.masked(g, need)
				default:
					ins = v.node.backward(g)
				}
			}
			for j, in := range v.node.inputs {
				if j < len(ins) && ins[j] != nil && wants(in) {
					if !tensor.SameShape(ins[j].Shape(), in.Shape()) {
						panic(fmt.Sprintf("autograd: %s backward gave gradient %v for input %d of shape %v", v.node.op, ins[j].Shape(), j, in.Shape()))
					}
					accumulate(in, ins[j])
				}
			}
			if rec != nil {
				for j, in := range v.node.inputs {
					if j < len(ins) && ins[j] != nil && !wants(in) {
						rec.Consider(ins[j].Value)
					}
				}
				rec.Drop(g.Value)
				if cyc.release {
					rec.Drop(v.Value)
					for _, t := range v.node.saved {
						rec.Drop(t)
					}
				}
			}
		}
		return nil
	}
	var err error
	if createGraph {
		err = run()
	} else {
		NoGrad(func() { err = run() })
	}
	return grads, err
}
