package tensor

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// naiveSegmentSum is the explicit loop SegmentSum must reproduce.
func naiveSegmentSum[T Float](t *Tensor[T], offsets []int) *Tensor[T] {
	inner := 1
	for _, d := range t.shape[1:] {
		inner *= d
	}
	shape := cloneInts(t.shape)
	shape[0] = len(offsets) - 1
	out := New[T](shape...)
	for s := 0; s+1 < len(offsets); s++ {
		for e := offsets[s]; e < offsets[s+1]; e++ {
			for j := 0; j < inner; j++ {
				out.data[s*inner+j] += t.data[e*inner+j]
			}
		}
	}
	return out
}

// randomOffsets draws S segments with 0..maxLen rows each (some empty).
func randomOffsets(r *RNG, s, maxLen int) []int {
	off := make([]int, s+1)
	for i := 0; i < s; i++ {
		off[i+1] = off[i] + int(r.Uint64()%uint64(maxLen+1))
	}
	return off
}

// randomStencil draws a stencil with repeated and unreferenced sources.
func randomStencil[T Float](r *RNG, m, k, n int) *Stencil[T] {
	st := &Stencil[T]{Idx: make([]int32, m*k), W: make([]T, m*k), K: k, N: n}
	for j := range st.Idx {
		st.Idx[j] = int32(r.Uint64() % uint64(n))
		st.W[j] = T(r.Normal())
	}
	return st
}

// dot returns <a, b> in float64.
func dot[T Float](a, b *Tensor[T]) float64 {
	s := 0.0
	for i, v := range a.data {
		s += float64(v) * float64(b.data[i])
	}
	return s
}

func bitwiseEqual[T Float](a, b *Tensor[T]) bool {
	if !SameShape(a.shape, b.shape) {
		return false
	}
	for i, v := range a.data {
		if math.Float64bits(float64(v)) != math.Float64bits(float64(b.data[i])) {
			return false
		}
	}
	return true
}

var segmentCases = []struct {
	name    string
	rest    []int // trailing shape after the edge axis
	offsets []int
}{
	{"vector", nil, []int{0, 2, 5, 6}},
	{"empty segments", []int{3}, []int{0, 0, 3, 3, 3, 7, 7}},
	{"all in one", []int{2}, []int{0, 5}},
	{"rank 3", []int{2, 3}, []int{0, 1, 1, 4, 9}},
	{"no segments", []int{4}, []int{0}},
	{"no edges", []int{4}, []int{0, 0, 0}},
}

func testSegmentSum[T Float](t *testing.T) {
	r := NewRNG(11)
	for _, c := range segmentCases {
		t.Run(c.name, func(t *testing.T) {
			e := c.offsets[len(c.offsets)-1]
			x := RandN[T](r, append([]int{e}, c.rest...)...)
			got := SegmentSum(x, c.offsets)
			want := naiveSegmentSum(x, c.offsets)
			if !bitwiseEqual(got, want) {
				t.Fatalf("SegmentSum %v != loop %v", got.data, want.data)
			}
			// RepeatSegments: row s of b on every row of segment s.
			b := RandN[T](r, append([]int{len(c.offsets) - 1}, c.rest...)...)
			rep := RepeatSegments(b, c.offsets)
			if !SameShape(rep.shape, x.shape) {
				t.Fatalf("RepeatSegments shape %v, want %v", rep.shape, x.shape)
			}
			inner := x.Len() / max(e, 1)
			for s := 0; s+1 < len(c.offsets); s++ {
				for ed := c.offsets[s]; ed < c.offsets[s+1]; ed++ {
					for j := 0; j < inner; j++ {
						if rep.data[ed*inner+j] != b.data[s*inner+j] {
							t.Fatalf("RepeatSegments row %d differs from segment %d", ed, s)
						}
					}
				}
			}
			// Adjointness: <SegmentSum(x), b> = <x, RepeatSegments(b)>.
			lhs, rhs := dot(got, b), dot(x, rep)
			tol := 1e-12
			if _, ok := any(T(0)).(float32); ok {
				tol = 1e-5
			}
			if math.Abs(lhs-rhs) > tol*math.Max(1, math.Abs(lhs)) {
				t.Fatalf("<Sx, b> = %.17g, <x, S^T b> = %.17g", lhs, rhs)
			}
		})
	}
}

func TestSegmentSum(t *testing.T) {
	t.Run("float64", testSegmentSum[float64])
	t.Run("float32", testSegmentSum[float32])
}

