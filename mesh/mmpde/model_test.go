package mmpde

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// testConfig is a small network on n x n meshes with unit statistics.
func testConfig(n int) Config {
	return Config{MeshNodes: n, Latent: 16, Layers: 2, Neighbours: 8, Stats: Stats{Mean: 0, Std: 1, IncStd: 0.05}}
}

func TestParamCount(t *testing.T) {
	for _, c := range []Config{testConfig(6), {MeshNodes: 48, Stats: Stats{Std: 1, IncStd: 1}}} {
		m, err := New[float32](c, tensor.NewRNG(1))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := nn.CountParams(m.Params()), c.ParamCount(); got != want {
			t.Errorf("%+v: %d parameters built, ParamCount says %d", c, got, want)
		}
	}
}

func TestConfigRefuses(t *testing.T) {
	base := testConfig(6)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"mesh too small", func(c *Config) { c.MeshNodes = 1 }, "mesh_nodes must be in [2, 4096], got 1"},
		{"negative layers", func(c *Config) { c.Layers = -1 }, "layers must be at least 1, got -1"},
		{"too many neighbours", func(c *Config) { c.Neighbours = 36 }, "neighbours = 36, but a mesh of 6^2 nodes has only 35 other nodes"},
		{"constant field", func(c *Config) { c.Stats.Std = 0 }, "std 0"},
		{"frozen field", func(c *Config) { c.Stats.IncStd = 0 }, "inc_std 0"},
		{"NaN mean", func(c *Config) { c.Stats.Mean = math.NaN() }, "mean NaN"},
		{"negative noise", func(c *Config) { c.NoiseStd = -0.1 }, "noise_std must be finite and >= 0, got -0.1"},
	} {
		c := base
		tc.edit(&c)
		_, err := New[float32](c, tensor.NewRNG(1))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestStatsAccumulator(t *testing.T) {
	var a StatsAccumulator
	if _, err := a.Stats(); err == nil {
		t.Error("empty accumulator: no error")
	}
	if err := a.Add([]float64{1, 3}, []float64{2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := a.Add([]float64{1}, []float64{2, 3}); err == nil {
		t.Error("ragged pair accepted")
	}
	s, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	// Values 1, 3: mean 2, std 1; increments 1, 0: rms sqrt(1/2).
	if s.Mean != 2 || s.Std != 1 || math.Abs(s.IncStd-math.Sqrt(0.5)) > 1e-15 {
		t.Errorf("stats %+v; want mean 2, std 1, inc_std sqrt(1/2)", s)
	}
	var frozen StatsAccumulator
	_ = frozen.Add([]float64{1, 2}, []float64{1, 2})
	if _, err := frozen.Stats(); err == nil || !strings.Contains(err.Error(), "never changes") {
		t.Errorf("a field constant in time: error %v", err)
	}
}

// TestStepIsResidual checks u(t + dt) = u(t) + inc_std d on a mesh with a
// node off the uniform grid, d computed by Forward on the same features.
func TestStepIsResidual(t *testing.T) {
	m, err := New[float64](testConfig(5), tensor.NewRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	msh := warped(t, 5, 0.3)
	u := analytic(msh.Nodes, fieldModes[0])
	got, err := m.Step(msh, u)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph(msh)
	if err != nil {
		t.Fatal(err)
	}
	nodes, edges := m.features(msh.Nodes, u, g)
	d := m.Forward(nodes, edges, g).Value.Data()
	for i := range u {
		if want := u[i] + 0.05*d[i]; math.Abs(got[i]-want) > 1e-14 {
			t.Fatalf("node %d: step %v; want u + inc_std d = %v", i, got[i], want)
		}
	}
}

func TestBadInput(t *testing.T) {
	m, err := New[float32](testConfig(5), tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	msh := warped(t, 5, 0)
	small := warped(t, 4, 0)
	nan := make([]float64, 25)
	nan[7] = math.NaN()
	move, _ := Uniform(5)
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"mesh size", func() error { _, err := m.Step(small, make([]float64, 16)); return err }, "a mesh of 16 nodes; the network runs on meshes of 5 x 5 = 25 nodes"},
		{"field size", func() error { _, err := m.Step(msh, make([]float64, 24)); return err }, "the field has 24 values; want one per mesh node, 25"},
		{"NaN field", func() error { _, err := m.Step(msh, nan); return err }, "the field is NaN at node 7"},
		{"sample target", func() error { _, err := m.NewSample(msh, make([]float64, 25), nan); return err }, "the field at t + dt is NaN at node 7"},
		{"rollout grid", func() error {
			_, _, _, err := m.Rollout(context.Background(), move, make([]float64, 80), 9, 1, false)
			return err
		}, "a field of 80 values on a grid of 9 x 9 nodes; want 81"},
		{"empty batch", func() error { _, err := m.Loss(nil, nil); return err }, "empty batch"},
		{"negative steps", func() error {
			_, _, _, err := m.Rollout(context.Background(), move, make([]float64, 81), 9, -1, false)
			return err
		}, "-1 steps; want >= 0"},
		{"no mesh", func() error {
			none := func(context.Context, []float64) (*mesh.Mesh, error) { return nil, nil }
			_, _, _, err := m.Rollout(context.Background(), none, make([]float64, 81), 9, 1, false)
			return err
		}, "step 1: moving the mesh: the mover returned no mesh"},
		{"tangled mesh", func() error {
			tangled := func(context.Context, []float64) (*mesh.Mesh, error) {
				nodes := append([]float64(nil), msh.Nodes...)
				nodes[2*6], nodes[2*6+1] = nodes[2*18], nodes[2*18+1]+0.01 // node (1, 1) past node (3, 3)
				return msh.WithNodes(nodes)
			}
			_, _, _, err := m.Rollout(context.Background(), tangled, make([]float64, 81), 9, 1, false)
			return err
		}, "step 1: moving the mesh: mesh: "},
	} {
		if err := tc.err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one containing %q", tc.name, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := m.Rollout(ctx, move, make([]float64, 81), 9, 1, false); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled rollout: error %v; want context.Canceled", err)
	}
}

// TestRolloutOnTheMeshGrid: when the fine grid is the mesh's own node
// grid, sampling and interpolating back are exact, so a uniform rollout
// is the network's steps on the node values.
func TestRolloutOnTheMeshGrid(t *testing.T) {
	const n = 6
	m, err := New[float64](testConfig(n), tensor.NewRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	msh := warped(t, n, 0)
	u := analytic(msh.Nodes, fieldModes[1])
	move, err := Uniform(n)
	if err != nil {
		t.Fatal(err)
	}
	steps, _, _, err := m.Rollout(context.Background(), move, u, n, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range steps {
		if u, err = m.Step(msh, u); err != nil {
			t.Fatal(err)
		}
		for i := range u {
			if math.Abs(s.Fine[i]-u[i]) > 1e-12 || s.Nodes[i] != s.Fine[i] && math.Abs(s.Nodes[i]-s.Fine[i]) > 1e-12 {
				t.Fatalf("step %d, node %d: rollout %v (nodes %v); stepping by hand %v", k+1, i, s.Fine[i], s.Nodes[i], u[i])
			}
		}
	}
}

// warped is the n x n mesh of the unit square with interior nodes
// displaced by amp cells along a smooth field that keeps the boundary.
func warped(t *testing.T, n int, amp float64) *mesh.Mesh {
	t.Helper()
	m := warpedMesh(n, amp)
	if m == nil {
		t.Fatalf("warping a %d x %d mesh by %v cells failed", n, n, amp)
	}
	return m
}

// warpedMesh is warped without a test; nil when the mesh is invalid.
func warpedMesh(n int, amp float64) *mesh.Mesh {
	u, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil
	}
	h := 1 / float64(n-1)
	nodes := append([]float64(nil), u.Nodes...)
	for i := 0; i < len(nodes); i += 2 {
		x, y := nodes[i], nodes[i+1]
		s := amp * h * math.Sin(math.Pi*x) * math.Sin(math.Pi*y)
		nodes[i] += s * math.Sin(2*math.Pi*y)
		nodes[i+1] += s * math.Cos(math.Pi*x)
	}
	m, err := u.WithNodes(nodes)
	if err != nil {
		return nil
	}
	return m
}

// mode is a cos(pi p x) cos(pi q y), an eigenfunction of the Laplacian
// (eigenvalue -pi^2 (p^2 + q^2)) with zero normal derivative on the
// square's sides.
type mode struct{ a, p, q float64 }

var fieldModes = [][]mode{
	{{1, 1, 0}, {0.5, 1, 2}},
	{{0.8, 0, 1}, {-0.6, 2, 1}},
}

// analytic evaluates a sum of modes at points [P, 2].
func analytic(pts []float64, modes []mode) []float64 {
	out := make([]float64, len(pts)/2)
	for i := range out {
		for _, md := range modes {
			out[i] += md.a * math.Cos(math.Pi*md.p*pts[2*i]) * math.Cos(math.Pi*md.q*pts[2*i+1])
		}
	}
	return out
}

// heatStep is one explicit step of u_t = kappa Laplacian(u) from a sum of
// modes, exactly: each mode decays by exp(-kappa dt pi^2 (p^2 + q^2)).
func heatStep(pts []float64, modes []mode, kdt float64) []float64 {
	next := make([]mode, len(modes))
	for k, md := range modes {
		md.a *= math.Exp(-kdt * math.Pi * math.Pi * (md.p*md.p + md.q*md.q))
		next[k] = md
	}
	return analytic(pts, next)
}

// randomModes draws three modes with p, q in {0, 1, 2} (not both 0) and
// amplitudes uniform in [-1, 1].
func randomModes(r *tensor.RNG) []mode {
	out := make([]mode, 3)
	for k := range out {
		p, q := r.Intn(3), r.Intn(3)
		if p == 0 && q == 0 {
			q = 1 + r.Intn(2)
		}
		out[k] = mode{2*r.Float64() - 1, float64(p), float64(q)}
	}
	return out
}

// TestLearnsHeatStep trains the network on exact heat-equation steps of
// random mode sums, each on a differently warped mesh, and checks that
// on held-out fields and meshes it predicts the increment far better
// than persistence (u(t + dt) = u(t), relative error 1).
func TestLearnsHeatStep(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network for a few seconds")
	}
	const n, kdt = 8, 2e-3
	r := tensor.NewRNG(7)
	cfg := testConfig(n)
	cfg.Latent, cfg.Layers = 32, 3
	var acc StatsAccumulator
	type pair struct {
		msh     *mesh.Mesh
		u, next []float64
	}
	draw := func(count int) []pair {
		out := make([]pair, count)
		for i := range out {
			msh := warped(t, n, 0.6*(r.Float64()-0.5))
			md := randomModes(r)
			out[i] = pair{msh, analytic(msh.Nodes, md), heatStep(msh.Nodes, md, kdt)}
		}
		return out
	}
	train, test := draw(64), draw(16)
	for _, p := range train {
		if err := acc.Add(p.u, p.next); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if cfg.Stats, err = acc.Stats(); err != nil {
		t.Fatal(err)
	}
	m, err := New[float32](cfg, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	samples := make([]*Sample, len(train))
	for i, p := range train {
		if samples[i], err = m.NewSample(p.msh, p.u, p.next); err != nil {
			t.Fatal(err)
		}
	}
	opt := nn.NewAdam[float32](5e-3, 0)
	params := m.Params()
	for it := range 400 {
		batch := make([]*Sample, 4)
		for j := range batch {
			batch[j] = samples[r.Intn(len(samples))]
		}
		loss, err := m.Loss(batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		nn.ZeroGrad(params)
		if err := autograd.Backward(loss); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(params); err != nil {
			t.Fatalf("step %d: %v", it, err)
		}
	}
	var num, den float64
	for _, p := range test {
		got, err := m.Step(p.msh, p.u)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			num += (got[i] - p.next[i]) * (got[i] - p.next[i])
			den += (p.next[i] - p.u[i]) * (p.next[i] - p.u[i])
		}
	}
	rel := math.Sqrt(num / den)
	t.Logf("held-out increment error relative to persistence's: %.3f", rel)
	if rel > 0.3 {
		t.Errorf("held-out increment error %.3f of persistence's; want <= 0.3", rel)
	}
}

// TestLossBatchIsMeanOfPairs: the batch's one-graph loss equals the mean
// of the pairs' losses, and so do the gradients.
func TestLossBatchIsMeanOfPairs(t *testing.T) {
	m, err := New[float64](testConfig(6), tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(5)
	var batch []*Sample
	for range 3 {
		msh := warped(t, 6, 0.6*(r.Float64()-0.5))
		md := randomModes(r)
		s, err := m.NewSample(msh, analytic(msh.Nodes, md), heatStep(msh.Nodes, md, 1e-3))
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, s)
	}
	params := m.Params()
	lossAndGrads := func(b []*Sample) (float64, []float64) {
		nn.ZeroGrad(params)
		l, err := m.Loss(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := autograd.Backward(l); err != nil {
			t.Fatal(err)
		}
		var g []float64
		for _, p := range params {
			g = append(g, p.Var.Grad.Data()...)
		}
		return l.Value.Data()[0], g
	}
	whole, gw := lossAndGrads(batch)
	var mean float64
	gm := make([]float64, len(gw))
	for _, s := range batch {
		l, g := lossAndGrads([]*Sample{s})
		mean += l / 3
		for i := range g {
			gm[i] += g[i] / 3
		}
	}
	if math.Abs(whole-mean) > 1e-13*math.Abs(mean) {
		t.Errorf("batch loss %v; mean of the pairs' %v", whole, mean)
	}
	for i := range gw {
		if math.Abs(gw[i]-gm[i]) > 1e-12*(1+math.Abs(gm[i])) {
			t.Fatalf("gradient %d: batch %v, mean of the pairs' %v", i, gw[i], gm[i])
		}
	}
}

// TestFeaturesByHand checks the node and edge inputs on a 3 x 3 mesh
// with its centre node moved, against values written out by hand.
func TestFeaturesByHand(t *testing.T) {
	cfg := testConfig(3)
	cfg.Stats = Stats{Mean: 1, Std: 2, IncStd: 0.1}
	m, err := New[float64](cfg, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	base := warped(t, 3, 0)
	nodes := append([]float64(nil), base.Nodes...)
	nodes[8], nodes[9] = 0.6, 0.3 // node 4, the centre, from (0.5, 0.5)
	msh, err := base.WithNodes(nodes)
	if err != nil {
		t.Fatal(err)
	}
	u := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	g, err := m.Graph(msh)
	if err != nil {
		t.Fatal(err)
	}
	nf, ef := m.features(msh.Nodes, u, g)
	// Node 4: ((5 - 1) / 2, 2 * 0.6 - 1, 2 * 0.3 - 1).
	if got := nf.Value.Data()[12:15]; math.Abs(got[0]-2) > 1e-15 || math.Abs(got[1]-0.2) > 1e-15 || math.Abs(got[2]+0.4) > 1e-15 {
		t.Errorf("node 4 features %v; want [2 0.2 -0.4]", got)
	}
	// The edge from node 8 at (1, 1) into node 4, h = 1/2: ((9 - 5) / 2,
	// (1 - 0.6) / h, (1 - 0.3) / h, |.| / h) = (2, 0.8, 1.4, sqrt(0.8^2 + 1.4^2)).
	found := false
	for k := g.Offsets[4]; k < g.Offsets[4+1]; k++ {
		if g.Senders[k] != 8 {
			continue
		}
		found = true
		want := []float64{2, 0.8, 1.4, math.Hypot(0.8, 1.4)}
		for j, w := range want {
			if got := ef.Value.Data()[4*k+j]; math.Abs(got-w) > 1e-14 {
				t.Errorf("edge 8 -> 4 feature %d is %v; want %v", j, got, w)
			}
		}
	}
	if !found {
		t.Fatal("node 4 has no edge from node 8 among its 8 nearest")
	}
}

// TestRolloutOnAMovedMesh: the first step hands the mover the field on
// the uniform n x n grid and steps the field sampled at the mover's nodes;
// each later step hands it the prediction there (the mesh's interpolant)
// and, on a new mesh, steps the prediction carried to its nodes by the old
// mesh's interpolant; each prediction reaches the fine grid through the
// mesh's own Q1 interpolant, a periodic grid's copies reset from x = 0
// and y = 0.
func TestRolloutOnAMovedMesh(t *testing.T) {
	const n, fineN = 6, 13
	m, err := New[float64](testConfig(n), tensor.NewRNG(6))
	if err != nil {
		t.Fatal(err)
	}
	meshes := []*mesh.Mesh{warped(t, n, 0.4), warped(t, n, -0.3)}
	uniform := warped(t, n, 0)
	fine := analytic(warped(t, fineN, 0).Nodes, fieldModes[0])
	var seen [][]float64
	move := func(_ context.Context, coarse []float64) (*mesh.Mesh, error) {
		seen = append(seen, coarse)
		return meshes[(len(seen)-1)%2], nil
	}
	for _, periodic := range []bool{false, true} {
		seen = nil
		steps, moveSec, stepSec, err := m.Rollout(context.Background(), move, fine, fineN, 3, periodic)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 3 || len(steps) != 3 || !(moveSec >= 0) || !(stepSec > 0) {
			t.Fatalf("periodic %v: the mover saw %d fields, %d steps; seconds %v and %v", periodic, len(seen), len(steps), moveSec, stepSec)
		}
		coarse, _ := mesh.ToMesh(fine, fineN, 1, uniform)
		u, _ := mesh.ToMesh(fine, fineN, 1, meshes[0])
		for k, s := range steps {
			msh := meshes[k%2]
			equal(t, fmt.Sprintf("periodic %v, step %d: the mover's field", periodic, k+1), seen[k], coarse, 0)
			next, err := m.Step(msh, u)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, fmt.Sprintf("periodic %v, step %d: node values", periodic, k+1), s.Nodes, next, 0)
			loc, _ := mesh.NewLocator(msh)
			back, _ := mesh.FromMesh(loc, next, 1, fineN)
			if periodic {
				for i := range fineN {
					back[i*fineN+fineN-1] = back[i*fineN]
					back[(fineN-1)*fineN+i] = back[i]
				}
			}
			equal(t, fmt.Sprintf("periodic %v, step %d: the fine field", periodic, k+1), s.Fine, back, 1e-14)
			coarse, _ = loc.Interpolate(next, 1, uniform.Nodes)
			u, _ = loc.Interpolate(next, 1, meshes[(k+1)%2].Nodes)
		}
	}
}

// equal fails the test at the first entry where got and want differ by
// more than tol.
func equal(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values; want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s: entry %d is %v; want %v", what, i, got[i], want[i])
		}
	}
}

// TestLossNoise: training noise perturbs the inputs by NoiseStd x Std
// times the RNG's normal draws and aims at the clean next frame; the same
// perturbation given as the input, without noise, has the same loss.
func TestLossNoise(t *testing.T) {
	cfg := testConfig(5)
	cfg.NoiseStd, cfg.Stats.Std = 0.1, 2
	m, err := New[float64](cfg, tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	msh := warped(t, 5, 0.3)
	u := analytic(msh.Nodes, fieldModes[0])
	next := heatStep(msh.Nodes, fieldModes[0], 1e-3)
	s, err := m.NewSample(msh, u, next)
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := m.Loss([]*Sample{s}, tensor.NewRNG(9))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(9)
	perturbed := make([]float64, len(u))
	for i, v := range u {
		perturbed[i] = v + 0.2*r.Normal()
	}
	p, err := m.NewSample(msh, perturbed, next)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Loss([]*Sample{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := m.Loss([]*Sample{s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := noisy.Value.Data()[0], want.Value.Data()[0]; math.Abs(got-w) > 1e-12*w || math.Abs(got-clean.Value.Data()[0]) < 1e-3*w {
		t.Errorf("noisy loss %v; want %v (the loss on the perturbed inputs), apart from the clean %v", got, w, clean.Value.Data()[0])
	}
}
