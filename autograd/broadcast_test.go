package autograd

import (
	"fmt"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestBroadcastValue: the copying broadcast equals tensor.BroadcastTo.
func TestBroadcastValue(t *testing.T) {
	cases := []struct{ from, to []int }{
		{[]int{}, []int{3, 4}},
		{[]int{1}, []int{5}},
		{[]int{4}, []int{4}},
		{[]int{4}, []int{3, 4}},
		{[]int{3, 1}, []int{3, 4}},
		{[]int{2, 1, 1, 5}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 1, 1}, []int{2, 3, 4, 5}},
		{[]int{1, 3, 1, 5}, []int{2, 3, 4, 5}},
		{[]int{3, 1, 5}, []int{2, 3, 4, 5}},
		{[]int{1, 1}, []int{1, 1}},
		{[]int{2, 1}, []int{2, 0}},
	}
	r := tensor.NewRNG(1)
	for _, c := range cases {
		x := tensor.RandN[float64](r, c.from...)
		got, want := broadcastValue(x, c.to), tensor.BroadcastTo(x, c.to)
		if !tensor.SameShape(got.Shape(), want.Shape()) || fmt.Sprint(got.Data()) != fmt.Sprint(want.Data()) {
			t.Errorf("%v to %v: got %v %v, want %v %v", c.from, c.to, got.Shape(), got.Data(), want.Shape(), want.Data())
		}
	}
}
