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
