package tensor

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// convCase is one convolution geometry: x [n, c, h, w], weight [o, c, kh, kw].
type convCase struct {
	name               string
	n, c, h, w, o      int
	kh, kw             int
	stride, padding    [2]int
	wantOutH, wantOutW int
}

var convCases = []convCase{
	{"1x1 kernel", 1, 1, 4, 5, 1, 1, 1, [2]int{1, 1}, [2]int{0, 0}, 4, 5},
	{"3x3 valid", 2, 3, 6, 7, 4, 3, 3, [2]int{1, 1}, [2]int{0, 0}, 4, 5},
	{"3x3 same", 2, 3, 6, 7, 4, 3, 3, [2]int{1, 1}, [2]int{1, 1}, 6, 7},
	{"5x5 pad 2", 3, 2, 9, 8, 3, 5, 5, [2]int{1, 1}, [2]int{2, 2}, 9, 8},
	{"stride 2 pad 2", 2, 1, 12, 12, 8, 5, 5, [2]int{2, 2}, [2]int{2, 2}, 6, 6},
	{"stride 2 odd size", 2, 2, 11, 9, 3, 3, 3, [2]int{2, 2}, [2]int{1, 0}, 6, 4},
	{"non-square kernel", 2, 3, 7, 8, 2, 2, 4, [2]int{1, 1}, [2]int{0, 1}, 6, 7},
	{"mixed stride and padding", 3, 2, 10, 9, 5, 3, 2, [2]int{2, 1}, [2]int{2, 0}, 6, 8},
	{"kernel = padded input", 2, 2, 3, 3, 2, 5, 5, [2]int{1, 1}, [2]int{1, 1}, 1, 1},
	{"stride larger than kernel", 2, 2, 9, 9, 3, 2, 2, [2]int{3, 3}, [2]int{1, 1}, 4, 4},
	{"many samples", 37, 2, 5, 6, 3, 3, 3, [2]int{1, 2}, [2]int{1, 1}, 5, 3},
}

func (cc convCase) tensors(seed uint64) (x, w *Tensor[float64]) {
	r := NewRNG(seed)
	return RandN[float64](r, cc.n, cc.c, cc.h, cc.w), RandN[float64](r, cc.o, cc.c, cc.kh, cc.kw)
}

// naiveConv visits every (sample, out channel, out row, out column, in
// channel, kernel row, kernel column) and calls f with the flat indices of
// y, x and w for each product inside the input.
func naiveConv(cc convCase, oh, ow int, f func(yi, xi, wi int)) {
	for n := 0; n < cc.n; n++ {
		for o := 0; o < cc.o; o++ {
			for p := 0; p < oh; p++ {
				for q := 0; q < ow; q++ {
					for c := 0; c < cc.c; c++ {
						for i := 0; i < cc.kh; i++ {
							for j := 0; j < cc.kw; j++ {
								ih, iw := p*cc.stride[0]-cc.padding[0]+i, q*cc.stride[1]-cc.padding[1]+j
								if ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w {
									continue
								}
								f(((n*cc.o+o)*oh+p)*ow+q, ((n*cc.c+c)*cc.h+ih)*cc.w+iw, ((o*cc.c+c)*cc.kh+i)*cc.kw+j)
							}
						}
					}
				}
			}
		}
	}
}

func TestConv2DAgainstNaiveLoops(t *testing.T) {
	for ci, cc := range convCases {
		t.Run(cc.name, func(t *testing.T) {
			x, w := cc.tensors(uint64(ci) + 1)
			y := Conv2D(x, w, cc.stride, cc.padding)
			want := []int{cc.n, cc.o, cc.wantOutH, cc.wantOutW}
			if !SameShape(y.Shape(), want) {
				t.Fatalf("output shape %v, want %v", y.Shape(), want)
			}
			dy := RandN[float64](NewRNG(uint64(ci)+100), want...)
			ref, dx, dw := New[float64](want...), New[float64](x.Shape()...), New[float64](w.Shape()...)
			naiveConv(cc, cc.wantOutH, cc.wantOutW, func(yi, xi, wi int) {
				ref.data[yi] += w.data[wi] * x.data[xi]
				dx.data[xi] += w.data[wi] * dy.data[yi]
				dw.data[wi] += x.data[xi] * dy.data[yi]
			})
			gx := Conv2DInputGrad(dy, w, [2]int{cc.h, cc.w}, cc.stride, cc.padding)
			gw := Conv2DWeightGrad(x, dy, [2]int{cc.kh, cc.kw}, cc.stride, cc.padding)
			for _, c := range []struct {
				what      string
				got, want *Tensor[float64]
			}{{"forward", y, ref}, {"input gradient", gx, dx}, {"weight gradient", gw, dw}} {
				if d := maxDiff(c.got, c.want); d > 1e-12 {
					t.Errorf("%s: shape %v (want %v), max difference %.3g from the naive loops", c.what, c.got.Shape(), c.want.Shape(), d)
				}
			}
		})
	}
}

