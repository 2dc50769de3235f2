// Command workloads times one surrogo workload of the performance
// comparison with PyTorch (bench/torch_workloads.py builds the same models)
// and prints one JSON line: the median milliseconds per iteration, the peak
// resident memory of the process and the resident memory before the model
// was built.
//
//	go run ./bench/workloads -w fno2d-step-64 -iters 5
//
// bench/run.sh alternates it with the PyTorch script and prints the table
// of docs/PERFORMANCE.md. Inputs are random: the timings do not depend on
// the values.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/factformer"
	"github.com/surrogo/surrogo/operators/fno"
	"github.com/surrogo/surrogo/operators/t1"
	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// workload builds a model and returns one iteration of the measured work.
type workload func(r *tensor.RNG) (func() error, error)

// extra holds workload-specific numbers that the building workload adds to
// the JSON line (the MPM workloads: their particle count).
var extra = map[string]any{}

var workloads = map[string]workload{
	"fno2d-step-64":  fno2D(8, 64, true),
	"fno2d-step-128": fno2D(8, 128, true),
	"fno2d-infer-64": fno2D(8, 64, false), "fno2d-infer-128": fno2D(8, 128, false),
	"fno1d-step":    fno1D,
	"t1-step":       t1Step,
	"pinn-step-f64": pinnStep[float64],
	"pinn-step-f32": pinnStep[float32],

	"factformer-step-64":    factFormerStep(factFormerKF, 64, true),
	"ifactformer-m-step-64": factFormerStep(iFactFormerM, 64, true),
	"factformer-infer-64":   factFormerStep(factFormerKF, 64, false),
}

// The block scaling sweep (docs/PERFORMANCE.md, FactFormer): one block's
// forward at s^2 points, and dense softmax attention over all points at
// the same width for contrast (its score matrix, batch x heads x N^2
// floats, is 1 GiB at 64^2 and 16 GiB at 128^2, so it stops at 64^2).
func init() {
	for _, s := range []int{16, 32, 64, 128, 256} {
		workloads[fmt.Sprintf("factformer-block-infer-%d", s)] = faBlock(false, s)
		workloads[fmt.Sprintf("ifactformer-m-block-infer-%d", s)] = faBlock(true, s)
		if s <= 64 {
			workloads[fmt.Sprintf("attention-infer-%d", s)] = denseAttention(s)
		}
	}
}

// adamStep is one Adam step on the relative L2 loss of model(x) against y.
func adamStep[T tensor.Float](forward func(*autograd.Var[T]) (*autograd.Var[T], error), params []nn.Param[T], opt *nn.Adam[T], x, y *autograd.Var[T]) func() error {
	return func() error {
		nn.ZeroGrad(params)
		out, err := forward(x)
		if err != nil {
			return err
		}
		if err := autograd.BackwardAndRelease(nn.RelL2(out, y)); err != nil {
			return err
		}
		return opt.Step(params)
	}
}

// inference is one forward pass without the tape.
func inference[T tensor.Float](forward func(*autograd.Var[T]) (*autograd.Var[T], error), x *autograd.Var[T]) func() error {
	return func() error {
		var err error
		autograd.NoGrad(func() { _, err = forward(x) })
		return err
	}
}

// fno2D is the performance issue's FNO-2D: batch 8, width 32, 12 x 12
// modes, 4 layers, float32, Adam lr 1e-3 (train) or the forward pass.
func fno2D(batch, s int, train bool) workload {
	return func(r *tensor.RNG) (func() error, error) {
		m, err := fno.New[float32](fno.Config{Dim: 2, InChannels: 1, Width: 32, Modes: []int{12, 12}}, r)
		if err != nil {
			return nil, err
		}
		x := autograd.Const(tensor.RandN[float32](r, batch, s, s, 1))
		if !train {
			return inference(m.Forward, x), nil
		}
		y := autograd.Const(tensor.RandN[float32](r, batch, s, s, 1))
		return adamStep(m.Forward, m.Params(), nn.NewAdam[float32](1e-3, 0), x, y), nil
	}
}

// fno1D is FNO-1D on Burgers: batch 20, 1024 points, width 64, 16 modes.
func fno1D(r *tensor.RNG) (func() error, error) {
	m, err := fno.New[float32](fno.Config{Dim: 1, InChannels: 1, Width: 64, Modes: []int{16}}, r)
	if err != nil {
		return nil, err
	}
	x := autograd.Const(tensor.RandN[float32](r, 20, 1024, 1))
	y := autograd.Const(tensor.RandN[float32](r, 20, 1024, 1))
	return adamStep(m.Forward, m.Params(), nn.NewAdam[float32](1e-3, 1e-4), x, y), nil
}

