package fno_test

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/operators/fno"
	"github.com/surrogo/surrogo/tensor"
)

// An FNO-2D as fourier_2d.py (modes 12, width 32) maps a batch of fields
// to fields of the same resolution.
func Example() {
	m, err := fno.New[float32](fno.Config{Dim: 2, InChannels: 1, Width: 32, Modes: []int{12, 12}}, tensor.NewRNG(0))
	if err != nil {
		panic(err)
	}
	a := autograd.Const(tensor.New[float32](4, 32, 32, 1))
	var u *autograd.Var[float32]
	autograd.NoGrad(func() { u, err = m.Forward(a) })
	fmt.Println(u.Shape(), err)
	// Output: [4 32 32 1] <nil>
}
