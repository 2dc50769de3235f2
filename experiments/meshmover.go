package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/plotting"
)

// The mesh movers move a structured mesh of the unit square so that it
// equidistributes the gradient monitor of a stored 2-D field
// (mesh/monge's classical Monge-Ampere mover here). Their evaluation is
// per field of the test samples: the moved mesh's equidistribution,
// tangling and boundary, the time per mesh, and the method's premise, the
// interpolation round trip stored grid -> mesh -> stored grid through the
// moved mesh against the uniform one.

// meshMoverKeys are the keys every mesh mover reads.
var meshMoverKeys = []string{"model.mesh_nodes", "model.beta", "eval.mesh_frames"}

// Mesh mover defaults.
const (
	defaultMeshNodes = 48
	defaultMeshTol   = 1e-6
)

// meshArch is what differs between mesh movers: how one moves the
// uniform mesh to a field.
type meshArch struct {
	move func(ctx context.Context, cfg *Config, f meshField) (*movedMesh, error)
}

// mongeFamily is the classical mover: nothing to train.
var mongeFamily = modelFamily{
	about: "classical Monge-Ampere mesh mover (Budd, Huang and Russell; Firedrake's Movement): moves a mesh_nodes^2 mesh of the unit square to " +
		"equidistribute the gradient monitor of each test field, by Newton-Krylov or relaxation; judged by equidistribution, tangling and the " +
		"interpolation round trip through it against the uniform mesh",
	keys:       append(slices.Clone(meshMoverKeys), "model.method", "model.tol"),
	validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateMonge(raw) },
	resolve:    func(c *Config) ModelConfig { return c.Model },
	footprints: func(c *Config) []footprint { return nil },
	evaluate:   evaluateMeshMover,
	fieldAxes:  "x",
	mesh:       &meshArch{move: mongeMove},
	untrained:  true,
}

// validateMonge fills the defaults of a classical mover and checks them
// against the data.
func (c *Config) validateMonge(raw []byte) error {
	if err := c.validateMeshMover(raw); err != nil {
		return err
	}
	m := &c.Model
	if m.Method == "" {
		m.Method = "newton"
	}
	if m.Method != "newton" && m.Method != "relaxation" {
		return c.fail(raw, "model.method", "unknown method %q (expected newton or relaxation)", m.Method)
	}
	if m.Tol == 0 {
		m.Tol = defaultMeshTol
	}
	if !(m.Tol > 0 && m.Tol < 1) {
		return c.fail(raw, "model.tol", "the residual tolerance must be in (0, 1), got %v", m.Tol)
	}
	return nil
}

// validateMeshMover checks what every mesh mover needs: solver data of
// one 2-D field per grid point on the unit square, and the mesh and
// monitor settings.
func (c *Config) validateMeshMover(raw []byte) error {
	if c.ext != nil {
		return c.fail(raw, "data.file", "kind %s moves meshes to fields a solver of surrogo makes (it needs their grid's coordinates); data.file is not supported yet", c.Model.Kind)
	}
	if spatial := c.storedShape(); len(spatial) != 2 {
		return c.fail(raw, "data.solver", "kind %s moves 2-D meshes; solver %s stores %d-D fields", c.Model.Kind, c.Data.Solver, len(spatial))
	}
	if _, err := c.meshGrid(); err != nil {
		return c.fail(raw, "data.solver", "kind %s: %v", c.Model.Kind, err)
	}
	m := &c.Model
	if m.MeshNodes == 0 {
		m.MeshNodes = defaultMeshNodes
	}
	if m.MeshNodes < 3 || m.MeshNodes > 1024 {
		return c.fail(raw, "model.mesh_nodes", "nodes per axis must be in [3, 1024], got %d", m.MeshNodes)
	}
	if m.Beta == 0 {
		m.Beta = monge.UpstreamBeta
	}
	if !(m.Beta > 0) || math.IsInf(m.Beta, 0) {
		return c.fail(raw, "model.beta", "the monitor weight must be positive and finite, got %v", m.Beta)
	}
	frames := max(c.Data.Snapshots, 1)
	for _, f := range c.Eval.MeshFrames {
		if f < 0 || f >= frames {
			return c.fail(raw, "eval.mesh_frames", "frame %d: the data stores frames 0 to %d per sample", f, frames-1)
		}
	}
	if c.Data.Test < 1 {
		return c.fail(raw, "data.test", "the mesh movers are judged on the test samples: want data.test >= 1, got %d", c.Data.Test)
	}
	return nil
}

// meshGridKind is how a stored grid covers the unit square.
type meshGridKind struct {
	n        int  // stored points per axis
	periodic bool // points at i/n (the node at 1 is the one at 0); else at i/(n-1)
}

