package autograd

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// Every op below computes its value with tensor kernels and records a
// backward function written with these same ops, so gradients of every op
// in this file can be differentiated again (createGraph).

func vars[T tensor.Float](vs ...*Var[T]) []*Var[T] { return vs }

// reduceTo sums a broadcast gradient back to shape.
func reduceTo[T tensor.Float](g *Var[T], shape []int) *Var[T] {
	if tensor.SameShape(g.Shape(), shape) {
		return g
	}
	return SumTo(g, shape)
}

// Add returns a + b (broadcasting).
func Add[T tensor.Float](a, b *Var[T]) *Var[T] {
	return record(tensor.Add(a.Value, b.Value), "add", vars(a, b), func(g *Var[T]) []*Var[T] {
		return vars(reduceTo(g, a.Shape()), reduceTo(g, b.Shape()))
	})
}

// Sub returns a - b (broadcasting).
func Sub[T tensor.Float](a, b *Var[T]) *Var[T] {
	return record(tensor.Sub(a.Value, b.Value), "sub", vars(a, b), func(g *Var[T]) []*Var[T] {
		return vars(reduceTo(g, a.Shape()), reduceTo(Neg(g), b.Shape()))
	})
}

// Mul returns a * b elementwise (broadcasting).
func Mul[T tensor.Float](a, b *Var[T]) *Var[T] {
	return record(tensor.Mul(a.Value, b.Value), "mul", vars(a, b), func(g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if a.requiresGrad {
			ga = reduceTo(Mul(g, b), a.Shape())
		}
		if b.requiresGrad {
			gb = reduceTo(Mul(g, a), b.Shape())
		}
		return vars(ga, gb)
	})
}

// Div returns a / b elementwise (broadcasting).
func Div[T tensor.Float](a, b *Var[T]) *Var[T] {
	return record(tensor.Div(a.Value, b.Value), "div", vars(a, b), func(g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if a.requiresGrad {
			ga = reduceTo(Div(g, b), a.Shape())
		}
		if b.requiresGrad {
			gb = reduceTo(Neg(Div(Mul(g, a), Mul(b, b))), b.Shape())
		}
		return vars(ga, gb)
	})
}

// Neg returns -a.
func Neg[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Neg(a.Value), "neg", vars(a), func(g *Var[T]) []*Var[T] { return vars(Neg(g)) })
}

// Scale returns s * a for a constant s.
func Scale[T tensor.Float](a *Var[T], s T) *Var[T] {
	return record(tensor.Scale(a.Value, s), "scale", vars(a), func(g *Var[T]) []*Var[T] { return vars(Scale(g, s)) })
}

// AddScalar returns a + s for a constant s.
func AddScalar[T tensor.Float](a *Var[T], s T) *Var[T] {
	return record(tensor.AddScalar(a.Value, s), "add_scalar", vars(a), func(g *Var[T]) []*Var[T] { return vars(g) })
}

// PowScalar returns a ** p for a constant exponent p.
func PowScalar[T tensor.Float](a *Var[T], p float64) *Var[T] {
	return record(tensor.PowScalar(a.Value, p), "pow", vars(a), func(g *Var[T]) []*Var[T] {
		if p == 0 {
			return vars(Scale(g, 0))
		}
		return vars(Mul(g, Scale(PowScalar(a, p-1), T(p))))
	})
}

// Square returns a * a.
func Square[T tensor.Float](a *Var[T]) *Var[T] { return PowScalar(a, 2) }

// Exp returns e^a.
func Exp[T tensor.Float](a *Var[T]) *Var[T] {
	var out *Var[T]
	out = record(tensor.Exp(a.Value), "exp", vars(a), func(g *Var[T]) []*Var[T] { return vars(Mul(g, out)) })
	return out
}

// Log returns the natural logarithm.
func Log[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Log(a.Value), "log", vars(a), func(g *Var[T]) []*Var[T] { return vars(Div(g, a)) })
}

