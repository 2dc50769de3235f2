package mpm

import "testing"

// scatterAnyDim is the scatter written once for any dimension (loops over
// the axes and the 3^d stencil), kept here only to measure it against the
// specialised scatter2 / scatter3 that the solver uses.
func (s *Solver) scatterAnyDim(st *State, p int, nodeOffset []int) {
	d := s.d
	var base [3]int
	var frac [3]float64
	var w [3][3]float64
	for a := 0; a < d; a++ {
		g := st.X[p*d+a] * s.inv
		base[a] = int(g - 0.5)
		frac[a] = g - float64(base[a])
		w[a] = weights(frac[a])
	}
	var aff [9]float64
	for e := 0; e < d*d; e++ {
		aff[e] = s.mass*st.C[p*d*d+e] + s.stressScale*s.stress[p*d*d+e]
	}
	var mv [3]float64
	for a := 0; a < d; a++ {
		mv[a] = s.mass * st.V[p*d+a]
	}
	baseNode := 0
	for a := 0; a < d; a++ {
		baseNode = baseNode*s.nodes + base[a]
	}
	for o, k := range stencilOffsets[d][:pow(3, d)] {
		weight := 1.0
		var dpos [3]float64
		for a := 0; a < d; a++ {
			weight *= w[a][k[a]]
			dpos[a] = (float64(k[a]) - frac[a]) * s.dx
		}
		node := baseNode + nodeOffset[o]
		cell := s.grid[node*(d+1):]
		cell[0] += weight * s.mass
		for a := 0; a < d; a++ {
			m := mv[a]
			for b := 0; b < d; b++ {
				m += aff[a*d+b] * dpos[b]
			}
			cell[1+a] += weight * m
		}
	}
}

// stencilOffsets[d][o] is the per-axis offset of stencil node o.
var stencilOffsets = func() (t [4][27][3]int) {
	for d := 2; d <= 3; d++ {
		for o := 0; o < pow(3, d); o++ {
			for a, r := d-1, o; a >= 0; a, r = a-1, r/3 {
				t[d][o][a] = r % 3
			}
		}
	}
	return t
}()

func benchmarkScatter(b *testing.B, dim, cells int, anyDim bool) {
	p := damBreak(dim, cells, jelly)
	st, _ := p.Sample(0, 0)
	s, _ := New(p)
	s.Step(st)
	var nodeOffset []int
	for _, k := range stencilOffsets[dim][:pow(3, dim)] {
		n := 0
		for a := 0; a < dim; a++ {
			n = n*s.nodes + k[a]
		}
		nodeOffset = append(nodeOffset, n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < st.Len(); k++ {
			if anyDim {
				s.scatterAnyDim(st, k, nodeOffset)
			} else if dim == 2 {
				s.scatter2(st, k)
			} else {
				s.scatter3(st, k)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*st.Len()), "ns/particle")
}

// Scatter alone, one goroutine: the specialised kernels against the
// any-dimension loop.
func BenchmarkScatter2D(b *testing.B)       { benchmarkScatter(b, 2, 128, false) }
func BenchmarkScatter2DAnyDim(b *testing.B) { benchmarkScatter(b, 2, 128, true) }
func BenchmarkScatter3D(b *testing.B)       { benchmarkScatter(b, 3, 32, false) }
func BenchmarkScatter3DAnyDim(b *testing.B) { benchmarkScatter(b, 3, 32, true) }
