package nn

import (
	"fmt"
	"math"
)

// Schedule sets the learning rate as training advances. Step is called
// once per epoch (or per batch for PerBatch schedules) with the latest
// validation metric (ignored by all but ReduceOnPlateau); LR gives the rate
// to use next. Every schedule's state is a few numbers, saved in
// checkpoints so a resumed run continues on the same rates.
type Schedule interface {
	LR() float64
	Step(metric float64)
	PerBatch() bool
	State() map[string]float64
	LoadState(map[string]float64) error
}

// counter is the shared step count.
type counter struct{ t int }

// State returns the step count.
func (c *counter) State() map[string]float64 { return map[string]float64{"t": float64(c.t)} }

// LoadState restores the step count saved by State.
func (c *counter) LoadState(st map[string]float64) error {
	t, ok := st["t"]
	if !ok {
		return fmt.Errorf("nn: schedule state lacks its step count")
	}
	c.t = int(t)
	return nil
}

// Constant keeps the base rate.
type Constant struct {
	Base float64
	counter
}

// LR returns the base rate.
func (s *Constant) LR() float64 { return s.Base }

// Step advances.
func (s *Constant) Step(float64) { s.t++ }

// PerBatch is false.
func (s *Constant) PerBatch() bool { return false }

// StepLR multiplies the rate by Gamma every Size epochs (torch StepLR):
// lr = base gamma^floor(t / size).
type StepLR struct {
	Base, Gamma float64
	Size        int
	counter
}

// LR returns the current rate.
func (s *StepLR) LR() float64 { return s.Base * math.Pow(s.Gamma, float64(s.t/s.Size)) }

// Step advances one epoch.
func (s *StepLR) Step(float64) { s.t++ }

// PerBatch is false.
func (s *StepLR) PerBatch() bool { return false }

// MultiStepLR multiplies by Gamma at each milestone epoch.
type MultiStepLR struct {
	Base, Gamma float64
	Milestones  []int
	counter
}

// LR returns the current rate.
func (s *MultiStepLR) LR() float64 {
	k := 0
	for _, m := range s.Milestones {
		if s.t >= m {
			k++
		}
	}
	return s.Base * math.Pow(s.Gamma, float64(k))
}

// Step advances one epoch.
func (s *MultiStepLR) Step(float64) { s.t++ }

// PerBatch is false.
func (s *MultiStepLR) PerBatch() bool { return false }

// ExponentialLR is lr = base gamma^t.
type ExponentialLR struct {
	Base, Gamma float64
	counter
}

// LR returns the current rate.
func (s *ExponentialLR) LR() float64 { return s.Base * math.Pow(s.Gamma, float64(s.t)) }

// Step advances one epoch.
func (s *ExponentialLR) Step(float64) { s.t++ }

// PerBatch is false.
func (s *ExponentialLR) PerBatch() bool { return false }

// CosineLR warms up linearly from 0 over Warmup epochs, then anneals as
// torch's CosineAnnealingLR: lr = min + (base - min)(1 + cos(pi t'/T'))/2
// with t' = t - warmup, T' = Total - warmup.
type CosineLR struct {
	Base, Min     float64
	Total, Warmup int
	counter
}

// LR returns the current rate.
func (s *CosineLR) LR() float64 {
	if s.t < s.Warmup {
		return s.Base * float64(s.t+1) / float64(s.Warmup)
	}
	span := max(s.Total-s.Warmup, 1)
	tt := math.Min(float64(s.t-s.Warmup), float64(span))
	return s.Min + (s.Base-s.Min)*(1+math.Cos(math.Pi*tt/float64(span)))/2
}

// Step advances one epoch.
func (s *CosineLR) Step(float64) { s.t++ }

// PerBatch is false.
func (s *CosineLR) PerBatch() bool { return false }

// OneCycleLR is torch's OneCycleLR with cosine annealing, stepped per
// batch: from Max/25 up to Max over the first Pct of Total steps, then down
// to Max/(25 * 1e4).
type OneCycleLR struct {
	Max           float64
	Total         int
	Pct           float64 // 0.3 in PyTorch
	Div, FinalDiv float64 // 25 and 1e4 in PyTorch
	counter
}

// NewOneCycleLR returns OneCycleLR with PyTorch's defaults.
func NewOneCycleLR(max float64, total int) *OneCycleLR {
	return &OneCycleLR{Max: max, Total: total, Pct: 0.3, Div: 25, FinalDiv: 1e4}
}

// LR returns the current rate.
func (s *OneCycleLR) LR() float64 {
	initial := s.Max / s.Div
	final := initial / s.FinalDiv
	up := s.Pct*float64(s.Total) - 1
	down := float64(s.Total) - 1
	t := float64(s.t)
	anneal := func(a, b, pct float64) float64 { return b + (a-b)*(1+math.Cos(math.Pi*pct))/2 }
	if up > 0 && t <= up {
		return anneal(initial, s.Max, t/up)
	}
	// A warm-up of at most one step (torch divides by zero there) starts
	// at the peak; a run of one step ends at it.
	up = math.Max(up, 0)
	if down <= up {
		return s.Max
	}
	return anneal(s.Max, final, math.Min((t-up)/(down-up), 1))
}

// Step advances one batch.
func (s *OneCycleLR) Step(float64) { s.t++ }

// PerBatch is true.
func (s *OneCycleLR) PerBatch() bool { return true }

// ReduceOnPlateau multiplies the rate by Factor when the metric has not
// improved (relative threshold 1e-4, mode min) for more than Patience
// epochs, then waits Cooldown epochs; never below Min (torch
// ReduceLROnPlateau defaults: factor 0.1, patience 10).
type ReduceOnPlateau struct {
	Rate, Factor, Min, Threshold float64
	Patience, Cooldown           int
	best                         float64
	bad, cool                    int
	started                      bool
}

// NewReduceOnPlateau returns the schedule with PyTorch's defaults.
func NewReduceOnPlateau(lr float64) *ReduceOnPlateau {
	return &ReduceOnPlateau{Rate: lr, Factor: 0.1, Threshold: 1e-4, Patience: 10}
}

// LR returns the current rate.
func (s *ReduceOnPlateau) LR() float64 { return s.Rate }

// Step records an epoch's metric.
func (s *ReduceOnPlateau) Step(metric float64) {
	if !s.started || metric < s.best*(1-s.Threshold) {
		s.best, s.bad, s.started = metric, 0, true
	} else {
		s.bad++
	}
	if s.cool > 0 {
		s.cool--
		s.bad = 0
	}
	if s.bad > s.Patience {
		s.Rate = math.Max(s.Rate*s.Factor, s.Min)
		s.cool, s.bad = s.Cooldown, 0
	}
}

// PerBatch is false.
func (s *ReduceOnPlateau) PerBatch() bool { return false }

// State returns the rate, best metric and counters.
func (s *ReduceOnPlateau) State() map[string]float64 {
	started := 0.0
	if s.started {
		started = 1
	}
	return map[string]float64{"lr": s.Rate, "best": s.best, "bad": float64(s.bad), "cool": float64(s.cool), "started": started}
}

// LoadState restores State.
func (s *ReduceOnPlateau) LoadState(st map[string]float64) error {
	for _, k := range []string{"lr", "best", "bad", "cool", "started"} {
		if _, ok := st[k]; !ok {
			return fmt.Errorf("nn: plateau schedule state lacks %q", k)
		}
	}
	s.Rate, s.best, s.bad, s.cool, s.started = st["lr"], st["best"], int(st["bad"]), int(st["cool"]), st["started"] == 1
	return nil
}
