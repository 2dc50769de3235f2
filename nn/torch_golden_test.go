package nn

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/tensor"
)

// Golden values from PyTorch 1.13 (scripts/torch_reference.py, committed as
// testdata/torch_reference.h5). Agreement is measured in the sup norm
// relative to the reference's largest magnitude: 1e-5 for float32
// computations, 1e-10 for float64.
func gradOf[T tensor.Float](t *testing.T, loss *autograd.Var[T], vs ...*autograd.Var[T]) []*tensor.Tensor[T] {
	t.Helper()
	g, err := autograd.Grad([]*autograd.Var[T]{loss}, vs, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*tensor.Tensor[T], len(g))
	for i := range g {
		out[i] = g[i].Value
	}
	return out
}

// channelsLast moves axis 1 of [B, C, ...] to the end and back.
func pointwise[T tensor.Float](x, w, b *autograd.Var[T]) *autograd.Var[T] {
	r := len(x.Shape())
	perm := []int{0}
	for a := 2; a < r; a++ {
		perm = append(perm, a)
	}
	perm = append(perm, 1)
	y := autograd.Linear(autograd.Permute(x, perm...), w, b)
	return autograd.Permute(y, tensor.InversePermutation(perm)...)
}

func TestTorchFNOBlock(t *testing.T) {
	g := golden.Open(t)
	x := autograd.Param(golden.Load[float32](g, "fno_block/x"))
	w1, w2 := golden.Load[float32](g, "fno_block/w1"), golden.Load[float32](g, "fno_block/w2")
	w := autograd.Param(tensor.Stack(0, w1, w2)) // [2, Cin, Cout, m1, m2, 2]
	cw := autograd.Param(golden.Load[float32](g, "fno_block/conv_w"))
	cb := autograd.Param(golden.Load[float32](g, "fno_block/conv_b"))
	spec := autograd.SpectralConv(x, w, []int{4, 4})
	golden.Agree(t, "spectral conv", spec.Value, golden.Load[float32](g, "fno_block/spec"), 1e-5)
	y := autograd.GELU(autograd.Add(spec, pointwise(x, cw, cb)))
	golden.Agree(t, "block output", y.Value, golden.Load[float32](g, "fno_block/y"), 1e-5)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float32](g, "fno_block/proj"))))
	gr := gradOf(t, loss, x, w, cw, cb)
	golden.Agree(t, "d/dx", gr[0], golden.Load[float32](g, "fno_block/grad_x"), 1e-5)
	gw := gr[1]
	half := gw.Len() / 2
	golden.Agree(t, "d/dweights1", tensor.FromSlice(gw.Data()[:half], w1.Shape()...), golden.Load[float32](g, "fno_block/grad_w1"), 1e-5)
	golden.Agree(t, "d/dweights2", tensor.FromSlice(gw.Data()[half:], w2.Shape()...), golden.Load[float32](g, "fno_block/grad_w2"), 1e-5)
	golden.Agree(t, "d/dconv weight", gr[2], golden.Load[float32](g, "fno_block/grad_conv_w"), 1e-5)
	golden.Agree(t, "d/dconv bias", gr[3], golden.Load[float32](g, "fno_block/grad_conv_b"), 1e-5)
}

