package giorom

import (
	"fmt"
	"math"

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
// d + 1 + 2 PELevels d] and the interpolated prediction ref + u_s [nd, d].
//
// The sparse displacements u = cur - ref[idx] and the constant 1 are
// splatted at ref[idx] onto the ReconGrid^d node grid over the box
// (multilinear weights, ApplyStencilT): channels U(node) = sum_j w_j u_j
// and rho(node) = sum_j w_j. Both are sampled at the dense reference
// positions (ApplyStencil) and the displacement is Shepard's ratio
// u_s = S(U) / S(rho) where S(rho) > 1e-5, else 0. The ratio is taken
// after sampling: dividing node by node first and then interpolating
// would mix the zeros of empty nodes into the result, and a uniform
// displacement would no longer be reproduced.
//
// The prediction's u_s always comes from one exact lookup. With jitter
// non-nil (training), the features' u_s and rho are instead averages of
// ReconSamples lookups at q + N(0, (0.8 h_a)^2): jittered features are an
// augmentation, but a jittered u_s in the prediction would train the
// residual to correct an interpolant that evaluation never uses (measured:
// it made the trained field worse than the untrained one).
func (m *Model[T]) reconInputs(ref []float64, nd int, idx []int, cur []float64, jitter *tensor.RNG) (*tensor.Tensor[T], []float64, error) {
	cfg := m.Cfg
	d := cfg.Dim
	nodes := make([]int, d)
	gr := 1
	for a := range nodes {
		nodes[a] = cfg.ReconGrid
		gr *= cfg.ReconGrid
	}
	ns := len(idx)
	refS := make([]float64, 0, ns*d)
	for _, i := range idx {
		refS = append(refS, ref[i*d:(i+1)*d]...)
	}
	src := tensor.New[float64](ns, d+1)
	for j := 0; j < ns; j++ {
		for a := 0; a < d; a++ {
			src.Data()[j*(d+1)+a] = cur[j*d+a] - refS[j*d+a]
		}
		src.Data()[j*(d+1)+d] = 1
	}
	stencil := func(pos []float64) (*tensor.Stencil[float64], error) {
		si, sw, err := geometry.GridStencil(pos, d, cfg.BoxLo, cfg.BoxHi, nodes)
		if err != nil {
			return nil, fmt.Errorf("giorom: reconstruction stencil: %w", err)
		}
		st := &tensor.Stencil[float64]{Idx: si, W: sw, K: 1 << d, N: gr}
		return st, st.Validate()
	}
	splat, err := stencil(refS)
	if err != nil {
		return nil, nil, err
	}
	grid := tensor.ApplyStencilT(splat, src) // [gr, d+1]
	lookup := func(jitter *tensor.RNG, samples int) ([]float64, error) {
		acc := make([]float64, nd*(d+1))
		q := make([]float64, nd*d)
		for s := 0; s < samples; s++ {
			copy(q, ref)
			if jitter != nil {
				for k := range q {
					q[k] += jitterSpacings * cfg.spacing(k%d, cfg.ReconGrid) * jitter.Normal()
				}
			}
			st, err := stencil(q)
			if err != nil {
				return nil, err
			}
			for k, v := range tensor.ApplyStencil(st, grid).Data() {
				acc[k] += v / float64(samples)
			}
		}
		return acc, nil
	}
	exact, err := lookup(nil, 1)
	if err != nil {
		return nil, nil, err
	}
	acc := exact
	if jitter != nil {
		if acc, err = lookup(jitter, cfg.ReconSamples); err != nil {
			return nil, nil, err
		}
	}
	ratio := func(v []float64, i, a int) float64 {
		if v[i*(d+1)+d] > densityFloor {
			return v[i*(d+1)+a] / v[i*(d+1)+d]
		}
		return 0
	}
	ext, scale := cfg.extent(), cfg.reconScale()
	width := cfg.reconIn()
	feat := tensor.New[T](nd, width)
	base := make([]float64, nd*d)
	for i := 0; i < nd; i++ {
		row := feat.Data()[i*width : (i+1)*width]
		rho := acc[i*(d+1)+d]
		for a := 0; a < d; a++ {
			base[i*d+a] = ref[i*d+a] + ratio(exact, i, a)
			row[a] = T(ratio(acc, i, a) / scale[a])
		}
		row[d] = T(rho)
		k := d + 1
		for l := 0; l < cfg.PELevels; l++ {
			f := math.Pi * math.Ldexp(1, l)
			for a := 0; a < d; a++ {
				x := (ref[i*d+a] - cfg.BoxLo[a]) / ext[a]
				row[k] = T(math.Sin(f * x))
				row[k+1] = T(math.Cos(f * x))
				k += 2
			}
		}
	}
	return feat, base, nil
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
// from their reference positions refDense [nd, d] (the trajectory's
// first frame) and the current positions current [ns, d] of the sparse
// particles sparseIdx (indices into the dense set): x_ref + u_s +
// h * MLP([u_s / h, rho_s, PE(x_ref)]), h the reconstruction grid spacing
// per axis (the MLP works in grid spacings, where the interpolation's
// errors are O(1)), with
// one exact lookup per particle; the sparse particles keep their given
// positions. It records no gradients.
func (m *Model[T]) Reconstruct(refDense []float32, nd int, sparseIdx []int, current []float32) ([]float32, error) {
	ref, cur, err := m.checkRecon(refDense, nd, sparseIdx, current)
	if err != nil {
		return nil, err
	}
	feat, base, err := m.reconInputs(ref, nd, sparseIdx, cur, nil)
	if err != nil {
		return nil, err
	}
	var res *tensor.Tensor[T]
	autograd.NoGrad(func() { res = m.ReconMLP.Forward(autograd.Const(feat)).Value })
	d := m.Cfg.Dim
	scale := m.Cfg.reconScale()
	out := make([]float32, nd*d)
	for k := range out {
		out[k] = float32(base[k] + scale[k%d]*float64(res.Data()[k]))
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
// h_a)^2.
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
	scale := m.Cfg.reconScale()
	target := tensor.New[T](n, d)
	for k := range base {
		target.Data()[k] = T((frame[k] - base[k]) / scale[k%d])
	}
	return nn.MSE(m.ReconMLP.Forward(autograd.Const(feat)), autograd.Const(target)), nil
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
