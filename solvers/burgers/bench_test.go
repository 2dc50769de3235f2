package burgers

import (
	"testing"

	"github.com/surrogo/surrogo/solvers/grf"
)

// BenchmarkStep8192 is one ETDRK4 step at 8192 points (FNO's Burgers
// resolution), for bench/run_solvers.sh.
func BenchmarkStep8192(b *testing.B) {
	const n = 8192
	s, err := New(Params{Nu: 0.1, Length: 1, N: n, Dt: 1e-5})
	if err != nil {
		b.Fatal(err)
	}
	u0 := grf.Periodic{Dim: 1, N: n, Alpha: 2, Tau: 5, Sigma: 25, Law: grf.GRF1}.Sample(1, 0)
	v := make([]complex128, n/2+1)
	s.fft.Forward(v, u0)
	// The first step of a dt computes the ETD coefficients, which the
	// NumPy/PyTorch references (bench/solvers.py) compute in their setup.
	s.step(v, 1e-5)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.step(v, 1e-5)
	}
}
