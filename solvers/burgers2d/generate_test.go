package burgers2d

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestGenerateDeterministic: a sample is a pure function of (Params,
// seed, i); other seeds and indices give other samples; the first frame
// is the initial condition and the frames lie at Times.
func TestGenerateDeterministic(t *testing.T) {
	for _, eq := range []Equation{EquationVector, EquationScalar} {
		p := smallParams(eq)
		p.TEnd, p.Frames = 0.5, 3
		gen := func(seed uint64, i int) []Field {
			s, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Generate(context.Background(), seed, i)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		a, b := gen(5, 1), gen(5, 1)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs of seed 5 sample 1 differ", eq)
		}
		if len(a) != p.Frames {
			t.Fatalf("%s: got %d frames, want %d", eq, len(a), p.Frames)
		}
		// Frame 0 is the initial condition through one FFT round trip.
		if d := maxDiff(a[0].U, p.InitialCondition(5, 1).U); d > 1e-14 {
			t.Errorf("%s: frame 0 differs from the initial condition by %.3g", eq, d)
		}
		for _, other := range [][]Field{gen(6, 1), gen(5, 2)} {
			if d := maxDiff(a[p.Frames-1].U, other[p.Frames-1].U); d < 1e-3 {
				t.Errorf("%s: another seed or index gave nearly the same sample (max diff %.3g)", eq, d)
			}
		}
	}
}

// shellPower returns, per integer shell |k|, the mean of |U_k|^2 / n^4 of
// field u and of the law's c_k^2 over the half spectrum.
func shellPower(p Params, u []float64) (got, want []float64) {
	n, h := p.N, p.N/2+1
	g := p.IC()
	uh := make([]complex128, n*h)
	tensor.NewRealFFT2(n, n).Forward(uh, append([]float64(nil), u...))
	got, want = make([]float64, n), make([]float64, n)
	count := make([]float64, n)
	for i := 0; i < n; i++ {
		ki := i
		if i > n/2 {
			ki -= n
		}
		for j := 0; j < h; j++ {
			sh := int(math.Round(math.Hypot(float64(ki), float64(j))))
			c := g.Coefficient([]int{ki, j})
			z := uh[i*h+j]
			got[sh] += (real(z)*real(z) + imag(z)*imag(z)) / math.Pow(float64(n), 4)
			want[sh] += c * c
			count[sh]++
		}
	}
	for k := range got {
		if count[k] > 0 {
			got[k] /= count[k]
			want[k] /= count[k]
		}
	}
	return got, want
}

// slope fits log y = a + b log k over k in [lo, hi] and returns b.
func slope(y []float64, lo, hi int) float64 {
	var sx, sy, sxx, sxy, m float64
	for k := lo; k <= hi; k++ {
		x, v := math.Log(float64(k)), math.Log(y[k])
		sx, sy, sxx, sxy, m = sx+x, sy+v, sxx+x*x, sxy+x*v, m+1
	}
	return (m*sxy - sx*sy) / (m*sxx - sx*sx)
}

// TestInitialConditionLaw checks the documented law over many samples:
// mean exactly 0, pointwise variance ICStd^2, shell spectrum and its
// slope as the law's.
func TestInitialConditionLaw(t *testing.T) {
	p := smallParams(EquationVector)
	p.ICStd, p.ICAlpha, p.ICTau = 0.7, 2.5, 4
	const samples = 40
	var varSum float64
	got := make([]float64, p.N)
	var want []float64
	for i := 0; i < samples; i++ {
		f := p.InitialCondition(11, i)
		for _, x := range [][]float64{f.U, f.V} {
			mu, _ := Mean(Field{U: x})
			if math.Abs(mu) > 1e-12 {
				t.Fatalf("sample %d: mean %.3g, want 0 (no constant mode)", i, mu)
			}
			varSum += 2 * Energy(Field{U: x})
			g, w := shellPower(p, x)
			for k := range g {
				got[k] += g[k] / (2 * samples)
			}
			want = w
		}
	}
	variance := varSum / (2 * samples)
	lo, hi := 3, 12
	sg, sw := slope(got, lo, hi), slope(want, lo, hi)
	t.Logf("variance %.4f (law %.4f); shell slope on k in [%d, %d]: %.3f (law %.3f)", variance, p.ICStd*p.ICStd, lo, hi, sg, sw)
	if math.Abs(variance/(p.ICStd*p.ICStd)-1) > 0.15 {
		t.Errorf("sample variance %.4g, want %.4g within 15%%", variance, p.ICStd*p.ICStd)
	}
	if math.Abs(sg-sw) > 0.15 {
		t.Errorf("spectrum slope %.3f, want %.3f within 0.15", sg, sw)
	}
	for k := lo; k <= hi; k++ {
		if r := got[k] / want[k]; math.Abs(r-1) > 0.25 {
			t.Errorf("shell %d: power %.3g is %.2f times the law's", k, got[k], r)
		}
	}
}
