package factformer

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/internal/golden"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Section 12 of scripts/torch_reference.py: FactFormer blocks and models
// in float32, with parameters under upstream's state_dict names.

// storedNames lists the datasets under group/params.
func storedNames(t *testing.T, group string) map[string]bool {
	t.Helper()
	f, err := datasets.Open(golden.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := f.OpenGroup(group + "/params")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	es, err := g.Entries()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range es {
		names[e.Name] = true
	}
	return names
}

// loadParams copies the stored weights into params (and frozen buffers),
// by name; shapes differ only by singleton axes. Every stored tensor must
// be used.
func loadParams(t *testing.T, g *golden.File, group string, params, buffers []nn.Param[float32]) {
	t.Helper()
	stored := storedNames(t, group)
	for _, p := range append(append([]nn.Param[float32]{}, params...), buffers...) {
		if !stored[p.Name] {
			t.Fatalf("%s: no stored tensor %q", group, p.Name)
		}
		delete(stored, p.Name)
		v := golden.Load[float32](g, group+"/params/"+p.Name)
		if v.Len() != p.Var.Value.Len() {
			t.Fatalf("%s: %s has %d values (shape %v), the Go parameter %d (shape %v)", group, p.Name, v.Len(), v.Shape(), p.Var.Value.Len(), p.Var.Shape())
		}
		copy(p.Var.Value.Data(), v.Data())
	}
	if len(stored) > 0 {
		t.Fatalf("%s: stored tensors without a Go parameter: %v", group, stored)
	}
}

func loadPos(g *golden.File, group string, axes int) [][]float64 {
	pos := make([][]float64, axes)
	for a := range pos {
		for _, v := range golden.Load[float32](g, fmt.Sprintf("%s/pos%d", group, a)).Data() {
			pos[a] = append(pos[a], float64(v))
		}
	}
	return pos
}

// compare runs forward, checks the output and the gradients of
// sum(y * proj) with respect to the input and every parameter.
func compare(t *testing.T, g *golden.File, group string, params []nn.Param[float32], tol float64,
	forward func(x *autograd.Var[float32]) (*autograd.Var[float32], error)) {
	t.Helper()
	x := autograd.Param(golden.Load[float32](g, group+"/input0"))
	y, err := forward(x)
	if err != nil {
		t.Fatal(err)
	}
	golden.Agree(t, group+" output", y.Value, golden.Load[float32](g, group+"/y"), tol)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(golden.Load[float32](g, group+"/proj"))))
	vars := []*autograd.Var[float32]{x}
	for _, p := range params {
		vars = append(vars, p.Var)
	}
	grads, err := autograd.Grad([]*autograd.Var[float32]{loss}, vars, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Agree(t, group+" d/dinput", grads[0].Value, golden.Load[float32](g, group+"/grad_input0"), tol)
	var worst float64
	var worstName string
	for i, p := range params {
		want := golden.Load[float32](g, group+"/grads/"+p.Name)
		d := relDiff(grads[i+1].Value, want)
		if d > worst {
			worst, worstName = d, p.Name
		}
		if d > tol {
			t.Errorf("%s: d/d%s differs by %.3g relative to its largest entry (tolerance %g)", group, p.Name, d, tol)
		}
	}
	t.Logf("%s: %d parameter gradients, worst relative difference %.2g (%s)", group, len(params), worst, worstName)
}

func relDiff(got, want *tensor.Tensor[float32]) float64 {
	var diff, scale float64
	for i, w := range want.Data() {
		diff = math.Max(diff, math.Abs(float64(got.Data()[i]-w)))
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	return diff / math.Max(scale, 1e-30)
}

// goldenTol is the float32 agreement of forward values and gradients, as
// max |Go - PyTorch| / max |PyTorch| per tensor: the two sides round
// differently (summation order of products, pooling before or after the
// reducer's projection, float32 sin/cos of angles up to ~400 rad).
const goldenTol = 2e-5

func TestTorchFABlock2D(t *testing.T) {
	g := golden.Open(t)
	const group = "factformer_block"
	blk, err := NewBlock[float32](BlockConfig{Axes: 2, Dim: 8, DimHead: 4, Heads: 2, Latent: 8, KernelMultiplier: 2, DimOut: 8, OutNorm: NormGroup}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	loadParams(t, g, group, blk.Params(), nil)
	pos := loadPos(g, group, 2)
	compare(t, g, group, blk.Params(), goldenTol, func(x *autograd.Var[float32]) (*autograd.Var[float32], error) { return blk.Forward(x, pos) })
}

func TestTorchIFactFormerMBlock(t *testing.T) {
	g := golden.Open(t)
	const group = "ifactformer_m_block"
	blk, err := NewBlock[float32](BlockConfig{Axes: 3, Dim: 8, DimHead: 3, Heads: 2, Latent: 8, KernelMultiplier: 2, DimOut: 8, Parallel: true, OutNorm: NormInstance}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	loadParams(t, g, group, blk.Params(), nil)
	pos := loadPos(g, group, 3)
	compare(t, g, group, blk.Params(), goldenTol, func(x *autograd.Var[float32]) (*autograd.Var[float32], error) { return blk.Forward(x, pos) })
}

func TestTorchFactFormer2DModel(t *testing.T) {
	g := golden.Open(t)
	const group = "factformer_model"
	m, err := New[float32](Config{InFrames: 3, OutFields: 1, Dim: 16, DimHead: 4, Heads: 2, Depth: 2, KernelMultiplier: 2,
		LatentMultiplier: 1.5, MaxLatentSteps: 3}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if m.DecNorm.Groups != 12 {
		t.Fatalf("decoder groups %d, upstream int(8 * 1.5) = 12", m.DecNorm.Groups)
	}
	loadParams(t, g, group, m.Params(), m.Buffers())
	pos := loadPos(g, group, 2)
	compare(t, g, group, m.Params(), goldenTol, func(x *autograd.Var[float32]) (*autograd.Var[float32], error) { return m.ForwardOn(x, pos, 3) })
}

func TestTorchIFactFormerMModel(t *testing.T) {
	g := golden.Open(t)
	const group = "ifactformer_m_model"
	m, err := New[float32](Config{Variant: VariantIFactParall, InFields: 3, InFrames: 2, OutFields: 3, Dim: 12, DimHead: 2, Heads: 2,
		KernelMultiplier: 3, Layers: 3}, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	loadParams(t, g, group, m.Params(), m.Buffers())
	pos := loadPos(g, group, 3)
	compare(t, g, group, m.Params(), goldenTol, func(x *autograd.Var[float32]) (*autograd.Var[float32], error) { return m.ForwardOn(x, pos, 1) })
	if !strings.HasPrefix(m.Params()[0].Name, "to_in.0") {
		t.Errorf("first parameter %s", m.Params()[0].Name)
	}
}
