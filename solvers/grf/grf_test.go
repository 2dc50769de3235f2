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
		{Dim: 1, N: 64, Alpha: 2, Tau: 5, Sigma: 25, Law: GRF1},
		{Dim: 2, N: 32, Alpha: 2.5, Tau: 7, Law: GaussianRF2020},
		{Dim: 3, N: 8, Alpha: 2.5, Tau: 3, Law: GRF1},
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

// dft writes the unnormalised forward DFT of the real row-major n^d array
// u, U_k = sum_j u_j e^{-2 pi i k.j / n}, one axis at a time by the
// definition (O(n) per output point; independent of the package's FFT).
func dft(u []float64, n, dim int) []complex128 {
	data := make([]complex128, len(u))
	for j, v := range u {
		data[j] = complex(v, 0)
	}
	line := make([]complex128, n)
	inner := 1
	for a := 0; a < dim; a++ {
		outer := len(data) / (n * inner)
		for o := 0; o < outer; o++ {
			for in := 0; in < inner; in++ {
				base := o*n*inner + in
				for k := 0; k < n; k++ {
					var s complex128
					for j := 0; j < n; j++ {
						ang := -2 * math.Pi * float64(k*j%n) / float64(n)
						s += data[base+j*inner] * complex(math.Cos(ang), math.Sin(ang))
					}
					line[k] = s
				}
				for k := 0; k < n; k++ {
					data[base+k*inner] = line[k]
				}
			}
		}
		inner *= n
	}
	return data
}

// statedModeVariance is E|U_k|^2 for grid mode k of the n^d grid as the
// package documentation states each law, written out here from the
// parameters (not from Coefficient): n^(2d) times sigma^2 lambda_k times
// 2^m (GRF1, m = number of Nyquist components) or times 2 (GaussianRF2020).
func statedModeVariance(p Periodic, k []int) float64 {
	sigma := p.Sigma
	if sigma == 0 {
		sigma = math.Pow(p.Tau, p.Alpha-float64(p.Dim)/2)
	}
	k2, m := 0.0, 0
	for _, x := range k {
		k2 += float64(x * x)
		if 2*x == p.N || -2*x == p.N {
			m++
		}
	}
	lambda := math.Pow(4*math.Pi*math.Pi*k2+p.Tau*p.Tau, -p.Alpha)
	factor := 2.0
	if p.Law == GRF1 {
		factor = math.Ldexp(1, m)
	}
	return math.Pow(float64(p.N), float64(2*p.Dim)) * factor * sigma * sigma * lambda
}

// modeStats compares the empirical per-mode variance of M samples with
// the stated law. Per grid mode k != 0 (one of each conjugate pair k, -k),
// U_k is complex Gaussian with independent real and imaginary parts of
// variance v_k / 2 (v_k the stated E|U_k|^2), or real with variance v_k when
// k = -k (mod n), so S_k = sum_i |U_k,i|^2 / (v_k / f_k) is chi-square with
// f_k M degrees of freedom (f_k = 2 or 1). It returns the largest per-mode
// z = (S_k - f_k M) / sqrt(2 f_k M), the pooled z of sum_k S_k (chi-square
// with M sum_k f_k degrees of freedom), and the pooled ratio of empirical
// to stated variance.
func modeStats(power []float64, want func(flat int) float64, selfConj func(flat int) bool, canonical func(flat int) bool, samples int) (maxZ, pooledZ, ratio float64) {
	var S, dof float64
	m := float64(samples)
	for flat := range power {
		if !canonical(flat) {
			continue
		}
		f := 2.0
		if selfConj(flat) {
			f = 1
		}
		sk := power[flat] / (want(flat) / f)
		z := (sk - f*m) / math.Sqrt(2*f*m)
		maxZ = math.Max(maxZ, math.Abs(z))
		S += sk
		dof += f * m
	}
	return maxZ, (S - dof) / math.Sqrt(2*dof), S / dof
}

