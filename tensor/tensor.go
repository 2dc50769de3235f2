package tensor

import (
	"fmt"
	"strings"
)

// Float is the set of element types: float32 (operators train in it) and
// float64 (PINNs train in it). Every kernel is written once,
// generically.
type Float interface{ float32 | float64 }

// Tensor is a dense, contiguous, row-major N-d array. The zero-rank
// tensor holds one value. Tensors share data only through Reshape (and
// FromSlice, which wraps the caller's slice); every other operation
// allocates its result, except the few that say they work in place.
type Tensor[T Float] struct {
	shape []int
	data  []T
	own   *ownership // set when data was allocated for this tensor (New, Empty, Clone); shared by its Reshape views
}

// ownership marks an allocated buffer; once it is recycled, neither the
// tensor nor any view of it can recycle the buffer again.
type ownership struct{ recycled bool }

func owner(n int) *ownership {
	if n < minRecycled {
		return nil // too small to pool
	}
	return &ownership{}
}

// New returns a zero tensor of the given shape.
func New[T Float](shape ...int) *Tensor[T] {
	n := checkedSize(shape)
	return &Tensor[T]{shape: cloneInts(shape), data: make([]T, n), own: owner(n)}
}

// FromSlice wraps data (not copied) as a tensor of the given shape; it
// panics if the sizes disagree (a programmer error).
func FromSlice[T Float](data []T, shape ...int) *Tensor[T] {
	if n := checkedSize(shape); n != len(data) {
		panic(fmt.Sprintf("tensor: FromSlice: shape %v needs %d values, got %d", shape, n, len(data)))
	}
	return &Tensor[T]{shape: cloneInts(shape), data: data}
}

// Scalar returns a rank-0 tensor holding v.
func Scalar[T Float](v T) *Tensor[T] { return &Tensor[T]{data: []T{v}} }

// Full returns a tensor of the given shape filled with v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Ones returns a tensor of ones.
func Ones[T Float](shape ...int) *Tensor[T] { return Full(T(1), shape...) }

// ZerosLike returns a zero tensor with t's shape.
func ZerosLike[T Float](t *Tensor[T]) *Tensor[T] { return New[T](t.shape...) }

// Arange returns [0, 1, ..., n-1].
func Arange[T Float](n int) *Tensor[T] {
	t := New[T](n)
	for i := range t.data {
		t.data[i] = T(i)
	}
	return t
}

// Linspace returns n evenly spaced values from a to b inclusive.
func Linspace[T Float](a, b float64, n int) *Tensor[T] {
	t := New[T](n)
	for i := range t.data {
		if n == 1 {
			t.data[i] = T(a)
		} else {
			t.data[i] = T(a + (b-a)*float64(i)/float64(n-1))
		}
	}
	return t
}

// Shape returns the dimensions (do not modify).
func (t *Tensor[T]) Shape() []int { return t.shape }

// Data returns the underlying row-major values (shared, not copied).
func (t *Tensor[T]) Data() []T { return t.data }

// Len returns the number of elements.
func (t *Tensor[T]) Len() int { return len(t.data) }

// Rank returns the number of dimensions.
func (t *Tensor[T]) Rank() int { return len(t.shape) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int { return t.shape[normAxis(i, len(t.shape))] }

// Item returns the single value of a one-element tensor.
func (t *Tensor[T]) Item() T {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Item on a tensor of shape %v", t.shape))
	}
	return t.data[0]
}

// At returns the element at the given index.
func (t *Tensor[T]) At(idx ...int) T { return t.data[t.offset(idx)] }

// Set writes v at the given index.
func (t *Tensor[T]) Set(v T, idx ...int) { t.data[t.offset(idx)] = v }

func (t *Tensor[T]) offset(idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: index %v for shape %v", idx, t.shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(fmt.Sprintf("tensor: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + x
	}
	return off
}

// Clone returns a deep copy.
func (t *Tensor[T]) Clone() *Tensor[T] {
	if len(t.data) != Size(t.shape) {
		panic(fmt.Sprintf("tensor: Clone of a recycled tensor of shape %v", t.shape))
	}
	c := Empty[T](t.shape...)
	copy(c.data, t.data)
	return c
}

// Reshape returns a tensor sharing t's data with a new shape; one
// dimension may be -1 and is inferred. A view of a tensor that owns its
// buffer shares the ownership: recycling either recycles the buffer.
func (t *Tensor[T]) Reshape(shape ...int) *Tensor[T] {
	shape = cloneInts(shape)
	infer := -1
	known := 1
	for i, s := range shape {
		if s == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("tensor: Reshape %v: more than one -1", shape))
			}
			infer = i
		} else {
			known *= s
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(fmt.Sprintf("tensor: cannot reshape %v into %v", t.shape, shape))
		}
		shape[infer] = len(t.data) / known
	}
	if checkedSize(shape) != len(t.data) {
		panic(fmt.Sprintf("tensor: cannot reshape %v (%d values) into %v", t.shape, len(t.data), shape))
	}
	return &Tensor[T]{shape: shape, data: t.data, own: t.own}
}

// CopyFrom copies src's values into t (shapes must have the same size).
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) {
	if len(src.data) != len(t.data) {
		panic(fmt.Sprintf("tensor: CopyFrom %v into %v", src.shape, t.shape))
	}
	copy(t.data, src.data)
}

// Fill sets every element to v.
func (t *Tensor[T]) Fill(v T) {
	for i := range t.data {
		t.data[i] = v
	}
}

// String prints the shape and up to 8 values.
func (t *Tensor[T]) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v[", t.shape)
	for i, v := range t.data {
		if i == 8 {
			fmt.Fprintf(&b, " ... (%d values)", len(t.data))
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%g", v)
	}
	b.WriteByte(']')
	return b.String()
}

// Convert returns t's values as another element type.
func Convert[U, T Float](t *Tensor[T]) *Tensor[U] {
	out := New[U](t.shape...)
	for i, v := range t.data {
		out.data[i] = U(v)
	}
	return out
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Size is the product of the dimensions (1 for a scalar).
func Size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func checkedSize(shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= s
	}
	return n
}

func cloneInts(v []int) []int { return append([]int{}, v...) }

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		panic(fmt.Sprintf("tensor: axis out of range for rank %d", rank))
	}
	return axis
}

// stridesOf returns row-major strides.
func stridesOf(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}
