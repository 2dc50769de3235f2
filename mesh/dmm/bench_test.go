package dmm

import (
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// benchLoss times forward + backward of the DMM loss of a batch of 4
// fields on the quarter-width upstream network (48 x 48 fields, 120
// interior and 120 boundary points each) by the given derivative method.
func benchLoss(b *testing.B, m Method) { benchNet(b, Upstream().Scaled(0.25), m) }

// benchNet times the loss for the network c (a ConvBranch on 48 x 48, or
// an MLPBranch on the first c.Input values of each row of the field).
func benchNet(b *testing.B, c Config, m Method) {
	net, err := New(c, tensor.NewRNG(1))
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
		fields[i].Branch = fields[i].Branch[:net.branchLen()]
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

// upstreamMLP is the full-width trunk [2, 32, 512] and head [1024, 512, 1]
// with a small MLP branch, so the timing is the xi-derivative part.
func upstreamMLP() Config {
	c := Upstream()
	c.Branch, c.Input, c.BranchHidden = MLPBranch, 48, []int{64}
	return c
}

func BenchmarkTrunkHeadJets(b *testing.B)           { benchNet(b, upstreamMLP(), Jets) }
func BenchmarkTrunkHeadDoubleAutograd(b *testing.B) { benchNet(b, upstreamMLP(), DoubleAutograd) }

// BenchmarkIteratedStep48 times one step of the iterated grid net at
// 48^2 (16 channels, 3 hidden layers, all 48^2 - 1 modes): the residual
// at the nodes, the branch, the coefficients; a mesh costs Iterations of
// them plus one residual.
func BenchmarkIteratedStep48(b *testing.B) {
	n := 48
	net, err := New(Config{Dim: 2, Branch: GridBranch, Input: n, Channels: [2]int{16}, GridDepth: 3, GridInputs: 2, CosineModes: n, Iterations: 1},
		tensor.NewRNG(1))
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewField2D(asymField(n), n, 2)
	if err != nil {
		b.Fatal(err)
	}
	f = f.MonitorBranch()
	b.ResetTimer()
	for range b.N {
		if _, _, err := net.iterate(f); err != nil {
			b.Fatal(err)
		}
	}
}