func TestSegmentOffsetsPanic(t *testing.T) {
	x := New[float64](4, 2)
	cases := []struct {
		name    string
		offsets []int
		want    string
	}{
		{"empty", nil, "empty offsets"},
		{"not at zero", []int{1, 4}, "start at 1"},
		{"decreasing", []int{0, 3, 2, 4}, "decrease"},
		{"short", []int{0, 2, 3}, "end at 3"},
		{"long", []int{0, 2, 5}, "end at 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(fmt.Sprint(p), c.want) {
					t.Fatalf("panic %v, want one mentioning %q", p, c.want)
				}
			}()
			SegmentSum(x, c.offsets)
		})
	}
	t.Run("repeat count", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("RepeatSegments of 4 rows with 3 offsets did not panic")
			}
		}()
		RepeatSegments(x, []int{0, 1, 2})
	})
}

// denseStencil writes the stencil as an M x N matrix.
func denseStencil[T Float](st *Stencil[T]) *Tensor[T] {
	a := New[T](st.M(), st.N)
	for j, i := range st.Idx {
		a.data[(j/st.K)*st.N+int(i)] += st.W[j]
	}
	return a
}

func testStencil[T Float](t *testing.T, tol float64) {
	r := NewRNG(23)
	cases := []struct {
		name    string
		m, k, n int
		rest    []int
	}{
		{"vector", 7, 3, 5, nil},
		{"channels", 11, 4, 6, []int{3}},
		{"rank 3", 5, 2, 9, []int{2, 3}},
		{"one entry", 4, 1, 4, []int{2}},
		{"no targets", 0, 3, 4, []int{2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := randomStencil[T](r, c.m, c.k, c.n)
			if err := st.Validate(); err != nil {
				t.Fatal(err)
			}
			x := RandN[T](r, append([]int{c.n}, c.rest...)...)
			y := RandN[T](r, append([]int{c.m}, c.rest...)...)
			ax, aty := ApplyStencil(st, x), ApplyStencilT(st, y)
			inner := 1
			for _, d := range c.rest {
				inner *= d
			}
			// Dense products: A x and A^T y with rows flattened.
			a := denseStencil(st)
			x2, y2 := x.Reshape(c.n, inner), y.Reshape(c.m, inner)
			wantAx := MatMul(a, x2, false, false)
			wantATy := MatMul(a, y2, true, false)
			if d := maxDiff(Convert[float64](ax.Reshape(c.m, inner)), Convert[float64](wantAx)); d > tol {
				t.Fatalf("A x differs from the dense product by %g", d)
			}
			if d := maxDiff(Convert[float64](aty.Reshape(c.n, inner)), Convert[float64](wantATy)); d > tol {
				t.Fatalf("A^T y differs from the dense product by %g", d)
			}
			lhs, rhs := dot(ax, y), dot(x, aty)
			if math.Abs(lhs-rhs) > tol*math.Max(1, math.Abs(lhs)) {
				t.Fatalf("<A x, y> = %.17g, <x, A^T y> = %.17g", lhs, rhs)
			}
		})
	}
}

func TestStencil(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testStencil[float64](t, 1e-12) })
	t.Run("float32", func(t *testing.T) { testStencil[float32](t, 1e-5) })
}

// TestStencilTransposeIsSerialScatter: ApplyStencilT sums each source row
// in entry order, so it is the serial scatter loop bit for bit.
func TestStencilTransposeIsSerialScatter(t *testing.T) {
	r := NewRNG(5)
	st := randomStencil[float32](r, 50, 4, 13)
	y := RandN[float32](r, 50, 3)
	want := New[float32](13, 3)
	for j, i := range st.Idx {
		m := j / st.K
		for c := 0; c < 3; c++ {
			want.data[int(i)*3+c] += st.W[j] * y.data[m*3+c]
		}
	}
	if got := ApplyStencilT(st, y); !bitwiseEqual(got, want) {
		t.Fatal("ApplyStencilT differs from the serial scatter loop")
	}
}

func TestStencilValidate(t *testing.T) {
	good := func() *Stencil[float64] {
		return &Stencil[float64]{Idx: []int32{0, 1, 2, 1}, W: []float64{1, 2, 3, 4}, K: 2, N: 3}
	}
	cases := []struct {
		name string
		edit func(st *Stencil[float64])
		want string
	}{
		{"ok", func(st *Stencil[float64]) {}, ""},
		{"K zero", func(st *Stencil[float64]) { st.K = 0 }, "K = 0"},
		{"N negative", func(st *Stencil[float64]) { st.N = -1 }, "N = -1"},
		{"lengths", func(st *Stencil[float64]) { st.W = st.W[:3] }, "4 indices and 3 weights"},
		{"not multiple of K", func(st *Stencil[float64]) { st.K = 3 }, "not a multiple"},
		{"index too large", func(st *Stencil[float64]) { st.Idx[3] = 3 }, "source row 3"},
		{"index negative", func(st *Stencil[float64]) { st.Idx[0] = -1 }, "source row -1"},
		{"NaN weight", func(st *Stencil[float64]) { st.W[2] = math.NaN() }, "NaN"},
		{"Inf weight", func(st *Stencil[float64]) { st.W[1] = math.Inf(-1) }, "-Inf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := good()
			c.edit(st)
			err := st.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate: %v, want an error mentioning %q", err, c.want)
			}
			defer func() {
				if recover() == nil {
					t.Fatal("ApplyStencil of an invalid stencil did not panic")
				}
			}()
			ApplyStencil(st, New[float64](3, 2))
		})
	}
	t.Run("rows", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("ApplyStencilT with the wrong number of rows did not panic")
			}
		}()
		ApplyStencilT(good(), New[float64](3, 2))
	})
}

