package tensor

import (
	"math"
	"math/cmplx"
	"slices"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

func randT(r *RNG, shape ...int) *Tensor[float64] { return RandN[float64](r, shape...) }

func maxDiff[T Float](a, b *Tensor[T]) float64 {
	if !SameShape(a.shape, b.shape) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a.data {
		d = math.Max(d, math.Abs(float64(a.data[i]-b.data[i])))
	}
	return d
}

// unravel returns the multi-index of flat position i.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
}

// naiveAt reads t at a broadcast index of the output shape.
func naiveAt(t *Tensor[float64], idx []int) float64 {
	off := len(idx) - len(t.shape)
	flat := 0
	for k, s := range t.shape {
		i := idx[k+off]
		if s == 1 {
			i = 0
		}
		flat = flat*s + i
	}
	return t.data[flat]
}

func TestBroadcastBinaryMatchesNaive(t *testing.T) {
	r := NewRNG(1)
	cases := [][2][]int{
		{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 4}, {3, 1}}, {{1, 4}, {3, 1}},
		{{2, 3, 4}, {1}}, {{}, {2, 3}}, {{2, 1, 4}, {3, 1}}, {{5, 1, 1}, {1, 6, 7}},
		{{2, 3, 1, 5}, {3, 4, 1}}, {{1}, {1}}, {{7, 1}, {1, 1}}, {{2, 0, 3}, {3}},
	}
	ops := []struct {
		name string
		f    func(a, b *Tensor[float64]) *Tensor[float64]
		ref  func(x, y float64) float64
	}{
		{"add", Add[float64], func(x, y float64) float64 { return x + y }},
		{"sub", Sub[float64], func(x, y float64) float64 { return x - y }},
		{"mul", Mul[float64], func(x, y float64) float64 { return x * y }},
		{"div", Div[float64], func(x, y float64) float64 { return x / y }},
		{"max", Maximum[float64], math.Max},
	}
	for _, c := range cases {
		a, b := randT(r, c[0]...), randT(r, c[1]...)
		for _, op := range ops {
			for _, swap := range []bool{false, true} {
				x, y := a, b
				if swap {
					x, y = b, a
				}
				got := op.f(x, y)
				want, _ := BroadcastShapes(x.shape, y.shape)
				if !SameShape(got.shape, want) {
					t.Fatalf("%s %v %v: shape %v, want %v", op.name, x.shape, y.shape, got.shape, want)
				}
				for i, v := range got.data {
					idx := unravel(i, want)
					if ref := op.ref(naiveAt(x, idx), naiveAt(y, idx)); v != ref {
						t.Fatalf("%s %v %v at %v: %v, want %v", op.name, x.shape, y.shape, idx, v, ref)
					}
				}
			}
		}
	}
	if _, err := BroadcastShapes([]int{3, 4}, []int{3}); err == nil {
		t.Fatal("shapes [3 4] and [3] broadcast")
	}
}

func TestLargeBroadcastUsesAllWorkers(t *testing.T) {
	// Large enough to be split over goroutines: results must not change.
	r := NewRNG(2)
	a, b := randT(r, 64, 33, 40), randT(r, 33, 1)
	got := Add(a, b)
	for i, v := range got.data {
		idx := unravel(i, got.shape)
		if v != naiveAt(a, idx)+naiveAt(b, idx) {
			t.Fatalf("at %v", idx)
		}
	}
}

