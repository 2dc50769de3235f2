package autograd

import (
	"math"
	"slices"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// Normalize returns y = (x - mean) / sqrt(var + eps), the mean and the
// variance taken over axes (nil: all) for each group of entries that share
// their indices on the other axes: LayerNorm's statistics over the last
// axes, GroupNorm's and InstanceNorm's over the grid, with channels first
// or last. The variance is the biased one, divided by the group's size n
// (PyTorch's norm layers), or with unbiased the sample variance, divided
// by d = n - 1 (torch.var; by n when n is 1).
//
// It is one op on the tape, computed by one fused kernel (statistics in
// float64) that keeps y and 1/sigma per group for the backward pass,
//
//	dx = (g - mean(g) - y mean(g y) n/d) / sigma,
//
// which is one fused kernel as well without createGraph; with createGraph
// it is made of Var ops, so it can be differentiated again.
func Normalize[T tensor.Float](x *Var[T], axes []int, eps float64, unbiased bool) *Var[T] {
	if x.Value.Len() == 0 {
		shape := x.Shape()
		return record(tensor.New[T](shape...), "normalize", vars(x), func(g *Var[T]) []*Var[T] {
			return vars(Const(tensor.New[T](shape...)))
		})
	}
	l := newNormLayout(x.Shape(), axes)
	d := l.divisor(unbiased)
	y, inv := normalizeForward(x.Value, l, eps, d)
	return normalizedVar(x, y, inv, l, d)
}

// normalizedVar records y, the normalisation of x with 1/sigma inv per
// group, with Normalize's backward.
func normalizedVar[T tensor.Float](x *Var[T], y *tensor.Tensor[T], inv []float64, l *normLayout, d float64) *Var[T] {
	var out *Var[T]
	out = record(y, "normalize", vars(x), func(g *Var[T]) []*Var[T] {
		if !GradEnabled() {
			return vars(Const(normalizeBackward(g.Value, y, inv, l, d)))
		}
		return vars(normalizeGrad(x, out, g, inv, l, d))
	})
	return out
}

// normalizeGrad is Normalize's backward made of Var ops (createGraph):
// (g - mean(g) - y sum(g y)/d) r, with r = 1/sigma a Var of x as well.
func normalizeGrad[T tensor.Float](x, y, g *Var[T], inv []float64, l *normLayout, d float64) *Var[T] {
	r := invSigma(x, y, inv, l, d)
	gMean := MeanAxes(g, l.axes, true)
	gyMean := Scale(SumAxes(Mul(g, y), l.axes, true), T(1/d))
	return Mul(Sub(Sub(g, gMean), Mul(y, gyMean)), r)
}

// invSigma is r = (var + eps)^(-1/2) per group (the value the forward
// pass kept) as a Var of x, for the composed backward. Its derivative is
// dr/dx_j = -r^2 y_j / d.
func invSigma[T tensor.Float](x, y *Var[T], inv []float64, l *normLayout, d float64) *Var[T] {
	value := tensor.New[T](l.statShape...)
	for i, v := range inv {
		value.Data()[i] = T(v)
	}
	var r *Var[T]
	r = record(value, "normalize_inv_sigma", vars(x), func(g *Var[T]) []*Var[T] {
		return vars(Mul(y, Scale(Mul(Mul(r, r), g), T(-1/d))))
	})
	readsInBackward(r, y.Value)
	return r
}

// normLayout describes how a contiguous tensor splits into the groups of
// a normalisation. Axes of size 1 are dropped and neighbouring axes of the
// same kind (reduced or kept) merged, so any set of axes becomes a
// sequence of blocks: a leading kept block of independent slabs (run in
// parallel), then the blocks of one slab, the last of which are its rows.
// LayerNorm is slabs of one row; channels-last InstanceNorm slabs of
// [grid, channels]; a channels-last GroupNorm slabs of [grid, groups,
// channels per group].
type normLayout struct {
	axes       []int // as given, for the composed backward
	statShape  []int // x's shape with the reduced axes as 1
	n          int   // entries per group
	slabs      int   // slabs (the leading kept block)
	slabLen    int   // entries per slab
	groups     int   // groups per slab
	rowLen     int   // entries per row (the slab's last block)
	rowReduced bool  // a row lies in one group; else entry k of row r is in group rowGroup[r] + k
	rowGroup   []int // the (first) group of each row of a slab
}

// normBlock is a run of merged axes, all reduced or all kept.
type normBlock struct {
	size    int
	reduced bool
}

func newNormLayout(shape, axes []int) *normLayout {
	l := &normLayout{axes: slices.Clone(axes), // nil (every axis) stays nil, empty (no axis) stays empty
		statShape: tensor.ReducedShape(shape, axes, true), n: 1, slabs: 1, slabLen: 1, groups: 1}
	var blocks []normBlock
	for i, s := range shape {
		if s == 1 {
			continue
		}
		reduced := l.statShape[i] == 1
		if reduced {
			l.n *= s
		}
		if k := len(blocks) - 1; k >= 0 && blocks[k].reduced == reduced {
			blocks[k].size *= s
		} else {
			blocks = append(blocks, normBlock{size: s, reduced: reduced})
		}
	}
	if len(blocks) > 0 && !blocks[0].reduced {
		l.slabs = blocks[0].size
		blocks = blocks[1:]
	}
	if len(blocks) == 0 { // nothing to reduce: groups of one entry
		blocks = []normBlock{{size: 1, reduced: true}}
	}
	for _, b := range blocks {
		l.slabLen *= b.size
		if !b.reduced {
			l.groups *= b.size
		}
	}
	last := blocks[len(blocks)-1]
	l.rowLen, l.rowReduced = last.size, last.reduced
	l.rowGroup = firstGroups(blocks)
	return l
}

// firstGroups returns the group of the first entry of each row of a slab
// made of blocks (rows: the last block), groups numbered row-major over
// the kept blocks.
func firstGroups(blocks []normBlock) []int {
	stride := make([]int, len(blocks)) // 0 for reduced blocks
	s := 1
	for i := len(blocks) - 1; i >= 0; i-- {
		if !blocks[i].reduced {
			stride[i] = s
			s *= blocks[i].size
		}
	}
	outer := blocks[:len(blocks)-1]
	rows := 1
	for _, b := range outer {
		rows *= b.size
	}
	first := make([]int, rows)
	for r := range first {
		rem, g := r, 0
		for i := len(outer) - 1; i >= 0; i-- {
			g += rem % outer[i].size * stride[i]
			rem /= outer[i].size
		}
		first[r] = g
	}
	return first
}

// divisor is the variance's divisor d: n, or n - 1 if unbiased and n > 1.
func (l *normLayout) divisor(unbiased bool) float64 {
	if unbiased && l.n > 1 {
		return float64(l.n - 1)
	}
	return float64(l.n)
}

// normalizeForward returns y and 1/sigma of every group (row-major over
// the kept axes; d divides the sum of squared deviations). Per slab: a
// pass for the means, one for the squared deviations from them (two
// passes, as accurate as the composed ops) and one that writes y.
func normalizeForward[T tensor.Float](x *tensor.Tensor[T], l *normLayout, eps, d float64) (*tensor.Tensor[T], []float64) {
	y := tensor.New[T](x.Shape()...)
	mean := make([]float64, l.slabs*l.groups)
	inv := make([]float64, l.slabs*l.groups)
	xd, yd := x.Data(), y.Data()
	parallel.For(l.slabs, 3*l.slabLen, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			xs, ys := xd[s*l.slabLen:(s+1)*l.slabLen], yd[s*l.slabLen:(s+1)*l.slabLen]
			m, r := mean[s*l.groups:(s+1)*l.groups], inv[s*l.groups:(s+1)*l.groups]
			groupSums(l, xs, m)
			for g := range m {
				m[g] /= float64(l.n)
			}
			groupSquaredDeviations(l, xs, m, r)
			for g, v := range r {
				r[g] = 1 / math.Sqrt(v/d+eps)
			}
			writeNormalized(l, ys, xs, m, r)
		}
	})
	return y, inv
}

