package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

type fn = func(xs []*Var[float64]) *Var[float64]

// loss projects f's output on a fixed random tensor, giving a scalar whose
// gradient exercises every output element.
func loss(f fn, xs []*Var[float64], proj *tensor.Tensor[float64]) *Var[float64] {
	return Sum(Mul(f(xs), Const(proj)))
}

func evalLoss(f fn, vals []*tensor.Tensor[float64], proj *tensor.Tensor[float64]) float64 {
	var out float64
	NoGrad(func() {
		xs := make([]*Var[float64], len(vals))
		for i, v := range vals {
			xs[i] = Const(v)
		}
		out = loss(f, xs, proj).Value.Item()
	})
	return out
}

func params(vals []*tensor.Tensor[float64]) []*Var[float64] {
	xs := make([]*Var[float64], len(vals))
	for i, v := range vals {
		xs[i] = Param(v.Clone())
	}
	return xs
}

func analyticGrad(t *testing.T, f fn, vals []*tensor.Tensor[float64], proj *tensor.Tensor[float64]) []*tensor.Tensor[float64] {
	t.Helper()
	xs := params(vals)
	g, err := Grad([]*Var[float64]{loss(f, xs, proj)}, xs, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*tensor.Tensor[float64], len(g))
	for i := range g {
		out[i] = g[i].Value
	}
	return out
}