// t1Step is T1 in the NS configuration of kairos: batch 64, 64^2, width
// 48, 24 x 24 DCT modes, 8 layers, GELU, AdamW lr 1e-3, weight decay 1e-4.
func t1Step(r *tensor.RNG) (func() error, error) {
	m, err := t1.New[float32](t1.Config{Dim: 2, InChannels: 1, Width: 48, Modes: []int{24, 24}, Layers: 8, SignalSize: []int{64, 64}}, r)
	if err != nil {
		return nil, err
	}
	x := autograd.Const(tensor.RandN[float32](r, 64, 64, 64, 1))
	y := autograd.Const(tensor.RandN[float32](r, 64, 64, 64, 1))
	return adamStep(m.Forward, m.Params(), nn.NewAdamW[float32](1e-3, 1e-4), x, y), nil
}

// pinnStep is the PINN workload: a 2-50-50-50-50-1 tanh MLP on the 25,600
// points of a 256 x 100 grid, viscous Burgers residual
// u_t + u u_x - 0.01 u_xx from u_x, u_t and u_xx (double backward), mean
// square, Adam lr 1e-3.
func pinnStep[T tensor.Float](r *tensor.RNG) (func() error, error) {
	m, err := nn.NewMLP[T](r, []int{2, 50, 50, 50, 50, 1}, nn.Tanh)
	if err != nil {
		return nil, err
	}
	pts := tensor.RandU[T](r, -1, 1, 25600, 2)
	opt := nn.NewAdam[T](1e-3, 0)
	params := m.Params()
	return func() error {
		nn.ZeroGrad(params)
		x := autograd.Param(pts)
		u := m.Forward(x)
		du, err := autograd.Grad([]*autograd.Var[T]{u}, []*autograd.Var[T]{x}, nil, true)
		if err != nil {
			return err
		}
		ux, ut := autograd.Slice(du[0], 1, 0, 1), autograd.Slice(du[0], 1, 1, 2)
		d2, err := autograd.Grad([]*autograd.Var[T]{ux}, []*autograd.Var[T]{x}, nil, true)
		if err != nil {
			return err
		}
		uxx := autograd.Slice(d2[0], 1, 0, 1)
		res := autograd.Sub(autograd.Add(ut, autograd.Mul(u, ux)), autograd.Scale(uxx, 0.01))
		if err := autograd.Backward(autograd.Mean(autograd.Square(res))); err != nil {
			return err
		}
		return opt.Step(params)
	}, nil
}

// factFormerKF is the small Kolmogorov-flow FactFormer-2D: dim 64, depth
// 3, heads 4, dim_head 32, kernel multiplier 2, latent multiplier 2
// (latent 128, 16 decoder groups), 4 input frames of one field, 2 latent
// steps.
var factFormerKF = factformer.Config{Variant: factformer.VariantFactFormer, SpatialDim: 2, InFields: 1, InFrames: 4,
	OutFields: 1, Dim: 64, Depth: 3, Heads: 4, DimHead: 32, KernelMultiplier: 2, LatentMultiplier: 2, MaxLatentSteps: 2}

// iFactFormerM is IFactFormer-m in 2-D at the same width: one
// weight-shared parallel block iterated 10 times, the linear embedding of
// the stacked frames (as the pipeline builds 2-D models), one frame out.
var iFactFormerM = factformer.Config{Variant: factformer.VariantIFactParall, SpatialDim: 2, InFields: 1, InFrames: 4,
	OutFields: 1, Embed: factformer.EmbedLinear, Dim: 64, Depth: 1, Layers: 10, Heads: 4, DimHead: 32, KernelMultiplier: 2}

// factFormerStep is one AdamW step (lr 1e-3, weight decay 1e-4) of a
// factorized transformer at batch 4 on an s x s grid: relative L2 over the
// predicted frames, gradients clipped to global norm 1; or, for train =
// false, the forward pass.
func factFormerStep(cfg factformer.Config, s int, train bool) workload {
	return func(r *tensor.RNG) (func() error, error) {
		m, err := factformer.New[float32](cfg, r)
		if err != nil {
			return nil, err
		}
		const batch = 4
		x := autograd.Const(tensor.RandN[float32](r, batch, s, s, m.Cfg.InFields*m.Cfg.InFrames))
		if !train {
			return inference(m.Forward, x), nil
		}
		y := autograd.Const(tensor.RandN[float32](r, batch, s, s, m.Cfg.OutFields*m.Cfg.Steps()))
		params := m.Params()
		opt := nn.NewAdamW[float32](1e-3, 1e-4)
		return func() error {
			nn.ZeroGrad(params)
			out, err := m.Forward(x)
			if err != nil {
				return err
			}
			if err := autograd.Backward(nn.RelL2(out, y)); err != nil {
				return err
			}
			nn.ClipGradNorm(params, 1)
			return opt.Step(params)
		}, nil
	}
}

// Width of the block sweep: dim 64, heads 4, dim_head 32, kernel
// multiplier 2, batch 4.
const sweepBatch, sweepDim, sweepHeads, sweepDimHead = 4, 64, 4, 32

