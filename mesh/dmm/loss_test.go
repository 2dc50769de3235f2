package dmm

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/tensor"
)

// zeroNet sets the head's last layer to 0, so phi = 0 (the identity map).
func zeroNet(net *Net) {
	last := net.Head.Layers[len(net.Head.Layers)-1]
	for _, v := range []V{last.W, last.B} {
		d := v.Value.Data()
		for i := range d {
			d[i] = 0
		}
	}
}

// TestIdentityLossZero: phi = 0 with a constant monitor has loss exactly 0;
// with a varying one only the interior term is positive.
func TestIdentityLossZero(t *testing.T) {
	for name, cfg := range smallConfigs() {
		t.Run(name, func(t *testing.T) {
			net, err := New(cfg, tensor.NewRNG(1))
			if err != nil {
				t.Fatal(err)
			}
			zeroNet(net)
			n := 9 // spacing 1/8: theta is exact in floating point
			m := make([]float64, pow(n, cfg.Dim))
			for i := range m {
				m[i] = 3.5
			}
			u := make([]float64, net.branchLen())
			f, err := NewField(u, m, n, cfg.Dim)
			if err != nil {
				t.Fatal(err)
			}
			for k, meth := range []Method{Jets, DoubleAutograd, Jets} {
				opt := DefaultLoss()
				opt.Interior, opt.Candidates, opt.Method = 10, 50, meth
				if k == 2 {
					opt.Residual, opt.UniformFraction = Inverse, 0.5
				}
				p, err := net.Loss([]Field{f, f}, opt, tensor.NewRNG(2))
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range []V{p.Total, p.Interior, p.Boundary, p.Convex} {
					if v.Value.Item() != 0 {
						t.Fatalf("%v: loss parts %g %g %g %g; want exactly 0", meth, p.Total.Value.Item(), p.Interior.Value.Item(), p.Boundary.Value.Item(), p.Convex.Value.Item())
					}
				}
			}
		})
	}
}

// TestLossGradient checks d loss / d theta against central differences for
// a few parameters of every part of the network.
func TestLossGradient(t *testing.T) {
	for name, cfg := range smallConfigs() {
		t.Run(name, func(t *testing.T) {
			net, err := New(cfg, tensor.NewRNG(7))
			if err != nil {
				t.Fatal(err)
			}
			stretch(net, 40)
			fields := randomFields(t, net, 2, tensor.NewRNG(8))
			opt := LossOptions{Interior: 6, Candidates: 30, BoundaryPerSide: 3, BoundaryWeight: 1000, ConvexWeight: 1}
			if cfg.CenterTrunk {
				opt.Residual, opt.UniformFraction = Inverse, 0.5
			}
			loss := func() (V, error) {
				p, err := net.Loss(fields, opt, tensor.NewRNG(9))
				if err != nil {
					return nil, err
				}
				return p.Total, nil
			}
			l, err := loss()
			if err != nil {
				t.Fatal(err)
			}
			if err := autograd.Backward(l); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for _, p := range net.Params() {
				data := p.Var.Value.Data()
				for _, i := range []int{0, len(data) / 2, len(data) - 1} {
					g := 0.0
					if p.Var.Grad != nil {
						g = p.Var.Grad.Data()[i]
					}
					fd := centralDiff(t, data, i, loss)
					rel := math.Abs(g-fd) / math.Max(1, math.Abs(fd))
					worst = math.Max(worst, rel)
					if rel > 1e-5 {
						t.Errorf("%s[%d]: autograd %g, finite difference %g", p.Name, i, g, fd)
					}
				}
			}
			t.Logf("loss %.4g, worst relative gradient error %.2e", l.Value.Item(), worst)
		})
	}
}

// centralDiff is (L(p + h) - L(p - h)) / 2h for parameter entry i.
func centralDiff(t *testing.T, data []float64, i int, loss func() (V, error)) float64 {
	t.Helper()
	h := 1e-6
	old := data[i]
	var l [2]float64
	for s, sign := range []float64{1, -1} {
		data[i] = old + sign*h
		var v V
		var err error
		autograd.NoGrad(func() { v, err = loss() })
		if err != nil {
			t.Fatal(err)
		}
		l[s] = v.Value.Item()
	}
	data[i] = old
	return (l[0] - l[1]) / (2 * h)
}

