package lagrangian

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// Zero acceleration reproduces constant-velocity motion exactly (values
// on a dyadic grid, so every sum is exact).
func TestIntegrateConstantVelocity(t *testing.T) {
	x0 := []float64{0.25, -1.5, 3, 0.125}
	prev := append([]float64(nil), x0...)
	v := []float64{0.5, 0.25, -0.125, 0}
	last := make([]float64, 4)
	for k := range last {
		last[k] = prev[k] + v[k]
	}
	zero := make([]float64, 4)
	for step := 2; step < 50; step++ {
		next := Integrate(last, prev, zero)
		for k := range next {
			if want := x0[k] + float64(step)*v[k]; next[k] != want {
				t.Fatalf("step %d coordinate %d: %v, want %v", step, k, next[k], want)
			}
		}
		prev, last = last, next
	}
}

// The pooled statistics equal a two-pass mean and population std over
// every velocity and acceleration of all trajectories, however they are
// split.
func TestPooledStatsTwoPass(t *testing.T) {
	r := tensor.NewRNG(3)
	const d = 2
	type traj struct {
		pos       []float32
		frames, n int
	}
	var trajs []traj
	for i, shape := range [][2]int{{7, 5}, {3, 11}, {12, 1}, {2, 4}} {
		frames, n := shape[0], shape[1]
		pos := make([]float32, frames*n*d)
		for k := range pos {
			pos[k] = float32(0.3*float64(i) + 0.01*float64(k%d+1)*float64(k/(n*d)) + 0.05*r.Normal())
		}
		trajs = append(trajs, traj{pos, frames, n})
	}
	acc := NewAccumulator(d)
	var vel, ac [d][]float64
	for _, tr := range trajs {
		if err := acc.Add(tr.pos, tr.frames, tr.n); err != nil {
			t.Fatal(err)
		}
		fn := tr.n * d
		for f := 1; f < tr.frames; f++ {
			for k := 0; k < fn; k++ {
				p := f*fn + k
				vel[k%d] = append(vel[k%d], float64(tr.pos[p])-float64(tr.pos[p-fn]))
				if f+1 < tr.frames {
					ac[k%d] = append(ac[k%d], float64(tr.pos[p+fn])-2*float64(tr.pos[p])+float64(tr.pos[p-fn]))
				}
			}
		}
	}
	st, err := acc.Stats()
	if err != nil {
		t.Fatal(err)
	}
	twoPass := func(x []float64) (float64, float64) {
		m := 0.0
		for _, v := range x {
			m += v
		}
		m /= float64(len(x))
		s := 0.0
		for _, v := range x {
			s += (v - m) * (v - m)
		}
		return m, math.Sqrt(s / float64(len(x)))
	}
	worst := 0.0
	for a := 0; a < d; a++ {
		vm, vs := twoPass(vel[a])
		am, as := twoPass(ac[a])
		for _, p := range [][2]float64{{st.VelMean[a], vm}, {st.VelStd[a], vs}, {st.AccMean[a], am}, {st.AccStd[a], as}} {
			e := math.Abs(p[0]-p[1]) / math.Max(math.Abs(p[1]), 1e-3)
			worst = math.Max(worst, e)
		}
	}
	t.Logf("worst relative difference from two-pass: %.3g", worst)
	if worst > 1e-12 {
		t.Fatalf("pooled statistics differ from two-pass by %.3g: %+v", worst, st)
	}
	if err := st.Validate(d); err != nil {
		t.Fatal(err)
	}
	if _, err := NewAccumulator(d).Stats(); err == nil {
		t.Fatal("empty accumulator gave statistics")
	}
	if err := NewAccumulator(d).Add(make([]float32, 5), 2, 2); err == nil {
		t.Fatal("accepted a trajectory of the wrong length")
	}
}