// TestPeriodicModeVariance checks, for each law, that the empirical
// variance of every grid mode over many samples matches the law's stated
// covariance: each mode within 5 standard deviations of its chi-square
// statistic, and all modes pooled within 4. The same statistics against
// the other law's covariance (a factor 2 in variance, sqrt(2) in
// amplitude) must be rejected by far, so the test has the power to see
// that error.
func TestPeriodicModeVariance(t *testing.T) {
	cases := []struct {
		name    string
		p       Periodic
		seed    uint64
		samples int
	}{
		{"1D GRF1 (FNO Burgers)", Periodic{Dim: 1, N: 64, Alpha: 2, Tau: 5, Sigma: 25, Law: GRF1}, 11, 4000},
		{"1D GaussianRF2020", Periodic{Dim: 1, N: 64, Alpha: 2.5, Tau: 7, Law: GaussianRF2020}, 12, 4000},
		{"2D GRF1", Periodic{Dim: 2, N: 16, Alpha: 2, Tau: 5, Sigma: 3, Law: GRF1}, 13, 1500},
		{"2D GaussianRF2020 (FNO Navier-Stokes)", Periodic{Dim: 2, N: 16, Alpha: 2.5, Tau: 7, Law: GaussianRF2020}, 14, 1500},
		{"3D GRF1", Periodic{Dim: 3, N: 6, Alpha: 2.5, Tau: 3, Law: GRF1}, 15, 1000},
		{"3D GaussianRF2020", Periodic{Dim: 3, N: 6, Alpha: 2.5, Tau: 3, Law: GaussianRF2020}, 16, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			total := tensor.Size(p.shape())
			power := make([]float64, total)
			for i := 0; i < c.samples; i++ {
				U := dft(p.Sample(c.seed, i), p.N, p.Dim)
				for f, z := range U {
					power[f] += real(z)*real(z) + imag(z)*imag(z)
				}
			}
			if power[0] > 1e-18*float64(c.samples) {
				t.Errorf("mean mode has power %g, want 0", power[0]/float64(c.samples))
			}
			k := make([]int, p.Dim)
			neg := func(flat int) int { // flat index of -k
				wavevector(flat, p.N, k)
				g := 0
				for _, x := range k {
					g = g*p.N + ((-x%p.N)+p.N)%p.N
				}
				return g
			}
			selfConj := func(flat int) bool { return neg(flat) == flat }
			canonical := func(flat int) bool { return flat != 0 && flat <= neg(flat) }
			stated := func(flat int) float64 {
				wavevector(flat, p.N, k)
				return statedModeVariance(p, k)
			}
			maxZ, pooledZ, ratio := modeStats(power, stated, selfConj, canonical, c.samples)
			t.Logf("%d samples: empirical / stated variance pooled %.4f (z %.2f), largest per-mode |z| %.2f",
				c.samples, ratio, pooledZ, maxZ)
			if maxZ > 5 || math.Abs(pooledZ) > 4 {
				t.Errorf("per-mode variance does not match the stated law: largest |z| %.2f (limit 5), pooled z %.2f (limit 4), ratio %.4f",
					maxZ, pooledZ, ratio)
			}
			// The other law's covariance: twice (GRF1 vs GaussianRF2020) or
			// half the stated one away from the Nyquist modes.
			other := p
			other.Law = GaussianRF2020
			if p.Law == GaussianRF2020 {
				other.Law = GRF1
			}
			wrong := func(flat int) float64 {
				wavevector(flat, p.N, k)
				return statedModeVariance(other, k)
			}
			_, wz, wr := modeStats(power, wrong, selfConj, canonical, c.samples)
			t.Logf("against the %s law: ratio %.4f, pooled z %.1f", other.Law, wr, wz)
			if math.Abs(wz) < 40 {
				t.Errorf("the test cannot tell the laws apart: pooled z %.1f against %s", wz, other.Law)
			}
		})
	}
}

// TestLawsVariance checks Variance against the series of each law written
// out in 1D: GRF1 sums sigma^2 lambda_k over 0 < |k| <= n/2 (both
// Nyquist wavenumbers), GaussianRF2020 sums 2 sigma^2 lambda_k over the
// grid's modes -n/2 < k <= n/2, k != 0.
func TestLawsVariance(t *testing.T) {
	const n = 16
	lambda := func(k int) float64 { return math.Pow(4*math.Pi*math.Pi*float64(k*k)+25, -2) }
	grf1, g2020 := 0.0, 0.0
	for k := 1; k <= n/2; k++ {
		grf1 += 2 * 625 * lambda(k)
		g2020 += 2 * 2 * 625 * lambda(k)
	}
	g2020 -= 2 * 625 * lambda(n/2)
	cases := []struct {
		law  Law
		want float64
	}{{GRF1, grf1}, {GaussianRF2020, g2020}}
	for _, c := range cases {
		got := Periodic{Dim: 1, N: n, Alpha: 2, Tau: 5, Sigma: 25, Law: c.law}.Variance()
		if math.Abs(got-c.want) > 1e-14*c.want {
			t.Errorf("%s: variance %.15g, want %.15g", c.law, got, c.want)
		}
	}
	if r := g2020 / grf1; math.Abs(r-2) > 1e-3 {
		t.Errorf("GaussianRF2020 / GRF1 variance %.6f, want about 2", r)
	}
}

