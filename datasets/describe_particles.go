package datasets

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// shownTrajectories is how many trajectory groups Describe lists in full
// unless DescribeOptions.All is set; the others are summed up in one line
// (the summary before the tree covers them all).
const shownTrajectories = 2

// describeParticles writes the summary of a file in the particle layout:
// how many trajectories, their particle counts, frames, dimension and
// features, time steps, and each material with its parameters. It writes
// nothing for a file without /trajectories.
func describeParticles(w io.Writer, f *File) error {
	if f.Kind(keyTrajectories) != KindGroup {
		return nil
	}
	sizes, err := TrajectorySizes(f)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "particle trajectories (%s): %d\n", ParticleLayout, len(sizes))
	if len(sizes) == 0 {
		return nil
	}
	attrs, err := trajectoryAttrs(f, sizes)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "    particles  %s\n", countRange(sizes, func(s TrajectorySize) int { return s.Particles }, true))
	fmt.Fprintf(w, "    frames     %s\n", countRange(sizes, func(s TrajectorySize) int { return s.Frames }, false))
	fmt.Fprintf(w, "    dimension  %s, features %s\n", countRange(sizes, func(s TrajectorySize) int { return s.Dim }, false),
		countRange(sizes, func(s TrajectorySize) int { return s.FeatureDim }, false))
	for _, line := range distinctLines(attrs, timeText) {
		fmt.Fprintf(w, "    time step  %s\n", line)
	}
	for _, line := range distinctLines(attrs, materialText) {
		fmt.Fprintf(w, "    material   %s\n", line)
	}
	return nil
}

// trajectoryAttrs reads the attributes of every trajectory (no values).
func trajectoryAttrs(f *File, sizes []TrajectorySize) ([]*ParticleTrajectory, error) {
	out := make([]*ParticleTrajectory, len(sizes))
	for i, s := range sizes {
		g, err := f.OpenGroup(trajectoryPath(i))
		if err != nil {
			return nil, err
		}
		tr := &ParticleTrajectory{Dim: s.Dim}
		err = readTrajectoryAttrs(g, tr)
		g.Close()
		if err != nil {
			return nil, err
		}
		out[i] = tr
	}
	return out, nil
}

// countRange writes the range of a per-trajectory count ("100", or
// "682 .. 1523"), with the mean and total when asked.
func countRange(sizes []TrajectorySize, of func(TrajectorySize) int, totals bool) string {
	lo, hi, sum := of(sizes[0]), of(sizes[0]), 0
	for _, s := range sizes {
		v := of(s)
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	text := fmt.Sprint(lo)
	if hi != lo {
		text = fmt.Sprintf("%d .. %d", lo, hi)
	}
	if totals && len(sizes) > 1 {
		text += fmt.Sprintf(" (mean %.0f, total %d)", float64(sum)/float64(len(sizes)), sum)
	}
	return text
}

// timeText describes a trajectory's time step and frame spacing.
func timeText(tr *ParticleTrajectory) string {
	if tr.Dt == 0 {
		return "not recorded"
	}
	if tr.FrameStride == 0 {
		return fmt.Sprintf("dt %g", tr.Dt)
	}
	return fmt.Sprintf("dt %g x %d steps = %g between frames", tr.Dt, tr.FrameStride, tr.Dt*float64(tr.FrameStride))
}

// materialText describes a trajectory's material and its parameters.
func materialText(tr *ParticleTrajectory) string {
	name := tr.Material
	if name == "" {
		name = "(not recorded)"
	}
	keys := make([]string, 0, len(tr.MaterialParams))
	for k := range tr.MaterialParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	params := make([]string, len(keys))
	for i, k := range keys {
		params[i] = fmt.Sprintf("%s %g", k, tr.MaterialParams[k])
	}
	if len(params) == 0 {
		return name
	}
	return name + ": " + strings.Join(params, ", ")
}

// distinctLines lists the distinct texts of the trajectories in order of
// first appearance, each with the number of trajectories sharing it when
// they are not all alike.
func distinctLines(trs []*ParticleTrajectory, text func(*ParticleTrajectory) string) []string {
	var order []string
	count := map[string]int{}
	for _, tr := range trs {
		t := text(tr)
		if count[t] == 0 {
			order = append(order, t)
		}
		count[t]++
	}
	if len(order) == 1 {
		return order
	}
	lines := make([]string, len(order))
	for i, t := range order {
		unit := "trajectories"
		if count[t] == 1 {
			unit = "trajectory"
		}
		lines[i] = fmt.Sprintf("%s (%d %s)", t, count[t], unit)
	}
	return lines
}

// elidedTrajectory reports whether a path lies in a trajectory group past
// the first shownTrajectories, and that group's index.
func elidedTrajectory(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/"+keyTrajectories+"/")
	if !ok {
		return 0, false
	}
	name, _, _ := strings.Cut(rest, "/")
	if !isTrajectoryName(name) {
		return 0, false
	}
	i, err := strconv.Atoi(name)
	return i, err == nil && i >= shownTrajectories
}