// Sin returns sin a.
func Sin[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Sin(a.Value), "sin", vars(a), func(g *Var[T]) []*Var[T] { return vars(Mul(g, Cos(a))) })
}

// Cos returns cos a.
func Cos[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Cos(a.Value), "cos", vars(a), func(g *Var[T]) []*Var[T] { return vars(Neg(Mul(g, Sin(a)))) })
}

// Tanh returns tanh a; its derivative is 1 - tanh^2.
func Tanh[T tensor.Float](a *Var[T]) *Var[T] {
	var out *Var[T]
	out = record(tensor.Tanh(a.Value), "tanh", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(tanhGrad(out, g))
	})
	return out
}

// tanhGrad is g (1 - y^2) as one differentiable op (one kernel and one
// tape entry instead of four): its derivatives are -2 y g with respect to
// y and 1 - y^2 with respect to g.
func tanhGrad[T tensor.Float](y, g *Var[T]) *Var[T] {
	return record(tensor.TanhBackward(y.Value, g.Value), "tanh_backward", vars(y, g), func(gg *Var[T]) []*Var[T] {
		return vars(product3(y, g, gg, -2), tanhGrad(y, gg))
	})
}

// product3 is s a b c elementwise (equal shapes) as one op: one pass and
// one tape entry instead of three (tanh's second derivative,
// -2 y g gg). Its derivatives are products of the other two factors; in a
// first-order pass they are single fused kernels as well.
func product3[T tensor.Float](a, b, c *Var[T], s T) *Var[T] {
	return record(tensor.Product3(a.Value, b.Value, c.Value, s), "product3", vars(a, b, c), func(u *Var[T]) []*Var[T] {
		return vars(product3(b, c, u, s), product3(a, c, u, s), product3(a, b, u, s))
	})
}

// Sqrt returns the square root; its derivative is 1 / (2 sqrt a).
func Sqrt[T tensor.Float](a *Var[T]) *Var[T] {
	var out *Var[T]
	out = record(tensor.Sqrt(a.Value), "sqrt", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Div(g, Scale(out, 2)))
	})
	return out
}

// Abs returns |a| (derivative sign(a), zero at 0).
func Abs[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Abs(a.Value), "abs", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Mul(g, Const(tensor.Sign(a.Value))))
	})
}

// Sigmoid returns 1 / (1 + e^-a); its derivative is s (1 - s).
func Sigmoid[T tensor.Float](a *Var[T]) *Var[T] {
	var out *Var[T]
	out = record(tensor.Sigmoid(a.Value), "sigmoid", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Mul(g, Mul(out, AddScalar(Neg(out), 1))))
	})
	return out
}

// Relu returns max(a, 0) (derivative 0 at 0, as PyTorch).
func Relu[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Relu(a.Value), "relu", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Mul(g, Const(tensor.Step(a.Value))))
	})
}

// SiLU returns a * sigmoid(a).
func SiLU[T tensor.Float](a *Var[T]) *Var[T] { return Mul(a, Sigmoid(a)) }

// Erf returns the error function; its derivative is 2/sqrt(pi) e^{-a^2}.
func Erf[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Erf(a.Value), "erf", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Mul(g, Scale(Exp(Neg(Mul(a, a))), T(2/math.Sqrt(math.Pi)))))
	})
}

// GELU is the exact GELU, a Phi(a) with Phi the standard normal CDF; its
// derivative is Phi(a) + a phi(a).
func GELU[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.GELU(a.Value), "gelu", vars(a), func(g *Var[T]) []*Var[T] {
		if !GradEnabled() {
			// First order: one fused kernel instead of eleven ops.
			return vars(Const(tensor.GELUBackward(a.Value, g.Value)))
		}
		cdf := Scale(AddScalar(Erf(Scale(a, T(1/math.Sqrt2))), 1), 0.5)
		pdf := Scale(Exp(Scale(Mul(a, a), -0.5)), T(1/math.Sqrt(2*math.Pi)))
		return vars(Mul(g, Add(cdf, Mul(a, pdf))))
	})
}

