// Package lagrangian holds what the particle simulators (operators/gns,
// operators/giorom) share: the GNS input construction from a window of
// positions (velocities, their normalisation, node and edge features),
// the random-walk training noise and its target, the semi-implicit Euler
// integrator, and the pooled normalisation statistics of the training
// trajectories.
//
// Positions are in the data's units and time in frames: the velocity
// v_t = x_t - x_{t-1} and the acceleration a_t = v_{t+1} - v_t =
// x_{t+1} - 2 x_t + x_{t-1} carry no time step (Sanchez-Gonzalez et al.
// 2020, "Learning to simulate complex physics with graph networks").
// Every array is flat and row-major: a window [F, N, d] is F frames of N
// particles of d coordinates. Arithmetic is in float64.
package lagrangian

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// Stats are per-axis normalisation statistics of velocities and
// accelerations, pooled over every particle and frame of the training
// trajectories (population standard deviations).
type Stats struct {
	VelMean []float64 `json:"vel_mean"`
	VelStd  []float64 `json:"vel_std"`
	AccMean []float64 `json:"acc_mean"`
	AccStd  []float64 `json:"acc_std"`
}

// Validate checks that every vector has dim finite entries and the
// standard deviations are >= 0.
func (s Stats) Validate(dim int) error {
	for _, f := range []struct {
		name string
		v    []float64
		std  bool
	}{{"vel_mean", s.VelMean, false}, {"vel_std", s.VelStd, true}, {"acc_mean", s.AccMean, false}, {"acc_std", s.AccStd, true}} {
		if len(f.v) != dim {
			return fmt.Errorf("stats.%s has %d entries, want %d (one per axis)", f.name, len(f.v), dim)
		}
		for a, x := range f.v {
			if math.IsNaN(x) || math.IsInf(x, 0) || (f.std && x < 0) {
				return fmt.Errorf("stats.%s[%d] = %v, want a finite value%s", f.name, a, x, map[bool]string{true: " >= 0"}[f.std])
			}
		}
	}
	return nil
}

// Effective returns s with noise folded into both standard deviations,
// std_eff = sqrt(std^2 + noise^2), as GNS does: the noisy inputs spread
// wider than the data, and with noise 0 a constant axis (std 0) would
// divide by zero. Axes still at 0 (no noise, constant data) become 1.
func (s Stats) Effective(noise float64) Stats {
	comb := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for a, x := range v {
			out[a] = math.Sqrt(x*x + noise*noise)
			if out[a] == 0 {
				out[a] = 1
			}
		}
		return out
	}
	return Stats{VelMean: append([]float64(nil), s.VelMean...), VelStd: comb(s.VelStd),
		AccMean: append([]float64(nil), s.AccMean...), AccStd: comb(s.AccStd)}
}

// welford is a streaming mean and sum of squared deviations (Welford
// 1962), merged per batch with Chan et al.'s pairwise update.
type welford struct {
	n    float64
	mean float64
	m2   float64
}

// merge adds a batch of count n, mean m and squared deviations m2.
func (w *welford) merge(n, m, m2 float64) {
	if n == 0 {
		return
	}
	tot := w.n + n
	d := m - w.mean
	w.mean += d * n / tot
	w.m2 += m2 + d*d*w.n*n/tot
	w.n = tot
}

// Accumulator pools velocity and acceleration statistics per axis over
// every particle and frame of the trajectories it is given, in float64,
// independent of how the data is split into trajectories (upstream
// GIOROM took the std across trajectories of per-trajectory stds, which
// is not the pooled std).
type Accumulator struct {
	dim      int
	vel, acc []welford
}

// NewAccumulator returns an empty accumulator for dim-dimensional points.
func NewAccumulator(dim int) *Accumulator {
	return &Accumulator{dim: dim, vel: make([]welford, dim), acc: make([]welford, dim)}
}

