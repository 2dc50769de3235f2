package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, w := range []int{1, 2, 3, 8} {
		prev := SetWorkers(w)
		for _, n := range []int{0, 1, 2, 7, 100, 100003} {
			hits := make([]int32, n)
			var calls atomic.Int32
			For(n, 1000, func(lo, hi int) {
				calls.Add(1)
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("workers %d n %d: index %d visited %d times", w, n, i, h)
				}
			}
			if int(calls.Load()) > max(w, 1) {
				t.Fatalf("workers %d n %d: %d ranges", w, n, calls.Load())
			}
		}
		SetWorkers(prev)
	}
}

func TestSmallWorkStaysSerial(t *testing.T) {
	prev := SetWorkers(4)
	defer SetWorkers(prev)
	var calls atomic.Int32
	For(100, 1, func(lo, hi int) { calls.Add(1) })
	if calls.Load() != 1 {
		t.Fatalf("%d ranges for 100 cheap indices, want 1", calls.Load())
	}
}

// TestForWaitsAfterAPanic: a panic in the chunk the caller runs, once
// recovered, returns only after the other chunks have finished.
func TestForWaitsAfterAPanic(t *testing.T) {
	prev := SetWorkers(2)
	defer SetWorkers(prev)
	var done atomic.Int32
	func() {
		defer func() { recover() }()
		For(2, 1<<20, func(lo, hi int) {
			if lo == 0 {
				panic("chunk 0")
			}
			time.Sleep(50 * time.Millisecond)
			done.Add(1)
		})
	}()
	if done.Load() != 1 {
		t.Errorf("For returned from a panic before the other chunk finished (finished %d)", done.Load())
	}
}

// covered runs For over n indices and reports whether each was visited
// exactly once.
func covered(n, cost int, body func()) bool {
	hits := make([]int32, n)
	For(n, cost, func(lo, hi int) {
		if body != nil {
			body()
		}
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&hits[i], 1)
		}
	})
	for _, h := range hits {
		if h != 1 {
			return false
		}
	}
	return true
}

// The team's workers are shared: Fors nested in chunks, Fors from many
// goroutines at once, and Fors after the workers went to sleep all
// complete and cover every index once.
func TestTeamUnderContention(t *testing.T) {
	cases := []struct {
		name string
		run  func() bool
	}{
		{"nested", func() bool {
			var inner atomic.Int32
			ok := covered(8, 1<<20, func() {
				if covered(1000, 1<<10, nil) {
					inner.Add(1)
				}
			})
			return ok && inner.Load() > 0
		}},
		{"concurrent callers", func() bool {
			var bad atomic.Int32
			done := make(chan struct{})
			for g := 0; g < 8; g++ {
				go func() {
					defer func() { done <- struct{}{} }()
					for i := 0; i < 200; i++ {
						if !covered(64, 1<<12, nil) {
							bad.Add(1)
						}
					}
				}()
			}
			for g := 0; g < 8; g++ {
				<-done
			}
			return bad.Load() == 0
		}},
		{"after sleeping", func() bool {
			ok := covered(100, 1<<12, nil)
			time.Sleep(2 * spinFor)
			return ok && covered(100, 1<<12, nil)
		}},
	}
	for _, w := range []int{2, 3, 5} {
		prev := SetWorkers(w)
		for _, c := range cases {
			finished := make(chan bool, 1)
			go func() { finished <- c.run() }()
			select {
			case ok := <-finished:
				if !ok {
					t.Errorf("workers %d, %s: an index was missed or visited twice", w, c.name)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("workers %d, %s: For did not return (deadlock)", w, c.name)
			}
		}
		SetWorkers(prev)
	}
}

// With two workers the second chunk runs on a team worker while the first
// runs on the caller: the first waits for the second to start.
func TestChunksRunConcurrently(t *testing.T) {
	prev := SetWorkers(2)
	defer SetWorkers(prev)
	for round := 0; round < 20; round++ {
		started := make(chan struct{})
		var timedOut atomic.Bool
		For(2, 1<<20, func(lo, hi int) {
			if lo > 0 {
				close(started)
				return
			}
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				timedOut.Store(true)
			}
		})
		if timedOut.Load() {
			t.Fatalf("round %d: the second chunk did not start while the first ran", round)
		}
	}
}

// A panic in a chunk a worker runs is raised again in the caller, after
// the other chunks finished; runtime.Goexit in one (t.FailNow) does not
// hang For, and the team keeps working afterwards.
func TestWorkerPanicsAndExits(t *testing.T) {
	prev := SetWorkers(2)
	defer SetWorkers(prev)
	cases := []struct {
		name      string
		chunk     func()
		wantPanic bool
	}{
		{"panic", func() { panic("chunk 1") }, true},
		{"goexit", func() { runtime.Goexit() }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var first atomic.Int32
			result := make(chan any, 1)
			go func() {
				defer func() { result <- recover() }()
				For(2, 1<<20, func(lo, hi int) {
					if lo > 0 {
						c.chunk()
						return
					}
					time.Sleep(20 * time.Millisecond)
					first.Add(1)
				})
			}()
			select {
			case got := <-result:
				if (got != nil) != c.wantPanic {
					t.Fatalf("recovered %v, want a panic: %v", got, c.wantPanic)
				}
				if first.Load() != 1 {
					t.Fatalf("For returned before the caller's chunk finished")
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("For did not return")
			}
			if !covered(1000, 1<<10, nil) {
				t.Fatalf("the team lost an index after the %s", c.name)
			}
		})
	}
}
