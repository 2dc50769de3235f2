package geometry

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// GridStencil returns the multilinear (bilinear in 2-D, trilinear in 3-D)
// interpolation stencil of each point on a node-centred regular grid:
// nodes[a] >= 2 nodes along axis a at lo[a] + i h_a, h_a = (hi[a] - lo[a]) /
// (nodes[a] - 1), numbered row-major (last axis fastest). Point p gets
// K = 2^dim entries idx[p*K+m], w[p*K+m], the corners of its cell; with
// t_a = (x_a - lo[a]) / h_a, i_a = floor(t_a) and f_a = t_a - i_a, corner m
// has offset o_a = bit (dim-1-a) of m and weight
//
//	w = prod_a (o_a ? f_a : 1 - f_a).
//
// The weights are non-negative, sum to 1 and reproduce linear functions:
// sum_m w_m x_node(m) = x. A point outside the grid is clamped to it first
// (t_a to [0, nodes[a]-1]), so it takes the values of the nearest boundary
// point: constant extrapolation. Coordinates must be finite.
func GridStencil(pos []float64, dim int, lo, hi []float64, nodes []int) (idx []int32, w []float64, err error) {
	const op = "GridStencil"
	if err := checkDim(dim); err != nil {
		return nil, nil, err
	}
	if len(lo) != dim || len(hi) != dim || len(nodes) != dim {
		return nil, nil, fmt.Errorf("geometry: %s: len(lo), len(hi), len(nodes) = %d, %d, %d; want %d (dim) each", op, len(lo), len(hi), len(nodes), dim)
	}
	total := 1
	for a := range dim {
		if !finite(lo[a]) || !finite(hi[a]) || !(lo[a] < hi[a]) {
			return nil, nil, fmt.Errorf("geometry: %s: grid axis %d spans [%g, %g]; want finite lo < hi", op, a, lo[a], hi[a])
		}
		if nodes[a] < 2 {
			return nil, nil, fmt.Errorf("geometry: %s: nodes[%d] = %d; want at least 2 nodes per axis", op, a, nodes[a])
		}
		if nodes[a] > math.MaxInt32/total {
			return nil, nil, fmt.Errorf("geometry: %s: grid of %v nodes exceeds the %d that int32 indices address", op, nodes, math.MaxInt32)
		}
		total *= nodes[a]
	}
	n, err := checkPoints(op, "pos", pos, dim, Box{})
	if err != nil {
		return nil, nil, err
	}
	K := 1 << dim
	var stride [3]int
	var h [3]float64
	s := 1
	for a := dim - 1; a >= 0; a-- {
		stride[a] = s
		s *= nodes[a]
		h[a] = (hi[a] - lo[a]) / float64(nodes[a]-1)
	}
	idx = make([]int32, n*K)
	w = make([]float64, n*K)
	parallel.For(n, 4*K*dim, func(p0, p1 int) {
		var base [3]int
		var f [3]float64
		for p := p0; p < p1; p++ {
			for a := range dim {
				last := float64(nodes[a] - 1)
				t := min(max((pos[p*dim+a]-lo[a])/h[a], 0), last)
				i := min(int(t), nodes[a]-2) // t = last uses the last cell with f = 1
				base[a] = i
				f[a] = t - float64(i)
			}
			for m := range K {
				k, wt := 0, 1.0
				for a := range dim {
					o := (m >> (dim - 1 - a)) & 1
					k += (base[a] + o) * stride[a]
					if o == 1 {
						wt *= f[a]
					} else {
						wt *= 1 - f[a]
					}
				}
				idx[p*K+m] = int32(k)
				w[p*K+m] = wt
			}
		}
	})
	return idx, w, nil
}

// InverseDistance interpolates values given at the sources to the queries
// by Shepard's inverse-distance weighting over the k nearest sources:
//
//	u(q) = sum_j w_j u_j / sum_j w_j,   w_j = |q - s_j|^-power,
//
// evaluated as w_j = (d_1 / d_j)^power, d_1 the nearest distance, which is
// the same ratio without overflow. A query at distance 0 from a source
// takes that source's value (the lowest-indexed one if several coincide).
// values holds channels values per source (source j at
// values[j*channels:(j+1)*channels]); the result holds channels values per
// query. power must be positive and finite (2 is the classic choice); the
// weights reproduce constants exactly up to rounding.
func InverseDistance(sources, values []float64, channels int, queries []float64, dim int, k int, power float64) ([]float64, error) {
	const op = "InverseDistance"
	if err := checkDim(dim); err != nil {
		return nil, err
	}
	if channels < 1 {
		return nil, fmt.Errorf("geometry: %s: channels = %d; want at least 1", op, channels)
	}
	if !(power > 0) || math.IsInf(power, 1) {
		return nil, fmt.Errorf("geometry: %s: power = %g; want positive and finite", op, power)
	}
	if len(sources)%dim != 0 || len(values) != len(sources)/dim*channels {
		return nil, fmt.Errorf("geometry: %s: len(values) = %d for len(sources) = %d; want %d channels per source of dimension %d", op, len(values), len(sources), channels, dim)
	}
	for i, v := range values {
		if !finite(v) {
			return nil, fmt.Errorf("geometry: %s: source %d has value %g in channel %d; want finite values", op, i/channels, v, i%channels)
		}
	}
	idx, d2, err := knn(op, sources, queries, dim, Box{}, k)
	if err != nil {
		return nil, err
	}
	nq := len(queries) / dim
	out := make([]float64, nq*channels)
	parallel.For(nq, 8*k*channels, func(lo, hi int) {
		wt := make([]float64, k)
		for i := lo; i < hi; i++ {
			nb, dd := idx[i*k:i*k+k], d2[i*k:i*k+k]
			o := out[i*channels : i*channels+channels]
			if dd[0] == 0 {
				copy(o, values[int(nb[0])*channels:])
				continue
			}
			sum := 0.0
			for m := range k {
				// (d_1 / d_m)^power = (d_1^2 / d_m^2)^(power/2)
				wt[m] = math.Pow(dd[0]/dd[m], power/2)
				sum += wt[m]
			}
			for m := range k {
				v := values[int(nb[m])*channels:]
				for c := range channels {
					o[c] += wt[m] * v[c]
				}
			}
			for c := range channels {
				o[c] /= sum
			}
		}
	})
	return out, nil
}
