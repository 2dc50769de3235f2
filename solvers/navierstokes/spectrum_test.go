package navierstokes

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/solvers/grf"
)

// TestEnstrophySpectrumKnownField: a sum of Fourier modes puts
// (1/2) mean(w^2) of each mode into the shell of its |k|, so the spectrum
// and the resolution ratio are known exactly: a mode of amplitude a has
// mean square a^2 / 2 and enstrophy a^2 / 4.
func TestEnstrophySpectrumKnownField(t *testing.T) {
	for _, length := range []float64{2 * math.Pi, 1} {
		p := Params{Nu: 1e-3, Length: length, N: 32, Dt: 1e-3}
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		kc := s.CutoffShell()
		if kc != 10 {
			t.Fatalf("cut-off shell %d at N = 32, want 10 (3 * 10 < 32 <= 3 * 11)", kc)
		}
		q := 2 * math.Pi / length // the fundamental wavenumber
		w := field(p, func(x, y float64) float64 {
			return 2*math.Cos(3*q*x) + // shell 3: enstrophy 1
				0.5*math.Sin(q*(4*x+3*y)) + // shell 5: 1/16
				0.01*math.Cos(float64(kc)*q*y) + // the cut-off shell: 2.5e-5
				0.1*math.Cos(16*q*x) // the Nyquist column: mean square 0.01, enstrophy 0.005 in shell 16
		})
		k, z := s.EnstrophySpectrum(w)
		want := map[int]float64{3: 1, 5: 1.0 / 16, kc: 2.5e-5, 16: 0.005}
		if len(z) != 24 || len(k) != len(z) {
			t.Fatalf("%d shells, want ceil(32/sqrt 2) + 1 = 24", len(z))
		}
		sum := 0.0
		for i, v := range z {
			if d := math.Abs(v - want[i]); d > 1e-14 {
				t.Errorf("L = %.4g: shell %d holds %.6g, want %.6g", length, i, v, want[i])
			}
			if math.Abs(k[i]-q*float64(i)) > 1e-12 {
				t.Errorf("L = %.4g: k[%d] = %v, want %v", length, i, k[i], q*float64(i))
			}
			sum += v
		}
		if e := Enstrophy(w); math.Abs(sum-e) > 1e-14 {
			t.Errorf("spectrum sums to %v, enstrophy %v", sum, e)
		}
		if r := s.ResolutionRatio(w); math.Abs(r-2.5e-5) > 1e-15 {
			t.Errorf("resolution ratio %v, want 2.5e-5", r)
		}
	}
	s, _ := New(Params{Nu: 1e-3, Length: 1, N: 16, Dt: 1e-3})
	if r := s.ResolutionRatio(make([]float64, 256)); r != 0 {
		t.Errorf("ratio of a zero field %v", r)
	}
}

// TestEnstrophySpectrumParseval: on a random field the shells sum to the
// enstrophy, and GRF draws follow their law: the expected enstrophy of
// shell i is the sum of (1/2) c_k^2 over its modes (grf.Coefficient).
func TestEnstrophySpectrumParseval(t *testing.T) {
	const n, draws = 128, 8
	g := grf.Periodic{Dim: 2, N: n, Alpha: 2.5, Tau: 7, Law: grf.GaussianRF2020}
	s, err := New(Params{Nu: 1e-3, Length: 1, N: n, Dt: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	var mean []float64
	for d := 0; d < draws; d++ {
		w := g.Sample(3, d)
		_, z := s.EnstrophySpectrum(w)
		sum := 0.0
		for _, v := range z {
			sum += v
		}
		if e := Enstrophy(w); math.Abs(sum-e) > 1e-12*e {
			t.Errorf("draw %d: spectrum sums to %v, enstrophy %v", d, sum, e)
		}
		if mean == nil {
			mean = make([]float64, len(z))
		}
		for i, v := range z {
			mean[i] += v / draws
		}
	}
	expect := make([]float64, len(mean))
	for a := -n/2 + 1; a <= n/2; a++ {
		for b := -n/2 + 1; b <= n/2; b++ {
			c := g.Coefficient([]int{a, b})
			expect[int(math.Round(math.Hypot(float64(a), float64(b))))] += 0.5 * c * c
		}
	}
	// Shell i holds about 2 pi i modes, half of them independent: the mean
	// of 8 draws has a relative standard deviation of about
	// 1 / sqrt(8 pi i), 0.06 at i = 10.
	worst := 0.0
	for i := 10; i <= 40; i++ {
		worst = math.Max(worst, math.Abs(mean[i]/expect[i]-1))
	}
	t.Logf("largest relative deviation of shells 10..40 (mean of %d draws) from the GRF law: %.3f", draws, worst)
	if worst > 0.25 {
		t.Errorf("GRF spectrum deviates from its law by %.2f", worst)
	}
}
