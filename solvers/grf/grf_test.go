package grf

import (
	"math"
	"reflect"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestPeriodicVarianceMatchesTheory compares the sample variance with
// sum_k c_k^2 for 1D, 2D and 3D fields.
func TestPeriodicVarianceMatchesTheory(t *testing.T) {
	cases := []Periodic{
		{Dim: 1, N: 64, Alpha: 2, Tau: 5},
		{Dim: 2, N: 32, Alpha: 2.5, Tau: 7},
		{Dim: 3, N: 8, Alpha: 2.5, Tau: 3},
	}
	for _, p := range cases {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		want := p.Variance()
		const samples = 400
		var s, s2 float64
		count := 0
		for i := 0; i < samples; i++ {
			u := p.Sample(3, i)
			for _, v := range u {
				s += v
				s2 += v * v
				count++
			}
		}
		mean := s / float64(count)
		v := s2 / float64(count)
		// Points of one sample are correlated; the spread of the estimate is
		// about sqrt(2/samples) of the variance at worst (fully correlated).
		if math.Abs(v-want) > 4*math.Sqrt(2.0/samples)*want || math.Abs(mean) > 4*math.Sqrt(want/samples) {
			t.Errorf("dim %d: sample variance %.4g (mean %.3g), theory %.4g", p.Dim, v, mean, want)
		}
	}
}

// TestPeriodicSpectrum checks E|u_k|^2 = n^(2d) c_k^2 mode by mode in 1D.
func TestPeriodicSpectrum(t *testing.T) {
	p := Periodic{Dim: 1, N: 32, Alpha: 2, Tau: 5}
	const samples = 2000
	power := make([]float64, p.N/2+1)
	fft := tensor.NewRealFFT(p.N)
	X := make([]complex128, p.N/2+1)
	for i := 0; i < samples; i++ {
		fft.Forward(X, p.Sample(8, i))
		for k := range X {
			power[k] += real(X[k])*real(X[k]) + imag(X[k])*imag(X[k])
		}
	}
	for k := 1; k < p.N/2; k++ {
		c := p.Coefficient([]int{k})
		// u_k = n/2 (c_k (xi + i eta) + conj of the -k term): E|u_k|^2 = n^2 c_k^2.
		want := float64(p.N*p.N) * c * c
		got := power[k] / samples
		// |u_k|^2 is a scaled chi-square with 2 degrees of freedom per
		// term: relative sd 1/sqrt(samples).
		if math.Abs(got/want-1) > 5/math.Sqrt(samples) {
			t.Errorf("mode %d: mean power %.4g, want %.4g", k, got, want)
		}
	}
	if power[0] > 1e-18 {
		t.Errorf("mean mode has power %g, want 0", power[0])
	}
}

func TestSamplesDependOnlyOnSeedAndIndex(t *testing.T) {
	p := Periodic{Dim: 2, N: 16, Alpha: 2.5, Tau: 7}
	a := p.Sample(42, 17)
	for i := 0; i < 3; i++ {
		p.Sample(42, i) // other draws in between change nothing
	}
	if !reflect.DeepEqual(a, p.Sample(42, 17)) {
		t.Fatal("sample 17 changed")
	}
	if reflect.DeepEqual(a, p.Sample(42, 18)) || reflect.DeepEqual(a, p.Sample(43, 17)) {
		t.Fatal("different seeds or indices gave the same field")
	}
}

func TestNeumannField(t *testing.T) {
	p := Neumann{N: 33, Alpha: 2, Tau: 3}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	u := p.Sample(1, 0)
	// The field is a cosine series: its orthonormal DCT recovers n c_k xi_k,
	// so the (0, 0) coefficient vanishes and the field has zero mean.
	mean := 0.0
	for _, v := range u {
		mean += v
	}
	if math.Abs(mean/float64(len(u))) > 1e-12 {
		t.Fatalf("mean %g, want 0", mean/float64(len(u)))
	}
	a := Threshold(u, 12, 4)
	hi, lo := 0, 0
	for _, v := range a {
		switch v {
		case 12:
			hi++
		case 4:
			lo++
		default:
			t.Fatalf("threshold value %v", v)
		}
	}
	if hi == 0 || lo == 0 {
		t.Fatalf("threshold gave %d high and %d low cells", hi, lo)
	}
	// Coefficients recovered by the forward DCT equal n c_k xi_k.
	L := tensor.DCT2(tensor.DCT2(tensor.FromSlice(u, 33, 33), 0), 1)
	if math.Abs(L.At(0, 0)) > 1e-10 {
		t.Fatalf("DC coefficient %g", L.At(0, 0))
	}
}

func TestValidate(t *testing.T) {
	bad := []Periodic{{Dim: 4, N: 8, Alpha: 2, Tau: 1}, {Dim: 1, N: 1, Alpha: 2, Tau: 1}, {Dim: 1, N: 8, Alpha: -1, Tau: 1}, {Dim: 1, N: 8, Alpha: 2, Tau: 0}, {Dim: 1, N: 8, Alpha: 2, Tau: 1, Sigma: math.NaN()}}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if (Neumann{N: 8, Alpha: 2, Tau: -3}).Validate() == nil {
		t.Error("negative tau accepted")
	}
}

// TestResolutionConsistent: sample i on a finer grid, restricted to the
// coarse grid's points, differs from the coarse sample only by the high
// modes the coarse grid lacks: by at most 6 standard deviations of their
// combined variance (fine.Variance() - coarse.Variance()) at any point.
func TestResolutionConsistent(t *testing.T) {
	cases := []struct {
		coarse Periodic
		factor int
	}{
		{Periodic{Dim: 1, N: 256, Alpha: 2, Tau: 5, Sigma: 25}, 4},
		{Periodic{Dim: 2, N: 32, Alpha: 2.5, Tau: 7}, 2},
	}
	for _, c := range cases {
		fine := c.coarse
		fine.N *= c.factor
		a, b := c.coarse.Sample(9, 4), fine.Sample(9, 4)
		n, f := c.coarse.N, c.factor
		diff := 0.0
		for p := range a {
			fp := p * f
			if c.coarse.Dim == 2 {
				i, j := p/n, p%n
				fp = (i*f)*fine.N + j*f
			}
			diff = math.Max(diff, math.Abs(a[p]-b[fp]))
		}
		sd := math.Sqrt(fine.Variance() - c.coarse.Variance())
		t.Logf("%dD %d -> %d: max |coarse - fine| = %.2e, sd of the missing modes %.2e, field sd %.2e",
			c.coarse.Dim, n, fine.N, diff, sd, math.Sqrt(c.coarse.Variance()))
		if diff > 6*sd {
			t.Errorf("%dD: samples differ by %.3g, more than 6 sd (%.3g) of the modes the coarse grid lacks", c.coarse.Dim, diff, 6*sd)
		}
	}
}
