package etd

import (
	"math"
	"testing"
)

// For a purely linear problem (N = 0) one step is exactly e^{hL}; for
// u' = L u + 1 the exact step is e^{hL} u + (e^{hL} - 1)/L, which ETDRK4
// reproduces since the forcing is constant: F1 + 4 F2 + F3 = (e^{hL}-1)/L.
func TestCoefficients(t *testing.T) {
	lin := []float64{0, -1e-8, -0.5, -3, -40, -1e4}
	h := 0.1
	c := New(lin, h)
	for j, l := range lin {
		if c.E[j] != math.Exp(h*l) {
			t.Fatalf("E[%d]", j)
		}
		want := h // the limit L -> 0
		if l != 0 {
			want = math.Expm1(h*l) / l
		}
		got := c.F1[j] + 4*c.F2[j] + c.F3[j]
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("L = %g: F1 + 4 F2 + F3 = %.15g, want %.15g", l, got, want)
		}
		wantQ := h / 2
		if l != 0 {
			wantQ = math.Expm1(h*l/2) / l
		}
		if math.Abs(c.Q[j]-wantQ) > 1e-12*math.Max(1, math.Abs(wantQ)) {
			t.Errorf("L = %g: Q = %.15g, want %.15g", l, c.Q[j], wantQ)
		}
	}
}

// Cache.For builds a step size's coefficients once and returns them again.
func TestCacheReuses(t *testing.T) {
	lin := []float64{0, -1, -4, -9}
	var c Cache
	a, b, d := c.For(lin, 0.1), c.For(lin, 0.05), c.For(lin, 0.1)
	if a != d || a == b {
		t.Fatalf("cache returned %p, %p, %p for steps 0.1, 0.05, 0.1", a, b, d)
	}
	want := New(lin, 0.05)
	for j := range lin {
		if b.E[j] != want.E[j] || b.Q[j] != want.Q[j] || b.F3[j] != want.F3[j] {
			t.Fatalf("cached coefficients differ from New's at %d", j)
		}
	}
}
