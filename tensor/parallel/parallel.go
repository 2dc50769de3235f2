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
	g := &group{}
	g.pending.Store(1) // this goroutine's hold until every job is handed out
	// The first chunk runs on the calling goroutine, which would otherwise
	// only wait; the others go to idle team workers, or run here too when
	// none is idle (a For nested in another's chunk).
	var inline [][2]int
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		g.pending.Add(1)
		if !give(&job{body: body, lo: lo, hi: hi, group: g}) {
			g.pending.Add(-1)
			inline = append(inline, [2]int{lo, hi})
		}
	}
	g.finish()
	// Deferred, so that after a panic in one of this goroutine's chunks,
	// recovered by a caller, the other chunks still run and have finished
	// when For returns.
	ran := 0
	defer func() {
		for _, r := range inline[ran:] {
			ran++
			body(r[0], r[1])
		}
		g.wait()
	}()
	body(0, min(chunk, n))
	for ran < len(inline) {
		r := inline[ran]
		ran++
		body(r[0], r[1])
	}
	g.wait()
	if p := g.panicked.Load(); p != nil {
		panic(p.value)
	}
}

// The team: persistent worker goroutines that spin for a while after each
// job before going to sleep. Starting a goroutine per chunk, as For once
// did, woke an idle thread every time, which on these virtual machines
// took tens of microseconds: a 2-way split of 90 us of work gained
// nothing. Spinning workers take a job within a microsecond, as OpenMP's
// do (PyTorch's parallel loops); a worker idle for spinFor sleeps until
// the next job wakes it. The caller waits the same way: spinning up to
// spinFor, then parked.
const spinFor = 100 * time.Microsecond

// group is one For's jobs given to workers: how many are still running,
// the channel of a caller that stopped spinning and parked (closed by the
// job that finishes last), and the first panic one of them raised (For
// raises it again in the caller).
type group struct {
	pending  atomic.Int32
	parked   atomic.Pointer[chan struct{}]
	panicked atomic.Pointer[panicValue]
}

type panicValue struct{ value any }

// finished marks a group whose last job finished before anyone parked.
var finished = new(chan struct{})

// finish counts one job of the group done; the last wakes a parked caller.
func (g *group) finish() {
	if g.pending.Add(-1) == 0 {
		if ch := g.parked.Swap(finished); ch != nil {
			close(*ch)
		}
	}
}

// wait returns when every job of the group has finished: it spins for up
// to spinFor, then parks until the last job closes its channel.
func (g *group) wait() {
	start := time.Now()
	for spins := 0; g.pending.Load() > 0; spins++ {
		pause()
		if spins%64 != 63 || time.Since(start) < spinFor {
			continue
		}
		ch := make(chan struct{})
		if !g.parked.CompareAndSwap(nil, &ch) {
			return // the last job finished (and swapped in finished)
		}
		if g.pending.Load() > 0 {
			<-ch
		}
		return
	}
}

type job struct {
	body   func(lo, hi int)
	lo, hi int
	group  *group
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

// give hands j to an idle worker among the first Workers()-1, starting
// workers up to that many, and reports whether one took it.
func give(j *job) bool {
	limit := Workers() - 1
	if p := team.workers.Load(); p != nil {
		for i, w := range *p {
			if i >= limit {
				break
			}
			if w.take(j) {
				return true
			}
		}
		if len(*p) >= limit {
			return false
		}
	}
	team.mu.Lock()
	defer team.mu.Unlock()
	var ws []*worker
	if p := team.workers.Load(); p != nil {
		ws = *p
	}
	if len(ws) >= limit {
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
// each (not when GOMAXPROCS is 1: there is no other processor to spin
// for), then sleep until woken. A job stored while the worker decides to
// sleep is seen: it announces sleeping before its last look, and take
// stores the job before checking.
func (w *worker) run() {
	idleSince := time.Now()
	for spins := 0; ; spins++ {
		if w.job.Load() != nil { // read-only while spinning: no cache-line traffic
			if !w.do(w.job.Swap(nil)) {
				return // the job called runtime.Goexit; do started a new loop
			}
			idleSince, spins = time.Now(), 0
			continue
		}
		pause()
		if spins%64 != 63 {
			continue
		}
		if time.Since(idleSince) < spinFor && runtime.GOMAXPROCS(0) > 1 {
			runtime.Gosched()
			continue
		}
		w.sleeping.Store(true)
		if w.job.Load() == nil {
			<-w.wake
		}
		w.sleeping.Store(false)
		select { // a token sent while the worker saw its job anyway
		case <-w.wake:
		default:
		}
		idleSince = time.Now()
	}
}

// do runs j. A panic is recovered and handed to the caller, which raises
// it again; if the job calls runtime.Goexit (t.FailNow in a test) the job
// still counts as finished, and a new loop replaces this goroutine.
func (w *worker) do(j *job) (returned bool) {
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				j.group.panicked.CompareAndSwap(nil, &panicValue{r})
				returned = true
			} else {
				go w.run()
			}
		}
		w.busy.Store(false)
		j.group.finish()
	}()
	j.body(j.lo, j.hi)
	return true
}
