package dmm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// cosineConfigs are small nets with a cosine trunk.
func cosineConfigs() map[string]Config {
	conv := Upstream().Scaled(0.125)
	conv.Input, conv.CosineModes = 12, 4
	return map[string]Config{
		"2d-conv": conv,
		"2d-mlp":  {Dim: 2, Branch: MLPBranch, Input: 5, BranchHidden: []int{7}, CosineModes: 3},
		"1d-mlp":  {Dim: 1, Branch: MLPBranch, Input: 4, BranchHidden: []int{6}, CosineModes: 5},
		"2d-skip": {Dim: 2, Branch: MLPBranch, Input: 6, BranchHidden: []int{3}, CosineModes: 4, BranchSkip: true},
		"2d-grid": {Dim: 2, Branch: GridBranch, Input: 6, Channels: [2]int{3}, GridDepth: 2, GridInputs: 2, CosineModes: 5},
	}
}

// lastLayer is the branch's last layer, which New starts at 0, and its
// skip.
func lastLayer(net *Net) []V {
	if net.Config.Branch == GridBranch {
		last := net.Conv[len(net.Conv)-1]
		return []V{last.W, last.B, net.GridSkip.W}
	}
	last := net.BMLP.Layers[len(net.BMLP.Layers)-1]
	vs := []V{last.W, last.B}
	if net.Skip != nil {
		vs = append(vs, net.Skip.W)
	}
	return vs
}

// randomizeLast draws the branch's last layer and skip.
func randomizeLast(net *Net, r *tensor.RNG) {
	vs := lastLayer(net)
	for _, v := range vs {
		for i := range v.Value.Data() {
			v.Value.Data()[i] = r.Normal()
		}
	}
}

// TestCosineTrunk: with a cosine trunk phi starts at 0 (the identity map)
// and its parameters are the branch's alone; the jets agree with double
// autograd (values, derivatives and the loss's parameter gradient); the
// Neumann condition holds exactly, so the boundary term is 0 to rounding;
// and a single mode is the closed form.
func TestCosineTrunk(t *testing.T) {
	for name, cfg := range cosineConfigs() {
		t.Run(name, func(t *testing.T) {
			net, err := New(cfg, tensor.NewRNG(3))
			if err != nil {
				t.Fatal(err)
			}
			if want := pow(cfg.CosineModes, cfg.Dim) - 1; net.Config.Latent != want || net.Trunk != nil || net.Head != nil {
				t.Fatalf("Latent %d, trunk %v, head %v; want %d modes and no trunk or head", net.Config.Latent, net.Trunk, net.Head, want)
			}
			for _, p := range net.Params() {
				if p.Name[:6] != "branch" {
					t.Fatalf("parameter %s outside the branch", p.Name)
				}
			}
			fields := randomFields(t, net, 3, tensor.NewRNG(4))
			opt := LossOptions{Interior: 7, Candidates: 40, BoundaryPerSide: 3, BoundaryWeight: 1000, ConvexWeight: 1}
			xi, err := net.points(fields, opt, tensor.NewRNG(5))
			if err != nil {
				t.Fatal(err)
			}
			feat := net.Branch(autograd.Const(branchBatch(fields)))
			dv, err := net.Derivatives(feat, xi, Jets)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(dv.Phi.Value, nil); d != 0 {
				t.Fatalf("phi = %g at init; want 0", d)
			}
			randomizeLast(net, tensor.NewRNG(6))
			feat = net.Branch(autograd.Const(branchBatch(fields)))
			worst, pg, _ := jetsVsDoubleAutograd(t, net, fields, feat, xi, opt, 7, func(m Method, parts *Parts) {
				if b := parts.Boundary.Value.Item(); b > 1e-28 {
					t.Fatalf("%v: boundary term %g; want 0 (exact Neumann)", m, b)
				}
			})
			t.Logf("max |jets - double autograd|: derivatives %.2e, parameter gradient %.2e", worst, pg)
			if worst > 1e-10 || pg > 1e-10 {
				t.Fatalf("derivatives differ by %g, parameter gradients by %g; want <= 1e-10", worst, pg)
			}
		})
	}
	// One mode, (k1, k2) = (1, 2) in 2-D: phi = c cos(pi x) cos(2 pi y) / (5 pi^2).
	k1, k2, scale := cosineModes(3, 2)
	m := 4 // row by row without (0, 0): (0,1) (0,2) (1,0) (1,1) (1,2)
	if k1[m] != 1 || k2[m] != 2 || math.Abs(scale[m]-1/(5*math.Pi*math.Pi)) > 1e-17 || len(scale) != 8 {
		t.Fatalf("modes %v %v %v; want (1, 2) at 4 of 8 with 1/(5 pi^2)", k1, k2, scale)
	}
	j := cosineJets(tensor.FromSlice([]float64{0.3, 0.7}, 1, 1, 2), 3, 2)
	x, y := 0.3, 0.7
	want := []float64{math.Cos(math.Pi*x) * math.Cos(2*math.Pi*y), -math.Pi * math.Sin(math.Pi*x) * math.Cos(2*math.Pi*y),
		-2 * math.Pi * math.Cos(math.Pi*x) * math.Sin(2*math.Pi*y), -math.Pi * math.Pi * math.Cos(math.Pi*x) * math.Cos(2*math.Pi*y),
		2 * math.Pi * math.Pi * math.Sin(math.Pi*x) * math.Sin(2*math.Pi*y), -4 * math.Pi * math.Pi * math.Cos(math.Pi*x) * math.Cos(2*math.Pi*y)}
	for e, w := range want {
		if got := j.Data()[e*8+m]; math.Abs(got-w*scale[m]) > 1e-15 {
			t.Fatalf("jet entry %d: %g; want %g", e, got, w*scale[m])
		}
	}
	conv := cosineConfigs()["2d-conv"]
	conv.BranchSkip = true
	if _, err := New(conv, tensor.NewRNG(1)); err == nil {
		t.Error("BranchSkip on a ConvBranch accepted")
	}
	bad := cosineConfigs()["2d-mlp"]
	for _, k := range []int{-1, 1, maxCosineModes + 1} {
		bad.CosineModes = k
		if _, err := New(bad, tensor.NewRNG(1)); err == nil {
			t.Errorf("CosineModes %d accepted", k)
		}
	}
}
