package tensor

import (
	"math"
	"os"
	"sync"
	"time"
	"unsafe"
)

// Buffer recycling. Training repeats the same shapes every step, and an
// FNO step at 64^2 spent 13% of its time (inference 24%) in the Go
// runtime clearing freshly allocated buffers that the next kernel
// overwrote anyway. Recycle hands a buffer back once its owner knows that
// nothing reads it any more (autograd does so for a finished step's
// graph), and Empty takes one of the same length back without clearing
// it.
//
// Only buffers a tensor owns are recycled: those New, Empty and Clone
// allocated, through the tensor or a Reshape view of it (they share one
// ownership record, so the buffer is recycled once), not wrapped slices
// (FromSlice).

// minRecycled is the smallest buffer worth pooling; smaller ones are
// cheap to allocate and clear.
const minRecycled = 1024

// poison, set by the environment variable SURROGO_POISON=1 (the test
// suite's second pass sets it), fills buffers from Empty and recycled
// buffers with NaN, so a kernel that reads an element it did not write,
// or code that reads a tensor after recycling it, gives NaN in the tests.
var poison = os.Getenv("SURROGO_POISON") == "1"

type poolKey struct {
	elemSize uintptr
	n        int
}

// pooled is a recycled buffer (a []float32 or []float64) and the
// generation it was recycled in.
type pooled struct {
	buf any
	gen uint64
}

// The pool: free buffers by element size and length. It holds at most
// poolLimit bytes. A Recycler's Flush (the end of a step's backward pass
// or graph) starts a new generation, as does a Recycle poolAgeEvery after
// the last (inference recycles without Flush), and buffers not reused for
// poolMaxAge generations are dropped, so a shape that stops recurring does
// not hold memory for long. (A sync.Pool does not fit: the collector empties it
// every second cycle, several times per training step.)
var pool = struct {
	sync.Mutex
	free  map[poolKey][]pooled
	bytes int
	gen   uint64
	aged  time.Time // when the last generation began
}{free: map[poolKey][]pooled{}}

const (
	poolLimit    = 1 << 30
	poolMaxAge   = 4
	poolAgeEvery = 30 * time.Second
)

func takeBuffer[T Float](n int) []T {
	var zero T
	key := poolKey{unsafe.Sizeof(zero), n}
	pool.Lock()
	defer pool.Unlock()
	list := pool.free[key]
	if len(list) == 0 {
		return nil
	}
	b := list[len(list)-1].buf.([]T)
	list[len(list)-1] = pooled{}
	pool.free[key] = list[:len(list)-1]
	pool.bytes -= n * int(key.elemSize)
	return b
}

func giveBuffer[T Float](b []T) {
	var zero T
	key := poolKey{unsafe.Sizeof(zero), len(b)}
	size := len(b) * int(key.elemSize)
	pool.Lock()
	defer pool.Unlock()
	if time.Since(pool.aged) > poolAgeEvery {
		agePoolLocked()
	}
	if pool.bytes+size > poolLimit {
		return // left to the collector
	}
	pool.free[key] = append(pool.free[key], pooled{buf: b, gen: pool.gen})
	pool.bytes += size
}

// agePool starts a new generation and drops the buffers older than
// poolMaxAge generations.
func agePool() {
	pool.Lock()
	defer pool.Unlock()
	agePoolLocked()
}

func agePoolLocked() {
	pool.gen++
	pool.aged = time.Now()
	for key, list := range pool.free {
		kept := list[:0]
		for _, p := range list {
			if pool.gen-p.gen <= poolMaxAge {
				kept = append(kept, p)
			} else {
				pool.bytes -= key.n * int(key.elemSize)
			}
		}
		clear(list[len(kept):])
		if len(kept) == 0 {
			delete(pool.free, key)
		} else {
			pool.free[key] = kept
		}
	}
}

// Empty returns a tensor of the given shape whose values are arbitrary (a
// recycled buffer, or zeros): for kernels that write every element before
// reading any.
func Empty[T Float](shape ...int) *Tensor[T] {
	n := checkedSize(shape)
	t := &Tensor[T]{shape: cloneInts(shape), own: owner(n)}
	if n >= minRecycled {
		t.data = takeBuffer[T](n)
	}
	if t.data == nil {
		t.data = make([]T, n)
	}
	if poison {
		fillNaN(t.data)
	}
	return t
}

// EmptyLike returns Empty(t.Shape()...).
func EmptyLike[T Float](t *Tensor[T]) *Tensor[T] { return Empty[T](t.shape...) }

