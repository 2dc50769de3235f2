package tensor_test

import (
	"fmt"

	"github.com/surrogo/surrogo/tensor"
)

// A 3x3 box filter with zero padding 1 sums each pixel's neighbourhood:
// the centre of a 3x3 field of ones sees 9 ones, an edge 6, a corner 4.
func ExampleConv2D() {
	x := tensor.Ones[float64](1, 1, 3, 3) // [N, C, H, W]
	w := tensor.Ones[float64](1, 1, 3, 3) // [O, C, kH, kW]
	y := tensor.Conv2D(x, w, [2]int{1, 1}, [2]int{1, 1})
	fmt.Println(y.Shape(), y.Data())
	// Output: [1 1 3 3] [4 6 4 6 9 6 4 6 4]
}
