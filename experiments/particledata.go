package experiments

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/plotting"
)

// attrSample is the trajectory group attribute that records which sample
// of the dataset (its index i of (seed, i)) a trajectory is: trajectory k
// of shard file lo..hi is sample lo + k.
const attrSample = "sample"

// trajectoryStore stores one particle trajectory per sample with
// datasets.AppendTrajectory (docs/DATA.md, "Particle trajectories"), each
// group marked with its sample index once complete.
type trajectoryStore struct {
	simulate func(ctx context.Context, seed uint64, i int) (*datasets.ParticleTrajectory, error)
}

// create has nothing to lay out: the first append creates /trajectories.
func (trajectoryStore) create(*datasets.File) error { return nil }

// resume counts the trajectories of a reopened file; the last must carry
// its sample index (written after all its data), else the file is not
// continued.
func (trajectoryStore) resume(f *datasets.File, first int) (int, bool) {
	n, err := datasets.TrajectoryCount(f)
	if err != nil {
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	g, err := f.OpenGroup(trajectoryGroup(n - 1))
	if err != nil {
		return 0, false
	}
	defer g.Close()
	i, err := g.AttrInt64(attrSample)
	return n, err == nil && i == int64(first+n-1)
}

func (s trajectoryStore) solve(ctx context.Context, seed uint64, i int) (appendSample, error) {
	tr, err := s.simulate(ctx, seed, i)
	if err != nil {
		return nil, err
	}
	return func(f *datasets.File) error { return appendMarked(f, tr, i) }, nil
}

func (trajectoryStore) finish(*datasets.File) error { return nil }

// trajectoryGroup is the path of trajectory k's group.
func trajectoryGroup(k int) string {
	return fmt.Sprintf("/trajectories/%s", datasets.TrajectoryName(k))
}

// plotParticleData draws the first trajectory of a particle data file
// into figs: particles.{png,svg,...}, four frames from the first to the
// last with the particles coloured by speed, and particles.gif, every
// frame (at most 200) animated.
func plotParticleData(data, figs string, opts PlotOptions) ([]string, error) {
	f, err := datasets.Open(data)
	if err != nil {
		return nil, fmt.Errorf("experiments: plot needs the generated data: %w", err)
	}
	defer f.Close()
	tr, err := datasets.ReadTrajectory(f, 0)
	if err != nil {
		return nil, err
	}
	p := particleView(tr)
	title := fmt.Sprintf("%s, %d particles in %d-D (trajectory 0), coloured by speed", tr.Material, tr.Particles, tr.Dim)
	var frames []int
	for k := 0; k < min(4, tr.Frames); k++ {
		frames = append(frames, int(math.Round(float64(k*(tr.Frames-1))/float64(max(min(4, tr.Frames)-1, 1)))))
	}
	written, err := writeParticleFrames(filepath.Join(figs, "particles"), title, p, frames, opts.Formats)
	if err != nil {
		return written, err
	}
	gifPath := filepath.Join(figs, "particles.gif")
	if err := plotting.WriteParticleGIF(gifPath, p, plotting.GIFOptions{}); err != nil {
		return written, err
	}
	return append(written, gifPath), nil
}

// writeParticleFrames is plotting.WriteParticleFrames with a failure
// inside the plotting library turned into an error.
func writeParticleFrames(base, title string, p plotting.Particles, frames []int, formats []string) (files []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("experiments: drawing the %s figure: %v", filepath.Base(base), r)
		}
	}()
	return plotting.WriteParticleFrames(base, title, p, frames, formats)
}

// particleView prepares a trajectory for drawing: speeds by differences
// of the frames, frame times, the view (x-y in 2-D; x and the last axis,
// the one gravity pulls along by default, in 3-D) over the box and the
// particles' extent, and half the particle spacing as the dots' radius.
func particleView(tr *datasets.ParticleTrajectory) plotting.Particles {
	p := plotting.Particles{Frames: tr.Frames, N: tr.Particles, Dim: tr.Dim, Positions: tr.Positions,
		Axes: [2]int{0, tr.Dim - 1}, Label: "speed", Radius: particleSpacing(tr) / 2}
	step := tr.Dt * float64(tr.FrameStride)
	if step > 0 {
		p.Times = make([]float64, tr.Frames)
		for t := range p.Times {
			p.Times[t] = step * float64(tr.FirstFrame+t)
		}
	} else {
		step, p.Label = 1, "speed (per frame)"
	}
	p.Values = frameSpeeds(tr, step)
	for k, a := range p.Axes {
		p.Lo[k], p.Hi[k] = particleExtent(tr, a)
		if tr.BoxLo != nil {
			p.BoxLo[k], p.BoxHi[k] = tr.BoxLo[a], tr.BoxHi[a]
			pad := 0.05 * (tr.BoxHi[a] - tr.BoxLo[a])
			p.Lo[k], p.Hi[k] = math.Min(p.Lo[k], tr.BoxLo[a]-pad), math.Max(p.Hi[k], tr.BoxHi[a]+pad)
		}
	}
	if p.Radius == 0 {
		p.Radius = 0.01 * (p.Hi[0] - p.Lo[0])
	}
	return p
}

// particleExtent bounds every position on axis a, padded by 2% (and a
// little more when the particles never move apart).
func particleExtent(tr *datasets.ParticleTrajectory, a int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := a; i < len(tr.Positions); i += tr.Dim {
		x := float64(tr.Positions[i])
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	pad := 0.02*(hi-lo) + 1e-3*math.Max(1, math.Abs(lo))
	return lo - pad, hi + pad
}

// frameSpeeds returns each particle's speed at each frame, [T, N]: the
// central difference of its positions over the frame interval step
// (one-sided at the first and last frame; zero for a single frame).
func frameSpeeds(tr *datasets.ParticleTrajectory, step float64) []float64 {
	T, n, d := tr.Frames, tr.Particles, tr.Dim
	out := make([]float64, T*n)
	if T < 2 {
		return out
	}
	for t := 0; t < T; t++ {
		a, b := max(t-1, 0), min(t+1, T-1)
		dt := step * float64(b-a)
		for i := 0; i < n; i++ {
			s := 0.0
			for k := 0; k < d; k++ {
				diff := float64(tr.Positions[(b*n+i)*d+k] - tr.Positions[(a*n+i)*d+k])
				s += diff * diff
			}
			out[t*n+i] = math.Sqrt(s) / dt
		}
	}
	return out
}

// particleSpacing estimates the particles' spacing in the first frame:
// the median distance to the nearest neighbour of up to 64 particles
// spread over the index range.
func particleSpacing(tr *datasets.ParticleTrajectory) float64 {
	n, d := tr.Particles, tr.Dim
	pos := func(i, k int) float64 { return float64(tr.Positions[i*d+k]) }
	var nearest []float64
	for s := 0; s < min(64, n); s++ {
		i := s * n / min(64, n)
		best := math.Inf(1)
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			r := 0.0
			for k := 0; k < d; k++ {
				r += (pos(i, k) - pos(j, k)) * (pos(i, k) - pos(j, k))
			}
			if r > 0 {
				best = math.Min(best, r)
			}
		}
		if !math.IsInf(best, 1) {
			nearest = append(nearest, math.Sqrt(best))
		}
	}
	if len(nearest) == 0 {
		return 0 // a single particle: particleView chooses
	}
	sort.Float64s(nearest)
	return nearest[len(nearest)/2]
}
