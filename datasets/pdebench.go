package datasets

import (
	"fmt"
	"sort"
	"strings"
)

// Layout names how a file arranges its fields. surrogo reads and writes the
// layouts PDEBench ships (Takamoto et al., NeurIPS 2022 Datasets track):
//
//	LayoutTensor        tensor [N, T, X(, Y(, Z))] float32, x-coordinate [X],
//	                    (y-, z-coordinate,) t-coordinate [T+1 or T];
//	                    parameters (Nu, beta, rho, ...) as root attributes.
//	                    1D advection, Burgers, diffusion-reaction; surrogo's
//	                    own time-dependent scalar fields.
//	LayoutDarcy         tensor [N, 1, X, Y] (the solution u), nu [N, X, Y]
//	                    (the coefficient a), x-/y-coordinate, attribute beta.
//	LayoutSampleGroups  one group per sample, "0000", "0001", ...: data
//	                    [T, X(, Y), C], grid/x, grid/y, grid/t, and the
//	                    group attribute config (2D diffusion-reaction,
//	                    shallow water, diffusion-sorption).
//	LayoutCFD           density, pressure, Vx(, Vy, Vz) [N, T, X(, Y(, Z))]
//	                    with x-/y-/z-/t-coordinate (compressible NS).
type Layout int

// The layouts DetectLayout recognises.
const (
	LayoutUnknown Layout = iota
	LayoutTensor
	LayoutDarcy
	LayoutSampleGroups
	LayoutCFD
)

// String names the layout ("pdebench-tensor", ...).
func (l Layout) String() string {
	switch l {
	case LayoutTensor:
		return "pdebench-tensor"
	case LayoutDarcy:
		return "pdebench-darcy"
	case LayoutSampleGroups:
		return "pdebench-sample-groups"
	case LayoutCFD:
		return "pdebench-cfd"
	}
	return "unknown"
}

// Coordinate dataset names used by PDEBench.
const (
	keyTensor = "tensor"
	keyNu     = "nu"
	keyX      = "x-coordinate"
	keyY      = "y-coordinate"
	keyZ      = "z-coordinate"
	keyT      = "t-coordinate"
)

// CFDFields are the per-variable datasets of PDEBench's CFD files, in order.
var CFDFields = []string{"density", "pressure", "Vx", "Vy", "Vz"}

// DetectLayout looks at the datasets at the root of f and names its layout.
func DetectLayout(f *File) (Layout, error) {
	entries, err := f.Entries()
	if err != nil {
		return LayoutUnknown, err
	}
	has := map[string]Kind{}
	groups := 0
	for _, e := range entries {
		has[e.Name] = e.Kind
		if e.Kind == KindGroup && isSampleGroupName(e.Name) {
			groups++
		}
	}
	switch {
	case has[keyTensor] == KindDataset && has[keyNu] == KindDataset:
		return LayoutDarcy, nil
	case has[keyTensor] == KindDataset:
		return LayoutTensor, nil
	case has["density"] == KindDataset && has["Vx"] == KindDataset:
		return LayoutCFD, nil
	case groups > 0:
		return LayoutSampleGroups, nil
	}
	return LayoutUnknown, nil
}

