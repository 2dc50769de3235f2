package factformer

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/gradtest"
	"github.com/surrogo/surrogo/tensor"
)

// newTestBlock builds a float64 block whose q, k weights are O(1/sqrt(in))
// instead of upstream's gain 0.02, so the kernels are far from zero.
func newTestBlock(t *testing.T, c BlockConfig, seed uint64) *FABlock[float64] {
	t.Helper()
	r := tensor.NewRNG(seed)
	b, err := NewBlock[float64](c, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range b.Kernels {
		for _, w := range []*autograd.Var[float64]{k.Q.W, k.K.W} {
			d := w.Value.Data()
			for i := range d {
				d[i] = r.Normal() / math.Sqrt(float64(c.Latent))
			}
		}
	}
	return b
}

// kron returns the Kronecker product of square matrices given as [n, n]
// slices of one batch entry and head.
func kron(ms ...[][]float64) [][]float64 {
	out := [][]float64{{1}}
	for _, m := range ms {
		n, k := len(out), len(m)
		next := make([][]float64, n*k)
		for i := range next {
			next[i] = make([]float64, n*k)
			for j := range next[i] {
				next[i][j] = out[i/k][j/k] * m[i%k][j%k]
			}
		}
		out = next
	}
	return out
}

// kernelMatrix extracts K[b, h] as a matrix.
func kernelMatrix(k *tensor.Tensor[float64], b, h int) [][]float64 {
	n := k.Dim(2)
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		for j := range m[i] {
			m[i][j] = k.At(b, h, i, j)
		}
	}
	return m
}

func identity(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	return m
}

// denseApply returns w[b, h, p, c] = sum_q A[p][q] v[b, h, q, c] with the
// grid points p, q flattened row-major (as the Kronecker product orders
// them).
func denseApply(a [][]float64, v *tensor.Tensor[float64], b, h int) [][]float64 {
	s := v.Shape()
	c := s[len(s)-1]
	n := v.Len() / (s[0] * s[1] * c)
	vd := v.Data()[(b*s[1]+h)*n*c : (b*s[1]+h+1)*n*c]
	out := make([][]float64, n)
	for p := range out {
		out[p] = make([]float64, c)
		for q := 0; q < n; q++ {
			for e := 0; e < c; e++ {
				out[p][e] += a[p][q] * vd[q*c+e]
			}
		}
	}
	return out
}

// The chained factorized integral equals the dense contraction with
// K_x (x) K_y (x) K_z, on a 12 x 10 grid and a 5 x 4 x 3 grid.
func TestChainedIntegralIsTheKroneckerKernel(t *testing.T) {
	for _, spatial := range [][]int{{12, 10}, {5, 4, 3}} {
		d := len(spatial)
		c := BlockConfig{Axes: d, Dim: 6, DimHead: 3, Heads: 2, Latent: 5, KernelMultiplier: 2, DimOut: 6, OutNorm: NormGroup}
		blk := newTestBlock(t, c, 4)
		r := tensor.NewRNG(9)
		u := tensor.RandN[float64](r, append(append([]int{2}, spatial...), 6)...)
		pos := Config{SpatialDim: d}.Coords(spatial)
		ks, v, err := blk.AxisKernels(autograd.Const(u), pos)
		if err != nil {
			t.Fatal(err)
		}
		w := blk.Integrate(ks, v).Value // [B, H, s..., dh]
		var diff, scale float64
		for b := 0; b < 2; b++ {
			for h := 0; h < 2; h++ {
				mats := make([][][]float64, d)
				for a := range mats {
					mats[a] = kernelMatrix(ks[a].Value, b, h)
				}
				dense := denseApply(kron(mats...), v.Value, b, h)
				n := len(dense)
				wd := w.Data()[(b*2+h)*n*3:]
				for p := range dense {
					for e, want := range dense[p] {
						diff = math.Max(diff, math.Abs(wd[p*3+e]-want))
						scale = math.Max(scale, math.Abs(want))
					}
				}
			}
		}
		t.Logf("grid %v: max |factorized - dense| = %.2g (values up to %.3g)", spatial, diff, scale)
		if diff > 1e-12*scale || scale < 1e-3 {
			t.Errorf("grid %v: factorized and dense integrals differ by %g (scale %g)", spatial, diff, scale)
		}
	}
}

