package tensor

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// 2-D convolution (PyTorch's conv2d: cross-correlation, zero padding, no
// dilation, one group) by im2col and GEMM. For one sample the patch matrix
// col[(c, i, j), (p, q)] = x[c, p sh - ph + i, q sw - pw + j] (zero outside
// the input) has C kH kW rows and H' W' columns, and
//
//	y_n = W col_n                 (W as an [O, C kH kW] matrix)
//	dx_n = col2im(W^T dy_n)       (the adjoint in x: a transposed conv)
//	dW = sum_n dy_n col_n^T       (the adjoint in W)
//
// with H' = (H + 2 ph - kH) / sh + 1 and W' likewise. Samples are split
// into at most convGroups fixed groups that run in parallel, each with its
// own slice of one scratch buffer; the weight gradient sums the groups'
// partial sums in group order, so every result is the same for any number
// of workers.

// convGroups is the most groups the batch is cut into.
const convGroups = 16

// convGeom is the geometry of one convolution.
type convGeom struct {
	n, c, h, w     int // input [N, C, H, W]
	o, kh, kw      int // weight [O, C, kH, kW]
	oh, ow         int // output plane H' x W'
	sh, sw, ph, pw int // stride and zero padding per axis
}

// Conv2DShape returns the shape [N, O, H', W'] of Conv2D(x, w, stride,
// padding) for x shaped xs = [N, C, H, W] and w shaped ws = [O, C, kH, kW],
// or an error saying what does not fit. Higher floors call it to validate
// user input; the kernels panic with the same message.
func Conv2DShape(xs, ws []int, stride, padding [2]int) ([]int, error) {
	g, err := newConvGeom(xs, ws, stride, padding)
	if err != nil {
		return nil, err
	}
	return []int{g.n, g.o, g.oh, g.ow}, nil
}

func newConvGeom(xs, ws []int, stride, padding [2]int) (convGeom, error) {
	var g convGeom
	switch {
	case len(xs) != 4:
		return g, fmt.Errorf("conv2d: input must be [N, C, H, W], got shape %v", xs)
	case len(ws) != 4:
		return g, fmt.Errorf("conv2d: weight must be [O, C, kH, kW], got shape %v", ws)
	case xs[1] != ws[1]:
		return g, fmt.Errorf("conv2d: input has %d channels (shape %v) but the weight expects %d (shape %v)", xs[1], xs, ws[1], ws)
	case stride[0] < 1 || stride[1] < 1:
		return g, fmt.Errorf("conv2d: stride must be positive, got %v", stride)
	case padding[0] < 0 || padding[1] < 0:
		return g, fmt.Errorf("conv2d: padding must be non-negative, got %v", padding)
	case ws[2] < 1 || ws[3] < 1:
		return g, fmt.Errorf("conv2d: kernel must be at least 1x1, got %dx%d", ws[2], ws[3])
	}
	ph, pw := xs[2]+2*padding[0], xs[3]+2*padding[1]
	if ph < ws[2] || pw < ws[3] {
		return g, fmt.Errorf("conv2d: padded input %dx%d (shape %v, padding %v) is smaller than the %dx%d kernel", ph, pw, xs, padding, ws[2], ws[3])
	}
	g = convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], kh: ws[2], kw: ws[3],
		sh: stride[0], sw: stride[1], ph: padding[0], pw: padding[1]}
	g.oh, g.ow = (ph-ws[2])/g.sh+1, (pw-ws[3])/g.sw+1
	return g, nil
}

// mustConvGeom is newConvGeom for kernels: a mismatch is a programmer error.
func mustConvGeom(op string, xs, ws []int, stride, padding [2]int) convGeom {
	g, err := newConvGeom(xs, ws, stride, padding)
	if err != nil {
		panic(fmt.Sprintf("tensor: %s: %v", op, err))
	}
	return g
}