// GELUTanh is the tanh approximation of GELU,
// a/2 (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3))).
func GELUTanh[T tensor.Float](a *Var[T]) *Var[T] {
	c := T(math.Sqrt(2 / math.Pi))
	inner := Scale(Add(a, Scale(PowScalar(a, 3), 0.044715)), c)
	return Mul(Scale(a, 0.5), AddScalar(Tanh(inner), 1))
}

// Sum returns the sum of all elements as a rank-0 Var.
func Sum[T tensor.Float](a *Var[T]) *Var[T] {
	return record(tensor.Scalar(tensor.Sum(a.Value)), "sum", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(BroadcastTo(g, a.Shape()))
	})
}

// Mean returns the mean of all elements.
func Mean[T tensor.Float](a *Var[T]) *Var[T] {
	return Scale(Sum(a), T(1/float64(max(a.Value.Len(), 1))))
}

// SumAxes sums over axes (nil: all); keepDims keeps them with size 1.
func SumAxes[T tensor.Float](a *Var[T], axes []int, keepDims bool) *Var[T] {
	out := tensor.SumAxes(a.Value, axes, keepDims)
	kept := tensor.ReducedShape(a.Shape(), axes, true)
	return record(out, "sum_axes", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(BroadcastTo(Reshape(g, kept...), a.Shape()))
	})
}

// MeanAxes averages over axes (nil: all).
func MeanAxes[T tensor.Float](a *Var[T], axes []int, keepDims bool) *Var[T] {
	n := a.Value.Len() / max(tensor.Size(tensor.ReducedShape(a.Shape(), axes, true)), 1)
	return Scale(SumAxes(a, axes, keepDims), T(1/float64(max(n, 1))))
}

// SumTo sums a down to shape (the adjoint of broadcasting).
func SumTo[T tensor.Float](a *Var[T], shape []int) *Var[T] {
	shape = append([]int{}, shape...)
	return record(tensor.SumTo(a.Value, shape), "sum_to", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(BroadcastTo(g, a.Shape()))
	})
}

// BroadcastTo expands a to shape.
func BroadcastTo[T tensor.Float](a *Var[T], shape []int) *Var[T] {
	shape = append([]int{}, shape...)
	return record(broadcastValue(a.Value, shape), "broadcast_to", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(SumTo(g, a.Shape()))
	})
}

// Reshape returns a with a new shape (one -1 inferred); data is shared.
func Reshape[T tensor.Float](a *Var[T], shape ...int) *Var[T] {
	return record(a.Value.Reshape(shape...), "reshape", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Reshape(g, a.Shape()...))
	})
}

// Permute reorders axes (out axis i is a's axis perm[i]).
func Permute[T tensor.Float](a *Var[T], perm ...int) *Var[T] {
	perm = append([]int{}, perm...)
	return record(tensor.Permute(a.Value, perm...), "permute", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Permute(g, tensor.InversePermutation(perm)...))
	})
}

// Transpose swaps the last two axes.
func Transpose[T tensor.Float](a *Var[T]) *Var[T] {
	r := len(a.Shape())
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-2], perm[r-1] = r-1, r-2
	return Permute(a, perm...)
}

// Slice returns a[..., start:end, ...] along axis.
func Slice[T tensor.Float](a *Var[T], axis, start, end int) *Var[T] {
	n := a.Value.Dim(axis)
	return record(tensor.Slice(a.Value, axis, start, end), "slice", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Pad(g, axis, start, n-end, 0))
	})
}

// Pad adds before/after entries of the constant v along axis.
func Pad[T tensor.Float](a *Var[T], axis, before, after int, v T) *Var[T] {
	n := a.Value.Dim(axis)
	return record(tensor.Pad(a.Value, axis, before, after, v), "pad", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Slice(g, axis, before, before+n))
	})
}

