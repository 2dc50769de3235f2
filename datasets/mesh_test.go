package datasets

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

// unitSquare returns an nx x ny node grid of the unit square, split into
// triangles or quads, with S samples of F fields and moved nodes.
func unitSquare(nx, ny int, ct CellType, samples, fields int, moved bool) *Mesh {
	m := &Mesh{Dim: 2, CellType: ct, Samples: samples, FieldDim: fields}
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			m.Nodes = append(m.Nodes, float64(i)/float64(nx-1), float64(j)/float64(ny-1))
		}
	}
	for j := 0; j+1 < ny; j++ {
		for i := 0; i+1 < nx; i++ {
			a := int32(j*nx + i)
			b, c, d := a+1, a+int32(nx)+1, a+int32(nx)
			if ct == Quad {
				m.Cells = append(m.Cells, a, b, c, d)
			} else {
				m.Cells = append(m.Cells, a, b, c, a, c, d)
			}
		}
	}
	n := nx * ny
	if fields > 0 {
		m.Fields = make([]float32, samples*n*fields)
		for i := range m.Fields {
			m.Fields[i] = float32(math.Cos(0.1 * float64(i)))
		}
	}
	if moved {
		m.Moved = make([]float64, samples*n*2)
		for i := range m.Moved {
			m.Moved[i] = m.Nodes[i%(2*n)] + 1e-3*float64(i/(2*n))
		}
	}
	return m
}

// tetra returns one 3-D tetrahedron's surface as four triangles.
func tetra() *Mesh {
	return &Mesh{Dim: 3, CellType: Triangle,
		Nodes:   []float64{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
		Cells:   []int32{0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3},
		Samples: 2, FieldDim: 1, Fields: []float32{1, 2, 3, 4, 5, 6, 7, 8}, FieldNames: []string{"u"}}
}

func TestMeshRoundTrip(t *testing.T) {
	cases := []struct {
		name  string
		group string
		m     *Mesh
	}{
		{"triangles with fields", "", unitSquare(4, 3, Triangle, 3, 2, false)},
		{"quads with fields and moved nodes", "mesh", unitSquare(5, 5, Quad, 2, 1, true)},
		{"moved nodes only", "deep/mesh", unitSquare(3, 3, Triangle, 4, 0, true)},
		{"no samples", "", unitSquare(3, 2, Quad, 0, 0, false)},
		{"3-D surface with names", "", tetra()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "m.h5"))
			g := f.Group
			if c.group != "" {
				var err error
				if g, err = f.CreateGroup(c.group); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteMesh(g, c.m); err != nil {
				t.Fatal(err)
			}
			r := reopen(t, f)
			rg := r.Group
			if c.group != "" {
				var err error
				if rg, err = r.OpenGroup(c.group); err != nil {
					t.Fatal(err)
				}
			}
			if s, err := MeshSamples(rg); err != nil || s != c.m.Samples {
				t.Errorf("samples %d, %v; want %d", s, err, c.m.Samples)
			}
			got, err := ReadMesh(rg, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.m) {
				t.Errorf("read back as\n%+v\nwant\n%+v", got, c.m)
			}
			if c.m.Samples < 2 {
				return
			}
			part, err := ReadMesh(rg, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			n := c.m.NumNodes()
			if part.Samples != 1 || part.FirstSample != 1 {
				t.Errorf("window: %d samples from %d", part.Samples, part.FirstSample)
			}
			if w := c.m.Fields[n*c.m.FieldDim : 2*n*c.m.FieldDim]; c.m.FieldDim > 0 && !reflect.DeepEqual(part.Fields, w) {
				t.Error("window fields differ")
			}
			if c.m.Moved != nil && !reflect.DeepEqual(part.Moved, c.m.Moved[n*2:n*4]) {
				t.Error("window moved nodes differ")
			}
		})
	}
}

