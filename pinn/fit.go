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

// Fit trains m on collocation points c and the initial condition ic.
func Fit(ctx context.Context, m Model, c Points, ic IC, w Weights, opts FitOptions) (*History, error) {
	if len(c.X) == 0 || len(c.X) != len(c.T) {
		return nil, fmt.Errorf("pinn: %d x and %d t collocation points (expected equal, at least one)", len(c.X), len(c.T))
	}
	if opts.AdamSteps < 0 || opts.LBFGSIters < 0 || opts.Batch < 0 {
		return nil, fmt.Errorf("pinn: adam steps, L-BFGS iterations and batch must be >= 0, got %d, %d, %d", opts.AdamSteps, opts.LBFGSIters, opts.Batch)
	}
	start := time.Now()
	params := m.Params()
	r := tensor.NewRNGStream(opts.Seed, 7)
	draw := func() Points {
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
	evaluate := func(pts Points) (float64, error) {
		nn.ZeroGrad(params)
		loss, err := m.Loss(pts, ic, w)
		if err != nil {
			return 0, err
		}
		if err := autograd.Backward(loss); err != nil {
			return 0, err
		}
		v := loss.Value.Data()[0]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return v, fmt.Errorf("pinn: loss is %v: %w", v, nn.ErrNonFinite)
		}
		return v, nil
	}
	h := &History{LBFGSLoss: math.NaN()}
	adam := nn.NewAdam[float64](opts.LR, 0)
	adam.AMSGrad = opts.AMSGrad
	every := opts.LogEvery
	if every <= 0 {
		every = max(opts.AdamSteps/10, 1)
	}
	for s := 0; s < opts.AdamSteps; s++ {
		if err := ctx.Err(); err != nil {
			return h, err
		}
		v, err := evaluate(draw())
		if err != nil {
			return h, fmt.Errorf("adam step %d: %w", s+1, err)
		}
		if err := adam.Step(params); err != nil {
			return h, err
		}
		h.AdamLoss = append(h.AdamLoss, v)
		if opts.Log != nil && ((s+1)%every == 0 || s == 0) {
			fmt.Fprintf(opts.Log, "adam %d/%d  loss %.4g  (%.1fs)\n", s+1, opts.AdamSteps, v, time.Since(start).Seconds())
		}
	}
	if opts.LBFGSIters > 0 {
		pts := draw()
		lb := nn.NewLBFGS[float64]()
		lb.MaxIter = opts.LBFGSIters
		v, err := lb.Minimize(params, func() (float64, error) {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			return evaluate(pts)
		})
		if err != nil {
			return h, fmt.Errorf("L-BFGS: %w", err)
		}
		h.LBFGSLoss = v
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "lbfgs %d iterations  loss %.4g  (%.1fs)\n", opts.LBFGSIters, v, time.Since(start).Seconds())
		}
	}
	h.Seconds = time.Since(start).Seconds()
	return h, nil
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
