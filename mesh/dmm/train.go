package dmm

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// TrainOptions configure Train: Adam (upstream: lr 2e-4, weight decay
// 1e-5, MultiStepLR) over random batches of fields, then optionally
// full-batch L-BFGS (upstream refits only the head's last layer by BFGS).
type TrainOptions struct {
	Loss            LossOptions
	Batch           int     // fields per step (160 upstream)
	Epochs          int     // epochs of BatchesPerEpoch steps
	BatchesPerEpoch int     //
	LR, WeightDecay float64 // Adam
	// Milestones and Gamma: the rate is multiplied by Gamma at each
	// milestone epoch (none: constant rate).
	Milestones []int
	Gamma      float64
	// ClipNorm, if > 0, clips each Adam step's gradient to this global L2
	// norm (0: none, as upstream).
	ClipNorm float64
	Seed     uint64
	// LBFGSIters, if positive, adds an L-BFGS phase (strong Wolfe) of up
	// to that many iterations after Adam, full batch: every field with
	// LBFGSInterior interior points (Loss.Interior if 0) drawn once as
	// the phase begins.
	LBFGSIters, LBFGSInterior int
	// Augment replaces each field an Adam step draws by a copy
	// transformed by the problem's exact symmetries (none by default; the
	// L-BFGS phase's fixed batch is never augmented).
	Augment Augment
	// Pool is an iterated net's number of training states (0: 4 x
	// Batch; see iteratedPhases).
	Pool int
	// NodeLoss scores an iterated net's steps at the grid's n^2 nodes
	// (the points its meshes use, every one in every step) instead of
	// Loss.Interior drawn points.
	NodeLoss bool
	Report   func(nn.EpochReport) // optional progress
}

// Train fits the network to the fields with nn.Trainer over Phases; a
// run is deterministic.
func (net *Net) Train(ctx context.Context, fields []Field, opt TrainOptions) (*nn.TrainResult, error) {
	phases, err := net.Phases(fields, opt)
	if err != nil {
		return nil, fmt.Errorf("dmm: Train: %w", err)
	}
	tr := &nn.Trainer[float64]{Params: net.Params(), Seed: opt.Seed, Report: opt.Report, Phases: phases}
	res, err := tr.Run(ctx)
	if err != nil {
		return res, fmt.Errorf("dmm: Train: %w", err)
	}
	return res, nil
}

// Phases are the training phases for nn.Trainer (which a caller may give
// checkpoints and an evaluation): an Adam phase (Epochs > 0), whose every
// step draws Batch fields uniformly with replacement and the interior
// points from the training RNG (each field transformed by opt.Augment's
// draws, from the same RNG, when set), then an L-BFGS phase (LBFGSIters > 0) on
// all fields at points drawn once.
func (net *Net) Phases(fields []Field, opt TrainOptions) ([]nn.Phase[float64], error) {
	if len(fields) == 0 || (opt.Epochs > 0 && opt.Batch < 1) {
		return nil, fmt.Errorf("%d fields, batch %d; want both >= 1", len(fields), opt.Batch)
	}
	if opt.Epochs > 0 && !(opt.LR > 0) {
		return nil, errors.New("want LR > 0")
	}
	if !(opt.ClipNorm >= 0) || math.IsInf(opt.ClipNorm, 0) {
		return nil, fmt.Errorf("ClipNorm = %g; want 0 (none) or a finite norm > 0", opt.ClipNorm)
	}
	if opt.Epochs < 1 && opt.LBFGSIters < 1 {
		return nil, errors.New("no Adam epochs and no L-BFGS iterations")
	}
	if err := net.checkFields(fields); err != nil {
		return nil, err
	}
	if err := opt.Augment.validate(fields); err != nil {
		return nil, err
	}
	var sched nn.Schedule
	if len(opt.Milestones) > 0 && !(opt.Gamma > 0) {
		return nil, fmt.Errorf("milestones %v with gamma %v; want gamma > 0 (the rate is multiplied by gamma at each)", opt.Milestones, opt.Gamma)
	}
	if len(opt.Milestones) > 0 {
		sched = &nn.MultiStepLR{Base: opt.LR, Gamma: opt.Gamma, Milestones: opt.Milestones}
	}
	if net.Config.Iterations > 0 {
		return net.iteratedPhases(fields, opt, sched)
	}
	if opt.Pool != 0 || opt.NodeLoss {
		return nil, fmt.Errorf("Pool = %d, NodeLoss = %v: these train an iterated net (Config.Iterations > 0); this one has none", opt.Pool, opt.NodeLoss)
	}
	loss := func(_ context.Context, _, _ int, r *tensor.RNG) (V, error) {
		batch := make([]Field, opt.Batch)
		for i := range batch {
			var err error
			if batch[i], err = opt.Augment.draw(fields[r.Intn(len(fields))], r); err != nil {
				return nil, err
			}
		}
		p, err := net.Loss(batch, opt.Loss, r)
		if err != nil {
			return nil, err
		}
		return p.Total, nil
	}
	phases := []nn.Phase[float64]{}
	if opt.Epochs > 0 {
		phases = append(phases, nn.Phase[float64]{Name: "adam", Optimizer: nn.NewAdam[float64](opt.LR, opt.WeightDecay), Schedule: sched, ClipNorm: opt.ClipNorm,
			Epochs: opt.Epochs, BatchesPerEpoch: opt.BatchesPerEpoch, Loss: loss})
	}
	if opt.LBFGSIters > 0 {
		phases = append(phases, net.lbfgsPhase(fields, opt))
	}
	return phases, nil
}

// lbfgsPhase is the full-batch L-BFGS phase: all fields, interior points
// drawn once (with the loss's sampling) as the phase begins.
func (net *Net) lbfgsPhase(fields []Field, opt TrainOptions) nn.Phase[float64] {
	lo := opt.Loss
	if opt.LBFGSInterior > 0 {
		lo.Interior = opt.LBFGSInterior
		lo.Candidates = max(lo.Candidates, lo.Interior)
	}
	lb := nn.NewLBFGS[float64]()
	lb.MaxIter, lb.MaxEval = opt.LBFGSIters, 3*opt.LBFGSIters
	var xi *tensor.Tensor[float64]
	return nn.Phase[float64]{Name: "lbfgs", LBFGS: lb, Epochs: opt.LBFGSIters, BatchesPerEpoch: 1,
		Begin: func(_ context.Context, r *tensor.RNG) error {
			var err error
			xi, err = net.points(fields, lo, r)
			return err
		},
		Loss: func(context.Context, int, int, *tensor.RNG) (V, error) {
			p, err := net.lossAt(fields, xi, lo)
			if err != nil {
				return nil, err
			}
			return p.Total, nil
		}}
}
