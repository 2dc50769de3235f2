package factformer

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/internal/gradtest"
	"github.com/surrogo/surrogo/tensor"
)

// Small configurations of every variant and embedding.
var smallConfigs = map[string]Config{
	"factformer 2-D": {Dim: 16, Depth: 2, Heads: 2, DimHead: 4, InFields: 2, InFrames: 3, OutFields: 2, MaxLatentSteps: 3, LatentMultiplier: 1.5, DecoderGroups: 4},
	"factformer 3-D": {SpatialDim: 3, Dim: 16, Depth: 1, Heads: 2, DimHead: 2, InFields: 2, InFrames: 2, OutFields: 1, MaxLatentSteps: 2, LatentMultiplier: 1},
	"ifactformer-m":  {Variant: VariantIFactParall, Dim: 12, Heads: 2, DimHead: 2, Layers: 3, InFields: 3, InFrames: 2, OutFields: 3},
	"ifactformer-o":  {Variant: VariantIFactChain, SpatialDim: 2, Dim: 8, Heads: 2, DimHead: 2, Depth: 2, Layers: 2, InFields: 1, InFrames: 1, OutFields: 2, Coordinates: CoordsPeriodic, Quadrature: true},
}

func TestForwardShapesAndSteps(t *testing.T) {
	for name, c := range smallConfigs {
		r := tensor.NewRNG(21)
		m, err := New[float32](c, r)
		if err != nil {
			t.Fatal(name, err)
		}
		c = m.Cfg
		spatial := []int{6, 5, 4}[:c.SpatialDim]
		x := autograd.Const(tensor.RandN[float32](r, append(append([]int{2}, spatial...), c.InFields*c.InFrames)...))
		y, err := m.Forward(x)
		if err != nil {
			t.Fatal(name, err)
		}
		want := append(append([]int{2}, spatial...), c.OutFields*c.Steps())
		if !tensor.SameShape(y.Shape(), want) {
			t.Fatalf("%s: output shape %v, want %v", name, y.Shape(), want)
		}
		if !tensor.AllFinite(y.Value) {
			t.Fatalf("%s: non-finite output", name)
		}
		if c.Steps() < 2 {
			if _, err := m.ForwardSteps(x, 2); err == nil || !strings.Contains(err.Error(), "2 steps asked") {
				t.Errorf("%s: 2 steps accepted: %v", name, err)
			}
			continue
		}
		// Latent marching is causal: the first frames do not depend on how
		// many follow, and frame t sits in channels t*out .. t*out+out-1.
		one, err := m.ForwardSteps(x, 1)
		if err != nil {
			t.Fatal(err)
		}
		o := c.OutFields
		yd, od := y.Value.Data(), one.Value.Data()
		all := c.OutFields * c.Steps()
		for p := 0; p < len(od)/o; p++ {
			for k := 0; k < o; k++ {
				if od[p*o+k] != yd[p*all+k] {
					t.Fatalf("%s: frame 0 differs between 1 and %d steps", name, c.Steps())
				}
			}
		}
	}
}

func TestForwardRefusals(t *testing.T) {
	m, err := New[float64](smallConfigs["factformer 2-D"], tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		x     []int
		steps int
		want  string
	}{
		{[]int{1, 6, 5, 5}, 1, "6 channels (2 fields x 3 frames)"},
		{[]int{1, 6, 6}, 1, "2 spatial axes"},
		{[]int{1, 6, 5, 6}, 4, "4 steps asked"},
		{[]int{1, 6, 5, 6}, 0, "0 steps asked"},
	}
	for _, c := range cases {
		_, err := m.ForwardSteps(autograd.Const(tensor.New[float64](c.x...)), c.steps)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %v, %d steps: error %v, want %q", c.x, c.steps, err, c.want)
		}
	}
	_, err = m.ForwardOn(autograd.Const(tensor.New[float64](1, 6, 5, 6)), [][]float64{make([]float64, 6), make([]float64, 4)}, 1)
	if err == nil || !strings.Contains(err.Error(), "4 coordinates on axis 1") {
		t.Errorf("coordinate mismatch: %v", err)
	}
}

// The positional features are the configuration's: explicit coordinates
// equal to the configured ones give the same output, other coordinates
// another one, and the frozen B comes from rff_seed alone.
func TestCoordinatesAndFrozenFeatures(t *testing.T) {
	c := smallConfigs["factformer 2-D"]
	m1, _ := New[float64](c, tensor.NewRNG(1))
	m2, _ := New[float64](c, tensor.NewRNG(2))
	for l := range m1.RFF {
		for i, v := range m1.RFF[l].Data() {
			if v != m2.RFF[l].Data()[i] {
				t.Fatal("B depends on the parameter generator")
			}
		}
	}
	c.RFFSeed = 1
	m3, _ := New[float64](c, tensor.NewRNG(1))
	if m3.RFF[0].Data()[0] == m1.RFF[0].Data()[0] {
		t.Error("rff_seed does not change B")
	}
	x := autograd.Const(tensor.RandN[float64](tensor.NewRNG(3), 1, 6, 5, 6))
	y, _ := m1.Forward(x)
	pos := m1.Cfg.Coords([]int{6, 5})
	y2, _ := m1.ForwardOn(x, pos, 3)
	for i, v := range y.Value.Data() {
		if v != y2.Value.Data()[i] {
			t.Fatal("ForwardOn with the configured coordinates differs from Forward")
		}
	}
	pos[1][4] *= 0.9
	y3, _ := m1.ForwardOn(x, pos, 3)
	var d float64
	for i, v := range y.Value.Data() {
		d = math.Max(d, math.Abs(v-y3.Value.Data()[i]))
	}
	if d == 0 {
		t.Error("moving a coordinate changed nothing (stale feature cache?)")
	}
	// The features are sin and cos of 2 pi p B.
	f := m1.features(m1.Cfg.Coords([]int{6, 5}))[1]
	b := m1.RFF[1]
	p := m1.Cfg.Coords([]int{6, 5})
	ang := 2 * math.Pi * (p[0][2]*b.At(0, 3) + p[1][4]*b.At(1, 3))
	if math.Abs(f.At(2, 4, 3)-math.Sin(ang)) > 1e-12 || math.Abs(f.At(2, 4, 3+8)-math.Cos(ang)) > 1e-12 {
		t.Errorf("feature (2, 4, 3): %v, %v; want sin, cos of %v", f.At(2, 4, 3), f.At(2, 4, 11), ang)
	}
}

func TestModelGradients(t *testing.T) {
	for _, name := range []string{"factformer 2-D", "ifactformer-m", "ifactformer-o"} {
		c := smallConfigs[name]
		r := tensor.NewRNG(31)
		m, err := New[float64](c, r)
		if err != nil {
			t.Fatal(err)
		}
		c = m.Cfg
		spatial := []int{5, 4, 3}[:c.SpatialDim]
		x := tensor.RandN[float64](r, append(append([]int{2}, spatial...), c.InFields*c.InFrames)...)
		target := tensor.RandN[float64](r, append(append([]int{2}, spatial...), c.OutFields*c.Steps())...)
		gradtest.Check(t, m.Params(), func() *autograd.Var[float64] {
			y, err := m.Forward(autograd.Const(x))
			if err != nil {
				t.Fatal(err)
			}
			return nn.RelL2(y, autograd.Const(target))
		})
	}
}
