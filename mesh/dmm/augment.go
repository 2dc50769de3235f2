package dmm

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// Symmetry is one of the 8 symmetries of the unit square (the dihedral
// group D4), as bits: SwapAxes (x, y) -> (y, x) first, then FlipX x -> 1
// - x and FlipY y -> 1 - y. Symmetry(0) is the identity.
//
// They are exact symmetries of the mesh-moving problem: if x(xi)
// equidistributes m, then T(x(T^-1 xi)) equidistributes m o T^-1 with the
// same theta (|det T| = 1, T maps the square and its sides onto
// themselves, so the Neumann conditions hold), and on a uniform grid T
// only permutes the nodes.
type Symmetry uint8

// The generating bits of a Symmetry.
const (
	SwapAxes Symmetry = 1 << iota
	FlipX
	FlipY
)

// Symmetries is the number of symmetries of the square.
const Symmetries = 8

// Apply returns T(p) for a point p of the square.
func (s Symmetry) Apply(x, y float64) (float64, float64) {
	if s&SwapAxes != 0 {
		x, y = y, x
	}
	if s&FlipX != 0 {
		x = 1 - x
	}
	if s&FlipY != 0 {
		y = 1 - y
	}
	return x, y
}

// applyIndex is Apply on the node indices (i, j) of an n x n grid.
func (s Symmetry) applyIndex(i, j, n int) (int, int) {
	if s&SwapAxes != 0 {
		i, j = j, i
	}
	if s&FlipX != 0 {
		i = n - 1 - i
	}
	if s&FlipY != 0 {
		j = n - 1 - j
	}
	return i, j
}

// Grid returns the transformed node values v o T^-1 of an n x n grid
// (node i*n + j at (i/(n-1), j/(n-1))): the value of node k moves to the
// node T(k). v must hold n*n values.
func (s Symmetry) Grid(v []float64, n int) []float64 {
	if len(v) != n*n {
		panic(fmt.Sprintf("dmm: Symmetry.Grid: %d values for a %d x %d grid", len(v), n, n))
	}
	out := make([]float64, len(v))
	for i := range n {
		for j := range n {
			a, b := s.applyIndex(i, j, n)
			out[a*n+b] = v[i*n+j]
		}
	}
	return out
}

// Nodes returns the moved nodes of the transformed problem from those of
// a moved n x n structured mesh (x, y pairs in mesh.StructuredQuad's
// order): node T(k) is at T(x_k).
func (s Symmetry) Nodes(x []float64, n int) []float64 {
	if len(x) != 2*n*n {
		panic(fmt.Sprintf("dmm: Symmetry.Nodes: %d coordinates for %d x %d nodes", len(x), n, n))
	}
	out := make([]float64, len(x))
	for i := range n {
		for j := range n {
			a, b := s.applyIndex(i, j, n)
			k, q := i*n+j, a*n+b
			out[2*q], out[2*q+1] = s.Apply(x[2*k], x[2*k+1])
		}
	}
	return out
}

// Augment is data augmentation for training by the problem's exact
// symmetries: each field an Adam step draws is replaced by a transformed
// copy. The loss needs nothing else: the transformed field's monitor is
// the transformed monitor, whose equidistributing map is the transformed
// map (Symmetry).
type Augment struct {
	// Symmetries draws one of the 8 symmetries of the square uniformly and
	// applies it to the monitor and to the branch input, which must then
	// be a square grid in the monitor's node order (a 2-D field or a
	// function of it node by node, such as the monitor).
	Symmetries bool
	// Sign multiplies the branch input by -1 with probability 1/2, and
	// Scale (0 or 1: off; > 1) multiplies it by c with log c uniform in
	// [-log Scale, log Scale]. The gradient monitor m = 1 + beta |grad u|
	// / mean |grad u| is the same for u, -u and c u, so these are exact
	// when the branch input is the field u itself; not when it is the
	// monitor (a negative monitor is no monitor).
	Sign  bool
	Scale float64
}

// on reports whether any augmentation is set.
func (a Augment) on() bool { return a.Symmetries || a.Sign || (a.Scale != 0 && a.Scale != 1) }

// validate refuses a bad scale and symmetries on fields they cannot act on.
func (a Augment) validate(fields []Field) error {
	if math.IsNaN(a.Scale) || math.IsInf(a.Scale, 0) || (a.Scale != 0 && a.Scale < 1) {
		return fmt.Errorf("Augment.Scale = %g; want 0 (off) or a finite factor >= 1", a.Scale)
	}
	if !a.Symmetries {
		return nil
	}
	for i, f := range fields {
		if f.Dim != 2 {
			return fmt.Errorf("Augment.Symmetries: field %d is %d-D; the square's symmetries act on 2-D fields", i, f.Dim)
		}
		if k := gridSide(len(f.Branch)); k < 2 {
			return fmt.Errorf("Augment.Symmetries: field %d has a branch input of %d values, not a square grid the symmetries can permute", i, len(f.Branch))
		}
	}
	return nil
}

// gridSide returns k if l = k*k, else 0.
func gridSide(l int) int {
	k := int(math.Round(math.Sqrt(float64(l))))
	if k*k == l {
		return k
	}
	return 0
}

// Transformed returns the field with symmetry s applied to its monitor
// and to its branch input (a square grid in the monitor's node order);
// theta is unchanged (the same integral).
func (f Field) Transformed(s Symmetry) (Field, error) {
	k := gridSide(len(f.Branch))
	if f.Dim != 2 || k < 2 || len(f.Monitor) != f.N*f.N {
		return Field{}, fmt.Errorf("dmm: Field.Transformed: a %d-D field with %d branch values and %d monitor values on %d nodes per axis; want a 2-D field whose branch input is a square grid",
			f.Dim, len(f.Branch), len(f.Monitor), f.N)
	}
	g := f
	g.Branch, g.Monitor = s.Grid(f.Branch, k), s.Grid(f.Monitor, f.N)
	return g, nil
}

// draw returns an augmented copy of f drawn from r (f itself when a is off).
func (a Augment) draw(f Field, r *tensor.RNG) (Field, error) {
	if !a.on() {
		return f, nil
	}
	if r == nil {
		return Field{}, errors.New("nil RNG")
	}
	g := f
	if a.Symmetries {
		var err error
		if g, err = f.Transformed(Symmetry(r.Intn(Symmetries))); err != nil {
			return Field{}, err
		}
	}
	c := 1.0
	if a.Sign && r.Float64() < 0.5 {
		c = -1
	}
	if a.Scale > 1 {
		c *= math.Exp((2*r.Float64() - 1) * math.Log(a.Scale))
	}
	if c != 1 {
		b := make([]float64, len(g.Branch))
		for i, v := range g.Branch {
			b[i] = c * v
		}
		g.Branch = b
	}
	return g, nil
}
