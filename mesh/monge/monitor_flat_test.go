package monge

import "testing"

// A field constant up to rounding gives the constant monitor, not one
// that magnifies its rounding noise by beta / mean|grad u|.
func TestGradientMonitorFlatField(t *testing.T) {
	const n = 16
	u := make([]float64, n*n)
	for k := range u {
		u[k] = 0.3
	}
	u[37] += 0x1p-53 // one ulp-sized bump
	mon, err := GradientMonitor(u, n, UpstreamBeta)
	if err != nil {
		t.Fatal(err)
	}
	pts := []float64{0.1, 0.1, 1.0 / (n - 1), 5.0 / (n - 1), 3.0 / (n - 1), 5.0 / (n - 1)} // the bump's neighbours
	ms, err := mon.At(pts)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m != 1 {
			t.Errorf("m(%v, %v) = %v, want 1 for a field constant to rounding", pts[2*i], pts[2*i+1], m)
		}
	}
}