// normalizeBackward is the first-order backward kernel: per slab, a pass
// for the sums of g and g y per group and one that writes
// dx = (g - sum(g)/n - y sum(g y)/d) r.
func normalizeBackward[T tensor.Float](g, y *tensor.Tensor[T], inv []float64, l *normLayout, d float64) *tensor.Tensor[T] {
	dx := tensor.New[T](g.Shape()...)
	gMean := make([]float64, len(inv))
	gyScaled := make([]float64, len(inv))
	gd, yd, dxd := g.Data(), y.Data(), dx.Data()
	parallel.For(l.slabs, 2*l.slabLen, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			gs, ys, dxs := gd[s*l.slabLen:(s+1)*l.slabLen], yd[s*l.slabLen:(s+1)*l.slabLen], dxd[s*l.slabLen:(s+1)*l.slabLen]
			a, b, r := gMean[s*l.groups:(s+1)*l.groups], gyScaled[s*l.groups:(s+1)*l.groups], inv[s*l.groups:(s+1)*l.groups]
			groupGradSums(l, gs, ys, a, b)
			for k := range a {
				a[k] /= float64(l.n)
				b[k] /= d
			}
			writeGrad(l, dxs, gs, ys, a, b, r)
		}
	})
	return dx
}

// The slab kernels below visit the rows of a slab: a row of a reduced
// block adds to (or reads) one group's statistic, a row of a kept block
// one statistic per entry.