// TestNeumannModeVariance checks the Darcy field's law mode by mode: the
// orthonormal 2D DCT-II of a sample is L_k = n c_k xi_k, so over M samples
// sum_i L_k,i^2 / (n^2 tau^(2 alpha - 2) (pi^2 |k|^2 + tau^2)^-alpha) is
// chi-square with M degrees of freedom: each mode within 5 of its
// standard deviations, all pooled within 4.
func TestNeumannModeVariance(t *testing.T) {
	p := Neumann{N: 12, Alpha: 2, Tau: 3}
	const samples = 2000
	n := p.N
	power := make([]float64, n*n)
	for i := 0; i < samples; i++ {
		L := tensor.DCT2(tensor.DCT2(tensor.FromSlice(p.Sample(5, i), n, n), 0), 1).Data()
		for f, v := range L {
			power[f] += v * v
		}
	}
	if power[0] > 1e-18 {
		t.Errorf("constant mode has power %g, want 0", power[0])
	}
	stated := func(f int) float64 {
		k1, k2 := f/n, f%n
		return float64(n*n) * math.Pow(p.Tau, 2*p.Alpha-2) * math.Pow(math.Pi*math.Pi*float64(k1*k1+k2*k2)+p.Tau*p.Tau, -p.Alpha)
	}
	real1 := func(int) bool { return true }
	nonzero := func(f int) bool { return f != 0 }
	maxZ, pooledZ, ratio := modeStats(power, stated, real1, nonzero, samples)
	t.Logf("%d samples: empirical / stated variance pooled %.4f (z %.2f), largest per-mode |z| %.2f", samples, ratio, pooledZ, maxZ)
	if maxZ > 5 || math.Abs(pooledZ) > 4 {
		t.Errorf("Neumann field: largest per-mode |z| %.2f (limit 5), pooled z %.2f (limit 4), ratio %.4f", maxZ, pooledZ, ratio)
	}
	// Without the factor tau^(2 alpha - 2) = 9 the statistic is far off.
	wrong := func(f int) float64 { return stated(f) / math.Pow(p.Tau, 2*p.Alpha-2) }
	if _, wz, _ := modeStats(power, wrong, real1, nonzero, samples); math.Abs(wz) < 40 {
		t.Errorf("the test cannot see the factor tau^(2 alpha - 2): pooled z %.1f", wz)
	}
}

func TestSamplesDependOnlyOnSeedAndIndex(t *testing.T) {
	p := Periodic{Dim: 2, N: 16, Alpha: 2.5, Tau: 7, Law: GRF1}
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
	good := Periodic{Dim: 1, N: 8, Alpha: 2, Tau: 1, Law: GRF1}
	bad := map[string]func(p *Periodic){
		"dim":     func(p *Periodic) { p.Dim = 4 },
		"n":       func(p *Periodic) { p.N = 1 },
		"alpha":   func(p *Periodic) { p.Alpha = -1 },
		"tau":     func(p *Periodic) { p.Tau = 0 },
		"sigma":   func(p *Periodic) { p.Sigma = math.NaN() },
		"no law":  func(p *Periodic) { p.Law = "" },
		"bad law": func(p *Periodic) { p.Law = "gaussianrf" },
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, m := range bad {
		p := good
		m(&p)
		if p.Validate() == nil {
			t.Errorf("%s: %+v accepted", name, p)
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
		{Periodic{Dim: 1, N: 256, Alpha: 2, Tau: 5, Sigma: 25, Law: GRF1}, 4},
		{Periodic{Dim: 1, N: 256, Alpha: 2, Tau: 5, Sigma: 25, Law: GaussianRF2020}, 4},
		{Periodic{Dim: 2, N: 32, Alpha: 2.5, Tau: 7, Law: GaussianRF2020}, 2},
		{Periodic{Dim: 2, N: 32, Alpha: 2.5, Tau: 7, Law: GRF1}, 2},
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
