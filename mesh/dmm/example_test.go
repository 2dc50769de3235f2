package dmm_test

import (
	"context"
	"fmt"

	"github.com/surrogo/surrogo/mesh/dmm"
	"github.com/surrogo/surrogo/tensor"
)

// ExampleD1 is the full-budget 1-D exactness study (acceptance D1: max
// node error below 1 % of the domain at 49 nodes on held-out fronts, and
// monotone nodes). It has no Output line, so go test compiles it but does
// not run it; call it from a program to run it (minutes of CPU).
func ExampleD1() {
	opt := dmm.D1Options{
		Config: dmm.Config{Dim: 1, Branch: dmm.MLPBranch, Input: 2, BranchHidden: []int{64}, Latent: 64,
			TrunkHidden: []int{32}, HeadHidden: []int{64}},
		Beta: 1, Samples: 48, Nodes: 49, Seed: 1, ParamBranch: true,
		TrainCases: dmm.D1Cases(32, 11), TestCases: dmm.D1Cases(5, 99),
		Train: dmm.TrainOptions{Loss: dmm.LossOptions{Interior: 64, Candidates: 40 * 64, BoundaryPerSide: 1, BoundaryWeight: 1000, ConvexWeight: 1},
			Batch: 8, Epochs: 300, BatchesPerEpoch: 100, LR: 2e-3, Milestones: []int{180, 255}, Gamma: 0.2, Seed: 2},
	}
	res, err := dmm.D1(context.Background(), opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("max node error %.4f (uniform %.4f), monotone %v, %.0f s\n", res.MaxErr, res.UniformErr, res.Monotone, res.TrainSeconds)
}

// ExampleNet_Mesh moves a 48 x 48 mesh with an (untrained) quarter-width
// upstream network for a field of 48 x 48 values.
func ExampleNet_Mesh() {
	net, err := dmm.New(dmm.Upstream().Scaled(0.25), tensor.NewRNG(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	u := make([]float64, 48*48)
	for k := range u {
		u[k] = dmm.TanhFront(0.5, 0.1, 48)[k/48]
	}
	res, err := net.Mesh(u, 48)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Mesh.NumNodes(), res.Drift < 0.1)
	// Output: 2304 true
}
