package navierstokes

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/solvers/grf"
)

// One time step of each scheme at 64^2 and 256^2 (FNO forcing, nu 1e-3),
// for bench/run_solvers.sh's side-by-side comparison with NumPy and PyTorch.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{64, 256} {
		for _, sch := range []Scheme{SchemeFNO, SchemeETDRK4} {
			b.Run(fmt.Sprintf("%s/%d", sch, n), func(b *testing.B) {
				s, err := New(Params{Nu: 1e-3, Length: 1, N: n, Dt: 1e-4, Scheme: sch, Forcing: ForcingFNO})
				if err != nil {
					b.Fatal(err)
				}
				w0 := grf.Periodic{Dim: 2, N: n, Alpha: 2.5, Tau: 7, Law: grf.GaussianRF2020}.Sample(1, 0)
				wh := make([]complex128, n*(n/2+1))
				s.fft.Forward(wh, w0)
				// The first step of a dt computes the ETD coefficients,
				// which bench/solvers.py computes in its setup.
				s.step(wh, 1e-4)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					s.step(wh, 1e-4)
				}
			})
		}
	}
}
