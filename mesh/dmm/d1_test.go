package dmm

import (
	"context"
	"math"
	"testing"
)

// d1Options is the D1 study at the budget a test affords: 16 training
// fronts, the branch fed (x0, delta), beta = 1, 3000 Adam steps of 4
// fronts x 64 interior points (about 25 s on one busy core).
func d1Options(epochs int, beta float64) D1Options {
	return D1Options{
		Config: Config{Dim: 1, Branch: MLPBranch, Input: 2, BranchHidden: []int{32}, Latent: 32,
			TrunkHidden: []int{32}, HeadHidden: []int{32}},
		Beta: beta, Samples: 48, Nodes: 49, Seed: 1, ParamBranch: true,
		TrainCases: D1Cases(16, 11), TestCases: D1Cases(5, 99),
		Train: TrainOptions{Loss: LossOptions{Interior: 64, Candidates: 40 * 64, BoundaryPerSide: 1, BoundaryWeight: 1000, ConvexWeight: 1},
			Batch: 4, Epochs: epochs, BatchesPerEpoch: 100, LR: 2e-3,
			Milestones: []int{epochs * 6 / 10, epochs * 85 / 100}, Gamma: 0.2, Seed: 2},
	}
}

// TestD1 trains the 1-D DMM on tanh fronts and compares its 49 nodes on
// held-out fronts with monge.Equidistribute1D of the same monitor. At this
// budget it does not reach the 1 % acceptance (see ExampleD1 for the
// longer run): it asserts what it reaches, monotone nodes, error well
// below the uniform mesh's, and small end drift.
func TestD1(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for about 25 s")
	}
	res, err := D1(context.Background(), d1Options(30, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("D1 (beta 1, 3000 steps): max node error %.4f (per front %.4f), uniform mesh %.4f, end drift %.2e, monotone %v, loss %.4g, %.1f s",
		res.MaxErr, res.CaseErr, res.UniformErr, res.MaxDrift, res.Monotone, res.FinalLoss, res.TrainSeconds)
	if !res.Monotone || res.MaxErr > 0.15 || res.MaxErr > 0.75*res.UniformErr || res.MaxDrift > 0.01 || math.IsNaN(res.MaxErr) {
		t.Fatalf("max error %g (uniform %g), drift %g, monotone %v; want monotone, error <= 0.15 and <= 0.75 uniform, drift <= 0.01",
			res.MaxErr, res.UniformErr, res.MaxDrift, res.Monotone)
	}
}
