package tensor

import (
	"fmt"
	"math"
	"sync"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// Segments and stencils: the gather/scatter steps of graph networks and
// particle-grid transfers, written so that every output row is produced by
// one worker in a fixed order. Results are therefore bitwise the same for
// any number of workers.

// checkOffsets panics unless offsets is a CSR offset array over e rows:
// at least one entry, starting at 0, non-decreasing, ending at e.
func checkOffsets(op string, offsets []int, e int) {
	if len(offsets) == 0 {
		panic(fmt.Sprintf("tensor: %s: empty offsets (need S+1 entries)", op))
	}
	if offsets[0] != 0 {
		panic(fmt.Sprintf("tensor: %s: offsets start at %d, not 0", op, offsets[0]))
	}
	for s := 1; s < len(offsets); s++ {
		if offsets[s] < offsets[s-1] {
			panic(fmt.Sprintf("tensor: %s: offsets decrease at segment %d (%d < %d)", op, s-1, offsets[s], offsets[s-1]))
		}
	}
	if last := offsets[len(offsets)-1]; last != e {
		panic(fmt.Sprintf("tensor: %s: offsets end at %d, but there are %d rows", op, last, e))
	}
}

// rowsOf splits shape into its leading length and the size of one row.
func rowsOf(op string, shape []int) (n, inner int) {
	if len(shape) == 0 {
		panic(fmt.Sprintf("tensor: %s of a rank-0 tensor", op))
	}
	inner = 1
	for _, d := range shape[1:] {
		inner *= d
	}
	return shape[0], inner
}

// SegmentSum sums consecutive row ranges of t ([E, ...]) into an [S, ...]
// result: out[s] = sum_{e = offsets[s]}^{offsets[s+1]-1} t[e], with
// S = len(offsets)-1 (CSR offsets; an empty range gives a zero row). It is
// ScatterAdd along axis 0 for edges sorted by receiver, and the fast path
// for it: ScatterAdd's axis-0 loop is serial (two edges may hit the same
// row), while SegmentSum runs segments in parallel, each summed in edge
// order. Bad offsets (not starting at 0, decreasing, not ending at E) are
// programmer errors and panic.
func SegmentSum[T Float](t *Tensor[T], offsets []int) *Tensor[T] {
	e, inner := rowsOf("SegmentSum", t.shape)
	checkOffsets("SegmentSum", offsets, e)
	s := len(offsets) - 1
	shape := cloneInts(t.shape)
	shape[0] = s
	out := New[T](shape...)
	cost := inner
	if s > 0 {
		cost = max(1, e/s) * inner
	}
	parallel.For(s, cost, func(lo, hi int) {
		for seg := lo; seg < hi; seg++ {
			d := out.data[seg*inner : (seg+1)*inner]
			for r := offsets[seg]; r < offsets[seg+1]; r++ {
				src := t.data[r*inner : (r+1)*inner]
				for j, v := range src {
					d[j] += v
				}
			}
		}
	})
	return out
}

// RepeatSegments is SegmentSum's adjoint: row s of t ([S, ...]) is copied
// to rows offsets[s] .. offsets[s+1]-1 of an [E, ...] result, E =
// offsets[S]. It equals Gather along axis 0 with the segment of every row
// as index. len(offsets) must be S+1.
func RepeatSegments[T Float](t *Tensor[T], offsets []int) *Tensor[T] {
	s, inner := rowsOf("RepeatSegments", t.shape)
	if len(offsets) != s+1 {
		panic(fmt.Sprintf("tensor: RepeatSegments of %d rows with %d offsets (need %d)", s, len(offsets), s+1))
	}
	e := offsets[len(offsets)-1]
	checkOffsets("RepeatSegments", offsets, e)
	shape := cloneInts(t.shape)
	shape[0] = e
	out := New[T](shape...)
	cost := inner
	if s > 0 {
		cost = max(1, e/s) * inner
	}
	parallel.For(s, cost, func(lo, hi int) {
		for seg := lo; seg < hi; seg++ {
			src := t.data[seg*inner : (seg+1)*inner]
			for r := offsets[seg]; r < offsets[seg+1]; r++ {
				copy(out.data[r*inner:(r+1)*inner], src)
			}
		}
	})
	return out
}

// Stencil is a fixed sparse linear map from N source rows to M target
// rows with K entries per target: target m reads source rows Idx[m*K+k]
// with weights W[m*K+k], k < K. Interpolating grid values to particles
// (each particle reads its K surrounding nodes), a weighted gather and a
// fixed sparse matrix in ELL format are all stencils; ApplyStencil is the
// map ("sample") and ApplyStencilT its exact transpose ("splat").
//
// Fill the exported fields, then call Validate (constructors on user-facing
// floors do). The kernels read W on every call, so weights may change
// between calls; Idx, K and N must not change after the first
// ApplyStencilT, which caches the transposed index structure. A Stencil is
// safe for concurrent use by the kernels and must not be copied after its
// first use.
type Stencil[T Float] struct {
	Idx []int32 // M*K source rows, target-major
	W   []T     // M*K weights, aligned with Idx
	K   int     // entries per target row, >= 1
	N   int     // number of source rows

	once sync.Once
	tOff []int   // N+1 offsets into tEnt, per source row
	tEnt []int32 // entry numbers m*K+k, grouped by source row, increasing within a group
}

// M returns the number of target rows.
func (st *Stencil[T]) M() int {
	if st.K <= 0 {
		return 0
	}
	return len(st.Idx) / st.K
}

// Validate checks the stencil: K >= 1, N >= 0, len(Idx) == len(W), a
// multiple of K, every index in [0, N) and every weight finite.
func (st *Stencil[T]) Validate() error {
	if st.K < 1 {
		return fmt.Errorf("tensor: stencil has K = %d entries per target (need >= 1)", st.K)
	}
	if st.N < 0 {
		return fmt.Errorf("tensor: stencil has N = %d source rows", st.N)
	}
	if len(st.Idx) != len(st.W) {
		return fmt.Errorf("tensor: stencil has %d indices and %d weights", len(st.Idx), len(st.W))
	}
	if len(st.Idx)%st.K != 0 {
		return fmt.Errorf("tensor: stencil has %d entries, not a multiple of K = %d", len(st.Idx), st.K)
	}
	for j, i := range st.Idx {
		if i < 0 || int(i) >= st.N {
			return fmt.Errorf("tensor: stencil entry %d (target %d) indexes source row %d, out of range [0, %d)", j, j/st.K, i, st.N)
		}
	}
	for j, w := range st.W {
		if f := float64(w); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("tensor: stencil entry %d (target %d) has weight %v", j, j/st.K, w)
		}
	}
	return nil
}

