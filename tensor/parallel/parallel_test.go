package parallel

import (
	"sync/atomic"
	"testing"
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
