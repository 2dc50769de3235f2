package t1

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/tensor"
)

// TestDFTMatchesTorch runs the whole rFFT T1 model on PyTorch's weights
// (scripts/torch_reference.py, group t1_dft: torch.fft.rfft2 / irfft2,
// complex einsums, split tanh and sin) and compares the output and every
// gradient.
func TestDFTMatchesTorch(t *testing.T) {
	g := golden.Open(t)
	modes := golden.Ints(g, "t1_dft/modes_list")
	cfg := Config{Dim: 2, InChannels: 1, Width: 4, Modes: modes, Layers: 2, HeadHidden: 6, Activation: "tanh",
		Transform: "dft", SignalSize: []int{8, 10}}
	m, err := New[float64](cfg, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	set := func(v *autograd.Var[float64], path string) {
		w := golden.Load[float64](g, path)
		if !tensor.SameShape(v.Shape(), w.Shape()) {
			t.Fatalf("%s: surrogo shape %v, reference %v", path, v.Shape(), w.Shape())
		}
		copy(v.Value.Data(), w.Data())
	}
	set(m.Lift.W, "t1_dft/fc0_w")
	set(m.Lift.B, "t1_dft/fc0_b")
	named := map[string]*autograd.Var[float64]{"fc0_w": m.Lift.W, "fc0_b": m.Lift.B, "fc1": m.HeadDFT[0], "fc2": m.HeadDFT[1]}
	for l := 0; l < cfg.Layers; l++ {
		for name, v := range map[string]*autograd.Var[float64]{"ch": m.Channel[l], "s1_": m.Axis[l][0], "s2_": m.Axis[l][1]} {
			key := name + string(rune('0'+l))
			set(v, "t1_dft/"+key)
			named[key] = v
		}
	}
	set(m.HeadDFT[0], "t1_dft/fc1")
	set(m.HeadDFT[1], "t1_dft/fc2")
	a := autograd.Param(golden.Load[float64](g, "t1_dft/a"))
	named["a"] = a
	y, err := m.Forward(a)
	if err != nil {
		t.Fatal(err)
	}
	golden.Agree(t, "output", y.Value, golden.Load[float64](g, "t1_dft/y"), 1e-12)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float64](g, "t1_dft/proj"))))
	var names []string
	var vs []*autograd.Var[float64]
	for k, v := range named {
		names, vs = append(names, k), append(vs, v)
	}
	grads, err := autograd.Grad([]*autograd.Var[float64]{loss}, vs, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range names {
		golden.Agree(t, "d/d"+k, grads[i].Value, golden.Load[float64](g, "t1_dft/grad_"+k), 1e-11)
	}
}

// TestDFTRoundTrip keeps every frequency (both corners covering the full
// axis, the half spectrum up to Nyquist) so the pruned forward and inverse
// transforms must reproduce any real field, including waves travelling
// against the last axis, which a one-corner block could not.
func TestDFTRoundTrip(t *testing.T) {
	for _, spatial := range [][]int{{8, 10}, {6, 7}, {9}, {12}} {
		modes := make([]int, len(spatial))
		for a, n := range spatial {
			modes[a] = n / 2
			if a == len(spatial)-1 {
				modes[a] = n/2 + 1
			}
		}
		m := &T1[float64]{Cfg: Config{Modes: modes}, dftCache: map[string]*transforms[float64]{}}
		tr := m.dftTransforms(spatial)
		x := tensor.RandN[float64](tensor.NewRNG(5), append([]int{2, 3}, spatial...)...)
		if len(spatial) == 2 {
			// a wave against the last axis: cos(2 pi (x1/n1 - 2 x2/n2))
			for i := 0; i < spatial[0]; i++ {
				for j := 0; j < spatial[1]; j++ {
					x.Data()[i*spatial[1]+j] = math.Cos(2 * math.Pi * (float64(i)/float64(spatial[0]) - 2*float64(j)/float64(spatial[1])))
				}
			}
		}
		last := len(spatial) - 1
		xv := autograd.Const(x)
		z := complexVar[float64]{autograd.ApplyAlongAxis(xv, 2+last, tr.fwdRe[last]), autograd.ApplyAlongAxis(xv, 2+last, tr.fwdIm[last])}
		for a := 0; a < last; a++ {
			z = applyComplex(z, 2+a, tr.fwdRe[a], tr.fwdIm[a])
		}
		for a := 0; a < last; a++ {
			z = applyComplex(z, 2+a, tr.invRe[a], tr.invIm[a])
		}
		back := autograd.Add(autograd.ApplyAlongAxis(z.re, 2+last, tr.invRe[last]), autograd.ApplyAlongAxis(z.im, 2+last, tr.invIm[last]))
		var worst float64
		for i, v := range x.Data() {
			worst = math.Max(worst, math.Abs(back.Value.Data()[i]-v))
		}
		if worst > 1e-12 {
			t.Errorf("grid %v: round trip error %g", spatial, worst)
		}
	}
}

func TestDFTBadConfigs(t *testing.T) {
	r := tensor.NewRNG(9)
	for name, c := range map[string]Config{
		"activation":   {Dim: 1, InChannels: 1, Width: 4, Modes: []int{2}, SignalSize: []int{8}, Transform: "dft", Activation: "swish2"},
		"half too big": {Dim: 1, InChannels: 1, Width: 4, Modes: []int{6}, SignalSize: []int{8}, Transform: "dft"},
		"corners":      {Dim: 2, InChannels: 1, Width: 4, Modes: []int{5, 2}, SignalSize: []int{8, 8}, Transform: "dft"},
		"transform":    {Dim: 1, InChannels: 1, Width: 4, Modes: []int{2}, SignalSize: []int{8}, Transform: "fft"},
	} {
		if _, err := New[float32](c, r); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	m, err := New[float32](Config{Dim: 1, InChannels: 1, Width: 4, Modes: []int{5}, SignalSize: []int{8}, Transform: "dft"}, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(autograd.Const(tensor.New[float32](1, 6, 1))); err == nil || !strings.Contains(err.Error(), "half spectrum") {
		t.Errorf("grid too small for the modes: %v", err)
	}
}
