package dmm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

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
// a pool of states c_t (t < T) of training fields, and every Adam step
// draws a batch of them, takes one step, and is scored by the
// Monge-Ampere loss of c_t + step (with the boundary and convexity terms;
// at drawn points, or at every grid node with TrainOptions.NodeLoss),
// after which the states advance (back to the identity of a new field
// after T steps). So one network learns every step of the iteration,
// from the identity's large residual to the last small ones. A learned
// step need not contract, so the mesh is the state of least residual
// among c_0, ..., c_T.

// iterate returns, of the Config.Iterations + 1 states c_0 = 0, ..., c_T
// for f, the one whose residual at the nodes has the least root mean
// square (a learned step is not guaranteed to contract, and the residual
// is computed for every step anyway), without recording; and every
// state's root mean square residual. A step that is not finite ends the
// iteration.
func (net *Net) iterate(f Field) (best []float64, rms []float64, err error) {
	c := make([]float64, net.Config.Latent)
	for t := 0; ; t++ {
		in := net.stepInputs([]Field{f}, [][]float64{c})
		r := in.Data()[len(f.Branch):]
		sq := 0.0
		for _, v := range r {
			sq += v * v
		}
		rms = append(rms, math.Sqrt(sq/float64(len(r))))
		if rms[t] <= slices.Min(rms) {
			best = c
		}
		if t == net.Config.Iterations {
			return best, rms, nil
		}
		var step V
		autograd.NoGrad(func() { step = net.Branch(autograd.Const(in)) })
		next := slices.Clone(c)
		for k, v := range step.Value.Data() {
			next[k] += v
		}
		if checkFinite("coefficients", next) != nil {
			return best, rms, nil // a step that blew up ends the iteration
		}
		c = next
	}
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

// iterState is one state of the training pool: a training field (under
// one of the square's symmetries), its map's coefficients and the steps
// that made it.
type iterState struct {
	field Field
	c     []float64
	depth int
}

// iteratedPhases is Phases for an iterated net: one Adam phase over a
// pool of opt.Pool states (0: 4 x Batch); every step advances Batch of
// them, drawn without replacement, by one step, and a state that has
// taken Config.Iterations steps starts again from the identity for a
// random training field (under a random symmetry of the square when
// opt.Augment.Symmetries). A small pool keeps the states fresh (a state
// is advanced about every Pool / Batch steps, so it lives about T Pool /
// Batch steps) while new fields keep entering. The pool is not
// checkpointed: a resumed run refills it from the identity (and draws
// differently from then on), so it ends close to, not exactly at, an
// uninterrupted run's parameters.
func (net *Net) iteratedPhases(fields []Field, opt TrainOptions, sched nn.Schedule) ([]nn.Phase[float64], error) {
	if opt.LBFGSIters > 0 || opt.Epochs < 1 {
		return nil, fmt.Errorf("Epochs = %d, LBFGSIters = %d: an iterated net trains with Adam epochs only (its states move with every step; L-BFGS needs a fixed loss)",
			opt.Epochs, opt.LBFGSIters)
	}
	lo := opt.Loss
	if opt.NodeLoss {
		lo.Interior = net.Config.Input * net.Config.Input
	}
	if err := lo.validate(); err != nil {
		return nil, err
	}
	if opt.Augment.Sign || (opt.Augment.Scale != 0 && opt.Augment.Scale != 1) {
		return nil, errors.New("an iterated net reads m / theta, which u -> -u and u -> c u leave unchanged: augment by Symmetries only")
	}
	pool := opt.Pool
	if pool == 0 {
		pool = 4 * opt.Batch
	}
	if pool < opt.Batch {
		return nil, fmt.Errorf("Pool = %d; want at least Batch = %d states (0: 4 x Batch)", opt.Pool, opt.Batch)
	}
	l := net.Config.Latent
	states := make([]*iterState, pool)
	fresh := func(r *tensor.RNG) (*iterState, error) {
		s := Symmetry(0)
		if opt.Augment.Symmetries {
			s = Symmetry(r.Intn(Symmetries))
		}
		f, err := fields[r.Intn(len(fields))].Transformed(s)
		return &iterState{field: f, c: make([]float64, l)}, err
	}
	var nodes *tensor.Tensor[float64] // NodeLoss: the same points every step
	if opt.NodeLoss {
		nodes = nodePoints(opt.Batch, net.Config.Input, lo)
	}
	loss := func(_ context.Context, _, _ int, r *tensor.RNG) (V, error) {
		order := make([]int, pool)
		for i := range order {
			order[i] = i
		}
		picked := make([]*iterState, opt.Batch)
		batch := make([]Field, opt.Batch)
		cur := make([][]float64, opt.Batch)
		start := tensor.New[float64](opt.Batch, l)
		for i := range picked {
			k := i + r.Intn(pool-i) // partial Fisher-Yates: distinct states
			order[i], order[k] = order[k], order[i]
			st := states[order[i]]
			if st == nil || st.depth >= net.Config.Iterations {
				var err error
				if st, err = fresh(r); err != nil {
					return nil, err
				}
				states[order[i]] = st
			}
			picked[i], batch[i], cur[i] = st, st.field, st.c
			copy(start.Data()[i*l:], st.c)
		}
		step := net.Branch(autograd.Const(net.stepInputs(batch, cur)))
		total := autograd.Add(autograd.Const(start), step)
		var xi *tensor.Tensor[float64]
		var dv *Derivs
		var err error
		if opt.NodeLoss {
			xi = nodes
			dv = net.nodeDerivs(total, xi, net.Config.Input)
		} else {
			if xi, err = net.points(batch, lo, r); err != nil {
				return nil, err
			}
			if dv, err = net.Derivatives(total, xi, lo.Method); err != nil {
				return nil, err
			}
		}
		p := net.assemble(batch, xi, dv, lo)
		for i, st := range picked { // a non-finite state makes the loss so, which stops the run
			st.c, st.depth = slices.Clone(total.Value.Data()[i*l:(i+1)*l]), st.depth+1
		}
		return p.Total, nil
	}
	return []nn.Phase[float64]{{Name: "adam", Optimizer: nn.NewAdam[float64](opt.LR, opt.WeightDecay), Schedule: sched, ClipNorm: opt.ClipNorm,
		Epochs: opt.Epochs, BatchesPerEpoch: opt.BatchesPerEpoch, Loss: loss}}, nil
}

// nodePoints are the points of a node loss for B fields on the n x n
// grid: its n^2 nodes (node i*n + j at (i/(n-1), j/(n-1)), the interior
// points) followed by the boundary points of opt.
func nodePoints(b, n int, opt LossOptions) *tensor.Tensor[float64] {
	bnd := boundaryPoints(2, opt.BoundaryPerSide)
	p := n*n + len(bnd)/2
	xi := tensor.New[float64](b, p, 2)
	for f := range b {
		row := xi.Data()[f*2*p:]
		for k := range n * n {
			row[2*k], row[2*k+1] = float64(k/n)/float64(n-1), float64(k%n)/float64(n-1)
		}
		copy(row[2*n*n:], bnd)
	}
	return xi
}

// nodeDerivs is Derivatives at nodePoints for a 2-D cosine trunk with
// coefficients c [B, K^2 - 1]: at the nodes by separable sums (X_r C
// X_q^T, recorded; O(n K^2) per entry instead of the jets' O(n^2 K^2)),
// at the boundary points by the jets.
func (net *Net) nodeDerivs(c V, xi *tensor.Tensor[float64], n int) *Derivs {
	k, b := net.Config.CosineModes, c.Value.Dim(0)
	_, _, scale := cosineModes(k, 2)
	sc := tensor.FromSlice(append([]float64{0}, scale...), 1, k*k)
	cm := autograd.Reshape(autograd.Mul(autograd.Pad(c, 1, 1, 0, 0), autograd.Const(sc)), b, k, k)
	var X [3]*tensor.Tensor[float64]
	for r, t := range cosineTables(n, k) {
		X[r] = tensor.FromSlice(t, n, k)
	}
	at := func(rx, ry int) V {
		return autograd.Reshape(autograd.ApplyAlongAxis(autograd.ApplyAlongAxis(cm, 1, X[rx]), 2, X[ry]), b, n*n)
	}
	bnd := net.cosineDerivs(c, tensor.Slice(xi, 1, n*n, xi.Dim(1)))
	join := func(node, edge V) V { return autograd.Concat(1, node, edge) }
	return &Derivs{Phi: join(at(0, 0), bnd.Phi), Grad: []V{join(at(1, 0), bnd.Grad[0]), join(at(0, 1), bnd.Grad[1])},
		Hess: []V{join(at(2, 0), bnd.Hess[0]), join(at(1, 1), bnd.Hess[1]), join(at(0, 2), bnd.Hess[2])}}
}