func (g convGeom) xShape() []int { return []int{g.n, g.c, g.h, g.w} }
func (g convGeom) wShape() []int { return []int{g.o, g.c, g.kh, g.kw} }
func (g convGeom) yShape() []int { return []int{g.n, g.o, g.oh, g.ow} }
func (g convGeom) rows() int     { return g.c * g.kh * g.kw } // patch rows
func (g convGeom) cols() int     { return g.oh * g.ow }       // output pixels
func (g convGeom) empty() bool   { return g.n*g.o*g.c*g.cols() == 0 }

// Conv2D returns the 2-D cross-correlation of x [N, C, H, W] with w
// [O, C, kH, kW], stride (sh, sw) and zero padding (ph, pw) per axis:
// y[n, o, p, q] = sum_{c,i,j} w[o, c, i, j] x[n, c, p sh - ph + i, q sw - pw + j],
// shaped [N, O, H', W'] with H' = (H + 2 ph - kH) / sh + 1. Shapes that do
// not fit (see Conv2DShape) panic.
func Conv2D[T Float](x, w *Tensor[T], stride, padding [2]int) *Tensor[T] {
	g := mustConvGeom("Conv2D", x.shape, w.shape, stride, padding)
	y := New[T](g.yShape()...)
	if g.empty() {
		return y
	}
	k, l := g.rows(), g.cols()
	eachSample(g, k*l, func(s int, col []T) {
		im2col(g, x.data[s*g.c*g.h*g.w:], col)
		gemmSerial(false, false, g.o, l, k, 1, w.data, k, col, l, 0, y.data[s*g.o*l:], l)
	})
	return y
}

// Conv2DInputGrad is Conv2D's adjoint in x (a transposed convolution):
// given dy [N, O, H', W'] and w [O, C, kH, kW] it returns dx [N, C, H, W]
// with <Conv2D(x, w), dy> = <x, dx> for every x, where inSize = (H, W)
// (needed because a stride maps several sizes to the same H' W').
func Conv2DInputGrad[T Float](dy, w *Tensor[T], inSize, stride, padding [2]int) *Tensor[T] {
	if len(dy.shape) != 4 || len(w.shape) != 4 {
		panic(fmt.Sprintf("tensor: Conv2DInputGrad: dy %v and w %v must both have rank 4", dy.shape, w.shape))
	}
	xs := []int{dy.shape[0], w.shape[1], inSize[0], inSize[1]}
	g := mustConvGeom("Conv2DInputGrad", xs, w.shape, stride, padding)
	checkGradShape("Conv2DInputGrad", g, dy.shape)
	dx := New[T](xs...)
	if g.empty() {
		return dx
	}
	k, l := g.rows(), g.cols()
	eachSample(g, k*l, func(s int, col []T) {
		gemmSerial(true, false, k, l, g.o, 1, w.data, k, dy.data[s*g.o*l:], l, 0, col, l)
		col2im(g, col, dx.data[s*g.c*g.h*g.w:])
	})
	return dx
}

// Conv2DWeightGrad is Conv2D's adjoint in w: given x [N, C, H, W] and dy
// [N, O, H', W'] it returns dw [O, C, kH, kW] with
// <Conv2D(x, w), dy> = <w, dw> for every w, where kernel = (kH, kW).
func Conv2DWeightGrad[T Float](x, dy *Tensor[T], kernel, stride, padding [2]int) *Tensor[T] {
	if len(dy.shape) != 4 || len(x.shape) != 4 {
		panic(fmt.Sprintf("tensor: Conv2DWeightGrad: x %v and dy %v must both have rank 4", x.shape, dy.shape))
	}
	ws := []int{dy.shape[1], x.shape[1], kernel[0], kernel[1]}
	g := mustConvGeom("Conv2DWeightGrad", x.shape, ws, stride, padding)
	checkGradShape("Conv2DWeightGrad", g, dy.shape)
	dw := New[T](ws...)
	if g.empty() {
		return dw
	}
	k, l := g.rows(), g.cols()
	wl := g.o * k
	parts := eachSample(g, k*l+wl, func(s int, scr []T) {
		col, part := scr[:k*l], scr[k*l:]
		im2col(g, x.data[s*g.c*g.h*g.w:], col)
		gemmSerial(false, true, g.o, k, l, 1, dy.data[s*g.o*l:], l, col, l, 1, part, k)
	})
	for p := 0; p < len(parts); p += k*l + wl {
		for i, v := range parts[p+k*l : p+k*l+wl] {
			dw.data[i] += v
		}
	}
	return dw
}

