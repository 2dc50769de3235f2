package dmm

import (
	"context"
	"errors"
	"fmt"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// TrainOptions configure Train: Adam (upstream: lr 2e-4, weight decay
// 1e-5, MultiStepLR) over random batches of fields.
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
	Seed       uint64
	Report     func(nn.EpochReport) // optional progress
}

// Train fits the network to the fields with nn.Trainer (one Adam phase):
// every step draws Batch fields uniformly with replacement, and the
// interior points from the training RNG, so a run is deterministic.
func (net *Net) Train(ctx context.Context, fields []Field, opt TrainOptions) (*nn.TrainResult, error) {
	if len(fields) == 0 || opt.Batch < 1 {
		return nil, fmt.Errorf("dmm: Train: %d fields, batch %d; want both >= 1", len(fields), opt.Batch)
	}
	if !(opt.LR > 0) {
		return nil, errors.New("dmm: Train: want LR > 0")
	}
	if err := net.checkFields(fields); err != nil {
		return nil, fmt.Errorf("dmm: Train: %w", err)
	}
	var sched nn.Schedule
	if len(opt.Milestones) > 0 && !(opt.Gamma > 0) {
		return nil, fmt.Errorf("dmm: Train: milestones %v with gamma %v; want gamma > 0 (the rate is multiplied by gamma at each)", opt.Milestones, opt.Gamma)
	}
	if len(opt.Milestones) > 0 {
		sched = &nn.MultiStepLR{Base: opt.LR, Gamma: opt.Gamma, Milestones: opt.Milestones}
	}
	loss := func(_ context.Context, _, _ int, r *tensor.RNG) (V, error) {
		batch := make([]Field, opt.Batch)
		for i := range batch {
			batch[i] = fields[r.Intn(len(fields))]
		}
		p, err := net.Loss(batch, opt.Loss, r)
		if err != nil {
			return nil, err
		}
		return p.Total, nil
	}
	tr := &nn.Trainer[float64]{Params: net.Params(), Seed: opt.Seed, Report: opt.Report,
		Phases: []nn.Phase[float64]{{Name: "adam", Optimizer: nn.NewAdam[float64](opt.LR, opt.WeightDecay), Schedule: sched,
			Epochs: opt.Epochs, BatchesPerEpoch: opt.BatchesPerEpoch, Loss: loss}}}
	res, err := tr.Run(ctx)
	if err != nil {
		return res, fmt.Errorf("dmm: Train: %w", err)
	}
	return res, nil
}