func TestReductions(t *testing.T) {
	r := NewRNG(3)
	x := randT(r, 2, 3, 4)
	s := SumAxes(x, []int{0, 2}, false)
	if !SameShape(s.shape, []int{3}) {
		t.Fatalf("shape %v", s.shape)
	}
	for j := 0; j < 3; j++ {
		want := 0.0
		for i := 0; i < 2; i++ {
			for k := 0; k < 4; k++ {
				want += x.At(i, j, k)
			}
		}
		if math.Abs(s.data[j]-want) > 1e-12 {
			t.Fatalf("sum %d: %v, want %v", j, s.data[j], want)
		}
	}
	m := MeanAxes(x, []int{-1}, true)
	if !SameShape(m.shape, []int{2, 3, 1}) || math.Abs(m.At(1, 2, 0)-(x.At(1, 2, 0)+x.At(1, 2, 1)+x.At(1, 2, 2)+x.At(1, 2, 3))/4) > 1e-12 {
		t.Fatalf("mean %v", m)
	}
	if math.Abs(Sum(x)-Sum(SumAxes(x, nil, false))) > 1e-12 {
		t.Fatal("Sum and SumAxes(nil) differ")
	}
	// SumTo inverts broadcasting: <BroadcastTo(a), g> = <a, SumTo(g)>.
	a := randT(r, 3, 1)
	g := randT(r, 2, 3, 4)
	lhs := Sum(Mul(BroadcastTo(a, g.shape), g))
	rhs := Sum(Mul(a, SumTo(g, a.shape)))
	if math.Abs(lhs-rhs) > 1e-12 {
		t.Fatalf("SumTo is not the adjoint of BroadcastTo: %v vs %v", lhs, rhs)
	}
	mx, arg := MaxAxis(FromSlice([]float64{1, 5, 3, 7, 2, 7}, 2, 3), 1)
	if mx.data[0] != 5 || mx.data[1] != 7 || arg[0] != 1 || arg[1] != 0 {
		t.Fatalf("max %v arg %v", mx.data, arg)
	}
}

func TestLayoutOps(t *testing.T) {
	r := NewRNG(4)
	x := randT(r, 2, 3, 4, 5)
	p := Permute(x, 2, 0, 3, 1)
	for i := range p.data {
		idx := unravel(i, p.shape)
		if p.data[i] != x.At(idx[1], idx[3], idx[0], idx[2]) {
			t.Fatalf("permute at %v", idx)
		}
	}
	if maxDiff(Permute(p, InversePermutation([]int{2, 0, 3, 1})...), x) != 0 {
		t.Fatal("inverse permutation")
	}
	s := Slice(x, 2, 1, 3)
	if !SameShape(s.shape, []int{2, 3, 2, 5}) || s.At(1, 2, 1, 4) != x.At(1, 2, 2, 4) {
		t.Fatal("slice")
	}
	pd := Pad(x, 1, 2, 1, -7)
	if !SameShape(pd.shape, []int{2, 6, 4, 5}) || pd.At(0, 0, 0, 0) != -7 || pd.At(1, 4, 3, 2) != x.At(1, 2, 3, 2) || pd.At(1, 5, 0, 0) != -7 {
		t.Fatal("pad")
	}
	c := Concat(1, x, Slice(x, 1, 0, 1))
	if !SameShape(c.shape, []int{2, 4, 4, 5}) || c.At(1, 3, 2, 2) != x.At(1, 0, 2, 2) || c.At(1, 2, 2, 2) != x.At(1, 2, 2, 2) {
		t.Fatal("concat")
	}
	st := Stack(0, x, x)
	if !SameShape(st.shape, []int{2, 2, 3, 4, 5}) || st.At(1, 1, 2, 3, 4) != x.At(1, 2, 3, 4) {
		t.Fatal("stack")
	}
	tr := Transpose(randT(r, 3, 2, 5))
	if !SameShape(tr.shape, []int{3, 5, 2}) {
		t.Fatal("transpose")
	}
}

func TestGatherScatterAreAdjoint(t *testing.T) {
	r := NewRNG(5)
	x := randT(r, 3, 6, 4)
	idx := []int{5, 0, 0, 2, 5, 5, 1}
	g := Gather(x, 1, idx)
	if !SameShape(g.shape, []int{3, 7, 4}) || g.At(2, 4, 3) != x.At(2, 5, 3) {
		t.Fatal("gather values")
	}
	y := randT(r, 3, 7, 4)
	lhs := Sum(Mul(g, y))
	rhs := Sum(Mul(x, ScatterAdd(y, 1, idx, 6)))
	if math.Abs(lhs-rhs) > 1e-12 {
		t.Fatalf("<Gather x, y> = %v, <x, ScatterAdd y> = %v", lhs, rhs)
	}
	sc := ScatterAdd(y, 1, idx, 6)
	if want := y.At(1, 0, 2) + y.At(1, 4, 2) + y.At(1, 5, 2); math.Abs(sc.At(1, 5, 2)-want) > 1e-12 {
		t.Fatal("scatter sums repeated indices")
	}
}