// mustValid panics with Validate's message: the kernels treat a bad
// stencil as a programmer error.
func (st *Stencil[T]) mustValid(op string) {
	if err := st.Validate(); err != nil {
		panic(fmt.Sprintf("%s: %v", op, err))
	}
}

// transposed returns the cached source-major index structure: for source
// n, tEnt[tOff[n]:tOff[n+1]] lists the entries m*K+k with Idx == n in
// increasing order (a stable counting sort, so the order is fixed).
func (st *Stencil[T]) transposed() ([]int, []int32) {
	st.once.Do(func() {
		off := make([]int, st.N+1)
		for _, i := range st.Idx {
			off[i+1]++
		}
		for n := 0; n < st.N; n++ {
			off[n+1] += off[n]
		}
		ent := make([]int32, len(st.Idx))
		next := make([]int, st.N)
		copy(next, off[:st.N])
		for j, i := range st.Idx {
			ent[next[i]] = int32(j)
			next[i]++
		}
		st.tOff, st.tEnt = off, ent
	})
	return st.tOff, st.tEnt
}

// ApplyStencil maps x ([N, C...]) to [M, C...]:
// out[m] = sum_k W[m*K+k] x[Idx[m*K+k]], summed in k order, in parallel
// over m. It panics if the stencil is invalid or x has the wrong number of
// rows.
func ApplyStencil[T Float](st *Stencil[T], x *Tensor[T]) *Tensor[T] {
	st.mustValid("tensor: ApplyStencil")
	n, inner := rowsOf("ApplyStencil", x.shape)
	if n != st.N {
		panic(fmt.Sprintf("tensor: ApplyStencil: stencil reads %d source rows, x has shape %v", st.N, x.shape))
	}
	m, k := st.M(), st.K
	shape := cloneInts(x.shape)
	shape[0] = m
	out := New[T](shape...)
	parallel.For(m, 2*k*inner, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d := out.data[r*inner : (r+1)*inner]
			for j := r * k; j < (r+1)*k; j++ {
				w := st.W[j]
				src := x.data[int(st.Idx[j])*inner : (int(st.Idx[j])+1)*inner]
				for c, v := range src {
					d[c] += w * v
				}
			}
		}
	})
	return out
}

// ApplyStencilT is the exact transpose of ApplyStencil: it maps y
// ([M, C...]) to [N, C...] with out[Idx[m*K+k]] += W[m*K+k] y[m]. It runs
// in parallel over source rows using the cached transposed structure; each
// row sums its entries in increasing m*K+k order, the order of the serial
// scatter loop, so the result is that loop's, bit for bit, for any number
// of workers. It panics if the stencil is invalid or y has the wrong
// number of rows.
func ApplyStencilT[T Float](st *Stencil[T], y *Tensor[T]) *Tensor[T] {
	st.mustValid("tensor: ApplyStencilT")
	m, inner := rowsOf("ApplyStencilT", y.shape)
	if m != st.M() {
		panic(fmt.Sprintf("tensor: ApplyStencilT: stencil has %d target rows, y has shape %v", st.M(), y.shape))
	}
	off, ent := st.transposed()
	k := st.K
	shape := cloneInts(y.shape)
	shape[0] = st.N
	out := New[T](shape...)
	cost := 2 * inner
	if st.N > 0 {
		cost = max(1, len(ent)/st.N) * 2 * inner
	}
	parallel.For(st.N, cost, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			d := out.data[n*inner : (n+1)*inner]
			for _, j := range ent[off[n]:off[n+1]] {
				w := st.W[j]
				r := int(j) / k
				src := y.data[r*inner : (r+1)*inner]
				for c, v := range src {
					d[c] += w * v
				}
			}
		}
	})
	return out
}