func TestWriteMeshRefuses(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(m *Mesh)
		target error
		parts  []string
	}{
		{"index out of range", func(m *Mesh) { m.Cells[7] = 6 }, ErrRange, []string{"/cells", "cell 1, corner 3 is node 6", "[0, 6)"}},
		{"negative index", func(m *Mesh) { m.Cells[0] = -1 }, ErrRange, []string{"cell 0, corner 0"}},
		{"dimension 1", func(m *Mesh) { m.Dim = 1 }, ErrShape, []string{"/nodes", "dimension 1"}},
		{"ragged cells", func(m *Mesh) { m.Cells = m.Cells[:5] }, ErrShape, []string{"/cells", "multiple of 4"}},
		{"fields of other N", func(m *Mesh) { m.Fields = m.Fields[:10] }, ErrShape, []string{"/fields", "[2 6 1]"}},
		{"moved of other S", func(m *Mesh) { m.Moved = m.Moved[:12] }, ErrShape, []string{"/moved_nodes", "needs 24"}},
		{"infinite node", func(m *Mesh) { m.Nodes[3] = math.Inf(-1) }, ErrNonFinite, []string{"/nodes", "node 1, coordinate 1"}},
		{"NaN field", func(m *Mesh) { m.Fields[8] = float32(math.NaN()) }, ErrNonFinite, []string{"sample 1, node 2, field 0"}},
		{"cell type 5", func(m *Mesh) { m.CellType = 5 }, ErrArgument, []string{"CellType(5)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustCreate(t, tempFile(t, "bad.h5"))
			defer f.Abort()
			g, err := f.CreateGroup("mesh")
			if err != nil {
				t.Fatal(err)
			}
			m := unitSquare(3, 2, Quad, 2, 1, true)
			c.edit(m)
			err = WriteMesh(g, m)
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			assertMentions(t, err, append([]string{f.Name(), "/mesh/"}, c.parts...)...)
			if g.Has("nodes") {
				t.Error("a refused mesh left datasets behind")
			}
		})
	}
}

// TestReadMeshRefusesBadFiles writes a good mesh with WriteMesh and then
// replaces one dataset or attribute with a damaged one.
func TestReadMeshRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name    string
		replace string // the dataset to write anew
		build   func(g *Group) error
		target  error
		parts   []string
	}{
		{"index out of range", "cells", func(g *Group) error {
			return Write(g, "cells", []int{2, 3}, []int64{0, 1, 2, 2, 1, 6}, nil)
		}, ErrRange, []string{"/cells", "cell 1, corner 2 is node 6", "[0, 6)"}},
		{"cells of quads for triangles", "cells", func(g *Group) error {
			return Write(g, "cells", []int{1, 4}, []int32{0, 1, 2, 3}, nil)
		}, ErrLayout, []string{"/cells", "[1 4]", "k = 3"}},
		{"float cells", "cells", func(g *Group) error {
			return Write(g, "cells", []int{1, 3}, []float32{0, 1, 2}, nil)
		}, ErrDtype, []string{"/cells", "float32"}},
		{"fields of other N", "fields", func(g *Group) error {
			return Write(g, "fields", []int{2, 5, 1}, make([]float32, 10), nil)
		}, ErrShape, []string{"/fields", "[2 5 1]", "on 6 nodes"}},
		{"moved of other d", "moved_nodes", func(g *Group) error {
			return Write(g, "moved_nodes", []int{2, 6, 3}, make([]float64, 36), nil)
		}, ErrShape, []string{"/moved_nodes", "[2 6 2]"}},
		{"moved of other S", "moved_nodes", func(g *Group) error {
			return Write(g, "moved_nodes", []int{3, 6, 2}, make([]float64, 36), nil)
		}, ErrShape, []string{"/moved_nodes", "[2 6 2]"}},
		{"NaN moved node", "moved_nodes", func(g *Group) error {
			v := make([]float64, 24)
			v[15] = math.NaN()
			return Write(g, "moved_nodes", []int{2, 6, 2}, v, nil)
		}, ErrNonFinite, []string{"/moved_nodes", "sample 1, node 1, coordinate 1"}},
		{"dim attribute disagrees", "", func(g *Group) error {
			return g.SetAttr("dim", int64(3))
		}, ErrLayout, []string{"/nodes", "dim = 3"}},
		{"unknown cell type", "", func(g *Group) error {
			return g.SetAttr("cell_type", "hexahedron")
		}, ErrLayout, []string{"cell_type", "hexahedron"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := tempFile(t, "bad.h5")
			f := mustCreate(t, path)
			g, err := f.CreateGroup("good")
			if err != nil {
				t.Fatal(err)
			}
			m := unitSquare(3, 2, Triangle, 2, 1, true)
			if err := WriteMesh(g, m); err != nil {
				t.Fatal(err)
			}
			bad, err := f.CreateGroup("bad")
			if err != nil {
				t.Fatal(err)
			}
			if err := Write(bad, "nodes", []int{6, 2}, m.Nodes, nil); err != nil {
				t.Fatal(err)
			}
			for _, ds := range []struct {
				name  string
				write func() error
			}{
				{"cells", func() error { return Write(bad, "cells", []int{4, 3}, m.Cells, nil) }},
				{"fields", func() error { return Write(bad, "fields", []int{2, 6, 1}, m.Fields, nil) }},
				{"moved_nodes", func() error { return Write(bad, "moved_nodes", []int{2, 6, 2}, m.Moved, nil) }},
			} {
				if ds.name != c.replace {
					if err := ds.write(); err != nil {
						t.Fatal(err)
					}
				}
			}
			for k, v := range map[string]any{"layout": MeshLayout, "cell_type": "triangle", "dim": int64(2)} {
				if err := bad.SetAttr(k, v); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.build(bad); err != nil {
				t.Fatal(err)
			}
			r := reopen(t, f)
			rg, _ := r.OpenGroup("good")
			if _, err := ReadMesh(rg, 0, -1); err != nil {
				t.Fatalf("the good mesh: %v", err)
			}
			rb, _ := r.OpenGroup("bad")
			_, err = ReadMesh(rb, 0, -1)
			if !errors.Is(err, c.target) {
				t.Fatalf("got %v, want %v", err, c.target)
			}
			assertMentions(t, err, append([]string{path, "/bad"}, c.parts...)...)
		})
	}
}

