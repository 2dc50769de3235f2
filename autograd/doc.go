// Package autograd is surrogo's reverse-mode automatic differentiation over
// tensor: define-by-run, with higher-order gradients.
//
// Ops on *Var record their inputs and a backward function (the
// vector-Jacobian product). Grad(outputs, inputs, gradOutputs, createGraph)
// walks the recorded graph from the outputs in reverse topological order
// and returns d(sum_i <gradOutputs_i, outputs_i>)/d inputs. Backward(loss)
// adds d loss / d leaf into every leaf's Grad.
//
// Backward functions are written with the same Var ops, so with createGraph
// the backward pass is itself recorded and its results can be
// differentiated again: u_x, u_xx of a PINN with respect to its inputs and
// then the gradient of a residual loss with respect to the weights, or the
// Hessian of a potential that a Monge-Ampere loss needs. Without
// createGraph the backward pass runs under NoGrad and records nothing.
//
// Normalize(x, axes, eps, unbiased) is y = (x - mean) / sqrt(var + eps)
// with mean and var over axes (var divided by n, or by d = n - 1 if
// unbiased); its VJP is dx = (g - mean(g) - y mean(g y) n/d) / sqrt(var +
// eps). LayerNorm(x, w, b, eps) is Normalize over w's trailing axes, times
// w, plus b. Both are fused ops whose backward is one kernel without
// createGraph and Var ops with it, so they can be differentiated again.
//
// Graph ops (graph.go): SegmentSum(a, offsets) sums the rows of each CSR
// segment of receiver-sorted edges, out_s = sum_{e in segment s} a_e, and
// RepeatSegments copies row s to its segment's rows; each is the other's
// adjoint and so its backward. SegmentMean multiplies the sum by
// 1/|segment s| (0 for an empty segment, like torch_scatter's
// scatter_mean). ApplyStencil(a, st) is out_m = sum_k w_mk a_{idx_mk} for a
// constant tensor.Stencil and ApplyStencilT its transpose; again each is
// the other's backward, since <A x, y> = <x, A^T y>. For edges sorted by
// receiver SegmentSum is the fast path of ScatterAdd along axis 0, whose
// kernel is serial; Gather and ScatterAdd remain for any axis and any
// index order.
//
// Fused ops with hand-written first-order VJPs on raw tensors (the spectral
// convolution of FNO) refuse createGraph with ErrFirstOrder.
//
// NoGrad(fn) evaluates without recording (inference); the switch is
// process-wide.
//
// Buffers (recycle.go): Backward recycles the intermediate gradients as
// each is consumed, counting the references pending gradients hold (Add's
// backward hands one gradient to both inputs; Reshape's is a view).
// BackwardAndRelease also consumes the graph, as PyTorch's backward does
// without retain_graph: an op's value and the buffers it saved are
// recycled once the pass has run the op's backward function (its
// consumers ran before it), leaves are never recycled, and the emptied
// Vars panic if used again. Release does the same after a plain Backward.
// Training steps (nn.Trainer) use BackwardAndRelease, so a training step
// reuses the previous step's buffers instead of allocating and clearing
// new ones.
package autograd