func isSampleGroupName(s string) bool {
	if len(s) == 0 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Coordinates are the grid axes of a field; nil where an axis is absent.
type Coordinates struct {
	X, Y, Z, T []float64
}

// TensorSet is a time-dependent scalar field in PDEBench's "tensor" layout.
type TensorSet struct {
	Shape  []int     // [N, T, X(, Y(, Z))]
	Data   []float32 // row-major, product(Shape) values
	Coords Coordinates
	// Params are numeric root attributes: the PDE's parameters (Nu, beta,
	// rho, ...).
	Params map[string]float64
}

// Samples returns the number of samples (Shape[0]).
func (s *TensorSet) Samples() int { return s.Shape[0] }

// WriteTensorSet writes s at the root of f in PDEBench's tensor layout, with
// the default field compression. The time coordinate may have T or T+1
// entries (PDEBench's 1D files store T+1).
func WriteTensorSet(f *File, s *TensorSet) error {
	if len(s.Shape) < 3 || len(s.Shape) > 5 {
		return newErr("write", f.name, "/"+keyTensor, ErrShape,
			"expected shape [N, T, X(, Y(, Z))], found %v", s.Shape)
	}
	if err := checkCoords(f, "write", "/"+keyTensor, s.Shape[1:], s.Coords); err != nil {
		return err
	}
	if err := Write(f.Group, keyTensor, s.Shape, s.Data, nil); err != nil {
		return err
	}
	if err := writeCoords(f, s.Coords); err != nil {
		return err
	}
	return writeParams(f.Group, s.Params)
}

// ReadTensorSet reads n samples starting at start (n < 0: all from start)
// from a file in the tensor layout, checking that the coordinates match the
// field's shape.
func ReadTensorSet(f *File, start, n int) (*TensorSet, error) {
	d, err := f.OpenDataset(keyTensor)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if d.Rank() < 3 || d.Rank() > 5 {
		return nil, newErr("read", f.name, d.path, ErrLayout,
			"expected tensor of shape [N, T, X(, Y(, Z))], found %v", d.shape)
	}
	if n < 0 {
		n = d.Len() - start
	}
	data, err := ReadSamples[float32](d, start, n)
	if err != nil {
		return nil, err
	}
	shape := d.Shape()
	shape[0] = n
	c, err := readCoords(f, len(shape)-2)
	if err != nil {
		return nil, err
	}
	if err := checkCoords(f, "read", d.path, shape[1:], c); err != nil {
		return nil, err
	}
	params, err := readParams(f.Group)
	if err != nil {
		return nil, err
	}
	return &TensorSet{Shape: shape, Data: data, Coords: c, Params: params}, nil
}

// DarcySet is steady 2D Darcy flow in PDEBench's layout: coefficient a (nu)
// and solution u (tensor) on an X x Y grid.
type DarcySet struct {
	N, X, Y int
	Nu      []float32 // [N, X, Y]
	U       []float32 // [N, 1, X, Y]
	Coords  Coordinates
	Beta    float64 // the forcing constant; stored as root attribute "beta"
	Params  map[string]float64
}

// WriteDarcy writes s at the root of f.
func WriteDarcy(f *File, s *DarcySet) error {
	if s.N*s.X*s.Y != len(s.Nu) || len(s.Nu) != len(s.U) {
		return newErr("write", f.name, "/"+keyNu, ErrShape,
			"expected %d x %d x %d = %d values in nu and tensor, found %d and %d",
			s.N, s.X, s.Y, s.N*s.X*s.Y, len(s.Nu), len(s.U))
	}
	if err := checkCoords(f, "write", "/"+keyTensor, []int{-1, s.X, s.Y}, s.Coords); err != nil {
		return err
	}
	if err := Write(f.Group, keyTensor, []int{s.N, 1, s.X, s.Y}, s.U, nil); err != nil {
		return err
	}
	if err := Write(f.Group, keyNu, []int{s.N, s.X, s.Y}, s.Nu, nil); err != nil {
		return err
	}
	if err := writeCoords(f, s.Coords); err != nil {
		return err
	}
	if err := f.SetAttr("beta", s.Beta); err != nil {
		return err
	}
	return writeParams(f.Group, s.Params)
}

// ReadDarcy reads n samples (n < 0: all) starting at start.
func ReadDarcy(f *File, start, n int) (*DarcySet, error) {
	u, err := f.OpenDataset(keyTensor)
	if err != nil {
		return nil, err
	}
	defer u.Close()
	nu, err := f.OpenDataset(keyNu)
	if err != nil {
		return nil, err
	}
	defer nu.Close()
	us, ns := u.Shape(), nu.Shape()
	if len(us) != 4 || us[1] != 1 || len(ns) != 3 || ns[0] != us[0] || ns[1] != us[2] || ns[2] != us[3] {
		return nil, newErr("read", f.name, "/"+keyTensor, ErrLayout,
			"expected tensor [N, 1, X, Y] and nu [N, X, Y], found %v and %v", us, ns)
	}
	if n < 0 {
		n = us[0] - start
	}
	s := &DarcySet{N: n, X: us[2], Y: us[3]}
	if s.U, err = ReadSamples[float32](u, start, n); err != nil {
		return nil, err
	}
	if s.Nu, err = ReadSamples[float32](nu, start, n); err != nil {
		return nil, err
	}
	if s.Coords, err = readCoords(f, 2); err != nil {
		return nil, err
	}
	if err := checkCoords(f, "read", "/"+keyTensor, []int{-1, s.X, s.Y}, s.Coords); err != nil {
		return nil, err
	}
	if s.Params, err = readParams(f.Group); err != nil {
		return nil, err
	}
	if b, ok := s.Params["beta"]; ok {
		s.Beta = b
	}
	return s, nil
}

// SampleGroup is one sample of PDEBench's per-sample-group layout.
type SampleGroup struct {
	Name   string    // "0000", "0001", ...
	Shape  []int     // [T, X(, Y(, Z)), C]
	Data   []float32 // row-major
	Grid   Coordinates
	Config string // the generator's configuration (YAML in PDEBench)
}

// SampleGroupName formats sample i as PDEBench does ("0007").
func SampleGroupName(i int) string { return fmt.Sprintf("%04d", i) }

// WriteSampleGroup writes one sample group at the root of f.
func WriteSampleGroup(f *File, s *SampleGroup) error {
	p := "/" + s.Name
	if !isSampleGroupName(s.Name) {
		return newErr("write", f.name, p, ErrArgument, "sample group name %q must be digits, e.g. %q", s.Name, SampleGroupName(0))
	}
	if len(s.Shape) < 3 || len(s.Shape) > 5 {
		return newErr("write", f.name, p+"/data", ErrShape, "expected shape [T, X(, Y(, Z)), C], found %v", s.Shape)
	}
	spatial := append([]int{s.Shape[0]}, s.Shape[1:len(s.Shape)-1]...)
	if err := checkCoords(f, "write", p+"/data", spatial, s.Grid); err != nil {
		return err
	}
	g, err := f.CreateGroup(s.Name)
	if err != nil {
		return err
	}
	defer g.Close()
	if err := Write(g, "data", s.Shape, s.Data, nil); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"grid/x", s.Grid.X}, {"grid/y", s.Grid.Y}, {"grid/z", s.Grid.Z}, {"grid/t", s.Grid.T}} {
		if c.v == nil {
			continue
		}
		if err := Write(g, c.name, []int{len(c.v)}, c.v, &Options{Dtype: Float32}); err != nil {
			return err
		}
	}
	if s.Config != "" {
		return g.SetAttr("config", s.Config)
	}
	return nil
}

