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
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/fno"
	"github.com/surrogo/surrogo/operators/t1"
	"github.com/surrogo/surrogo/tensor"
	"github.com/surrogo/surrogo/tensor/parallel"
)

// workload builds a model and returns one iteration of the measured work.
type workload func(r *tensor.RNG) (func() error, error)

var workloads = map[string]workload{
	"fno2d-step-64":  fno2D(8, 64, true),
	"fno2d-step-128": fno2D(8, 128, true),
	"fno2d-infer-64": fno2D(8, 64, false), "fno2d-infer-128": fno2D(8, 128, false),
	"fno1d-step":    fno1D,
	"t1-step":       t1Step,
	"pinn-step-f64": pinnStep[float64],
	"pinn-step-f32": pinnStep[float32],
}

// adamStep is one Adam step on the relative L2 loss of model(x) against y.
func adamStep[T tensor.Float](forward func(*autograd.Var[T]) (*autograd.Var[T], error), params []nn.Param[T], opt *nn.Adam[T], x, y *autograd.Var[T]) func() error {
	return func() error {
		nn.ZeroGrad(params)
		out, err := forward(x)
		if err != nil {
			return err
		}
		if err := autograd.Backward(nn.RelL2(out, y)); err != nil {
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
		debug.SetGCPercent(50) // as experiments.TrainGCPercent while training
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
	out, _ := json.Marshal(map[string]any{"workload": *name, "ms": times[len(times)/2], "peak_rss_mib": peakRSS(), "base_rss_mib": before})
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
