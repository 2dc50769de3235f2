package tensor

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// BroadcastShapes returns the NumPy broadcast of two shapes: aligned from
// the last axis, each pair of sizes equal or one of them 1.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("tensor: shapes %v and %v do not broadcast (axis %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return out, nil
}

func mustBroadcast(a, b []int) []int {
	s, err := BroadcastShapes(a, b)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// broadcastStrides returns strides of shape viewed as out (0 on broadcast
// axes).
func broadcastStrides(shape, out []int) []int {
	st := make([]int, len(out))
	src := stridesOf(shape)
	off := len(out) - len(shape)
	for i := range out {
		j := i - off
		if j >= 0 && shape[j] != 1 {
			st[i] = src[j]
		}
	}
	return st
}

// binop codes.
type binop int

const (
	opAdd binop = iota
	opSub
	opMul
	opDiv
	opMax
	opMin
	opPow
)

// binaryRun applies op on a run of n elements with strides sx, sy (0 or 1).
func binaryRun[T Float](op binop, dst, x, y []T, sx, sy, n int) {
	switch {
	case sx == 1 && sy == 1:
		x, y, dst = x[:n], y[:n], dst[:n]
		switch op {
		case opAdd:
			for i := range dst {
				dst[i] = x[i] + y[i]
			}
		case opSub:
			for i := range dst {
				dst[i] = x[i] - y[i]
			}
		case opMul:
			for i := range dst {
				dst[i] = x[i] * y[i]
			}
		case opDiv:
			for i := range dst {
				dst[i] = x[i] / y[i]
			}
		default:
			for i := range dst {
				dst[i] = scalarOp(op, x[i], y[i])
			}
		}
	case sx == 1 && sy == 0:
		x, dst = x[:n], dst[:n]
		v := y[0]
		switch op {
		case opAdd:
			for i := range dst {
				dst[i] = x[i] + v
			}
		case opSub:
			for i := range dst {
				dst[i] = x[i] - v
			}
		case opMul:
			for i := range dst {
				dst[i] = x[i] * v
			}
		case opDiv:
			for i := range dst {
				dst[i] = x[i] / v
			}
		default:
			for i := range dst {
				dst[i] = scalarOp(op, x[i], v)
			}
		}
	case sx == 0 && sy == 1:
		y, dst = y[:n], dst[:n]
		v := x[0]
		switch op {
		case opAdd:
			for i := range dst {
				dst[i] = v + y[i]
			}
		case opSub:
			for i := range dst {
				dst[i] = v - y[i]
			}
		case opMul:
			for i := range dst {
				dst[i] = v * y[i]
			}
		case opDiv:
			for i := range dst {
				dst[i] = v / y[i]
			}
		default:
			for i := range dst {
				dst[i] = scalarOp(op, v, y[i])
			}
		}
	default:
		r := scalarOp(op, x[0], y[0])
		for i := 0; i < n; i++ {
			dst[i] = r
		}
	}
}

func scalarOp[T Float](op binop, a, b T) T {
	switch op {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opMax:
		if a != a || a >= b {
			return a
		}
		return b
	case opMin:
		if a != a || a <= b {
			return a
		}
		return b
	case opPow:
		return T(math.Pow(float64(a), float64(b)))
	}
	panic("tensor: unknown binary op")
}

// binary computes op(a, b) with broadcasting.
func binary[T Float](op binop, a, b *Tensor[T]) *Tensor[T] {
	if SameShape(a.shape, b.shape) {
		out := Empty[T](a.shape...)
		n := len(out.data)
		parallel.For(n, 1, func(lo, hi int) {
			binaryRun(op, out.data[lo:hi], a.data[lo:hi], b.data[lo:hi], 1, 1, hi-lo)
		})
		return out
	}
	shape := mustBroadcast(a.shape, b.shape)
	out := Empty[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	sa := broadcastStrides(a.shape, shape)
	sb := broadcastStrides(b.shape, shape)
	// Collapse the trailing axes that are contiguous in both operands (or
	// broadcast in both) into one inner run.
	inner := 1
	ax := len(shape)
	for ax > 0 && shape[ax-1] == 1 {
		ax--
	}
	innerA, innerB := 1, 1
	if ax > 0 {
		innerA, innerB = min(sa[ax-1], 1), min(sb[ax-1], 1)
	}
	for ax > 0 {
		k := ax - 1
		if shape[k] == 1 {
			ax--
			continue
		}
		okA := (innerA == 1 && sa[k] == inner) || (innerA == 0 && sa[k] == 0)
		okB := (innerB == 1 && sb[k] == inner) || (innerB == 0 && sb[k] == 0)
		if !okA || !okB {
			break
		}
		inner *= shape[k]
		ax--
	}
	outer := len(out.data) / inner
	outerShape := shape[:ax]
	parallel.For(outer, inner, func(lo, hi int) {
		idx := make([]int, len(outerShape))
		// Position idx at lo.
		rem := lo
		for k := len(outerShape) - 1; k >= 0; k-- {
			idx[k] = rem % outerShape[k]
			rem /= outerShape[k]
		}
		for o := lo; o < hi; o++ {
			offA, offB := 0, 0
			for k, i := range idx {
				offA += i * sa[k]
				offB += i * sb[k]
			}
			binaryRun(op, out.data[o*inner:(o+1)*inner], a.data[offA:], b.data[offB:], innerA, innerB, inner)
			for k := len(idx) - 1; k >= 0; k-- {
				idx[k]++
				if idx[k] < outerShape[k] {
					break
				}
				idx[k] = 0
			}
		}
	})
	return out
}

// Add returns a + b (broadcasting).
func Add[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opAdd, a, b) }

// Sub returns a - b (broadcasting).
func Sub[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opSub, a, b) }

