package mesh

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// mustQuad returns StructuredQuad(nx, ny) or fails the test.
func mustQuad(t testing.TB, nx, ny int) *Mesh {
	t.Helper()
	m, err := StructuredQuad(nx, ny)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustTri returns the triangulated StructuredQuad(nx, ny).
func mustTri(t testing.TB, nx, ny int) *Mesh {
	t.Helper()
	m, err := Triangulate(mustQuad(t, nx, ny))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waveAmp is the amplitude of smoothMap; its Jacobian stays within
// 2 pi waveAmp ~ 0.31 of the identity, so the map is one-to-one.
const waveAmp = 0.05

// smoothMap moves a point of the unit square by a smooth displacement
// that vanishes on the boundary, so the square maps onto itself.
func smoothMap(x, y float64) (float64, float64) {
	return x + waveAmp*math.Sin(math.Pi*x)*math.Sin(2*math.Pi*y),
		y + waveAmp*math.Sin(2*math.Pi*x)*math.Sin(math.Pi*y)
}

// moved returns m with every node moved by smoothMap.
func moved(t testing.TB, m *Mesh) *Mesh {
	t.Helper()
	nodes := make([]float64, len(m.Nodes))
	for i := 0; i < len(nodes); i += 2 {
		nodes[i], nodes[i+1] = smoothMap(m.Nodes[i], m.Nodes[i+1])
	}
	out, err := m.WithNodes(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jittered returns m with every interior node moved by up to frac of the
// spacing h in each coordinate (seeded); boundary nodes stay.
func jittered(t testing.TB, m *Mesh, h, frac float64, seed uint64) *Mesh {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	nodes := append([]float64(nil), m.Nodes...)
	for i := 0; i < len(nodes); i += 2 {
		x, y := nodes[i], nodes[i+1]
		if x > 0 && x < 1 && y > 0 && y < 1 {
			nodes[i] += frac * h * (2*rng.Float64() - 1)
			nodes[i+1] += frac * h * (2*rng.Float64() - 1)
		}
	}
	out, err := m.WithNodes(nodes)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := out.FirstInverted(); c >= 0 {
		t.Fatalf("jittered mesh has inverted cell %d", c)
	}
	return out
}

// randomPoints returns n seeded points uniform in [0, 1]^2.
func randomPoints(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := make([]float64, 2*n)
	for i := range p {
		p[i] = rng.Float64()
	}
	return p
}

// nodeField evaluates f at every node of m.
func nodeField(m *Mesh, f func(x, y float64) float64) []float64 {
	v := make([]float64, m.NumNodes())
	for i := range v {
		v[i] = f(m.Nodes[2*i], m.Nodes[2*i+1])
	}
	return v
}

// sum adds up v.
func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// wantErr fails unless err is non-nil and mentions every fragment.
func wantErr(t *testing.T, name string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error; want one mentioning %q", name, fragments)
		return
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not mention %q", name, err, f)
		}
	}
}

// near reports whether |a - b| <= tol.
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