func TestReadMeshSampleRange(t *testing.T) {
	f := mustCreate(t, tempFile(t, "r.h5"))
	if err := WriteMesh(f.Group, unitSquare(3, 3, Triangle, 3, 1, false)); err != nil {
		t.Fatal(err)
	}
	r := reopen(t, f)
	for _, w := range [][2]int{{-1, 1}, {2, 2}, {4, -1}} {
		_, err := ReadMesh(r.Group, w[0], w[1])
		if !errors.Is(err, ErrRange) {
			t.Errorf("samples %v: got %v, want ErrRange", w, err)
		}
		assertMentions(t, err, r.Name(), "the mesh holds 3")
	}
}

// h5pyMeshWriter writes a quad mesh (3 x 2 nodes, 2 cells) with 2 samples
// of 2 fields and moved nodes in the documented layout, cells as int32 in
// group "tri" (a triangle mesh) and int64 at the root (h5py's default).
const h5pyMeshWriter = `
import sys, h5py, numpy as np
x, y = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 2))
nodes = np.stack([x.ravel(), y.ravel()], 1)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("nodes", data=nodes)
    f.create_dataset("cells", data=np.array([[0, 1, 4, 3], [1, 2, 5, 4]]))
    s, n, c = np.meshgrid(np.arange(2), np.arange(6), np.arange(2), indexing="ij")
    f.create_dataset("fields", data=(s + 0.1 * n + 0.01 * c).astype(np.float32))
    f.create_dataset("moved_nodes", data=np.stack([nodes, nodes ** 2]))
    f.attrs.update({"layout": "surrogo-mesh/1", "cell_type": "quad", "dim": 2, "field_names": ["u", "v"]})
    g = f.create_group("tri")
    g.create_dataset("nodes", data=nodes)
    g.create_dataset("cells", data=np.array([[0, 1, 4], [0, 4, 3]], dtype=np.int32))
    g.attrs["cell_type"] = "triangle"
    g.attrs["dim"] = np.int64(2)
`

// h5pyMeshReader prints what h5py sees of the mesh at the root of a file.
const h5pyMeshReader = `
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    out = {"attrs": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in f.attrs.items() if k in ("layout", "cell_type", "dim", "field_names")}}
    for k in ("nodes", "cells", "fields", "moved_nodes"):
        out[k] = {"shape": list(f[k].shape), "dtype": f[k].dtype.str, "values": f[k][()].astype(np.float64).ravel().tolist()}
print(json.dumps(out))
`