// checkGrad compares the gradient with central finite differences and, if
// second, the Hessian-vector product with finite differences of the
// gradient.
func checkGrad(t *testing.T, f fn, vals []*tensor.Tensor[float64], second bool) {
	t.Helper()
	r := tensor.NewRNG(99)
	var outShape []int
	NoGrad(func() {
		xs := make([]*Var[float64], len(vals))
		for i, v := range vals {
			xs[i] = Const(v)
		}
		outShape = f(xs).Shape()
	})
	proj := tensor.RandN[float64](r, outShape...)
	grads := analyticGrad(t, f, vals, proj)
	const h = 1e-6
	for i, v := range vals {
		for j := range v.Data() {
			old := v.Data()[j]
			v.Data()[j] = old + h
			lp := evalLoss(f, vals, proj)
			v.Data()[j] = old - h
			lm := evalLoss(f, vals, proj)
			v.Data()[j] = old
			num := (lp - lm) / (2 * h)
			got := grads[i].Data()[j]
			if math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Fatalf("input %d element %d: gradient %.10g, finite difference %.10g", i, j, got, num)
			}
		}
	}
	if !second {
		return
	}
	// Hessian-vector product: d/dx <grad L(x), v>.
	dirs := make([]*tensor.Tensor[float64], len(vals))
	for i, v := range vals {
		dirs[i] = tensor.RandN[float64](r, v.Shape()...)
	}
	xs := params(vals)
	g, err := Grad([]*Var[float64]{loss(f, xs, proj)}, xs, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var s *Var[float64]
	for i := range g {
		term := Sum(Mul(g[i], Const(dirs[i])))
		if s == nil {
			s = term
		} else {
			s = Add(s, term)
		}
	}
	if !s.RequiresGrad() {
		// The gradient does not depend on the inputs: the Hessian is zero.
		checkZeroHessian(t, f, vals, proj, dirs)
		return
	}
	hv, err := Grad([]*Var[float64]{s}, xs, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	shifted := func(sign float64) []*tensor.Tensor[float64] {
		moved := make([]*tensor.Tensor[float64], len(vals))
		for i, v := range vals {
			moved[i] = tensor.Add(v, tensor.Scale(dirs[i], sign*1e-5))
		}
		return analyticGrad(t, f, moved, proj)
	}
	gp, gm := shifted(1), shifted(-1)
	for i := range vals {
		for j, got := range hv[i].Value.Data() {
			num := (gp[i].Data()[j] - gm[i].Data()[j]) / 2e-5
			if math.Abs(got-num) > 1e-5*math.Max(1, math.Abs(num)) {
				t.Fatalf("input %d element %d: Hessian-vector product %.10g, finite difference %.10g", i, j, got, num)
			}
		}
	}
}

func checkZeroHessian(t *testing.T, f fn, vals []*tensor.Tensor[float64], proj *tensor.Tensor[float64], dirs []*tensor.Tensor[float64]) {
	t.Helper()
	moved := make([]*tensor.Tensor[float64], len(vals))
	for i, v := range vals {
		moved[i] = tensor.Add(v, tensor.Scale(dirs[i], 1e-3))
	}
	a, b := analyticGrad(t, f, vals, proj), analyticGrad(t, f, moved, proj)
	for i := range a {
		for j := range a[i].Data() {
			if math.Abs(a[i].Data()[j]-b[i].Data()[j]) > 1e-9 {
				t.Fatalf("gradient is constant in the graph but changes with the input (%d, %d)", i, j)
			}
		}
	}
}

func positive(r *tensor.RNG, shape ...int) *tensor.Tensor[float64] {
	return tensor.AddScalar(tensor.Abs(tensor.RandN[float64](r, shape...)), 0.5)
}

func TestGradients(t *testing.T) {
	r := tensor.NewRNG(1)
	n := func(shape ...int) *tensor.Tensor[float64] { return tensor.RandN[float64](r, shape...) }
	p := func(shape ...int) *tensor.Tensor[float64] { return positive(r, shape...) }
	cases := []struct {
		name   string
		f      fn
		inputs []*tensor.Tensor[float64]
	}{
		{"add", func(x []*Var[float64]) *Var[float64] { return Add(x[0], x[1]) }, []*tensor.Tensor[float64]{n(3, 4), n(3, 4)}},
		{"add broadcast row", func(x []*Var[float64]) *Var[float64] { return Add(x[0], x[1]) }, []*tensor.Tensor[float64]{n(3, 4), n(4)}},
		{"add broadcast both", func(x []*Var[float64]) *Var[float64] { return Add(x[0], x[1]) }, []*tensor.Tensor[float64]{n(3, 1, 5), n(4, 1)}},
		{"sub scalar", func(x []*Var[float64]) *Var[float64] { return Sub(x[0], x[1]) }, []*tensor.Tensor[float64]{n(), n(2, 3)}},
		{"mul", func(x []*Var[float64]) *Var[float64] { return Mul(x[0], x[1]) }, []*tensor.Tensor[float64]{n(2, 1, 3), n(1, 5, 1)}},
		{"div", func(x []*Var[float64]) *Var[float64] { return Div(x[0], x[1]) }, []*tensor.Tensor[float64]{n(4, 3), p(3)}},
		{"neg scale shift", func(x []*Var[float64]) *Var[float64] { return AddScalar(Scale(Neg(x[0]), 2.5), 1) }, []*tensor.Tensor[float64]{n(7)}},
		{"pow 3", func(x []*Var[float64]) *Var[float64] { return PowScalar(x[0], 3) }, []*tensor.Tensor[float64]{n(2, 3)}},
		{"pow 1.5", func(x []*Var[float64]) *Var[float64] { return PowScalar(x[0], 1.5) }, []*tensor.Tensor[float64]{p(5)}},
		{"exp", func(x []*Var[float64]) *Var[float64] { return Exp(x[0]) }, []*tensor.Tensor[float64]{n(3, 3)}},
		{"log", func(x []*Var[float64]) *Var[float64] { return Log(x[0]) }, []*tensor.Tensor[float64]{p(4)}},
		{"sin", func(x []*Var[float64]) *Var[float64] { return Sin(x[0]) }, []*tensor.Tensor[float64]{n(5)}},
		{"cos", func(x []*Var[float64]) *Var[float64] { return Cos(x[0]) }, []*tensor.Tensor[float64]{n(5)}},
		{"tanh", func(x []*Var[float64]) *Var[float64] { return Tanh(x[0]) }, []*tensor.Tensor[float64]{n(2, 5)}},
		{"sqrt", func(x []*Var[float64]) *Var[float64] { return Sqrt(x[0]) }, []*tensor.Tensor[float64]{p(6)}},
		{"sigmoid", func(x []*Var[float64]) *Var[float64] { return Sigmoid(x[0]) }, []*tensor.Tensor[float64]{n(6)}},
		{"silu", func(x []*Var[float64]) *Var[float64] { return SiLU(x[0]) }, []*tensor.Tensor[float64]{n(6)}},
		{"erf", func(x []*Var[float64]) *Var[float64] { return Erf(x[0]) }, []*tensor.Tensor[float64]{n(6)}},
		{"gelu", func(x []*Var[float64]) *Var[float64] { return GELU(x[0]) }, []*tensor.Tensor[float64]{n(3, 4)}},
		{"gelu tanh", func(x []*Var[float64]) *Var[float64] { return GELUTanh(x[0]) }, []*tensor.Tensor[float64]{n(3, 4)}},
		{"sum", func(x []*Var[float64]) *Var[float64] { return Sum(Mul(x[0], x[0])) }, []*tensor.Tensor[float64]{n(2, 3)}},
		{"mean", func(x []*Var[float64]) *Var[float64] { return Mean(Mul(x[0], x[0])) }, []*tensor.Tensor[float64]{n(2, 3)}},
		{"sum axes", func(x []*Var[float64]) *Var[float64] { return SumAxes(Mul(x[0], x[0]), []int{0, 2}, false) }, []*tensor.Tensor[float64]{n(2, 3, 4)}},
		{"mean axes keep", func(x []*Var[float64]) *Var[float64] { return MeanAxes(Tanh(x[0]), []int{-1}, true) }, []*tensor.Tensor[float64]{n(3, 5)}},
		{"broadcast to", func(x []*Var[float64]) *Var[float64] {
			return Mul(BroadcastTo(x[0], []int{2, 3, 4}), BroadcastTo(x[0], []int{2, 3, 4}))
		}, []*tensor.Tensor[float64]{n(3, 1)}},
		{"sum to", func(x []*Var[float64]) *Var[float64] { return Square(SumTo(x[0], []int{1, 4})) }, []*tensor.Tensor[float64]{n(3, 2, 4)}},
		{"reshape", func(x []*Var[float64]) *Var[float64] { return Sin(Reshape(Mul(x[0], x[0]), 4, -1)) }, []*tensor.Tensor[float64]{n(2, 6)}},
		{"permute", func(x []*Var[float64]) *Var[float64] { return Mul(Permute(x[0], 2, 0, 1), Permute(x[0], 2, 0, 1)) }, []*tensor.Tensor[float64]{n(2, 3, 4)}},
		{"slice", func(x []*Var[float64]) *Var[float64] { return Square(Slice(x[0], 1, 1, 3)) }, []*tensor.Tensor[float64]{n(2, 4, 3)}},
		{"pad", func(x []*Var[float64]) *Var[float64] { return Exp(Pad(x[0], 0, 2, 1, 0.5)) }, []*tensor.Tensor[float64]{n(3, 2)}},
		{"concat", func(x []*Var[float64]) *Var[float64] { return Square(Concat(1, x[0], x[1], x[0])) }, []*tensor.Tensor[float64]{n(2, 1, 3), n(2, 4, 3)}},
		{"stack", func(x []*Var[float64]) *Var[float64] { return Mul(Stack(0, x[0], x[1]), Stack(0, x[1], x[0])) }, []*tensor.Tensor[float64]{n(3), n(3)}},
		{"matmul", func(x []*Var[float64]) *Var[float64] { return Square(MatMul(x[0], x[1], false, false)) }, []*tensor.Tensor[float64]{n(3, 4), n(4, 5)}},
		{"matmul trans", func(x []*Var[float64]) *Var[float64] { return Square(MatMul(x[0], x[1], true, true)) }, []*tensor.Tensor[float64]{n(4, 3), n(5, 4)}},
		{"matmul batched", func(x []*Var[float64]) *Var[float64] { return Square(MatMul(x[0], x[1], false, true)) }, []*tensor.Tensor[float64]{n(2, 3, 4), n(2, 5, 4)}},
		{"matmul shared right", func(x []*Var[float64]) *Var[float64] { return Square(MatMul(x[0], x[1], false, false)) }, []*tensor.Tensor[float64]{n(2, 3, 4), n(4, 2)}},
		{"matmul shared left", func(x []*Var[float64]) *Var[float64] { return Square(MatMul(x[0], x[1], true, false)) }, []*tensor.Tensor[float64]{n(4, 3), n(2, 4, 2)}},
		{"linear", func(x []*Var[float64]) *Var[float64] { return Tanh(Linear(x[0], x[1], x[2])) }, []*tensor.Tensor[float64]{n(2, 3, 4), n(5, 4), n(5)}},
		{"product3", func(x []*Var[float64]) *Var[float64] { return Tanh(product3(x[0], x[1], x[2], -2)) }, []*tensor.Tensor[float64]{n(3, 4), n(3, 4), n(3, 4)}},
		{"channel linear", func(x []*Var[float64]) *Var[float64] { return Tanh(ChannelLinear(x[0], x[1], x[2], nil)) }, []*tensor.Tensor[float64]{n(2, 3, 4), n(5, 3), n(5)}},
		{"channel linear + residual", func(x []*Var[float64]) *Var[float64] { return Tanh(ChannelLinear(x[0], x[1], x[2], x[3])) }, []*tensor.Tensor[float64]{n(2, 3, 4), n(5, 3), n(5), n(2, 5, 4)}},
		{"linear no bias", func(x []*Var[float64]) *Var[float64] { return Sin(Linear(x[0], x[1], nil)) }, []*tensor.Tensor[float64]{n(6, 4), n(1, 4)}},
		{"gather", func(x []*Var[float64]) *Var[float64] { return Square(Gather(x[0], 0, []int{2, 0, 2, 1})) }, []*tensor.Tensor[float64]{n(3, 2)}},
		{"scatter add", func(x []*Var[float64]) *Var[float64] { return Square(ScatterAdd(x[0], 1, []int{1, 1, 0}, 4)) }, []*tensor.Tensor[float64]{n(2, 3, 2)}},
		{"softmax", func(x []*Var[float64]) *Var[float64] { return Softmax(x[0], 1) }, []*tensor.Tensor[float64]{n(2, 5)}},
		{"softmax axis 0", func(x []*Var[float64]) *Var[float64] { return Mul(Softmax(x[0], 0), x[0]) }, []*tensor.Tensor[float64]{n(4, 3)}},
		{"dct along axis", func(x []*Var[float64]) *Var[float64] {
			return Square(ApplyAlongAxis(x[0], 1, tensor.DCTMatrix[float64](5, 3)))
		}, []*tensor.Tensor[float64]{n(2, 5, 3)}},
		{"mode mix", func(x []*Var[float64]) *Var[float64] { return Square(ModeMix(x[0], x[1])) }, []*tensor.Tensor[float64]{n(2, 3, 4, 2), n(3, 2, 4, 2)}},
		{"axis mix 2", func(x []*Var[float64]) *Var[float64] { return Square(AxisMix(x[0], x[1], 2)) }, []*tensor.Tensor[float64]{n(2, 3, 4, 2), n(4, 5, 3)}},
		{"axis mix last", func(x []*Var[float64]) *Var[float64] { return Square(AxisMix(x[0], x[1], -1)) }, []*tensor.Tensor[float64]{n(2, 3, 4, 2), n(2, 2, 3)}},
		{"abs", func(x []*Var[float64]) *Var[float64] { return Abs(x[0]) }, []*tensor.Tensor[float64]{p(4)}},
		{"relu", func(x []*Var[float64]) *Var[float64] { return Mul(Relu(x[0]), x[0]) }, []*tensor.Tensor[float64]{p(4)}},
		{"size-1 axes", func(x []*Var[float64]) *Var[float64] { return Mul(Add(x[0], x[1]), x[1]) }, []*tensor.Tensor[float64]{n(1, 1, 3), n(2, 1, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGrad(t, c.f, c.inputs, true) })
	}
}

// TestPINNDerivatives checks u_x and u_xx of a small tanh network against
// finite differences, and the weight gradient of a loss made of u_xx.
func TestPINNDerivatives(t *testing.T) {
	r := tensor.NewRNG(3)
	w1 := Param(tensor.RandN[float64](r, 8, 1))
	b1 := Param(tensor.RandN[float64](r, 8))
	w2 := Param(tensor.RandN[float64](r, 1, 8))
	net := func(x *Var[float64]) *Var[float64] { return Linear(Tanh(Linear(x, w1, b1)), w2, nil) }
	xs := tensor.Linspace[float64](-1, 1, 5).Reshape(5, 1)
	x := Param(xs.Clone())
	u := net(x)
	ux, err := Grad([]*Var[float64]{u}, []*Var[float64]{x}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	uxx, err := Grad(ux, []*Var[float64]{x}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	eval := func(v float64) float64 {
		var out float64
		NoGrad(func() { out = net(Const(tensor.FromSlice([]float64{v}, 1, 1))).Value.Item() })
		return out
	}
	const h = 1e-4
	for i, xv := range xs.Data() {
		fx := (eval(xv+h) - eval(xv-h)) / (2 * h)
		fxx := (eval(xv+h) - 2*eval(xv) + eval(xv-h)) / (h * h)
		if math.Abs(ux[0].Value.Data()[i]-fx) > 1e-7 || math.Abs(uxx[0].Value.Data()[i]-fxx) > 1e-5 {
			t.Fatalf("x=%v: u_x %v (fd %v), u_xx %v (fd %v)", xv, ux[0].Value.Data()[i], fx, uxx[0].Value.Data()[i], fxx)
		}
	}
	// d/dw1 of mean(u_xx^2) against finite differences in w1.
	lossOf := func() *Var[float64] {
		x := Param(xs.Clone())
		u := net(x)
		ux, _ := Grad([]*Var[float64]{u}, []*Var[float64]{x}, nil, true)
		uxx, _ := Grad(ux, []*Var[float64]{x}, nil, true)
		return Mean(Square(uxx[0]))
	}
	L := lossOf()
	gw, err := Grad([]*Var[float64]{L}, []*Var[float64]{w1}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for j := range w1.Value.Data() {
		old := w1.Value.Data()[j]
		w1.Value.Data()[j] = old + 1e-6
		lp := lossOf().Value.Item()
		w1.Value.Data()[j] = old - 1e-6
		lm := lossOf().Value.Item()
		w1.Value.Data()[j] = old
		num := (lp - lm) / 2e-6
		if got := gw[0].Value.Data()[j]; math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
			t.Fatalf("dL/dw1[%d] = %v, finite difference %v", j, got, num)
		}
	}
}

func TestBackwardAccumulatesAndNoGrad(t *testing.T) {
	w := Param(tensor.FromSlice([]float64{1, 2, 3}, 3))
	for i := 0; i < 2; i++ {
		if err := Backward(Sum(Mul(w, w))); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(w.Grad.Data()) != "[4 8 12]" {
		t.Fatalf("accumulated grad %v, want [4 8 12]", w.Grad.Data())
	}
	var y *Var[float64]
	NoGrad(func() { y = Mul(w, w) })
	if y.RequiresGrad() || !y.IsLeaf() {
		t.Fatal("NoGrad recorded an op")
	}
	if err := Backward(y); err == nil {
		t.Fatal("Backward on an unrecorded value did not fail")
	}
	// Unused inputs get zero gradients.
	z := Param(tensor.Ones[float64](2))
	g, err := Grad([]*Var[float64]{Sum(w)}, []*Var[float64]{z}, nil, false)
	if err != nil || tensor.Sum(g[0].Value) != 0 {
		t.Fatalf("unused input: %v %v", g, err)
	}
}

// TestGradSkipsUnrequestedInputs: asking for d/dx of a tanh MLP layer must
// not compute (or record) the weight and bias gradients, and d/dx must be
// the same as from the full pass.
func TestGradSkipsUnrequestedInputs(t *testing.T) {
	r := tensor.NewRNG(3)
	x := Param(tensor.RandN[float64](r, 5, 4))
	w, b := Param(tensor.RandN[float64](r, 3, 4)), Param(tensor.RandN[float64](r, 3))
	y := Sum(Tanh(Linear(x, w, b)))
	pruned, err := backprop([]*Var[float64]{y}, nil, []*Var[float64]{x}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*Var[float64]{"weight": w, "bias": b} {
		if _, ok := pruned[v]; ok {
			t.Errorf("the %s got a gradient though only x was asked for", name)
		}
	}
	full, err := backprop([]*Var[float64]{y}, nil, nil, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := tensor.Sum(tensor.Abs(tensor.Sub(pruned[x].Value, full[x].Value))); d != 0 {
		t.Errorf("d/dx differs from the full pass by %g", d)
	}
}

func TestFloat32Gradients(t *testing.T) {
	r := tensor.NewRNG(5)
	x := Param(tensor.RandN[float32](r, 4, 3))
	w := Param(tensor.RandN[float32](r, 2, 3))
	L := Sum(Tanh(Linear(x, w, nil)))
	g, err := Grad([]*Var[float32]{L}, []*Var[float32]{w}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	// Compare with the float64 computation.
	x64 := Param(tensor.Convert[float64](x.Value))
	w64 := Param(tensor.Convert[float64](w.Value))
	g64, _ := Grad([]*Var[float64]{Sum(Tanh(Linear(x64, w64, nil)))}, []*Var[float64]{w64}, nil, false)
	for i, v := range g[0].Value.Data() {
		if math.Abs(float64(v)-g64[0].Value.Data()[i]) > 1e-5 {
			t.Fatalf("float32 gradient %v vs float64 %v", v, g64[0].Value.Data()[i])
		}
	}
}
