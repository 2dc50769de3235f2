package giorom

import (
	"context"
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

func TestParamCountMatchesBuiltModel(t *testing.T) {
	for _, d := range []int{2, 3} {
		for _, recon := range []bool{false, true} {
			cfg := tinyConfig(d)
			cfg.Recon = recon
			m, err := New[float32](cfg, tensor.NewRNG(1))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := nn.CountParams(m.Params()), cfg.ParamCount(); got != want {
				t.Errorf("dim %d recon %v: built %d parameters, ParamCount says %d", d, recon, got, want)
			}
			if err := nn.CheckNames(m.Params()); err != nil {
				t.Error(err)
			}
		}
		// The defaults, built.
		cfg := Config{Dim: d, Radius: 0.05, Recon: true, BoxLo: tinyConfig(d).BoxLo, BoxHi: tinyConfig(d).BoxHi, Stats: unitStats(d)}
		m, err := New[float32](cfg, tensor.NewRNG(1))
		if err != nil {
			t.Fatal(err)
		}
		got := nn.CountParams(m.Params())
		if want := cfg.ParamCount(); got != want {
			t.Errorf("default dim %d: built %d parameters, ParamCount says %d", d, got, want)
		}
		t.Logf("default %d-D: %d parameters (%d of them the reconstructor's)", d, got, cfg.ReconParamCount())
	}
}

// The GNO encoding equals the explicit mean over brute-force neighbour
// lists of the kernel MLP applied to one [x - y, h(y)] row at a time.
func TestGNOEncodeEqualsLoop(t *testing.T) {
	for _, d := range []int{2, 3} {
		cfg := tinyConfig(d)
		cfg.GNORadius = 1.01 * math.Sqrt(float64(d)) / 3 / 2 // just over half the cell diagonal
		m, err := New[float64](cfg, tensor.NewRNG(2))
		if err != nil {
			t.Fatal(err)
		}
		cfg = m.Cfg
		r := tensor.NewRNG(3)
		n := 30
		pos := randomPositions(r, n, d)
		h := tensor.RandN[float64](r, n, cfg.Latent)
		z, err := m.GNOEncode(autograd.Const(h), pos)
		if err != nil {
			t.Fatal(err)
		}
		g := len(m.grid) / d
		l := cfg.Latent
		worst, empty := 0.0, 0
		for i := 0; i < g; i++ {
			sum := make([]float64, l)
			cnt := 0
			for j := 0; j < n; j++ {
				row := tensor.New[float64](1, d+l)
				s := 0.0
				for a := 0; a < d; a++ {
					dx := m.grid[i*d+a] - pos[j*d+a]
					s += dx * dx
					row.Data()[a] = dx / cfg.GNORadius
				}
				if s > cfg.GNORadius*cfg.GNORadius {
					continue
				}
				copy(row.Data()[d:], h.Data()[j*l:(j+1)*l])
				out := m.EncKernel.Forward(autograd.Const(row)).Value.Data()
				for c := range sum {
					sum[c] += out[c]
				}
				cnt++
			}
			if cnt == 0 {
				empty++
			}
			for c := range sum {
				want := 0.0
				if cnt > 0 {
					want = sum[c] / float64(cnt)
				}
				worst = math.Max(worst, math.Abs(z.Value.Data()[i*l+c]-want))
			}
		}
		if worst > 1e-12 {
			t.Errorf("%d-D: GNO encode differs from the loop by %g", d, worst)
		}
		t.Logf("%d-D: %d latent nodes (%d without particles in reach), max difference %.1e", d, g, empty, worst)
	}
}

// TestGNODecodeEqualsLoop: the decode is, for each particle, the mean
// over the latent nodes within GNORadius of k((x - y)/r) * f(y),
// computed here by a loop over every node.
func TestGNODecodeEqualsLoop(t *testing.T) {
	for _, d := range []int{2, 3} {
		cfg := tinyConfig(d)
		cfg.GNORadius = 1.01 * math.Sqrt(float64(d)) / 3 / 2
		m, err := New[float64](cfg, tensor.NewRNG(6))
		if err != nil {
			t.Fatal(err)
		}
		cfg = m.Cfg
		r := tensor.NewRNG(7)
		n := 30
		pos := randomPositions(r, n, d)
		g := len(m.grid) / d
		l := cfg.Latent
		f := tensor.RandN[float64](r, g, l)
		out, err := m.GNODecode(autograd.Const(f), pos)
		if err != nil {
			t.Fatal(err)
		}
		worst, fewest := 0.0, g
		for j := 0; j < n; j++ {
			sum := make([]float64, l)
			cnt := 0
			for i := 0; i < g; i++ {
				row := tensor.New[float64](1, d)
				s := 0.0
				for a := 0; a < d; a++ {
					dx := pos[j*d+a] - m.grid[i*d+a]
					s += dx * dx
					row.Data()[a] = dx / cfg.GNORadius
				}
				if s > cfg.GNORadius*cfg.GNORadius {
					continue
				}
				k := m.DecKernel.Forward(autograd.Const(row)).Value.Data()
				for c := range sum {
					sum[c] += k[c] * f.Data()[i*l+c]
				}
				cnt++
			}
			fewest = min(fewest, cnt)
			for c := range sum {
				worst = math.Max(worst, math.Abs(out.Value.Data()[j*l+c]-sum[c]/float64(max(cnt, 1))))
			}
		}
		if worst > 1e-12 || fewest == 0 {
			t.Errorf("%d-D: GNO decode differs from the loop by %g; fewest latent nodes in reach %d (want >= 1 inside the box)", d, worst, fewest)
		}
		t.Logf("%d-D: %d particles, at least %d latent nodes in reach each, max difference %.1e", d, n, fewest, worst)
	}
}

func TestGradients(t *testing.T) {
	d := 2
	cfg := tinyConfig(d)
	cfg.Recon = true
	m, err := New[float64](cfg, tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(5)
	n := 12
	pos := randomPositions(r, n, d)
	h := autograd.Param(tensor.RandN[float64](r, n, cfg.Latent))
	g := len(m.grid) / d
	cz := weights(r, g, cfg.Latent)
	gradCheck(t, "GNO encode", func() *autograd.Var[float64] {
		z, err := m.GNOEncode(h, pos)
		if err != nil {
			t.Fatal(err)
		}
		return autograd.Sum(autograd.Mul(z, cz))
	}, append(nn.Prefixed("gno_in", m.EncKernel.Params()), nn.Param[float64]{Name: "h", Var: h}), 6, 1e-6)

	w := cfg.AttentionWidth
	tok := autograd.Param(tensor.RandN[float64](r, g, w))
	ct := weights(r, g, w)
	gradCheck(t, "linear attention", func() *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(m.Blocks[0].Forward(tok), ct))
	}, append(m.Blocks[0].Params(), nn.Param[float64]{Name: "tokens", Var: tok}), 6, 1e-6)

	f := autograd.Param(tensor.RandN[float64](r, g, cfg.Latent))
	cd := weights(r, n, cfg.Latent)
	gradCheck(t, "GNO decode", func() *autograd.Var[float64] {
		out, err := m.GNODecode(f, pos)
		if err != nil {
			t.Fatal(err)
		}
		return autograd.Sum(autograd.Mul(out, cd))
	}, append(nn.Prefixed("gno_out", m.DecKernel.Params()), nn.Param[float64]{Name: "f", Var: f}), 6, 1e-6)

	nall := 24
	window := randomWindow(r, cfg.History+2, nall, d, 0.01)
	gradCheck(t, "loss", func() *autograd.Var[float64] {
		l, err := m.Loss(window, nall, tensor.NewRNG(6))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}, m.Params(), 2, 1e-5)
}