// Mul returns a * b elementwise (broadcasting).
func Mul[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opMul, a, b) }

// Div returns a / b elementwise (broadcasting).
func Div[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opDiv, a, b) }

// Maximum returns the elementwise maximum (NaN propagates).
func Maximum[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opMax, a, b) }

// Minimum returns the elementwise minimum (NaN propagates).
func Minimum[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opMin, a, b) }

// Pow returns a ** b elementwise (broadcasting).
func Pow[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opPow, a, b) }

// AddInPlace adds b (same shape) into a.
func AddInPlace[T Float](a, b *Tensor[T]) {
	if len(a.data) != len(b.data) {
		panic(fmt.Sprintf("tensor: AddInPlace %v += %v", a.shape, b.shape))
	}
	binaryRun(opAdd, a.data, a.data, b.data, 1, 1, len(a.data))
}

// Axpy computes y += alpha * x in place (same sizes).
func Axpy[T Float](alpha T, x, y *Tensor[T]) {
	if len(x.data) != len(y.data) {
		panic(fmt.Sprintf("tensor: Axpy %v into %v", x.shape, y.shape))
	}
	yd := y.data
	for i, v := range x.data {
		yd[i] += alpha * v
	}
}

// Map applies f to every element.
func Map[T Float](t *Tensor[T], f func(T) T) *Tensor[T] {
	out := Empty[T](t.shape...)
	parallel.For(len(t.data), 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.data[i] = f(t.data[i])
		}
	})
	return out
}

func map64[T Float](t *Tensor[T], f func(float64) float64) *Tensor[T] {
	return Map(t, func(x T) T { return T(f(float64(x))) })
}

// Scale returns s * t.
func Scale[T Float](t *Tensor[T], s T) *Tensor[T] {
	out := Empty[T](t.shape...)
	parallel.For(len(t.data), 1, func(lo, hi int) {
		for i, v := range t.data[lo:hi] {
			out.data[lo+i] = s * v
		}
	})
	return out
}

// AddScalar returns t + s.
func AddScalar[T Float](t *Tensor[T], s T) *Tensor[T] {
	out := Empty[T](t.shape...)
	parallel.For(len(t.data), 1, func(lo, hi int) {
		for i, v := range t.data[lo:hi] {
			out.data[lo+i] = v + s
		}
	})
	return out
}

// Neg returns -t.
func Neg[T Float](t *Tensor[T]) *Tensor[T] { return Scale(t, -1) }

// Exp returns e^t.
func Exp[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Exp) }

// Log returns the natural logarithm.
func Log[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Log) }

// Sin returns sin t.
func Sin[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Sin) }

// Cos returns cos t.
func Cos[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Cos) }

// Tanh returns tanh t.
func Tanh[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Tanh) }

