package dmm

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// LossOptions are the loss's sampling sizes and weights.
type LossOptions struct {
	Interior        int     // interior points per field (120 upstream)
	Candidates      int     // uniform candidates per field (40 Interior upstream)
	BoundaryPerSide int     // equispaced Neumann points per side (30 upstream; 1-D: 1 per end)
	BoundaryWeight  float64 // 1000 upstream
	ConvexWeight    float64 // 1 upstream
	Method          Method  // how phi's xi-derivatives are computed
	// UniformFraction of the interior points are drawn uniformly instead
	// of in proportion to m (0 upstream).
	UniformFraction float64
	// Residual selects the interior residual: Relative (upstream) or
	// Inverse.
	Residual Residual
}

// Residual is the form of the interior Monge-Ampere residual.
type Residual int

const (
	// Relative is m(x) det(I + H) / theta - 1 (upstream).
	Relative Residual = iota
	// Inverse is det(I + H) - theta / m(x): the same equation divided by
	// m / theta, so a point weighs in proportion to the node error it
	// causes (in 1-D, x' - theta / m(x), whose integral is the node drift).
	Inverse
)

// DefaultLoss returns upstream's sizes and weights with jets.
func DefaultLoss() LossOptions {
	return LossOptions{Interior: 120, Candidates: 4800, BoundaryPerSide: 30, BoundaryWeight: 1000, ConvexWeight: 1, Method: Jets}
}

// Parts is the loss of a batch and its terms (scalars).
type Parts struct {
	Total, Interior, Boundary, Convex V
}

// validate checks the options against the net's dimension.
func (o LossOptions) validate() error {
	if o.Interior < 1 || o.Candidates < o.Interior || o.BoundaryPerSide < 1 {
		return fmt.Errorf("Interior %d, Candidates %d, BoundaryPerSide %d; want Interior >= 1, Candidates >= Interior, BoundaryPerSide >= 1", o.Interior, o.Candidates, o.BoundaryPerSide)
	}
	if !(o.UniformFraction >= 0 && o.UniformFraction <= 1) {
		return fmt.Errorf("UniformFraction %g; want in [0, 1]", o.UniformFraction)
	}
	if !(o.BoundaryWeight >= 0) || !(o.ConvexWeight >= 0) {
		return fmt.Errorf("weights %g, %g; want >= 0", o.BoundaryWeight, o.ConvexWeight)
	}
	return nil
}

// Loss is the DMM loss of a batch of fields: the Monge-Ampere residual
// mean((m(xi + grad phi) det(I + H) / theta - 1)^2) at monitor-sampled
// interior points, plus BoundaryWeight times the mean square of the
// normal derivative at the boundary points, plus ConvexWeight times
// mean(sum_k min(0, 1 + phi_kk)^2) at the interior points.
func (net *Net) Loss(fields []Field, opt LossOptions, r *tensor.RNG) (*Parts, error) {
	if err := opt.validate(); err != nil {
		return nil, fmt.Errorf("dmm: Loss: %w", err)
	}
	if err := net.checkFields(fields); err != nil {
		return nil, fmt.Errorf("dmm: Loss: %w", err)
	}
	xi, err := net.points(fields, opt, r)
	if err != nil {
		return nil, fmt.Errorf("dmm: Loss: %w", err)
	}
	return net.lossAt(fields, xi, opt)
}

// lossAt is Loss at given points xi [B, Interior + boundary, Dim] (as
// points draws them).
func (net *Net) lossAt(fields []Field, xi *tensor.Tensor[float64], opt LossOptions) (*Parts, error) {
	dv, err := net.derivs(fields, xi, opt.Method)
	if err != nil {
		return nil, fmt.Errorf("dmm: Loss: %w", err)
	}
	return net.assemble(fields, xi, dv, opt), nil
}

// checkFields refuses an empty batch or fields that do not fit the net.
func (net *Net) checkFields(fields []Field) error {
	if len(fields) == 0 {
		return errors.New("empty batch of fields")
	}
	for i, f := range fields {
		if net.base != nil && len(f.Branch) != len(fields[0].Branch) {
			return fmt.Errorf("field %d: a branch input of %d values, field 0 %d; a corrector's batch needs one length", i, len(f.Branch), len(fields[0].Branch))
		}
		if f.Dim != net.Config.Dim || net.inputLen(f) != net.branchLen() {
			return fmt.Errorf("field %d: %d-D with a branch input of %d values (%d with a corrector's residual); the net wants %d-D and %d",
				i, f.Dim, len(f.Branch), net.inputLen(f), net.Config.Dim, net.branchLen())
		}
		if f.N < 2 || len(f.Monitor) != pow(f.N, f.Dim) || !(f.Theta > 0) {
			return fmt.Errorf("field %d: %d monitor values on %d nodes per axis, theta %g; build fields with NewField", i, len(f.Monitor), f.N, f.Theta)
		}
		if net.Config.Branch == GridBranch {
			if err := net.checkGridField(f); err != nil {
				return fmt.Errorf("field %d: %w", i, err)
			}
		}
	}
	return nil
}

