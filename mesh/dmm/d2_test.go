package dmm

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/solvers/burgers2d"
	"github.com/surrogo/surrogo/tensor"
)

// d2Env reads the D2 harness's settings from the environment.
type d2Env struct{}

func (d2Env) f(k string, d float64) float64 { return envF(k, d) }
func (e d2Env) i(k string, d int) int       { return int(e.f(k, float64(d))) }

// d2Burgers returns every frame (Frames of them) of Burgers samples
// first..first+count-1 (seed 1) on the solver's N x N periodic grid,
// cached under dir (generation dominates a small run).
func d2Burgers(t *testing.T, p burgers2d.Params, first, count int, dir string) [][][]float64 {
	t.Helper()
	name := filepath.Join(dir, fmt.Sprintf("burgers-nu%g-N%d-T%g-F%d-s%d-%d.gob", p.Nu, p.N, p.TEnd, p.Frames, first, count))
	var out [][][]float64
	if f, err := os.Open(name); err == nil {
		defer f.Close()
		if gob.NewDecoder(f).Decode(&out) == nil && len(out) == count {
			return out
		}
	}
	s, err := burgers2d.New(p)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range count {
		fs, err := s.Generate(context.Background(), 1, first+i)
		if err != nil {
			t.Fatal(err)
		}
		var frames [][]float64
		for _, fr := range fs {
			frames = append(frames, fr.U)
		}
		out = append(out, frames)
	}
	t.Logf("generated %d Burgers samples (%d frames) in %.1f s", count, p.Frames, time.Since(start).Seconds())
	if err := os.MkdirAll(dir, 0o755); err == nil {
		if f, err := os.Create(name + ".tmp"); err == nil {
			if gob.NewEncoder(f).Encode(out) == nil && f.Close() == nil {
				_ = os.Rename(name+".tmp", name)
			}
		}
	}
	return out
}

