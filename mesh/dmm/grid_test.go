package dmm

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// TestDCTProjection: the DCT-I coefficients reproduce the node values
// exactly (all n modes), and k < n modes are the first k rows.
func TestDCTProjection(t *testing.T) {
	for _, n := range []int{3, 6, 11} {
		r := tensor.NewRNG(uint64(n))
		s := make([]float64, n)
		for i := range s {
			s[i] = r.Normal()
		}
		d := dctProjection(n, n)
		for i := range n {
			back := 0.0
			for a := range n {
				c := 0.0
				for j := range n {
					c += d.Data()[a*n+j] * s[j]
				}
				back += c * math.Cos(math.Pi*float64(a*i)/float64(n-1))
			}
			if math.Abs(back-s[i]) > 1e-13 {
				t.Fatalf("n %d node %d: synthesis of the coefficients %g; want %g", n, i, back, s[i])
			}
		}
		part := dctProjection(n, 2)
		for k, v := range part.Data() {
			if v != d.Data()[k] {
				t.Fatalf("n %d: 2-mode projection entry %d %g; want the full one's %g", n, k, v, d.Data()[k])
			}
		}
	}
}

// TestReflectPad: node -i is node i on both axes.
func TestReflectPad(t *testing.T) {
	x := tensor.New[float64](1, 1, 4, 4)
	for k := range x.Data() {
		x.Data()[k] = float64(k) // row i, column j: 4 i + j
	}
	got := reflectPad(autograd.Const(x), 2).Value
	if s := got.Shape(); s[2] != 8 || s[3] != 8 {
		t.Fatalf("padded shape %v; want 8 x 8", s)
	}
	src := []int{2, 1, 0, 1, 2, 3, 2, 1}
	for i := range 8 {
		for j := range 8 {
			if w := float64(4*src[i] + src[j]); got.Data()[i*8+j] != w {
				t.Fatalf("padded (%d, %d) = %g; want %g", i, j, got.Data()[i*8+j], w)
			}
		}
	}
}

// TestGridSkip: with the skip's weight -1 (and the convolutions at their
// initial 0), -Lap phi at the nodes is s - c_00 = -theta / m - c_00, the
// 1-D front's 1 - theta / m up to the DCT-I's constant mode c_00.
func TestGridSkip(t *testing.T) {
	n := 9
	f, err := NewField2D(asymField(n), n, 3)
	if err != nil {
		t.Fatal(err)
	}
	f = f.MonitorBranch()
	net, err := New(Config{Dim: 2, Branch: GridBranch, Input: n, Channels: [2]int{4}, GridDepth: 1, GridInputs: 1, CosineModes: n}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	net.GridSkip.W.Value.Fill(-1)
	want := make([]float64, n*n)
	for k, v := range f.Branch {
		want[k] = -1 / v
	}
	g, err := net.gridDerivs(f, n)
	if err != nil {
		t.Fatal(err)
	}
	c00 := 0.0
	d := dctProjection(n, 1).Data()
	for i := range n {
		for j := range n {
			c00 += d[i] * d[j] * want[i*n+j]
		}
	}
	worst := 0.0
	for k := range n * n {
		lap := g.hess[0][k] + g.hess[2][k]
		worst = math.Max(worst, math.Abs(-lap-(want[k]-c00)))
	}
	if worst > 1e-11 {
		t.Fatalf("max |-Lap phi - (-theta / m - c_00)| at the nodes = %g; want <= 1e-11", worst)
	}
}

// TestGridBranchGradient: the loss's gradient with respect to the first
// convolution's weights matches central differences.
func TestGridBranchGradient(t *testing.T) {
	net, err := New(cosineConfigs()["2d-grid"], tensor.NewRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	randomizeLast(net, tensor.NewRNG(3))
	for _, v := range lastLayer(net) {
		for i := range v.Value.Data() {
			v.Value.Data()[i] *= 0.05 // a map near the identity, untangled
		}
	}
	fields := randomFields(t, net, 2, tensor.NewRNG(4))
	opt := LossOptions{Interior: 9, Candidates: 40, BoundaryPerSide: 3, BoundaryWeight: 1000, ConvexWeight: 1}
	xi, err := net.points(fields, opt, tensor.NewRNG(5))
	if err != nil {
		t.Fatal(err)
	}
	loss := func() V {
		p, err := net.lossAt(fields, xi, opt)
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	w := net.Conv[0].W
	w.ZeroGrad()
	if err := autograd.Backward(loss()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 7, len(w.Value.Data()) - 1} {
		h, v := 1e-6, w.Value.Data()[k]
		w.Value.Data()[k] = v + h
		up := loss().Value.Item()
		w.Value.Data()[k] = v - h
		down := loss().Value.Item()
		w.Value.Data()[k] = v
		fd, got := (up-down)/(2*h), w.Grad.Data()[k]
		if math.Abs(fd-got) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Fatalf("weight %d: gradient %g; central difference %g", k, got, fd)
		}
	}
}

// TestGridConfigRefuses: each bad GridBranch size is refused.
func TestGridConfigRefuses(t *testing.T) {
	good := Config{Dim: 2, Branch: GridBranch, Input: 8, Channels: [2]int{4}, GridDepth: 2, GridInputs: 1, CosineModes: 8}
	if _, err := New(good, tensor.NewRNG(1)); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for name, edit := range map[string]func(*Config){
		"1-D":               func(c *Config) { c.Dim = 1 },
		"tiny grid":         func(c *Config) { c.Input, c.CosineModes = 2, 2 },
		"no cosine modes":   func(c *Config) { c.CosineModes = 0 },
		"modes past grid":   func(c *Config) { c.CosineModes = 9 },
		"no inputs":         func(c *Config) { c.GridInputs = 0 },
		"no depth":          func(c *Config) { c.GridDepth = 0 },
		"no channels":       func(c *Config) { c.Channels[0] = 0 },
		"standardised":      func(c *Config) { c.StandardizeBranch = true },
		"branch skip":       func(c *Config) { c.BranchSkip = true },
		"negative channels": func(c *Config) { c.Channels[0] = -3 },
	} {
		c := good
		edit(&c)
		if _, err := New(c, tensor.NewRNG(1)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	net, _ := New(good, tensor.NewRNG(1))
	f, err := NewField2D(asymField(8), 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	f = f.MonitorBranch()
	f.Branch[5] = 0
	if _, err := net.MeshFor(f, 8); err == nil || !strings.Contains(err.Error(), "branch input 5 is 0") {
		t.Errorf("a zero m / theta: error %v; want it named", err)
	}
}
