// Package parallel splits loops over goroutines. It is the one place the
// engine decides how many workers to use: GOMAXPROCS, unless SetWorkers
// says otherwise (benchmarks pin it to compare with PyTorch's thread count).
// For runs the first chunk of a loop on the caller and hands the others to
// a team of persistent workers, which spin (with the PAUSE hint) for 100
// us after each job before they sleep, so that a run of parallel loops
// pays about a microsecond per hand-off instead of a thread wake-up.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
	chunk := (n + w - 1) / w
	var pending atomic.Int32
	// The first chunk runs on the calling goroutine, which would otherwise
	// only wait; the others go to idle team workers, or run here too when
	// none is idle (a For nested in another's chunk).
	var inline [][2]int
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		pending.Add(1)
		if !give(&job{body: body, lo: lo, hi: hi, pending: &pending}) {
			pending.Add(-1)
			inline = append(inline, [2]int{lo, hi})
		}
	}
	// Waiting is deferred so that a panic in this goroutine's chunks,
	// recovered by a caller, still returns only after the others are done.
	defer waitFor(&pending)
	body(0, min(chunk, n))
	for _, r := range inline {
		body(r[0], r[1])
	}
}

// The team: persistent worker goroutines that spin for a while after each
// job before going to sleep. Starting a goroutine per chunk, as For once
// did, woke an idle thread every time, which on these virtual machines
// took tens of microseconds: a 2-way split of 90 us of work gained
// nothing. Spinning workers take a job within a microsecond, as OpenMP's
// do (PyTorch's parallel loops); a worker idle for spinFor sleeps until
// the next job wakes it.
const spinFor = 100 * time.Microsecond

type job struct {
	body    func(lo, hi int)
	lo, hi  int
	pending *atomic.Int32
}

type worker struct {
	busy     atomic.Bool // claimed by a For, or running its job
	job      atomic.Pointer[job]
	sleeping atomic.Bool
	wake     chan struct{}
}

// team holds the workers started so far (read without the lock; grown
// under it).
var team struct {
	mu      sync.Mutex
	workers atomic.Pointer[[]*worker]
}

// give hands j to an idle worker, starting workers up to Workers()-1,
// and reports whether one took it.
func give(j *job) bool {
	if p := team.workers.Load(); p != nil {
		for _, w := range *p {
			if w.take(j) {
				return true
			}
		}
	}
	team.mu.Lock()
	defer team.mu.Unlock()
	var ws []*worker
	if p := team.workers.Load(); p != nil {
		ws = *p
	}
	if len(ws) >= Workers()-1 {
		return false
	}
	w := &worker{wake: make(chan struct{}, 1)}
	w.take(j)
	grown := append(append([]*worker{}, ws...), w)
	team.workers.Store(&grown)
	go w.run()
	return true
}

// take claims an idle worker for j.
func (w *worker) take(j *job) bool {
	if !w.busy.CompareAndSwap(false, true) {
		return false
	}
	w.job.Store(j)
	if w.sleeping.Load() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// run is a worker's loop: run jobs as they come, spin for spinFor after
// each, then sleep until woken. (A job stored while the worker decides
// to sleep is seen: it announces sleeping before its last look, and take
// stores the job before checking.)
func (w *worker) run() {
	idleSince := time.Now()
	for spins := 0; ; spins++ {
		if w.job.Load() != nil { // read-only while spinning: no cache-line traffic
			j := w.job.Swap(nil)
			j.body(j.lo, j.hi)
			w.busy.Store(false)
			j.pending.Add(-1)
			idleSince, spins = time.Now(), 0
			continue
		}
		pause()
		if spins%64 != 63 {
			continue
		}
		if time.Since(idleSince) < spinFor {
			runtime.Gosched()
			continue
		}
		w.sleeping.Store(true)
		if w.job.Load() == nil {
			<-w.wake
		}
		w.sleeping.Store(false)
		idleSince = time.Now()
	}
}

// waitFor returns when every job of a For has finished.
func waitFor(pending *atomic.Int32) {
	for spins := 0; pending.Load() > 0; spins++ {
		pause()
		if spins%64 == 63 {
			runtime.Gosched()
		}
	}
}
