package gns

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

type goldenCase struct {
	Config    Config               `json:"config"`
	N         int                  `json:"n"`
	Edges     int                  `json:"edges"`
	Positions []float64            `json:"positions"`
	Noise     []float64            `json:"noise"`
	Params    map[string][]float64 `json:"params"`
	Loss      float64              `json:"loss"`
	Pred      []float64            `json:"pred"`
	Grads     map[string][]float64 `json:"grads"`
	Step      []float64            `json:"step"`
}

// The loss, the normalised acceleration, every parameter gradient and
// one Step against an independent PyTorch float64 implementation
// (scripts/gns_reference.py: concatenated edge MLP inputs, index_add_
// aggregation, brute-force radius graph), sum and mean aggregation.
func TestGoldenPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/gns_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Torch string       `json:"torch"`
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Cases {
		m, err := New[float64](c.Config, tensor.NewRNG(0))
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Params()
		if len(ps) != len(c.Params) {
			t.Fatalf("%s: %d parameters, reference has %d", c.Config.Aggregate, len(ps), len(c.Params))
		}
		for _, p := range ps {
			v, ok := c.Params[p.Name]
			if !ok || len(v) != p.Var.Value.Len() {
				t.Fatalf("%s: parameter %s %v missing or of another size in the reference", c.Config.Aggregate, p.Name, p.Var.Shape())
			}
			copy(p.Var.Value.Data(), v)
		}
		worst := map[string]float64{}
		rel := func(what string, got, want float64) {
			e := math.Abs(got-want) / math.Max(1, math.Abs(want))
			worst[what] = math.Max(worst[what], e)
		}
		// Prediction from the noisy inputs, as the loss sees them.
		cc, d, n := m.Cfg.History, m.Cfg.Dim, c.N
		window := append([]float64(nil), c.Positions[:(cc+1)*n*d]...)
		for k := range c.Noise {
			window[k] += c.Noise[k]
		}
		var pred []float64
		autograd.NoGrad(func() {
			nodes, edges, g, err := m.inputs(window, n)
			if err != nil {
				t.Fatal(err)
			}
			if g.Len() != c.Edges {
				t.Fatalf("%s: %d edges, reference %d", c.Config.Aggregate, g.Len(), c.Edges)
			}
			pred = m.Forward(nodes, edges, g).Value.Data()
		})
		for k := range pred {
			rel("prediction", pred[k], c.Pred[k])
		}
		loss, err := m.loss(c.Positions, n, c.Noise)
		if err != nil {
			t.Fatal(err)
		}
		rel("loss", loss.Value.Item(), c.Loss)
		if err := autograd.Backward(loss); err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			for k, g := range p.Var.Grad.Data() {
				rel("gradient", g, c.Grads[p.Name][k])
			}
		}
		hist := make([]float32, (cc+1)*n*d)
		for k := range hist {
			hist[k] = float32(c.Positions[k])
		}
		next, err := m.Step(hist, n)
		if err != nil {
			t.Fatal(err)
		}
		for k := range next {
			// Step returns float32: compare to float32 rounding.
			e := math.Abs(float64(next[k]) - c.Step[k])
			worst["step (float32 out)"] = math.Max(worst["step (float32 out)"], e)
			if e > 1e-7*math.Max(1, math.Abs(c.Step[k])) {
				t.Fatalf("%s: step coordinate %d: %v, want %v", c.Config.Aggregate, k, next[k], c.Step[k])
			}
		}
		t.Logf("%s (torch %s, %d edges, loss %.6g): worst relative differences %v", c.Config.Aggregate, ref.Torch, c.Edges, c.Loss, worst)
		for what, e := range worst {
			if what != "step (float32 out)" && e > 1e-10 {
				t.Errorf("%s: %s differs by %.3g (relative)", c.Config.Aggregate, what, e)
			}
		}
	}
}
