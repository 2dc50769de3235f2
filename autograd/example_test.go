package autograd_test

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// First and second derivatives of u = sin(x) x at three points, the way a
// PINN takes u_x and u_xx of its network: Grad with createGraph, twice.
func ExampleGrad() {
	x := autograd.Param(tensor.FromSlice([]float64{0, 1, 2}, 3))
	u := autograd.Mul(autograd.Sin(x), x)
	ux, _ := autograd.Grad([]*autograd.Var[float64]{u}, []*autograd.Var[float64]{x}, nil, true)
	uxx, _ := autograd.Grad(ux, []*autograd.Var[float64]{x}, nil, false)
	// u_x = cos(x) x + sin(x), u_xx = 2 cos(x) - sin(x) x.
	fmt.Printf("u_x  = %.4f\nu_xx = %.4f\n", ux[0].Value.Data(), uxx[0].Value.Data())
	// Output:
	// u_x  = [0.0000 1.3818 0.0770]
	// u_xx = [2.0000 0.2391 -2.6509]
}

// Normalize over the last axis (LayerNorm's statistics) and over the first
// with the unbiased variance: each group gets mean 0 and variance
// var/(var + eps).
func ExampleNormalize() {
	x := autograd.Const(tensor.FromSlice([]float64{1, 2, 3, 4, 6, 8}, 2, 3))
	rows := autograd.Normalize(x, []int{-1}, 0, false)
	cols := autograd.Normalize(x, []int{0}, 0, true)
	fmt.Printf("rows %.4f\ncols %.4f\n", rows.Value.Data(), cols.Value.Data())
	// Output:
	// rows [-1.2247 0.0000 1.2247 -1.2247 0.0000 1.2247]
	// cols [-0.7071 -0.7071 -0.7071 0.7071 0.7071 0.7071]
}

// Mean aggregation of edge messages at their receivers, the last step of a
// graph network's message passing: four edges sorted by receiver, node 1
// receives none. The gradient of the sum gives each edge 1/count of its
// receiver.
func ExampleSegmentMean() {
	// Receivers 0, 0, 2, 2 as CSR offsets over the three nodes.
	offsets := []int{0, 2, 2, 4}
	msg := autograd.Param(tensor.FromSlice([]float64{1, 10, 3, 30, 5, 50, 7, 70}, 4, 2))
	agg := autograd.SegmentMean(msg, offsets)
	g, _ := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(agg)}, []*autograd.Var[float64]{msg}, nil, false)
	fmt.Println("mean", agg.Value.Data())
	fmt.Println("grad", g[0].Value.Data())
	// Output:
	// mean [2 20 0 0 6 60]
	// grad [0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5]
}