// meshGrid reads from the generator's coordinates how its stored grid
// covers [0, 1]^2.
func (c *Config) meshGrid() (meshGridKind, error) {
	x := c.grid().coords().X
	n := len(x)
	if n < 2 {
		return meshGridKind{}, fmt.Errorf("the stored grid has %d points per axis; want at least 2", n)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }
	switch {
	case near(x[0], 0) && near(x[n-1], 1-1/float64(n)):
		return meshGridKind{n: n, periodic: true}, nil
	case near(x[0], 0) && near(x[n-1], 1):
		return meshGridKind{n: n}, nil
	}
	return meshGridKind{}, fmt.Errorf("the stored grid runs from %g to %g; want the unit square (points at i/n, periodic, or i/(n-1))", x[0], x[n-1])
}

// nodeField returns a stored frame (float32, [n*n]) as values on the
// node grid of the unit square (mesh.SampleGrid's), appending the
// periodic copies at x = 1 and y = 1 for a periodic grid; and that
// grid's nodes per axis.
func (g meshGridKind) nodeField(frame []float32) ([]float64, int) {
	n := g.n
	if !g.periodic {
		out := make([]float64, len(frame))
		for i, v := range frame {
			out[i] = float64(v)
		}
		return out, n
	}
	out := make([]float64, (n+1)*(n+1))
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			out[i*(n+1)+j] = float64(frame[(i%n)*n+j%n])
		}
	}
	return out, n + 1
}

// meshField is one test field a mover moves a mesh to: the field on the
// stored node grid, on the uniform mesh_nodes^2 grid, its sample and
// frame.
type meshField struct {
	fine          []float64
	fineN         int
	coarse        []float64
	sample, frame int
}

// readMeshFields reads the eval.mesh_frames (default every frame) of the
// test samples and samples each onto the uniform mesh_nodes^2 grid.
func readMeshFields(cfg *Config) ([]meshField, error) {
	f, err := datasets.Open(cfg.dataPath())
	if err != nil {
		return nil, fmt.Errorf("%w (run `simulate generate %s` first)", err, cfg.path)
	}
	defer f.Close()
	ds, err := f.OpenDataset("tensor")
	if err != nil {
		return nil, fmt.Errorf("experiments: %s: the mesh movers read the tensor layout's fields: %w", cfg.dataPath(), err)
	}
	defer ds.Close()
	g, err := cfg.meshGrid()
	if err != nil {
		return nil, err
	}
	shape := ds.Shape()
	frames := max(cfg.Data.Snapshots, 1)
	per := frames * g.n * g.n
	if len(shape) < 3 || shape[0] < cfg.Data.Train+cfg.Data.Test || ds.SampleSize() != per {
		return nil, fmt.Errorf("experiments: %s: tensor has shape %v; want %d samples of %d frames of %d x %d", cfg.dataPath(), shape,
			cfg.Data.Train+cfg.Data.Test, frames, g.n, g.n)
	}
	want := cfg.Eval.MeshFrames
	if len(want) == 0 {
		want = seq(0, frames)
	}
	uniform, err := mesh.StructuredQuad(cfg.Model.MeshNodes, cfg.Model.MeshNodes)
	if err != nil {
		return nil, err
	}
	var out []meshField
	for s := shape[0] - cfg.Data.Test; s < shape[0]; s++ {
		vals, err := datasets.ReadSamples[float32](ds, s, 1)
		if err != nil {
			return nil, err
		}
		for _, t := range want {
			fine, fn := g.nodeField(vals[t*g.n*g.n : (t+1)*g.n*g.n])
			coarse, err := mesh.ToMesh(fine, fn, 1, uniform)
			if err != nil {
				return nil, fmt.Errorf("experiments: test sample %d, frame %d: %w", s, t, err)
			}
			out = append(out, meshField{fine: fine, fineN: fn, coarse: coarse, sample: s, frame: t})
		}
	}
	return out, nil
}

// movedMesh is a mover's mesh for one field and what the mover reports.
type movedMesh struct {
	mesh     *mesh.Mesh
	seconds  float64
	residual float64 // classical mover: its final max |m det(I + H) / theta - 1|
}

// mongeMove moves the uniform mesh to the gradient monitor of f's
// field on the mesh's grid with the configured classical solver.
func mongeMove(ctx context.Context, cfg *Config, f meshField) (*movedMesh, error) {
	m := cfg.Model
	start := time.Now()
	mon, err := monge.GradientMonitor(f.coarse, m.MeshNodes, m.Beta)
	if err != nil {
		return nil, err
	}
	method := monge.Newton
	if m.Method == "relaxation" {
		method = monge.Relaxation
	}
	res, err := monge.Move(ctx, m.MeshNodes, mon, monge.Options{Method: method, Tol: m.Tol})
	if err != nil {
		return nil, err
	}
	return &movedMesh{mesh: res.Mesh, seconds: time.Since(start).Seconds(), residual: res.Residual}, nil
}

