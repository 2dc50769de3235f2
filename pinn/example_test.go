package pinn_test

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/pinn"
	"github.com/surrogo/surrogo/tensor"
)

// An LPINN for u_t + 2 u_x = 0, u0 = sin x, trained briefly on a coarse
// grid and measured against the exact solution.
func Example() {
	pde := pinn.PDE{Kind: pinn.Convection, Beta: 2, T: 1}
	m, err := pinn.NewLPINN(pde, pinn.Arch{Hidden: 16, DepthU: 3, DepthX: 2}, tensor.NewRNG(0))
	if err != nil {
		panic(err)
	}
	g := pinn.Grid{NX: 32, NT: 10, T: 1}
	x, t := g.Points()
	ic := pinn.IC{X: g.X(), U: make([]float64, g.NX)}
	for i, xi := range ic.X {
		ic.U[i] = math.Sin(xi)
	}
	if _, err := pinn.Fit(context.Background(), m, pinn.Points{X: x, T: t}, ic, pinn.DefaultWeights,
		pinn.FitOptions{AdamSteps: 200, LR: 1e-2, AMSGrad: true, LBFGSIters: 50}); err != nil {
		panic(err)
	}
	pred, _ := m.Predict(g)
	ref, _ := pinn.Reference(context.Background(), pde, g, math.Sin)
	e, _ := pinn.RelL2(ref, pred)
	fmt.Println("relative L2 below 0.1:", e < 0.1) // measured 0.049
	// Output: relative L2 below 0.1: true
}