// groupSums adds the entries of each group of the slab src to acc.
func groupSums[T tensor.Float](l *normLayout, src []T, acc []float64) {
	n := l.rowLen
	for r, g := range l.rowGroup {
		row := src[r*n : (r+1)*n]
		if l.rowReduced {
			acc[g] += sumRow(row)
		} else {
			addRow(acc[g:g+n], row)
		}
	}
}

// groupSquaredDeviations adds (x - mean)^2 of each group to acc.
func groupSquaredDeviations[T tensor.Float](l *normLayout, src []T, mean, acc []float64) {
	n := l.rowLen
	for r, g := range l.rowGroup {
		row := src[r*n : (r+1)*n]
		if l.rowReduced {
			acc[g] += sumSquaredDeviations(row, mean[g])
		} else {
			addSquaredDeviations(acc[g:g+n], row, mean[g:g+n])
		}
	}
}

// writeNormalized writes dst = (src - mean) inv.
func writeNormalized[T tensor.Float](l *normLayout, dst, src []T, mean, inv []float64) {
	n := l.rowLen
	for r, g := range l.rowGroup {
		lo, hi := r*n, (r+1)*n
		if l.rowReduced {
			normalizeRow(dst[lo:hi], src[lo:hi], mean[g], inv[g])
		} else {
			normalizeEntries(dst[lo:hi], src[lo:hi], mean[g:g+n], inv[g:g+n])
		}
	}
}

// groupGradSums adds g and g y of each group to sg and sgy.
func groupGradSums[T tensor.Float](l *normLayout, gs, ys []T, sg, sgy []float64) {
	n := l.rowLen
	for r, g := range l.rowGroup {
		lo, hi := r*n, (r+1)*n
		if l.rowReduced {
			a, b := gradSumsRow(gs[lo:hi], ys[lo:hi])
			sg[g] += a
			sgy[g] += b
		} else {
			addGradSums(sg[g:g+n], sgy[g:g+n], gs[lo:hi], ys[lo:hi])
		}
	}
}

