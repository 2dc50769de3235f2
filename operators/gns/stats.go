package gns

import "github.com/surrogo/surrogo/operators/internal/lagrangian"

// Stats are the normalisation statistics a Config carries: per-axis
// velocity and acceleration means and standard deviations, pooled over
// every particle and frame of the training trajectories.
type Stats = lagrangian.Stats

// StatsAccumulator pools Stats over training trajectories (Add each
// trajectory [frames, N, d], then Stats).
type StatsAccumulator = lagrangian.Accumulator

// NewStatsAccumulator returns an empty accumulator for dim-dimensional
// particles.
func NewStatsAccumulator(dim int) *StatsAccumulator { return lagrangian.NewAccumulator(dim) }
