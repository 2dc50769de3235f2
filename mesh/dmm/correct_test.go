package dmm

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/tensor"
)

// TestCorrector: a corrector's branch sees the base map's residual, which
// for phi_base = 0 is m / theta - 1 at the nodes; a fresh corrector
// (cosine trunk: phi_net = 0) moves the mesh exactly as its base; its
// loss trains its parameters only; SetBase refuses cycles and other
// dimensions, and Mesh (no monitor) refers to MeshFor.
func TestCorrector(t *testing.T) {
	n := 7
	u := asymField(n)
	f, err := NewField2D(u, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	f = f.MonitorBranch()
	bc := Config{Dim: 2, Branch: MLPBranch, Input: n * n, BranchHidden: []int{6}, CosineModes: 4}
	base, err := New(bc, tensor.NewRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	r0, err := base.nodeResidual(f)
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range r0 {
		if math.Abs(r-(f.Monitor[k]/f.Theta-1)) > 1e-14 {
			t.Fatalf("node %d: residual of the identity map %g; want m / theta - 1 = %g", k, r, f.Monitor[k]/f.Theta-1)
		}
	}
	randomizeLast(base, tensor.NewRNG(2))
	scaleLast(base, 0.02)
	cc := bc
	cc.Input = 2 * n * n
	corr, err := New(cc, tensor.NewRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := corr.SetBase(base); err != nil {
		t.Fatal(err)
	}
	want, err := base.Mesh(f.Branch, 9)
	if err != nil {
		t.Fatal(err)
	}
	got, err := corr.MeshFor(f, 9)
	if err != nil {
		t.Fatal(err)
	}
	uni, _ := mesh.StructuredQuad(9, 9)
	moved := 0.0
	for k, x := range got.Mesh.Nodes {
		if math.Abs(x-want.Mesh.Nodes[k]) > 1e-14 {
			t.Fatalf("node coordinate %d: corrector %g, base %g; want equal (phi_net = 0; separable sums against jets)", k, x, want.Mesh.Nodes[k])
		}
		moved = math.Max(moved, math.Abs(x-uni.Nodes[k]))
	}
	r1, err := base.nodeResidual(f)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0.0
	for k := range r1 {
		changed = math.Max(changed, math.Abs(r1[k]-r0[k]))
	}
	if !(changed > 1e-3) || !(moved > 1e-3) {
		t.Fatalf("a moving base changed the residual by %g and moved nodes by %g; want both > 1e-3", changed, moved)
	}
	// the separable grid sums against the jets at the nodes, every entry
	g, err := base.gridDerivs(f, 9)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := mesh.StructuredQuad(9, 9)
	feat, err := base.features([]Field{f})
	if err != nil {
		t.Fatal(err)
	}
	dv, err := base.Derivatives(feat, tensor.FromSlice(ref.Nodes, 1, 81, 2), Jets)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for k := range 2 {
		for q, v := range dv.Grad[k].Value.Data() {
			worst = math.Max(worst, math.Abs(v-g.grad[k][q]))
		}
	}
	for k := range 3 {
		for q, v := range dv.Hess[k].Value.Data() {
			worst = math.Max(worst, math.Abs(v-g.hess[k][q]))
		}
	}
	if worst > 1e-13 {
		t.Fatalf("separable grid derivatives differ from the jets by %g; want <= 1e-13", worst)
	}
	opt := LossOptions{Interior: 8, Candidates: 8, BoundaryPerSide: 2, BoundaryWeight: 1000, ConvexWeight: 1, UniformFraction: 1}
	p, err := corr.Loss([]Field{f, f}, opt, tensor.NewRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	if err := autograd.Backward(p.Total); err != nil {
		t.Fatal(err)
	}
	for _, q := range corr.Params() {
		if q.Var.Grad == nil {
			t.Fatalf("corrector parameter %s got no gradient", q.Name)
		}
	}
	for _, q := range base.Params() {
		if q.Var.Grad != nil && maxDiff(q.Var.Grad, nil) != 0 {
			t.Fatalf("base parameter %s got a gradient through the corrector's loss", q.Name)
		}
	}
	if err := base.SetBase(corr); err == nil || !strings.Contains(err.Error(), "itself") {
		t.Errorf("a cycle: %v", err)
	}
	if _, err := corr.Mesh(f.Branch, 5); err == nil || !strings.Contains(err.Error(), "MeshFor") {
		t.Errorf("Mesh on a corrector: %v; want a pointer to MeshFor", err)
	}
	oneD, _ := New(Config{Dim: 1, Branch: MLPBranch, Input: 3, BranchHidden: []int{4}, CosineModes: 3}, tensor.NewRNG(5))
	if err := corr.SetBase(oneD); err == nil {
		t.Error("a 1-D base for a 2-D corrector accepted")
	}
	short := f
	short.Branch = f.Branch[:5]
	if err := corr.checkFields([]Field{short}); err == nil {
		t.Error("a field whose input does not fit the corrector accepted")
	}
}

// scaleLast multiplies the branch's last layer by s.
func scaleLast(net *Net, s float64) {
	last := net.BMLP.Layers[len(net.BMLP.Layers)-1]
	for _, v := range []V{last.W, last.B} {
		for i := range v.Value.Data() {
			v.Value.Data()[i] *= s
		}
	}
}