// d2Field builds the training sample of u (n x n nodes) with branch input
// kind bin: 0 the field, 1 the monitor m / theta, 2 log m.
func d2Field(t *testing.T, u []float64, n int, beta float64, bin int) Field {
	t.Helper()
	f, err := NewField2D(u, n, beta)
	if err != nil {
		t.Fatal(err)
	}
	switch bin {
	case 0:
		return f
	case 1:
		return f.MonitorBranch()
	case 3:
		g := f.MonitorBranch()
		for k := range g.Branch {
			g.Branch[k]--
		}
		return g
	}
	b := make([]float64, len(f.Monitor))
	for k, m := range f.Monitor {
		b[k] = math.Log(m)
	}
	g, err := NewField(b, f.Monitor, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// d2Judge is the classical mesh of a held-out field and what the net is
// compared with.
type d2Judge struct {
	u   []float64
	f   Field
	mon *monge.Monitor
	ref *mesh.Mesh
	cv  float64 // classical CV
	ucv float64 // uniform CV
	ud  float64 // uniform mesh's distance to the classical, cells
}

// d2Measure is the mean over judged fields.
type d2Measure struct {
	dist, udist, cv, rcv, ucv, drift float64
	tangled                          int
}

func (m d2Measure) String() string {
	return fmt.Sprintf("dist %.3f cells (uniform %.3f, ratio %.2f) CV %.3f (classical %.3f, ratio %.2f; uniform %.3f) tangled %d drift %.2g",
		m.dist, m.udist, m.dist/m.udist, m.cv, m.rcv, m.cv/m.rcv, m.ucv, m.tangled, m.drift)
}

func d2Judges(t *testing.T, us [][]float64, n int, beta float64, bin int) []d2Judge {
	t.Helper()
	uni, _ := mesh.StructuredQuad(n, n)
	var out []d2Judge
	for _, u := range us {
		mon, err := monge.GradientMonitor(u, n, beta)
		if err != nil {
			t.Fatal(err)
		}
		res, err := monge.Move(context.Background(), n, mon, monge.Options{Method: monge.Relaxation, Tol: 1e-6})
		if err != nil {
			t.Fatal(err)
		}
		e, _, _ := monge.Quality(res.Mesh, mon)
		eu, _, _ := monge.Quality(uni, mon)
		out = append(out, d2Judge{u: u, f: d2Field(t, u, n, beta, bin), mon: mon, ref: res.Mesh, cv: e.CV, ucv: eu.CV,
			ud: meanDist(uni, res.Mesh) * float64(n-1)})
	}
	return out
}

func d2Eval(t *testing.T, net *Net, js []d2Judge, n int) d2Measure {
	var m d2Measure
	k := float64(len(js))
	for _, j := range js {
		mr, err := net.MeshFor(j.f, n)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := mr.Mesh.FirstInverted(); c >= 0 {
			m.tangled++
		}
		e, _, _ := monge.Quality(mr.Mesh, j.mon)
		m.dist += meanDist(mr.Mesh, j.ref) * float64(n-1) / k
		m.udist += j.ud / k
		m.cv += e.CV / k
		m.rcv += j.cv / k
		m.ucv += j.ucv / k
		m.drift = math.Max(m.drift, mr.Drift)
	}
	return m
}

// TestD2 is issue 18's D2 harness: a DMM trained on the Monge-Ampere
// residual of many Burgers fields, judged on held-out fields against
// monge.Move's meshes. Settings from the environment (DMM_D2=1 to run).
func TestD2(t *testing.T) {
	if os.Getenv("DMM_D2") == "" {
		t.Skip("D2 harness: set DMM_D2=1")
	}
	e := d2Env{}
	n, beta, bin := e.i("N", 12), e.f("BETA", 2), e.i("BIN", 0)
	p := burgers2d.Params{Nu: e.f("NU", 2e-3), N: e.i("SOLVERN", 32), Dt: 0.01, TEnd: e.f("TEND", 2), Frames: e.i("FRAMES", 3),
		ICAlpha: 3, ICTau: 5, ICStd: 0.1}
	cache := "/tmp/d2/cache"
	ntr, nte, nval := e.i("NTRAIN", 16), e.i("NTEST", 4), e.i("NVAL", 0)
	first := e.i("FIRSTFRAME", 0)
	toN := func(samples [][][]float64, from int) [][]float64 {
		var out [][]float64
		for _, fr := range samples {
			for _, u := range fr[from:] {
				out = append(out, resample(u, p.N, n))
			}
		}
		return out
	}
	trainU := toN(d2Burgers(t, p, 0, ntr, cache), first)
	testU := toN(d2Burgers(t, p, 100000, nte, cache), 1)
	var fields []Field
	for _, u := range trainU {
		fields = append(fields, d2Field(t, u, n, beta, bin))
	}
	var val []Field
	if nval > 0 {
		for _, u := range toN(d2Burgers(t, p, 200000, nval, cache), 1) {
			val = append(val, d2Field(t, u, n, beta, bin))
		}
	}
	start := time.Now()
	tests := d2Judges(t, testU, n, beta, bin)
	trainJ := d2Judges(t, trainU[:min(8, len(trainU))], n, beta, bin)
	t.Logf("%d training fields, %d held-out, %d validation; classical meshes %.1f s", len(fields), len(tests), len(val), time.Since(start).Seconds())

	c := Upstream().Scaled(e.f("SCALE", 0.25))
	c.Input, c.CenterTrunk, c.TrunkInit = n, true, e.f("TRUNKW", 5)
	c.TrunkHidden = []int{e.i("TRUNKH", 32)}
	c.StandardizeBranch = e.f("STD", 1) == 1
	if h := e.i("HEADH", 0); h > 0 {
		c.HeadHidden = []int{h}
	}
	if l := e.i("LAT", 0); l > 0 {
		c.Latent = l
	}
	if bh := e.i("BH", 0); bh > 0 {
		c.BranchHidden = []int{bh}
		if bh2 := e.i("BH2", 0); bh2 > 0 {
			c.BranchHidden = append(c.BranchHidden, bh2)
		}
	}
	c.CosineModes = e.i("COSINE", 0)
	c.BranchSkip = e.i("SKIP", 0) == 1
	if e.i("MLPB", 0) == 1 {
		c.Branch = MLPBranch
		c.Input = n * n
	}
	if g := e.i("GRID", 0); g > 0 {
		c.Branch, c.Input, c.GridDepth, c.GridInputs = GridBranch, n, g, 1
		c.Channels[0] = e.i("GRIDW", 16)
		c.StandardizeBranch = false
		if c.CosineModes == 0 {
			c.CosineModes = n
		}
		if it := e.i("ITER", 0); it > 0 {
			c.GridInputs, c.Iterations = 2, it
		}
	}
	net, err := New(c, tensor.NewRNG(uint64(e.i("SEED", 1))))
	if err != nil {
		t.Fatal(err)
	}
	if w := e.f("SKIPINIT", 0); w != 0 && net.GridSkip != nil {
		net.GridSkip.W.Value.Fill(w)
		t.Logf("skip %g, untrained: held-out %v", w, d2Eval(t, net, tests, n))
	}
	lo := DefaultLoss()
	lo.Interior = e.i("COLLOC", 48)
	lo.Candidates = 40 * lo.Interior
	lo.UniformFraction = e.f("UF", 1)
	lo.BoundaryPerSide = e.i("BPS", 30)
	batch := e.i("BATCH", 8)
	opt := TrainOptions{Loss: lo, Batch: batch, Epochs: e.i("EPOCHS", 50), BatchesPerEpoch: e.i("BPE", max(1, len(fields)/batch)),
		LR: e.f("LR", 1e-3), WeightDecay: e.f("WD", 0), Seed: 1, LBFGSIters: e.i("LBFGS", 0), ClipNorm: e.f("CLIP", 0),
		Augment: Augment{Symmetries: e.i("AUGSYM", 0) == 1, Sign: e.i("AUGSIGN", 0) == 1, Scale: e.f("AUGSCALE", 0)}, Pool: e.i("POOL", 0), NodeLoss: e.i("NODELOSS", 0) == 1}
	if s := e.i("STEP", 0); s > 0 {
		for ep := s; ep < opt.Epochs; ep += s {
			opt.Milestones = append(opt.Milestones, ep)
		}
		opt.Gamma = e.f("GAMMA", 0.3)
	}
	phases, err := net.Phases(fields, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Validation: the loss at fixed points of held-out fields (data-free),
	// the best epoch's parameters kept.
	var valXi *tensor.Tensor[float64]
	if len(val) > 0 {
		vlo := lo
		vlo.Interior, vlo.Candidates = 200, 200
		if valXi, err = net.points(val, vlo, tensor.NewRNG(99)); err != nil {
			t.Fatal(err)
		}
	}
	params := net.Params()
	best, bestEp := math.Inf(1), 0
	var bestVals [][]float64
	every := e.i("EVERY", 10)
	tr := &nn.Trainer[float64]{Params: params, Phases: phases, Seed: 1, EvalEvery: every,
		Evaluate: func(_ context.Context, ep int) (map[string]float64, error) {
			out := map[string]float64{}
			if len(val) > 0 {
				vlo := lo
				vlo.Interior = 200
				var p *Parts
				var err error
				autograd.NoGrad(func() { p, err = net.lossAt(val, valXi, vlo) })
				if err != nil {
					return nil, err
				}
				v := p.Total.Value.Item()
				out["val"] = v
				if v < best {
					best, bestEp = v, ep+1
					bestVals = bestVals[:0]
					for _, q := range params {
						bestVals = append(bestVals, append([]float64(nil), q.Var.Value.Data()...))
					}
				}
			}
			m := d2Eval(t, net, tests, n)
			out["dist"], out["cv"] = m.dist, m.cv
			if net.Config.Iterations > 0 {
				trace := make([]float64, net.Config.Iterations+1)
				for _, j := range tests {
					_, rms, err := net.iterate(j.f)
					if err != nil {
						return nil, err
					}
					for k, v := range rms {
						trace[k] += v / float64(len(tests))
					}
				}
				t.Logf("held-out residual rms per step: %.3g", trace)
			}
			return out, nil
		},
		Report: func(r nn.EpochReport) {
			if r.Metrics != nil {
				t.Logf("epoch %d %s loss %.4g val %.4g held-out dist %.3f CV %.3f (%.0f s)", r.Epoch, r.Phase, r.TrainLoss, r.Metrics["val"],
					r.Metrics["dist"], r.Metrics["cv"], time.Since(start).Seconds())
			}
		}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(e.f("MAXSEC", 1e6)*float64(time.Second)))
	defer cancel()
	start = time.Now()
	res, err := tr.Run(ctx)
	var intr *nn.Interrupted
	if err != nil && !errors.As(err, &intr) {
		t.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	last := d2Eval(t, net, tests, n)
	t.Logf("LAST (%.0f s, loss %.4g): held-out %v", secs, finalLoss(res), last)
	t.Logf("LAST training fields: %v", d2Eval(t, net, trainJ, n))
	if bestVals != nil {
		for i, q := range params {
			copy(q.Var.Value.Data(), bestVals[i])
		}
		t.Logf("BEST val epoch %d (val %.4g): held-out %v", bestEp, best, d2Eval(t, net, tests, n))
	}
	for stage := 2; stage <= e.i("STAGES", 1); stage++ {
		c2 := c
		c2.Input = len(fields[0].Branch) + n*n
		c2.StandardizeBranch = false
		c2.Branch = MLPBranch
		if bh := e.i("BHC", 0); bh > 0 {
			c2.BranchHidden = []int{bh}
		}
		if k := e.i("COSINEC", 0); k > 0 {
			c2.CosineModes = k
		}
		if c.Branch == GridBranch {
			c2.Branch, c2.Input, c2.GridInputs = GridBranch, n, 2
		}
		corr, err := New(c2, tensor.NewRNG(uint64(10+stage)))
		if err != nil {
			t.Fatal(err)
		}
		if err := corr.SetBase(net); err != nil {
			t.Fatal(err)
		}
		o2 := opt
		o2.Epochs = e.i("EPOCHSC", opt.Epochs)
		o2.LR = e.f("LRC", opt.LR)
		o2.Milestones = nil
		if s := e.i("STEPC", 0); s > 0 {
			for ep := s; ep < o2.Epochs; ep += s {
				o2.Milestones = append(o2.Milestones, ep)
			}
		}
		o2.Report = func(r nn.EpochReport) {
			if r.Epoch%every == 0 {
				t.Logf("stage %d epoch %d loss %.4g held-out %v (%.0f s)", stage, r.Epoch, r.TrainLoss, d2Eval(t, corr, tests, n), time.Since(start).Seconds())
			}
		}
		start = time.Now()
		r2, err := corr.Train(context.Background(), fields, o2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("STAGE %d (%.0f s, loss %.4g): held-out %v", stage, time.Since(start).Seconds(), finalLoss(r2), d2Eval(t, corr, tests, n))
		t.Logf("STAGE %d training fields: %v", stage, d2Eval(t, corr, trainJ, n))
		net = corr
	}
}

func finalLoss(r *nn.TrainResult) float64 {
	if r == nil {
		return math.NaN()
	}
	return r.Final.TrainLoss
}
