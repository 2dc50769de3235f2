package fno

import (
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/gradtest"
	"github.com/surrogo/surrogo/tensor"
)

func TestShapesAndParamCount(t *testing.T) {
	r := tensor.NewRNG(1)
	m, err := New[float32](Config{Dim: 1, InChannels: 1, Width: 64, Modes: []int{16}}, r)
	if err != nil {
		t.Fatal(err)
	}
	// fourier_1d.py: fc0 (2*64+64) + 4*(64*64*16*2 + 64*64+64) + fc1 (64*128+128) + fc2 (128+1).
	want := (2*64 + 64) + 4*(64*64*16*2+64*64+64) + (64*128 + 128) + (128 + 1)
	if got := nn.CountParams(m.Params()); got != want {
		t.Fatalf("%d parameters, the original FNO-1D has %d", got, want)
	}
	for _, n := range []int{64, 128, 256} { // any resolution whose modes fit
		y, err := m.Forward(autograd.Const(tensor.RandN[float32](r, 3, n, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if s := y.Shape(); s[0] != 3 || s[1] != n || s[2] != 1 {
			t.Fatalf("output shape %v", s)
		}
	}
	m2, err := New[float32](Config{Dim: 2, InChannels: 1, Width: 8, Modes: []int{4, 4}, PadFraction: 0.1}, r)
	if err != nil {
		t.Fatal(err)
	}
	y, err := m2.Forward(autograd.Const(tensor.RandN[float32](r, 2, 20, 20, 1)))
	if err != nil || y.Shape()[1] != 20 || y.Shape()[2] != 20 {
		t.Fatalf("2D padded forward: %v %v", y, err)
	}
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	r := tensor.NewRNG(2)
	m, err := New[float64](Config{Dim: 2, InChannels: 2, OutChannels: 1, Width: 3, Modes: []int{2, 2}, Layers: 2, ProjHidden: 4, PadFraction: 0.25}, r)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.RandN[float64](r, 2, 8, 6, 2)
	target := tensor.RandN[float64](r, 2, 8, 6, 1)
	gradtest.Check(t, m.Params(), func() *autograd.Var[float64] {
		y, err := m.Forward(autograd.Const(x))
		if err != nil {
			t.Fatal(err)
		}
		return nn.RelL2(y, autograd.Const(target))
	})
}

func TestBadConfigs(t *testing.T) {
	r := tensor.NewRNG(3)
	cases := map[string]Config{
		"width 0":   {Dim: 1, InChannels: 1, Modes: []int{4}},
		"dim":       {Dim: 4, InChannels: 1, Width: 4, Modes: []int{1, 1, 1, 1}},
		"modes len": {Dim: 2, InChannels: 1, Width: 4, Modes: []int{4}},
		"act":       {Dim: 1, InChannels: 1, Width: 4, Modes: []int{4}, Activation: "swish"},
	}
	for name, c := range cases {
		if _, err := New[float32](c, r); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	m, _ := New[float32](Config{Dim: 1, InChannels: 1, Width: 4, Modes: []int{16}}, r)
	_, err := m.Forward(autograd.Const(tensor.New[float32](1, 16, 1)))
	if err == nil || !strings.Contains(err.Error(), "modes[0] = 16 exceeds") {
		t.Errorf("modes beyond the grid: %v", err)
	}
	_, err = m.Forward(autograd.Const(tensor.New[float32](1, 64, 2)))
	if err == nil || !strings.Contains(err.Error(), "1 channels") {
		t.Errorf("channel mismatch: %v", err)
	}
}

func TestParamCountMatchesBuiltModels(t *testing.T) {
	r := tensor.NewRNG(2)
	for _, c := range []Config{
		{Dim: 1, InChannels: 1, Width: 64, Modes: []int{16}},
		{Dim: 2, InChannels: 10, Width: 8, Modes: []int{4, 3}, Layers: 2, ProjHidden: 16},
		{Dim: 3, InChannels: 2, OutChannels: 3, Width: 4, Modes: []int{2, 3, 2}, Layers: 1, ProjHidden: 5},
	} {
		m, err := New[float32](c, r)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.ParamCount(), float64(nn.CountParams(m.Params())); got != want {
			t.Errorf("%+v: ParamCount %v, the built model has %v", c, got, want)
		}
	}
	// Far too large to build, and no overflow.
	huge := Config{Dim: 2, InChannels: 1, Width: 100_000_000, Modes: []int{12, 12}, Layers: 1_000_000_000}
	if n := huge.ParamCount(); !(n > 5e27) { // 2 * 1e16 * 288 * 1e9
		t.Errorf("huge config: ParamCount %v", n)
	}
}

// Buffer recycling changes no number: training steps that release their
// graphs (the buffers reused step after step) give the parameters of steps
// that keep them, and inference, which recycles each layer's input as it
// goes, gives the recorded forward pass's output and leaves its input be.
func TestRecyclingChangesNoNumber(t *testing.T) {
	cfg := Config{Dim: 2, InChannels: 1, Width: 8, Modes: []int{4, 4}, Layers: 3, PadFraction: 0.25}
	r := tensor.NewRNG(5)
	x := tensor.RandN[float32](r, 4, 24, 20, 1)
	y := tensor.RandN[float32](r, 4, 24, 20, 1)
	train := func(backward func(*autograd.Var[float32]) error) []nn.Param[float32] {
		m, err := New[float32](cfg, tensor.NewRNG(9))
		if err != nil {
			t.Fatal(err)
		}
		params, opt := m.Params(), nn.NewAdam[float32](1e-2, 0)
		for step := 0; step < 3; step++ {
			nn.ZeroGrad(params)
			out, err := m.Forward(autograd.Const(x))
			if err != nil {
				t.Fatal(err)
			}
			if err := backward(nn.RelL2(out, autograd.Const(y))); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(params); err != nil {
				t.Fatal(err)
			}
		}
		return params
	}
	kept, released := train(autograd.Backward[float32]), train(autograd.BackwardAndRelease[float32])
	for i := range kept {
		a, b := kept[i].Var.Value.Data(), released[i].Var.Value.Data()
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("parameter %s[%d]: %v after released steps, %v after kept ones", kept[i].Name, j, b[j], a[j])
			}
		}
	}

	m, err := New[float32](cfg, tensor.NewRNG(9))
	if err != nil {
		t.Fatal(err)
	}
	input := x.Clone()
	recorded, err := m.Forward(autograd.Param(input))
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ { // the second reuses the first's buffers
		var out *autograd.Var[float32]
		autograd.NoGrad(func() { out, err = m.Forward(autograd.Const(input)) })
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range recorded.Value.Data() {
			if out.Value.Data()[j] != v {
				t.Fatalf("round %d: inference output[%d] = %v, the recorded pass gives %v", round, j, out.Value.Data()[j], v)
			}
		}
	}
	for j, v := range x.Data() {
		if input.Data()[j] != v {
			t.Fatalf("inference changed its input at %d", j)
		}
	}
}