// Add adds a trajectory pos [frames, n, dim]: its frames-1 velocities and
// frames-2 accelerations of every particle.
func (s *Accumulator) Add(pos []float32, frames, n int) error {
	d := s.dim
	if frames < 0 || n < 0 || len(pos) != frames*n*d {
		return fmt.Errorf("lagrangian: trajectory of %d values is not [%d frames, %d particles, %d]", len(pos), frames, n, d)
	}
	fn := n * d
	// Per frame and axis: a two-pass batch over the n particles, merged.
	batch := func(w *welford, val func(i int) float64) {
		if n == 0 {
			return
		}
		m := 0.0
		for i := 0; i < n; i++ {
			m += val(i)
		}
		m /= float64(n)
		m2 := 0.0
		for i := 0; i < n; i++ {
			e := val(i) - m
			m2 += e * e
		}
		w.merge(float64(n), m, m2)
	}
	for f := 1; f < frames; f++ {
		for a := 0; a < d; a++ {
			batch(&s.vel[a], func(i int) float64 {
				k := f*fn + i*d + a
				return float64(pos[k]) - float64(pos[k-fn])
			})
			if f+1 < frames {
				batch(&s.acc[a], func(i int) float64 {
					k := f*fn + i*d + a
					return float64(pos[k+fn]) - 2*float64(pos[k]) + float64(pos[k-fn])
				})
			}
		}
	}
	return nil
}

// Stats returns the pooled statistics; it fails until at least one
// acceleration (three frames) has been added.
func (s *Accumulator) Stats() (Stats, error) {
	if s.dim < 1 || s.acc[0].n == 0 {
		return Stats{}, fmt.Errorf("lagrangian: no accelerations accumulated (each trajectory needs at least 3 frames and 1 particle)")
	}
	st := Stats{}
	for a := 0; a < s.dim; a++ {
		v, c := s.vel[a], s.acc[a]
		st.VelMean = append(st.VelMean, v.mean)
		st.VelStd = append(st.VelStd, math.Sqrt(v.m2/v.n))
		st.AccMean = append(st.AccMean, c.mean)
		st.AccStd = append(st.AccStd, math.Sqrt(c.m2/c.n))
	}
	return st, nil
}

// Features describes the GNS input encoding of one system.
type Features struct {
	Dim    int       // spatial dimension d
	Radius float64   // connectivity radius r
	Lo, Hi []float64 // the box walls per axis
	Stats  Stats     // effective statistics (Stats.Effective)
}

// NodeWidth is the node feature count for c velocities: c d normalised
// velocities and 2 d wall distances.
func (f Features) NodeWidth(c int) int { return c*f.Dim + 2*f.Dim }

// EdgeWidth is the edge feature count: d relative displacements and the
// distance.
func (f Features) EdgeWidth() int { return f.Dim + 1 }

// Nodes returns the node features [n, c d + 2 d] of a window [c+1, n, d]:
// per particle the c velocities v_k = x_k - x_{k-1}, oldest first, each
// normalised per axis as (v - vel_mean) / vel_std, then the distances to
// the lower walls (x_c - lo) / r and to the upper walls (hi - x_c) / r of
// the last position, clipped to [-1, 1].
func (f Features) Nodes(window []float64, c, n int) []float64 {
	d := f.Dim
	w := f.NodeWidth(c)
	out := make([]float64, n*w)
	fn := n * d
	last := window[c*fn:]
	for i := 0; i < n; i++ {
		row := out[i*w : (i+1)*w]
		for k := 0; k < c; k++ {
			for a := 0; a < d; a++ {
				p := (k+1)*fn + i*d + a
				v := window[p] - window[p-fn]
				row[k*d+a] = (v - f.Stats.VelMean[a]) / f.Stats.VelStd[a]
			}
		}
		for a := 0; a < d; a++ {
			x := last[i*d+a]
			row[c*d+a] = clip((x - f.Lo[a]) / f.Radius)
			row[c*d+d+a] = clip((f.Hi[a] - x) / f.Radius)
		}
	}
	return out
}