func naiveMatMul(a, b *Tensor[float64], ta, tb bool) *Tensor[float64] {
	get := func(t *Tensor[float64], trans bool, i, j int) float64 {
		if trans {
			return t.At(j, i)
		}
		return t.At(i, j)
	}
	m, k := a.shape[0], a.shape[1]
	if ta {
		m, k = k, m
	}
	n := b.shape[1]
	if tb {
		n = b.shape[0]
	}
	out := New[float64](m, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for l := 0; l < k; l++ {
				s += get(a, ta, i, l) * get(b, tb, l, j)
			}
			out.Set(s, i, j)
		}
	}
	return out
}

func TestMatMul(t *testing.T) {
	r := NewRNG(6)
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			m, k, n := 5, 7, 3
			as, bs := []int{m, k}, []int{k, n}
			if ta {
				as = []int{k, m}
			}
			if tb {
				bs = []int{n, k}
			}
			a, b := randT(r, as...), randT(r, bs...)
			if d := maxDiff(MatMul(a, b, ta, tb), naiveMatMul(a, b, ta, tb)); d > 1e-12 {
				t.Fatalf("trans %v %v: diff %g", ta, tb, d)
			}
			// Batched, and batch times shared matrix, both ways.
			a3 := randT(r, append([]int{4}, as...)...)
			b3 := randT(r, append([]int{4}, bs...)...)
			got := MatMul(a3, b3, ta, tb)
			shared := MatMul(a3, b, ta, tb)
			shared2 := MatMul(a, b3, ta, tb)
			for i := 0; i < 4; i++ {
				ai := FromSlice(a3.data[i*m*k:(i+1)*m*k], as...)
				bi := FromSlice(b3.data[i*k*n:(i+1)*k*n], bs...)
				want := naiveMatMul(ai, bi, ta, tb)
				for name, g := range map[string]*Tensor[float64]{"batched": got, "shared right": shared, "shared left": shared2} {
					wi := want
					if name == "shared right" {
						wi = naiveMatMul(ai, b, ta, tb)
					} else if name == "shared left" {
						wi = naiveMatMul(a, bi, ta, tb)
					}
					gi := FromSlice(g.data[i*m*n:(i+1)*m*n], m, n)
					if d := maxDiff(gi, wi); d > 1e-12 {
						t.Fatalf("%s trans %v %v batch %d: diff %g", name, ta, tb, i, d)
					}
				}
			}
		}
	}
	// float32 goes through blas32.
	a32, b32 := RandN[float32](r, 6, 9), RandN[float32](r, 9, 4)
	if d := maxDiff(Convert[float64](MatMul(a32, b32, false, false)), naiveMatMul(Convert[float64](a32), Convert[float64](b32), false, false)); d > 1e-5 {
		t.Fatalf("float32 diff %g", d)
	}
}

// TestMatMulLargeSplits covers products big enough for gemm to cut them
// into row blocks (tall c) or column blocks (wide c) over several workers,
// in both precisions and all transposes, against the naive product.
func TestMatMulLargeSplits(t *testing.T) {
	r := NewRNG(61)
	shapes := []struct{ m, k, n int }{
		{300, 40, 50}, // tall: row blocks
		{3, 200, 900}, // wide: column blocks
		{97, 61, 89},  // odd sizes, uneven blocks
	}
	for _, workers := range []int{1, 2, 3} {
		prev := parallel.SetWorkers(workers)
		for _, sh := range shapes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					as, bs := []int{sh.m, sh.k}, []int{sh.k, sh.n}
					if ta {
						as = []int{sh.k, sh.m}
					}
					if tb {
						bs = []int{sh.n, sh.k}
					}
					a, b := randT(r, as...), randT(r, bs...)
					want := naiveMatMul(a, b, ta, tb)
					if d := maxDiff(MatMul(a, b, ta, tb), want); d > 1e-11 {
						t.Errorf("float64 workers %d %v trans %v %v: diff %g", workers, sh, ta, tb, d)
					}
					got32 := MatMul(Convert[float32](a), Convert[float32](b), ta, tb)
					if d := maxDiff(Convert[float64](got32), want); d > 1e-4*float64(sh.k) {
						t.Errorf("float32 workers %d %v trans %v %v: diff %g", workers, sh, ta, tb, d)
					}
				}
			}
		}
		parallel.SetWorkers(prev)
	}
	t.Logf("BLAS backend: %s", BLASBackend)
}

