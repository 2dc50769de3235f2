package monge

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/surrogo/surrogo/mesh"
)

var methods = []Method{Relaxation, Newton}

// A constant monitor is already equidistributed: no iteration, phi = 0,
// nodes exactly the uniform grid.
func TestConstantMonitorIdentity(t *testing.T) {
	const n = 20
	vals := make([]float64, 9)
	for k := range vals {
		vals[k] = 3.7
	}
	grid, err := GridMonitor(vals, 3)
	if err != nil {
		t.Fatal(err)
	}
	monitors := map[string]*Monitor{"func": mustFunc(t, func(x, y float64) float64 { return 2.5 }), "grid": grid}
	ref, _ := mesh.StructuredQuad(n, n)
	for name, mon := range monitors {
		for _, meth := range methods {
			r, err := Move(context.Background(), n, mon, Options{Method: meth})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range r.Mesh.Nodes {
				if v != ref.Nodes[k] {
					t.Fatalf("%s %v: coordinate %d = %v; want %v exactly", name, meth, k, v, ref.Nodes[k])
				}
			}
			if r.Iterations != 0 || r.Residual > 1e-14 || maxAbs(r.Phi) != 0 || r.Equi.CV > 1e-14 {
				t.Errorf("%s %v: %d iterations, residual %g, max |phi| %g, CV %g; want 0 (rounding)", name, meth, r.Iterations, r.Residual, maxAbs(r.Phi), r.Equi.CV)
			}
		}
	}
}

// A separable monitor m1(x) m2(y) is equidistributed by the tensor product
// of the 1-D equidistributions; the discrete 2-D solution's distance from
// it is the discretisation error, second order in h.
func TestSeparableMatchesTensor1D(t *testing.T) {
	m1, m2 := bump(4, 0.3, 0.1), bump(2, 0.65, 0.15)
	mon := mustFunc(t, func(x, y float64) float64 { return m1(x) * m2(y) })
	tests := []struct {
		n      int
		method Method
		tol    float64
	}{
		{17, Relaxation, 1.2e-2},
		{33, Relaxation, 3e-3},
		{65, Newton, 8e-4},
	}
	prev := 0.0
	for _, tc := range tests {
		r, err := Move(context.Background(), tc.n, mon, Options{Method: tc.method})
		if err != nil {
			t.Fatal(err)
		}
		xs, _ := Equidistribute1D(m1, tc.n, 1<<16)
		ys, _ := Equidistribute1D(m2, tc.n, 1<<16)
		e := tensorError(r, tc.n, xs, ys)
		t.Logf("%d^2 %v: %d iterations, residual %.2e, max node error vs 1-D tensor product %.2e (%.3f cells)", tc.n, tc.method, r.Iterations, r.Residual, e, e*float64(tc.n-1))
		if e > tc.tol || r.Residual > 1e-8 {
			t.Errorf("%d^2: node error %.3g, residual %.3g; want <= %g, < 1e-8", tc.n, e, r.Residual, tc.tol)
		}
		if prev > 0 && prev/e < 3 {
			t.Errorf("%d^2: error %.3g only %.2f times smaller than at half the resolution; want >= 3 (second order)", tc.n, e, prev/e)
		}
		prev = e
	}
}

// The ring monitor: both solvers converge to the same untangled mesh whose
// boundary nodes stay on the boundary, and m*A is far more uniform than on
// the uniform mesh.
func TestRingMonitor(t *testing.T) {
	const n = 48
	mon := mustFunc(t, ringMonitor)
	ref, _ := mesh.StructuredQuad(n, n)
	var first *Result
	for _, meth := range methods {
		r, err := Move(context.Background(), n, mon, Options{Method: meth})
		if err != nil {
			t.Fatal(err)
		}
		drift, node, _ := mesh.BoundaryDrift(ref, r.Mesh)
		t.Logf("ring 48^2 %v: %d iterations, %d evaluations, residual %.2e (RMS %.2e), theta %.5f, CV(mA) %.4f (uniform %.4f), min det %.3f, min area %.3f, drift %g",
			meth, r.Iterations, r.Evaluations, r.Residual, r.RMS, r.Theta, r.Equi.CV, r.UniformEqui.CV, r.MinDet, r.MinArea, drift)
		if r.Residual > 1e-8 || r.Equi.CV > 0.05 || r.UniformEqui.CV < 1 {
			t.Errorf("%v: residual %.3g, CV %.3g (uniform %.3g); want < 1e-8, < 0.05 (> 1)", meth, r.Residual, r.Equi.CV, r.UniformEqui.CV)
		}
		if err := r.Mesh.CheckUntangled(); err != nil || r.MinArea < 0.15 {
			t.Errorf("%v: %v, min area ratio %.3g; want untangled, >= 0.15", meth, err, r.MinArea)
		}
		if drift > 1e-12 {
			t.Errorf("%v: boundary node %d drifted %g; want <= 1e-12", meth, node, drift)
		}
		if first == nil {
			first = r
		} else if d := maxNodeDistance(first.Mesh, r.Mesh); d > 1e-8 {
			t.Errorf("relaxation and Newton meshes differ by %.3g; want <= 1e-8", d)
		}
	}
	// theta is the integral of m over the square (2.3918 to 4 digits):
	// the grid's consistent estimate is within 1 %; upstream's sum over
	// nodes / (n-1)^2 is about (n/(n-1))^2 = 4.3 % high.
	exact := 1 + 10*2*math.Pi*0.25*0.05*math.Sqrt(math.Pi)
	if rel := math.Abs(first.Theta/exact - 1); rel > 0.01 {
		t.Errorf("theta %.5f; want within 1 %% of %.5f", first.Theta, exact)
	}
}