func TestTorchPINNDerivatives(t *testing.T) {
	g := golden.Open(t)
	var params []*autograd.Var[float64]
	for i := 0; i < 6; i++ {
		params = append(params, autograd.Param(golden.Load[float64](g, "mlp_pinn/param"+string(rune('0'+i)))))
	}
	pts := autograd.Param(golden.Load[float64](g, "mlp_pinn/pts"))
	h := autograd.Tanh(autograd.Linear(pts, params[0], params[1]))
	h = autograd.Tanh(autograd.Linear(h, params[2], params[3]))
	u := autograd.Linear(h, params[4], params[5])
	du, err := autograd.Grad([]*autograd.Var[float64]{u}, []*autograd.Var[float64]{pts}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	ux := autograd.Slice(du[0], 1, 0, 1)
	ut := autograd.Slice(du[0], 1, 1, 2)
	d2, err := autograd.Grad([]*autograd.Var[float64]{ux}, []*autograd.Var[float64]{pts}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	uxx := autograd.Slice(d2[0], 1, 0, 1)
	nuv := golden.AttrFloat64(g, "mlp_pinn", "nu")
	res := autograd.Sub(autograd.Add(ut, autograd.Mul(u, ux)), autograd.Scale(uxx, nuv))
	loss := autograd.Mean(autograd.Square(res))
	for name, v := range map[string]*autograd.Var[float64]{"u": u, "u_x": ux, "u_t": ut, "u_xx": uxx, "residual": res} {
		golden.Agree(t, name, v.Value, golden.Load[float64](g, "mlp_pinn/"+name), 1e-10)
	}
	gr := gradOf(t, loss, params...)
	for i := range params {
		golden.Agree(t, "d loss / d param"+string(rune('0'+i)), gr[i], golden.Load[float64](g, "mlp_pinn/grad"+string(rune('0'+i))), 1e-10)
	}
}

// multiHeadAttention is torch.nn.MultiheadAttention's forward (batch
// first, self-attention, no masks) written with autograd ops.
func multiHeadAttention[T tensor.Float](x, inW, inB, outW, outB *autograd.Var[T], heads int) *autograd.Var[T] {
	s := x.Shape()
	b, l, e := s[0], s[1], s[2]
	d := e / heads
	qkv := autograd.Linear(x, inW, inB) // [B, L, 3E]
	split := func(k int) *autograd.Var[T] {
		part := autograd.Slice(qkv, 2, k*e, (k+1)*e)                                // [B, L, E]
		return autograd.Permute(autograd.Reshape(part, b, l, heads, d), 0, 2, 1, 3) // [B, H, L, d]
	}
	q, k, v := split(0), split(1), split(2)
	qf := autograd.Reshape(q, b*heads, l, d)
	kf := autograd.Reshape(k, b*heads, l, d)
	vf := autograd.Reshape(v, b*heads, l, d)
	att := autograd.Softmax(autograd.Scale(autograd.MatMul(qf, kf, false, true), T(1/math.Sqrt(float64(d)))), 2)
	o := autograd.Reshape(autograd.MatMul(att, vf, false, false), b, heads, l, d)
	o = autograd.Reshape(autograd.Permute(o, 0, 2, 1, 3), b, l, e)
	return autograd.Linear(o, outW, outB)
}

func TestTorchAttention(t *testing.T) {
	g := golden.Open(t)
	x := autograd.Param(golden.Load[float32](g, "attention/x"))
	inW := autograd.Param(golden.Load[float32](g, "attention/in_w"))
	inB := autograd.Param(golden.Load[float32](g, "attention/in_b"))
	outW := autograd.Param(golden.Load[float32](g, "attention/out_w"))
	outB := autograd.Param(golden.Load[float32](g, "attention/out_b"))
	y := multiHeadAttention(x, inW, inB, outW, outB, 2)
	golden.Agree(t, "attention output", y.Value, golden.Load[float32](g, "attention/y"), 1e-5)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float32](g, "attention/proj"))))
	gr := gradOf(t, loss, x, inW, inB, outW, outB)
	for i, name := range []string{"grad_x", "grad_in_w", "grad_in_b", "grad_out_w", "grad_out_b"} {
		golden.Agree(t, name, gr[i], golden.Load[float32](g, "attention/"+name), 1e-5)
	}
}

func TestTorchMessagePassing(t *testing.T) {
	g := golden.Open(t)
	x := autograd.Param(golden.Load[float64](g, "message_passing/x"))
	src, dst := golden.Ints(g, "message_passing/src"), golden.Ints(g, "message_passing/dst")
	wm := autograd.Param(golden.Load[float64](g, "message_passing/wm"))
	bm := autograd.Param(golden.Load[float64](g, "message_passing/bm"))
	wu := autograd.Param(golden.Load[float64](g, "message_passing/wu"))
	bu := autograd.Param(golden.Load[float64](g, "message_passing/bu"))
	xs, xd := autograd.Gather(x, 0, src), autograd.Gather(x, 0, dst)
	msg := autograd.Tanh(autograd.Linear(autograd.Concat(1, xs, autograd.Sub(xd, xs)), wm, bm))
	agg := autograd.ScatterAdd(msg, 0, dst, x.Shape()[0])
	y := autograd.Linear(autograd.Concat(1, x, agg), wu, bu)
	golden.Agree(t, "output", y.Value, golden.Load[float64](g, "message_passing/y"), 1e-10)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float64](g, "message_passing/proj"))))
	gr := gradOf(t, loss, x, wm, bm, wu, bu)
	for i, name := range []string{"grad_x", "grad_wm", "grad_bm", "grad_wu", "grad_bu"} {
		golden.Agree(t, name, gr[i], golden.Load[float64](g, "message_passing/"+name), 1e-10)
	}
}

