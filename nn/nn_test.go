package nn

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

func TestLinearAndMLP(t *testing.T) {
	r := tensor.NewRNG(1)
	l := NewLinear[float64](r, 3, 2, true)
	for _, v := range l.W.Value.Data() {
		if math.Abs(v) > 1/math.Sqrt(3) {
			t.Fatalf("weight %v outside PyTorch's default bound", v)
		}
	}
	x := tensor.RandN[float64](r, 4, 3)
	y := l.Forward(autograd.Const(x)).Value
	for i := 0; i < 4; i++ {
		for o := 0; o < 2; o++ {
			want := l.B.Value.At(o)
			for j := 0; j < 3; j++ {
				want += x.At(i, j) * l.W.Value.At(o, j)
			}
			if math.Abs(y.At(i, o)-want) > 1e-14 {
				t.Fatalf("linear output %v, want %v", y.At(i, o), want)
			}
		}
	}
	m, err := NewMLP[float64](r, []int{2, 5, 5, 1}, Tanh)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "0.weight,0.bias,1.weight,1.bias,2.weight,2.bias" || CountParams(m.Params()) != 2*5+5+5*5+5+5+1 {
		t.Fatalf("MLP params %v (%d)", names, CountParams(m.Params()))
	}
	if _, err := NewMLP[float64](r, []int{2}, Tanh); err == nil {
		t.Fatal("one-size MLP accepted")
	}
	if _, err := ParseActivation("swish"); err == nil || !strings.Contains(err.Error(), "gelu") {
		t.Fatalf("unknown activation: %v", err)
	}
}

func TestNormLayers(t *testing.T) {
	r := tensor.NewRNG(2)
	x := tensor.AddScalar(tensor.Scale(tensor.RandN[float64](r, 2, 4, 5, 3), 3), 7)
	check := func(name string, y *tensor.Tensor[float64], groups [][]int) {
		for _, g := range groups {
			var s, s2 float64
			for _, i := range g {
				s += y.Data()[i]
				s2 += y.Data()[i] * y.Data()[i]
			}
			n := float64(len(g))
			mean, variance := s/n, s2/n-(s/n)*(s/n)
			if math.Abs(mean) > 1e-12 || math.Abs(variance-1) > 1e-3 {
				t.Fatalf("%s: group mean %v variance %v", name, mean, variance)
			}
		}
	}
	// InstanceNorm: each (b, c) over 15 values.
	in := NewInstanceNorm[float64](4, false).Forward(autograd.Const(x)).Value
	var groups [][]int
	for bc := 0; bc < 8; bc++ {
		g := []int{}
		for k := 0; k < 15; k++ {
			g = append(g, bc*15+k)
		}
		groups = append(groups, g)
	}
	check("instance", in, groups)
	gn, err := NewGroupNorm[float64](2, 4)
	if err != nil {
		t.Fatal(err)
	}
	gy := gn.Forward(autograd.Const(x)).Value
	groups = nil
	for bg := 0; bg < 4; bg++ {
		g := []int{}
		for k := 0; k < 30; k++ {
			g = append(g, bg*30+k)
		}
		groups = append(groups, g)
	}
	check("group", gy, groups)
	ln := NewLayerNorm[float64](5, 3).Forward(autograd.Const(x)).Value
	groups = nil
	for row := 0; row < 8; row++ {
		g := []int{}
		for k := 0; k < 15; k++ {
			g = append(g, row*15+k)
		}
		groups = append(groups, g)
	}
	check("layer", ln, groups)
	if _, err := NewGroupNorm[float64](3, 4); err == nil {
		t.Fatal("3 groups over 4 channels accepted")
	}
}

func TestRelL2(t *testing.T) {
	pred := tensor.FromSlice([]float64{1, 2, 3, 0, 0, 1}, 2, 3)
	target := tensor.FromSlice([]float64{1, 2, 2, 0, 0, 2}, 2, 3)
	got := RelL2(autograd.Const(pred), autograd.Const(target)).Value.Item()
	want := (1/3.0 + 1/2.0) / 2
	if math.Abs(got-want) > 1e-15 {
		t.Fatalf("RelL2 %v, want %v", got, want)
	}
	per := RelL2PerSample(pred, target)
	if math.Abs(per[0]-1/3.0) > 1e-15 || math.Abs(per[1]-0.5) > 1e-15 {
		t.Fatalf("per sample %v", per)
	}
}

