package main

import (
	"fmt"

	"github.com/surrogo/surrogo/solvers/mpm"
	"github.com/surrogo/surrogo/tensor"
)

// The MPM workloads of bench/run_mpm.sh: one MLS-MPM step (one iteration)
// of the dam-break block of solvers/mpm's step benchmarks, the scene
// bench/mpm.py builds for NumPy: a block 0.4 wide and 0.6 high (0.4 deep
// in 3-D) in the corner of the unit box, slip walls, gravity, 2^d
// particles per cell, dt at the stability limit. Names
// mpm-MATERIAL-Dd-CELLS: water (fluid, K 1e4) or jelly (fixed-corotated,
// E 1e5, nu 0.3), 2-D at 128^2 and 256^2 cells, 3-D at 32^3 and 64^3.
func init() {
	materials := map[string]mpm.Material{
		"water": {Kind: mpm.Fluid, Bulk: 1e4, Rho: 1000},
		"jelly": {Kind: mpm.Corotated, E: 1e5, Nu: 0.3, Rho: 1000},
	}
	sizes := map[int][]int{2: {128, 256}, 3: {32, 64}}
	for name, m := range materials {
		for dim, cells := range sizes {
			for _, c := range cells {
				workloads[fmt.Sprintf("mpm-%s-%dd-%d", name, dim, c)] = mpmStep(dim, c, m)
			}
		}
	}
}

// mpmDamBreak returns the workloads' scene parameters.
func mpmDamBreak(dim, cells int, m mpm.Material) mpm.Params {
	var centre, half [3]float64
	lo := 3 / float64(cells)
	for a := 0; a < dim; a++ {
		half[a], centre[a] = 0.2, lo+0.2
	}
	half[dim-1], centre[dim-1] = 0.3, lo+0.3
	g := make([]float64, dim)
	g[dim-1] = -9.8
	p := mpm.Params{Dim: dim, Cells: cells, Length: 1, Gravity: g, Material: m,
		Scene: mpm.Scene{Bodies: []mpm.Body{{Parts: []mpm.Part{{Shape: mpm.Box, Center: centre, Half: half}}}}}}
	p.Dt = p.MaxStableDt()
	return p
}

// mpmStep builds the scene, takes two warm-up steps (as bench/mpm.py) and
// returns one step as the iteration.
func mpmStep(dim, cells int, m mpm.Material) workload {
	return func(*tensor.RNG) (func() error, error) {
		p := mpmDamBreak(dim, cells, m)
		st, err := p.Sample(0, 0)
		if err != nil {
			return nil, err
		}
		s, err := mpm.New(p)
		if err != nil {
			return nil, err
		}
		for k := 0; k < 2; k++ {
			s.Step(st)
		}
		extra["particles"] = st.Len()
		return func() error { s.Step(st); return nil }, nil
	}
}
