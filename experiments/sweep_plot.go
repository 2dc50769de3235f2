package experiments

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/plotting"
)

// SweepResult is one finished run of a parameter study, for PlotSweep.
type SweepResult struct {
	// X is the run's value of the key on the x axis, as the table shows
	// it (a number, or any other value: then the axis is categorical).
	X string
	// Series names the run's values of the other keys that differ
	// ("model.width=32"); runs with equal Series make one line.
	Series string
	// TestRelL2 is the run's mean test relative L2 error.
	TestRelL2 float64
}

// PlotSweep draws, into base.{png,svg,...}, the test relative L2 of a
// parameter study against the value of key, one line (with markers) per
// Series, log y. The x axis is logarithmic when every value is a positive
// number and they span a factor of 10 or more (logSpan), linear for other
// numbers, and for values that are not all numbers their order of first
// appearance (1, 2, ...), named in the axis label.
func PlotSweep(key string, runs []SweepResult, base string, opts PlotOptions) ([]string, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("experiments: no finished runs to draw the %s figure from", key)
	}
	x, xlabel, logX := sweepAxisValues(key, runs)
	var series []plotting.Series
	index := map[string]int{}
	for i, r := range runs {
		j, ok := index[r.Series]
		if !ok {
			j = len(series)
			index[r.Series] = j
			name := r.Series
			if name == "" {
				name = "test rel L2"
			}
			series = append(series, plotting.Series{Name: name, Points: true})
		}
		series[j].X = append(series[j].X, x[i])
		series[j].Y = append(series[j].Y, r.TestRelL2)
	}
	for i := range series {
		sortByX(&series[i])
	}
	return writeCurves(base, plotting.Curves{XLabel: xlabel, YLabel: "test relative L2 error", LogX: logX, LogY: true,
		XTicksAtData: true, Series: series}, opts)
}

// logSpan is the ratio of the largest to the smallest x value from which
// the axis is logarithmic: 10, less a margin so that a span of exactly
// 10x (1e-3..1e-2) counts whatever the rounding of the values.
const logSpan = 9.999

// sweepAxisValues places the runs' values of key on an axis: numbers as
// they are (log when positive and spanning logSpan or more), other values
// by order of first appearance.
func sweepAxisValues(key string, runs []SweepResult) (x []float64, label string, logX bool) {
	x = make([]float64, len(runs))
	numeric := true
	for i, r := range runs {
		v, err := strconv.ParseFloat(r.X, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			numeric = false
			break
		}
		x[i] = v
	}
	if numeric {
		lo, hi := slices.Min(x), slices.Max(x)
		return x, key, lo > 0 && hi/lo >= logSpan
	}
	var names []string
	for i, r := range runs {
		j := slices.Index(names, r.X)
		if j < 0 {
			j = len(names)
			names = append(names, r.X)
		}
		x[i] = float64(j + 1)
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%d: %s", i+1, n)
	}
	return x, fmt.Sprintf("%s (%s)", key, strings.Join(parts, ", ")), false
}

// sortByX orders a series' points by x, so its line runs left to right.
func sortByX(s *plotting.Series) {
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case s.X[a] < s.X[b]:
			return -1
		case s.X[a] > s.X[b]:
			return 1
		}
		return 0
	})
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		x[i], y[i] = s.X[j], s.Y[j]
	}
	s.X, s.Y = x, y
}