func TestTorchT1Layer(t *testing.T) {
	g := golden.Open(t)
	x := autograd.Param(golden.Load[float32](g, "t1_layer/x"))
	wch := autograd.Param(golden.Load[float32](g, "t1_layer/w_ch"))
	ws1 := autograd.Param(golden.Load[float32](g, "t1_layer/w_s1"))
	ws2 := autograd.Param(golden.Load[float32](g, "t1_layer/w_s2"))
	s := x.Shape()
	z := autograd.ApplyAlongAxis(x, 2, tensor.DCTMatrix[float32](s[2], 5))
	z = autograd.ApplyAlongAxis(z, 3, tensor.DCTMatrix[float32](s[3], 4))
	golden.Agree(t, "truncated DCT", z.Value, golden.Load[float32](g, "t1_layer/z"), 1e-5)
	h := autograd.GELU(autograd.ModeMix(z, wch))
	h = autograd.AxisMix(h, ws1, 2)
	h = autograd.AxisMix(h, ws2, 3)
	y := autograd.Add(h, z)
	golden.Agree(t, "layer output", y.Value, golden.Load[float32](g, "t1_layer/y"), 1e-5)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float32](g, "t1_layer/proj"))))
	gr := gradOf(t, loss, x, wch, ws1, ws2)
	for i, name := range []string{"grad_x", "grad_w_ch", "grad_w_s1", "grad_w_s2"} {
		golden.Agree(t, name, gr[i], golden.Load[float32](g, "t1_layer/"+name), 1e-5)
	}
}

func TestTorchNormLayers(t *testing.T) {
	g := golden.Open(t)
	x := autograd.Param(golden.Load[float64](g, "norms/x"))
	ln := NewLayerNorm[float64](5, 3)
	ln.Weight, ln.Bias = autograd.Param(golden.Load[float64](g, "norms/ln_w")), autograd.Param(golden.Load[float64](g, "norms/ln_b"))
	gn, _ := NewGroupNorm[float64](2, 4)
	gn.Weight, gn.Bias = autograd.Param(golden.Load[float64](g, "norms/gn_w")), autograd.Param(golden.Load[float64](g, "norms/gn_b"))
	in := NewInstanceNorm[float64](4, false)
	for name, y := range map[string]*autograd.Var[float64]{"layer": ln.Forward(x), "group": gn.Forward(x), "instance": in.Forward(x)} {
		golden.Agree(t, name+" norm", y.Value, golden.Load[float64](g, "norms/"+name), 1e-10)
		loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float64](g, "norms/"+name+"_proj"))))
		golden.Agree(t, name+" norm d/dx", gradOf(t, loss, x)[0], golden.Load[float64](g, "norms/"+name+"_grad_x"), 1e-10)
	}
}