func naiveDFT(x []complex128, inverse bool) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	sign := -1.0
	if inverse {
		sign = 1
	}
	for k := 0; k < n; k++ {
		var s complex128
		for j := 0; j < n; j++ {
			s += x[j] * cmplx.Exp(complex(0, sign*2*math.Pi*float64(j*k%n)/float64(n)))
		}
		out[k] = s
	}
	return out
}

func TestFFTMatchesNaiveDFT(t *testing.T) {
	r := NewRNG(7)
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 30, 32, 49, 64, 97, 121, 128, 210, 256, 512, 1024, 2048} {
		x := make([]complex128, n)
		for i := range x {
			x[i] = complex(r.Normal(), r.Normal())
		}
		for _, inv := range []bool{false, true} {
			want := naiveDFT(x, inv)
			got := make([]complex128, n)
			planFor(n).transform(got, x, inv)
			inPlace := slices.Clone(want) // in place for powers of two only
			if n >= 4 && n&(n-1) == 0 {
				inPlace = slices.Clone(x)
				planFor(n).transform(inPlace, inPlace, inv)
			}
			for k := range got {
				if cmplx.Abs(got[k]-want[k]) > 1e-10*math.Sqrt(float64(n)) || cmplx.Abs(inPlace[k]-want[k]) > 1e-10*math.Sqrt(float64(n)) {
					t.Fatalf("n %d inverse %v bin %d: %v (in place %v), want %v", n, inv, k, got[k], inPlace[k], want[k])
				}
			}
		}
	}
}

func TestRFFTNAgainstDFT(t *testing.T) {
	r := NewRNG(8)
	// 2D over the last two axes of [2, 6, 10]: compare with a direct 2D DFT.
	x := randT(r, 2, 6, 10)
	X := RFFTN(x, 2)
	if !SameShape(X.shape, []int{2, 6, 6}) {
		t.Fatalf("spectrum shape %v", X.shape)
	}
	for b := 0; b < 2; b++ {
		for k1 := 0; k1 < 6; k1++ {
			for k2 := 0; k2 < 6; k2++ {
				var s complex128
				for j1 := 0; j1 < 6; j1++ {
					for j2 := 0; j2 < 10; j2++ {
						ph := -2 * math.Pi * (float64(j1*k1)/6 + float64(j2*k2)/10)
						s += complex(x.At(b, j1, j2), 0) * cmplx.Exp(complex(0, ph))
					}
				}
				if got := X.At((b*6+k1)*6 + k2); cmplx.Abs(got-s) > 1e-10 {
					t.Fatalf("bin %d %d %d: %v, want %v", b, k1, k2, got, s)
				}
			}
		}
	}
	for _, shape := range [][]int{{16}, {3, 9}, {2, 8, 8}, {2, 5, 6, 7}, {1, 4, 6, 5}} {
		for d := 1; d <= min(3, len(shape)); d++ {
			x := randT(r, shape...)
			back := IRFFTN(RFFTN(x, d), d, shape[len(shape)-1])
			if diff := maxDiff(back, x); diff > 1e-12 {
				t.Fatalf("shape %v d %d: round trip error %g", shape, d, diff)
			}
		}
	}
	// float32 round trip.
	x32 := RandN[float32](r, 3, 32, 32)
	if d := maxDiff(IRFFTN(RFFTN(x32, 2), 2, 32), x32); d > 1e-5 {
		t.Fatalf("float32 round trip %g", d)
	}
	// The Nyquist and DC imaginary parts are ignored by IRFFTN.
	Z := RFFTN(randT(r, 8), 1)
	Z2 := Z.Clone()
	Z2.data[1] += 3     // imag of DC
	Z2.data[2*4+1] -= 2 // imag of Nyquist
	if maxDiff(IRFFTN(Z, 1, 8), IRFFTN(Z2, 1, 8)) != 0 {
		t.Fatal("IRFFTN used the imaginary part of DC or Nyquist")
	}
}

