package giorom

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// block returns a side x side block of particles filling [lo, hi]^2 on a
// jittered lattice, [side^2, 2].
func block(r *tensor.RNG, side int, lo, hi float64) []float32 {
	h := (hi - lo) / float64(side)
	out := make([]float32, 0, side*side*2)
	for i := 0; i < side; i++ {
		for j := 0; j < side; j++ {
			out = append(out, float32(lo+(float64(i)+0.5+0.3*(r.Float64()-0.5))*h), float32(lo+(float64(j)+0.5+0.3*(r.Float64()-0.5))*h))
		}
	}
	return out
}

// deform maps ref by x -> c + R(theta) S(gamma) (x - c), a rotation and a
// shear about c = (0.5, 0.5).
func deform(ref []float32, theta, gamma float64) []float32 {
	out := make([]float32, len(ref))
	c, s := math.Cos(theta), math.Sin(theta)
	for i := 0; i < len(ref)/2; i++ {
		x, y := float64(ref[2*i])-0.5, float64(ref[2*i+1])-0.5
		x += gamma * y
		out[2*i] = float32(0.5 + c*x - s*y)
		out[2*i+1] = float32(0.5 + s*x + c*y)
	}
	return out
}

func sparse(frame []float32, idx []int, d int) []float32 {
	out := make([]float32, 0, len(idx)*d)
	for _, i := range idx {
		out = append(out, frame[i*d:(i+1)*d]...)
	}
	return out
}

func reconConfig() Config {
	cfg := tinyConfig(2)
	cfg.Recon = true
	cfg.Sampling = 0.05
	cfg.ReconGrid = 14
	cfg.ReconSamples = 8
	cfg.PELevels = 3
	cfg.ReconHidden = 64
	return cfg
}

// With the residual MLP zeroed, a uniform displacement is reproduced
// exactly: the Shepard ratio S(rho u) / S(rho) of a constant is the
// constant wherever the density is positive.
func TestReconstructTranslationExact(t *testing.T) {
	cfg := reconConfig()
	m, err := New[float64](cfg, tensor.NewRNG(20))
	if err != nil {
		t.Fatal(err)
	}
	last := m.ReconMLP.Layers[len(m.ReconMLP.Layers)-1]
	if nn.CountParams(nn.Prefixed("", last.Params())) != cfg.ReconHidden*2+2 {
		t.Fatal("unexpected last layer")
	}
	for _, v := range append(last.W.Value.Data(), last.B.Value.Data()...) {
		if v != 0 {
			t.Fatal("the residual MLP's last layer does not start at zero")
		}
	}
	r := tensor.NewRNG(21)
	ref := block(r, 40, 0.3, 0.7)
	nd := len(ref) / 2
	idx := m.SampleIndices(nd, r)
	shift := []float32{0.0625, -0.03125}
	cur := make([]float32, len(ref))
	for k := range ref {
		cur[k] = ref[k] + shift[k%2]
	}
	pred, err := m.Reconstruct(ref, nd, idx, sparse(cur, idx, 2))
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for k := range pred {
		worst = math.Max(worst, math.Abs(float64(pred[k]-cur[k])))
	}
	if worst > 1e-6 {
		t.Errorf("translation by %v reconstructed with error %g", shift, worst)
	}
	t.Logf("%d sparse of %d particles: max error %.1e", len(idx), nd, worst)
}

// Trained (600 Adam steps, jittered lookups) on a rotation + shear of a
// particle block from 5% of the particles, the neural field beats inverse-distance weighting in the
// relative L2 error of the displacement on held-out frames.
func TestReconstructBeatsInverseDistance(t *testing.T) {
	nf, nf0, idw, ns, nd := reconStudy(t, 22, true)
	t.Logf("%d sparse of %d: rel. L2 of the displacement on held-out frames: neural field %.4f (untrained %.4f), inverse distance %.4f", ns, nd, nf, nf0, idw)
	if !(nf < 0.85*idw) { // measured 0.64 and 0.72 of the baseline with seeds 22 and 40
		t.Errorf("neural field %.4f is not 15%% below inverse distance %.4f", nf, idw)
	}
}

// reconStudy trains the reconstructor with seed (with jittered
// training lookups if jitter) and returns its held-out
// error after and before training, the baseline's, and the sizes.
func reconStudy(t *testing.T, seed uint64, jitter bool) (nf, nf0, idw float64, ns, nd int) {
	t.Helper()
	cfg := reconConfig()
	m, err := New[float32](cfg, tensor.NewRNG(seed))
	if err != nil {
		t.Fatal(err)
	}
	r := tensor.NewRNG(seed + 1)
	ref := block(r, 40, 0.3, 0.7)
	nd = len(ref) / 2
	idx := m.SampleIndices(nd, r)
	frame := func() []float32 { return deform(ref, 0.8*(r.Float64()-0.5), 0.6*(r.Float64()-0.5)) }
	var train, test [][]float32
	for i := 0; i < 40; i++ {
		train = append(train, frame())
	}
	for i := 0; i < 10; i++ {
		test = append(test, frame())
	}
	eval := func() (nf, idw float64) {
		for _, f := range test {
			s := sparse(f, idx, 2)
			p, err := m.Reconstruct(ref, nd, idx, s)
			if err != nil {
				t.Fatal(err)
			}
			q, err := InverseDistanceReconstruct(ref, nd, 2, idx, s)
			if err != nil {
				t.Fatal(err)
			}
			e1, _ := DisplacementRelL2(p, f, ref)
			e2, _ := DisplacementRelL2(q, f, ref)
			nf += e1 / float64(len(test))
			idw += e2 / float64(len(test))
		}
		return nf, idw
	}
	nf0, idw = eval()
	ps := m.ReconParams()
	opt := nn.NewAdam[float32](3e-3, 0)
	const steps = 600
	for step := 0; step < steps; step++ {
		opt.SetLR(3e-3 * (1 - 0.9*float64(step)/steps))
		nn.ZeroGrad(ps)
		var jr *tensor.RNG // nil: exact lookups, as in evaluation
		if jitter {
			jr = r
		}
		l, err := m.ReconLoss(ref, train[r.Intn(len(train))], nd, idx, jr)
		if err != nil {
			t.Fatal(err)
		}
		if err := autograd.Backward(l); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
	}
	nf, _ = eval()
	return nf, nf0, idw, len(idx), nd
}
