package nn

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// Activation names a pointwise nonlinearity.
type Activation string

// The activations surrogo's models use.
const (
	GELU     Activation = "gelu"      // exact: x Phi(x)
	GELUTanh Activation = "gelu_tanh" // tanh approximation
	Tanh     Activation = "tanh"
	Sin      Activation = "sin"
	SiLU     Activation = "silu"
	ReLU     Activation = "relu"
	Sigmoid  Activation = "sigmoid"
	Identity Activation = "identity"
)

var activations = map[Activation]bool{GELU: true, GELUTanh: true, Tanh: true, Sin: true, SiLU: true, ReLU: true, Sigmoid: true, Identity: true}

// ParseActivation checks a name from a configuration.
func ParseActivation(name string) (Activation, error) {
	a := Activation(strings.ToLower(name))
	if !activations[a] {
		names := make([]string, 0, len(activations))
		for k := range activations {
			names = append(names, string(k))
		}
		sort.Strings(names)
		return "", fmt.Errorf("nn: unknown activation %q (expected one of %s)", name, strings.Join(names, ", "))
	}
	return a, nil
}

// Apply returns act(x).
func Apply[T tensor.Float](act Activation, x *autograd.Var[T]) *autograd.Var[T] {
	switch act {
	case GELU:
		return autograd.GELU(x)
	case GELUTanh:
		return autograd.GELUTanh(x)
	case Tanh:
		return autograd.Tanh(x)
	case Sin:
		return autograd.Sin(x)
	case SiLU:
		return autograd.SiLU(x)
	case ReLU:
		return autograd.Relu(x)
	case Sigmoid:
		return autograd.Sigmoid(x)
	case Identity, "":
		return x
	}
	panic(fmt.Sprintf("nn: unknown activation %q", act))
}

// Linear is y = x W^T + b with W [out, in], b [out], PyTorch's default
// init: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
type Linear[T tensor.Float] struct {
	W, B    *autograd.Var[T]
	In, Out int
}

// NewLinear returns a Linear layer initialised from r.
func NewLinear[T tensor.Float](r *tensor.RNG, in, out int, bias bool) *Linear[T] {
	bound := 1 / math.Sqrt(float64(in))
	l := &Linear[T]{In: in, Out: out, W: autograd.Param(Uniform[T](r, -bound, bound, out, in))}
	if bias {
		l.B = autograd.Param(Uniform[T](r, -bound, bound, out))
	}
	return l
}

// Forward applies the layer to x [..., in].
func (l *Linear[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Linear(x, l.W, l.B) }

// Params returns weight (and bias).
func (l *Linear[T]) Params() []Param[T] {
	ps := []Param[T]{{Name: "weight", Var: l.W}}
	if l.B != nil {
		ps = append(ps, Param[T]{Name: "bias", Var: l.B})
	}
	return ps
}

// MLP is a stack of Linear layers with an activation between them (none
// after the last).
type MLP[T tensor.Float] struct {
	Layers []*Linear[T]
	Act    Activation
}

// NewMLP builds an MLP with the given layer sizes [in, hidden..., out].
func NewMLP[T tensor.Float](r *tensor.RNG, sizes []int, act Activation) (*MLP[T], error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn: an MLP needs at least input and output sizes, got %v", sizes)
	}
	for _, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("nn: MLP layer sizes must be positive, got %v", sizes)
		}
	}
	if _, err := ParseActivation(string(act)); err != nil {
		return nil, err
	}
	m := &MLP[T]{Act: act}
	for i := 0; i+1 < len(sizes); i++ {
		m.Layers = append(m.Layers, NewLinear[T](r, sizes[i], sizes[i+1], true))
	}
	return m, nil
}

