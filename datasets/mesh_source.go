package datasets

import (
	"fmt"
	"slices"
	"sync"

	"github.com/surrogo/surrogo/tensor"
)

var _ Source = (*MeshSource)(nil)

// MeshSource reads the node fields of a mesh (the layout of mesh.go)
// sample by sample: the mesh itself is read once at open and shared by
// every batch, and Read reads only its samples' rows of the fields
// dataset (hyperslabs of [S, N, F]). Read and Close may be called from
// several goroutines (one at a time).
type MeshSource struct {
	mu      sync.Mutex
	file    *File
	group   *Group // the mesh group when it is not the root
	mesh    *Mesh
	fields  *Dataset
	samples int
}

// OpenMeshSource opens the mesh at the root of path; see OpenMeshSourceIn.
func OpenMeshSource(path string) (*MeshSource, error) { return OpenMeshSourceIn(path, "/") }

// OpenMeshSourceIn opens the mesh in group of path ("/" for the root),
// reads and checks its nodes, cells and attributes (as ReadMesh does) and
// keeps its fields dataset open until Close. The mesh must have node
// fields and at least one sample.
func OpenMeshSourceIn(path, group string) (*MeshSource, error) {
	if err := Preflight(path); err != nil {
		return nil, err
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	s := &MeshSource{file: f}
	if err := s.open(group); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *MeshSource) open(group string) error {
	g := s.file.Group
	if group != "" && group != "/" {
		var err error
		if s.group, err = s.file.OpenGroup(group); err != nil {
			return err
		}
		g = s.group
	}
	m, err := ReadMesh(g, 0, 0) // the mesh and its attributes; shapes checked, no samples read
	if err != nil {
		return err
	}
	if m.FieldDim == 0 {
		return newErr("read", s.file.name, g.abs(keyFields), ErrLayout, "is absent: the mesh holds no node fields %s to read by sample", axesFields)
	}
	if s.samples, err = MeshSamples(g); err != nil {
		return err
	}
	if s.samples < 1 {
		return newErr("read", s.file.name, g.abs(keyFields), ErrLayout, "holds no samples (shape [0 %d %d])", m.NumNodes(), m.FieldDim)
	}
	m.Fields, m.Moved = nil, nil
	s.mesh = m
	s.fields, err = g.OpenDataset(keyFields)
	return err
}

// Samples is the number of samples S of the node fields.
func (s *MeshSource) Samples() int { return s.samples }

// Mesh is the mesh every batch shares: nodes, cells, FieldDim and
// FieldNames, with Samples 0 and neither Fields nor Moved (a batch's
// values are its NodeFields). It must not be modified.
func (s *MeshSource) Mesh() *Mesh { return s.mesh }

// File is the open file.
func (s *MeshSource) File() *File { return s.file }

// Close closes the fields dataset and the file.
func (s *MeshSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fields != nil {
		s.fields.Close()
		s.fields = nil
	}
	if s.group != nil {
		s.group.Close()
		s.group = nil
	}
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Read returns Batch{Index, Mesh, NodeFields [B, N, F]} for samples idx in
// idx's order, Mesh being the shared mesh. It refuses an index outside
// [0, Samples()) (ErrRange), a batch over ReadLimit (ErrTooLarge, before
// allocating) and NaN or infinite values (ErrNonFinite, naming the
// sample, node and field).
func (s *MeshSource) Read(idx []int) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil, fmt.Errorf("datasets: read from a closed mesh source: %w", ErrClosed)
	}
	n, w := s.mesh.NumNodes(), s.mesh.FieldDim
	for _, i := range idx {
		if i < 0 || i >= s.samples {
			return nil, newErr("read", s.file.name, s.fields.path, ErrRange, "sample %d requested, the mesh holds %d (0 to %d)", i, s.samples, s.samples-1)
		}
	}
	what := fmt.Sprintf("a batch of %d samples of %d nodes with %d fields", len(idx), n, w)
	if err := checkBuffer(s.file.name, s.fields.path, what, elements([]int{len(idx), n, w}), 4); err != nil {
		return nil, err
	}
	b := &Batch{Index: slices.Clone(idx), Mesh: s.mesh, NodeFields: tensor.New[float32](len(idx), n, w)}
	per := n * w
	for k, i := range idx {
		dst := b.NodeFields.Data()[k*per : (k+1)*per]
		if err := ReadSlab(s.fields, []int{i, 0, 0}, []int{1, n, w}, dst); err != nil {
			return nil, err
		}
		if at := firstNonFinite(dst); at >= 0 {
			return nil, newErr("read", s.file.name, s.fields.path, ErrNonFinite, "value %v at %s", dst[at], nodeValueText(at, n, w, i, "field"))
		}
	}
	return b, nil
}