// Concat joins Vars along axis.
func Concat[T tensor.Float](axis int, parts ...*Var[T]) *Var[T] {
	vals := make([]*tensor.Tensor[T], len(parts))
	for i, p := range parts {
		vals[i] = p.Value
	}
	return record(tensor.Concat(axis, vals...), "concat", parts, func(g *Var[T]) []*Var[T] {
		out := make([]*Var[T], len(parts))
		off := 0
		for i, p := range parts {
			n := p.Value.Dim(axis)
			if p.requiresGrad {
				out[i] = Slice(g, axis, off, off+n)
			}
			off += n
		}
		return out
	})
}

// Stack joins same-shape Vars along a new axis.
func Stack[T tensor.Float](axis int, parts ...*Var[T]) *Var[T] {
	r := len(parts[0].Shape()) + 1
	if axis < 0 {
		axis += r
	}
	exp := make([]*Var[T], len(parts))
	for i, p := range parts {
		s := p.Shape()
		shape := append(append(append([]int{}, s[:axis]...), 1), s[axis:]...)
		exp[i] = Reshape(p, shape...)
	}
	return Concat(axis, exp...)
}

// MatMul returns op(a) @ op(b) over the last two axes (see tensor.MatMul
// for batching).
func MatMul[T tensor.Float](a, b *Var[T], transA, transB bool) *Var[T] {
	return recordMasked(tensor.MatMul(a.Value, b.Value, transA, transB), "matmul", vars(a, b), func(g *Var[T], need []bool) []*Var[T] {
		var ga, gb *Var[T]
		if need[0] {
			if !transA {
				ga = MatMul(g, b, false, !transB)
			} else {
				ga = MatMul(b, g, transB, true)
			}
			ga = sumBatch(ga, a.Shape())
		}
		if need[1] {
			if !transB {
				gb = MatMul(a, g, !transA, false)
			} else {
				gb = MatMul(g, a, true, transA)
			}
			gb = sumBatch(gb, b.Shape())
		}
		return vars(ga, gb)
	})
}

// sumBatch sums leading batch axes a shared matrix was broadcast over.
func sumBatch[T tensor.Float](g *Var[T], shape []int) *Var[T] {
	if len(g.Shape()) == len(shape) {
		return g
	}
	lead := make([]int, len(g.Shape())-len(shape))
	for i := range lead {
		lead[i] = i
	}
	return SumAxes(g, lead, false)
}

// ChannelLinear returns y[b, o, n] = sum_i w[o, i] x[b, i, n] + bias[o]
// (+ add[b, o, n] when add is not nil) for x [B, I, N], w [O, I], bias [O],
// add [B, O, N]: a 1x1 convolution on channels-first data plus a residual
// (FNO's pointwise layer added to its spectral branch), one op on the tape:
// neither the bare product nor the sum before the residual is kept. Its
// backward is made of MatMul and sums.
func ChannelLinear[T tensor.Float](x, w, bias, add *Var[T]) *Var[T] {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 3 || len(ws) != 2 || ws[1] != xs[1] || bias.Value.Len() != ws[0] {
		panic(fmt.Sprintf("autograd: ChannelLinear of x %v with weight %v and bias %v (want [B, I, N], [O, I], [O])", xs, ws, bias.Shape()))
	}
	o, n := ws[0], xs[2]
	inputs := vars(x, w, bias)
	if add != nil {
		if !tensor.SameShape(add.Shape(), []int{xs[0], o, n}) {
			panic(fmt.Sprintf("autograd: ChannelLinear residual %v (want [%d, %d, %d])", add.Shape(), xs[0], o, n))
		}
		inputs = append(inputs, add)
	}
	y := tensor.MatMul(w.Value, x.Value, false, false) // [B, O, N]
	yd, bd := y.Data(), bias.Value.Data()
	var ad []T
	if add != nil {
		ad = add.Value.Data()
	}
	parallel.For(xs[0]*o, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			v := bd[r%o]
			row := yd[r*n : (r+1)*n]
			if ad == nil {
				for k := range row {
					row[k] += v
				}
				continue
			}
			res := ad[r*n : (r+1)*n]
			for k := range row {
				row[k] = res[k] + (row[k] + v)
			}
		}
	})
	return recordMasked(y, "channel_linear", inputs, func(g *Var[T], need []bool) []*Var[T] {
		grads := make([]*Var[T], len(inputs))
		if need[0] {
			grads[0] = MatMul(w, g, true, false)
		}
		if need[1] {
			grads[1] = sumBatch(MatMul(g, x, false, true), ws)
		}
		if need[2] {
			grads[2] = SumAxes(g, []int{0, 2}, false)
		}
		if add != nil && need[3] {
			grads[3] = g
		}
		return grads
	})
}

