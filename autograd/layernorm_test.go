package autograd

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// composedLayerNorm is LayerNorm as nn composed it before the fused op.
func composedLayerNorm[T tensor.Float](x, w, b *Var[T], eps float64) *Var[T] {
	axes := make([]int, len(w.Shape()))
	for i := range axes {
		axes[i] = len(x.Shape()) - len(axes) + i
	}
	return Add(Mul(composedNormalize(x, axes, eps, false), w), b)
}

var layerNormShapes = []struct{ x, w []int }{
	{[]int{2, 3, 5}, []int{5}},
	{[]int{2, 3, 4}, []int{3, 4}},
	{[]int{7, 1}, []int{1}},
	{[]int{4}, []int{4}},
}

func TestLayerNormGradients(t *testing.T) {
	r := tensor.NewRNG(12)
	for _, s := range layerNormShapes {
		t.Run(fmt.Sprint(s.x, s.w), func(t *testing.T) {
			f := func(v []*Var[float64]) *Var[float64] { return LayerNorm(v[0], v[1], v[2], 1e-5) }
			in := []*tensor.Tensor[float64]{tensor.RandN[float64](r, s.x...), tensor.RandN[float64](r, s.w...), tensor.RandN[float64](r, s.w...)}
			checkGrad(t, f, in, true)
		})
	}
}

// layerNormOutputs returns the value and the gradients of sum(out proj)
// with respect to x, w and b.
func layerNormOutputs[T tensor.Float](t *testing.T, fused bool, in []*tensor.Tensor[T], proj *tensor.Tensor[T], createGraph bool) []*tensor.Tensor[T] {
	t.Helper()
	v := []*Var[T]{Param(in[0].Clone()), Param(in[1].Clone()), Param(in[2].Clone())}
	norm := LayerNorm[T]
	if !fused {
		norm = composedLayerNorm[T]
	}
	out := norm(v[0], v[1], v[2], 1e-5)
	g, err := Grad([]*Var[T]{Sum(Mul(out, Const(proj)))}, v, nil, createGraph)
	if err != nil {
		t.Fatal(err)
	}
	return []*tensor.Tensor[T]{out.Value, g[0].Value, g[1].Value, g[2].Value}
}

// TestLayerNormMatchesComposed: value and gradients equal Normalize + Mul
// + Add to float64 rounding and to a few float32 ulps, the createGraph
// gradients equal the fused kernel's, and rows of more than one chunk sum
// the same whatever the number of workers.
func TestLayerNormMatchesComposed(t *testing.T) {
	for _, rows := range []int{1, 3, 33, 700} {
		for _, cols := range []int{1, 3, 7, 64} {
			r := tensor.NewRNG(uint64(rows*100 + cols))
			x := tensor.Convert[float64](tensor.AddScalar(tensor.Scale(tensor.RandN[float32](r, rows, cols), 2), 3))
			w := tensor.Convert[float64](tensor.RandN[float32](r, cols))
			b := tensor.Convert[float64](tensor.RandN[float32](r, cols))
			proj := tensor.Convert[float64](tensor.RandN[float32](r, rows, cols))
			in := []*tensor.Tensor[float64]{x, w, b}
			fused := layerNormOutputs(t, true, in, proj, false)
			composed := layerNormOutputs(t, false, in, proj, false)
			graph := layerNormOutputs(t, true, in, proj, true)
			in32 := []*tensor.Tensor[float32]{tensor.Convert[float32](x), tensor.Convert[float32](w), tensor.Convert[float32](b)}
			fused32 := layerNormOutputs(t, true, in32, tensor.Convert[float32](proj), false)
			var worst32 float64
			for i, name := range []string{"value", "d/dx", "d/dw", "d/db"} {
				if e := maxRelDiff(fused[i], composed[i]); e > 1e-12 {
					t.Errorf("%dx%d %s: fused and composed differ by %.2g", rows, cols, name, e)
				}
				if e := maxRelDiff(graph[i], fused[i]); e > 1e-13 {
					t.Errorf("%dx%d %s: createGraph and fused differ by %.2g", rows, cols, name, e)
				}
				e := maxRelDiff(tensor.Convert[float64](fused32[i]), fused[i])
				worst32 = max(worst32, e)
				if e > 2e-7 { // a few float32 ulps
					t.Errorf("%dx%d %s: float32 differs from float64 by %.2g", rows, cols, name, e)
				}
			}
			t.Logf("%d x %d: float32 against float64 %.2g", rows, cols, worst32)
		}
	}
}

func TestLayerNormWorkersAndMask(t *testing.T) {
	r := tensor.NewRNG(5)
	// 4 chunks of 256 x 64 entries: enough work for parallel.For to use
	// every worker.
	x := tensor.RandN[float32](r, 3*layerNormChunk+5, 64)
	w, b, proj := tensor.RandN[float32](r, 64), tensor.RandN[float32](r, 64), tensor.RandN[float32](r, 3*layerNormChunk+5, 64)
	in := []*tensor.Tensor[float32]{x, w, b}
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	one := layerNormOutputs(t, true, in, proj, false)
	parallel.SetWorkers(4)
	four := layerNormOutputs(t, true, in, proj, false)
	for i := range one {
		if e := maxRelDiff(one[i], four[i]); e != 0 {
			t.Errorf("output %d: 1 and 4 workers differ by %.2g", i, e)
		}
	}
	// d/dx alone (weight and bias gradients skipped) is the same.
	xv := Param(x.Clone())
	g, err := Grad([]*Var[float32]{Sum(Mul(LayerNorm(xv, Const(w), Const(b), 1e-5), Const(proj)))}, []*Var[float32]{xv}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if e := maxRelDiff(g[0].Value, one[1]); e != 0 {
		t.Errorf("d/dx alone differs by %.2g", e)
	}
}