func TestH1NormOfAFourierMode(t *testing.T) {
	// u = sin(2 pi k x) on n points: ||u||^2 = n/2, ||u_x||^2 = (2 pi k)^2 n/2.
	const n, k = 32, 3
	u := tensor.New[float64](1, 1, n)
	for j := 0; j < n; j++ {
		u.Data()[j] = math.Sin(2 * math.Pi * k * float64(j) / n)
	}
	got := h1Norm(autograd.Const(u), 1).Value.Item()
	want := math.Sqrt(n / 2.0 * (1 + math.Pow(2*math.Pi*k, 2)))
	if math.Abs(got-want) > 1e-10*want {
		t.Fatalf("H1 norm %v, want %v", got, want)
	}
}

func rosenbrock(params []Param[float64]) (float64, error) {
	x := params[0].Var
	a := autograd.Slice(x, 0, 0, 1)
	b := autograd.Slice(x, 0, 1, 2)
	f := autograd.Add(autograd.Square(autograd.AddScalar(autograd.Neg(a), 1)),
		autograd.Scale(autograd.Square(autograd.Sub(b, autograd.Square(a))), 100))
	L := autograd.Sum(f)
	if err := autograd.Backward(L); err != nil {
		return 0, err
	}
	return L.Value.Item(), nil
}

func TestLBFGSRosenbrock(t *testing.T) {
	x := autograd.Param(tensor.FromSlice([]float64{-1.2, 1}, 2))
	params := []Param[float64]{{Name: "x", Var: x}}
	o := NewLBFGS[float64]()
	o.MaxIter = 200
	o.MaxEval = 400
	o.TolGrad = 1e-12
	o.TolChange = 1e-15
	f, err := o.Minimize(params, func() (float64, error) { return rosenbrock(params) })
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(x.Value.Data()[0]-1) > 1e-8 || math.Abs(x.Value.Data()[1]-1) > 1e-8 || f > 1e-16 {
		t.Fatalf("L-BFGS ended at %v with f = %g after %d iterations", x.Value.Data(), f, o.iters)
	}
}

func TestSchedules(t *testing.T) {
	run := func(s Schedule, n int) []float64 {
		var out []float64
		for i := 0; i < n; i++ {
			out = append(out, s.LR())
			s.Step(1)
		}
		return out
	}
	step := run(&StepLR{Base: 1, Gamma: 0.5, Size: 2}, 5)
	if step[0] != 1 || step[1] != 1 || step[2] != 0.5 || step[4] != 0.25 {
		t.Fatalf("step %v", step)
	}
	multi := run(&MultiStepLR{Base: 1, Gamma: 0.1, Milestones: []int{1, 3}}, 4)
	if multi[0] != 1 || math.Abs(multi[1]-0.1) > 1e-15 || math.Abs(multi[3]-0.01) > 1e-15 {
		t.Fatalf("multistep %v", multi)
	}
	cos := run(&CosineLR{Base: 1, Min: 0, Total: 4}, 5)
	if cos[0] != 1 || math.Abs(cos[2]-0.5) > 1e-15 || cos[4] != 0 {
		t.Fatalf("cosine %v", cos)
	}
	warm := run(&CosineLR{Base: 1, Total: 6, Warmup: 2}, 3)
	if warm[0] != 0.5 || warm[1] != 1 || warm[2] != 1 {
		t.Fatalf("warmup %v", warm)
	}
	p := NewReduceOnPlateau(1)
	p.Patience = 1
	for _, m := range []float64{5, 4, 4, 4, 4} {
		p.Step(m)
	}
	if p.LR() != 0.1 {
		t.Fatalf("plateau rate %v", p.LR())
	}
}

// quadTask is a tiny regression: fit y = 2x - 1 with a Linear layer.
func quadTask(t *testing.T, dir string, epochs int, nanAt int) (*Trainer[float64], *Linear[float64]) {
	r := tensor.NewRNG(3)
	l := NewLinear[float64](r, 1, 1, true)
	xs := tensor.Linspace[float64](-1, 1, 16).Reshape(16, 1)
	ys := tensor.AddScalar(tensor.Scale(xs, 2), -1)
	tr := &Trainer[float64]{
		Params: Prefixed("lin", l.Params()),
		Phases: []Phase[float64]{{
			Name:            "adam",
			Optimizer:       NewAdam[float64](0.1, 0),
			Schedule:        &StepLR{Base: 0.1, Gamma: 0.9, Size: 5},
			Epochs:          epochs,
			BatchesPerEpoch: 4,
			Loss: func(ctx context.Context, epoch, batch int, rng *tensor.RNG) (*autograd.Var[float64], error) {
				if epoch*4+batch == nanAt {
					return autograd.Scalar(math.NaN()), nil
				}
				idx := []int{}
				for i := 0; i < 4; i++ {
					idx = append(idx, (batch*4+i+rng.Intn(16))%16)
				}
				x := autograd.Const(tensor.Gather(xs, 0, idx))
				y := autograd.Const(tensor.Gather(ys, 0, idx))
				return MSE(l.Forward(x), y), nil
			},
		}},
		CheckpointPath:  filepath.Join(dir, "ck.h5"),
		CheckpointEvery: 1,
		ModelConfig:     `{"kind":"linear"}`,
		Seed:            9,
	}
	return tr, l
}

