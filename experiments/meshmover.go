package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/dmm"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/plotting"
	"github.com/surrogo/surrogo/tensor"
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

// meshArch is what differs between mesh movers: how one gets ready to
// move meshes (a trained network loads its checkpoint), and whether it is
// judged against the classical mover's meshes too.
type meshArch struct {
	prepare   func(cfg *Config) (move meshMover, params int, err error)
	reference bool
}

// meshMover moves the uniform mesh to one field.
type meshMover func(ctx context.Context, f meshField) (*movedMesh, error)

// mongeFamily is the classical mover: nothing to train.
var mongeFamily = modelFamily{
	about: "classical Monge-Ampere mesh mover (Budd, Huang and Russell; Firedrake's Movement): moves a mesh_nodes^2 mesh of the unit square to " +
		"equidistribute the gradient monitor of each test field, by relaxation (default) or Newton-Krylov; judged by equidistribution, tangling and the " +
		"interpolation round trip through it against the uniform mesh",
	keys:       append(slices.Clone(meshMoverKeys), "model.method", "model.tol"),
	validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateMonge(raw) },
	resolve:    func(c *Config) ModelConfig { return c.Model },
	footprints: func(c *Config) []footprint { return nil },
	evaluate:   evaluateMeshMover,
	fieldAxes:  "x",
	mesh:       &meshArch{prepare: func(cfg *Config) (meshMover, int, error) { return cfg.mongeMover(), 0, nil }},
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
		m.Method = "relaxation"
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
	for i, f := range c.Eval.MeshFrames {
		if f < 0 || f >= frames {
			return c.fail(raw, "eval.mesh_frames", "frame %d: the data stores frames 0 to %d per sample", f, frames-1)
		}
		if slices.Contains(c.Eval.MeshFrames[:i], f) {
			return c.fail(raw, "eval.mesh_frames", "frame %d is listed twice (entries %d and %d): it would weigh double in the means", f, slices.Index(c.Eval.MeshFrames, f), i)
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
// test samples, or every frame of the training samples (without the
// stored-grid field, which only evaluation needs), and samples each onto
// the uniform mesh_nodes^2 grid.
func readMeshFields(cfg *Config, test bool) ([]meshField, error) {
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
	want, first, last := cfg.Eval.MeshFrames, shape[0]-cfg.Data.Test, shape[0]
	if len(want) == 0 || !test {
		want = seq(0, frames)
	}
	if !test {
		first, last = 0, cfg.Data.Train
	}
	uniform, err := mesh.StructuredQuad(cfg.Model.MeshNodes, cfg.Model.MeshNodes)
	if err != nil {
		return nil, err
	}
	var out []meshField
	for s := first; s < last; s++ {
		vals, err := datasets.ReadSamples[float32](ds, s, 1)
		if err != nil {
			return nil, err
		}
		for _, t := range want {
			fine, fn := g.nodeField(vals[t*g.n*g.n : (t+1)*g.n*g.n])
			coarse, err := mesh.ToMesh(fine, fn, 1, uniform)
			if err != nil {
				return nil, fmt.Errorf("experiments: sample %d, frame %d: %w", s, t, err)
			}
			if !test {
				fine = nil
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
	drift    float64 // a network's boundary drift before its nodes are put back on their sides
}

// mongeMover moves the uniform mesh to the gradient monitor of a field
// on the mesh's grid with the configured classical solver.
func (cfg *Config) mongeMover() meshMover {
	return func(ctx context.Context, f meshField) (*movedMesh, error) { return mongeMove(ctx, cfg, f) }
}

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
	inside, out := clampToSquare(mm.mesh)
	if out >= 0 {
		x := mm.mesh.Nodes[2*out : 2*out+2]
		j.tangled, j.where = true, fmt.Sprintf("test sample %d, frame %d: node %d at (%.4g, %.4g) is outside the unit square", f.sample, f.frame, out, x[0], x[1])
	}
	eq, smallest, err := monge.Quality(inside, mon)
	if err != nil {
		return nil, err
	}
	ueq, _, err := monge.Quality(uniform, mon)
	if err != nil {
		return nil, err
	}
	j.equiCV, j.uniformCV, j.minArea = eq.CV, ueq.CV, smallest*float64((n-1)*(n-1))
	if err := mm.mesh.CheckUntangled(); err != nil && !j.tangled {
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

// clampToSquare returns m with every node clamped into [0, 1]^2 (m itself
// when all are inside) and the first node that was outside (-1: none). A
// network's map can leave the square; the monitor and the stored field
// are defined only inside, so such a mesh counts as tangled and is
// measured (equidistribution, the field at its nodes) on its clamped
// nodes.
func clampToSquare(m *mesh.Mesh) (*mesh.Mesh, int) {
	first := -1
	nodes := slices.Clone(m.Nodes)
	for i, x := range nodes {
		if c := math.Min(1, math.Max(0, x)); c != x {
			nodes[i] = c
			if first < 0 {
				first = i / 2
			}
		}
	}
	if first < 0 {
		return m, -1
	}
	inside, err := m.WithNodes(nodes)
	if err != nil { // the same cells, finite nodes: cannot fail
		return m, first
	}
	return inside, first
}

// evaluateMeshMover is Evaluate for a mesh mover: a moved mesh per test
// field, each judged (judgeMesh) and, for a network, compared with the
// classical mover's mesh of the same field; the means in metrics.json and
// the meshes in predictions.h5 (the mesh layout: the uniform mesh, each
// field's moved nodes and the stored field sampled at them).
func evaluateMeshMover(ctx context.Context, cfg *Config) (*Metrics, error) {
	fields, err := readMeshFields(cfg, true)
	if err != nil {
		return nil, err
	}
	move, params, err := cfg.family().mesh.prepare(cfg)
	if err != nil {
		return nil, err
	}
	n := cfg.Model.MeshNodes
	uniform, err := mesh.StructuredQuad(n, n)
	if err != nil {
		return nil, err
	}
	ev := &meshEvaluation{cfg: cfg, uniform: uniform, params: params, mm: &MeshMetrics{Meshes: len(fields), NodesPerAxis: n}}
	for _, f := range fields {
		if err := ev.judge(ctx, move, f, len(fields)); err != nil {
			return nil, err
		}
	}
	return ev.commit()
}

// meshEvaluation accumulates the judgements of a mover's meshes.
type meshEvaluation struct {
	cfg     *Config
	uniform *mesh.Mesh
	params  int // the mover's trained parameters
	mm      *MeshMetrics
	trips   []float64
	seconds float64 // the mover's, over all meshes
	refSecs float64 // the classical reference's
	out     meshPredictions
}

// judge moves the mesh to field f (one of count), judges it and, for a
// network, its distance and quality against the classical mover's.
func (ev *meshEvaluation) judge(ctx context.Context, move meshMover, f meshField, count int) error {
	where := fmt.Sprintf("test sample %d, frame %d", f.sample, f.frame)
	moved, err := move(ctx, f)
	if err != nil {
		return fmt.Errorf("experiments: moving the mesh to %s: %w", where, err)
	}
	j, err := judgeMesh(ev.cfg, f, ev.uniform, moved)
	if err != nil {
		return fmt.Errorf("experiments: judging the mesh of %s: %w", where, err)
	}
	ev.mm.add(j, moved, count)
	if !j.tangled {
		ev.trips = append(ev.trips, j.tripMoved)
	}
	ev.seconds += moved.seconds
	if ev.cfg.family().mesh.reference {
		if err := ev.compareReference(ctx, f, moved, count); err != nil {
			return fmt.Errorf("experiments: the classical reference mesh of %s: %w", where, err)
		}
	}
	return ev.out.add(f, moved.mesh)
}

// compareReference moves the classical mover's mesh to f and adds the
// mean node distance (in cells of the uniform mesh) and its
// equidistribution to the means.
func (ev *meshEvaluation) compareReference(ctx context.Context, f meshField, moved *movedMesh, count int) error {
	ref, err := mongeMove(ctx, ev.cfg, f)
	if err != nil {
		return err
	}
	j, err := judgeMesh(ev.cfg, f, ev.uniform, ref)
	if err != nil {
		return err
	}
	toRef, err := mesh.MeanNodeDistance(moved.mesh, ref.mesh)
	if err != nil {
		return err
	}
	uniformToRef, err := mesh.MeanNodeDistance(ev.uniform, ref.mesh)
	if err != nil {
		return err
	}
	cells, w := float64(ev.cfg.Model.MeshNodes-1), 1/float64(count)
	ev.mm.ReferenceDistance += w * toRef * cells
	ev.mm.UniformReferenceDistance += w * uniformToRef * cells
	ev.mm.ReferenceEquiCV += w * j.equiCV
	ev.refSecs += ref.seconds
	return nil
}

// commit finishes the means and writes metrics.json and predictions.h5.
func (ev *meshEvaluation) commit() (*Metrics, error) {
	mm, k := ev.mm, float64(ev.mm.Meshes)
	if len(ev.trips) == 0 {
		return nil, fmt.Errorf("experiments: every one of the %d moved meshes has an inverted cell (first: %s): the interpolation round trip is undefined on them; "+
			"a finer mesh (model.mesh_nodes) or a weaker monitor (model.beta) resolves the map", mm.Meshes, mm.FirstTangled)
	}
	mm.finish(len(ev.trips))
	m := &Metrics{TestSamples: mm.Meshes, Resolution: []int{mm.NodesPerAxis, mm.NodesPerAxis}, Mesh: mm, InferenceSecondsPerSample: ev.seconds / k}
	if ev.refSecs > 0 {
		m.SolverSecondsPerSample, m.Speedup = ev.refSecs/k, ev.refSecs/ev.seconds
	} else {
		m.SolverSkipped = "the classical mover is the reference mesh movers are timed against"
	}
	m.Params = ev.params
	if ts, err := readTrainSummary(ev.cfg); err == nil {
		m.TrainSeconds = ts.Seconds
	}
	m.TestRelL2, m.TestRelL2Std, m.TestRelL2Max = stats(ev.trips)
	return m, commitOutputs(ev.cfg, m, func(path string) error { return ev.out.write(ev.cfg, ev.uniform, path) })
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
	mm.BoundaryDrift = math.Max(mm.BoundaryDrift, math.Max(j.drift, moved.drift))
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
// nodes (clamped into the square: clampToSquare).
func (p *meshPredictions) add(f meshField, moved *mesh.Mesh) error {
	inside, _ := clampToSquare(moved)
	at, err := mesh.ToMesh(f.fine, f.fineN, 1, inside)
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

// ------------------------------------------------------------------ DMM

// dmmFamily is the data-free mesh mover: a network trained on the
// Monge-Ampere residual of the training fields, judged like monge and
// against monge's meshes of the same test fields.
var dmmFamily = modelFamily{
	about: "data-free mesh mover DMM (Hu et al. 2024): phi(xi; u) as coefficients of the Neumann cosine modes of xi, the mesh moved by " +
		"x = xi + grad phi; branch grid (default): one convolutional network reads m / theta and its own map's Monge-Ampere residual at the " +
		"nodes and steps -Lap phi, applied model.iterations times from the identity (a learned iterative solver); branch mlp: an MLP on " +
		"m / theta and model.stages - 1 residual-fed correctors; trained on the Monge-Ampere residual of the training fields alone (no meshes " +
		"as data), augmented by the square's 8 symmetries; judged like monge and against monge's meshes of the same test fields (node " +
		"distance, equidistribution, time per mesh)",
	keys: append(slices.Clone(meshMoverKeys), "model.method", "model.tol", "model.scale", "model.stages", "model.base_modes", "model.augment",
		"model.branch", "model.width", "model.layers", "model.iterations",
		"train.epochs", "train.batch", "train.lr", "train.weight_decay", "train.schedule", "train.step_size", "train.gamma",
		"train.lbfgs_iters", "train.collocation", "train.points", "train.clip_norm", "train.checkpoint_every", "train.checkpoint_seconds"),
	validate:   func(c *Config, md toml.MetaData, raw []byte) error { return c.validateDMM(raw) },
	resolve:    func(c *Config) ModelConfig { return c.Model },
	footprints: func(c *Config) []footprint { return nil },
	train:      trainDMM,
	evaluate:   evaluateMeshMover,
	fieldAxes:  "x",
	mesh:       &meshArch{prepare: dmmMover, reference: true},
}

// defaultDMMScale is the width factor of a CPU run.
const defaultDMMScale = 0.25

// validateDMM checks a DMM configuration: the mover's and its classical
// reference's keys, the width factor and the training budget.
func (c *Config) validateDMM(raw []byte) error {
	if err := c.validateMonge(raw); err != nil {
		return err
	}
	m, t := &c.Model, &c.Train
	if err := c.validateDMMBranch(raw); err != nil {
		return err
	}
	if m.Stages == 0 {
		m.Stages = defaultDMMStages
		if m.Branch == "grid" {
			m.Stages = 1
		}
	}
	if m.Stages < 1 || m.Stages > 16 {
		return c.fail(raw, "model.stages", "want 1 (the base alone) to 16 networks, got %d", m.Stages)
	}
	if m.MeshNodes > maxDMMModes {
		return c.fail(raw, "model.mesh_nodes", "DMM's cosine trunk has at most %d modes per axis, and its correctors and grid network use one per node: want mesh_nodes <= %d, got %d",
			maxDMMModes, maxDMMModes, m.MeshNodes)
	}
	if m.BaseModes == 0 {
		m.BaseModes = min(m.MeshNodes, defaultDMMBaseModes)
		if m.Branch == "grid" {
			m.BaseModes = m.MeshNodes
		}
	}
	if m.BaseModes < 2 || m.BaseModes > m.MeshNodes {
		return c.fail(raw, "model.base_modes", "the base's cosine modes per axis must be in [2, mesh_nodes = %d], got %d", m.MeshNodes, m.BaseModes)
	}
	if m.Augment == "" {
		m.Augment = "symmetries"
	}
	if m.Augment != "symmetries" && m.Augment != "none" {
		return c.fail(raw, "model.augment", "unknown augmentation %q (expected symmetries or none)", m.Augment)
	}
	if c.Data.Train < 1 {
		return c.fail(raw, "data.train", "DMM trains on the fields of the training samples: want data.train >= 1, got %d", c.Data.Train)
	}
	if t.Epochs < 1 && t.LBFGSIters < 1 {
		return c.fail(raw, "train.epochs", "nothing to train: want train.epochs (Adam) >= 1 (or, for branch mlp, train.lbfgs_iters (L-BFGS) >= 1)")
	}
	if t.Batch < 1 {
		t.Batch = 1
	}
	if t.Collocation == 0 {
		t.Collocation = dmm.DefaultLoss().Interior
	}
	if t.Schedule != "step" && t.Schedule != "none" {
		return c.fail(raw, "train.schedule", "dmm trains with schedule step (every step_size epochs the rate times gamma) or none, got %q", t.Schedule)
	}
	return nil
}

// defaultDMMGrid are the grid branch's default channels and layers.
var defaultDMMGrid = struct{ width, layers, iterations int }{16, 3, 16}

// validateDMMBranch checks model.branch and the keys that size it:
// model.width and model.layers for the grid branch (defaults
// defaultDMMGrid), model.scale alone for the MLP.
func (c *Config) validateDMMBranch(raw []byte) error {
	m := &c.Model
	if m.Branch == "" {
		m.Branch = "grid"
	}
	switch m.Branch {
	case "grid":
		for _, f := range c.dmmGridKeys() {
			if *f.p < 0 || *f.p > f.max {
				return c.fail(raw, f.key, "want 1 to %d (0: the default %d), got %d", f.max, f.def, *f.p)
			}
			if *f.p == 0 {
				*f.p = f.def
			}
		}
		if m.Scale != 0 {
			return c.fail(raw, "model.scale", "got %v, but model.scale sizes the mlp branch and model.branch is grid (the default since the grid branch "+
				"met D2): set branch = \"mlp\" for the mlp network, or size the grid one by model.width and model.layers", m.Scale)
		}
		if m.Stages > 1 {
			return c.fail(raw, "model.stages", "got %d, but stages (correctors) belong to the mlp branch and model.branch is grid (the default), one network "+
				"iterated model.iterations times: set branch = \"mlp\" for correctors", m.Stages)
		}
		switch c.Train.Points {
		case "":
			c.Train.Points = "nodes"
		case "nodes", "random":
		default:
			return c.fail(raw, "train.points", "unknown points %q (expected nodes or random)", c.Train.Points)
		}
		if c.Train.LBFGSIters > 0 {
			return c.fail(raw, "train.lbfgs_iters", "the grid branch's iteration states move with every step, and L-BFGS needs a fixed loss: want 0, got %d", c.Train.LBFGSIters)
		}
	case "mlp":
		if c.Train.Points != "" {
			return c.fail(raw, "train.points", "got %q, but train.points belongs to the grid branch; the mlp branch draws train.collocation points", c.Train.Points)
		}
		for _, f := range c.dmmGridKeys() {
			if *f.p != 0 {
				return c.fail(raw, f.key, "got %d, but %s belongs to the grid branch; the mlp branch is sized by model.scale and model.stages", *f.p, f.key)
			}
		}
		if m.Scale == 0 {
			m.Scale = defaultDMMScale
		}
		if !(m.Scale > 0 && m.Scale <= 4) {
			return c.fail(raw, "model.scale", "the width factor must be in (0, 4], got %v", m.Scale)
		}
	default:
		return c.fail(raw, "model.branch", "unknown branch %q (expected grid or mlp)", m.Branch)
	}
	return nil
}

// dmmGridKey is an integer key of the grid branch, its default and its
// largest value.
type dmmGridKey struct {
	key      string
	p        *int
	def, max int
}

// dmmGridKeys are the grid branch's integer keys.
func (c *Config) dmmGridKeys() []dmmGridKey {
	m := &c.Model
	return []dmmGridKey{{"model.width", &m.Width, defaultDMMGrid.width, 256}, {"model.layers", &m.Layers, defaultDMMGrid.layers, 64},
		{"model.iterations", &m.Iterations, defaultDMMGrid.iterations, 1000}}
}

// dmmConfig is the network of [model] for stage i (0: the base). The
// grid branch is one iterated network (dmm.Config.Iterations, stage 0
// only): mesh/dmm's TestD2 harness measured it at 0.03 cells from the
// classical 12^2 meshes after 43 s of training, where the mlp branch
// with two correctors took ten minutes to reach 0.05. The mlp branch:
// upstream's widths scaled, as a DeepONet whose trunk is the fixed
// Neumann cosine basis (dmm.Config.CosineModes: exact boundary
// condition, outputs scaled by the inverse Laplacian) and whose branch is
// an MLP on m / theta, the field's gradient monitor on the mesh grid
// normalised to mean 1 (surrogo's choices: upstream's ConvNet on u with a
// learned tanh trunk fitted 48 Burgers fields no better than the uniform
// mesh; this one fits them to 0.10 cells and generalises from hundreds,
// mesh/dmm's D2 measurements). The base has model.base_modes modes
// per axis (default at most defaultDMMBaseModes), each corrector mesh_nodes (mesh/dmm at 24^2: a 12-mode base
// trained at the rate 1e-3 reached 0.496 cells from the classical meshes
// in 151 s, a 24-mode one 0.541 at the rate 2e-4 in 264 s, and diverged at
// 5e-4).
func (c *Config) dmmConfig(stage int) dmm.Config {
	n := c.Model.MeshNodes
	if c.Model.Branch == "grid" {
		return dmm.Config{Dim: 2, Branch: dmm.GridBranch, Input: n, Channels: [2]int{c.Model.Width}, GridDepth: c.Model.Layers,
			GridInputs: 2, CosineModes: c.Model.BaseModes, Iterations: c.Model.Iterations}
	}
	d := dmm.Upstream().Scaled(c.Model.Scale)
	d.Branch, d.Input, d.CosineModes = dmm.MLPBranch, n*n, n
	if stage == 0 {
		d.CosineModes = c.Model.BaseModes
	} else {
		d.Input += n * n
	}
	return d
}

// maxDMMModes is mesh/dmm's largest CosineModes.
const maxDMMModes = 64

// defaultDMMBaseModes bounds the base network's default cosine modes per
// axis.
const defaultDMMBaseModes = 12

// dmmStageLR is a stage's Adam rate: train.lr times 143 / modes when the
// stage has more than 12^2 - 1 modes. An Adam step moves every output
// weight by about the rate, and the Hessian of phi sums the moves of
// every mode: mesh/dmm's correctors with 24^2 - 1 modes trained at 2.5e-4
// (1e-3 x 143/575) and tangled meshes at 5e-4.
func (c *Config) dmmStageLR(stage int) float64 {
	if c.Model.Branch == "grid" {
		return c.Train.LR // its weights are shared by every mode
	}
	modes := c.dmmConfig(stage).CosineModes
	return c.Train.LR * math.Min(1, float64(defaultDMMBaseModes*defaultDMMBaseModes-1)/float64(modes*modes-1))
}

// dmmTrainOptions are the training phases' settings: Adam epochs of
// fields/batch steps, each drawing batch fields with replacement, the
// step schedule as milestones,
// points drawn uniformly (mesh/dmm measured upstream's drawing in
// proportion to m stalling at 5% node error on one front), then L-BFGS.
func (c *Config) dmmTrainOptions(fields int) dmm.TrainOptions {
	t := c.Train
	lo := dmm.DefaultLoss()
	lo.Interior, lo.Candidates, lo.UniformFraction = t.Collocation, 40*t.Collocation, 1
	lo.BoundaryPerSide = 2 // the cosine trunk meets the Neumann condition exactly: the term is 0
	o := dmm.TrainOptions{Loss: lo, Batch: t.Batch, Epochs: t.Epochs, BatchesPerEpoch: max(1, fields/t.Batch), LR: t.LR,
		WeightDecay: t.WeightDecay, ClipNorm: t.ClipNorm, Seed: c.Seed, LBFGSIters: t.LBFGSIters,
		Augment: dmm.Augment{Symmetries: c.Model.Augment == "symmetries"}, NodeLoss: t.Points == "nodes"}
	if t.Schedule == "step" && t.StepSize > 0 {
		for e := t.StepSize; e < t.Epochs; e += t.StepSize {
			o.Milestones = append(o.Milestones, e)
		}
		o.Gamma = t.Gamma
	}
	return o
}

// dmmFields are the DMM samples of mesh fields: the gradient monitor of
// the field on the mesh's grid, and m / theta as the branch input.
func (c *Config) dmmFields(fields []meshField) ([]dmm.Field, error) {
	out := make([]dmm.Field, len(fields))
	for i, f := range fields {
		var err error
		if out[i], err = c.dmmField(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dmmField is the DMM sample of one mesh field.
func (c *Config) dmmField(f meshField) (dmm.Field, error) {
	d, err := dmm.NewField2D(f.coarse, c.Model.MeshNodes, c.Model.Beta)
	if err != nil {
		return dmm.Field{}, fmt.Errorf("experiments: sample %d, frame %d: %w", f.sample, f.frame, err)
	}
	return d.MonitorBranch(), nil
}

// defaultDMMStages is model.stages' default, the networks trained: a base
// and correctors, each fed the map of those before it and its
// Monge-Ampere residual at the mesh nodes (dmm.Net.SetBase). mesh/dmm's
// D2 measurements on 12^2 Burgers meshes (16 held-out fields): the base
// alone 0.164 cells from the classical meshes, CV 2.09x the classical;
// one corrector 0.075 cells, 1.25x; two 0.052 cells, 1.05x.
const defaultDMMStages = 3

// dmmStages are the pipeline's DMM networks, base first (each corrects
// the one before), and all their parameters, named by stage.
func (c *Config) dmmStages() (nets []*dmm.Net, params []nn.Param[float64], err error) {
	for i := range c.Model.Stages {
		net, err := dmm.New(c.dmmConfig(i), tensor.NewRNGStream(c.Seed, 1<<32+uint64(i)))
		if err != nil {
			return nil, nil, err
		}
		if i > 0 {
			if err := net.SetBase(nets[i-1]); err != nil {
				return nil, nil, err
			}
		}
		nets = append(nets, net)
		for _, p := range net.Params() {
			params = append(params, nn.Param[float64]{Name: fmt.Sprintf("stage%d.%s", i+1, p.Name), Var: p.Var})
		}
	}
	return nets, params, nil
}

// trainDMM is Train for DMM: the base network, then each corrector (those
// before it frozen), each for train.epochs Adam epochs and
// train.lbfgs_iters L-BFGS iterations on every frame of the training
// samples, in one trainer (checkpointed and resumable like every family).
func trainDMM(ctx context.Context, cfg *Config, log io.Writer) (*TrainSummary, error) {
	mf, err := readMeshFields(cfg, false)
	if err != nil {
		return nil, err
	}
	fields, err := cfg.dmmFields(mf)
	if err != nil {
		return nil, err
	}
	nets, params, err := cfg.dmmStages()
	if err != nil {
		return nil, err
	}
	stages := make([]dmm.Config, cfg.Model.Stages)
	for i := range stages {
		stages[i] = cfg.dmmConfig(i)
	}
	modelJSON, err := json.Marshal(map[string]any{"kind": cfg.Model.Kind, "stages": stages})
	if err != nil {
		return nil, fmt.Errorf("experiments: encoding the model configuration: %w", err)
	}
	opt := cfg.dmmTrainOptions(len(fields))
	total := cfg.Model.Stages * (opt.Epochs + opt.LBFGSIters)
	ck, hint, err := loadRunCheckpoint(cfg, params, string(modelJSON))
	switch {
	case err != nil:
		return nil, err
	case ck != nil && ck.Epoch == total:
		return finishedSummary(cfg, ck, nn.CountParams(params), filepath.Join(cfg.RunDir(), "train_log.csv"))
	case ck != nil && ck.Epoch > total:
		return nil, fmt.Errorf("experiments: cannot resume from %s: it is at epoch %d, past %d stages x (train.epochs + train.lbfgs_iters) = %d (raise them, or %s)",
			checkpointPath(cfg), ck.Epoch, cfg.Model.Stages, total, hint)
	}
	if err := os.MkdirAll(filepath.Join(cfg.RunDir(), "checkpoints"), 0o755); err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	var phases []nn.Phase[float64]
	for i, net := range nets {
		opt.LR = cfg.dmmStageLR(i)
		ph, err := net.Phases(fields, opt)
		if err != nil {
			return nil, fmt.Errorf("experiments: stage %d: %w", i+1, err)
		}
		for k := range ph {
			ph[k].Name = fmt.Sprintf("%s-%d", ph[k].Name, i+1)
		}
		phases = append(phases, ph...)
	}
	trainer := &nn.Trainer[float64]{Params: params, Phases: phases, CheckpointPath: checkpointPath(cfg),
		CheckpointEvery: cfg.Train.CheckpointEvery, ModelConfig: string(modelJSON), Seed: cfg.Seed}
	l := &trainLog{path: filepath.Join(cfg.RunDir(), "train_log.csv"), out: log, unit: "epoch", total: total, every: max(total/20, 1), scale: 1}
	return runTrainer(ctx, cfg, trainer, l, nn.CountParams(params))
}

// dmmMover loads the trained networks; it then moves a mesh per field
// with model.iterations evaluations of the grid network (each on m /
// theta and its own map's residual at the nodes), or one evaluation of
// each mlp stage (the base's branch on m / theta, each corrector's on it
// and the residual of the map before it); the cosine modes are summed
// separably at the nodes.
func dmmMover(cfg *Config) (meshMover, int, error) {
	nets, params, err := cfg.dmmStages()
	if err != nil {
		return nil, 0, err
	}
	last := nets[len(nets)-1]
	if _, err := nn.LoadCheckpoint(checkpointPath(cfg), params); err != nil {
		return nil, 0, fmt.Errorf("experiments: loading the trained network (run `simulate train` first): %w", err)
	}
	return func(_ context.Context, f meshField) (*movedMesh, error) {
		start := time.Now()
		d, err := cfg.dmmField(f)
		if err != nil {
			return nil, err
		}
		res, err := last.MeshFor(d, cfg.Model.MeshNodes)
		if err != nil {
			return nil, err
		}
		return &movedMesh{mesh: res.Mesh, seconds: time.Since(start).Seconds(), drift: res.Drift}, nil
	}, nn.CountParams(params), nil
}