// Linear returns x W^T + b for x [..., in], W [out, in], b [out] (b may
// be nil): one fused product, with a backward made of MatMul and sums.
func Linear[T tensor.Float](x, w, b *Var[T]) *Var[T] {
	xs := x.Shape()
	in := xs[len(xs)-1]
	if w.Value.Rank() != 2 || w.Value.Dim(1) != in {
		panic(fmt.Sprintf("autograd: Linear input %v with weight %v", xs, w.Shape()))
	}
	outF := w.Value.Dim(0)
	x2 := x.Value.Reshape(-1, in)
	y := tensor.MatMul(x2, w.Value, false, true)
	inputs := vars(x, w)
	if b != nil {
		yb := tensor.Add(y, b.Value)
		tensor.Recycle(y)
		y = yb
		inputs = append(inputs, b)
	}
	shape := append(append([]int{}, xs[:len(xs)-1]...), outF)
	y = y.Reshape(shape...)
	return recordMasked(y, "linear", inputs, func(g *Var[T], need []bool) []*Var[T] {
		g2 := Reshape(g, -1, outF)
		grads := make([]*Var[T], len(inputs))
		if need[0] {
			grads[0] = Reshape(MatMul(g2, w, false, false), xs...)
		}
		if need[1] {
			grads[1] = MatMul(g2, Reshape(x, -1, in), true, false)
		}
		if b != nil && need[2] {
			grads[2] = SumAxes(g2, []int{0}, false)
		}
		return grads
	})
}

// Gather selects entries idx along axis (index_select).
func Gather[T tensor.Float](a *Var[T], axis int, idx []int) *Var[T] {
	n := a.Value.Dim(axis)
	return record(tensor.Gather(a.Value, axis, idx), "gather", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(ScatterAdd(g, axis, idx, n))
	})
}

// ScatterAdd sums entries along axis into size slots by idx.
func ScatterAdd[T tensor.Float](a *Var[T], axis int, idx []int, size int) *Var[T] {
	return record(tensor.ScatterAdd(a.Value, axis, idx, size), "scatter_add", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(Gather(g, axis, idx))
	})
}

// Softmax normalises exp(a) along axis; its backward
// y (g - sum(g y)) is made of Var ops.
func Softmax[T tensor.Float](a *Var[T], axis int) *Var[T] {
	var out *Var[T]
	out = record(tensor.Softmax(a.Value, axis), "softmax", vars(a), func(g *Var[T]) []*Var[T] {
		gy := Mul(g, out)
		return vars(Sub(gy, Mul(out, SumAxes(gy, []int{axis}, true))))
	})
	return out
}

// ApplyAlongAxis multiplies every line along axis by the constant matrix
// m (rows x n): a truncated DCT or any fixed linear transform.
func ApplyAlongAxis[T tensor.Float](a *Var[T], axis int, m *tensor.Tensor[T]) *Var[T] {
	return record(tensor.ApplyAlongAxis(a.Value, axis, m), "apply_along_axis", vars(a), func(g *Var[T]) []*Var[T] {
		return vars(ApplyAlongAxis(g, axis, tensor.Transpose(m)))
	})
}
