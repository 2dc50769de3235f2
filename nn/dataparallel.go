package nn

import (
	"errors"
	"fmt"

	"github.com/surrogo/surrogo/tensor"
)

// ErrPeerStopped is wrapped by a data-parallel step that another process
// stopped (its context was cancelled): no process takes the step.
var ErrPeerStopped = errors.New("nn: a process of the data-parallel run stopped")

// ReduceFunc turns this process's loss and parameter gradients (a nil
// gradient: zero) into those of the whole batch over the processes of a
// data-parallel run, identical on every process; stopping says this
// process's context was cancelled. See Trainer.Reduce and DataParallel.
type ReduceFunc[T tensor.Float] func(params []Param[T], loss float64, stopping bool) (float64, error)

// DataParallel returns the ReduceFunc of processes that sumAll sums
// over: an allreduce, which every process calls with a buffer of the same
// length and which leaves the elementwise sum over the processes in it,
// the same on all of them. weight is this process's share w_r of the
// batch's loss in the current step, so that the batch's loss and gradient
// are
//
//	L = sum_r w_r L_r,   g = sum_r w_r g_r:
//
// for a loss that is a mean over the batch's N samples, of which the
// process holds n_r, w_r = n_r / N (g = sum_r n_r g_r / sum_r n_r); for
// a loss summed over the samples, w_r = 1.
//
// One allreduce per step carries [w_r g_r for every parameter, w_r L_r,
// a flag per parameter saying it has a gradient, the stopping flag]: a
// parameter no process has a gradient for keeps a nil gradient, as in a
// single process.
func DataParallel[T tensor.Float](sumAll func([]T) error, weight func() float64) ReduceFunc[T] {
	var buf []T
	return func(params []Param[T], loss float64, stopping bool) (float64, error) {
		w := weight()
		buf = packGrads(buf, params, w)
		k := len(buf)
		buf = append(buf, T(w*loss))
		for _, p := range params {
			buf = append(buf, flag[T](p.Var.Grad != nil))
		}
		buf = append(buf, flag[T](stopping))
		if err := sumAll(buf); err != nil {
			return 0, fmt.Errorf("nn: summing the gradients over the processes: %w", err)
		}
		if buf[len(buf)-1] > 0 {
			return 0, fmt.Errorf("%w (%v of them)", ErrPeerStopped, buf[len(buf)-1])
		}
		unpackGrads(buf[:k], buf[k+1:], params)
		return float64(buf[k]), nil
	}
}

func flag[T tensor.Float](b bool) T {
	if b {
		return 1
	}
	return 0
}

// packGrads returns buf (reused) holding w times every parameter's
// gradient, zeros for a nil one, in the order of params.
func packGrads[T tensor.Float](buf []T, params []Param[T], w float64) []T {
	buf = buf[:0]
	for _, p := range params {
		if p.Var.Grad == nil {
			buf = append(buf, make([]T, p.Var.Value.Len())...)
			continue
		}
		for _, g := range p.Var.Grad.Data() {
			buf = append(buf, T(w*float64(g)))
		}
	}
	return buf
}

// unpackGrads sets the parameters' gradients from sums (packGrads'
// layout); a parameter whose has flag is 0 keeps a nil gradient.
func unpackGrads[T tensor.Float](sums, has []T, params []Param[T]) {
	off := 0
	for i, p := range params {
		n := p.Var.Value.Len()
		if has[i] > 0 {
			if p.Var.Grad == nil {
				p.Var.Grad = tensor.ZerosLike(p.Var.Value)
			}
			copy(p.Var.Grad.Data(), sums[off:off+n])
		}
		off += n
	}
}
