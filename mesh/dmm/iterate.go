package dmm

import (
	"context"
	"errors"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// maxIterations bounds Config.Iterations.
const maxIterations = 1000

// An iterated net (Config.Iterations = T) is one GridBranch applied T
// times: the state is the cosine coefficients c of -Lap phi (the branch's
// output units), c_0 = 0 is the identity map, and
//
//	c_{t+1} = c_t + branch(m / theta, r(c_t)),
//
// r the Monge-Ampere residual m(x) det(I + H) / theta - 1 of c_t's map at
// the grid nodes. Like a classical relaxation it sees only where its own
// map is wrong; unlike one, its step is learned, data-free: training keeps
// each training field's state c_t (t < T) and every Adam step draws a
// batch, takes one step from their states, and is scored by the
// Monge-Ampere loss of c_t + step (with the boundary and convexity
// terms), after which the states advance (back to the identity after T
// steps). So one network learns every step of the iteration, from the
// identity's large residual to the last small ones.

// iterate returns the coefficients after Config.Iterations steps for f,
// without recording.
func (net *Net) iterate(f Field) ([]float64, error) {
	c := make([]float64, net.Config.Latent)
	for range net.Config.Iterations {
		var step V
		autograd.NoGrad(func() { step = net.Branch(autograd.Const(net.stepInputs([]Field{f}, [][]float64{c}))) })
		for k, v := range step.Value.Data() {
			c[k] += v
		}
		if err := checkFinite("iterated map's coefficients", c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// stepInputs are the branch inputs [B, 2 N^2] of a step from the states:
// each field's m / theta and its state's residual at the nodes.
func (net *Net) stepInputs(fields []Field, states [][]float64) *tensor.Tensor[float64] {
	l := 2 * len(fields[0].Branch)
	in := tensor.New[float64](len(fields), l)
	for i, f := range fields {
		row := in.Data()[i*l : (i+1)*l]
		copy(row, f.Branch)
		copy(row[len(f.Branch):], residualAt(f, cosineGrid(states[i], net.Config.CosineModes, f.N)))
	}
	return in
}

// Coefficients returns the cosine coefficients of phi o T^-1 (the
// transformed problem's map) from those c of phi, in cosineModes(k, 2)'s
// order: FlipX multiplies mode (a, b) by (-1)^a, FlipY by (-1)^b, and
// SwapAxes moves it to (b, a) (before the flips act).
func (s Symmetry) Coefficients(c []float64, k int) []float64 {
	k1, k2, _ := cosineModes(k, 2)
	out := make([]float64, len(c))
	for m, v := range c {
		a, b := k1[m], k2[m]
		if s&SwapAxes != 0 {
			a, b = b, a
		}
		if s&FlipX != 0 && a%2 == 1 {
			v = -v
		}
		if s&FlipY != 0 && b%2 == 1 {
			v = -v
		}
		out[a*k+b-1] = v // row by row without (0, 0)
	}
	return out
}

// Inverse returns T^-1.
func (s Symmetry) Inverse() Symmetry {
	for t := range Symmetry(Symmetries) {
		x, y := s.Apply(0.25, 0.125) // binary fractions: 1 - x is exact
		if x, y = t.Apply(x, y); x == 0.25 && y == 0.125 {
			return t
		}
	}
	panic("dmm: Symmetry.Inverse: no inverse") // unreachable: D4 is a group
}

// iteratedPhases is Phases for an iterated net: one Adam phase whose
// every step advances Batch training fields' states by one step (each
// field with a random symmetry of the square when opt.Augment.Symmetries).
func (net *Net) iteratedPhases(fields []Field, opt TrainOptions, sched nn.Schedule) ([]nn.Phase[float64], error) {
	if opt.LBFGSIters > 0 || opt.Epochs < 1 {
		return nil, errors.New("an iterated net trains with Adam epochs only (its states move with every step; L-BFGS needs a fixed loss)")
	}
	if opt.Augment.Sign || (opt.Augment.Scale != 0 && opt.Augment.Scale != 1) {
		return nil, errors.New("an iterated net reads m / theta, which u -> -u and u -> c u leave unchanged: augment by Symmetries only")
	}
	k, t := net.Config.CosineModes, net.Config.Iterations
	states := make([][]float64, len(fields))
	depth := make([]int, len(fields))
	loss := func(_ context.Context, _, _ int, r *tensor.RNG) (V, error) {
		idx := make([]int, opt.Batch)
		syms := make([]Symmetry, opt.Batch)
		batch := make([]Field, opt.Batch)
		cur := make([][]float64, opt.Batch)
		for i := range idx {
			j := r.Intn(len(fields))
			if depth[j] >= t || states[j] == nil {
				states[j], depth[j] = make([]float64, net.Config.Latent), 0
			}
			if opt.Augment.Symmetries {
				syms[i] = Symmetry(r.Intn(Symmetries))
			}
			var err error
			if batch[i], err = fields[j].Transformed(syms[i]); err != nil {
				return nil, err
			}
			idx[i], cur[i] = j, syms[i].Coefficients(states[j], k)
		}
		step := net.Branch(autograd.Const(net.stepInputs(batch, cur)))
		start := tensor.New[float64](opt.Batch, net.Config.Latent)
		for i, c := range cur {
			copy(start.Data()[i*net.Config.Latent:], c)
		}
		total := autograd.Add(autograd.Const(start), step)
		xi, err := net.points(batch, opt.Loss, r)
		if err != nil {
			return nil, err
		}
		dv, err := net.Derivatives(total, xi, opt.Loss.Method)
		if err != nil {
			return nil, err
		}
		p := net.assemble(batch, xi, dv, opt.Loss)
		for i, j := range idx {
			next := total.Value.Data()[i*net.Config.Latent : (i+1)*net.Config.Latent]
			states[j], depth[j] = syms[i].Inverse().Coefficients(next, k), depth[j]+1
			if checkFinite("state", states[j]) != nil {
				states[j] = nil
			}
		}
		return p.Total, nil
	}
	return []nn.Phase[float64]{{Name: "adam", Optimizer: nn.NewAdam[float64](opt.LR, opt.WeightDecay), Schedule: sched, ClipNorm: opt.ClipNorm,
		Epochs: opt.Epochs, BatchesPerEpoch: opt.BatchesPerEpoch, Loss: loss}}, nil
}
