package autograd

import (
	"strings"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// recycleGraph builds a loss whose graph has what buffer recycling must
// get right: Reshape views of op values and of a parameter, an input used
// twice (Add's backward hands one gradient to both), an op whose backward
// reads its own output (Tanh), a fused op with saved buffers
// (SpectralConv), and values large enough to be pooled.
func recycleGraph(x, w, b, sw *Var[float64]) (loss, hidden *Var[float64]) {
	h := Linear(x, w, b)                // [4, 16, 32, 24]
	h = Add(h, h)                       // one gradient for both inputs
	t := Tanh(Reshape(h, 4, 16, 32*24)) // reads its output
	s := SpectralConv(Reshape(t, 4, 16, 32, 24), sw, []int{5, 4})
	z := Mul(Reshape(s, 4, 16, 32, 24), Reshape(x, 4, 16, 32, 24)) // x's view in the graph
	return Mean(Square(z)), h
}

func recycleParams() []*Var[float64] {
	r := tensor.NewRNG(11)
	return []*Var[float64]{
		Param(tensor.RandN[float64](r, 4, 16, 32, 24)),
		Param(tensor.Scale(tensor.RandN[float64](r, 24, 24), 0.2)),
		Param(tensor.RandN[float64](r, 24)),
		Param(tensor.Scale(tensor.RandN[float64](r, 2, 16, 16, 5, 4, 2), 0.05)),
	}
}

// Three steps with BackwardAndRelease, each reusing the buffers the one
// before recycled, give the gradients of plain Backward bit for bit.
func TestBackwardAndReleaseMatchesBackward(t *testing.T) {
	ps := recycleParams()
	loss, _ := recycleGraph(ps[0], ps[1], ps[2], ps[3])
	if err := Backward(loss); err != nil {
		t.Fatal(err)
	}
	want := make([]*tensor.Tensor[float64], len(ps))
	for i, p := range ps {
		want[i], p.Grad = p.Grad.Clone(), nil
	}
	wantLoss := loss.Value.Item()
	for step := 0; step < 3; step++ {
		loss, hidden := recycleGraph(ps[0], ps[1], ps[2], ps[3])
		if err := BackwardAndRelease(loss); err != nil {
			t.Fatal(err)
		}
		if got := loss.Value.Item(); got != wantLoss {
			t.Fatalf("step %d: loss %v after the release, want %v", step, got, wantLoss)
		}
		for i, p := range ps {
			if d := maxAbsDiff(p.Grad, want[i]); d != 0 {
				t.Fatalf("step %d: gradient of parameter %d differs from Backward's by %g", step, i, d)
			}
			p.Grad = nil
		}
		if hidden.Value != nil {
			t.Fatalf("step %d: an op's Var still holds its value after the release", step)
		}
	}
	if ps[0].Value == nil || ps[0].Value.Len() != 4*16*32*24 {
		t.Fatalf("the release emptied a leaf")
	}
}

func TestBackwardThroughReleasedGraphPanics(t *testing.T) {
	ps := recycleParams()
	loss, _ := recycleGraph(ps[0], ps[1], ps[2], ps[3])
	if err := BackwardAndRelease(loss); err != nil {
		t.Fatal(err)
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "after its graph was released") {
			t.Fatalf("backward through a released graph: panic %q, want one naming the release", msg)
		}
	}()
	_ = Backward(loss)
}

// Release after Backward recycles the values and keeps the leaves and the
// loss; a following step computes the same loss from reused buffers.
func TestReleaseAfterBackward(t *testing.T) {
	ps := recycleParams()
	loss, hidden := recycleGraph(ps[0], ps[1], ps[2], ps[3])
	want := loss.Value.Item()
	if err := Backward(loss); err != nil {
		t.Fatal(err)
	}
	if n := Release(loss); n == 0 {
		t.Fatalf("Release recycled no buffer")
	}
	if hidden.Value != nil || loss.Value == nil || ps[1].Value == nil || ps[0].Grad == nil {
		t.Fatalf("Release emptied the wrong Vars")
	}
	again, _ := recycleGraph(ps[0], ps[1], ps[2], ps[3])
	if got := again.Value.Item(); got != want {
		t.Fatalf("loss %v from recycled buffers, want %v", got, want)
	}
}

func maxAbsDiff(a, b *tensor.Tensor[float64]) float64 {
	d := 0.0
	for i, v := range a.Data() {
		if e := v - b.Data()[i]; e > d {
			d = e
		} else if -e > d {
			d = -e
		}
	}
	return d
}