// TanhBackward returns g (1 - y^2), the gradient through y = tanh(x)
// given y, in one pass.
func TanhBackward[T Float](y, g *Tensor[T]) *Tensor[T] {
	if len(y.data) != len(g.data) {
		panic(fmt.Sprintf("tensor: TanhBackward shapes %v and %v", y.shape, g.shape))
	}
	out := Empty[T](y.shape...)
	parallel.For(len(y.data), 2, func(lo, hi int) {
		ys, gs := y.data[lo:hi], g.data[lo:hi]
		for i, v := range ys {
			out.data[lo+i] = gs[i] * (1 - v*v)
		}
	})
	return out
}

// Product3 returns s a b c elementwise for tensors of equal shape, in one
// pass: ((a b) c) s, the rounding of Scale(Mul(Mul(a, b), c), s).
func Product3[T Float](a, b, c *Tensor[T], s T) *Tensor[T] {
	if len(a.data) != len(b.data) || len(a.data) != len(c.data) {
		panic(fmt.Sprintf("tensor: Product3 shapes %v, %v, %v", a.shape, b.shape, c.shape))
	}
	out := Empty[T](a.shape...)
	parallel.For(len(a.data), 3, func(lo, hi int) {
		as, bs, cs := a.data[lo:hi], b.data[lo:hi], c.data[lo:hi]
		for i, v := range as {
			out.data[lo+i] = s * (v * bs[i] * cs[i])
		}
	})
	return out
}

// Sqrt returns the square root.
func Sqrt[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Sqrt) }

// Abs returns |t|.
func Abs[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Abs) }