// maxNodeDistance is the largest distance between corresponding nodes.
func maxNodeDistance(a, b *mesh.Mesh) float64 {
	d := 0.0
	for k := 0; k < len(a.Nodes); k += 2 {
		d = math.Max(d, math.Hypot(a.Nodes[k]-b.Nodes[k], a.Nodes[k+1]-b.Nodes[k+1]))
	}
	return d
}

// Upstream's gradient monitor of a tanh front on a 48^2 grid, moved at
// 48^2: the monitor is a function of x alone (bilinear in x between grid
// columns), so the mesh must be the 1-D equidistribution of m(x, 1/2) in
// x and uniform in y.
func TestGradientMonitorTanhFront(t *testing.T) {
	const n = 48
	ref, _ := mesh.StructuredQuad(n, n)
	tests := []struct {
		beta   float64
		method Method
		tol    float64 // max node error vs the 1-D reference
	}{
		{5, Relaxation, 0.01},
		// Upstream's monitor asks for cells 50 times the mean width in the
		// flat region; the finite-difference solution resolves that jump
		// at 48^2 only to a few cells, though m*A is nearly uniform.
		{UpstreamBeta, Newton, 0.1},
	}
	for _, tc := range tests {
		mon, err := GradientMonitor(tanhField(n), n, tc.beta)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Move(context.Background(), n, mon, Options{Method: tc.method})
		if err != nil {
			t.Fatal(err)
		}
		m1 := func(x float64) float64 { v, _ := mon.At([]float64{x, 0.5}); return v[0] }
		xs, _ := Equidistribute1D(m1, n, 1<<14)
		ys, _ := Equidistribute1D(func(float64) float64 { return 1 }, n, 1)
		e := tensorError(r, n, xs, ys)
		drift, _, _ := mesh.BoundaryDrift(ref, r.Mesh)
		t.Logf("tanh front beta %g %v: %d iterations, %d evaluations, residual %.2e, CV(mA) %.4f (uniform %.4f), min area %.4f, node error vs 1-D %.2e (%.3f cells), drift %g",
			tc.beta, tc.method, r.Iterations, r.Evaluations, r.Residual, r.Equi.CV, r.UniformEqui.CV, r.MinArea, e, e*(n-1), drift)
		if r.Residual > 1e-8 || e > tc.tol || drift > 1e-12 || r.Equi.CV > r.UniformEqui.CV/5 {
			t.Errorf("beta %g: residual %.3g, node error %.3g, drift %g, CV %.3g (uniform %.3g); want < 1e-8, <= %g, <= 1e-12, < uniform/5",
				tc.beta, r.Residual, e, drift, r.Equi.CV, r.UniformEqui.CV, tc.tol)
		}
		if err := r.Mesh.CheckUntangled(); err != nil {
			t.Errorf("beta %g: %v", tc.beta, err)
		}
	}
}