func TestFFTAlongAxis(t *testing.T) {
	r := NewRNG(9)
	c := NewC[float64](3, 5, 2)
	for i := range c.data {
		c.data[i] = r.Normal()
	}
	back := FFT(FFT(c, 1, false), 1, true)
	for i := range c.data {
		if math.Abs(back.data[i]-c.data[i]) > 1e-12 {
			t.Fatal("FFT round trip along axis 1")
		}
	}
}

func TestDCT(t *testing.T) {
	r := NewRNG(10)
	for _, n := range []int{1, 2, 5, 8, 13} {
		C := DCTMatrix[float64](n, n)
		I := MatMul(C, C, false, true)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(I.At(i, j)-want) > 1e-12 {
					t.Fatalf("n %d: C C^T not identity at %d %d", n, i, j)
				}
			}
		}
	}
	x := randT(r, 3, 7, 4)
	X := DCT2(x, 1)
	// scipy.fft.dct(x, type=2, norm="ortho", axis=1) by its definition.
	for a := 0; a < 3; a++ {
		for k := 0; k < 7; k++ {
			for c := 0; c < 4; c++ {
				s := 0.0
				for j := 0; j < 7; j++ {
					s += x.At(a, j, c) * math.Cos(math.Pi*float64(k)*(2*float64(j)+1)/14)
				}
				s *= 2
				f := math.Sqrt(1 / (4 * 7.0))
				if k > 0 {
					f = math.Sqrt(1 / (2 * 7.0))
				}
				if math.Abs(X.At(a, k, c)-s*f) > 1e-12 {
					t.Fatalf("DCT-II at %d %d %d", a, k, c)
				}
			}
		}
	}
	if d := maxDiff(DCT3(X, 1), x); d > 1e-12 {
		t.Fatalf("DCT-III does not invert DCT-II: %g", d)
	}
	if d := maxDiff(DCT3(DCT2(x, -1), -1), x); d > 1e-12 {
		t.Fatalf("last axis round trip %g", d)
	}
	// Truncated: the first m modes.
	Xm := ApplyAlongAxis(x, 1, DCTMatrix[float64](7, 3))
	if d := maxDiff(Xm, Slice(X, 1, 0, 3)); d > 1e-12 {
		t.Fatalf("truncated DCT %g", d)
	}
}

func TestSoftmax(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	s := Softmax(x, 1)
	e := []float64{math.Exp(-2), math.Exp(-1), 1}
	z := e[0] + e[1] + e[2]
	for j := 0; j < 3; j++ {
		if math.Abs(s.At(0, j)-e[j]/z) > 1e-15 || math.Abs(s.At(1, j)-1.0/3) > 1e-15 {
			t.Fatalf("softmax row values %v", s.data)
		}
	}
}

func TestRNG(t *testing.T) {
	a, b := NewRNG(42), NewRNG(42)
	for i := 0; i < 100; i++ {
		if a.Uint64() != b.Uint64() {
			t.Fatal("same seed, different streams")
		}
	}
	if NewRNG(1).Uint64() == NewRNG(2).Uint64() {
		t.Fatal("seeds 1 and 2 start alike")
	}
	r := NewRNG(7)
	const n = 200000
	var s, s2, u float64
	for i := 0; i < n; i++ {
		z := r.Normal()
		s += z
		s2 += z * z
		u += r.Float64()
	}
	mean, variance := s/n, s2/n-(s/n)*(s/n)
	// Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032,
	// uniform mean sqrt(1/12/n) = 0.00065; bounds are 5 standard errors.
	if math.Abs(mean) > 0.011 || math.Abs(variance-1) > 0.016 || math.Abs(u/n-0.5) > 0.0033 {
		t.Fatalf("normal mean %v variance %v, uniform mean %v", mean, variance, u/n)
	}
	st := r.State()
	x1 := []float64{r.Normal(), r.Normal(), r.Float64()}
	r.SetState(st)
	x2 := []float64{r.Normal(), r.Normal(), r.Float64()}
	if x1[0] != x2[0] || x1[1] != x2[1] || x1[2] != x2[2] {
		t.Fatal("state restore does not continue the stream")
	}
}

