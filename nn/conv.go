package nn

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// Conv2d is PyTorch's nn.Conv2d (zero padding, no dilation, one group):
// y = conv(x, W) + b for x [N, In, H, W], W [Out, In, kH, kW], b [Out],
// giving [N, Out, H', W'] with H' = (H + 2 ph - kH) / sh + 1. Its default
// init is PyTorch's: W by kaiming_uniform(a = sqrt(5)), which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)), with fan_in = In kH kW.
type Conv2d[T tensor.Float] struct {
	W, B                    *autograd.Var[T]
	In, Out                 int
	Kernel, Stride, Padding [2]int
}

// NewConv2d returns a Conv2d layer initialised from r (weight first, then
// bias), or an error if a size is not positive or the padding negative.
func NewConv2d[T tensor.Float](r *tensor.RNG, in, out int, kernel, stride, padding [2]int, bias bool) (*Conv2d[T], error) {
	switch {
	case in < 1 || out < 1:
		return nil, fmt.Errorf("nn: Conv2d channels must be positive, got in %d, out %d", in, out)
	case kernel[0] < 1 || kernel[1] < 1:
		return nil, fmt.Errorf("nn: Conv2d kernel must be at least 1x1, got %v", kernel)
	case stride[0] < 1 || stride[1] < 1:
		return nil, fmt.Errorf("nn: Conv2d stride must be positive, got %v", stride)
	case padding[0] < 0 || padding[1] < 0:
		return nil, fmt.Errorf("nn: Conv2d padding must be non-negative, got %v", padding)
	}
	c := &Conv2d[T]{In: in, Out: out, Kernel: kernel, Stride: stride, Padding: padding}
	c.W = autograd.Param(KaimingUniform[T](r, math.Sqrt(5), false, out, in, kernel[0], kernel[1]))
	if bias {
		bound := 1 / math.Sqrt(float64(in*kernel[0]*kernel[1]))
		c.B = autograd.Param(Uniform[T](r, -bound, bound, out))
	}
	return c, nil
}

// OutputShape returns the output shape for an input of shape in, or an
// error saying why in does not fit (wrong rank or channels, or a padded
// plane smaller than the kernel). Forward panics in those cases.
func (c *Conv2d[T]) OutputShape(in []int) ([]int, error) {
	s, err := tensor.Conv2DShape(in, c.W.Shape(), c.Stride, c.Padding)
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	return s, nil
}

// Forward applies the layer to x [N, In, H, W].
func (c *Conv2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	y := autograd.Conv2D(x, c.W, c.Stride, c.Padding)
	if c.B == nil {
		return y
	}
	return autograd.Add(y, autograd.Reshape(c.B, c.Out, 1, 1))
}

// Params returns weight (and bias).
func (c *Conv2d[T]) Params() []Param[T] {
	ps := []Param[T]{{Name: "weight", Var: c.W}}
	if c.B != nil {
		ps = append(ps, Param[T]{Name: "bias", Var: c.B})
	}
	return ps
}