func TestMeshWithH5py(t *testing.T) {
	requireH5py(t)
	t.Run("h5py writes, surrogo reads", func(t *testing.T) {
		path := tempFile(t, "h5py-mesh.h5")
		runPython(t, h5pyMeshWriter, nil, path)
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		m, err := ReadMesh(f.Group, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		want := &Mesh{Dim: 2, CellType: Quad, Samples: 2, FieldDim: 2, FieldNames: []string{"u", "v"},
			Nodes: []float64{0, 0, 0.5, 0, 1, 0, 0, 1, 0.5, 1, 1, 1},
			Cells: []int32{0, 1, 4, 3, 1, 2, 5, 4}}
		for s := 0; s < 2; s++ {
			for n := 0; n < 6; n++ {
				for c := 0; c < 2; c++ {
					want.Fields = append(want.Fields, float32(float64(s)+0.1*float64(n)+0.01*float64(c)))
				}
			}
		}
		want.Moved = append(append([]float64(nil), want.Nodes...), 0, 0, 0.25, 0, 1, 0, 0, 1, 0.25, 1, 1, 1)
		if !reflect.DeepEqual(m, want) {
			t.Errorf("read\n%+v\nwant\n%+v", m, want)
		}
		g, err := f.OpenGroup("tri")
		if err != nil {
			t.Fatal(err)
		}
		tri, err := ReadMesh(g, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if tri.CellType != Triangle || !reflect.DeepEqual(tri.Cells, []int32{0, 1, 4, 0, 4, 3}) || tri.Samples != 0 {
			t.Errorf("triangle mesh %+v", tri)
		}
	})
	t.Run("surrogo writes, h5py reads", func(t *testing.T) {
		path := tempFile(t, "surrogo-mesh.h5")
		f := mustCreate(t, path)
		m := unitSquare(4, 3, Triangle, 2, 3, true)
		m.FieldNames = []string{"u", "v", "p"}
		if err := WriteMesh(f.Group, m); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		type array struct {
			Shape  []int     `json:"shape"`
			Dtype  string    `json:"dtype"`
			Values []float64 `json:"values"`
		}
		var got struct {
			Attrs      map[string]any `json:"attrs"`
			Nodes      array          `json:"nodes"`
			Cells      array          `json:"cells"`
			Fields     array          `json:"fields"`
			MovedNodes array          `json:"moved_nodes"`
		}
		runPython(t, h5pyMeshReader, &got, path)
		wantAttrs := map[string]any{"layout": MeshLayout, "cell_type": "triangle", "dim": 2.0, "field_names": []any{"u", "v", "p"}}
		if !reflect.DeepEqual(got.Attrs, wantAttrs) {
			t.Errorf("attributes %v, want %v", got.Attrs, wantAttrs)
		}
		checks := []struct {
			name  string
			a     array
			shape []int
			dtype string
			n     int
			at    func(i int) float64
		}{
			{"nodes", got.Nodes, []int{12, 2}, "<f8", len(m.Nodes), func(i int) float64 { return m.Nodes[i] }},
			{"cells", got.Cells, []int{12, 3}, "<i4", len(m.Cells), func(i int) float64 { return float64(m.Cells[i]) }},
			{"fields", got.Fields, []int{2, 12, 3}, "<f4", len(m.Fields), func(i int) float64 { return float64(m.Fields[i]) }},
			{"moved_nodes", got.MovedNodes, []int{2, 12, 2}, "<f8", len(m.Moved), func(i int) float64 { return m.Moved[i] }},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.a.Shape, c.shape) || c.a.Dtype != c.dtype || len(c.a.Values) != c.n {
				t.Errorf("%s: shape %v dtype %s with %d values, want %v %s", c.name, c.a.Shape, c.a.Dtype, len(c.a.Values), c.shape, c.dtype)
				continue
			}
			for i, v := range c.a.Values {
				if v != c.at(i) {
					t.Errorf("%s[%d] = %v, want %v", c.name, i, v, c.at(i))
					break
				}
			}
		}
	})
}
