package dmm

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// TestStandardizeBranch: the branch sees each field standardised, so a
// field and an affine copy of it (a u + b, a > 0) get the same features;
// a constant field is only shifted.
func TestStandardizeBranch(t *testing.T) {
	c := Upstream().Scaled(0.25)
	c.Input, c.StandardizeBranch = 12, true
	net, err := New(c, tensor.NewRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	u := make([]float64, 2*144)
	for k := range 144 {
		u[k] = 0.1 * math.Sin(float64(k)/7)
		u[144+k] = 5 + 30*u[k]
	}
	f := net.Branch(autograd.Const(tensor.FromSlice(u, 2, 144))).Value.Data()
	l := len(f) / 2
	for i := range l {
		if math.Abs(f[i]-f[l+i]) > 1e-12 {
			t.Fatalf("feature %d: %g and %g for an affine copy", i, f[i], f[l+i])
		}
	}
	s := standardize(tensor.FromSlice([]float64{2, 2, 2, 2}, 1, 4)).Data()
	if s[0] != 0 || s[3] != 0 {
		t.Fatalf("constant field standardised to %v; want 0", s)
	}
}

// TestTrunkInit: TrunkInit multiplies exactly the trunk's first-layer
// weights of the same draw; a negative one is refused.
func TestTrunkInit(t *testing.T) {
	c := Upstream().Scaled(0.25)
	c.Input = 12
	a, err := New(c, tensor.NewRNG(5))
	if err != nil {
		t.Fatal(err)
	}
	c.TrunkInit = 5
	b, err := New(c, tensor.NewRNG(5))
	if err != nil {
		t.Fatal(err)
	}
	wa, wb := a.Trunk.Layers[0].W.Value.Data(), b.Trunk.Layers[0].W.Value.Data()
	for i := range wa {
		if wb[i] != 5*wa[i] {
			t.Fatalf("weight %d: %g, want 5 x %g", i, wb[i], wa[i])
		}
	}
	if a.Trunk.Layers[1].W.Value.Data()[0] != b.Trunk.Layers[1].W.Value.Data()[0] {
		t.Fatal("second trunk layer changed")
	}
	c.TrunkInit = -1
	if _, err := New(c, tensor.NewRNG(5)); err == nil {
		t.Fatal("TrunkInit -1 accepted")
	}
}
