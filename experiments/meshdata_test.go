package experiments

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
)

// writeReadMesh writes d with datasets.WriteMesh into a new HDF5 file and
// reads samples [start, start+n) back with datasets.ReadMesh.
func writeReadMesh(t *testing.T, d *datasets.Mesh, start, n int) *datasets.Mesh {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mesh.h5")
	f, err := datasets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteMesh(f.Group, d); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := datasets.ReadMesh(r.Group, start, n)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// movedSamples returns S = 3 moved copies of ref's nodes: uniform, a
// smooth untangled map x + 0.05 sin(pi x) sin(pi y) (both axes), and the
// same with interior node 5 of a 4 x 4 grid pulled to (0.9, 0.9), which
// inverts cell 1 at its corner 2 (node 6).
func movedSamples(ref *mesh.Mesh) []float64 {
	n := len(ref.Nodes)
	out := append([]float64(nil), ref.Nodes...)
	smooth := make([]float64, n)
	for i := 0; i < n; i += 2 {
		bump := 0.05 * math.Sin(math.Pi*ref.Nodes[i]) * math.Sin(math.Pi*ref.Nodes[i+1])
		smooth[i], smooth[i+1] = ref.Nodes[i]+bump, ref.Nodes[i+1]+bump
	}
	tangled := append([]float64(nil), smooth...)
	tangled[10], tangled[11] = 0.9, 0.9
	return append(append(out, smooth...), tangled...)
}

// sumAreas returns the total signed area of m.
func sumAreas(t *testing.T, m *mesh.Mesh) float64 {
	t.Helper()
	a, err := m.Areas()
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range a {
		s += v
	}
	return s
}

// TestMeshDatasetRoundTrip writes quad and triangle meshes with fields and
// moved nodes to HDF5 and reads them back: the same nodes, cells and type,
// moved meshes of total area 1 on the reference's cells, and the tangled
// sample refused with its index and the inverted cell.
func TestMeshDatasetRoundTrip(t *testing.T) {
	quad, err := mesh.StructuredQuad(4, 4)
	if err != nil {
		t.Fatal(err)
	}
	tri, err := mesh.Triangulate(quad)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		m          *mesh.Mesh
		wantType   datasets.CellType
		wantCells  int
		tangledMsg string
	}{
		{"quad 4x4", quad, datasets.Quad, 9, "quad cell 1 (nodes [1 5 6 2]) is inverted at corner 2"},
		{"triangles 4x4", tri, datasets.Triangle, 18, "triangle cell 8 (nodes [5 9 10]) is inverted"},
	}
	for _, tc := range tests {
		d, err := MeshToDataset(tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Dim != 2 || d.CellType != tc.wantType || d.NumCells() != tc.wantCells || d.NumNodes() != 16 {
			t.Fatalf("%s: MeshToDataset: dim %d, %v, %d cells, %d nodes; want 2, %v, %d, 16", tc.name, d.Dim, d.CellType, d.NumCells(), d.NumNodes(), tc.wantType, tc.wantCells)
		}
		d.Samples, d.FieldDim, d.Moved = 3, 1, movedSamples(tc.m)
		d.Fields = make([]float32, 3*16)
		back := writeReadMesh(t, d, 0, -1)
		got, err := MeshFromDataset(back)
		if err != nil {
			t.Fatalf("%s: MeshFromDataset: %v", tc.name, err)
		}
		if got.Type != tc.m.Type || !slices.Equal(got.Nodes, tc.m.Nodes) || !slices.Equal(got.Cells, tc.m.Cells) {
			t.Errorf("%s: read back %v with %d nodes, %d cells, not equal to the written mesh", tc.name, got.Type, got.NumNodes(), got.NumCells())
		}
		back.Moved = back.Moved[:2*32] // the two untangled samples
		back.Samples = 2
		moved, err := MovedMeshes(back, got)
		if err != nil {
			t.Fatalf("%s: MovedMeshes: %v", tc.name, err)
		}
		for s, m := range moved {
			if !slices.Equal(m.Nodes, d.Moved[s*32:(s+1)*32]) || !slices.Equal(m.Cells, tc.m.Cells) {
				t.Errorf("%s: sample %d: nodes or cells differ from those written", tc.name, s)
			}
			if a := sumAreas(t, m); math.Abs(a-1) > 1e-14 {
				t.Errorf("%s: sample %d: total area %.17g; want 1 (the unit square)", tc.name, s, a)
			}
		}
		if moved[1].Nodes[10] == tc.m.Nodes[10] {
			t.Errorf("%s: sample 1 node 5 did not move", tc.name)
		}
		_, err = MovedMeshes(writeReadMesh(t, d, 2, 1), got)
		if err == nil || !errors.Is(err, mesh.ErrTangled) || !strings.Contains(err.Error(), "sample 2: ") || !strings.Contains(err.Error(), tc.tangledMsg) {
			t.Errorf("%s: tangled sample: %v; want an ErrTangled naming sample 2 and %q", tc.name, err, tc.tangledMsg)
		}
	}
}

// TestMeshFromDatasetRefuses checks the error of each unusable mesh,
// including a 3-D mesh read from a file.
func TestMeshFromDatasetRefuses(t *testing.T) {
	cube := &datasets.Mesh{Dim: 3, CellType: datasets.Triangle, Nodes: []float64{0, 0, 0, 1, 0, 0, 0, 1, 0}, Cells: []int32{0, 1, 2}}
	square := func(f func(d *datasets.Mesh)) *datasets.Mesh {
		d := &datasets.Mesh{Dim: 2, CellType: datasets.Quad, Nodes: []float64{0, 0, 1, 0, 1, 1, 0, 1}, Cells: []int32{0, 1, 2, 3}}
		f(d)
		return d
	}
	tests := []struct {
		name    string
		d       *datasets.Mesh
		tangled bool
		want    []string
	}{
		{"nil", nil, false, []string{"nil mesh"}},
		{"3-D from a file", writeReadMesh(t, cube, 0, -1), false, []string{"a 3-D mesh", "want 2-D nodes"}},
		{"cell type", square(func(d *datasets.Mesh) { d.CellType = 5 }), false, []string{"cell type CellType(5)", "want triangle or quad"}},
		{"index", square(func(d *datasets.Mesh) { d.Cells[2] = 7 }), false, []string{"cell 0 corner 2 is node 7", "[0, 4)"}},
		{"NaN node", square(func(d *datasets.Mesh) { d.Nodes[3] = math.NaN() }), false, []string{"node 1 has coordinate 1 = NaN"}},
		{"clockwise", square(func(d *datasets.Mesh) { d.Cells = []int32{0, 3, 2, 1} }), true, []string{"quad cell 0", "is inverted at corner 0"}},
		{"ragged cells", square(func(d *datasets.Mesh) { d.Cells = d.Cells[:3] }), false, []string{"3 cell indices", "multiple of 4"}},
	}
	for _, tc := range tests {
		m, err := MeshFromDataset(tc.d)
		if err == nil {
			t.Errorf("%s: got a mesh of %d cells; want an error", tc.name, m.NumCells())
			continue
		}
		if errors.Is(err, mesh.ErrTangled) != tc.tangled {
			t.Errorf("%s: %v: errors.Is(ErrTangled) = %v; want %v", tc.name, err, !tc.tangled, tc.tangled)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q; want it to contain %q", tc.name, err, w)
			}
		}
	}
	if _, err := MeshToDataset(&mesh.Mesh{Type: 5, Nodes: []float64{0, 0}, Cells: []int32{0}}); err == nil || !strings.Contains(err.Error(), "cell type 5") {
		t.Errorf("MeshToDataset of a mesh of cell type 5: %v; want an error naming the cell type", err)
	}
	ref := &mesh.Mesh{Type: mesh.Quad, Nodes: []float64{0, 0, 1, 0, 1, 1, 0, 1}, Cells: []int32{0, 1, 2, 3}}
	short := &datasets.Mesh{Dim: 2, Samples: 2, Moved: make([]float64, 15)}
	if _, err := MovedMeshes(short, ref); err == nil || !strings.Contains(err.Error(), "15 moved coordinates of 2 samples") || !strings.Contains(err.Error(), "[2, 4, 2], 16 values") {
		t.Errorf("MovedMeshes with 15 coordinates for 2 samples of 4 nodes: %v; want an error naming both counts", err)
	}
}
