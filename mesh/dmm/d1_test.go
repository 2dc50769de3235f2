package dmm

import (
	"context"
	"math"
	"testing"
)

// d1Options is the D1 study at the budget a test affords: a width-32 net
// with the trunk fed 2 xi - 1 and the branch fed (x0, delta), 16 training
// fronts on a 4 x 4 grid, 48 uniform interior points each, and lbfgs
// full-batch L-BFGS iterations from the initial net (no Adam).
func d1Options(lbfgs int, beta float64) D1Options {
	return D1Options{
		Config: Config{Dim: 1, Branch: MLPBranch, Input: 2, BranchHidden: []int{32}, Latent: 32,
			TrunkHidden: []int{32}, HeadHidden: []int{32}, CenterTrunk: true},
		Beta: beta, Samples: 48, Nodes: 49, Seed: 1, ParamBranch: true,
		TrainCases: D1Grid(4, 4), TestCases: D1Cases(5, 99),
		Train: TrainOptions{Loss: LossOptions{Interior: 48, Candidates: 40 * 48, BoundaryPerSide: 1, BoundaryWeight: 1000,
			ConvexWeight: 1, UniformFraction: 1}, LBFGSIters: lbfgs, Seed: 2},
	}
}

// TestD1 trains the 1-D DMM on tanh fronts and compares its 49 nodes on
// held-out fronts with monge.Equidistribute1D of the same monitor. At this
// budget (about 20 s) it does not reach the 1 % acceptance (ExampleD1, 8000
// iterations of a wider net, does: 0.40 %): it asserts what it reaches
// (measured 0.026, uniform mesh 0.230, drift 1.6e-3), monotone nodes and a
// small end drift.
func TestD1(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for about 20 s")
	}
	res, err := D1(context.Background(), d1Options(1000, 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("D1 (beta 1, 1000 L-BFGS iterations): max node error %.4f (per front %.4f), uniform mesh %.4f, end drift %.2e, monotone %v, loss %.4g, %.1f s",
		res.MaxErr, res.CaseErr, res.UniformErr, res.MaxDrift, res.Monotone, res.FinalLoss, res.TrainSeconds)
	if !res.Monotone || res.MaxErr > 0.05 || res.MaxDrift > 0.005 || math.IsNaN(res.MaxErr) {
		t.Fatalf("max error %g (uniform %g), drift %g, monotone %v; want monotone, error <= 0.05, drift <= 0.005",
			res.MaxErr, res.UniformErr, res.MaxDrift, res.Monotone)
	}
}
