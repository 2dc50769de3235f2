package datasets

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// writeMeshFile writes a triangle mesh with 5 samples of 2 fields at the
// root and a quad mesh with 3 samples of 1 field in /meshes/coarse.
func writeMeshFile(t *testing.T) (string, *Mesh, *Mesh) {
	t.Helper()
	path := tempFile(t, "mesh.h5")
	f := mustCreate(t, path)
	root := unitSquare(4, 3, Triangle, 5, 2, true)
	root.FieldNames = []string{"u", "v"}
	if err := WriteMesh(f.Group, root); err != nil {
		t.Fatal(err)
	}
	g, err := f.CreateGroup("meshes/coarse")
	if err != nil {
		t.Fatal(err)
	}
	coarse := unitSquare(3, 3, Quad, 3, 1, false)
	if err := WriteMesh(g, coarse); err != nil {
		t.Fatal(err)
	}
	g.Close()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, root, coarse
}

func TestMeshSourceReadsNodeFields(t *testing.T) {
	path, root, coarse := writeMeshFile(t)
	cases := []struct {
		name  string
		group string
		m     *Mesh
		idx   [][]int
	}{
		{"root", "/", root, [][]int{{4, 0, 2}, {1}, {3, 3}, {}}},
		{"group", "/meshes/coarse", coarse, [][]int{{2, 1, 0}, {0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := OpenMeshSourceIn(path, c.group)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.Samples() != c.m.Samples {
				t.Fatalf("Samples() = %d, want %d", src.Samples(), c.m.Samples)
			}
			m := src.Mesh()
			if !slices.Equal(m.Nodes, c.m.Nodes) || !slices.Equal(m.Cells, c.m.Cells) || m.CellType != c.m.CellType ||
				m.Dim != c.m.Dim || m.FieldDim != c.m.FieldDim || !slices.Equal(m.FieldNames, c.m.FieldNames) {
				t.Fatalf("the shared mesh differs from the written one: %+v", m)
			}
			if m.Samples != 0 || m.Fields != nil || m.Moved != nil {
				t.Fatalf("the shared mesh holds %d samples, %d field and %d moved values; want none", m.Samples, len(m.Fields), len(m.Moved))
			}
			n, w := c.m.NumNodes(), c.m.FieldDim
			for _, idx := range c.idx {
				b, err := src.Read(idx)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(b.Index, idx) || b.Mesh != m {
					t.Fatalf("Read(%v): Index %v, Mesh %p, want the shared %p", idx, b.Index, b.Mesh, m)
				}
				if b.Input != nil || b.Target != nil || b.Trajectories != nil {
					t.Fatal("a mesh batch set grid or particle fields")
				}
				var want []float32
				for _, i := range idx {
					want = append(want, c.m.Fields[i*n*w:(i+1)*n*w]...)
				}
				checkTensor(t, "NodeFields", b.NodeFields, []int{len(idx), n, w}, want)
			}
		})
	}
	src, err := OpenMeshSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Samples() != root.Samples {
		t.Fatalf("OpenMeshSource reads the root mesh: %d samples, want %d", src.Samples(), root.Samples)
	}
	ctx := context.Background()
	batches := [][]int{{1, 2}, {0}, {4, 3}}
	st := NewStream(ctx, src, batches, 2)
	defer st.Close()
	n, w := root.NumNodes(), root.FieldDim
	for _, idx := range batches {
		b, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, i := range idx {
			if !slices.Equal(b.NodeFields.Data()[k*n*w:(k+1)*n*w], root.Fields[i*n*w:(i+1)*n*w]) {
				t.Fatalf("streamed batch %v, sample %d differs", idx, i)
			}
		}
	}
	if _, err := st.Next(ctx); err != io.EOF {
		t.Fatalf("Next after the last batch = %v, want io.EOF", err)
	}
}

func TestMeshSourceRefuses(t *testing.T) {
	path, root, _ := writeMeshFile(t)
	dir := t.TempDir()
	movedOnly := filepath.Join(dir, "moved.h5")
	f := mustCreate(t, movedOnly)
	m := unitSquare(3, 2, Triangle, 2, 0, true)
	if err := WriteMesh(f.Group, m); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// A mesh whose fields (written around WriteMesh's checks) hold a NaN
	// at sample 1, node 4, field 0.
	nan := filepath.Join(dir, "nan.h5")
	f = mustCreate(t, nan)
	if err := WriteMesh(f.Group, unitSquare(3, 2, Triangle, 3, 0, true)); err != nil {
		t.Fatal(err)
	}
	vals := make([]float32, 3*6)
	vals[1*6+4] = float32(math.NaN())
	if err := Write(f.Group, "fields", []int{3, 6, 1}, vals, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	particles, _ := writeParticleFile(t)

	for _, c := range []struct {
		name     string
		path     string
		group    string
		sentinel error
		mentions []string
	}{
		{"a mesh without fields", movedOnly, "/", ErrLayout, []string{"/fields", "no node fields"}},
		{"a missing group", path, "/meshes/fine", ErrNotFound, []string{"/meshes/fine"}},
		{"a file without a mesh", particles, "/", ErrNotFound, []string{"cell_type"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, err := OpenMeshSourceIn(c.path, c.group)
			if err == nil {
				src.Close()
				t.Fatalf("opened, want %v", c.sentinel)
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("OpenMeshSourceIn = %v, want %v", err, c.sentinel)
			}
			assertMentions(t, err, append(c.mentions, c.path)...)
		})
	}

	src, err := OpenMeshSource(nan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read([]int{0, 2}); err != nil {
		t.Fatalf("samples without the NaN: %v", err)
	}
	if _, err := src.Read([]int{0, 1}); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("Read of a NaN field = %v, want ErrNonFinite", err)
	} else {
		assertMentions(t, err, "sample 1, node 4, field 0", "/fields", nan)
	}
	src.Close()

	src, err = OpenMeshSource(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range [][]int{{5}, {0, -1}} {
		_, err := src.Read(idx)
		if !errors.Is(err, ErrRange) {
			t.Fatalf("Read(%v) = %v, want ErrRange", idx, err)
		}
		assertMentions(t, err, "holds 5 (0 to 4)")
	}
	// The limit at 5 samples, the fields' chunk (WriteMesh chunks them
	// whole): a batch of 6 repeats one but would exceed it.
	per := root.NumNodes() * root.FieldDim * 4
	prev := SetReadLimit(int64(5 * per))
	if _, err := src.Read([]int{1, 2, 3, 4, 0}); err != nil {
		t.Errorf("a batch at the read limit: %v", err)
	}
	_, err = src.Read([]int{1, 2, 3, 4, 0, 1})
	SetReadLimit(prev)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a batch over the read limit: %v, want ErrTooLarge", err)
	}
	assertMentions(t, err, "a batch of 6 samples of 12 nodes with 2 fields")
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read([]int{0}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}