// Recycle hands t's buffer back for reuse by Empty. The caller promises
// that nothing reads or writes t, or any tensor sharing its data, from now
// on. Wrapped slices, small buffers and buffers already recycled (through
// t or a view of it) are left alone.
func Recycle[T Float](t *Tensor[T]) {
	if t == nil || t.own == nil || t.own.recycled || len(t.data) < minRecycled || len(t.data) != cap(t.data) {
		return
	}
	b := t.data
	t.data, t.own.recycled = nil, true
	if poison {
		fillNaN(b)
	}
	giveBuffer(b)
}

// bufferKey identifies the array behind s: the address of its last
// element, which every slice of it that extends to its end (a Reshape
// view, FromSlice of Data(), Data()[i:]) shares.
func bufferKey[T Float](s []T) unsafe.Pointer {
	if cap(s) == 0 {
		return nil
	}
	return unsafe.Pointer(&s[:cap(s)][cap(s)-1])
}

// SameBuffer reports whether a and b share their data (one is a view of
// the other, or both of a third).
func SameBuffer[T Float](a, b *Tensor[T]) bool {
	return a != nil && b != nil && len(a.data) > 0 && len(b.data) > 0 && bufferKey(a.data) == bufferKey(b.data)
}

// A Recycler tracks the buffers of a computation so each is recycled
// once, when nothing holds it and no kept tensor shares it. Keep marks
// tensors that live on (parameters, inputs, results). Hold counts a
// reference to a tensor's buffer and Drop releases one: when a buffer's
// count returns to zero it is recycled at once (unless kept), which lets
// a backward pass reuse each gradient's memory as soon as it is
// consumed. Flush recycles every buffer still held and not kept, and
// starts a new pool generation. Views and wrapped slices count towards
// their array (a Reshape view holds its owner's buffer); only an array
// whose owning tensor was held or dropped is recycled.
type Recycler[T Float] struct {
	keep  map[unsafe.Pointer]bool
	held  map[unsafe.Pointer]int
	owner map[unsafe.Pointer]*Tensor[T]
}

// NewRecycler returns an empty Recycler.
func NewRecycler[T Float]() *Recycler[T] {
	return &Recycler[T]{keep: map[unsafe.Pointer]bool{}, held: map[unsafe.Pointer]int{}, owner: map[unsafe.Pointer]*Tensor[T]{}}
}

// Keep marks t's buffer as living on: it is never recycled.
func (r *Recycler[T]) Keep(t *Tensor[T]) {
	if t != nil && len(t.data) > 0 {
		r.keep[bufferKey(t.data)] = true
	}
}

// Kept reports whether t shares a kept buffer.
func (r *Recycler[T]) Kept(t *Tensor[T]) bool {
	return t != nil && len(t.data) > 0 && r.keep[bufferKey(t.data)]
}

// Hold counts one more reference to t's buffer.
func (r *Recycler[T]) Hold(t *Tensor[T]) {
	if k := r.note(t); k != nil {
		r.held[k]++
	}
}

// Drop releases one reference to t's buffer (taken by Hold) and recycles
// the buffer when it was the last.
func (r *Recycler[T]) Drop(t *Tensor[T]) {
	k := r.note(t)
	if k == nil {
		return
	}
	if r.held[k]--; r.held[k] > 0 {
		return
	}
	delete(r.held, k)
	if o := r.owner[k]; o != nil && !r.keep[k] {
		Recycle(o)
	}
	delete(r.owner, k)
}

// Consider recycles t's buffer unless something holds it or it is kept:
// for a value computed and not stored (Hold then Drop).
func (r *Recycler[T]) Consider(t *Tensor[T]) {
	r.Hold(t)
	r.Drop(t)
}

// Flush recycles every buffer still held and not kept, forgets the rest
// and starts a new pool generation; it returns how many it recycled.
func (r *Recycler[T]) Flush() int {
	n := 0
	for k := range r.held {
		if o := r.owner[k]; o != nil && !r.keep[k] {
			Recycle(o)
			n++
		}
	}
	clear(r.held)
	clear(r.owner)
	agePool()
	return n
}

// note records t's owner, if t owns its buffer, and returns the buffer's
// key (nil for buffers too small to pool).
func (r *Recycler[T]) note(t *Tensor[T]) unsafe.Pointer {
	if t == nil || len(t.data) < minRecycled {
		return nil
	}
	k := bufferKey(t.data)
	if t.own != nil {
		r.owner[k] = t
	}
	return k
}

func fillNaN[T Float](s []T) {
	nan := T(math.NaN())
	for i := range s {
		s[i] = nan
	}
}
