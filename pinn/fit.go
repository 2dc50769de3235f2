package pinn

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// FitOptions set the optimisation: Adam (AMSGrad as the reference code)
// for AdamSteps, then L-BFGS (strong Wolfe) for LBFGSIters iterations.
type FitOptions struct {
	AdamSteps  int
	LR         float64 // Adam rate (0.01 in the reference code)
	AMSGrad    bool
	LBFGSIters int
	// Batch, if positive and below the number of collocation points, draws
	// that many points at random (seeded) for every Adam step; L-BFGS uses
	// one fixed draw. 0: full batch.
	Batch    int
	Seed     uint64
	Log      io.Writer // progress lines (nil: silent)
	LogEvery int       // Adam steps between lines (default AdamSteps/10)
}

// History records the optimisation.
type History struct {
	AdamLoss  []float64 // per Adam step
	LBFGSLoss float64   // after L-BFGS (NaN when not run)
	Seconds   float64
}

// RNG returns the generator the collocation batches are drawn from:
// stream 7 of seed. Pass it as nn.Trainer.RNG with Phases, so that the
// trainer's checkpoints hold its state.
func RNG(seed uint64) *tensor.RNG { return tensor.NewRNGStream(seed, 7) }

// Phases returns the training of m as nn.Trainer phases, one step per
// epoch: "adam", opts.AdamSteps Adam steps (AMSGrad as opts says), each on
// opts.Batch collocation points drawn from the trainer's RNG (all of c
// when Batch is 0 or not below their number); then "lbfgs", up to
// opts.LBFGSIters L-BFGS iterations on one such draw made as the phase
// begins. A phase with no steps is left out. With RNG(opts.Seed) as the
// trainer's RNG the draws are those Fit has always made.
func Phases(m Model, c Points, ic IC, w Weights, opts FitOptions) ([]nn.Phase[float64], error) {
	if len(c.X) == 0 || len(c.X) != len(c.T) {
		return nil, fmt.Errorf("pinn: %d x and %d t collocation points (expected equal, at least one)", len(c.X), len(c.T))
	}
	if opts.AdamSteps < 0 || opts.LBFGSIters < 0 || opts.Batch < 0 || opts.AdamSteps+opts.LBFGSIters == 0 {
		return nil, fmt.Errorf("pinn: adam steps, L-BFGS iterations and batch must be >= 0 with some steps, got %d, %d, %d", opts.AdamSteps, opts.LBFGSIters, opts.Batch)
	}
	draw := func(r *tensor.RNG) Points {
		if opts.Batch <= 0 || opts.Batch >= len(c.X) {
			return c
		}
		perm := r.Perm(len(c.X))[:opts.Batch]
		b := Points{X: make([]float64, len(perm)), T: make([]float64, len(perm))}
		for k, i := range perm {
			b.X[k], b.T[k] = c.X[i], c.T[i]
		}
		return b
	}
	var phases []nn.Phase[float64]
	if opts.AdamSteps > 0 {
		adam := nn.NewAdam[float64](opts.LR, 0)
		adam.AMSGrad = opts.AMSGrad
		phases = append(phases, nn.Phase[float64]{Name: "adam", Optimizer: adam, Epochs: opts.AdamSteps, BatchesPerEpoch: 1,
			Loss: func(_ context.Context, _, _ int, r *tensor.RNG) (*autograd.Var[float64], error) {
				return m.Loss(draw(r), ic, w)
			}})
	}
	if opts.LBFGSIters > 0 {
		lb := nn.NewLBFGS[float64]()
		lb.MaxIter = opts.LBFGSIters
		var fixed Points
		phases = append(phases, nn.Phase[float64]{Name: "lbfgs", LBFGS: lb, Epochs: opts.LBFGSIters, BatchesPerEpoch: 1,
			Begin: func(_ context.Context, r *tensor.RNG) error {
				fixed = draw(r)
				return nil
			},
			Loss: func(context.Context, int, int, *tensor.RNG) (*autograd.Var[float64], error) {
				return m.Loss(fixed, ic, w)
			}})
	}
	return phases, nil
}

// Fit trains m on collocation points c and the initial condition ic: the
// Phases run by an nn.Trainer without checkpoints (experiments trains with
// them).
func Fit(ctx context.Context, m Model, c Points, ic IC, w Weights, opts FitOptions) (*History, error) {
	phases, err := Phases(m, c, ic, w, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	h := &History{LBFGSLoss: math.NaN()}
	every := opts.LogEvery
	if every <= 0 {
		every = max(opts.AdamSteps/10, 1)
	}
	tr := &nn.Trainer[float64]{Params: m.Params(), Phases: phases, RNG: RNG(opts.Seed), Report: func(r nn.EpochReport) {
		if r.Phase == "lbfgs" {
			h.LBFGSLoss = r.TrainLoss
			return
		}
		h.AdamLoss = append(h.AdamLoss, r.TrainLoss)
		if opts.Log != nil && (r.Epoch%every == 0 || r.Epoch == 1) {
			fmt.Fprintf(opts.Log, "adam %d/%d  loss %.4g  (%.1fs)\n", r.Epoch, opts.AdamSteps, r.TrainLoss, time.Since(start).Seconds())
		}
	}}
	res, err := tr.Run(ctx)
	h.Seconds = time.Since(start).Seconds()
	if err == nil && opts.Log != nil && opts.LBFGSIters > 0 {
		fmt.Fprintf(opts.Log, "lbfgs %d iterations  loss %.4g  (%.1fs)\n", res.Steps-opts.AdamSteps, h.LBFGSLoss, h.Seconds)
	}
	return h, err
}

// RelL2 is ||ref - pred||_2 / ||ref||_2 over all grid values.
func RelL2(ref, pred [][]float64) (float64, error) {
	if len(ref) != len(pred) {
		return 0, fmt.Errorf("pinn: %d reference and %d predicted times", len(ref), len(pred))
	}
	var num, den float64
	for j := range ref {
		if len(ref[j]) != len(pred[j]) {
			return 0, fmt.Errorf("pinn: time %d: %d reference and %d predicted points", j, len(ref[j]), len(pred[j]))
		}
		for i, v := range ref[j] {
			d := v - pred[j][i]
			num += d * d
			den += v * v
		}
	}
	return math.Sqrt(num / den), nil
}
