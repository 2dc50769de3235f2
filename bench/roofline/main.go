// Command roofline measures the two ceilings of this machine that bound
// surrogo's workloads: the peak rate of a large float64 and float32
// matrix product through the engine's GEMM (tensor.MatMul, OpenBLAS or
// the pure-Go fallback), in GFLOP/s (2 n^3 per product), and the memory
// bandwidth of a triad a = b + s c over arrays much larger than the
// caches, in GB/s (24 bytes moved per element in float64: two loads and
// one store; write-allocate traffic not counted). Each is the best of
// -rounds runs, with GOMAXPROCS goroutines.
//
//	GOMAXPROCS=2 go run ./bench/roofline -rounds 5
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/surrogo/surrogo/tensor"
)

func main() {
	rounds := flag.Int("rounds", 5, "runs of each measurement; the best is reported")
	n := flag.Int("n", 1024, "matrix size of the GEMM")
	mib := flag.Int("mib", 256, "size of each triad array in MiB")
	flag.Parse()
	fmt.Printf("GOMAXPROCS %d, GEMM backend %s\n", runtime.GOMAXPROCS(0), tensor.BLASBackend)
	fmt.Printf("GEMM float64 %dx%d: %.1f GFLOP/s\n", *n, *n, gemmRate[float64](*n, *rounds))
	fmt.Printf("GEMM float32 %dx%d: %.1f GFLOP/s\n", *n, *n, gemmRate[float32](*n, *rounds))
	fmt.Printf("triad over 3 x %d MiB: %.1f GB/s\n", *mib, triadRate(*mib<<20/8, *rounds))
}

// gemmRate is the best rate of n x n products over rounds, in GFLOP/s.
func gemmRate[T tensor.Float](n, rounds int) float64 {
	r := tensor.NewRNG(1)
	a, b := tensor.RandN[T](r, n, n), tensor.RandN[T](r, n, n)
	tensor.MatMul(a, b, false, false) // warm up: threads, pages
	best := 0.0
	for range rounds {
		start := time.Now()
		tensor.MatMul(a, b, false, false)
		best = max(best, 2*float64(n)*float64(n)*float64(n)/time.Since(start).Seconds()/1e9)
	}
	return best
}

// triadRate is the best bandwidth of a = b + s c over arrays of n float64
// values, split over GOMAXPROCS goroutines, in GB/s.
func triadRate(n, rounds int) float64 {
	a, b, c := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range b {
		b[i], c[i] = float64(i), float64(n-i)
	}
	workers := runtime.GOMAXPROCS(0)
	best := 0.0
	for range rounds + 1 { // the first round touches the pages
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*n/workers, (w+1)*n/workers
			wg.Add(1)
			go func() {
				defer wg.Done()
				x, y, z := a[lo:hi], b[lo:hi], c[lo:hi]
				for i := range x {
					x[i] = y[i] + 3*z[i]
				}
			}()
		}
		wg.Wait()
		best = max(best, 24*float64(n)/time.Since(start).Seconds()/1e9)
	}
	return best
}