// IFactFormer-m's integral is, per head, the single-axis integrals
// (K_x (x) I (x) I) v, (I (x) K_y (x) I) v, (I (x) I (x) K_z) v side by side.
func TestParallelIntegralConcatenatesAxisIntegrals(t *testing.T) {
	spatial := []int{5, 4, 3}
	c := BlockConfig{Axes: 3, Dim: 6, DimHead: 2, Heads: 2, Latent: 4, KernelMultiplier: 3, DimOut: 6, Parallel: true, OutNorm: NormInstance}
	blk := newTestBlock(t, c, 5)
	u := tensor.RandN[float64](tensor.NewRNG(6), 2, 5, 4, 3, 6)
	ks, v, err := blk.AxisKernels(autograd.Const(u), Config{SpatialDim: 3}.Coords(spatial))
	if err != nil {
		t.Fatal(err)
	}
	w := blk.Integrate(ks, v).Value // [2, 2, 5, 4, 3, 3*2]
	if s := w.Shape(); s[5] != 6 {
		t.Fatalf("parallel integral shape %v", s)
	}
	var diff float64
	for b := 0; b < 2; b++ {
		for h := 0; h < 2; h++ {
			for a := 0; a < 3; a++ {
				mats := [][][]float64{identity(5), identity(4), identity(3)}
				mats[a] = kernelMatrix(ks[a].Value, b, h)
				dense := denseApply(kron(mats...), v.Value, b, h)
				for p := range dense {
					for e, want := range dense[p] {
						got := w.Data()[((b*2+h)*60+p)*6+a*2+e]
						diff = math.Max(diff, math.Abs(got-want))
					}
				}
			}
		}
	}
	t.Logf("max |parallel - concatenated single-axis integrals| = %.2g", diff)
	if diff > 1e-12 {
		t.Errorf("parallel integral differs from the single-axis integrals by %g", diff)
	}
}

// With q and k constant over positions, the rotary kernel depends only on
// x_j - x_i: K[i, j] = sum over rotation pairs e of
// (q_e k_e + q_e' k_e') cos(phi) + (q_e' k_e - q_e k_e') sin(phi),
// phi = 64 w_e (x_j - x_i), e' = e + d/2.
func TestRotaryKernelDependsOnDifferences(t *testing.T) {
	r := tensor.NewRNG(8)
	const latent, d, heads = 4, 6, 2
	k := NewLowRankKernel[float64](r, latent, d, heads, 1)
	for _, w := range []*autograd.Var[float64]{k.Q.W, k.K.W} {
		for i := range w.Value.Data() {
			w.Value.Data()[i] = r.Normal()
		}
	}
	pos := []float64{0, 0.07, 0.31, 0.35, 1.2, 2.9, 6.1}
	n := len(pos)
	zrow := tensor.RandN[float64](r, 1, 1, latent)
	z := autograd.Const(tensor.BroadcastTo(zrow, []int{1, n, latent}))
	kern := k.Forward(z, pos, 1).Value
	q, kk := k.Q.Forward(autograd.Const(zrow)).Value.Data(), k.K.Forward(autograd.Const(zrow)).Value.Data()
	var diff, scale float64
	for h := 0; h < heads; h++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var want float64
				for e := 0; e < d/2; e++ {
					phi := 64 * math.Pow(10000, -2*float64(e)/d) * (pos[j] - pos[i])
					q1, q2 := q[h*d+e], q[h*d+e+d/2]
					k1, k2 := kk[h*d+e], kk[h*d+e+d/2]
					want += (q1*k1+q2*k2)*math.Cos(phi) + (q2*k1-q1*k2)*math.Sin(phi)
				}
				diff = math.Max(diff, math.Abs(kern.At(0, h, i, j)-want))
				scale = math.Max(scale, math.Abs(want))
			}
		}
	}
	t.Logf("max |K - closed form in x_j - x_i| = %.2g (values up to %.3g)", diff, scale)
	if diff > 1e-11*scale {
		t.Errorf("rotary kernel is not a function of x_j - x_i: off by %g", diff)
	}
	// Translating every coordinate leaves the kernel unchanged.
	shifted := make([]float64, n)
	for i, x := range pos {
		shifted[i] = x + 0.75
	}
	k2 := k.Forward(z, shifted, 1).Value
	for i, v := range kern.Data() {
		if math.Abs(v-k2.Data()[i]) > 1e-10*scale {
			t.Fatalf("kernel changed under translation: %v vs %v", v, k2.Data()[i])
		}
	}
}

