package giorom

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

// unitStats are statistics with zero means and unit standard deviations.
func unitStats(d int) lagrangian.Stats {
	z, o := make([]float64, d), make([]float64, d)
	for a := range o {
		o[a] = 1
	}
	return lagrangian.Stats{VelMean: z, VelStd: o, AccMean: z, AccStd: o}
}

// tinyConfig is a model small enough for finite differences.
func tinyConfig(d int) Config {
	lo, hi := make([]float64, d), make([]float64, d)
	for a := range hi {
		hi[a] = 1
	}
	return Config{Dim: d, History: 2, Radius: 0.35, Latent: 4, InteractionLayers: 1, GridNodes: 4,
		KernelHidden: 5, AttentionLayers: 1, AttentionWidth: 6, Sampling: 0.5, NoiseStd: 0.01,
		BoxLo: lo, BoxHi: hi, Stats: unitStats(d), ReconGrid: 5, ReconSamples: 2, PELevels: 1, ReconHidden: 5}
}

// randomWindow returns frames of n particles drifting randomly inside
// [0.1, 0.9]^d, [frames, n, d].
func randomWindow(r *tensor.RNG, frames, n, d int, step float64) []float32 {
	out := make([]float32, frames*n*d)
	for i := 0; i < n*d; i++ {
		x := 0.2 + 0.6*r.Float64()
		v := step * r.Normal()
		for f := 0; f < frames; f++ {
			out[f*n*d+i] = float32(x + v*float64(f) + 0.1*step*r.Normal())
		}
	}
	return out
}

func randomPositions(r *tensor.RNG, n, d int) []float64 {
	p := make([]float64, n*d)
	for k := range p {
		p[k] = 0.05 + 0.9*r.Float64()
	}
	return p
}

// gradCheck compares the gradients of the scalar f() with respect to
// params against central differences at up to perParam entries of each.
func gradCheck(t *testing.T, name string, f func() *autograd.Var[float64], params []nn.Param[float64], perParam int, tol float64) {
	t.Helper()
	nn.ZeroGrad(params)
	loss := f()
	if err := autograd.Backward(loss); err != nil {
		t.Fatalf("%s: backward: %v", name, err)
	}
	r := tensor.NewRNG(99)
	const eps = 1e-6
	worst := 0.0
	for _, p := range params {
		data := p.Var.Value.Data()
		for c := 0; c < min(perParam, len(data)); c++ {
			k := r.Intn(len(data))
			g := 0.0
			if p.Var.Grad != nil {
				g = p.Var.Grad.Data()[k]
			}
			old := data[k]
			data[k] = old + eps
			up := f().Value.Item()
			data[k] = old - eps
			down := f().Value.Item()
			data[k] = old
			fd := (up - down) / (2 * eps)
			e := math.Abs(g-fd) / math.Max(1e-3, math.Abs(fd)+math.Abs(g))
			worst = math.Max(worst, e)
			if e > tol {
				t.Errorf("%s: d/d %s[%d]: autograd %.10g, finite difference %.10g", name, p.Name, k, g, fd)
			}
		}
	}
	t.Logf("%s: worst relative gradient error %.2e over %d parameters", name, worst, len(params))
}

// weights returns a constant random tensor for contracting outputs.
func weights(r *tensor.RNG, shape ...int) *autograd.Var[float64] {
	return autograd.Const(tensor.RandN[float64](r, shape...))
}