func TestSplitMix64ReferenceStream(t *testing.T) {
	// First outputs of Vigna's reference splitmix64.c seeded with 1234567.
	r := splitMix64(1234567)
	want := []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423}
	for i, w := range want {
		if got := r.next(); got != w {
			t.Fatalf("output %d: %d, want %d", i, got, w)
		}
	}
}

func TestRNGStreamsDiffer(t *testing.T) {
	a, b, c := NewRNGStream(5, 0), NewRNGStream(5, 1), NewRNGStream(5, 0)
	x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
	if x == y || x != z {
		t.Fatalf("streams: %d %d %d", x, y, z)
	}
}

func TestRealAndComplexFFTHelpers(t *testing.T) {
	r := NewRNG(21)
	for _, n := range []int{1, 6, 9, 16, 32, 64, 256, 1024} {
		x := RandN[float64](r, n)
		want := RFFTN(x, 1)
		f := NewRealFFT(n)
		X := make([]complex128, n/2+1)
		f.Forward(X, x.Data())
		for k := range X {
			if cmplx.Abs(X[k]-want.At(k)) > 1e-12 {
				t.Fatalf("n %d bin %d", n, k)
			}
		}
		back := make([]float64, n)
		f.Inverse(back, X)
		if d := maxDiff(FromSlice(back, n), x); d > 1e-12 {
			t.Fatalf("n %d round trip %g", n, d)
		}
		c := make([]complex128, n)
		for i := range c {
			c[i] = complex(r.Normal(), r.Normal())
		}
		cf := NewComplexFFT(n)
		y := make([]complex128, n)
		cf.Transform(y, c, false)
		ref := naiveDFT(c, false)
		for i := range y {
			if cmplx.Abs(y[i]-ref[i]) > 1e-10 {
				t.Fatalf("complex forward n %d bin %d", n, i)
			}
		}
		cf.Transform(y, y, true)
		for i := range c {
			if cmplx.Abs(y[i]-c[i]) > 1e-12 {
				t.Fatalf("complex round trip n %d", n)
			}
		}
	}
}

func TestRealFFT2(t *testing.T) {
	r := NewRNG(22)
	for _, s := range [][2]int{{4, 6}, {8, 8}, {6, 10}, {16, 7}, {32, 32}, {64, 16}, {128, 64}} {
		x := RandN[float64](r, s[0], s[1])
		want := RFFTN(x, 2)
		f := NewRealFFT2(s[0], s[1])
		X := make([]complex128, s[0]*(s[1]/2+1))
		f.Forward(X, x.Data())
		for k := range X {
			if cmplx.Abs(X[k]-want.At(k)) > 1e-12 {
				t.Fatalf("%v bin %d: %v, want %v", s, k, X[k], want.At(k))
			}
		}
		back := make([]float64, s[0]*s[1])
		X2 := slices.Clone(X)
		f.Inverse(back, X)
		if d := maxDiff(FromSlice(back, s[0], s[1]), x); d > 1e-12 {
			t.Fatalf("%v round trip %g", s, d)
		}
		// A batch: the same field and its double, each as Inverse gives it.
		X3 := make([]complex128, len(X2))
		for k, v := range X2 {
			X3[k] = 2 * v
		}
		// Worker counts whose chunks span two spectra.
		for _, workers := range []int{1, 2, 3, 5} {
			prev := parallel.SetWorkers(workers)
			b1, b2 := make([]float64, len(back)), make([]float64, len(back))
			f.InverseBatch([][]float64{b1, b2}, [][]complex128{slices.Clone(X2), slices.Clone(X3)})
			parallel.SetWorkers(prev)
			for j := range back {
				if b1[j] != back[j] || b2[j] != 2*back[j] {
					t.Fatalf("%v batch, %d workers, point %d: %v, %v; want %v, %v", s, workers, j, b1[j], b2[j], back[j], 2*back[j])
				}
			}
		}
	}
}

