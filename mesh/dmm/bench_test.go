package dmm

import (
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// benchLoss times forward + backward of the DMM loss of a batch of 4
// fields on the quarter-width upstream network (48 x 48 fields, 120
// interior and 120 boundary points each) by the given derivative method.
func benchLoss(b *testing.B, m Method) {
	net, err := New(Upstream().Scaled(0.25), tensor.NewRNG(1))
	if err != nil {
		b.Fatal(err)
	}
	fields := make([]Field, 4)
	for i := range fields {
		u := make([]float64, 48*48)
		for k := range u {
			u[k] = TanhFront(0.3+0.1*float64(i), 0.1, 48)[k/48]
		}
		if fields[i], err = NewField2D(u, 48, 100); err != nil {
			b.Fatal(err)
		}
	}
	opt := DefaultLoss()
	opt.Method = m
	r := tensor.NewRNG(2)
	b.ResetTimer()
	for range b.N {
		p, err := net.Loss(fields, opt, r)
		if err != nil {
			b.Fatal(err)
		}
		if err := autograd.Backward(p.Total); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLossJets(b *testing.B)           { benchLoss(b, Jets) }
func BenchmarkLossDoubleAutograd(b *testing.B) { benchLoss(b, DoubleAutograd) }
