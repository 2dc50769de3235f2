package navierstokes

import (
	"context"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/surrogo/surrogo/solvers/grf"
	"github.com/surrogo/surrogo/tensor"
)

// The Kolmogorov-flow study behind examples/paper/kolmogorov-cpu.toml
// (docs/VALIDATION.md, "Kolmogorov flow at CPU scale"). The tests run
// only when SURROGO_KOLMOGOROV_STUDY=1 and read their settings from the
// environment (studySettings); they log what they measure.

// studyEnv reads a float setting of the study from the environment.
func studyEnv(t *testing.T, name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// study are the settings of the study tests.
type study struct {
	p        Params
	burn     float64 // burn-in
	frames   int     // frames after the burn-in
	frameDt  float64 // time between frames
	sub      int     // the stored grid keeps every sub-th point
	samples  int
	logEvery int // log every logEvery-th frame
}

// studySettings skips unless SURROGO_KOLMOGOROV_STUDY=1 and reads the
// settings; the defaults are examples/paper/kolmogorov-cpu.toml's:
// KS_N (128), KS_NU (4e-3), KS_K (4), KS_DT (5e-3), KS_BURN (10),
// KS_FRAMES (200), KS_FRAME_DT (0.05), KS_SUB (2), KS_SAMPLES (3),
// KS_LOG_EVERY (20). Kolmogorov flow on the 2 pi box with forcing
// -n cos(n y) (FactFormer's sign: amplitude -n), drag 0.1, ETDRK4.
func studySettings(t *testing.T) study {
	if os.Getenv("SURROGO_KOLMOGOROV_STUDY") != "1" {
		t.Skip("set SURROGO_KOLMOGOROV_STUDY=1 to run the Kolmogorov resolution study")
	}
	k := int(studyEnv(t, "KS_K", 4))
	return study{
		p: Params{Nu: studyEnv(t, "KS_NU", 4e-3), Length: 2 * math.Pi, N: int(studyEnv(t, "KS_N", 128)), Dt: studyEnv(t, "KS_DT", 5e-3),
			Scheme: SchemeETDRK4, Drag: 0.1, Forcing: ForcingKolmogorov, Wavenumber: k, Amplitude: -float64(k)},
		burn: studyEnv(t, "KS_BURN", 10), frames: int(studyEnv(t, "KS_FRAMES", 200)), frameDt: studyEnv(t, "KS_FRAME_DT", 0.05),
		sub: int(studyEnv(t, "KS_SUB", 2)), samples: int(studyEnv(t, "KS_SAMPLES", 3)), logEvery: int(studyEnv(t, "KS_LOG_EVERY", 20)),
	}
}

// kolmogorovIC is the initial-vorticity law of FactFormer's generator
// (random_fields.GaussianRF(2, n, 2 pi, alpha 2.5, tau 7)): E|w_k|^2
// proportional to 2 * 7^3 (|k|^2 + 49)^-2.5 in the 2 pi box's integer
// wavenumbers. grf's laws are written on the unit torus,
// (4 pi^2 |k|^2 + tau^2)^-alpha: tau = 14 pi and sigma = 7^1.5 (2 pi)^2.5
// make the same law.
func kolmogorovIC(n int) grf.Periodic {
	return grf.Periodic{Dim: 2, N: n, Alpha: 2.5, Tau: 14 * math.Pi, Sigma: math.Pow(7, 1.5) * math.Pow(2*math.Pi, 2.5), Law: grf.GaussianRF2020}
}

// burnedIn returns the state of sample 0 after the burn-in and the times
// of the frames after it, counted from it.
func (st study) burnedIn(t *testing.T) ([]float64, []float64) {
	s, err := New(st.p)
	if err != nil {
		t.Fatal(err)
	}
	start, err := s.Solve(context.Background(), kolmogorovIC(st.p.N).Sample(1, 0), []float64{st.burn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	times := make([]float64, st.frames)
	for i := range times {
		times[i] = st.frameDt * float64(i+1)
	}
	return start[0], times
}

// stored keeps every sub-th point of an n x n field along each axis.
func stored(w []float64, n, sub int) []float64 {
	var out []float64
	for i := 0; i < n; i += sub {
		for j := 0; j < n; j += sub {
			out = append(out, w[i*n+j])
		}
	}
	return out
}

// relL2 is |a - b| / |b|.
func relL2(a, b []float64) float64 {
	num, den := 0.0, 0.0
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

// TestKolmogorovStudy: from the initial vorticity (kolmogorovIC) of each
// sample through the burn-in and the frames, it logs at every logEvery-th
// frame the kinetic energy, the enstrophy, the resolution ratio
// (ResolutionRatio: the enstrophy spectrum at the 2/3 cut-off over its
// peak), the CFL number and the relative L2 change of the vorticity on
// the stored grid since the previous frame; then per sample the solver's
// time, the ranges of these over the frames, and the spectrum of the last
// frame.
func TestKolmogorovStudy(t *testing.T) {
	st := studySettings(t)
	p, n, sub := st.p, st.p.N, st.sub
	times := make([]float64, st.frames+1)
	for i := range times {
		times[i] = st.burn + st.frameDt*float64(i)
	}
	t.Logf("N %d, nu %g (Re %g), n %d, dt %g, burn-in %g, %d frames every %g, stored every %d-th point",
		n, p.Nu, 1/p.Nu, p.Wavenumber, p.Dt, st.burn, st.frames, st.frameDt, sub)
	for i := 0; i < st.samples; i++ {
		s, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		w0 := kolmogorovIC(n).Sample(1, i)
		t.Logf("sample %d at t = 0: energy %.4g, enstrophy %.4g, ratio %.3g, CFL %.3g", i, s.Energy(w0), Enstrophy(w0), s.ResolutionRatio(w0), s.CFL(w0))
		begin := time.Now()
		out, err := s.Solve(context.Background(), w0, times, nil)
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(begin)
		var prev []float64
		lo := map[string]float64{"energy": math.Inf(1), "enstrophy": math.Inf(1), "ratio": math.Inf(1), "cfl": math.Inf(1), "change": math.Inf(1)}
		hi := map[string]float64{}
		meanChange := 0.0
		for f, w := range out {
			v := stored(w, n, sub)
			change := math.NaN()
			if prev != nil {
				change = relL2(v, prev)
				meanChange += change / float64(len(out)-1)
			}
			prev = v
			got := map[string]float64{"energy": s.Energy(w), "enstrophy": Enstrophy(w), "ratio": s.ResolutionRatio(w), "cfl": s.CFL(w), "change": change}
			for k, x := range got {
				if !math.IsNaN(x) {
					lo[k], hi[k] = math.Min(lo[k], x), math.Max(hi[k], x)
				}
			}
			if f%st.logEvery == 0 || f == len(out)-1 {
				t.Logf("  t %6.2f  energy %7.4f  enstrophy %7.3f  ratio %.2e  CFL %.3f  change %.3f",
					times[f], got["energy"], got["enstrophy"], got["ratio"], got["cfl"], change)
			}
		}
		t.Logf("sample %d: solver %.1f s for t = 0..%g; over the %d frames: energy %.3f..%.3f, enstrophy %.2f..%.2f, ratio %.1e..%.1e, CFL %.2f..%.2f, change %.3f..%.3f (mean %.3f)",
			i, elapsed.Seconds(), times[len(times)-1], len(out), lo["energy"], hi["energy"], lo["enstrophy"], hi["enstrophy"],
			lo["ratio"], hi["ratio"], lo["cfl"], hi["cfl"], lo["change"], hi["change"], meanChange)
		if i == 0 {
			_, z := s.EnstrophySpectrum(out[len(out)-1])
			line := ""
			for j := 1; j <= s.CutoffShell()+2 && j < len(z); j++ {
				line += strconv.FormatFloat(z[j], 'e', 1, 64) + " "
			}
			t.Logf("  enstrophy spectrum of the last frame, shells 1..%d: %s", s.CutoffShell()+2, line)
		}
	}
}

// TestKolmogorovRefinement compares, from the state of sample 0 after the
// burn-in, the solution on the N^2 grid with the same state spectrally
// interpolated to (2N)^2 and integrated there, and with the N^2 solution
// from the state perturbed by 1e-8 (relative): relative L2 distances on
// the stored grid. The first measures what the N^2 grid misses (the
// scales beyond its cut-off and their effect on the resolved ones), the
// second how fast chaos alone separates two runs.
func TestKolmogorovRefinement(t *testing.T) {
	st := studySettings(t)
	p, n, sub := st.p, st.p.N, st.sub
	start, times := st.burnedIn(t)
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	coarse, err := s.Solve(context.Background(), start, times, nil)
	if err != nil {
		t.Fatal(err)
	}
	perturbed := append([]float64(nil), start...)
	noise := grf.Periodic{Dim: 2, N: n, Alpha: 1, Tau: 1, Law: grf.GaussianRF2020}.Sample(9, 0)
	scale := 1e-8 * math.Sqrt(Enstrophy(start)/Enstrophy(noise))
	for j := range perturbed {
		perturbed[j] += scale * noise[j]
	}
	twin, err := s.Solve(context.Background(), perturbed, times, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := p
	q.N = 2 * n
	fine, err := New(q)
	if err != nil {
		t.Fatal(err)
	}
	refined, err := fine.Solve(context.Background(), upsample(start, n, 2*n), times, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Re %g, N %d vs %d from the state at t = %g; relative L2 distances on the %d^2 stored grid:", 1/p.Nu, n, 2*n, st.burn, n/sub)
	for f := range times {
		if (f+1)%st.logEvery != 0 && f != len(times)-1 {
			continue
		}
		a := stored(coarse[f], n, sub)
		t.Logf("  t + %5.2f: refined %.2e, perturbed (1e-8) %.2e", times[f], relL2(stored(refined[f], 2*n, 2*sub), a), relL2(stored(twin[f], n, sub), a))
	}
}

// upsample interpolates a periodic n x n field spectrally onto an m x m
// grid (m >= n), dropping its Nyquist modes: every (m/n)-th point of the
// m grid is the field without them.
func upsample(w []float64, n, m int) []float64 {
	h, hm := n/2+1, m/2+1
	W := make([]complex128, n*h)
	tensor.NewRealFFT2(n, n).Forward(W, append([]float64(nil), w...))
	V := make([]complex128, m*hm)
	scale := complex(float64(m*m)/float64(n*n), 0) // the inverse divides by m^2
	for i := 0; i < n; i++ {
		if 2*i == n {
			continue
		}
		ki := i
		if i > n/2 {
			ki = i - n
		}
		for j := 0; j < h-1; j++ {
			V[((ki+m)%m)*hm+j] = W[i*h+j] * scale
		}
	}
	out := make([]float64, m*m)
	tensor.NewRealFFT2(m, m).Inverse(out, V)
	return out
}

// TestKolmogorovTimeStep compares, from the state of sample 0 after the
// burn-in, the solutions with steps dt and dt/2 with the one with step
// dt/4: relative L2 distances on the stored grid.
func TestKolmogorovTimeStep(t *testing.T) {
	st := studySettings(t)
	p, n, sub := st.p, st.p.N, st.sub
	start, times := st.burnedIn(t)
	var runs [][][]float64
	for _, div := range []float64{1, 2, 4} {
		q := p
		q.Dt = p.Dt / div
		s, err := New(q)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Solve(context.Background(), start, times, nil)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, out)
	}
	t.Logf("Re %g, N %d, from the state at t = %g; relative L2 distance to the dt/4 = %g solution on the %d^2 stored grid:", 1/p.Nu, n, st.burn, p.Dt/4, n/sub)
	for f := range times {
		if (f+1)%st.logEvery != 0 && f != len(times)-1 {
			continue
		}
		ref := stored(runs[2][f], n, sub)
		t.Logf("  t + %5.2f: dt %g: %.2e, dt/2: %.2e", times[f], p.Dt, relL2(stored(runs[0][f], n, sub), ref), relL2(stored(runs[1][f], n, sub), ref))
	}
}

// TestUpsample: spectral interpolation keeps the field at the coarse
// points (a field without Nyquist modes) and is exact between them for a
// trigonometric polynomial.
func TestUpsample(t *testing.T) {
	p := Params{Nu: 1, Length: 2 * math.Pi, N: 16, Dt: 1}
	f := func(x, y float64) float64 { return math.Sin(3*x) + 0.5*math.Cos(2*x-5*y) + 0.25*math.Sin(7*y) }
	w := field(p, f)
	q := p
	q.N = 32
	fine := upsample(w, 16, 32)
	if d := maxDiff(fine, field(q, f)); d > 1e-13 {
		t.Errorf("upsampled field off by %.3g", d)
	}
}