// TestGELUBackward checks the fused GELU derivative against central
// differences of GELU in float64, and the float32 path against float64.
func TestGELUBackward(t *testing.T) {
	r := NewRNG(7)
	x := RandN[float64](r, 1000)
	x.data[0], x.data[1] = 0, -7
	g := RandN[float64](r, 1000)
	got := GELUBackward(x, g)
	const h = 1e-6
	for i, v := range x.data {
		gelu := func(v float64) float64 { return v * 0.5 * math.Erfc(-v/math.Sqrt2) }
		want := g.data[i] * (gelu(v+h) - gelu(v-h)) / (2 * h)
		if d := math.Abs(got.data[i] - want); d > 1e-8*(1+math.Abs(want)) {
			t.Fatalf("x=%g: fused %g, differences %g", v, got.data[i], want)
		}
	}
	got32 := GELUBackward(Convert[float32](x), Convert[float32](g))
	if d := maxDiff(Convert[float64](got32), got); d > 1e-6 {
		t.Fatalf("float32 vs float64 fused backward: %g", d)
	}
	if d := maxDiff(Convert[float64](GELU(Convert[float32](x))), GELU(x)); d > 1e-6 {
		t.Fatalf("float32 vs float64 GELU: %g", d)
	}
}

// TestTanhBackward checks g (1 - tanh(x)^2) against central differences
// of tanh.
func TestTanhBackward(t *testing.T) {
	r := NewRNG(8)
	x, g := RandN[float64](r, 1000), RandN[float64](r, 1000)
	got := TanhBackward(Tanh(x), g)
	const h = 1e-6
	for i, v := range x.data {
		want := g.data[i] * (math.Tanh(v+h) - math.Tanh(v-h)) / (2 * h)
		if d := math.Abs(got.data[i] - want); d > 1e-8*(1+math.Abs(want)) {
			t.Fatalf("x=%g: fused %g, differences %g", v, got.data[i], want)
		}
	}
}

// TestErf32 bounds the single-precision erf against math.Erf.
func TestErf32(t *testing.T) {
	worst := 0.0
	for x := -10.0; x <= 10; x += 1e-4 {
		worst = math.Max(worst, math.Abs(erf32(x)-math.Erf(x)))
	}
	if worst > 6.5e-8 {
		t.Fatalf("max |erf32 - erf| = %g, want <= 6.5e-8", worst)
	}
}

// TestExpNeg32 bounds the GELU backward's exponential against math.Exp.
func TestExpNeg32(t *testing.T) {
	worst := 0.0
	for y := -700.0; y <= 0; y += 1e-3 {
		want := math.Exp(y)
		worst = math.Max(worst, math.Abs(expNeg32(y)-want)/want)
	}
	if worst > 1e-7 {
		t.Fatalf("worst relative error %g", worst)
	}
	if expNeg32(-800) != 0 || expNeg32(0) != 1 {
		t.Fatalf("e^-800 = %g, e^0 = %g", expNeg32(-800), expNeg32(0))
	}
}

// TestPermuteAgainstNaive compares Permute with element-by-element
// indexing for random shapes (sizes 1 included) and permutations: runs
// that stay contiguous and ones that become strided.
func TestPermuteAgainstNaive(t *testing.T) {
	r := NewRNG(11)
	for trial := 0; trial < 300; trial++ {
		rank := 1 + trial%5
		shape := make([]int, rank)
		for a := range shape {
			shape[a] = 1 + int(r.Float64()*float64([]int{1, 3, 17, 40}[(trial+a)%4]))
		}
		perm := r.Perm(rank)
		x := RandN[float64](r, shape...)
		got := Permute(x, perm...)
		xs := stridesOf(shape)
		for i := range got.data {
			idx := unravel(i, got.shape)
			off := 0
			for k, p := range perm {
				off += idx[k] * xs[p]
			}
			if got.data[i] != x.data[off] {
				t.Fatalf("shape %v perm %v: element %v = %g, want %g", shape, perm, idx, got.data[i], x.data[off])
			}
		}
	}
}