// Sign returns -1, 0 or 1 elementwise.
func Sign[T Float](t *Tensor[T]) *Tensor[T] {
	return Map(t, func(x T) T {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
}

// PowScalar returns t ** p.
func PowScalar[T Float](t *Tensor[T], p float64) *Tensor[T] {
	switch p {
	case 1:
		return t.Clone()
	case 2:
		return Mul(t, t)
	}
	return map64(t, func(x float64) float64 { return math.Pow(x, p) })
}

// Relu returns max(t, 0).
func Relu[T Float](t *Tensor[T]) *Tensor[T] {
	return Map(t, func(x T) T {
		if x > 0 {
			return x
		}
		return 0
	})
}

// Step returns 1 where t > 0, else 0 (the derivative of Relu).
func Step[T Float](t *Tensor[T]) *Tensor[T] {
	return Map(t, func(x T) T {
		if x > 0 {
			return 1
		}
		return 0
	})
}

// Sigmoid returns 1 / (1 + e^-t).
func Sigmoid[T Float](t *Tensor[T]) *Tensor[T] {
	return map64(t, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
}

// Erf returns the error function.
func Erf[T Float](t *Tensor[T]) *Tensor[T] { return map64(t, math.Erf) }

// GELU returns the exact GELU, x * Phi(x) = x/2 (1 + erf(x / sqrt 2)),
// with Phi the standard normal CDF (erf32 in float32, math.Erf in
// float64).
func GELU[T Float](t *Tensor[T]) *Tensor[T] {
	if src, ok := any(t.data).([]float32); ok {
		out := Empty[T](t.shape...)
		dst := any(out.data).([]float32)
		parallel.For(len(src), 8, func(lo, hi int) { gelu32Kernel(dst[lo:hi], src[lo:hi]) })
		return out
	}
	return map64(t, gelu)
}

// gelu32Run writes GELU(src) to dst, computing in float64 with erf32.
// It converts blocks to float64 first and back after: a float32<->float64
// conversion inside the arithmetic loop made every element wait for the
// previous one (the conversion instructions write only part of their
// register), which measured 3x slower than these three loops.
func gelu32Run(dst, src []float32) {
	var buf [256]float64
	for lo := 0; lo < len(src); lo += len(buf) {
		b := buf[:min(len(buf), len(src)-lo)]
		for i := range b {
			b[i] = float64(src[lo+i])
		}
		for i, x := range b {
			b[i] = 0.5 * x * (1 + erf32(x*(1/math.Sqrt2)))
		}
		for i, y := range b {
			dst[lo+i] = float32(y)
		}
	}
}

// geluBackward32Run writes g GELU'(x) = g (Phi(x) + x phi(x)) to dst,
// blocked as gelu32Run, with erf32 and expNeg32 for the density.
func geluBackward32Run(dst, x, g []float32) {
	var buf [256]float64
	for lo := 0; lo < len(x); lo += len(buf) {
		b := buf[:min(len(buf), len(x)-lo)]
		for i := range b {
			b[i] = float64(x[lo+i])
		}
		for i, v := range b {
			b[i] = 0.5*(1+erf32(v*(1/math.Sqrt2))) + v*invSqrt2Pi*expNeg32(-0.5*v*v)
		}
		for i, d := range b {
			dst[lo+i] = g[lo+i] * float32(d)
		}
	}
}

// erf32 is erf to float32 accuracy: the odd rational minimax fit
// x P(x^2) / Q(x^2) on [-4, 4] (degrees 13 / 8) used for single precision
// by Eigen and XLA, with erf(x) = +-1 beyond |x| = 4 in float32. Its
// absolute error is below 6.5e-8 (TestErf32), half a float32 ulp at 1,
// and it costs a quarter of math.Erf: no exp. Written to be inlined
// into the GELU loops (the clamp as branches, no call).
func erf32(x float64) float64 {
	if x > 4 {
		x = 4
	} else if x < -4 {
		x = -4
	}
	x2 := x * x
	p := ((((((-2.72614225801306e-10*x2+2.77068142495902e-08)*x2-2.10102402082508e-06)*x2-5.69250639462346e-05)*x2-7.34990630326855e-04)*x2-2.95459980854025e-03)*x2 - 1.60960333262415e-02)
	q := ((((-1.45660718464996e-05*x2-2.13374055278905e-04)*x2-1.68282697438203e-03)*x2-7.37332916720468e-03)*x2 - 1.42647390514189e-02)
	return x * p / q
}

// expNeg32 is e^y for y <= 0 to float32 accuracy (relative error below
// 1e-7, TestExpNeg32): y = n ln 2 + r with |r| <= ln 2 / 2, e^r by its
// degree-7 Taylor polynomial, 2^n by the exponent bits. 0 below -700.
func expNeg32(y float64) float64 {
	if y < -700 {
		return 0
	}
	n := math.Floor(y*math.Log2E + 0.5)
	r := y - n*0.6931471803691238 - n*1.9082149292705877e-10 // ln 2 = hi + lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

// GELUBackward returns g * GELU'(x) = g (Phi(x) + x phi(x)), phi the
// standard normal density: the fused first-order backward of GELU.
func GELUBackward[T Float](x, g *Tensor[T]) *Tensor[T] {
	if len(x.data) != len(g.data) {
		panic(fmt.Sprintf("tensor: GELUBackward shapes %v and %v", x.shape, g.shape))
	}
	out := Empty[T](x.shape...)
	if xs, ok := any(x.data).([]float32); ok {
		gs, dst := any(g.data).([]float32), any(out.data).([]float32)
		parallel.For(len(xs), 8, func(lo, hi int) { geluBackward32Kernel(dst[lo:hi], xs[lo:hi], gs[lo:hi]) })
		return out
	}
	d := map64(x, geluDerivative)
	parallel.For(len(x.data), 2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.data[i] = g.data[i] * d.data[i]
		}
	})
	return out
}

// gelu is x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2, as PyTorch's
// exact GELU computes it. (Called through map64: the same expression
// written inline in a generic loop measured 1.5x slower here, for reasons
// of code layout rather than arithmetic.)
func gelu(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// geluDerivative is Phi(x) + x phi(x), phi the standard normal density.
func geluDerivative(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*invSqrt2Pi*math.Exp(-0.5*x*x)
}

const invSqrt2Pi = 0.3989422804014327 // 1 / sqrt(2 pi)

// isFloat32 reports whether T is float32.
func isFloat32[T Float]() bool {
	_, ok := any(T(0)).(float32)
	return ok
}

// GELUTanh returns the tanh approximation of GELU,
// x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
func GELUTanh[T Float](t *Tensor[T]) *Tensor[T] {
	c := math.Sqrt(2 / math.Pi)
	return map64(t, func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(c*(x+0.044715*x*x*x))) })
}

// Where returns a where cond > 0, else b (all the same shape).
func Where[T Float](cond, a, b *Tensor[T]) *Tensor[T] {
	if len(cond.data) != len(a.data) || len(a.data) != len(b.data) {
		panic(fmt.Sprintf("tensor: Where %v %v %v", cond.shape, a.shape, b.shape))
	}
	out := Empty[T](a.shape...)
	for i, c := range cond.data {
		if c > 0 {
			out.data[i] = a.data[i]
		} else {
			out.data[i] = b.data[i]
		}
	}
	return out
}

// AllFinite reports whether no element is NaN or infinite.
func AllFinite[T Float](t *Tensor[T]) bool {
	for _, v := range t.data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