// SampleGroupNames lists the sample groups at the root of f in order.
func SampleGroupNames(f *File) ([]string, error) {
	entries, err := f.Entries()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Kind == KindGroup && isSampleGroupName(e.Name) {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadSampleGroup reads the sample group name.
func ReadSampleGroup(f *File, name string) (*SampleGroup, error) {
	g, err := f.OpenGroup(name)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	data, shape, err := Read[float32](g, "data")
	if err != nil {
		return nil, err
	}
	if len(shape) < 3 || len(shape) > 5 {
		return nil, newErr("read", f.name, g.path+"/data", ErrLayout, "expected shape [T, X(, Y(, Z)), C], found %v", shape)
	}
	s := &SampleGroup{Name: strings.TrimPrefix(g.path, "/"), Shape: shape, Data: data}
	for _, c := range []struct {
		name string
		dst  *[]float64
	}{{"grid/x", &s.Grid.X}, {"grid/y", &s.Grid.Y}, {"grid/z", &s.Grid.Z}, {"grid/t", &s.Grid.T}} {
		if g.Kind(c.name) != KindDataset {
			continue
		}
		if *c.dst, _, err = Read[float64](g, c.name); err != nil {
			return nil, err
		}
	}
	spatial := append([]int{shape[0]}, shape[1:len(shape)-1]...)
	if err := checkCoords(f, "read", g.path+"/data", spatial, s.Grid); err != nil {
		return nil, err
	}
	if g.HasAttr("config") {
		if s.Config, err = g.AttrString("config"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// CFDSet is PDEBench's compressible-flow layout: one dataset per variable.
type CFDSet struct {
	Shape  []int                // [N, T, X(, Y(, Z))]
	Fields map[string][]float32 // density, pressure, Vx(, Vy, Vz)
	Coords Coordinates
	Params map[string]float64
}

// cfdFieldsFor returns the variables a CFD set of the given spatial
// dimension holds.
func cfdFieldsFor(dim int) []string { return CFDFields[:2+dim] }

// WriteCFD writes s at the root of f.
func WriteCFD(f *File, s *CFDSet) error {
	if len(s.Shape) < 3 || len(s.Shape) > 5 {
		return newErr("write", f.name, "/density", ErrShape, "expected shape [N, T, X(, Y(, Z))], found %v", s.Shape)
	}
	if err := checkCoords(f, "write", "/density", s.Shape[1:], s.Coords); err != nil {
		return err
	}
	for _, name := range cfdFieldsFor(len(s.Shape) - 2) {
		v, ok := s.Fields[name]
		if !ok {
			return newErr("write", f.name, "/"+name, ErrNotFound, "a %dD CFD set needs field %q", len(s.Shape)-2, name)
		}
		if err := Write(f.Group, name, s.Shape, v, nil); err != nil {
			return err
		}
	}
	if err := writeCoords(f, s.Coords); err != nil {
		return err
	}
	return writeParams(f.Group, s.Params)
}

// ReadCFD reads n samples (n < 0: all) starting at start.
func ReadCFD(f *File, start, n int) (*CFDSet, error) {
	d, err := f.OpenDataset("density")
	if err != nil {
		return nil, err
	}
	shape := d.Shape()
	d.Close()
	if len(shape) < 3 || len(shape) > 5 {
		return nil, newErr("read", f.name, "/density", ErrLayout, "expected shape [N, T, X(, Y(, Z))], found %v", shape)
	}
	if n < 0 {
		n = shape[0] - start
	}
	s := &CFDSet{Fields: map[string][]float32{}}
	for _, name := range cfdFieldsFor(len(shape) - 2) {
		d, err := f.OpenDataset(name)
		if err != nil {
			return nil, err
		}
		if got := d.Shape(); fmt.Sprint(got) != fmt.Sprint(shape) {
			d.Close()
			return nil, newErr("read", f.name, d.path, ErrLayout, "expected shape %v like /density, found %v", shape, got)
		}
		v, err := ReadSamples[float32](d, start, n)
		d.Close()
		if err != nil {
			return nil, err
		}
		s.Fields[name] = v
	}
	s.Shape = append([]int{n}, shape[1:]...)
	if s.Coords, err = readCoords(f, len(shape)-2); err != nil {
		return nil, err
	}
	if err := checkCoords(f, "read", "/density", shape[1:], s.Coords); err != nil {
		return nil, err
	}
	if s.Params, err = readParams(f.Group); err != nil {
		return nil, err
	}
	return s, nil
}

// checkCoords verifies coordinate lengths against dims = [T, X(, Y(, Z))];
// a negative T skips the time axis. The time axis may hold T or T+1 values
// (PDEBench's 1D sets store the final time too).
func checkCoords(f *File, op, object string, dims []int, c Coordinates) error {
	axes := []struct {
		name string
		v    []float64
	}{{keyX, c.X}, {keyY, c.Y}, {keyZ, c.Z}}
	spatial := dims[1:]
	for i, a := range axes {
		switch {
		case i < len(spatial) && a.v != nil && len(a.v) != spatial[i]:
			return newErr(op, f.name, object, ErrLayout, "%s has %d values, expected %d (the field's axis %d)", a.name, len(a.v), spatial[i], i+2)
		case i >= len(spatial) && a.v != nil:
			return newErr(op, f.name, object, ErrLayout, "%s given for a %dD field", a.name, len(spatial))
		}
	}
	if dims[0] >= 0 && c.T != nil && len(c.T) != dims[0] && len(c.T) != dims[0]+1 {
		return newErr(op, f.name, object, ErrLayout, "%s has %d values, expected %d or %d (the field's time axis)", keyT, len(c.T), dims[0], dims[0]+1)
	}
	return nil
}

func writeCoords(f *File, c Coordinates) error {
	for _, a := range []struct {
		name string
		v    []float64
	}{{keyX, c.X}, {keyY, c.Y}, {keyZ, c.Z}, {keyT, c.T}} {
		if a.v == nil {
			continue
		}
		if err := Write(f.Group, a.name, []int{len(a.v)}, a.v, &Options{Dtype: Float32}); err != nil {
			return err
		}
	}
	return nil
}

// readCoords reads the coordinates present for a field of spatial
// dimension dim.
func readCoords(f *File, dim int) (Coordinates, error) {
	var c Coordinates
	dst := []*[]float64{&c.X, &c.Y, &c.Z}
	names := []string{keyX, keyY, keyZ}
	for i := 0; i < dim && i < 3; i++ {
		if f.Kind(names[i]) != KindDataset {
			continue
		}
		v, _, err := Read[float64](f.Group, names[i])
		if err != nil {
			return c, err
		}
		*dst[i] = v
	}
	if f.Kind(keyT) == KindDataset {
		v, _, err := Read[float64](f.Group, keyT)
		if err != nil {
			return c, err
		}
		c.T = v
	}
	return c, nil
}

func writeParams(g *Group, params map[string]float64) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := g.SetAttr(k, params[k]); err != nil {
			return err
		}
	}
	return nil
}

// readParams collects the numeric scalar attributes of g.
func readParams(g *Group) (map[string]float64, error) {
	infos, err := g.Attrs()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, a := range infos {
		if !(a.Dtype.IsFloat() || a.Dtype.IsInt()) || a.Len != 1 {
			continue
		}
		v, err := g.AttrFloat64(a.Name)
		if err != nil {
			return nil, err
		}
		out[a.Name] = v
	}
	return out, nil
}