// TestSampleMonitor: the differentiable monitor matches mesh.SampleGrid
// and its gradient matches central differences of the interpolant.
func TestSampleMonitor(t *testing.T) {
	r := tensor.NewRNG(1)
	n := 6
	m := make([]float64, n*n)
	for i := range m {
		m[i] = 1 + r.Float64()
	}
	f, err := NewField(nil, m, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	pts := tensor.RandU[float64](r, 0.01, 0.99, 1, 20, 2)
	x := autograd.Param(pts)
	v := sampleMonitor([]Field{f}, x)
	want, err := mesh.SampleGrid(m, n, 1, pts.Data())
	if err != nil {
		t.Fatal(err)
	}
	if err := autograd.Backward(autograd.Sum(v)); err != nil {
		t.Fatal(err)
	}
	for p := range 20 {
		if d := math.Abs(v.Value.Data()[p] - want[p]); d > 1e-14 {
			t.Fatalf("point %d: %g; mesh.SampleGrid %g", p, v.Value.Data()[p], want[p])
		}
		for k := range 2 {
			q := append([]float64(nil), pts.Data()[2*p:2*p+2]...)
			h := 1e-7
			q[k] += h
			a, _ := f.at(q)
			q[k] -= 2 * h
			b, _ := f.at(q)
			if g := x.Grad.Data()[2*p+k]; math.Abs(g-(a-b)/(2*h)) > 1e-6 {
				t.Fatalf("point %d, axis %d: gradient %g; finite difference %g", p, k, g, (a-b)/(2*h))
			}
		}
	}
	if th := f.Theta; math.Abs(th-trapezoid(m, n, 2)) > 0 {
		t.Fatalf("theta %g", th)
	}
}

// TestSamplingDeterministicAndWeighted: the same seed gives the same
// points, and a monitor 50 times larger on x > 1/2 puts most points there.
func TestSamplingDeterministicAndWeighted(t *testing.T) {
	n := 41
	m := make([]float64, n)
	for i := range m {
		m[i] = 1
		if i > n/2 {
			m[i] = 50
		}
	}
	f, err := NewField(nil, m, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.samplePoints(100, 4000, tensor.NewRNG(5))
	b, _ := f.samplePoints(100, 4000, tensor.NewRNG(5))
	right := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("point %d: %g then %g with the same seed", i, a[i], b[i])
		}
		if a[i] > 0.5 {
			right++
		}
	}
	if right < 95 {
		t.Fatalf("%d of 100 points in the heavy half; want >= 95", right)
	}
}

// TestBadInput: mismatched sizes and bad monitors are errors naming the
// problem, never panics.
func TestBadInput(t *testing.T) {
	cfg := smallConfigs()["2d-mlp"]
	net, err := New(cfg, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	good, err := NewField(make([]float64, 5), make9(1), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		run        func() error
	}{
		{"negative monitor", "want finite and > 0", func() error { _, err := NewField(nil, make9(-1), 3, 2); return err }},
		{"monitor size", "monitor values", func() error { _, err := NewField(nil, make9(1)[:8], 3, 2); return err }},
		{"field size 2d", "want n*n", func() error { _, err := NewField2D(make([]float64, 10), 4, 100); return err }},
		{"field nan", "finite", func() error { _, err := NewField1D([]float64{0, math.NaN(), 1}, 1); return err }},
		{"beta", "beta", func() error { _, err := NewField1D([]float64{0, 1, 2}, -1); return err }},
		{"branch length", "branch input", func() error {
			f := good
			f.Branch = f.Branch[:3]
			_, err := net.Loss([]Field{f}, DefaultLoss(), tensor.NewRNG(1))
			return err
		}},
		{"empty batch", "empty", func() error { _, err := net.Loss(nil, DefaultLoss(), tensor.NewRNG(1)); return err }},
		{"options", "Candidates", func() error {
			o := DefaultLoss()
			o.Candidates = 1
			_, err := net.Loss([]Field{good}, o, tensor.NewRNG(1))
			return err
		}},
		{"uniform fraction", "UniformFraction", func() error {
			o := DefaultLoss()
			o.UniformFraction = 1.5
			_, err := net.Loss([]Field{good}, o, tensor.NewRNG(1))
			return err
		}},
		{"mesh input", "branch input", func() error { _, err := net.Mesh(make([]float64, 4), 5); return err }},
		{"mesh dim", "1-D", func() error { _, _, err := net.Nodes1D(make([]float64, 5), 5); return err }},
		{"config", "Dim", func() error { _, err := New(Config{Dim: 3}, tensor.NewRNG(1)); return err }},
		{"conv input", "Input", func() error {
			c := Upstream()
			c.Input = 3
			_, err := New(c, tensor.NewRNG(1))
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want one containing %q", err, c.want)
			}
		})
	}
}

// make9 is nine copies of v.
func make9(v float64) []float64 {
	out := make([]float64, 9)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestMesh2D: a fresh net's mesh has the right shape, and the boundary
// projection leaves no drift, while the raw drift is reported.
func TestMesh2D(t *testing.T) {
	cfg := Upstream().Scaled(0.125)
	cfg.Input = 12
	net, err := New(cfg, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	u := TanhFront(0.5, 0.1, 144)
	res, err := net.Mesh(u, 9)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := mesh.StructuredQuad(9, 9)
	d, _, err := mesh.BoundaryDrift(ref, res.Mesh)
	if err != nil || d != 0 || res.Raw.NumNodes() != 81 || !(res.Drift > 0) {
		t.Fatalf("projected drift %g (err %v), raw drift %g, %d nodes", d, err, res.Drift, res.Raw.NumNodes())
	}
	if err := res.Mesh.CheckUntangled(); err != nil {
		t.Fatal(err)
	}
}