// Permuting the sparse particles permutes the predicted positions.
func TestPermutationEquivariance(t *testing.T) {
	for _, d := range []int{2, 3} {
		cfg := tinyConfig(d)
		m, err := New[float64](cfg, tensor.NewRNG(7))
		if err != nil {
			t.Fatal(err)
		}
		r := tensor.NewRNG(8)
		n, frames := 25, cfg.History+1
		w := randomWindow(r, frames, n, d, 0.01)
		perm := r.Perm(n)
		pw := make([]float32, len(w))
		for f := 0; f < frames; f++ {
			for i, p := range perm {
				copy(pw[(f*n+i)*d:(f*n+i+1)*d], w[(f*n+p)*d:(f*n+p+1)*d])
			}
		}
		a, err := m.Rollout(context.Background(), w, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Rollout(context.Background(), pw, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for s := 0; s < 2; s++ {
			for i, p := range perm {
				for c := 0; c < d; c++ {
					worst = math.Max(worst, math.Abs(float64(b[(s*n+i)*d+c]-a[(s*n+p)*d+c])))
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("%d-D: permuted rollout differs by %g", d, worst)
		}
	}
}

// Each window of a batch is its own sample: the batch loss is the mean of
// the losses computed alone (with the RNG consumed in the same order),
// and changing one window leaves the other's gradient unchanged.
func TestBatchSamplesDoNotInteract(t *testing.T) {
	d := 2
	cfg := tinyConfig(d)
	m, err := New[float64](cfg, tensor.NewRNG(9))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(10)
	n1, n2 := 20, 16
	w1 := randomWindow(r, cfg.History+2, n1, d, 0.01)
	w2 := randomWindow(r, cfg.History+2, n2, d, 0.01)
	rr := tensor.NewRNG(11)
	l1, err := m.Loss(w1, n1, rr)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := m.Loss(w2, n2, rr)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := m.LossBatch([][]float32{w1, w2}, []int{n1, n2}, tensor.NewRNG(11))
	if err != nil {
		t.Fatal(err)
	}
	want := (l1.Value.Item() + l2.Value.Item()) / 2
	if got := lb.Value.Item(); math.Abs(got-want) > 1e-14*math.Abs(want) {
		t.Errorf("batch loss %.17g, mean of the losses alone %.17g", got, want)
	}
	// Sample 1 alone equals sample 1 in a batch with a different sample 2
	// that has the same particle count (same RNG use): the difference of
	// the two batch losses is (l2 - l2') / 2, independent of w1.
	w2b := randomWindow(r, cfg.History+2, n2, d, 0.02)
	lb2, err := m.LossBatch([][]float32{w1, w2b}, []int{n1, n2}, tensor.NewRNG(11))
	if err != nil {
		t.Fatal(err)
	}
	rr = tensor.NewRNG(11)
	if _, err := m.Loss(w1, n1, rr); err != nil {
		t.Fatal(err)
	}
	l2b, err := m.Loss(w2b, n2, rr)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lb2.Value.Item(), (l1.Value.Item()+l2b.Value.Item())/2; math.Abs(got-want) > 1e-14*math.Abs(want) {
		t.Errorf("batch loss with another second sample %.17g, want %.17g", got, want)
	}
}

func TestSampleIndices(t *testing.T) {
	m, err := New[float32](tinyConfig(2), tensor.NewRNG(0))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(1)
	for _, n := range []int{1, 2, 7, 600} {
		idx := m.SampleIndices(n, r)
		if want := max(1, int(math.Ceil(0.5*float64(n)))); len(idx) != want {
			t.Errorf("n = %d: %d indices, want %d", n, len(idx), want)
		}
		for k := 1; k < len(idx); k++ {
			if idx[k] <= idx[k-1] {
				t.Fatalf("n = %d: indices not increasing: %v", n, idx)
			}
		}
	}
	m.Cfg.Sampling = 1e-6
	if got := m.SampleIndices(10, r); len(got) != 1 {
		t.Errorf("tiny sampling keeps %d particles, want 1", len(got))
	}
}

func TestRolloutClampsAndCancels(t *testing.T) {
	d := 2
	cfg := tinyConfig(d)
	m, err := New[float32](cfg, tensor.NewRNG(12))
	if err != nil {
		t.Fatal(err)
	}
	n := 10
	w := randomWindow(tensor.NewRNG(13), cfg.History+1, n, d, 0.3) // fast: leaves the box
	out, err := m.Rollout(context.Background(), w, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	for k, x := range out {
		if x < 0 || x > 1 {
			t.Fatalf("position %d = %v outside the box", k, x)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Rollout(ctx, w, n, 3); err == nil {
		t.Error("cancelled rollout succeeded")
	}
	if _, err := m.Rollout(context.Background(), w[:len(w)-1], n, 1); err == nil {
		t.Error("short history accepted")
	}
}
