package mpm

import (
	"fmt"
	"math"
)

// State is the particles of one simulation, in flat arrays: particle p's
// position is X[p*Dim : (p+1)*Dim], its matrices C and F are row-major in
// C[p*Dim*Dim : (p+1)*Dim*Dim].
type State struct {
	Dim int
	// X and V are positions and velocities.
	X, V []float64
	// C is the APIC affine velocity matrix, an estimate of grad v.
	C []float64
	// F is the elastic deformation gradient (after the return mapping of
	// plastic models; J^(1/d) I for the fluid).
	F []float64
	// Body is the index of the body each particle was sampled in.
	Body []int32
	// Volume is the initial volume of each particle.
	Volume float64
}

// Len returns the number of particles.
func (st *State) Len() int {
	if st.Dim == 0 {
		return 0
	}
	return len(st.X) / st.Dim
}

// Clone returns a deep copy.
func (st *State) Clone() *State {
	c := *st
	c.X = append([]float64(nil), st.X...)
	c.V = append([]float64(nil), st.V...)
	c.C = append([]float64(nil), st.C...)
	c.F = append([]float64(nil), st.F...)
	c.Body = append([]int32(nil), st.Body...)
	return &c
}

// Positions returns the positions rounded to float32, the layout of a
// dataset frame ([N, Dim] row-major).
func (st *State) Positions() []float32 {
	out := make([]float32, len(st.X))
	for i, x := range st.X {
		out[i] = float32(x)
	}
	return out
}

// check verifies the array lengths and that positions lie in [lo, hi] and
// every value is finite.
func (st *State) check(dim int, lo, hi float64) error {
	n := st.Len()
	d := st.Dim
	switch {
	case d != dim:
		return fmt.Errorf("state has dimension %d, the parameters %d", d, dim)
	case len(st.X) != n*d || len(st.V) != n*d || len(st.C) != n*d*d || len(st.F) != n*d*d:
		return fmt.Errorf("state arrays have lengths X %d, V %d, C %d, F %d; %d particles in %d-D need %d, %d, %d, %d",
			len(st.X), len(st.V), len(st.C), len(st.F), n, d, n*d, n*d, n*d*d, n*d*d)
	case !(st.Volume > 0):
		return fmt.Errorf("state particle volume must be positive, got %v", st.Volume)
	}
	for i, x := range st.X {
		if !(x >= lo && x <= hi) {
			return fmt.Errorf("particle %d has coordinate %d = %v outside [%g, %g] (one cell inside the box)", i/d, i%d, x, lo, hi)
		}
	}
	arrays := []struct {
		name   string
		values []float64
	}{{"velocity", st.V}, {"affine matrix C", st.C}, {"deformation gradient F", st.F}}
	for _, a := range arrays {
		for i, x := range a.values {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("particle %d has a non-finite %s entry", i/(len(a.values)/n), a.name)
			}
		}
	}
	return nil
}
