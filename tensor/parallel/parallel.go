// Package parallel splits loops over goroutines. It is the one place the
// engine decides how many workers to use: GOMAXPROCS, unless SetWorkers
// says otherwise (benchmarks pin it to compare with PyTorch's thread count).
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var workers atomic.Int32

// Workers returns the number of goroutines For uses at most.
func Workers() int {
	if w := workers.Load(); w > 0 {
		return int(w)
	}
	return runtime.GOMAXPROCS(0)
}

// SetWorkers fixes the number of workers (n <= 0 restores GOMAXPROCS) and
// returns the previous setting.
func SetWorkers(n int) int {
	prev := int(workers.Load())
	if n < 0 {
		n = 0
	}
	workers.Store(int32(n))
	return prev
}

// For calls body(lo, hi) on disjoint ranges that cover [0, n), in parallel
// when n*cost is large enough to pay for goroutines. cost is the rough
// work per index (in elementary operations); ranges are contiguous so each
// worker touches contiguous memory.
func For(n int, cost int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := Workers()
	const minWork = 1 << 15 // below ~32k operations one goroutine is faster
	if cost < 1 {
		cost = 1
	}
	if maxW := n * cost / minWork; maxW < w {
		w = maxW
	}
	if w > n {
		w = n
	}
	if w <= 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	// The first chunk runs on the calling goroutine, which would
	// otherwise only wait: one goroutine fewer to start and wake.
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			body(lo, hi)
		}(lo, hi)
	}
	// Waiting is deferred so that a panic in this chunk, recovered by a
	// caller, still returns only after the other chunks are done.
	defer wg.Wait()
	body(0, min(chunk, n))
}