// TestGELUKernels: the float32 GELU kernels the build uses (vectorised C
// under cgo) equal the Go reference loops element for element, over
// ordinary values, the clamp of erf at |x| = 4 sqrt 2, the exponential's
// underflow and lengths that are not multiples of a vector.
func TestGELUKernels(t *testing.T) {
	r := NewRNG(12)
	for _, n := range []int{1, 3, 7, 64, 1001} {
		x, g := RandN[float32](r, n), RandN[float32](r, n)
		for i := range x.data {
			x.data[i] *= float32([]float64{1, 4, 40}[i%3])
		}
		x.data[0] = 0
		for level := 0; level <= simdLevel; level++ {
			want, got := make([]float32, n), make([]float32, n)
			gelu32Run(want, x.data)
			gelu32KernelAt(level, got, x.data)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("level %d, n %d: GELU(%g) = %g, want %g", level, n, x.data[i], got[i], want[i])
				}
			}
			geluBackward32Run(want, x.data, g.data)
			geluBackward32KernelAt(level, got, x.data, g.data)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("level %d, n %d: GELU'(%g) g = %g, want %g", level, n, x.data[i], got[i], want[i])
				}
			}
		}
	}
}

// TestSumAxisChunks: sums over long axes (split into chunks summed in
// parallel) match a plain float64 loop to rounding, give the same bits
// for any worker count, and the C row accumulation equals the Go loop bit
// for bit.
func TestSumAxisChunks(t *testing.T) {
	r := NewRNG(14)
	x := RandN[float32](r, 20000, 7)
	want := make([]float64, 7)
	for k := 0; k < 20000; k++ {
		for i := 0; i < 7; i++ {
			want[i] += float64(x.data[k*7+i])
		}
	}
	prev := parallel.SetWorkers(1)
	one := SumAxes(x, []int{0}, false)
	parallel.SetWorkers(4)
	four := SumAxes(x, []int{0}, false)
	parallel.SetWorkers(prev)
	for i := range want {
		if math.Abs(float64(one.data[i])-want[i]) > 1e-3 {
			t.Fatalf("sum %d = %g, want %g", i, one.data[i], want[i])
		}
		if one.data[i] != four.data[i] {
			t.Fatalf("sum %d: %g with 1 worker, %g with 4", i, one.data[i], four.data[i])
		}
	}
	for level := 0; level <= simdLevel; level++ {
		got, ref := make([]float64, 7), make([]float64, 7)
		addRowsKernelAt(level, got, x.data[:7*1000], 7)
		addRowsGo(ref, x.data[:7*1000], 7)
		for i := range ref {
			if got[i] != ref[i] {
				t.Fatalf("level %d: row sums %d = %g, want %g", level, i, got[i], ref[i])
			}
		}
	}
}

// TestReducedShape: the shape of a reduction, as SumAxes produces it.
func TestReducedShape(t *testing.T) {
	x := New[float64](2, 3, 4)
	for _, c := range []struct {
		axes []int
		keep bool
	}{{[]int{0, 2}, false}, {[]int{-1}, true}, {nil, false}, {nil, true}, {[]int{1, 1}, true}} {
		want := SumAxes(x, c.axes, c.keep).Shape()
		if got := ReducedShape(x.Shape(), c.axes, c.keep); !SameShape(got, want) {
			t.Errorf("axes %v keep %v: %v, want %v", c.axes, c.keep, got, want)
		}
	}
}

// TestFFTRowKernel: the fused radix-4 stage over row segments gives, at
// every SIMD level the CPU has, the Go loop's values bit for bit, forward
// and inverse, on a block that does not start at row 0 and columns that
// do not start at 0.
func TestFFTRowKernel(t *testing.T) {
	r := NewRNG(31)
	const n, h, size = 64, 19, 8
	p := planFor(n)
	for _, sign := range []float64{-1, 1} {
		dir := 0
		if sign > 0 {
			dir = 1
		}
		X := make([]complex128, n*h)
		for i := range X {
			X[i] = complex(r.Normal(), r.Normal())
		}
		want := slices.Clone(X)
		radix4RowsBlockGo(want, h, 3, 17, 16, size, p.fused[0][dir], sign)
		for level := 0; level <= simdLevel; level++ {
			got := slices.Clone(X)
			radix4RowsBlockAt(level, got, h, 3, 17, 16, size, p.fused[0][dir], sign)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("sign %v level %d element %d: %v, want %v", sign, level, i, got[i], want[i])
				}
			}
		}
		if slices.Equal(want, X) {
			t.Fatal("the stage changed nothing")
		}
	}
}
