package experiments

import (
	"errors"
	"fmt"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
)

// The bridge between the mesh layout of the field store (datasets.Mesh,
// docs/DATA.md "Meshes") and the meshes of the mesh movers (mesh.Mesh).
// It lives on floor 5 because mesh, on floor 4, never knows about files
// (docs/ARCHITECTURE.md): it holds geometry, datasets holds HDF5, and the
// pipeline, which knows both, converts between them, as particledata.go
// does for particle trajectories.

// MeshFromDataset returns the mesh.Mesh of a mesh read from a file: its
// nodes and cells, copied. It refuses a mesh that is not 2-D, a cell type
// other than triangle or quad, a malformed mesh (the error names the node
// or cell) and a tangled one (wrapping mesh.ErrTangled, naming the first
// inverted cell). Fields and moved nodes are left out; see MovedMeshes.
func MeshFromDataset(d *datasets.Mesh) (*mesh.Mesh, error) {
	if d == nil {
		return nil, errors.New("experiments: MeshFromDataset: nil mesh")
	}
	if d.Dim != 2 {
		return nil, fmt.Errorf("experiments: MeshFromDataset: a %d-D mesh; the mesh movers want 2-D nodes ([N, 2])", d.Dim)
	}
	t, err := meshCellType(d.CellType)
	if err != nil {
		return nil, fmt.Errorf("experiments: MeshFromDataset: %w", err)
	}
	m := &mesh.Mesh{Type: t, Nodes: append([]float64(nil), d.Nodes...), Cells: append([]int32(nil), d.Cells...)}
	if err := m.CheckUntangled(); err != nil {
		return nil, fmt.Errorf("experiments: MeshFromDataset: %w", err)
	}
	return m, nil
}

// meshCellType maps a stored cell type to mesh's.
func meshCellType(c datasets.CellType) (mesh.CellType, error) {
	switch c {
	case datasets.Triangle:
		return mesh.Triangle, nil
	case datasets.Quad:
		return mesh.Quad, nil
	}
	return 0, fmt.Errorf("cell type %v; want triangle or quad", c)
}

// MeshToDataset returns m in the store's layout: a 2-D datasets.Mesh with
// copies of its nodes and cells and no samples, ready for
// datasets.WriteMesh once fields or moved nodes are added (with Samples).
// m must be valid (mesh.Mesh.Validate); tangled meshes are stored as they
// are, since a mover's failures are worth keeping.
func MeshToDataset(m *mesh.Mesh) (*datasets.Mesh, error) {
	if m == nil {
		return nil, errors.New("experiments: MeshToDataset: nil mesh")
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("experiments: MeshToDataset: %w", err)
	}
	ct := datasets.Triangle
	if m.Type == mesh.Quad {
		ct = datasets.Quad
	}
	return &datasets.Mesh{Dim: 2, CellType: ct, Nodes: append([]float64(nil), m.Nodes...), Cells: append([]int32(nil), m.Cells...)}, nil
}

// MovedMeshes returns one mesh per sample of d's moved nodes: ref (d's own
// mesh, from MeshFromDataset) with that sample's nodes (mesh.Mesh.WithNodes),
// each checked for tangling. An error names the sample by its index in the
// stored mesh (FirstSample + s) and, for a tangled one, the inverted cell.
func MovedMeshes(d *datasets.Mesh, ref *mesh.Mesh) ([]*mesh.Mesh, error) {
	if d == nil || ref == nil {
		return nil, errors.New("experiments: MovedMeshes: nil mesh")
	}
	if d.Moved == nil {
		return nil, errors.New("experiments: MovedMeshes: the mesh has no moved_nodes; want [S, N, 2] moved coordinates")
	}
	n := 2 * ref.NumNodes()
	if d.Dim != 2 || d.Samples < 1 || d.Samples > len(d.Moved)/max(n, 1) || len(d.Moved) != d.Samples*n {
		return nil, fmt.Errorf("experiments: MovedMeshes: %d moved coordinates of %d samples in %d-D; want [S, N, 2] = [%d, %d, 2], %d values",
			len(d.Moved), d.Samples, d.Dim, d.Samples, n/2, d.Samples*n)
	}
	out := make([]*mesh.Mesh, d.Samples)
	for s := range out {
		m, err := ref.WithNodes(d.Moved[s*n : (s+1)*n])
		if err == nil {
			err = m.CheckUntangled()
		}
		if err != nil {
			return nil, fmt.Errorf("experiments: MovedMeshes: sample %d: %w", d.FirstSample+s, err)
		}
		out[s] = m
	}
	return out, nil
}