func clip(x float64) float64 { return math.Max(-1, math.Min(1, x)) }

// Edges returns the edge features [E, d+1] of the edges senders[k] ->
// receivers[k] at positions pos [n, d]: the displacement from receiver to
// sender over the radius, (x_sender - x_receiver) / r, and its length.
func (f Features) Edges(pos []float64, senders, receivers []int32) []float64 {
	d := f.Dim
	w := d + 1
	out := make([]float64, len(senders)*w)
	for k := range senders {
		s, r := int(senders[k])*d, int(receivers[k])*d
		row := out[k*w : (k+1)*w]
		sq := 0.0
		for a := 0; a < d; a++ {
			row[a] = (pos[s+a] - pos[r+a]) / f.Radius
			sq += row[a] * row[a]
		}
		row[d] = math.Sqrt(sq)
	}
	return out
}

// NormalizeAcc maps accelerations acc [n, d] to (a - acc_mean) / acc_std.
func (f Features) NormalizeAcc(acc []float64) []float64 {
	d := f.Dim
	out := make([]float64, len(acc))
	for k, x := range acc {
		a := k % d
		out[k] = (x - f.Stats.AccMean[a]) / f.Stats.AccStd[a]
	}
	return out
}

// DenormalizeAcc is NormalizeAcc's inverse: a = acc_mean + acc_std a_hat.
func (f Features) DenormalizeAcc(norm []float64) []float64 {
	d := f.Dim
	out := make([]float64, len(norm))
	for k, x := range norm {
		a := k % d
		out[k] = f.Stats.AccMean[a] + f.Stats.AccStd[a]*x
	}
	return out
}

// RandomWalkNoise returns GNS's training noise for a window [c+1, n, d]
// (Sanchez-Gonzalez et al. 2020, learning_to_simulate/noise_utils.py):
// the c velocities get a random walk, velocity k's noise the sum of k
// independent N(0, std^2 / c) draws, so the last velocity's noise has
// standard deviation std; the positions get its integral, the first
// position unchanged and position k's noise the sum of the velocity
// noises 1..k. Draws are in the order velocity, particle, axis.
func RandomWalkNoise(r *tensor.RNG, c, n, d int, std float64) []float64 {
	fn := n * d
	out := make([]float64, (c+1)*fn)
	if std == 0 {
		return out
	}
	s := std / math.Sqrt(float64(c))
	vel := make([]float64, fn)
	for k := 1; k <= c; k++ {
		for j := 0; j < fn; j++ {
			vel[j] += s * r.Normal()
			out[k*fn+j] = out[(k-1)*fn+j] + vel[j]
		}
	}
	return out
}

// TargetAcc is the acceleration that takes the (noisy) inputs prev, last
// [n, d] to the target position next: a = next - 2 x~_t + x~_{t-1}, so
// that Integrate(last, prev, a) = next. GNS trains towards the clean next
// position shifted by the last input's noise (NoisyTarget): the predicted
// velocity is then the clean one, and the position error the noise
// already made is kept rather than undone.
func TargetAcc(next, last, prev []float64) []float64 {
	out := make([]float64, len(next))
	for k := range out {
		out[k] = next[k] - 2*last[k] + prev[k]
	}
	return out
}

// NoisyTarget is GNS's target position: the clean next position plus the
// noise of the last input position, lastNoise [n, d] (nil: none).
func NoisyTarget(next, lastNoise []float64) []float64 {
	out := make([]float64, len(next))
	copy(out, next)
	for k := range lastNoise {
		out[k] += lastNoise[k]
	}
	return out
}

// Integrate is the semi-implicit Euler step in frame units: v = (x_t -
// x_{t-1}) + a, x_{t+1} = x_t + v.
func Integrate(last, prev, acc []float64) []float64 {
	out := make([]float64, len(last))
	for k := range out {
		v := last[k] - prev[k] + acc[k]
		out[k] = last[k] + v
	}
	return out
}
