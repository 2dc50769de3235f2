package pinn

import (
	"math"
	"sort"
)

// InterpolatePeriodic returns values at query points xq from samples
// (xs[i], us[i]) of a function of period L: sample positions are wrapped
// into [0, L) and sorted, and each query is linear between its two
// neighbours, wrapping around the period.
func InterpolatePeriodic(xs, us, xq []float64, period float64) []float64 {
	n := len(xs)
	idx := make([]int, n)
	pos := make([]float64, n)
	for i := range idx {
		idx[i] = i
		pos[i] = math.Mod(xs[i], period)
		if pos[i] < 0 {
			pos[i] += period
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return pos[idx[a]] < pos[idx[b]] })
	p := make([]float64, n)
	v := make([]float64, n)
	for k, i := range idx {
		p[k], v[k] = pos[i], us[i]
	}
	out := make([]float64, len(xq))
	for q, x := range xq {
		x = math.Mod(x, period)
		if x < 0 {
			x += period
		}
		// k: first sample at or after x.
		k := sort.SearchFloat64s(p, x)
		lo, hi := k-1, k
		plo, phi := 0.0, 0.0
		switch {
		case k == 0:
			lo, plo, phi = n-1, p[n-1]-period, p[0]
		case k == n:
			hi, plo, phi = 0, p[n-1], p[0]+period
		default:
			plo, phi = p[lo], p[hi]
		}
		if phi == plo {
			out[q] = v[hi]
			continue
		}
		w := (x - plo) / (phi - plo)
		out[q] = (1-w)*v[lo] + w*v[hi]
	}
	return out
}