// faBlock is the forward pass of one 2-D FactFormer block (chained axis
// integrals, domain-wise GroupNorm) or IFactFormer-m block (parallel,
// instance norm) on an s x s grid, without the tape.
func faBlock(parallel bool, s int) workload {
	return func(r *tensor.RNG) (func() error, error) {
		bc := factformer.BlockConfig{Axes: 2, Dim: sweepDim, DimHead: sweepDimHead, Heads: sweepHeads, Latent: sweepDim,
			KernelMultiplier: 2, DimOut: sweepDim, Parallel: parallel, OutNorm: factformer.NormGroup}
		if parallel {
			bc.OutNorm = factformer.NormInstance
		}
		b, err := factformer.NewBlock[float32](bc, r)
		if err != nil {
			return nil, err
		}
		pos := factformer.Config{}.Coords([]int{s, s})
		x := autograd.Const(tensor.RandN[float32](r, sweepBatch, s, s, sweepDim))
		return inference(func(x *autograd.Var[float32]) (*autograd.Var[float32], error) { return b.Forward(x, pos) }, x), nil
	}
}

// denseAttention is pre-norm multi-head softmax attention over all s^2
// points at the sweep's width: LayerNorm, q, k, v = Linear(dim -> 3 heads
// dim_head), softmax(q k^T / sqrt(dim_head)) v, Linear(heads dim_head ->
// dim); the forward pass without the tape.
func denseAttention(s int) workload {
	return func(r *tensor.RNG) (func() error, error) {
		norm := nn.NewLayerNorm[float32](sweepDim)
		qkv := nn.NewLinear[float32](r, sweepDim, 3*sweepHeads*sweepDimHead, false)
		proj := nn.NewLinear[float32](r, sweepHeads*sweepDimHead, sweepDim, false)
		n := s * s
		x := autograd.Const(tensor.RandN[float32](r, sweepBatch, n, sweepDim))
		forward := func(x *autograd.Var[float32]) (*autograd.Var[float32], error) {
			h := autograd.Reshape(qkv.Forward(norm.Forward(x)), sweepBatch, n, 3, sweepHeads, sweepDimHead)
			h = autograd.Permute(h, 2, 0, 3, 1, 4) // [3, B, H, N, dh]
			part := func(i int) *autograd.Var[float32] {
				return autograd.Reshape(autograd.Slice(h, 0, i, i+1), sweepBatch, sweepHeads, n, sweepDimHead)
			}
			q, k, v := part(0), part(1), part(2)
			a := autograd.Softmax(autograd.Scale(autograd.MatMul(q, k, false, true), float32(1/math.Sqrt(sweepDimHead))), 3)
			o := autograd.Permute(autograd.MatMul(a, v, false, false), 0, 2, 1, 3) // [B, N, H, dh]
			return proj.Forward(autograd.Reshape(o, sweepBatch, n, sweepHeads*sweepDimHead)), nil
		}
		return inference(forward, x), nil
	}
}

// peakRSS is the process's peak resident set in MiB (Linux reports KiB).
func peakRSS() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return -1
	}
	return float64(u.Maxrss) / 1024
}

func main() {
	name := flag.String("w", "", "workload: "+strings.Join(names(), ", "))
	iters := flag.Int("iters", 5, "timed iterations (after one warm-up)")
	threads := flag.Int("threads", 0, "workers (0: GOMAXPROCS)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed iterations to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile to this file at the end")
	flag.Parse()
	w, ok := workloads[*name]
	if !ok || *iters < 1 {
		fmt.Fprintf(os.Stderr, "workloads: -w must be one of %s and -iters >= 1 (got %q, %d)\n", strings.Join(names(), ", "), *name, *iters)
		os.Exit(2)
	}
	if *threads > 0 {
		parallel.SetWorkers(*threads)
	}
	if os.Getenv("GOGC") == "" && !strings.Contains(*name, "infer") {
		debug.SetGCPercent(20) // as experiments.TrainGCPercent while training
	}
	before := peakRSS()
	step, err := w(tensor.NewRNG(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "workloads:", err)
		os.Exit(1)
	}
	times := make([]float64, 0, *iters)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "workloads:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	for i := 0; i <= *iters; i++ {
		start := time.Now()
		if err := step(); err != nil {
			fmt.Fprintln(os.Stderr, "workloads:", err)
			os.Exit(1)
		}
		if i > 0 { // the first iteration warms caches and buffers
			times = append(times, float64(time.Since(start).Microseconds())/1e3)
		}
	}
	sort.Float64s(times)
	pprof.StopCPUProfile()
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "workloads:", err)
			os.Exit(1)
		}
	}
	report := map[string]any{"workload": *name, "ms": times[len(times)/2], "peak_rss_mib": peakRSS(), "base_rss_mib": before}
	for k, v := range extra {
		report[k] = v
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
}

func names() []string {
	var n []string
	for k := range workloads {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