func TestTrainerConvergesAndResumesBitIdentically(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	full, lf := quadTask(t, dirA, 30, -1)
	res, err := full.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Final.TrainLoss > 1e-3 {
		t.Fatalf("final loss %v", res.Final.TrainLoss)
	}
	// Interrupted run: 5 epochs, then a new trainer resumes to 30.
	part, _ := quadTask(t, dirB, 5, -1)
	if _, err := part.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rest, lr := quadTask(t, dirB, 30, -1)
	res2, err := rest.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res2.ResumedFrom != 5 {
		t.Fatalf("resumed from %d, want 5", res2.ResumedFrom)
	}
	if lf.W.Value.Data()[0] != lr.W.Value.Data()[0] || lf.B.Value.Data()[0] != lr.B.Value.Data()[0] {
		t.Fatalf("resumed run differs: %v %v vs %v %v", lf.W.Value.Data(), lf.B.Value.Data(), lr.W.Value.Data(), lr.B.Value.Data())
	}
	if res.Final.TrainLoss != res2.Final.TrainLoss {
		t.Fatalf("final losses differ: %v vs %v", res.Final.TrainLoss, res2.Final.TrainLoss)
	}
}

func TestTrainerStopsOnNaN(t *testing.T) {
	dir := t.TempDir()
	tr, _ := quadTask(t, dir, 10, 4*3+2) // NaN in epoch 4, batch 2
	_, err := tr.Run(context.Background())
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("NaN loss: %v", err)
	}
	if !strings.Contains(err.Error(), "epoch 4 batch 2") || !strings.Contains(err.Error(), "(epoch 3)") {
		t.Fatalf("error does not name the step and last checkpoint: %v", err)
	}
	// The last good checkpoint is readable and at epoch 3.
	_, l := quadTask(t, dir, 10, -1)
	ck, err := LoadCheckpoint(filepath.Join(dir, "ck.h5"), Prefixed("lin", l.Params()))
	if err != nil || ck.Epoch != 3 {
		t.Fatalf("last good checkpoint: %v %v", ck, err)
	}
}

func TestCheckpointMismatch(t *testing.T) {
	dir := t.TempDir()
	r := tensor.NewRNG(4)
	l := NewLinear[float64](r, 3, 2, true)
	path := filepath.Join(dir, "m.h5")
	if err := SaveCheckpoint(path, l.Params(), &Checkpoint{Optimizer: NewAdam[float64](1e-3, 0).State()}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		params []Param[float64]
		want   string
	}{
		{NewLinear[float64](r, 4, 2, true).Params(), `parameter "weight" has shape [2 3] in the checkpoint, the model expects [2 4]`},
		{NewLinear[float64](r, 3, 2, false).Params(), "checkpoint has parameters the model lacks: bias"},
		{append(NewLinear[float64](r, 3, 2, true).Params(), Param[float64]{Name: "extra", Var: autograd.Param(tensor.New[float64](1))}), `parameter "extra" (shape [1]) is missing`},
	}
	for _, c := range cases {
		before := c.params[0].Var.Value.Clone()
		_, err := LoadCheckpoint(path, c.params)
		if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.h5") {
			t.Errorf("error %v, want %q", err, c.want)
		}
		if tensor.Sum(tensor.Sub(before, c.params[0].Var.Value)) != 0 {
			t.Error("a failed load changed the model")
		}
	}
	os.WriteFile(filepath.Join(dir, "junk.h5"), []byte("nope"), 0o644)
	if _, err := LoadCheckpoint(filepath.Join(dir, "junk.h5"), l.Params()); err == nil {
		t.Error("junk checkpoint loaded")
	}
}