// branchBatch stacks the branch inputs [B, len].
func branchBatch(fields []Field) *tensor.Tensor[float64] {
	l := len(fields[0].Branch)
	t := tensor.New[float64](len(fields), l)
	for i, f := range fields {
		copy(t.Data()[i*l:], f.Branch)
	}
	return t
}

// boundaryCount is the number of boundary points per field.
func (net *Net) boundaryCount(opt LossOptions) int {
	if net.Config.Dim == 1 {
		return 2
	}
	return 4 * opt.BoundaryPerSide
}

// points returns xi [B, Interior + boundary, Dim]: the sampled interior
// points of each field, then its boundary points.
func (net *Net) points(fields []Field, opt LossOptions, r *tensor.RNG) (*tensor.Tensor[float64], error) {
	d := net.Config.Dim
	bnd := boundaryPoints(d, opt.BoundaryPerSide)
	p := opt.Interior + len(bnd)/d
	xi := tensor.New[float64](len(fields), p, d)
	for i := range fields {
		nu := int(math.Round(opt.UniformFraction * float64(opt.Interior)))
		in, err := fields[i].samplePoints(opt.Interior-nu, opt.Candidates, r)
		if err != nil {
			return nil, err
		}
		for range nu * d {
			in = append(in, r.Float64())
		}
		row := xi.Data()[i*p*d:]
		copy(row, in)
		copy(row[len(in):], bnd)
	}
	return xi, nil
}

// boundaryPoints lists the Neumann points: in 1-D the two ends; in 2-D
// per equispaced points (linspace(0, 1, per)) on xi1 = 0, xi1 = 1, xi2 = 0,
// xi2 = 1, in that order.
func boundaryPoints(d, per int) []float64 {
	if d == 1 {
		return []float64{0, 1}
	}
	out := make([]float64, 0, 8*per)
	for side := range 4 {
		for k := range per {
			t := 0.5
			if per > 1 {
				t = float64(k) / float64(per-1)
			}
			c := float64(side % 2)
			if side < 2 {
				out = append(out, c, t)
			} else {
				out = append(out, t, c)
			}
		}
	}
	return out
}

// assemble builds the three loss terms from the derivatives.
func (net *Net) assemble(fields []Field, xi *tensor.Tensor[float64], dv *Derivs, opt LossOptions) *Parts {
	d, n := net.Config.Dim, opt.Interior
	in := func(v V) V { return autograd.Slice(v, 1, 0, n) }
	x := autograd.Add(autograd.Const(tensor.Slice(xi, 1, 0, n)), autograd.Stack(2, mapV(dv.Grad, in)...))
	theta := tensor.New[float64](len(fields), 1)
	for i, f := range fields {
		theta.Data()[i] = f.Theta
	}
	diag := make([]V, d)
	for k := range d {
		diag[k] = autograd.AddScalar(in(dv.Hess[hessIndex(d, k, k)]), 1)
	}
	det := diag[0]
	if d == 2 {
		det = autograd.Sub(autograd.Mul(diag[0], diag[1]), autograd.Square(in(dv.Hess[1])))
	}
	res := residual(sampleMonitor(fields, x), det, theta, opt.Residual)
	parts := &Parts{Interior: autograd.Mean(autograd.Square(res))}
	parts.Boundary = autograd.Mean(autograd.Square(net.normal(dv, n, opt)))
	var cv V
	for k := range d {
		c := autograd.Square(autograd.Relu(autograd.Neg(diag[k])))
		if cv == nil {
			cv = c
		} else {
			cv = autograd.Add(cv, c)
		}
	}
	parts.Convex = autograd.Mean(cv)
	parts.Total = autograd.Add(parts.Interior, autograd.Add(
		autograd.Scale(parts.Boundary, opt.BoundaryWeight), autograd.Scale(parts.Convex, opt.ConvexWeight)))
	return parts
}

// normal gathers the normal derivative at the boundary points: phi_x on
// the xi1 sides, phi_y on the xi2 sides ([B, boundary]).
func (net *Net) normal(dv *Derivs, n int, opt LossOptions) V {
	if net.Config.Dim == 1 {
		return autograd.Slice(dv.Grad[0], 1, n, n+2)
	}
	per := opt.BoundaryPerSide
	return autograd.Concat(1, autograd.Slice(dv.Grad[0], 1, n, n+2*per), autograd.Slice(dv.Grad[1], 1, n+2*per, n+4*per))
}

// mapV applies f to every entry.
func mapV(vs []V, f func(V) V) []V {
	out := make([]V, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}

// residual is the interior residual of monitor values m, determinants det
// [B, P] and theta [B, 1] in the chosen form.
func residual(m, det V, theta *tensor.Tensor[float64], form Residual) V {
	if form == Inverse {
		return autograd.Sub(det, autograd.Div(autograd.Const(theta), m))
	}
	inv := theta.Clone()
	for i, v := range inv.Data() {
		inv.Data()[i] = 1 / v
	}
	return autograd.AddScalar(autograd.Mul(autograd.Mul(m, det), autograd.Const(inv)), -1)
}