// checkGradShape panics unless dy has the output shape of g.
func checkGradShape(op string, g convGeom, dy []int) {
	if !SameShape(dy, g.yShape()) {
		panic(fmt.Sprintf("tensor: %s: dy has shape %v, but input %v and weight %v give output %v",
			op, dy, g.xShape(), g.wShape(), g.yShape()))
	}
}

// eachSample calls body(s, scratch) for every sample s: the batch is cut
// into at most convGroups contiguous groups run in parallel, each owning a
// zeroed scratch slice of length per. It returns the whole scratch buffer
// (groups in order), which holds whatever the bodies left there.
func eachSample[T Float](g convGeom, per int, body func(s int, scratch []T)) []T {
	groups := min(g.n, convGroups)
	size := (g.n + groups - 1) / groups
	groups = (g.n + size - 1) / size
	scratch := make([]T, groups*per)
	cost := size * 2 * g.o * g.rows() * g.cols()
	parallel.For(groups, cost, func(lo, hi int) {
		for gi := lo; gi < hi; gi++ {
			buf := scratch[gi*per : (gi+1)*per]
			for s := gi * size; s < min(g.n, (gi+1)*size); s++ {
				body(s, buf)
			}
		}
	})
	return scratch
}

// validRange returns the output indices [lo, hi) of an n-long output axis
// whose input index q stride + off lies inside [0, size).
func validRange(off, stride, size, n int) (lo, hi int) {
	if off < 0 {
		lo = min(n, (-off+stride-1)/stride)
	}
	if last := size - 1 - off; last >= 0 {
		hi = min(n, last/stride+1)
	}
	return lo, max(lo, hi)
}

// im2col writes the [C kH kW, H' W'] patch matrix of one sample x
// ([C, H, W], row-major) into col.
func im2col[T Float](g convGeom, x, col []T) {
	l, r := g.cols(), 0
	for c := 0; c < g.c; c++ {
		plane := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				off := j - g.pw
				lo, hi := validRange(off, g.sw, g.w, g.ow)
				for p := 0; p < g.oh; p++ {
					dst := col[r*l+p*g.ow : r*l+(p+1)*g.ow]
					ih := p*g.sh - g.ph + i
					if ih < 0 || ih >= g.h {
						clear(dst)
						continue
					}
					clear(dst[:lo])
					clear(dst[hi:])
					gatherRow(dst[lo:hi], plane[ih*g.w:], lo*g.sw+off, g.sw)
				}
				r++
			}
		}
	}
}

// gatherRow copies src[start + q stride] to dst[q].
func gatherRow[T Float](dst, src []T, start, stride int) {
	if len(dst) == 0 {
		return
	}
	if stride == 1 {
		copy(dst, src[start:])
		return
	}
	for q := range dst {
		dst[q] = src[start+q*stride]
	}
}

// col2im adds the patch matrix col back into one sample's gradient dx
// ([C, H, W]): the adjoint of im2col.
func col2im[T Float](g convGeom, col, dx []T) {
	l, r := g.cols(), 0
	for c := 0; c < g.c; c++ {
		plane := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				off := j - g.pw
				lo, hi := validRange(off, g.sw, g.w, g.ow)
				for p := 0; p < g.oh; p++ {
					ih := p*g.sh - g.ph + i
					if ih < 0 || ih >= g.h {
						continue
					}
					src := col[r*l+p*g.ow+lo : r*l+p*g.ow+hi]
					row := plane[ih*g.w:]
					for q, v := range src {
						row[(lo+q)*g.sw+off] += v
					}
				}
				r++
			}
		}
	}
}
