package fno

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
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
	lossAt := func() float64 {
		var l float64
		autograd.NoGrad(func() {
			y, _ := m.Forward(autograd.Const(x))
			l = nn.RelL2(y, autograd.Const(target)).Value.Item()
		})
		return l
	}
	y, _ := m.Forward(autograd.Const(x))
	loss := nn.RelL2(y, autograd.Const(target))
	params := m.Params()
	vars := make([]*autograd.Var[float64], len(params))
	for i, p := range params {
		vars[i] = p.Var
	}
	grads, err := autograd.Grad([]*autograd.Var[float64]{loss}, vars, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range params {
		d := p.Var.Value.Data()
		for _, j := range []int{0, len(d) / 2, len(d) - 1} {
			old := d[j]
			d[j] = old + 1e-6
			lp := lossAt()
			d[j] = old - 1e-6
			lm := lossAt()
			d[j] = old
			num := (lp - lm) / 2e-6
			if got := grads[i].Value.Data()[j]; math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Fatalf("%s[%d]: gradient %v, finite difference %v", p.Name, j, got, num)
			}
		}
	}
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
