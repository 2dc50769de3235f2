package gns

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/lagrangian"
	"github.com/surrogo/surrogo/tensor"
)

func testStats(d int) lagrangian.Stats {
	s := lagrangian.Stats{}
	for a := 0; a < d; a++ {
		s.VelMean = append(s.VelMean, 0.001*float64(a))
		s.VelStd = append(s.VelStd, 0.01)
		s.AccMean = append(s.AccMean, -0.0001*float64(a))
		s.AccStd = append(s.AccStd, 0.001)
	}
	return s
}

func testConfig(d int) Config {
	c := Config{Dim: d, Radius: 0.1, Stats: testStats(d)}
	for a := 0; a < d; a++ {
		c.BoxLo = append(c.BoxLo, 0)
		c.BoxHi = append(c.BoxHi, 1)
	}
	return c
}

// ParamCount equals the built count, for the defaults and small models.
func TestParamCount(t *testing.T) {
	for _, c := range []Config{testConfig(2), testConfig(3),
		func() Config {
			c := testConfig(2)
			c.Latent, c.MessagePassing, c.MLPHidden, c.History = 16, 2, 1, 3
			return c
		}(),
		func() Config {
			c := testConfig(3)
			c.Latent, c.MessagePassing, c.MLPHidden, c.Aggregate = 8, 3, 3, "mean"
			return c
		}()} {
		m, err := New[float32](c, tensor.NewRNG(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.CheckNames(m.Params()); err != nil {
			t.Fatal(err)
		}
		built := nn.CountParams(m.Params())
		if got := c.ParamCount(); got != built {
			t.Fatalf("%+v: ParamCount %d, built %d", c.WithDefaults(), got, built)
		}
		w := c.WithDefaults()
		t.Logf("dim %d latent %d mp %d hidden %d history %d: %d parameters", w.Dim, w.Latent, w.MessagePassing, w.MLPHidden, w.History, built)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"dim", func(c *Config) { c.Dim = 1 }, "dim"},
		{"history", func(c *Config) { c.History = -1 }, "history"},
		{"latent", func(c *Config) { c.Latent = -3 }, "latent"},
		{"message passing", func(c *Config) { c.MessagePassing = -1 }, "message_passing"},
		{"mlp hidden", func(c *Config) { c.MLPHidden = -1 }, "mlp_hidden"},
		{"radius", func(c *Config) { c.Radius = 0 }, "radius"},
		{"radius inf", func(c *Config) { c.Radius = math.Inf(1) }, "radius"},
		{"aggregate", func(c *Config) { c.Aggregate = "max" }, "aggregate"},
		{"noise", func(c *Config) { c.NoiseStd = -1 }, "noise_std"},
		{"box length", func(c *Config) { c.BoxHi = []float64{1} }, "box_hi"},
		{"box order", func(c *Config) { c.BoxLo[1] = 2 }, "box axis 1"},
		{"stats length", func(c *Config) { c.Stats.AccStd = []float64{1} }, "acc_std"},
		{"stats negative", func(c *Config) { c.Stats.VelStd = []float64{1, -1} }, "vel_std[1]"},
	} {
		cfg := testConfig(2)
		c.edit(&cfg)
		_, err := New[float32](cfg, tensor.NewRNG(0))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
		} else if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %q does not name %q", c.name, err, c.field)
		}
	}
	if err := testConfig(2).WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

// smallWindow is a window [frames, n, d] of particles on a jittered
// lattice moving slowly, inside the unit box.
func smallWindow(r *tensor.RNG, frames, n, d int) []float32 {
	out := make([]float32, frames*n*d)
	x0 := make([]float64, n*d)
	v := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for a := 0; a < d; a++ {
			x0[i*d+a] = 0.3 + 0.05*float64((i>>uint(a))%4) + 0.01*r.Normal()
			v[i*d+a] = 0.003 * r.Normal()
		}
	}
	for f := 0; f < frames; f++ {
		for k := range x0 {
			out[f*n*d+k] = float32(x0[k] + float64(f)*v[k] + 0.0005*float64(f*f)*r.Normal())
		}
	}
	return out
}