// Refine r solves on the ((n-1) r + 1)^2 grid: its mesh is every r-th node
// of the finer solve.
func TestRefine(t *testing.T) {
	mon := mustFunc(t, ringMonitor)
	fine, err := Move(context.Background(), 33, mon, Options{})
	if err != nil {
		t.Fatal(err)
	}
	coarse, err := Move(context.Background(), 17, mon, Options{Refine: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 17 {
		for j := range 17 {
			a, b := (i*17+j)*2, (2*i*33+2*j)*2
			if d := math.Hypot(coarse.Mesh.Nodes[a]-fine.Mesh.Nodes[b], coarse.Mesh.Nodes[a+1]-fine.Mesh.Nodes[b+1]); d > 1e-9 {
				t.Fatalf("node (%d, %d): %.3g from the 33^2 solve's node (%d, %d); want <= 1e-9", i, j, d, 2*i, 2*j)
			}
		}
	}
	if len(coarse.Phi) != 33*33 || coarse.Mesh.NumNodes() != 17*17 {
		t.Errorf("Refine 2: %d phi values, %d nodes; want 33^2, 17^2", len(coarse.Phi), coarse.Mesh.NumNodes())
	}
}

func TestMoveStopsAndCancels(t *testing.T) {
	mon := mustFunc(t, ringMonitor)
	_, err := Move(context.Background(), 24, mon, Options{MaxIter: 3})
	wantErr(t, "max iterations", err, "MaxIter = 3", "residual max", "node i=", "want max < Tol")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Move(ctx, 24, mon, Options{Method: Newton})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v; want context.Canceled", err)
	}
}

func TestBadInput(t *testing.T) {
	ring := mustFunc(t, ringMonitor)
	neg := mustFunc(t, func(x, y float64) float64 { return x - 0.5 })
	nan := mustFunc(t, func(x, y float64) float64 { return math.NaN() })
	bad := []float64{1, 1, 1, 1, 0, 1, 1, 1, 1}
	_, err := GridMonitor(bad, 3)
	wantErr(t, "zero node", err, "node 4 (i=1, j=1)", "m(0.5, 0.5) = 0", "> 0")
	bad[4] = math.Inf(1)
	_, err = GridMonitor(bad, 3)
	wantErr(t, "infinite node", err, "node 4", "+Inf", "finite")
	_, err = GridMonitor(bad, 4)
	wantErr(t, "size", err, "9 values", "n*n = 16")
	_, err = GridMonitor(nil, 1)
	wantErr(t, "grid too small", err, "1 x 1", "2 <= n")
	_, err = GradientMonitor(make([]float64, 4), 2, 100)
	wantErr(t, "gradient grid too small", err, "2 x 2", "3 <= n")
	_, err = GradientMonitor(make([]float64, 10), 3, 100)
	wantErr(t, "gradient size", err, "10 field values", "n*n = 9")
	_, err = GradientMonitor(make([]float64, 9), 3, -1)
	wantErr(t, "beta", err, "beta = -1")
	_, err = GradientMonitor([]float64{0, 0, 0, 0, math.NaN(), 0, 0, 0, 0}, 3, 1)
	wantErr(t, "nan field", err, "node 4", "NaN")
	_, err = FuncMonitor(nil)
	wantErr(t, "nil func", err, "nil function")
	_, err = Move(context.Background(), 10, neg, Options{})
	wantErr(t, "negative func", err, "m(0, 0) = -0.5", "point 0")
	_, err = Move(context.Background(), 10, nan, Options{Method: Newton})
	wantErr(t, "nan func", err, "NaN", "finite and > 0")
	_, err = Move(context.Background(), 2, ring, Options{})
	wantErr(t, "mover grid", err, "2 x 2", "3 <= n")
	_, err = Move(context.Background(), 500, ring, Options{Refine: 4})
	wantErr(t, "refined grid", err, "Refine 4", "<= 1024")
	_, err = Move(context.Background(), 10, nil, Options{})
	wantErr(t, "nil monitor", err, "nil or empty monitor")
	_, err = Move(context.Background(), 10, &Monitor{}, Options{})
	wantErr(t, "empty monitor", err, "nil or empty monitor")
	_, err = Move(context.Background(), 10, ring, Options{Tol: 2})
	wantErr(t, "tol", err, "Tol = 2")
	_, err = Move(context.Background(), 10, ring, Options{Method: 7})
	wantErr(t, "method", err, "Method(7)")
	_, err = ring.At([]float64{0.5})
	wantErr(t, "odd points", err, "1 point coordinates")
	grid, _ := GridMonitor([]float64{1, 1, 1, 1}, 2)
	_, err = grid.At([]float64{0.5, 1.5})
	wantErr(t, "outside", err, "1.5", "[0, 1]")
}

func BenchmarkMove48(b *testing.B) {
	mon := mustFunc(b, ringMonitor)
	for _, meth := range methods {
		b.Run("ring/"+meth.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Move(context.Background(), 48, mon, Options{Method: meth}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
