package tensor_test

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// The half spectrum of cos(2 pi j / 8) has its energy in frequency 1:
// X_1 = n / 2 = 4.
func ExampleRFFTN() {
	x := tensor.New[float64](8)
	for j := range x.Data() {
		x.Data()[j] = math.Cos(2 * math.Pi * float64(j) / 8)
	}
	X := tensor.RFFTN(x, 1)
	for k := 0; k < X.Len(); k++ {
		v := real(X.At(k))
		if math.Abs(v) < 1e-9 {
			v = 0 // round-off
		}
		fmt.Printf("%.1f ", v)
	}
	fmt.Println()
	// Output: 0.0 4.0 0.0 0.0 0.0
}

// A Recycler hands a buffer back once its last holder drops it: here a
// tensor and its Reshape view both hold one buffer, so it is recycled on
// the second Drop, and the next Empty of that length reuses it.
func ExampleRecycler() {
	x := tensor.New[float32](4096)
	view := x.Reshape(64, 64)
	r := tensor.NewRecycler[float32]()
	r.Hold(x)
	r.Hold(view)
	r.Drop(x)
	a := tensor.Empty[float32](4096) // a fresh buffer: x's is still held
	fmt.Println("reused after the first drop:", tensor.SameBuffer(a, view))
	r.Drop(view)
	b := tensor.Empty[float32](64, 64) // x's buffer, not cleared
	fmt.Println("reused after the second drop:", tensor.SameBuffer(b, x))
	// Output:
	// reused after the first drop: false
	// reused after the second drop: true
}