// The gradient of the whole loss (features, radius graph, noise with a
// fixed seed, encode-process-decode, MSE) with respect to every
// parameter against central differences, float64.
func TestLossGradCheck(t *testing.T) {
	cfg := testConfig(2)
	cfg.Latent, cfg.MessagePassing, cfg.MLPHidden, cfg.History, cfg.NoiseStd = 4, 2, 1, 2, 0.002
	cfg.Radius = 0.08
	m, err := New[float64](cfg, tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	pos := smallWindow(tensor.NewRNG(8), cfg.History+2, n, 2)
	loss := func() *autograd.Var[float64] {
		l, err := m.Loss(pos, n, tensor.NewRNG(21))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	var vars []*autograd.Var[float64]
	for _, p := range m.Params() {
		vars = append(vars, p.Var)
	}
	grads, err := autograd.Grad([]*autograd.Var[float64]{loss()}, vars, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	worst, count := 0.0, 0
	const h = 1e-6
	for i, v := range vars {
		for j := range v.Value.Data() {
			old := v.Value.Data()[j]
			var lp, lm float64
			autograd.NoGrad(func() {
				v.Value.Data()[j] = old + h
				lp = loss().Value.Item()
				v.Value.Data()[j] = old - h
				lm = loss().Value.Item()
			})
			v.Value.Data()[j] = old
			num := (lp - lm) / (2 * h)
			e := math.Abs(grads[i].Value.Data()[j]-num) / math.Max(1, math.Abs(num))
			worst = math.Max(worst, e)
			count++
			if e > 1e-6 {
				t.Fatalf("parameter %s entry %d: gradient %v, finite difference %v", m.Params()[i].Name, j, grads[i].Value.Data()[j], num)
			}
		}
	}
	t.Logf("%d parameters: worst relative gradient error %.2g", count, worst)
}

// A rollout whose predictions leave the box is clamped to the walls and
// does not fail; non-finite predictions and cancellation are errors that
// say where.
func TestRolloutClampsAndStops(t *testing.T) {
	cfg := testConfig(2)
	cfg.Latent, cfg.MessagePassing, cfg.History = 8, 1, 2
	m, err := New[float32](cfg, tensor.NewRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	// A decoder bias of +200 acc_std on x and -200 on y drives every particle into the corner (1, 0).
	m.Decoder.Layers[len(m.Decoder.Layers)-1].B.Value.Data()[0] = 200
	m.Decoder.Layers[len(m.Decoder.Layers)-1].B.Value.Data()[1] = -200
	const n, steps = 12, 30
	hist := smallWindow(tensor.NewRNG(3), cfg.History+1, n, 2)
	out, err := m.Rollout(context.Background(), hist, n, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != steps*n*2 {
		t.Fatalf("rollout has %d values, want %d", len(out), steps*n*2)
	}
	for k, x := range out {
		if x < 0 || x > 1 {
			t.Fatalf("value %d = %v outside the box", k, x)
		}
	}
	for k, x := range out[(steps-1)*n*2:] {
		if want := float32(1 - k%2); x != want {
			t.Fatalf("last frame coordinate %d = %v, want the wall %v", k, x, want)
		}
	}
	step, err := m.Step(hist, n)
	if err != nil || len(step) != n*2 {
		t.Fatalf("Step: %d values, %v", len(step), err)
	}
	for k := range step {
		if step[k] != out[k] {
			t.Fatalf("Step and the rollout's first frame differ at %d: %v, %v", k, step[k], out[k])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Rollout(ctx, hist, n, steps); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rollout: %v", err)
	}
	if _, err := m.Step(hist[:len(hist)-1], n); err == nil || !strings.Contains(err.Error(), "history") {
		t.Fatalf("short history: %v", err)
	}
	if _, err := m.Loss(hist, n, nil); err == nil || !strings.Contains(err.Error(), "loss window") {
		t.Fatalf("loss on a window one frame short: %v", err)
	}
	bad := append([]float32(nil), hist...)
	bad[len(bad)-3] = float32(math.NaN())
	if _, err := m.Step(bad, n); err == nil || !strings.Contains(err.Error(), "particle 10") {
		t.Fatalf("NaN input: %v", err)
	}
	m.Decoder.Layers[len(m.Decoder.Layers)-1].B.Value.Data()[1] = float32(math.Inf(1))
	if _, err := m.Rollout(context.Background(), hist, n, 3); err == nil || !strings.Contains(err.Error(), "rollout step 0") || !strings.Contains(err.Error(), "particle 0") {
		t.Fatalf("infinite prediction: %v", err)
	}
}