// TestConv2DFloat32 checks the float32 path against the float64 one.
func TestConv2DFloat32(t *testing.T) {
	cc := convCases[4]
	x, w := cc.tensors(7)
	y64 := Conv2D(x, w, cc.stride, cc.padding)
	x32, w32 := New[float32](x.Shape()...), New[float32](w.Shape()...)
	for i, v := range x.data {
		x32.data[i] = float32(v)
	}
	for i, v := range w.data {
		w32.data[i] = float32(v)
	}
	y32 := Conv2D(x32, w32, cc.stride, cc.padding)
	for i, v := range y32.data {
		if math.Abs(float64(v)-y64.data[i]) > 1e-5*(1+math.Abs(y64.data[i])) {
			t.Fatalf("element %d: float32 %g, float64 %g", i, v, y64.data[i])
		}
	}
}

func TestConv2DShapeErrors(t *testing.T) {
	ok := [2]int{1, 1}
	for _, c := range []struct {
		x, w            []int
		stride, padding [2]int
		want            string
	}{
		{[]int{1, 3, 8}, []int{2, 3, 3, 3}, ok, ok, "input must be [N, C, H, W]"},
		{[]int{1, 3, 8, 8}, []int{2, 3, 3}, ok, ok, "weight must be [O, C, kH, kW]"},
		{[]int{1, 3, 8, 8}, []int{2, 4, 3, 3}, ok, ok, "input has 3 channels"},
		{[]int{1, 3, 8, 8}, []int{2, 3, 3, 3}, [2]int{0, 1}, ok, "stride must be positive"},
		{[]int{1, 3, 8, 8}, []int{2, 3, 3, 3}, ok, [2]int{-1, 0}, "padding must be non-negative"},
		{[]int{1, 3, 8, 8}, []int{2, 3, 0, 3}, ok, ok, "kernel must be at least 1x1"},
		{[]int{1, 3, 2, 8}, []int{2, 3, 5, 3}, ok, [2]int{1, 0}, "padded input 4x8"},
	} {
		if _, err := Conv2DShape(c.x, c.w, c.stride, c.padding); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("x %v w %v stride %v padding %v: error %v, want one mentioning %q", c.x, c.w, c.stride, c.padding, err, c.want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Conv2DInputGrad: dy has shape") {
			t.Errorf("panic %v, want a dy shape message", r)
		}
	}()
	Conv2DInputGrad(New[float64](1, 2, 5, 5), New[float64](2, 3, 3, 3), [2]int{8, 8}, ok, ok)
}

// TestConv2DWorkersBitwise: the batch is cut into fixed groups, so the
// weight gradient's sum order, and every result, is the same for any
// number of workers. The case is large enough (23 samples of 3 x 20 x 20,
// 8 filters of 5 x 5) for parallel.For to split it.
func TestConv2DWorkersBitwise(t *testing.T) {
	cc := convCase{"workers", 23, 3, 20, 20, 8, 5, 5, [2]int{1, 1}, [2]int{2, 2}, 20, 20}
	x, w := cc.tensors(11)
	dy := Conv2D(x, w, cc.stride, cc.padding)
	var ref [3]*Tensor[float64]
	for _, workers := range []int{1, 2, 5} {
		prev := parallel.SetWorkers(workers)
		got := [3]*Tensor[float64]{Conv2D(x, w, cc.stride, cc.padding),
			Conv2DInputGrad(dy, w, [2]int{cc.h, cc.w}, cc.stride, cc.padding),
			Conv2DWeightGrad(x, dy, [2]int{cc.kh, cc.kw}, cc.stride, cc.padding)}
		parallel.SetWorkers(prev)
		if ref[0] == nil {
			ref = got
			continue
		}
		for k, name := range []string{"output", "input gradient", "weight gradient"} {
			if d := maxDiff(got[k], ref[k]); d != 0 {
				t.Errorf("%d workers: %s differs by %g from 1 worker", workers, name, d)
			}
		}
	}
}

func TestConv2DEmptyBatch(t *testing.T) {
	x, w := New[float64](0, 2, 5, 5), New[float64](3, 2, 3, 3)
	y := Conv2D(x, w, [2]int{1, 1}, [2]int{1, 1})
	if !SameShape(y.Shape(), []int{0, 3, 5, 5}) {
		t.Fatalf("shape %v", y.Shape())
	}
	dw := Conv2DWeightGrad(x, y, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1})
	if maxDiff(dw, New[float64](3, 2, 3, 3)) != 0 {
		t.Fatal("weight gradient of an empty batch is not zero")
	}
}

func BenchmarkConv2D(b *testing.B) {
	r := NewRNG(1)
	x, w := RandN[float32](r, 160, 1, 48, 48), RandN[float32](r, 8, 1, 5, 5)
	s, p := [2]int{2, 2}, [2]int{2, 2}
	dy := Conv2D(x, w, s, p)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			Conv2D(x, w, s, p)
		}
	})
	b.Run("input_grad", func(b *testing.B) {
		for b.Loop() {
			Conv2DInputGrad(dy, w, [2]int{48, 48}, s, p)
		}
	})
	b.Run("weight_grad", func(b *testing.B) {
		for b.Loop() {
			Conv2DWeightGrad(x, dy, [2]int{5, 5}, s, p)
		}
	})
}
