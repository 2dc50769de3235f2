package autograd

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// LayerNorm returns Normalize(x) w + b, the statistics (biased variance)
// over the trailing axes of x that w's shape names; b has w's shape. It
// is PyTorch's layer_norm as one op: one kernel writes the output, and the
// tape keeps x's mean and 1/sigma per row instead of the normalised values
// and the product with w. Without createGraph its backward is one fused
// kernel,
//
//	dx = (g w - mean(g w) - y mean(g w y)) / sigma,
//	dw = sum over rows of g y,  db = sum over rows of g;
//
// with createGraph it is made of Var ops and can be differentiated again.
func LayerNorm[T tensor.Float](x, w, b *Var[T], eps float64) *Var[T] {
	cols := checkLayerNorm(x.Shape(), w.Shape(), b.Shape())
	out, mean, inv := layerNormForward(x.Value, w.Value, b.Value, cols, eps)
	return recordMasked(out, "layer_norm", vars(x, w, b), func(g *Var[T], need []bool) []*Var[T] {
		if !GradEnabled() {
			return layerNormBackward(x.Value, w.Value, g.Value, mean, inv, need[0])
		}
		return layerNormGrad(x, w, g, mean, inv, need)
	})
}

// checkLayerNorm panics unless x ends with w's shape and b has it; it
// returns the row length.
func checkLayerNorm(xs, ws, bs []int) int {
	k := len(xs) - len(ws)
	if k < 0 || !tensor.SameShape(xs[k:], ws) || !tensor.SameShape(ws, bs) {
		panic(fmt.Sprintf("autograd: LayerNorm of x %v with weight %v and bias %v (want x [..., weight shape], bias of the weight's shape)", xs, ws, bs))
	}
	return tensor.Size(ws)
}

// layerNormGrad is LayerNorm's backward made of Var ops (createGraph): y
// is rebuilt from x and the kept statistics as a Var with Normalize's
// backward.
func layerNormGrad[T tensor.Float](x, w, g *Var[T], mean, inv []float64, need []bool) []*Var[T] {
	axes := make([]int, len(w.Shape()))
	for i := range axes {
		axes[i] = len(x.Shape()) - len(axes) + i
	}
	l := newNormLayout(x.Shape(), axes)
	d := l.divisor(false)
	y := normalizedVar(x, normalizedRows(x.Value, mean, inv), inv, l, d)
	grads := make([]*Var[T], 3)
	if need[0] {
		grads[0] = normalizeGrad(x, y, Mul(g, w), inv, l, d)
	}
	if need[1] {
		grads[1] = SumTo(Mul(g, y), w.Shape())
	}
	if need[2] {
		grads[2] = SumTo(g, w.Shape())
	}
	return grads
}

// normalizedRows is y = (x - mean) inv, row by row.
func normalizedRows[T tensor.Float](x *tensor.Tensor[T], mean, inv []float64) *tensor.Tensor[T] {
	y := tensor.New[T](x.Shape()...)
	cols := x.Len() / max(len(mean), 1)
	xd, yd := x.Data(), y.Data()
	for r := range mean {
		normalizeRow(yd[r*cols:(r+1)*cols], xd[r*cols:(r+1)*cols], mean[r], inv[r])
	}
	return y
}

// layerNormForward returns the output and each row's mean and 1/sigma
// (two passes for the statistics, as Normalize, and one that writes).
func layerNormForward[T tensor.Float](x, w, b *tensor.Tensor[T], cols int, eps float64) (*tensor.Tensor[T], []float64, []float64) {
	out := tensor.New[T](x.Shape()...)
	rows := x.Len() / max(cols, 1)
	mean, inv := make([]float64, rows), make([]float64, rows)
	xd, od := x.Data(), out.Data()
	wf, bf := float64s(w.Data()), float64s(b.Data())
	parallel.For(rows, 4*cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs := xd[r*cols : (r+1)*cols]
			m := sumRow(xs) / float64(cols)
			s := 1 / math.Sqrt(sumSquaredDeviations(xs, m)/float64(cols)+eps)
			mean[r], inv[r] = m, s
			affineRow(od[r*cols:(r+1)*cols], xs, wf, bf, m, s)
		}
	})
	return out, mean, inv
}

// layerNormChunk is the number of rows whose weight and bias gradients
// are summed together: fixed, so that the partial sums, and the order
// they are added in, do not depend on the number of workers.
const layerNormChunk = 256

// layerNormBackward returns the gradients of x (nil unless wantX), w and
// b as constants.
func layerNormBackward[T tensor.Float](x, w, g *tensor.Tensor[T], mean, inv []float64, wantX bool) []*Var[T] {
	cols, rows := w.Len(), len(mean)
	var dx *tensor.Tensor[T]
	var dxd []T
	if wantX {
		dx = tensor.New[T](x.Shape()...)
		dxd = dx.Data()
	}
	xd, gd, wf := x.Data(), g.Data(), float64s(w.Data())
	chunks := (rows + layerNormChunk - 1) / layerNormChunk
	partial := make([]float64, chunks*2*cols) // per chunk: dw, then db
	parallel.For(chunks, 3*layerNormChunk*cols, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			acc := partial[c*2*cols : (c+1)*2*cols]
			for r := c * layerNormChunk; r < min((c+1)*layerNormChunk, rows); r++ {
				var dxRow []T
				if wantX {
					dxRow = dxd[r*cols : (r+1)*cols]
				}
				layerNormRowGrad(dxRow, xd[r*cols:(r+1)*cols], gd[r*cols:(r+1)*cols], wf, mean[r], inv[r], acc)
			}
		}
	})
	dw, db := tensor.New[T](w.Shape()...), tensor.New[T](w.Shape()...)
	sumChunks(dw.Data(), db.Data(), partial, chunks)
	grads := vars(nil, Const(dw), Const(db))
	if wantX {
		grads[0] = Const(dx)
	}
	return grads
}

// layerNormRowGrad adds g y and g of one row to acc (dw, then db) and, if
// dx is not nil, writes the row's input gradient.
func layerNormRowGrad[T tensor.Float](dx, xs, gs []T, w []float64, m, inv float64, acc []float64) {
	n := len(xs)
	gs, w = gs[:n], w[:n]
	dw, db := acc[:n], acc[n:2*n]
	var sgw, sgwy float64
	for k, v := range xs {
		y := (float64(v) - m) * inv
		g := float64(gs[k])
		dw[k] += g * y
		db[k] += g
		gw := g * w[k]
		sgw += gw
		sgwy += gw * y
	}
	if dx == nil {
		return
	}
	dx = dx[:n]
	a, b := sgw/float64(n), sgwy/float64(n)
	for k, v := range xs {
		y := (float64(v) - m) * inv
		dx[k] = T((float64(gs[k])*w[k] - a - y*b) * inv)
	}
}

// sumChunks adds the chunks' partial dw and db in chunk order.
func sumChunks[T tensor.Float](dw, db []T, partial []float64, chunks int) {
	cols := len(dw)
	for k := range dw {
		var sw, sb float64
		for c := 0; c < chunks; c++ {
			sw += partial[c*2*cols+k]
			sb += partial[c*2*cols+cols+k]
		}
		dw[k], db[k] = T(sw), T(sb)
	}
}

// affineRow writes dst = (src - m) inv w + b.
func affineRow[T tensor.Float](dst, src []T, w, b []float64, m, inv float64) {
	n := len(src)
	dst, w, b = dst[:n], w[:n], b[:n]
	for k, v := range src {
		dst[k] = T((float64(v)-m)*inv*w[k] + b[k])
	}
}

func float64s[T tensor.Float](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
