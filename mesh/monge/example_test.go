package monge_test

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/monge"
)

// Move a 24 x 24 mesh to equidistribute a ring monitor and judge it: the
// residual, tangling, the boundary and the spread of m*A.
func Example() {
	mon, _ := monge.FuncMonitor(func(x, y float64) float64 {
		r := math.Hypot(x-0.5, y-0.5)
		return 1 + 10*math.Exp(-math.Pow((r-0.25)/0.05, 2))
	})
	res, err := monge.Move(context.Background(), 24, mon, monge.Options{Method: monge.Newton})
	if err != nil {
		fmt.Println(err)
		return
	}
	ref, _ := mesh.StructuredQuad(24, 24)
	drift, _, _ := mesh.BoundaryDrift(ref, res.Mesh)
	fmt.Printf("converged %v, untangled %v, boundary drift %g\n", res.Residual < 1e-8, res.Mesh.CheckUntangled() == nil, drift)
	fmt.Printf("CV of m*A: uniform %.2f, moved %.2f\n", res.UniformEqui.CV, res.Equi.CV)

	// 1-D: nodes equidistributing m = 1 + 3x.
	x, _ := monge.Equidistribute1D(func(x float64) float64 { return 1 + 3*x }, 5, 1000)
	fmt.Printf("1-D nodes %.4f\n", x)
	// Output:
	// converged true, untangled true, boundary drift 0
	// CV of m*A: uniform 1.18, moved 0.10
	// 1-D nodes [0.0000 0.3931 0.6385 0.8333 1.0000]
}
