package dmm

import (
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// maxCosineModes bounds Config.CosineModes (64^2 - 1 modes in 2-D).
const maxCosineModes = 64

// cosineModes lists the wavenumbers of Config.CosineModes = k modes in d
// dimensions, in the order of the branch's outputs: (k1, k2) row by row
// without (0, 0) in 2-D, 1..k-1 in 1-D; and each mode's factor 1 /
// (pi^2 |k|^2).
func cosineModes(k, d int) (k1, k2 []int, scale []float64) {
	inner := k
	if d == 1 {
		inner = 1
	}
	for a := range k {
		for b := range inner {
			if a == 0 && b == 0 {
				continue
			}
			k1, k2 = append(k1, a), append(k2, b)
			scale = append(scale, 1/(math.Pi*math.Pi*float64(a*a+b*b)))
		}
	}
	return k1, k2, scale
}

// cosineBasis is the basis at points xi [B, P, d] as a differentiable
// function of xi (the DoubleAutograd path): [B, P, modes].
func cosineBasis(xi V, k, d int) V {
	s := xi.Shape()
	k1, k2, scale := cosineModes(k, d)
	l := len(scale)
	wave := func(ks []int, axis int) V {
		w := tensor.New[float64](1, 1, l)
		for i, q := range ks {
			w.Data()[i] = math.Pi * float64(q)
		}
		x := autograd.BroadcastTo(autograd.Slice(xi, 2, axis, axis+1), []int{s[0], s[1], l})
		return autograd.Cos(autograd.Mul(x, autograd.Const(w)))
	}
	t := wave(k1, 0)
	if d == 2 {
		t = autograd.Mul(t, wave(k2, 1))
	}
	return autograd.Mul(t, autograd.Const(tensor.FromSlice(scale, 1, 1, l)))
}

// cosineJets returns the basis's jet at points xi [B, P, d] as a constant
// [B, S P, modes] (S = 1 + d + d(d+1)/2 entries in the jet order: value,
// gradient, Hessian (xx, xy, yy)), so that the jet of phi for branch
// outputs c [B, modes, 1] is the batched product [B, S P, 1].
func cosineJets(xi *tensor.Tensor[float64], k, d int) *tensor.Tensor[float64] {
	b, p := xi.Dim(0), xi.Dim(1)
	k1, k2, scale := cosineModes(k, d)
	l := len(scale)
	st := 1 + d + d*(d+1)/2
	out := tensor.New[float64](b, st*p, l)
	o, x := out.Data(), xi.Data()
	// cos and sin of pi k x for k < k per coordinate, then products
	cx, sx := make([]float64, k), make([]float64, k)
	cy, sy := make([]float64, k), make([]float64, k)
	for f := range b {
		for q := range p {
			pt := x[(f*p+q)*d:]
			for w := range k {
				sx[w], cx[w] = math.Sincos(math.Pi * float64(w) * pt[0])
				if d == 2 {
					sy[w], cy[w] = math.Sincos(math.Pi * float64(w) * pt[1])
				}
			}
			row := func(entry int) []float64 { return o[((f*st+entry)*p+q)*l:][:l] }
			if d == 1 {
				r0, r1, r2 := row(0), row(1), row(2)
				for m := range l {
					a := k1[m]
					wa := math.Pi * float64(a)
					r0[m], r1[m], r2[m] = scale[m]*cx[a], -scale[m]*wa*sx[a], -scale[m]*wa*wa*cx[a]
				}
				continue
			}
			r0, r1, r2, r3, r4, r5 := row(0), row(1), row(2), row(3), row(4), row(5)
			for m := range l {
				a, c := k1[m], k2[m]
				wa, wb, sc := math.Pi*float64(a), math.Pi*float64(c), scale[m]
				cc := sc * cx[a] * cy[c]
				r0[m] = cc
				r1[m] = -sc * wa * sx[a] * cy[c]
				r2[m] = -sc * wb * cx[a] * sy[c]
				r3[m] = -wa * wa * cc
				r4[m] = sc * wa * wb * sx[a] * sy[c]
				r5[m] = -wb * wb * cc
			}
		}
	}
	return out
}

// cosineDerivs is Derivatives by jets for a cosine trunk: the basis's
// exact jet times the branch's coefficients.
func (net *Net) cosineDerivs(feat V, xi *tensor.Tensor[float64]) *Derivs {
	d, l := net.Config.Dim, net.Config.Latent
	b, p := xi.Dim(0), xi.Dim(1)
	st := 1 + d + d*(d+1)/2
	j := autograd.MatMul(autograd.Const(cosineJets(xi, net.Config.CosineModes, d)), autograd.Reshape(feat, b, l, 1), false, false)
	j = autograd.Reshape(j, b, st, p)
	return jetDerivs(d, func(i int) V { return autograd.Reshape(autograd.Slice(j, 1, i, i+1), b, p) })
}
