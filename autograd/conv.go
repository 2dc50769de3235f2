package autograd

import (
	"github.com/surrogo/surrogo/tensor"
)

// 2-D convolution and its two adjoints as three differentiable ops that
// close under differentiation. With <.,.> the sum of elementwise products,
// conv(x, w) is bilinear and its adjoints are defined by
//
//	<conv(x, w), g> = <x, convInputGrad(g, w)> = <w, convWeightGrad(x, g)>.
//
// Each of the three is bilinear too, and the same identity gives every VJP
// as one of the three: the backward of conv is (convInputGrad,
// convWeightGrad), that of convInputGrad(g, w) with upstream u is
// (conv(u, w), convWeightGrad(u, g)), and that of convWeightGrad(x, g)
// with upstream u is (convInputGrad(g, u), conv(x, u)). So
// Grad(..., createGraph=true) differentiates a convolution to any order.

// Conv2D is PyTorch's conv2d without bias: x [N, C, H, W] cross-correlated
// with w [O, C, kH, kW], stride (sh, sw) and zero padding (ph, pw), giving
// [N, O, H', W'] with H' = (H + 2 ph - kH) / sh + 1 (tensor.Conv2D). Layers
// add the bias by broadcasting. Shapes that do not fit panic; check user
// input first with tensor.Conv2DShape.
func Conv2D[T tensor.Float](x, w *Var[T], stride, padding [2]int) *Var[T] {
	y := tensor.Conv2D(x.Value, w.Value, stride, padding)
	in := [2]int{x.Shape()[2], x.Shape()[3]}
	kernel := [2]int{w.Shape()[2], w.Shape()[3]}
	return recordMasked(y, "conv2d", vars(x, w), func(g *Var[T], need []bool) []*Var[T] {
		var gx, gw *Var[T]
		if need[0] {
			gx = conv2DInputGrad(g, w, in, stride, padding)
		}
		if need[1] {
			gw = conv2DWeightGrad(x, g, kernel, stride, padding)
		}
		return vars(gx, gw)
	})
}

// conv2DInputGrad is Conv2D's adjoint in x, a transposed convolution of
// g [N, O, H', W'] with w back to [N, C, in...].
func conv2DInputGrad[T tensor.Float](g, w *Var[T], in, stride, padding [2]int) *Var[T] {
	dx := tensor.Conv2DInputGrad(g.Value, w.Value, in, stride, padding)
	kernel := [2]int{w.Shape()[2], w.Shape()[3]}
	return recordMasked(dx, "conv2d_input_grad", vars(g, w), func(u *Var[T], need []bool) []*Var[T] {
		var gg, gw *Var[T]
		if need[0] {
			gg = Conv2D(u, w, stride, padding)
		}
		if need[1] {
			gw = conv2DWeightGrad(u, g, kernel, stride, padding)
		}
		return vars(gg, gw)
	})
}

// conv2DWeightGrad is Conv2D's adjoint in w: the [O, C, kernel...]
// correlation of g [N, O, H', W'] with the patches of x.
func conv2DWeightGrad[T tensor.Float](x, g *Var[T], kernel, stride, padding [2]int) *Var[T] {
	dw := tensor.Conv2DWeightGrad(x.Value, g.Value, kernel, stride, padding)
	in := [2]int{x.Shape()[2], x.Shape()[3]}
	return recordMasked(dw, "conv2d_weight_grad", vars(x, g), func(u *Var[T], need []bool) []*Var[T] {
		var gx, gg *Var[T]
		if need[0] {
			gx = conv2DInputGrad(g, u, in, stride, padding)
		}
		if need[1] {
			gg = Conv2D(x, u, stride, padding)
		}
		return vars(gx, gg)
	})
}
