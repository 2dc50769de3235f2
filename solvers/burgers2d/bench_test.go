package burgers2d

import (
	"testing"
)

// BenchmarkStep192 is one ETDRK4 step at 192^2 (MM-PDE's Burgers
// resolution) of each equation, from a default initial condition.
func BenchmarkStep192(b *testing.B) {
	for _, eq := range []Equation{EquationVector, EquationScalar} {
		b.Run(string(eq), func(b *testing.B) {
			p := DefaultParams()
			p.Equation = eq
			s, err := New(p)
			if err != nil {
				b.Fatal(err)
			}
			w := s.forward(p.InitialCondition(1, 0))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.step(w, p.Dt)
			}
		})
	}
}
