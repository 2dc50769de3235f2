package burgers_test

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/solvers/burgers"
)

// Solve FNO's Burgers problem for one sine initial condition and compare
// with the exact Cole-Hopf solution.
func Example() {
	p := burgers.Params{Nu: 0.1, Length: 1, N: 64, Dt: 1e-3}
	s, err := burgers.New(p)
	if err != nil {
		panic(err)
	}
	x := p.Grid()
	u0 := make([]float64, p.N)
	for j := range u0 {
		u0[j] = math.Sin(2 * math.Pi * x[j])
	}
	out, err := s.Solve(context.Background(), u0, []float64{0.5}, nil)
	if err != nil {
		panic(err)
	}
	worst := 0.0
	for j := range x {
		worst = math.Max(worst, math.Abs(out[0][j]-burgers.ColeHopf(p.Nu, -1, 2*math.Pi, x[j], 0.5)))
	}
	fmt.Printf("max error against Cole-Hopf: below 1e-12: %v\n", worst < 1e-12)
	// Output: max error against Cole-Hopf: below 1e-12: true
}