// The quadrature option scales each axis kernel by 1/n_a.
func TestQuadratureWeight(t *testing.T) {
	c := BlockConfig{Axes: 2, Dim: 4, DimHead: 2, Heads: 1, Latent: 4, KernelMultiplier: 1, DimOut: 4, OutNorm: NormGroup}
	plain := newTestBlock(t, c, 3)
	c.Quadrature = true
	quad := newTestBlock(t, c, 3)
	u := autograd.Const(tensor.RandN[float64](tensor.NewRNG(1), 1, 6, 5, 4))
	pos := Config{SpatialDim: 2}.Coords([]int{6, 5})
	kp, _, _ := plain.AxisKernels(u, pos)
	kq, _, _ := quad.AxisKernels(u, pos)
	for a, n := range []int{6, 5} {
		for i, v := range kp[a].Value.Data() {
			if math.Abs(v/float64(n)-kq[a].Value.Data()[i]) > 1e-15*math.Abs(v) {
				t.Fatalf("axis %d: quadrature kernel %v, want %v / %d", a, kq[a].Value.Data()[i], v, n)
			}
		}
	}
}

// Parameter gradients of small 2-D and 3-D blocks (6 x 5 x 4) against
// central differences, every variant of the output path.
func TestBlockGradients(t *testing.T) {
	for _, c := range []BlockConfig{
		{Axes: 2, Dim: 4, DimHead: 2, Heads: 2, Latent: 3, KernelMultiplier: 2, DimOut: 4, OutNorm: NormGroup},
		{Axes: 3, Dim: 4, DimHead: 2, Heads: 2, Latent: 4, KernelMultiplier: 1, DimOut: 4, OutNorm: NormGroup, Quadrature: true},
		{Axes: 3, Dim: 4, DimHead: 2, Heads: 2, Latent: 4, KernelMultiplier: 3, DimOut: 4, Parallel: true, OutNorm: NormInstance},
		{Axes: 3, Dim: 4, DimHead: 2, Heads: 1, Latent: 4, KernelMultiplier: 5, DimOut: 4, OutNorm: NormInstance},
	} {
		blk := newTestBlock(t, c, 12)
		spatial := []int{6, 5, 4}[:c.Axes]
		r := tensor.NewRNG(13)
		u := tensor.RandN[float64](r, append(append([]int{2}, spatial...), c.Dim)...)
		target := tensor.RandN[float64](r, u.Shape()...)
		pos := Config{SpatialDim: c.Axes}.Coords(spatial)
		gradtest.Check(t, blk.Params(), func() *autograd.Var[float64] {
			y, err := blk.Forward(autograd.Const(u), pos)
			if err != nil {
				t.Fatal(err)
			}
			return nn.MSE(y, autograd.Const(target))
		})
		// And with respect to the input field.
		checkInputGrads(t, "block input", func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
			y, err := blk.Forward(xs[0], pos)
			if err != nil {
				t.Fatal(err)
			}
			return y
		}, u)
	}
}