func TestTorchOptimizers(t *testing.T) {
	g := golden.Open(t)
	A, b, w0 := golden.Load[float64](g, "optim/A"), golden.Load[float64](g, "optim/b"), golden.Load[float64](g, "optim/w0")
	run := func(name string, opt Optimizer[float64]) *tensor.Tensor[float64] {
		w := autograd.Param(w0.Clone())
		params := []Param[float64]{{Name: "w", Var: w}}
		var traj []*tensor.Tensor[float64]
		for s := 0; s < 6; s++ {
			ZeroGrad(params)
			r := autograd.Sub(autograd.Reshape(autograd.MatMul(autograd.Const(A), autograd.Reshape(w, 6, 1), false, false), 8), autograd.Const(b))
			l := autograd.Add(autograd.Scale(autograd.Sum(autograd.Square(r)), 0.5), autograd.Scale(autograd.Sum(autograd.Sin(autograd.Scale(w, 3))), 0.1))
			if err := autograd.Backward(l); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(params); err != nil {
				t.Fatal(err)
			}
			traj = append(traj, w.Value.Clone())
		}
		return tensor.Stack(0, traj...)
	}
	sgdM := NewSGD[float64](0.02)
	sgdM.Momentum, sgdM.Dampening, sgdM.WeightDecay = 0.9, 0.1, 0.01
	sgdN := NewSGD[float64](0.02)
	sgdN.Momentum, sgdN.Nesterov, sgdN.WeightDecay = 0.9, true, 0.01
	adamax := NewAdamax[float64](0.1)
	adamax.WeightDecay = 0.01
	amsgrad := NewAdam[float64](0.3, 0.01)
	amsgrad.AMSGrad = true
	cases := map[string]Optimizer[float64]{
		"sgd": NewSGD[float64](0.02), "sgd_momentum": sgdM, "sgd_nesterov": sgdN,
		"adam": NewAdam[float64](0.05, 0.01), "adamw": NewAdamW[float64](0.05, 0.1), "adamax": adamax, "adam_amsgrad": amsgrad,
	}
	for name, opt := range cases {
		golden.Agree(t, name+" trajectory", run(name, opt), golden.Load[float64](g, "optim/"+name), 1e-10)
	}
	// The AMSGrad case must exercise the running maximum: plain Adam at the
	// same rate ends elsewhere.
	plain := run("adam_amsgrad", NewAdam[float64](0.3, 0.01))
	want := golden.Load[float64](g, "optim/adam_amsgrad")
	var gap float64
	for i, v := range plain.Data() {
		gap = math.Max(gap, math.Abs(v-want.Data()[i]))
	}
	if gap < 1e-6 {
		t.Errorf("plain Adam matches the AMSGrad trajectory (gap %g): the case does not test AMSGrad", gap)
	}
	// float32 Adam.
	w := autograd.Param(tensor.Convert[float32](w0))
	params := []Param[float32]{{Name: "w", Var: w}}
	opt := NewAdam[float32](0.05, 0.01)
	A32, b32 := tensor.Convert[float32](A), tensor.Convert[float32](b)
	var traj []*tensor.Tensor[float32]
	for s := 0; s < 6; s++ {
		ZeroGrad(params)
		r := autograd.Sub(autograd.Reshape(autograd.MatMul(autograd.Const(A32), autograd.Reshape(w, 6, 1), false, false), 8), autograd.Const(b32))
		l := autograd.Add(autograd.Scale(autograd.Sum(autograd.Square(r)), 0.5), autograd.Scale(autograd.Sum(autograd.Sin(autograd.Scale(w, 3))), 0.1))
		autograd.Backward(l)
		opt.Step(params)
		traj = append(traj, w.Value.Clone())
	}
	golden.Agree(t, "adam float32 trajectory", tensor.Stack(0, traj...), golden.Load[float32](g, "optim/adam_float32"), 1e-5)
}

func TestTorchSchedules(t *testing.T) {
	g := golden.Open(t)
	seq := func(s Schedule, n int, metrics []float64) *tensor.Tensor[float64] {
		out := make([]float64, n)
		for i := range out {
			out[i] = s.LR()
			m := 0.0
			if metrics != nil {
				m = metrics[i]
			}
			s.Step(m)
		}
		return tensor.FromSlice(out, n)
	}
	metrics := golden.Load[float64](g, "schedules/plateau_metrics").Data()
	plateau := NewReduceOnPlateau(1)
	plateau.Factor, plateau.Patience = 0.5, 2
	cases := []struct {
		name string
		s    Schedule
		n    int
		m    []float64
	}{
		{"step", &StepLR{Base: 1, Gamma: 0.5, Size: 3}, 12, nil},
		{"multistep", &MultiStepLR{Base: 1, Gamma: 0.1, Milestones: []int{2, 5}}, 12, nil},
		{"exponential", &ExponentialLR{Base: 1, Gamma: 0.9}, 12, nil},
		{"cosine", &CosineLR{Base: 1, Min: 0.01, Total: 8}, 9, nil},
		{"onecycle", NewOneCycleLR(1, 20), 20, nil},
		{"plateau", plateau, 12, metrics},
	}
	for _, c := range cases {
		golden.Agree(t, c.name+" schedule", seq(c.s, c.n, c.m), golden.Load[float64](g, "schedules/"+c.name), 1e-12)
	}
}

func TestTorchFFT(t *testing.T) {
	g := golden.Open(t)
	complexAgree := func(name string, got *tensor.CTensor[float64], want *tensor.Tensor[float64]) {
		golden.Agree(t, name, tensor.FromSlice(got.Data(), append(append([]int{}, got.Shape()...), 2)...), want, 1e-12)
	}
	complexAgree("rfftn 2D", tensor.RFFTN(golden.Load[float64](g, "fft/x2"), 2), golden.Load[float64](g, "fft/X2"))
	complexAgree("rfftn 3D", tensor.RFFTN(golden.Load[float64](g, "fft/x3"), 3), golden.Load[float64](g, "fft/X3"))
	Z := golden.Load[float64](g, "fft/Z")
	zs := Z.Shape()
	golden.Agree(t, "irfftn 2D of a non-Hermitian spectrum", tensor.IRFFTN(tensor.CFromSlice(Z.Data(), zs[:len(zs)-1]...), 2, 10), golden.Load[float64](g, "fft/irfft2_Z"), 1e-12)
}