// writeGrad writes dx = (g - a - y b) inv.
func writeGrad[T tensor.Float](l *normLayout, dx, gs, ys []T, a, b, inv []float64) {
	n := l.rowLen
	for r, g := range l.rowGroup {
		lo, hi := r*n, (r+1)*n
		if l.rowReduced {
			gradRow(dx[lo:hi], gs[lo:hi], ys[lo:hi], a[g], b[g], inv[g])
		} else {
			gradEntries(dx[lo:hi], gs[lo:hi], ys[lo:hi], a[g:g+n], b[g:g+n], inv[g:g+n])
		}
	}
}

// sumRow sums a row in float64 with four partial sums (independent
// additions pipeline).
func sumRow[T tensor.Float](row []T) float64 {
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(row); k += 4 {
		q := row[k : k+4 : k+4]
		s0 += float64(q[0])
		s1 += float64(q[1])
		s2 += float64(q[2])
		s3 += float64(q[3])
	}
	for ; k < len(row); k++ {
		s0 += float64(row[k])
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSquaredDeviations is the sum of (v - m)^2 over a row.
func sumSquaredDeviations[T tensor.Float](row []T, m float64) float64 {
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(row); k += 4 {
		q := row[k : k+4 : k+4]
		d0, d1, d2, d3 := float64(q[0])-m, float64(q[1])-m, float64(q[2])-m, float64(q[3])-m
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; k < len(row); k++ {
		d := float64(row[k]) - m
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// gradSumsRow returns the sums of g and g y over a row.
func gradSumsRow[T tensor.Float](gs, ys []T) (sg, sgy float64) {
	var a0, a1, b0, b1 float64
	ys = ys[:len(gs)]
	k := 0
	for ; k+2 <= len(gs); k += 2 {
		g0, g1 := float64(gs[k]), float64(gs[k+1])
		a0 += g0
		a1 += g1
		b0 += g0 * float64(ys[k])
		b1 += g1 * float64(ys[k+1])
	}
	for ; k < len(gs); k++ {
		a0 += float64(gs[k])
		b0 += float64(gs[k]) * float64(ys[k])
	}
	return a0 + a1, b0 + b1
}

func addRow[T tensor.Float](acc []float64, row []T) {
	acc = acc[:len(row)]
	for k, v := range row {
		acc[k] += float64(v)
	}
}

func addSquaredDeviations[T tensor.Float](acc []float64, row []T, mean []float64) {
	acc, mean = acc[:len(row)], mean[:len(row)]
	for k, v := range row {
		d := float64(v) - mean[k]
		acc[k] += d * d
	}
}

func addGradSums[T tensor.Float](sg, sgy []float64, gs, ys []T) {
	sg, sgy, ys = sg[:len(gs)], sgy[:len(gs)], ys[:len(gs)]
	for k, v := range gs {
		g := float64(v)
		sg[k] += g
		sgy[k] += g * float64(ys[k])
	}
}

func normalizeRow[T tensor.Float](dst, src []T, m, inv float64) {
	dst = dst[:len(src)]
	for k, v := range src {
		dst[k] = T((float64(v) - m) * inv)
	}
}

func normalizeEntries[T tensor.Float](dst, src []T, mean, inv []float64) {
	dst, mean, inv = dst[:len(src)], mean[:len(src)], inv[:len(src)]
	for k, v := range src {
		dst[k] = T((float64(v) - mean[k]) * inv[k])
	}
}

func gradRow[T tensor.Float](dx, gs, ys []T, a, b, inv float64) {
	dx, ys = dx[:len(gs)], ys[:len(gs)]
	for k, g := range gs {
		dx[k] = T((float64(g) - a - float64(ys[k])*b) * inv)
	}
}

func gradEntries[T tensor.Float](dx, gs, ys []T, a, b, inv []float64) {
	n := len(gs)
	dx, ys, a, b, inv = dx[:n], ys[:n], a[:n], b[:n], inv[:n]
	for k, g := range gs {
		dx[k] = T((float64(g) - a[k] - float64(ys[k])*b[k]) * inv[k])
	}
}
