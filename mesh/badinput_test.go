package mesh

import (
	"errors"
	"testing"
)

// tangled48 returns the 48 x 48 quad mesh with node 13 (0, 13h) pulled to
// (2h, 13h), right of node 61 (h, 13h): cell 12 (nodes 12, 60, 61, 13)
// turns clockwise at its corner 2 (node 61), cross product -h^2 =
// -1/47^2 = -0.000453.
func tangled48(t *testing.T) *Mesh {
	t.Helper()
	m := mustQuad(t, 48, 48)
	h := 1.0 / 47
	nodes := append([]float64(nil), m.Nodes...)
	nodes[26], nodes[27] = 2*h, 13*h
	out, err := m.WithNodes(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBadInputErrors checks that the three bad inputs of a mesh mover get
// one clear error each from package mesh, naming the problem and where it
// is: a monitor that is not positive (the cell), a tangled mesh (the
// inverted cell, wrapping ErrTangled), and a field whose size does not
// match the grid or the mesh (both counts).
func TestBadInputErrors(t *testing.T) {
	m := mustQuad(t, 48, 48) // 2304 nodes, 2209 cells
	bad := tangled48(t)
	ones := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	negative, zero := ones(2209), ones(2209)
	negative[17], zero[3] = -0.5, 0
	short := ones(2300) // 48 x 48 needs 2304
	loc, err := NewLocator(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		run     func() error
		tangled bool
		want    []string
	}{
		{"negative monitor", func() error { _, err := m.Equidistribution(negative); return err }, false,
			[]string{"monitor of cell 17 is -0.5", "want finite and > 0"}},
		{"zero monitor", func() error { _, err := m.Equidistribution(zero); return err }, false,
			[]string{"monitor of cell 3 is 0", "> 0"}},
		{"monitor count", func() error { _, err := m.Equidistribution(ones(2208)); return err }, false,
			[]string{"2208 monitor values", "one per cell, 2209"}},
		{"CheckUntangled", bad.CheckUntangled, true,
			[]string{"quad cell 12 (nodes [12 60 61 13]) is inverted at corner 2 (node 61)", "cross product -0.000453"}},
		{"NewLocator", func() error { _, err := NewLocator(bad); return err }, true,
			[]string{"NewLocator", "quad cell 12", "inverted"}},
		{"RoundTripError on a tangled mesh", func() error { _, err := RoundTripError(ones(2304), 48, 1, bad); return err }, true,
			[]string{"RoundTripError", "quad cell 12"}},
		{"ToMesh field size", func() error { _, err := ToMesh(short, 48, 1, m); return err }, false,
			[]string{"ToMesh", "2300 field values", "48*48*1"}},
		{"RoundTripError field size", func() error { _, err := RoundTripError(short, 48, 1, m); return err }, false,
			[]string{"RoundTripError", "2300 field values", "48*48*1"}},
		{"FromMesh node values", func() error { _, err := FromMesh(loc, short, 1, 48); return err }, false,
			[]string{"FromMesh", "2300 values with 1 per node", "2304*1"}},
		{"Interpolate node values", func() error { _, err := loc.Interpolate(ones(4608), 3, []float64{0.5, 0.5}); return err }, false,
			[]string{"4608 values with 3 per node", "2304*3"}},
	}
	for _, tc := range tests {
		err := tc.run()
		wantErr(t, tc.name, err, tc.want...)
		if err != nil && errors.Is(err, ErrTangled) != tc.tangled {
			t.Errorf("%s: errors.Is(err, ErrTangled) = %v; want %v", tc.name, !tc.tangled, tc.tangled)
		}
	}
	if c, err := bad.FirstInverted(); c != 12 || err != nil {
		t.Errorf("FirstInverted of the tangled mesh: %d, %v; want cell 12", c, err)
	}
}
