package nn

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

func moments(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v))
}

func TestInitialisersHaveTheirVariance(t *testing.T) {
	r := tensor.NewRNG(7)
	shape := []int{200, 300}
	fi, fo := Fans(shape)
	cases := []struct {
		name string
		t    *tensor.Tensor[float64]
		want float64
	}{
		{"xavier uniform", XavierUniform[float64](r, 1, shape...), 2 / float64(fi+fo)},
		{"xavier normal", XavierNormal[float64](r, 1, shape...), 2 / float64(fi+fo)},
		{"kaiming uniform", KaimingUniform[float64](r, 0, false, shape...), 2 / float64(fi)},
		{"kaiming normal fan out", KaimingNormal[float64](r, 0, true, shape...), 2 / float64(fo)},
	}
	for _, c := range cases {
		mean, v := moments(c.t.Data())
		if math.Abs(mean) > 0.01*math.Sqrt(c.want)*10 || math.Abs(v-c.want) > 0.03*c.want {
			t.Errorf("%s: mean %v variance %v, want 0 and %v", c.name, mean, v, c.want)
		}
	}
}

func TestDropout(t *testing.T) {
	r := tensor.NewRNG(8)
	x := autograd.Const(tensor.Ones[float64](10000))
	y := DropoutForward(Dropout{P: 0.3}, x, true, r).Value
	zeros, sum := 0, 0.0
	for _, v := range y.Data() {
		if v == 0 {
			zeros++
		} else if math.Abs(v-1/0.7) > 1e-12 {
			t.Fatalf("kept value %v, want 1/0.7", v)
		}
		sum += v
	}
	// 3000 +- 46 dropped; 5 sd bounds.
	if zeros < 2770 || zeros > 3230 || math.Abs(sum/10000-1) > 0.05 {
		t.Fatalf("%d dropped, mean %v", zeros, sum/10000)
	}
	if DropoutForward(Dropout{P: 0.3}, x, false, r) != x {
		t.Fatal("dropout changed values at evaluation")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := autograd.Param(tensor.New[float64](2))
	b := autograd.Param(tensor.New[float64](1))
	a.Grad = tensor.FromSlice([]float64{3, 0}, 2)
	b.Grad = tensor.FromSlice([]float64{4}, 1)
	params := []Param[float64]{{Name: "a", Var: a}, {Name: "b", Var: b}}
	if n := ClipGradNorm(params, 1); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	coef := 1 / (5 + 1e-6)
	if math.Abs(a.Grad.Data()[0]-3*coef) > 1e-15 || math.Abs(b.Grad.Data()[0]-4*coef) > 1e-15 {
		t.Fatalf("clipped %v %v", a.Grad.Data(), b.Grad.Data())
	}
	ClipGradNorm(params, 10) // below the limit: unchanged
	if math.Abs(b.Grad.Data()[0]-4*coef) > 1e-15 {
		t.Fatal("clipping below the limit changed gradients")
	}
}

func TestTrainerCancellation(t *testing.T) {
	tr, _ := quadTask(t, t.TempDir(), 100, -1)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	inner := tr.Phases[0].Loss
	tr.Phases[0].Loss = func(c context.Context, e, b int, r *tensor.RNG) (*autograd.Var[float64], error) {
		calls++
		if calls == 7 {
			cancel()
		}
		return inner(c, e, b, r)
	}
	_, err := tr.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if calls != 7 {
		t.Fatalf("%d batches ran, want 7", calls)
	}
}

// TestOneCycleShortWarmup: a warm-up of at most one step (pct x total <=
// 1, where torch divides by zero) starts at the peak and anneals; one step
// in all stays at the peak. No rate is NaN.
func TestOneCycleShortWarmup(t *testing.T) {
	for _, c := range []struct {
		pct   float64
		total int
	}{{0.25, 4}, {0.1, 5}, {0.3, 1}} {
		s := &OneCycleLR{Max: 1, Total: c.total, Pct: c.pct, Div: 25, FinalDiv: 1e4}
		prev := math.Inf(1)
		for i := 0; i < c.total; i++ {
			lr := s.LR()
			if math.IsNaN(lr) || lr > prev || lr > 1 {
				t.Errorf("pct %v, total %d: step %d rate %v after %v", c.pct, c.total, i, lr, prev)
			}
			if i == 0 && lr != 1 {
				t.Errorf("pct %v, total %d: first rate %v, want the peak 1", c.pct, c.total, lr)
			}
			prev = lr
			s.Step(0)
		}
	}
}