// TestGraphKernelsWorkerIndependent: results are bitwise the same with 1
// and 4 workers (sizes large enough that parallel.For splits).
func TestGraphKernelsWorkerIndependent(t *testing.T) {
	r := NewRNG(31)
	off := randomOffsets(r, 3000, 12)
	e := off[len(off)-1]
	x64 := RandN[float64](r, e, 8)
	s64 := RandN[float64](r, 3000, 8)
	st64 := randomStencil[float64](r, 4000, 4, 1500)
	xs64, ys64 := RandN[float64](r, 1500, 8), RandN[float64](r, 4000, 8)
	run := func(workers int) [8]any {
		defer parallel.SetWorkers(parallel.SetWorkers(workers))
		st32 := &Stencil[float32]{Idx: st64.Idx, W: Convert[float32](FromSlice(st64.W, len(st64.W))).data, K: st64.K, N: st64.N}
		return [8]any{
			SegmentSum(x64, off), SegmentSum(Convert[float32](x64), off),
			RepeatSegments(s64, off), RepeatSegments(Convert[float32](s64), off),
			ApplyStencil(st64, xs64), ApplyStencil(st32, Convert[float32](xs64)),
			ApplyStencilT(st64, ys64), ApplyStencilT(st32, Convert[float32](ys64)),
		}
	}
	one, four := run(1), run(4)
	for i := range one {
		var same bool
		switch a := one[i].(type) {
		case *Tensor[float64]:
			same = bitwiseEqual(a, four[i].(*Tensor[float64]))
		case *Tensor[float32]:
			same = bitwiseEqual(a, four[i].(*Tensor[float32]))
		}
		if !same {
			t.Errorf("result %d differs between 1 and 4 workers", i)
		}
	}
}

// TestStencilConcurrentTranspose: the first ApplyStencilT calls race to
// build the transposed structure; sync.Once makes them agree (run with
// -race to check).
func TestStencilConcurrentTranspose(t *testing.T) {
	r := NewRNG(41)
	st := randomStencil[float64](r, 300, 3, 100)
	y := RandN[float64](r, 300, 2)
	want := New[float64](100, 2)
	for j, i := range st.Idx {
		for c := 0; c < 2; c++ {
			want.data[int(i)*2+c] += st.W[j] * y.data[(j/st.K)*2+c]
		}
	}
	var wg sync.WaitGroup
	got := make([]*Tensor[float64], 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[g] = ApplyStencilT(st, y)
		}()
	}
	wg.Wait()
	for g := range got {
		if !bitwiseEqual(got[g], want) {
			t.Fatalf("goroutine %d: wrong transpose", g)
		}
	}
}

// benchEdges: 100k edges sorted by receiver over 10k nodes, 64 channels,
// float32 (the size of a GNS message-passing step on a small scene).
func benchEdges() (*Tensor[float32], []int, []int) {
	r := NewRNG(7)
	const nodes, edges, ch = 10000, 100000, 64
	recv := make([]int, edges)
	for i := range recv {
		recv[i] = int(r.Uint64() % nodes)
	}
	// Sort by counting.
	off := make([]int, nodes+1)
	for _, v := range recv {
		off[v+1]++
	}
	for i := 0; i < nodes; i++ {
		off[i+1] += off[i]
	}
	for v := 0; v < nodes; v++ {
		for e := off[v]; e < off[v+1]; e++ {
			recv[e] = v
		}
	}
	return RandN[float32](r, edges, ch), recv, off
}

func BenchmarkSegmentSum(b *testing.B) {
	x, _, off := benchEdges()
	b.SetBytes(int64(x.Len() * 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		SegmentSum(x, off)
	}
}

func BenchmarkScatterAdd(b *testing.B) {
	x, recv, off := benchEdges()
	b.SetBytes(int64(x.Len() * 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ScatterAdd(x, 0, recv, len(off)-1)
	}
}