// meshJudgement is what evaluation measures of one moved mesh.
type meshJudgement struct {
	equiCV, uniformCV      float64 // coefficient of variation of m x cell area
	tangled                bool
	where                  string  // the first inverted cell and its field, when tangled
	minArea, drift         float64 // smallest cell area x (n-1)^2; largest boundary-node distance from its side
	tripMoved, tripUniform float64 // round trip stored grid -> mesh -> stored grid, relative L2
}

// judgeMesh measures a moved mesh of field f against the uniform one.
func judgeMesh(cfg *Config, f meshField, uniform *mesh.Mesh, mm *movedMesh) (*meshJudgement, error) {
	n := cfg.Model.MeshNodes
	mon, err := monge.GradientMonitor(f.coarse, n, cfg.Model.Beta)
	if err != nil {
		return nil, err
	}
	j := &meshJudgement{}
	eq, smallest, err := monge.Quality(mm.mesh, mon)
	if err != nil {
		return nil, err
	}
	ueq, _, err := monge.Quality(uniform, mon)
	if err != nil {
		return nil, err
	}
	j.equiCV, j.uniformCV, j.minArea = eq.CV, ueq.CV, smallest*float64((n-1)*(n-1))
	if err := mm.mesh.CheckUntangled(); err != nil {
		if !errors.Is(err, mesh.ErrTangled) {
			return nil, err
		}
		j.tangled, j.where = true, fmt.Sprintf("test sample %d, frame %d: %v", f.sample, f.frame, err)
	}
	if j.drift, _, err = mesh.BoundaryDrift(uniform, mm.mesh); err != nil {
		return nil, err
	}
	if j.tangled { // no interpolation on it: counted, not measured
		return j, nil
	}
	if j.tripMoved, err = mesh.RoundTripError(f.fine, f.fineN, 1, mm.mesh); err != nil {
		return nil, err
	}
	if j.tripUniform, err = mesh.RoundTripError(f.fine, f.fineN, 1, uniform); err != nil {
		return nil, err
	}
	return j, nil
}

// evaluateMeshMover is Evaluate for a mesh mover: a moved mesh per test
// field, each judged (judgeMesh), the means in metrics.json and the
// meshes in predictions.h5 (the mesh layout: the uniform mesh, each
// field's moved nodes and the stored field sampled at them).
func evaluateMeshMover(ctx context.Context, cfg *Config) (*Metrics, error) {
	fields, err := readMeshFields(cfg)
	if err != nil {
		return nil, err
	}
	n := cfg.Model.MeshNodes
	uniform, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, err
	}
	mm := &MeshMetrics{Meshes: len(fields), NodesPerAxis: n}
	var trips []float64
	var seconds float64
	out := &meshPredictions{}
	for _, f := range fields {
		moved, err := cfg.family().mesh.move(ctx, cfg, f)
		if err != nil {
			return nil, fmt.Errorf("experiments: moving the mesh to test sample %d, frame %d: %w", f.sample, f.frame, err)
		}
		j, err := judgeMesh(cfg, f, uniform, moved)
		if err != nil {
			return nil, fmt.Errorf("experiments: judging the mesh of test sample %d, frame %d: %w", f.sample, f.frame, err)
		}
		mm.add(j, moved, len(fields))
		if !j.tangled {
			trips = append(trips, j.tripMoved)
		}
		seconds += moved.seconds
		if err := out.add(f, moved.mesh); err != nil {
			return nil, err
		}
	}
	m := &Metrics{TestSamples: len(fields), Resolution: []int{n, n}, Mesh: mm, InferenceSecondsPerSample: seconds / float64(len(fields)),
		SolverSkipped: "the classical mover is the reference mesh movers are timed against"}
	if len(trips) == 0 {
		return nil, fmt.Errorf("experiments: every one of the %d moved meshes has an inverted cell (first: %s): the interpolation round trip is undefined on them; "+
			"a finer mesh (model.mesh_nodes) or a weaker monitor (model.beta) resolves the map", len(fields), mm.FirstTangled)
	}
	mm.finish(len(trips))
	m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max = stats(trips)
	return m, commitOutputs(cfg, m, func(path string) error { return out.write(cfg, uniform, path) })
}

// add accumulates one of count judged meshes into the means; the round
// trips are summed over the untangled ones (finish divides).
func (mm *MeshMetrics) add(j *meshJudgement, moved *movedMesh, count int) {
	w := 1 / float64(count)
	mm.EquiCV += w * j.equiCV
	mm.UniformEquiCV += w * j.uniformCV
	mm.RoundTripMoved += j.tripMoved
	mm.RoundTripUniform += j.tripUniform
	if j.tangled {
		if mm.Tangled == 0 {
			mm.FirstTangled = j.where
		}
		mm.Tangled++
	}
	if mm.MinArea == 0 || j.minArea < mm.MinArea {
		mm.MinArea = j.minArea
	}
	mm.BoundaryDrift = math.Max(mm.BoundaryDrift, j.drift)
	mm.MaxResidual = math.Max(mm.MaxResidual, moved.residual)
}