// Forward applies the MLP to x [..., in].
func (m *MLP[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	for i, l := range m.Layers {
		x = l.Forward(x)
		if i+1 < len(m.Layers) {
			x = Apply(m.Act, x)
		}
	}
	return x
}

// Params returns "0.weight", "0.bias", "1.weight", ...
func (m *MLP[T]) Params() []Param[T] {
	var ps []Param[T]
	for i, l := range m.Layers {
		ps = append(ps, Prefixed(fmt.Sprint(i), l.Params())...)
	}
	return ps
}

// normalize returns (x - mean) / sqrt(var + eps) over axes (biased
// variance, as PyTorch's norm layers): one fused op.
func normalize[T tensor.Float](x *autograd.Var[T], axes []int, eps float64) *autograd.Var[T] {
	return autograd.Normalize(x, axes, eps, false)
}

// LayerNorm normalises over the last len(Shape) axes, then scales and
// shifts elementwise (weight 1, bias 0 initially).
type LayerNorm[T tensor.Float] struct {
	Shape        []int
	Eps          float64
	Weight, Bias *autograd.Var[T]
}

// NewLayerNorm returns an affine LayerNorm with eps 1e-5.
func NewLayerNorm[T tensor.Float](shape ...int) *LayerNorm[T] {
	return &LayerNorm[T]{Shape: shape, Eps: 1e-5,
		Weight: autograd.Param(tensor.Ones[T](shape...)), Bias: autograd.Param(tensor.New[T](shape...))}
}

// Forward normalises x [..., Shape...] (one fused op, autograd.LayerNorm).
func (l *LayerNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}

// Params returns weight and bias.
func (l *LayerNorm[T]) Params() []Param[T] {
	return []Param[T]{{Name: "weight", Var: l.Weight}, {Name: "bias", Var: l.Bias}}
}

// channelAffine reshapes a per-channel vector to broadcast over [B, C, ...].
func channelAffine[T tensor.Float](v *autograd.Var[T], rank int) *autograd.Var[T] {
	shape := make([]int, rank-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = v.Value.Len()
	return autograd.Reshape(v, shape...)
}

// GroupNorm normalises [B, C, ...] over groups of C/G channels and the
// spatial axes, then applies a per-channel affine map.
type GroupNorm[T tensor.Float] struct {
	Groups, Channels int
	Eps              float64
	Weight, Bias     *autograd.Var[T]
}

// NewGroupNorm returns an affine GroupNorm with eps 1e-5.
func NewGroupNorm[T tensor.Float](groups, channels int) (*GroupNorm[T], error) {
	if groups < 1 || channels%groups != 0 {
		return nil, fmt.Errorf("nn: GroupNorm with %d groups over %d channels (channels must be a multiple of groups)", groups, channels)
	}
	return &GroupNorm[T]{Groups: groups, Channels: channels, Eps: 1e-5,
		Weight: autograd.Param(tensor.Ones[T](channels)), Bias: autograd.Param(tensor.New[T](channels))}, nil
}

// Forward normalises x [B, C, ...].
func (g *GroupNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	grouped := autograd.Reshape(x, s[0], g.Groups, -1)
	y := autograd.Reshape(normalize(grouped, []int{2}, g.Eps), s...)
	r := len(s)
	return autograd.Add(autograd.Mul(y, channelAffine(g.Weight, r)), channelAffine(g.Bias, r))
}

// Params returns weight and bias.
func (g *GroupNorm[T]) Params() []Param[T] {
	return []Param[T]{{Name: "weight", Var: g.Weight}, {Name: "bias", Var: g.Bias}}
}

// InstanceNorm normalises each channel of each sample of [B, C, ...] over
// its spatial axes; affine is off by default, as in PyTorch.
type InstanceNorm[T tensor.Float] struct {
	Channels     int
	Eps          float64
	Weight, Bias *autograd.Var[T] // nil unless affine
}

// NewInstanceNorm returns an InstanceNorm with eps 1e-5.
func NewInstanceNorm[T tensor.Float](channels int, affine bool) *InstanceNorm[T] {
	n := &InstanceNorm[T]{Channels: channels, Eps: 1e-5}
	if affine {
		n.Weight = autograd.Param(tensor.Ones[T](channels))
		n.Bias = autograd.Param(tensor.New[T](channels))
	}
	return n
}

// Forward normalises x [B, C, ...].
func (n *InstanceNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	flat := autograd.Reshape(x, s[0], s[1], -1)
	y := autograd.Reshape(normalize(flat, []int{2}, n.Eps), s...)
	if n.Weight == nil {
		return y
	}
	return autograd.Add(autograd.Mul(y, channelAffine(n.Weight, len(s))), channelAffine(n.Bias, len(s)))
}

// Params returns weight and bias when affine.
func (n *InstanceNorm[T]) Params() []Param[T] {
	if n.Weight == nil {
		return nil
	}
	return []Param[T]{{Name: "weight", Var: n.Weight}, {Name: "bias", Var: n.Bias}}
}

// Dropout zeroes each element with probability P during training and
// scales the rest by 1/(1-P); at evaluation it is the identity.
type Dropout struct{ P float64 }

// DropoutForward applies dropout with mask draws from r when train is set.
func DropoutForward[T tensor.Float](d Dropout, x *autograd.Var[T], train bool, r *tensor.RNG) *autograd.Var[T] {
	if !train || d.P == 0 {
		return x
	}
	mask := tensor.New[T](x.Shape()...)
	keep := T(1 / (1 - d.P))
	for i := range mask.Data() {
		if r.Float64() >= d.P {
			mask.Data()[i] = keep
		}
	}
	return autograd.Mul(x, autograd.Const(mask))
}
