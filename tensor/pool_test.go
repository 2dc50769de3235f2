package tensor

import (
	"math"
	"testing"
)

func sameArray[T Float](a, b []T) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

func TestEmptyReusesRecycledBuffers(t *testing.T) {
	const n = 3001 // a length no other test allocates
	a := New[float32](n)
	buf := a.Data()
	Recycle(a)
	if a.Data() != nil {
		t.Fatalf("a recycled tensor still holds its buffer")
	}
	c := Empty[float32](n)
	if !sameArray(c.Data(), buf) {
		t.Fatalf("Empty(%d) did not reuse the recycled buffer", n)
	}
	if d := Empty[float32](n); sameArray(d.Data(), buf) {
		t.Fatalf("one recycled buffer was handed out twice")
	}
	// float64 buffers of the same length are a separate pool.
	e := New[float64](n)
	buf64 := e.Data()
	Recycle(e)
	if f := Empty[float32](n); len(f.Data()) != n {
		t.Fatalf("Empty[float32](%d) has %d values", n, len(f.Data()))
	}
	if g := Empty[float64](n); !sameArray(g.Data(), buf64) {
		t.Fatalf("Empty[float64](%d) did not reuse the recycled float64 buffer", n)
	}
}

func TestRecycleRefusesWhatItDoesNotOwn(t *testing.T) {
	const n = 3002
	cases := []struct {
		name string
		make func() (*Tensor[float64], []float64)
	}{
		{"wrapped slice", func() (*Tensor[float64], []float64) { s := make([]float64, n); return FromSlice(s, n), s }},
		{"small tensor", func() (*Tensor[float64], []float64) { x := New[float64](minRecycled - 1); return x, x.Data() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, buf := c.make()
			Recycle(x)
			if got := Empty[float64](len(buf)); sameArray(got.Data(), buf) {
				t.Fatalf("Empty handed out a buffer Recycle should have refused")
			}
		})
	}
}

// A tensor and its Reshape view share one ownership record: recycling
// both hands the buffer out once.
func TestRecycleOwnerAndViewOnce(t *testing.T) {
	const n = 3006
	x := New[float32](n)
	v := x.Reshape(2, n/2)
	Recycle(v)
	Recycle(x)
	a, b := Empty[float32](n), Empty[float32](n)
	if sameArray(a.Data(), b.Data()) {
		t.Fatalf("one buffer was handed to two tensors")
	}
	r := NewRecycler[float32]()
	y := New[float32](n)
	r.Hold(y.Reshape(1, n))
	r.Flush()
	Recycle(y)
	c, d := Empty[float32](n), Empty[float32](n)
	if sameArray(c.Data(), d.Data()) {
		t.Fatalf("a Recycler and Recycle both pooled one buffer")
	}
}

func TestCloneOfRecycledTensorPanics(t *testing.T) {
	x := New[float64](3007)
	Recycle(x)
	defer func() {
		if recover() == nil {
			t.Fatalf("Clone of a recycled tensor returned")
		}
	}()
	x.Clone()
}

func TestRecyclerCountsReferences(t *testing.T) {
	const n = 3003
	type step struct {
		op   string // hold, drop, keep, flush
		view bool   // act on a Reshape view of the tensor
	}
	cases := []struct {
		name     string
		steps    []step
		recycled bool
	}{
		{"held once, dropped once", []step{{op: "hold"}, {op: "drop"}}, true},
		{"held twice, dropped once", []step{{op: "hold"}, {op: "hold", view: true}, {op: "drop"}}, false},
		{"held twice, dropped twice", []step{{op: "hold"}, {op: "hold", view: true}, {op: "drop", view: true}, {op: "drop"}}, true},
		{"kept through a view", []step{{op: "keep", view: true}, {op: "hold"}, {op: "drop"}}, false},
		{"held at the flush", []step{{op: "hold"}, {op: "hold"}, {op: "flush"}}, true},
		{"kept at the flush", []step{{op: "hold"}, {op: "keep"}, {op: "flush"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := New[float32](n)
			v := x.Reshape(1, n)
			buf := x.Data()
			r := NewRecycler[float32]()
			for _, s := range c.steps {
				y := x
				if s.view {
					y = v
				}
				switch s.op {
				case "hold":
					r.Hold(y)
				case "drop":
					r.Drop(y)
				case "keep":
					r.Keep(y)
				case "flush":
					r.Flush()
				}
			}
			got := Empty[float32](n)
			if sameArray(got.Data(), buf) != c.recycled {
				t.Fatalf("buffer recycled = %v, want %v", !c.recycled, c.recycled)
			}
			if !c.recycled {
				Recycle(got)
			}
		})
	}
}

func TestPoolDropsBuffersNotReused(t *testing.T) {
	const n = 3004
	x := New[float32](n)
	buf := x.Data()
	Recycle(x)
	for i := 0; i <= poolMaxAge; i++ {
		agePool()
	}
	if got := Empty[float32](n); sameArray(got.Data(), buf) {
		t.Fatalf("a buffer idle for %d generations was still pooled", poolMaxAge+1)
	}
}

func TestPoisonFillsNaN(t *testing.T) {
	defer func(p bool) { poison = p }(poison)
	poison = true
	const n = 3005
	e := Empty[float64](n)
	if !math.IsNaN(e.Data()[n-1]) {
		t.Fatalf("poisoned Empty gave %v, want NaN", e.Data()[n-1])
	}
	x := Ones[float64](n)
	buf := x.Data()
	Recycle(x)
	if !math.IsNaN(buf[0]) {
		t.Fatalf("poisoned Recycle left %v in the buffer, want NaN", buf[0])
	}
}

// Kernels writing into Empty outputs must write every element: with the
// outputs poisoned, a missed element would be NaN.
func TestEmptyOutputsAreFullyWritten(t *testing.T) {
	defer func(p bool) { poison = p }(poison)
	poison = true
	r := NewRNG(7)
	a, b := RandN[float32](r, 4, 8, 40), RandN[float32](r, 4, 8, 40)
	row := RandN[float32](r, 1, 1, 40)
	cases := map[string]*Tensor[float32]{
		"add":           Add(a, b),
		"add broadcast": Add(a, row),
		"mul":           Mul(a, b),
		"scale":         Scale(a, 3),
		"gelu":          GELU(a),
		"gelu backward": GELUBackward(a, b),
		"permute":       Permute(a, 2, 0, 1),
		"slice":         Slice(a, 2, 3, 37),
		"gather":        Gather(a, 1, []int{7, 0, 0, 3}),
		"matmul":        MatMul(a, b, false, true),
		"softmax":       Softmax(a, 2),
		"clone":         a.Clone(),
	}
	for name, out := range cases {
		if !AllFinite(out) {
			t.Errorf("%s: an output element was not written", name)
		}
	}
}
