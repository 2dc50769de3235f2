package parallel

import (
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
