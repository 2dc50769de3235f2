package giorom

import "github.com/surrogo/surrogo/operators/internal/lagrangian"

// Stats are the normalisation statistics a Config carries: per-axis
// velocity and acceleration means and standard deviations, pooled over
// every particle and frame of the training trajectories (fitted as for
// operators/gns, whose StatsAccumulator makes the same type).
type Stats = lagrangian.Stats