// finish turns the round-trip sums over the untangled meshes into means.
func (mm *MeshMetrics) finish(untangled int) {
	mm.RoundTripMoved /= float64(untangled)
	mm.RoundTripUniform /= float64(untangled)
}

// meshPredictions collects the moved nodes and the fields at them.
type meshPredictions struct {
	moved           []float64
	fields          []float32
	samples, frames []int64
}

// add appends field f's moved mesh and the stored field sampled at its
// nodes.
func (p *meshPredictions) add(f meshField, moved *mesh.Mesh) error {
	at, err := mesh.ToMesh(f.fine, f.fineN, 1, moved)
	if err != nil {
		return fmt.Errorf("experiments: the field of test sample %d, frame %d at the moved nodes: %w", f.sample, f.frame, err)
	}
	p.moved = append(p.moved, moved.Nodes...)
	for _, v := range at {
		p.fields = append(p.fields, float32(v))
	}
	p.samples, p.frames = append(p.samples, int64(f.sample)), append(p.frames, int64(f.frame))
	return nil
}

// write writes the predictions in the mesh layout at the root of path,
// the stored sample and frame of each mesh as attributes.
func (p *meshPredictions) write(cfg *Config, uniform *mesh.Mesh, path string) error {
	d, err := MeshToDataset(uniform)
	if err != nil {
		return err
	}
	d.Samples, d.Moved, d.FieldDim, d.Fields, d.FieldNames = len(p.samples), p.moved, 1, p.fields, []string{"u"}
	f, err := datasets.Create(path)
	if err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return datasets.WriteMesh(f.Group, d) },
		func() error { return f.SetAttr("samples", p.samples) },
		func() error { return f.SetAttr("frames", p.frames) },
		func() error {
			return f.SetProvenance(datasets.Provenance{Kind: "evaluation", Name: cfg.Model.Kind, Seed: int64(cfg.Seed), Config: cfg.text})
		},
	} {
		if err := step(); err != nil {
			f.Abort()
			return err
		}
	}
	return f.Close()
}

// meshFigurePanels is how many moved meshes the figure draws.
const meshFigurePanels = 3

// plotMovedMeshes draws the first test sample's moved meshes (up to
// meshFigurePanels frames, spread over those evaluated), each coloured by
// the stored field at its nodes (moved_meshes).
func plotMovedMeshes(runDir, figs string, opts PlotOptions) ([]string, error) {
	f, err := datasets.Open(filepath.Join(runDir, "predictions.h5"))
	if err != nil {
		return nil, fmt.Errorf("experiments: plot needs the evaluate stage's predictions: %w", err)
	}
	defer f.Close()
	total, err := datasets.MeshSamples(f.Group)
	if err != nil {
		return nil, err
	}
	samples, err := meshAttrInts(f, "samples", total)
	if err != nil {
		return nil, err
	}
	frames, err := meshAttrInts(f, "frames", total)
	if err != nil {
		return nil, err
	}
	first := 0
	for first < total && samples[first] == samples[0] {
		first++
	}
	fig := plotting.Meshes{Label: "stored field at the nodes"}
	for k := range min(meshFigurePanels, first) {
		s := k * (first - 1) / max(min(meshFigurePanels, first)-1, 1)
		d, err := datasets.ReadMesh(f.Group, s, 1)
		if err != nil {
			return nil, err
		}
		vals := make([]float64, len(d.Fields))
		for i, v := range d.Fields {
			vals[i] = float64(v)
		}
		fig.Panels = append(fig.Panels, plotting.MeshPanel{Title: fmt.Sprintf("sample %d, frame %d", samples[s], frames[s]),
			Nodes: d.Moved, Cells: d.Cells, K: int(d.CellType), NodeValues: vals})
	}
	return plotting.WriteMeshes(filepath.Join(figs, "moved_meshes"), fig, opts.Formats)
}

// meshAttrInts reads the integer array attribute name of f's root, which
// must hold n values.
func meshAttrInts(f *datasets.File, name string, n int) ([]int64, error) {
	v, err := f.Attr(name)
	if err != nil {
		return nil, err
	}
	ints, ok := v.([]int64)
	if !ok || len(ints) != n {
		return nil, fmt.Errorf("experiments: %s: attribute %s is %T of %d values; want %d integers, one per mesh", f.Name(), name, v, len(ints), n)
	}
	return ints, nil
}