// The noisy inputs integrated with the target acceleration land on the
// clean next position; the noise is a random walk with last-step std
// equal to the requested std.
func TestNoiseTargetRecoversCleanNext(t *testing.T) {
	const c, n, d = 5, 400, 2
	r := tensor.NewRNG(7)
	clean := make([]float64, (c+2)*n*d)
	for k := range clean {
		clean[k] = 0.5 + 0.01*float64(k/(n*d)) + 0.1*math.Sin(float64(k))
	}
	fn := n * d
	noise := RandomWalkNoise(r, c, n, d, 0.01)
	for j := 0; j < fn; j++ {
		if noise[j] != 0 {
			t.Fatal("the first position is perturbed")
		}
	}
	noisy := make([]float64, (c+1)*fn)
	for k := range noisy {
		noisy[k] = clean[k] + noise[k]
	}
	last, prev := noisy[c*fn:], noisy[(c-1)*fn:c*fn]
	next := clean[(c+1)*fn:]
	target := NoisyTarget(next, noise[c*fn:])
	got := Integrate(last, prev, TargetAcc(target, last, prev))
	worst := 0.0
	for k := range got {
		// The predicted velocity is the clean one: the next position
		// keeps the last input's noise.
		vClean := next[k] - clean[c*fn+k]
		worst = math.Max(worst, math.Abs((got[k]-last[k])-vClean))
	}
	t.Logf("max |predicted velocity from noisy inputs - clean velocity| = %.3g", worst)
	if worst > 1e-15 {
		t.Fatalf("target acceleration misses the clean next velocity by %.3g", worst)
	}
	// The last velocity's noise is a random walk of c steps with std 0.01
	// (GNS's noise_std_last_step; n d = 800 draws).
	s := 0.0
	for j := 0; j < fn; j++ {
		v := noise[c*fn+j] - noise[(c-1)*fn+j]
		s += v * v
	}
	std := math.Sqrt(s / float64(fn))
	t.Logf("std of the last velocity's noise: %.4g (want 0.01)", std)
	if math.Abs(std-0.01) > 0.001 {
		t.Fatalf("last-velocity noise std %.4g, want 0.01", std)
	}
	// Velocity noise of step 1 has std 0.01/sqrt(c): a random walk.
	s = 0
	for j := 0; j < fn; j++ {
		s += noise[fn+j] * noise[fn+j]
	}
	if first := math.Sqrt(s / float64(fn)); math.Abs(first-0.01/math.Sqrt(c)) > 0.001 {
		t.Fatalf("first velocity noise std %.4g, want %.4g", first, 0.01/math.Sqrt(c))
	}
}

func TestFeatures(t *testing.T) {
	f := Features{Dim: 2, Radius: 0.1, Lo: []float64{0, 0}, Hi: []float64{1, 2},
		Stats: Stats{VelMean: []float64{0.01, 0}, VelStd: []float64{0.02, 0.5}, AccMean: []float64{0, -1}, AccStd: []float64{1, 2}}}
	// Two particles, c = 2 velocities.
	window := []float64{
		0.5, 0.5, 0.97, 1.0,
		0.53, 0.5, 0.98, 1.5,
		0.55, 0.4, 1.05, 1.95,
	}
	nodes := f.Nodes(window, 2, 2)
	want := []float64{
		(0.03 - 0.01) / 0.02, 0, (0.02 - 0.01) / 0.02, -0.1 / 0.5, 1, 1, 1, 1,
		(0.01 - 0.01) / 0.02, 1, (0.07 - 0.01) / 0.02, 0.45 / 0.5, 1, 1, -0.5, 0.5,
	}
	for k := range want {
		if math.Abs(nodes[k]-want[k]) > 1e-12 {
			t.Fatalf("node feature %d = %v, want %v (all %v)", k, nodes[k], want[k], nodes)
		}
	}
	edges := f.Edges(window[2*4:], []int32{1, 0}, []int32{0, 1})
	dx, dy := (1.05-0.55)/0.1, (1.95-0.4)/0.1
	wantE := []float64{dx, dy, math.Hypot(dx, dy), -dx, -dy, math.Hypot(dx, dy)}
	for k := range wantE {
		if math.Abs(edges[k]-wantE[k]) > 1e-12 {
			t.Fatalf("edge feature %d = %v, want %v", k, edges[k], wantE[k])
		}
	}
	acc := []float64{0.5, 3, -2, -1}
	back := f.DenormalizeAcc(f.NormalizeAcc(acc))
	for k := range acc {
		if math.Abs(back[k]-acc[k]) > 1e-15 {
			t.Fatal("DenormalizeAcc does not invert NormalizeAcc")
		}
	}
	eff := Stats{VelMean: []float64{0}, VelStd: []float64{0.3}, AccMean: []float64{0}, AccStd: []float64{0}}.Effective(0.4)
	if math.Abs(eff.VelStd[0]-0.5) > 1e-15 || math.Abs(eff.AccStd[0]-0.4) > 1e-15 {
		t.Fatalf("Effective: %+v", eff)
	}
}
