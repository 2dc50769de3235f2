package t1

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/gradtest"
	"github.com/surrogo/surrogo/tensor"
)

func TestShapesBandLimitAndParams(t *testing.T) {
	r := tensor.NewRNG(1)
	m, err := New[float64](Config{Dim: 2, InChannels: 1, Width: 6, Modes: []int{5, 3}, Layers: 2, HeadHidden: 8, SignalSize: []int{16, 12}}, r)
	if err != nil {
		t.Fatal(err)
	}
	// fc0 (3*6+6) + 2 layers (6*6*5*3 + 5*5*6 + 3*3*6) + fc1 8*6 + fc2 8.
	want := (3*6 + 6) + 2*(6*6*15+25*6+9*6) + 8*6 + 8
	if got := nn.CountParams(m.Params()); got != want {
		t.Fatalf("%d parameters, want %d", got, want)
	}
	// Make the head non-trivial, then check the output is band-limited:
	// its DCT has nothing beyond the 5 x 3 kept modes.
	for _, p := range []*autograd.Var[float64]{m.Head1.W, m.Head2.W} {
		d := p.Value.Data()
		for i := range d {
			d[i] = r.Normal()
		}
	}
	y, err := m.Forward(autograd.Const(tensor.RandN[float64](r, 2, 16, 12, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if s := y.Shape(); s[0] != 2 || s[1] != 16 || s[2] != 12 || s[3] != 1 {
		t.Fatalf("shape %v", s)
	}
	u := y.Value.Reshape(2, 16, 12)
	c := tensor.DCT2(tensor.DCT2(u, 1), 2)
	var inside, outside float64
	for b := 0; b < 2; b++ {
		for i := 0; i < 16; i++ {
			for j := 0; j < 12; j++ {
				v := math.Abs(c.At(b, i, j))
				if i < 5 && j < 3 {
					inside = math.Max(inside, v)
				} else {
					outside = math.Max(outside, v)
				}
			}
		}
	}
	if outside > 1e-12*inside || inside == 0 {
		t.Fatalf("spectrum outside the kept modes %g (inside %g)", outside, inside)
	}
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	r := tensor.NewRNG(2)
	for _, cfg := range []Config{
		{Dim: 1, InChannels: 1, Width: 3, Modes: []int{4}, Layers: 2, HeadHidden: 5, SignalSize: []int{10}},
		{Dim: 2, InChannels: 2, Width: 3, Modes: []int{3, 2}, Layers: 1, HeadHidden: 4, SignalSize: []int{6, 5}},
		// The rFFT variant: split GELU and tanh, both corners, 1-D and 2-D.
		{Dim: 1, InChannels: 1, Width: 3, Modes: []int{4}, Layers: 2, HeadHidden: 5, SignalSize: []int{10}, Transform: "dft"},
		{Dim: 2, InChannels: 2, Width: 2, Modes: []int{2, 3}, Layers: 1, HeadHidden: 3, SignalSize: []int{6, 5}, Transform: "dft", Activation: "tanh"},
	} {
		m, err := New[float64](cfg, r)
		if err != nil {
			t.Fatal(err)
		}
		heads := m.HeadDFT // the 1e-8 head init would hide every other gradient
		if cfg.Transform != "dft" {
			heads = []*autograd.Var[float64]{m.Head1.W, m.Head2.W}
		}
		for _, p := range heads {
			d := p.Value.Data()
			for i := range d {
				d[i] = 0.5 * r.Normal()
			}
		}
		shape := append(append([]int{2}, cfg.SignalSize...), cfg.InChannels)
		x := tensor.RandN[float64](r, shape...)
		target := tensor.RandN[float64](r, append(append([]int{2}, cfg.SignalSize...), 1)...)
		gradtest.Check(t, m.Params(), func() *autograd.Var[float64] {
			y, err := m.Forward(autograd.Const(x))
			if err != nil {
				t.Fatal(err)
			}
			return nn.MSE(y, autograd.Const(target))
		})
	}
}

func TestVPInitScale(t *testing.T) {
	m, err := New[float64](Config{Dim: 2, InChannels: 1, Width: 48, Modes: []int{24, 24}, Layers: 1, SignalSize: []int{64, 64}}, tensor.NewRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	d := m.Channel[0].Value.Data()
	var s2 float64
	for _, v := range d {
		s2 += v * v
	}
	got := math.Sqrt(s2 / float64(len(d)))
	want := math.Sqrt(64.0 * 64 / (48 * 24 * 24))
	if math.Abs(got/want-1) > 0.01 {
		t.Fatalf("channel-mixing std %v, VP formula %v", got, want)
	}
}

func TestBadConfigs(t *testing.T) {
	r := tensor.NewRNG(4)
	for name, c := range map[string]Config{
		"dim 3":     {Dim: 3, InChannels: 1, Width: 4, Modes: []int{2, 2, 2}, SignalSize: []int{8, 8, 8}},
		"width 0":   {Dim: 1, InChannels: 1, Modes: []int{2}, SignalSize: []int{8}},
		"modes big": {Dim: 1, InChannels: 1, Width: 4, Modes: []int{9}, SignalSize: []int{8}},
		"init":      {Dim: 1, InChannels: 1, Width: 4, Modes: []int{2}, SignalSize: []int{8}, Init: 7},
	} {
		if _, err := New[float32](c, r); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	m, _ := New[float32](Config{Dim: 1, InChannels: 1, Width: 4, Modes: []int{6}, SignalSize: []int{8}}, r)
	if _, err := m.Forward(autograd.Const(tensor.New[float32](1, 4, 1))); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("grid smaller than the modes: %v", err)
	}
}

func TestParamCountMatchesBuiltModels(t *testing.T) {
	r := tensor.NewRNG(2)
	for _, c := range []Config{
		{Dim: 2, InChannels: 1, Width: 6, Modes: []int{5, 3}, Layers: 2, HeadHidden: 8, SignalSize: []int{16, 12}},
		{Dim: 1, InChannels: 3, Width: 5, Modes: []int{7}, SignalSize: []int{32}},
		{Dim: 2, InChannels: 1, Width: 4, Modes: []int{3, 4}, Layers: 2, HeadHidden: 6, SignalSize: []int{16, 16}, Transform: "dft"},
	} {
		m, err := New[float32](c, r)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.ParamCount(), float64(nn.CountParams(m.Params())); got != want {
			t.Errorf("%+v: ParamCount %v, the built model has %v", c, got, want)
		}
	}
}
