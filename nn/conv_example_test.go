package nn_test

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// The first layer of DMM's branch network: Conv(1->8, 5x5, stride 2,
// padding 2) halves a 48^2 field to 24^2 with 8 channels.
func ExampleConv2d() {
	r := tensor.NewRNG(1)
	conv, err := nn.NewConv2d[float32](r, 1, 8, [2]int{5, 5}, [2]int{2, 2}, [2]int{2, 2}, true)
	if err != nil {
		panic(err)
	}
	u := autograd.Const(tensor.RandN[float32](r, 160, 1, 48, 48)) // [N, C, H, W]
	h := autograd.Tanh(conv.Forward(u))
	fmt.Println(h.Shape(), nn.CountParams(conv.Params()))
	// Output: [160 8 24 24] 208
}
