package autograd

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor"
)

// Release ends a step after Backward: it recycles the values of every
// recorded op behind loss (tensor.Recycle) and the buffers their ops
// saved, except buffers a leaf (parameter, input, constant) shares, and
// empties those Vars, so using one afterwards panics instead of reading a
// recycled buffer. loss's own value is kept. Call it once the step needs
// no Var the loss was computed from. It returns how many buffers it
// recycled. (BackwardAndRelease does both as it goes.)
func Release[T tensor.Float](loss *Var[T]) int {
	if loss == nil || loss.node == nil {
		return 0
	}
	rec := tensor.NewRecycler[T]()
	inner := trackGraph(rec, loss, true)
	releaseVars(loss, inner)
	return rec.Flush()
}

// releaseVars empties the recorded Vars of a released graph and makes
// its backward functions, root's included, panic; root keeps its value.
func releaseVars[T tensor.Float](root *Var[T], inner []*Var[T]) {
	for _, v := range inner {
		v.Value = nil
	}
	for _, v := range append(inner, root) {
		v.node.saved = nil
		v.node.backward, v.node.masked = releasedBackward[T](v.node.op), nil
	}
}

// releasedBackward stands in for the backward of an op whose graph was
// released: differentiating it again would read recycled buffers.
func releasedBackward[T tensor.Float](op string) func(*Var[T]) []*Var[T] {
	return func(*Var[T]) []*Var[T] {
		panic(fmt.Sprintf("autograd: backward through %s after its graph was released", op))
	}
}

// saveForRelease records buffers v's op keeps for its backward pass, so
// that Release recycles them; when v was not recorded (NoGrad), no
// backward pass will read them, and they are recycled now.
func saveForRelease[T tensor.Float](v *Var[T], ts ...*tensor.Tensor[T]) {
	if v.node != nil {
		v.node.saved = append(v.node.saved, ts...)
		return
	}
	for _, t := range ts {
		tensor.Recycle(t)
	}
}

// readsInBackward records that v's backward function reads buffers of
// Vars other than v and its inputs, so that BackwardAndRelease does not
// recycle them before v's backward has run.
func readsInBackward[T tensor.Float](v *Var[T], ts ...*tensor.Tensor[T]) {
	if v.node != nil {
		v.node.saved = append(v.node.saved, ts...)
	}
}
