package dmm

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/tensor"
)

// iterConfig is a small iterated net on an n x n grid.
func iterConfig(n, steps int) Config {
	return Config{Dim: 2, Branch: GridBranch, Input: n, Channels: [2]int{6}, GridDepth: 2, GridInputs: 2, CosineModes: n, Iterations: steps}
}

// TestIteratedStep: an untrained iterated net is the identity map; with
// the skip's residual weight w and the convolutions at 0 its steps are
// c_{t+1} = c_t + w DCT(log(1 + r(c_t))) (checked by hand for two
// steps), the first from r = m / theta - 1; of the states the one with
// the least residual is returned.
func TestIteratedStep(t *testing.T) {
	n := 10
	f, err := NewField2D(asymField(n), n, 2)
	if err != nil {
		t.Fatal(err)
	}
	f = f.MonitorBranch()
	net, err := New(iterConfig(n, 2), tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if c, _, err := net.iterate(f); err != nil || maxAbs(c) != 0 {
		t.Fatalf("untrained: coefficients max %g, %v; want the identity's 0", maxAbs(c), err)
	}
	net.GridSkip.W.Value.Data()[1] = 0.3
	d := dctProjection(n, n).Data()
	step := func(c []float64) []float64 {
		res := residualAt(f, cosineGrid(c, n, n))
		out := append([]float64(nil), c...)
		for a := range n {
			for b := range n {
				if a == 0 && b == 0 {
					continue
				}
				s := 0.0
				for i := range n {
					for j := range n {
						s += d[a*n+i] * d[b*n+j] * 0.3 * math.Log(1+res[i*n+j])
					}
				}
				out[a*n+b-1] += s
			}
		}
		return out
	}
	want := step(step(make([]float64, n*n-1)))
	got, rms, err := net.iterate(f)
	if err != nil {
		t.Fatal(err)
	}
	for m := range want {
		if math.Abs(got[m]-want[m]) > 1e-12 {
			t.Fatalf("mode %d after 2 steps: %g; want %g", m, got[m], want[m])
		}
	}
	if len(rms) != 3 || !(rms[2] < rms[1] && rms[1] < rms[0]) {
		t.Fatalf("residual rms per state %v; want 3 states, falling (a damped relaxation step)", rms)
	}
	// The wrong sign makes the residual grow: the identity is returned.
	net.GridSkip.W.Value.Data()[1] = -0.3
	if got, rms, err = net.iterate(f); err != nil || maxAbs(got) != 0 || !(rms[2] > rms[0]) {
		t.Fatalf("growing residual %v: coefficients max %g, %v; want the identity's 0", rms, maxAbs(got), err)
	}
	first := residualAt(f, cosineGrid(make([]float64, n*n-1), n, n))
	for q, v := range first {
		if math.Abs(v-(f.Branch[q]-1)) > 1e-14 {
			t.Fatalf("node %d: the identity's residual %g; want m / theta - 1 = %g", q, v, f.Branch[q]-1)
		}
	}
}

// maxAbs is max |v|.
func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// TestIteratedLearns: trained data-free on 12 fronts for 240 steps, the
// iterated net's meshes of held-out fronts equidistribute their monitors
// better than the uniform mesh, untangled with the boundary on the
// boundary, and lie closer to the classical mover's meshes than the
// uniform mesh does (measured 0.149 and 0.188 cells against 1.165 and
// 1.370; CV 0.158 and 0.168 against the classical 0.095 and 0.118).
func TestIteratedLearns(t *testing.T) {
	n, beta := 10, 3.0
	front := func(s float64) []float64 {
		u := make([]float64, n*n)
		for i := range n {
			for j := range n {
				x, y := float64(i)/float64(n-1), float64(j)/float64(n-1)
				u[i*n+j] = math.Tanh((x + s*y - 0.3 - 0.4*s) / 0.15)
			}
		}
		return u
	}
	var train []Field
	for i := range 12 {
		f, err := NewField2D(front(-0.8+0.14*float64(i)), n, beta)
		if err != nil {
			t.Fatal(err)
		}
		train = append(train, f.MonitorBranch())
	}
	net, err := New(iterConfig(n, 4), tensor.NewRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	lo := DefaultLoss()
	lo.Interior, lo.Candidates, lo.UniformFraction, lo.BoundaryPerSide = 60, 60, 1, 2
	if _, err := net.Train(context.Background(), train, TrainOptions{Loss: lo, Batch: 4, Epochs: 40, BatchesPerEpoch: 6, LR: 3e-3, ClipNorm: 1,
		Seed: 1, Augment: Augment{Symmetries: true}}); err != nil {
		t.Fatal(err)
	}
	uni, _ := mesh.StructuredQuad(n, n)
	for _, s := range []float64{-0.5, 0.33} {
		u := front(s)
		f, err := NewField2D(u, n, beta)
		if err != nil {
			t.Fatal(err)
		}
		res, err := net.MeshFor(f.MonitorBranch(), n)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := res.Mesh.FirstInverted(); c >= 0 || res.Drift > 1e-12 {
			t.Fatalf("held-out front %g: cell %d inverted, drift %g", s, c, res.Drift)
		}
		mon, err := monge.GradientMonitor(u, n, beta)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := monge.Move(context.Background(), n, mon, monge.Options{Method: monge.Relaxation, Tol: 1e-6})
		if err != nil {
			t.Fatal(err)
		}
		q, _, _ := monge.Quality(res.Mesh, mon)
		qu, _, _ := monge.Quality(uni, mon)
		qr, _, _ := monge.Quality(ref.Mesh, mon)
		dist, udist := meanDist(res.Mesh, ref.Mesh)*float64(n-1), meanDist(uni, ref.Mesh)*float64(n-1)
		t.Logf("front %g: %.3f cells from the classical mesh (uniform %.3f), CV %.3f (classical %.3f, uniform %.3f)", s, dist, udist, q.CV, qr.CV, qu.CV)
		if !(q.CV < 0.3*qu.CV) || !(dist < 0.2*udist) {
			t.Errorf("front %g: CV %.3f (uniform %.3f), %.3f cells from the classical mesh (uniform %.3f); want below 0.3x and 0.2x the uniform mesh's",
				s, q.CV, qu.CV, dist, udist)
		}
	}
}

// TestIteratedRefuses: an iterated net needs a two-input GridBranch, no
// base, Adam alone and no augmentation beyond the symmetries.
func TestIteratedRefuses(t *testing.T) {
	for name, c := range map[string]Config{
		"mlp branch":   {Dim: 2, Branch: MLPBranch, Input: 200, BranchHidden: []int{4}, CosineModes: 4, Iterations: 3},
		"one input":    {Dim: 2, Branch: GridBranch, Input: 8, Channels: [2]int{4}, GridDepth: 1, GridInputs: 1, CosineModes: 8, Iterations: 3},
		"negative":     func() Config { c := iterConfig(8, 3); c.Iterations = -1; return c }(),
		"past the cap": func() Config { c := iterConfig(8, 3); c.Iterations = maxIterations + 1; return c }(),
	} {
		if _, err := New(c, tensor.NewRNG(1)); err == nil || !strings.Contains(err.Error(), "Iterations") {
			t.Errorf("%s: error %v; want Iterations refused", name, err)
		}
	}
	net, _ := New(iterConfig(8, 3), tensor.NewRNG(1))
	other, _ := New(iterConfig(8, 3), tensor.NewRNG(2))
	if err := net.SetBase(other); err == nil || !strings.Contains(err.Error(), "takes no base") {
		t.Errorf("a base for an iterated net: %v", err)
	}
	plain, _ := New(Config{Dim: 2, Branch: GridBranch, Input: 8, Channels: [2]int{4}, GridDepth: 1, GridInputs: 2, CosineModes: 8}, tensor.NewRNG(3))
	if err := plain.SetBase(net); err == nil || !strings.Contains(err.Error(), "is not a base") {
		t.Errorf("an iterated net as a base: %v", err)
	}
	f, _ := NewField2D(asymField(8), 8, 2)
	f = f.MonitorBranch()
	lo := DefaultLoss()
	noEdge := lo
	noEdge.BoundaryPerSide = 0
	for name, tc := range map[string]struct {
		net  *Net
		o    TrainOptions
		want string
	}{
		"l-bfgs":             {net, TrainOptions{Loss: lo, Batch: 1, Epochs: 1, BatchesPerEpoch: 1, LR: 1e-3, LBFGSIters: 3}, "LBFGSIters = 3"},
		"sign":               {net, TrainOptions{Loss: lo, Batch: 1, Epochs: 1, BatchesPerEpoch: 1, LR: 1e-3, Augment: Augment{Sign: true}}, "Symmetries only"},
		"pool":               {net, TrainOptions{Loss: lo, Batch: 2, Epochs: 1, BatchesPerEpoch: 1, LR: 1e-3, Pool: 1}, "Pool = 1"},
		"no boundary points": {net, TrainOptions{Loss: noEdge, Batch: 1, Epochs: 1, BatchesPerEpoch: 1, LR: 1e-3, NodeLoss: true}, "BoundaryPerSide 0"},
		"pool, not iterated": {plain, TrainOptions{Loss: lo, Batch: 1, Epochs: 1, BatchesPerEpoch: 1, LR: 1e-3, NodeLoss: true}, "NodeLoss = true"},
	} {
		fs := []Field{f}
		if tc.net == plain {
			g := f
			g.Branch = append(slices.Clone(f.Branch), make([]float64, 64)...)
			fs = []Field{g}
		}
		if _, err := tc.net.Train(context.Background(), fs, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want it to contain %q", name, err, tc.want)
		}
	}
	var err error
	autograd.NoGrad(func() { _, err = net.Loss([]Field{f}, lo, tensor.NewRNG(1)) })
	if err == nil || !strings.Contains(err.Error(), "iterated") {
		t.Errorf("Loss of an iterated net: %v; want it refused", err)
	}
	if _, err := net.Mesh(append(slices.Clone(f.Branch), f.Branch...), 8); err == nil || !strings.Contains(err.Error(), "use MeshFor") {
		t.Errorf("Mesh of an iterated net: %v; want MeshFor named", err)
	}
	g := f
	g.Branch, g.Monitor, g.N = f.Branch[:7], make([]float64, 9), 3 // 7 + 9 values: 2 x 8^2 would not fit either
	for k := range g.Monitor {
		g.Monitor[k] = 1
	}
	if _, err := net.MeshFor(g, 8); err == nil || !strings.Contains(err.Error(), "the net wants") {
		t.Errorf("a 3 x 3 field for an 8 x 8 net: %v", err)
	}
	g.Branch = make([]float64, 119) // lengths that add up (119 + 3^2 = 2 x 8^2), grids that do not
	for k := range g.Branch {
		g.Branch[k] = 1
	}
	if _, err := net.MeshFor(g, 8); err == nil || !strings.Contains(err.Error(), "reads 8 x 8 node fields") {
		t.Errorf("a 3 x 3 field with 128 branch values for an 8 x 8 net: %v", err)
	}
}

// TestIteratedSmallestGrid: a 3 x 3 grid, the least the 5 x 5
// convolutions' reflection padding allows, iterates and moves a mesh.
func TestIteratedSmallestGrid(t *testing.T) {
	net, err := New(iterConfig(3, 2), tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	randomizeLast(net, tensor.NewRNG(2))
	for _, v := range lastLayer(net) {
		for i := range v.Value.Data() {
			v.Value.Data()[i] *= 0.01
		}
	}
	f, err := NewField(make([]float64, 9), []float64{1, 1, 1, 1, 3, 1, 1, 1, 1}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := net.MeshFor(f.MonitorBranch(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := res.Mesh.FirstInverted(); c >= 0 || res.Drift > 1e-12 {
		t.Fatalf("cell %d inverted, drift %g", c, res.Drift)
	}
}

// TestNodeDerivs: the separable derivatives at the nodes (and the jets at
// the boundary points after them) equal the jets at the same points,
// values and the gradient of a functional of them.
func TestNodeDerivs(t *testing.T) {
	n, k := 7, 5
	net, err := New(Config{Dim: 2, Branch: GridBranch, Input: n, Channels: [2]int{2}, GridDepth: 1, GridInputs: 2, CosineModes: k, Iterations: 1},
		tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(2)
	c := tensor.New[float64](2, k*k-1)
	for i := range c.Data() {
		c.Data()[i] = r.Normal()
	}
	xi := nodePoints(2, n, LossOptions{BoundaryPerSide: 3})
	var dvs [2]*Derivs
	var grads [2]*tensor.Tensor[float64]
	for i := range dvs {
		p := autograd.Param(c.Clone())
		if i == 0 {
			dvs[i] = net.nodeDerivs(p, xi, n)
		} else {
			dvs[i] = net.cosineDerivs(p, xi)
		}
		if err := autograd.Backward(functional(dvs[i], tensor.NewRNG(3))); err != nil {
			t.Fatal(err)
		}
		grads[i] = p.Grad
	}
	worst := maxDiff(dvs[0].Phi.Value, dvs[1].Phi.Value)
	for q := range 2 {
		worst = math.Max(worst, maxDiff(dvs[0].Grad[q].Value, dvs[1].Grad[q].Value))
	}
	for q := range 3 {
		worst = math.Max(worst, maxDiff(dvs[0].Hess[q].Value, dvs[1].Hess[q].Value))
	}
	if g := maxDiff(grads[0], grads[1]); worst > 1e-12 || g > 1e-12 {
		t.Fatalf("separable vs jets: derivatives differ by %g, gradients by %g; want <= 1e-12", worst, g)
	}
}
