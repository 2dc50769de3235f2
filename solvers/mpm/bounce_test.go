package mpm

import (
	"math"
	"testing"
)

// bounce drops an elastic disc/ball of radius 0.1 from rest with its
// bottom at height 0.4 onto the slip floor (wall layer 3 cells) and
// follows it until the top of its first rebound. It returns the total
// energy (kinetic + gravitational + elastic) at release, just before
// contact and at the rebound's top, and the rebound height ratio of the
// centroid (measured from the contact height).
type bounceResult struct {
	release, beforeContact, top float64
	heightRatio                 float64
	particles, steps            int
}

func bounce(t *testing.T, dim, cells int, m Material) bounceResult {
	t.Helper()
	centre := [3]float64{0.5, 0.5, 0.5}
	g := make([]float64, dim)
	g[dim-1] = -9.8
	p := Params{Dim: dim, Cells: cells, Length: 1, Gravity: g, Material: m,
		Scene: Scene{Bodies: []Body{{Parts: []Part{{Shape: Ball, Center: centre, Radius: 0.1}}}}}}
	p.Dt = p.MaxStableDt()
	s, st := newSampleSolver(t, p)
	energy := func() float64 { return s.KineticEnergy(st) + s.PotentialEnergy(st) + s.ElasticEnergy(st) }
	height := func() (centroid, bottom float64) {
		bottom = math.Inf(1)
		for i := 0; i < st.Len(); i++ {
			y := st.X[i*dim+dim-1]
			centroid += y / float64(st.Len())
			bottom = math.Min(bottom, y)
		}
		return centroid, bottom
	}
	wall := float64(3) * p.Dx()
	res := bounceResult{release: energy(), particles: st.Len()}
	start, _ := height()
	var contact float64
	falling := true
	for n := 1; n < 20000; n++ {
		s.Step(st)
		c, bottom := height()
		vy := s.Momentum(st)[dim-1]
		if falling && bottom < wall+2*p.Dx() {
			// Two cells above the wall layer: grid contact starts here.
			falling, contact, res.beforeContact = false, c, energy()
		}
		if !falling && vy < 0 && c > contact {
			res.top, res.heightRatio, res.steps = energy(), (c-contact)/(start-contact), n
			return res
		}
	}
	t.Fatalf("%d-D: no rebound", dim)
	return res
}

// TestElasticBounce: a corotated disc (ball) of radius 0.1, E 1e5, rho
// 1000, dropped from 0.35 above the slip floor, keeps its energy in free
// fall to 0.5% (the 0.1-0.2% drift is symplectic Euler's O(dt) bias
// under gravity, m g^2 dt t / 2, not dissipation) and rebounds to 0.77
// (2-D, dx 1/64) and 0.74 (3-D, dx 1/32) of its drop height, losing
// 10% and 13% of its energy over the bounce: the slip wall stops the
// wall nodes' normal velocity (an inelastic grid contact) and APIC's
// transfers damp part of the vibration the impact excites.
func TestElasticBounce(t *testing.T) {
	cases := []struct {
		dim, cells int
		minRatio   float64 // measured 0.765 (2-D) and 0.740 (3-D)
		maxLoss    float64 // measured 9.8% and 13.2%
	}{{2, 64, 0.7, 0.12}, {3, 32, 0.68, 0.16}}
	for _, c := range cases {
		r := bounce(t, c.dim, c.cells, Material{Kind: Corotated, E: 1e5, Nu: 0.3, Rho: 1000})
		fallLoss := 1 - r.beforeContact/r.release
		bounceLoss := 1 - r.top/r.beforeContact
		t.Logf("%d-D, %d cells, %d particles, %d steps: energy lost in free fall %.2f%%, over the bounce %.1f%%; rebound height ratio %.3f",
			c.dim, c.cells, r.particles, r.steps, 100*fallLoss, 100*bounceLoss, r.heightRatio)
		if math.Abs(fallLoss) > 0.005 {
			t.Errorf("%d-D: free fall changed the energy by %.2f%%", c.dim, 100*fallLoss)
		}
		if r.heightRatio < c.minRatio || bounceLoss > c.maxLoss {
			t.Errorf("%d-D: rebound height ratio %.3f (want >= %.2f), energy lost over the bounce %.1f%% (want <= %.0f%%)",
				c.dim, r.heightRatio, c.minRatio, 100*bounceLoss, 100*c.maxLoss)
		}
	}
}
