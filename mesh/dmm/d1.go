package dmm

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/tensor"
)

// TanhFront returns u = tanh((x - x0) / delta) at n uniform nodes of [0, 1].
func TanhFront(x0, delta float64, n int) []float64 {
	u := make([]float64, n)
	for i := range u {
		u[i] = math.Tanh((float64(i)/float64(n-1) - x0) / delta)
	}
	return u
}

// D1Options configure the 1-D exactness study (acceptance D1).
type D1Options struct {
	Config Config       // a 1-D MLPBranch net on the Samples-point field
	Train  TrainOptions //
	Beta   float64      // monitor weight
	// Samples is the number of grid points of u, the branch input and the
	// monitor's grid (48, upstream's resolution).
	Samples int
	// TrainCases and TestCases are the (x0, delta) of the training and
	// held-out fronts.
	TrainCases, TestCases [][2]float64
	Nodes                 int // mesh nodes compared (49)
	Seed                  uint64
	// ParamBranch feeds the branch the normalised front parameters
	// ((x0 - 0.5) / 0.2, (delta - 0.1) / 0.05) instead of the sampled
	// field (Config.Input 2 then; Samples still sizes the monitor grid).
	ParamBranch bool
}

// D1Result is what the study measured.
type D1Result struct {
	MaxErr       float64   // max over test fronts and nodes of |x_DMM - x_exact|
	CaseErr      []float64 // per test front
	UniformErr   float64   // the same error of the unmoved uniform nodes (phi = 0)
	MaxDrift     float64   // max |x_0|, |x_{N-1} - 1| before any projection
	Monotone     bool      // every test mesh strictly increasing
	FinalLoss    float64   // the last epoch's mean training loss
	TrainSeconds float64
}

// D1Cases returns k fronts with x0 in [0.3, 0.7] and delta in [0.05,
// 0.15], drawn from seed.
func D1Cases(k int, seed uint64) [][2]float64 {
	r := tensor.NewRNG(seed)
	out := make([][2]float64, k)
	for i := range out {
		out[i] = [2]float64{0.3 + 0.4*r.Float64(), 0.05 + 0.1*r.Float64()}
	}
	return out
}

// D1Grid returns the a x b fronts of a tensor grid covering D1Cases'
// range: x0 at a equispaced values of [0.3, 0.7], delta at b of [0.05,
// 0.15] (the corners included, so no held-out front lies outside).
func D1Grid(a, b int) [][2]float64 {
	at := func(i, n int) float64 {
		if n < 2 {
			return 0.5
		}
		return float64(i) / float64(n-1)
	}
	out := make([][2]float64, 0, a*b)
	for i := range a {
		for j := range b {
			out = append(out, [2]float64{0.3 + 0.4*at(i, a), 0.05 + 0.1*at(j, b)})
		}
	}
	return out
}

// D1 trains a 1-D DMM on tanh-front monitors and compares its nodes on
// held-out fronts with monge.Equidistribute1D of the same (piecewise
// linear) monitor.
func D1(ctx context.Context, opt D1Options) (*D1Result, error) {
	net, err := New(opt.Config, tensor.NewRNG(opt.Seed))
	if err != nil {
		return nil, err
	}
	fields, err := frontFields(opt.TrainCases, opt.Samples, opt.Beta, opt.ParamBranch)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	tr, err := net.Train(ctx, fields, opt.Train)
	if err != nil {
		return nil, err
	}
	res := &D1Result{TrainSeconds: time.Since(start).Seconds(), FinalLoss: tr.Final.TrainLoss, Monotone: true}
	tests, err := frontFields(opt.TestCases, opt.Samples, opt.Beta, opt.ParamBranch)
	if err != nil {
		return nil, err
	}
	for _, f := range tests {
		e, drift, mono, err := net.compare1D(f, opt.Nodes)
		if err != nil {
			return nil, err
		}
		res.UniformErr = math.Max(res.UniformErr, uniformErr(f, opt.Nodes))
		res.CaseErr = append(res.CaseErr, e)
		res.MaxErr = math.Max(res.MaxErr, e)
		res.MaxDrift = math.Max(res.MaxDrift, drift)
		res.Monotone = res.Monotone && mono
	}
	return res, nil
}

// frontFields builds the 1-D fields of tanh fronts.
func frontFields(cases [][2]float64, samples int, beta float64, params bool) ([]Field, error) {
	out := make([]Field, len(cases))
	for i, c := range cases {
		f, err := NewField1D(TanhFront(c[0], c[1], samples), beta)
		if err != nil {
			return nil, fmt.Errorf("dmm: front %v: %w", c, err)
		}
		if params {
			f.Branch = []float64{(c[0] - 0.5) / 0.2, (c[1] - 0.1) / 0.05}
		}
		out[i] = f
	}
	return out, nil
}

// uniformErr is the largest distance of the uniform nodes from the exact
// equidistribution of f's monitor.
func uniformErr(f Field, nodes int) float64 {
	ref, err := monge.Equidistribute1D(func(x float64) float64 {
		m, _ := f.at([]float64{x})
		return m
	}, nodes, 1<<14)
	if err != nil {
		return math.NaN()
	}
	e := 0.0
	for p, x := range ref {
		e = math.Max(e, math.Abs(x-float64(p)/float64(nodes-1)))
	}
	return e
}

// compare1D returns the largest node error against the exact
// equidistribution of f's monitor, the end drift and monotonicity.
func (net *Net) compare1D(f Field, nodes int) (maxErr, drift float64, monotone bool, err error) {
	x, drift, err := net.Nodes1D(f.Branch, nodes)
	if err != nil {
		return 0, 0, false, err
	}
	ref, err := monge.Equidistribute1D(func(x float64) float64 {
		m, _ := f.at([]float64{x})
		return m
	}, nodes, 1<<14)
	if err != nil {
		return 0, 0, false, err
	}
	monotone = true
	for p := range x {
		maxErr = math.Max(maxErr, math.Abs(x[p]-ref[p]))
		if p > 0 && !(x[p] > x[p-1]) {
			monotone = false
		}
	}
	return maxErr, drift, monotone, nil
}
