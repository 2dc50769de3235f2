package giorom

import (
	"fmt"
	"math"
	"slices"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/geometry"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// densityFloor is the sampled density below which a query gets no
// interpolated displacement (Shepard's ratio is undefined there).
const densityFloor = 1e-5

// jitterSpacings is the standard deviation of the training lookups'
// jitter in reconstruction-grid spacings.
const jitterSpacings = 0.8

// ReconIDWNeighbours and ReconIDWPower define the inverse-distance
// baseline: the 8 nearest sparse particles, weights |q - s|^-2.
const (
	ReconIDWNeighbours = 8
	ReconIDWPower      = 2.0
)

// checkSubset checks sparse indices into n particles.
func checkSubset(idx []int, n int) error {
	if len(idx) == 0 {
		return fmt.Errorf("giorom: empty sparse subset")
	}
	for k, i := range idx {
		if i < 0 || i >= n {
			return fmt.Errorf("giorom: sparse index %d is %d, want [0, %d)", k, i, n)
		}
	}
	return nil
}

// reconScale returns the reconstruction grid spacing per axis, the unit
// of the MLP's displacement input and of its residual.
func (c Config) reconScale() []float64 {
	h := make([]float64, c.Dim)
	for a := range h {
		h[a] = c.spacing(a, c.ReconGrid)
	}
	return h
}

// extent returns BoxHi - BoxLo per axis.
func (c Config) extent() []float64 {
	e := make([]float64, c.Dim)
	for a := range e {
		e[a] = c.BoxHi[a] - c.BoxLo[a]
	}
	return e
}

// reconInputs builds the residual MLP's inputs for the dense particles
// at their reference positions ref [nd, d], from the sparse particles idx
// at their current positions cur [ns, d]. It returns the features [nd,
// reconIn] and the interpolated prediction ref + u [nd, d].
//
// Each sparse particle splats its moments (fillMoments: 1, g, g g^T, u,
// u g^T with g its reference position in grid spacings and u = cur -
// ref[idx]) at its reference position onto the ReconGrid^d node grid over
// the box (multilinear weights, ApplyStencilT); a lookup at a dense
// reference position (ApplyStencil) gives the moments under the weights
// w_s(q) = sum_node S_q(node) S_node(s), and fitMoments the weighted
// linear fit u(q) = ubar + B (q - gbar) there: a moving least-squares
// interpolant, exact for any affine displacement field (rigid motion and
// uniform strain) where the sparse particles in reach are not collinear.
// A query with no sparse particle in reach takes the displacement of the
// nearest sparse particle (geometry.KNN).
//
// The prediction's u always comes from the exact lookup. With jitter
// non-nil (training), the features u/h, B/h and rho are averages of
// ReconSamples fits at q + N(0, (0.8 h_a)^2) (a jittered query out of
// reach contributes the exact query's fit): jittered features are an
// augmentation, but a jittered u in the prediction would train the
// residual to correct an interpolant that evaluation never uses
// (measured with Shepard's ratio: the trained field was worse than the
// untrained one).
func (m *Model[T]) reconInputs(ref []float64, nd int, idx []int, cur []float64, jitter *tensor.RNG) (*tensor.Tensor[T], []float64, error) {
	cfg := m.Cfg
	d := cfg.Dim
	gf, err := m.splatMoments(ref, idx, cur)
	if err != nil {
		return nil, nil, err
	}
	exact, err := gf.fit(ref, nil)
	if err != nil {
		return nil, nil, err
	}
	acc := exact
	if jitter != nil {
		acc = make([]localFit, nd)
		for s := 0; s < cfg.ReconSamples; s++ {
			fits, err := gf.fit(ref, jitter)
			if err != nil {
				return nil, nil, err
			}
			for i, f := range fits {
				if !(f.rho > densityFloor) {
					f = exact[i]
				}
				acc[i].add(f, 1/float64(cfg.ReconSamples))
			}
		}
	}
	ext, scale := cfg.extent(), cfg.reconScale()
	width := cfg.reconIn()
	feat := tensor.New[T](nd, width)
	base := make([]float64, nd*d)
	for i := 0; i < nd; i++ {
		row := feat.Data()[i*width : (i+1)*width]
		f := acc[i]
		k := 0
		for a := 0; a < d; a++ {
			base[i*d+a] = ref[i*d+a] + exact[i].u[a]
			row[k] = T(f.u[a] / scale[a])
			k++
		}
		for a := 0; a < d*d; a++ {
			row[k] = T(f.grad[a] / scale[a/d])
			k++
		}
		row[k] = T(f.rho)
		k++
		for l := 0; l < cfg.PELevels; l++ {
			w := math.Pi * math.Ldexp(1, l)
			for a := 0; a < d; a++ {
				x := (ref[i*d+a] - cfg.BoxLo[a]) / ext[a]
				row[k] = T(math.Sin(w * x))
				row[k+1] = T(math.Cos(w * x))
				k += 2
			}
		}
	}
	return feat, base, nil
}

// add accumulates w times f (density, displacement and gradient).
func (f *localFit) add(g localFit, w float64) {
	f.rho += w * g.rho
	for k := range f.u {
		f.u[k] += w * g.u[k]
	}
	for k := range f.grad {
		f.grad[k] += w * g.grad[k]
	}
}

// gridMoments is the sparse particles' moments on the reconstruction
// grid, with what a lookup and the out-of-reach fallback need.
type gridMoments struct {
	cfg   Config
	nodes []int
	grid  *tensor.Tensor[float64] // [ReconGrid^d, momentChannels]
	refS  []float64               // sparse reference positions [ns, d]
	disp  []float64               // sparse displacements [ns, d]
}

// splatMoments splats the moments of the sparse particles idx (reference
// positions ref[idx], current positions cur) onto the reconstruction
// grid.
func (m *Model[T]) splatMoments(ref []float64, idx []int, cur []float64) (*gridMoments, error) {
	cfg := m.Cfg
	d := cfg.Dim
	gm := &gridMoments{cfg: cfg, nodes: make([]int, d)}
	for a := range gm.nodes {
		gm.nodes[a] = cfg.ReconGrid
	}
	ns, ch := len(idx), momentChannels(d)
	gm.refS, gm.disp = make([]float64, 0, ns*d), make([]float64, ns*d)
	for _, i := range idx {
		gm.refS = append(gm.refS, ref[i*d:(i+1)*d]...)
	}
	src := tensor.New[float64](ns, ch)
	g := make([]float64, d)
	scale := cfg.reconScale()
	for j := 0; j < ns; j++ {
		for a := 0; a < d; a++ {
			g[a] = (gm.refS[j*d+a] - cfg.BoxLo[a]) / scale[a]
			gm.disp[j*d+a] = cur[j*d+a] - gm.refS[j*d+a]
		}
		fillMoments(src.Data()[j*ch:(j+1)*ch], g, gm.disp[j*d:(j+1)*d], d)
	}
	st, err := gm.stencil(gm.refS)
	if err != nil {
		return nil, err
	}
	gm.grid = tensor.ApplyStencilT(st, src)
	return gm, nil
}

// stencil is the multilinear stencil of the points pos onto the grid.
func (gm *gridMoments) stencil(pos []float64) (*tensor.Stencil[float64], error) {
	cfg := gm.cfg
	si, sw, err := geometry.GridStencil(pos, cfg.Dim, cfg.BoxLo, cfg.BoxHi, gm.nodes)
	if err != nil {
		return nil, fmt.Errorf("giorom: reconstruction stencil: %w", err)
	}
	gr := 1
	for _, n := range gm.nodes {
		gr *= n
	}
	st := &tensor.Stencil[float64]{Idx: si, W: sw, K: 1 << cfg.Dim, N: gr}
	return st, st.Validate()
}

// fit looks the moments up at the queries q [n, d] (each moved by
// N(0, (0.8 h_a)^2) when jitter is non-nil) and returns the local fit
// there. Without jitter, a query out of reach of every sparse particle
// takes the displacement of the nearest one (density 0, gradient 0);
// with jitter it is left with density 0 for the caller.
func (gm *gridMoments) fit(q []float64, jitter *tensor.RNG) ([]localFit, error) {
	cfg := gm.cfg
	d := cfg.Dim
	scale := cfg.reconScale()
	pos := slices.Clone(q)
	if jitter != nil {
		for k := range pos {
			pos[k] += jitterSpacings * scale[k%d] * jitter.Normal()
		}
	}
	st, err := gm.stencil(pos)
	if err != nil {
		return nil, err
	}
	mom := tensor.ApplyStencil(st, gm.grid).Data()
	ch, n := momentChannels(d), len(q)/d
	fits := make([]localFit, n)
	g := make([]float64, d)
	var holes []int
	for i := range fits {
		for a := 0; a < d; a++ {
			// The lookup clamps a query outside the box to it (its
			// weights are the boundary point's); the fit is still
			// evaluated at the query itself.
			g[a] = (pos[i*d+a] - cfg.BoxLo[a]) / scale[a]
		}
		var ok bool
		if fits[i], ok = fitMoments(mom[i*ch:(i+1)*ch], g, d); !ok {
			holes = append(holes, i)
		}
	}
	if jitter != nil || len(holes) == 0 {
		return fits, nil
	}
	return fits, gm.nearest(q, holes, fits)
}

// nearest gives each query holes[k] of q the displacement of its nearest
// sparse particle (by reference position).
func (gm *gridMoments) nearest(q []float64, holes []int, fits []localFit) error {
	d := gm.cfg.Dim
	hq := make([]float64, 0, len(holes)*d)
	for _, i := range holes {
		hq = append(hq, q[i*d:(i+1)*d]...)
	}
	near, _, err := geometry.KNN(gm.refS, hq, d, geometry.Box{}, 1)
	if err != nil {
		return fmt.Errorf("giorom: nearest sparse particle of %d queries out of reach: %w", len(holes), err)
	}
	for k, i := range holes {
		j := int(near[k])
		copy(fits[i].u[:d], gm.disp[j*d:(j+1)*d])
	}
	return nil
}

// checkRecon converts and checks the reconstruction inputs: dense
// reference positions [nd, d], sparse indices and sparse current
// positions [len(idx), d].
func (m *Model[T]) checkRecon(refDense []float32, nd int, idx []int, current []float32) ([]float64, []float64, error) {
	if m.ReconMLP == nil {
		return nil, nil, fmt.Errorf("giorom: the model was built without the reconstructor (recon = false)")
	}
	ref, err := m.checkPositions("dense reference", refDense, 1, nd)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSubset(idx, nd); err != nil {
		return nil, nil, err
	}
	cur, err := m.checkPositions("sparse current positions", current, 1, len(idx))
	if err != nil {
		return nil, nil, err
	}
	return ref, cur, nil
}

// Reconstruct predicts the current positions [nd, d] of all nd particles
// from their reference positions refDense [nd, d] (any frame in which
// every particle is known: training uses the trajectory's first frame,
// the pipeline's rollouts their last input frame) and the current positions current [ns, d] of the sparse
// particles sparseIdx (indices into the dense set): x_ref + u +
// h * MLP([u / h, B / h, rho, PE(x_ref)]), u and B the grid's linear fit
// at x_ref (reconInputs) and h the reconstruction grid spacing per axis
// (the MLP works in grid spacings, where the interpolation's errors are
// O(1)); the sparse particles keep their given positions. It records no
// gradients.
func (m *Model[T]) Reconstruct(refDense []float32, nd int, sparseIdx []int, current []float32) ([]float32, error) {
	return m.reconstruct(refDense, nd, sparseIdx, current, true)
}

// Interpolate is Reconstruct without the residual MLP: x_ref + u, the
// grid's moving least-squares interpolant alone (what Reconstruct is
// before training), to tell what training adds.
func (m *Model[T]) Interpolate(refDense []float32, nd int, sparseIdx []int, current []float32) ([]float32, error) {
	return m.reconstruct(refDense, nd, sparseIdx, current, false)
}

func (m *Model[T]) reconstruct(refDense []float32, nd int, sparseIdx []int, current []float32, residual bool) ([]float32, error) {
	ref, cur, err := m.checkRecon(refDense, nd, sparseIdx, current)
	if err != nil {
		return nil, err
	}
	feat, base, err := m.reconInputs(ref, nd, sparseIdx, cur, nil)
	if err != nil {
		return nil, err
	}
	d := m.Cfg.Dim
	out := make([]float32, nd*d)
	for k := range out {
		out[k] = float32(base[k])
	}
	if residual {
		var res *tensor.Tensor[T]
		autograd.NoGrad(func() { res = m.ReconMLP.Forward(autograd.Const(feat)).Value })
		scale := m.Cfg.reconScale()
		for k := range out {
			out[k] = float32(base[k] + scale[k%d]*float64(res.Data()[k]))
		}
	}
	// The sparse particles' positions are given: they are kept, not
	// re-predicted (as inverse-distance interpolation keeps them).
	for j, i := range sparseIdx {
		copy(out[i*d:(i+1)*d], current[j*d:(j+1)*d])
	}
	return out, nil
}

// ReconLoss is the reconstruction training loss of one frame [n, d] of
// all n particles with reference positions ref [n, d] and the sparse
// particles sparseIdx: ReconSamples jittered lookups drawn from r (one
// exact lookup when r is nil), and the mean squared error of the
// predicted positions in grid spacings, mean_{i,a} ((x^_ia - x_ia) /
// h_a)^2, over the particles outside the subset (Reconstruct keeps the
// subset's given positions; all particles when the subset is all).
func (m *Model[T]) ReconLoss(ref, frame []float32, n int, sparseIdx []int, r *tensor.RNG) (*autograd.Var[T], error) {
	if m.ReconMLP == nil {
		return nil, fmt.Errorf("giorom: the model was built without the reconstructor (recon = false)")
	}
	r64, err := m.checkPositions("reference", ref, 1, n)
	if err != nil {
		return nil, err
	}
	f64, err := m.checkPositions("frame", frame, 1, n)
	if err != nil {
		return nil, err
	}
	if err := checkSubset(sparseIdx, n); err != nil {
		return nil, err
	}
	return m.reconLoss(r64, f64, n, sparseIdx, r)
}

// reconLoss is ReconLoss on checked float64 positions. Since the
// prediction is base + h * res, the scaled error is res - (x - base) / h,
// so the loss is the MSE of the residual against that target.
func (m *Model[T]) reconLoss(ref, frame []float64, n int, idx []int, r *tensor.RNG) (*autograd.Var[T], error) {
	d := m.Cfg.Dim
	cur := make([]float64, 0, len(idx)*d)
	for _, i := range idx {
		cur = append(cur, frame[i*d:(i+1)*d]...)
	}
	feat, base, err := m.reconInputs(ref, n, idx, cur, r)
	if err != nil {
		return nil, err
	}
	rows := unsampled(n, idx)
	width := feat.Shape()[1]
	scale := m.Cfg.reconScale()
	in, target := tensor.New[T](len(rows), width), tensor.New[T](len(rows), d)
	for r, i := range rows {
		copy(in.Data()[r*width:(r+1)*width], feat.Data()[i*width:(i+1)*width])
		for a := 0; a < d; a++ {
			target.Data()[r*d+a] = T((frame[i*d+a] - base[i*d+a]) / scale[a])
		}
	}
	return nn.MSE(m.ReconMLP.Forward(autograd.Const(in)), autograd.Const(target)), nil
}

// unsampled lists the particles of n not in the subset idx, whose
// positions the reconstruction predicts (it keeps the subset's given
// ones), or all n when the subset is every particle.
func unsampled(n int, idx []int) []int {
	in := make([]bool, n)
	for _, i := range idx {
		in[i] = true
	}
	var rows []int
	for i := range n {
		if !in[i] {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		for i := range n {
			rows = append(rows, i)
		}
	}
	return rows
}

// InverseDistanceReconstruct is the baseline of Reconstruct with the
// same inputs: each dense particle's displacement is Shepard's
// inverse-distance interpolant (geometry.InverseDistance, power 2) of the
// sparse displacements u = current - ref[sparseIdx] from the 8 nearest
// sparse reference positions (all of them when fewer), and the prediction
// is x_ref + u.
func InverseDistanceReconstruct(refDense []float32, nd, dim int, sparseIdx []int, current []float32) ([]float32, error) {
	if dim != 2 && dim != 3 {
		return nil, fmt.Errorf("giorom: dim must be 2 or 3, got %d", dim)
	}
	if nd < 1 || len(refDense) != nd*dim {
		return nil, fmt.Errorf("giorom: dense reference has %d values, want [%d, %d]", len(refDense), nd, dim)
	}
	if err := checkSubset(sparseIdx, nd); err != nil {
		return nil, err
	}
	ns := len(sparseIdx)
	if len(current) != ns*dim {
		return nil, fmt.Errorf("giorom: sparse current positions have %d values, want [%d, %d]", len(current), ns, dim)
	}
	ref := make([]float64, nd*dim)
	for k, v := range refDense {
		ref[k] = float64(v)
	}
	src := make([]float64, 0, ns*dim)
	u := make([]float64, 0, ns*dim)
	for j, i := range sparseIdx {
		for a := 0; a < dim; a++ {
			src = append(src, ref[i*dim+a])
			u = append(u, float64(current[j*dim+a])-ref[i*dim+a])
		}
	}
	ui, err := geometry.InverseDistance(src, u, dim, ref, dim, min(ReconIDWNeighbours, ns), ReconIDWPower)
	if err != nil {
		return nil, fmt.Errorf("giorom: inverse-distance reconstruction: %w", err)
	}
	out := make([]float32, nd*dim)
	for k := range out {
		out[k] = float32(ref[k] + ui[k])
	}
	return out, nil
}

// DisplacementRelL2 is the relative L2 error of a reconstruction in
// displacement, |pred - truth| / |truth - ref| over all particles and
// axes (not of the absolute positions, whose norm would make any error
// look small).
func DisplacementRelL2(pred, truth, ref []float32) (float64, error) {
	if len(pred) != len(truth) || len(ref) != len(truth) {
		return 0, fmt.Errorf("giorom: DisplacementRelL2 of %d, %d and %d values (want equal lengths)", len(pred), len(truth), len(ref))
	}
	var num, den float64
	for k := range pred {
		e := float64(pred[k]) - float64(truth[k])
		u := float64(truth[k]) - float64(ref[k])
		num += e * e
		den += u * u
	}
	if den == 0 {
		return 0, fmt.Errorf("giorom: DisplacementRelL2 with zero true displacement")
	}
	return math.Sqrt(num / den), nil
}
