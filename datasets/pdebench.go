package datasets

import (
	"fmt"
	"math"
	"slices"
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

// Axis layouts named in messages.
const (
	axesTimeField   = "[N, T, X(, Y(, Z))]"
	axesDarcyU      = "[N, 1, X, Y]"
	axesDarcyNu     = "[N, X, Y]"
	axesSampleGroup = "[T, X(, Y(, Z)), C]"
)

// checkField verifies a field dataset before reading it: its rank (between
// lo and hi, axes naming the layout) and a floating-point type.
func checkField(d *Dataset, lo, hi int, axes string) error {
	if r := d.Rank(); r < lo || r > hi {
		return newErr("read", d.f.name, d.path, ErrLayout, "has rank %d (shape %v), expected %s", r, d.shape, axes)
	}
	if !d.dtype.IsFloat() {
		hint := ""
		if d.dtype.IsInt() {
			hint = " (a field stored as integers has lost its fractional part)"
		}
		return newErr("read", d.f.name, d.path, ErrDtype, "stores %s values, expected a float32 or float64 field%s", d.dtype, hint)
	}
	for i, n := range d.shape[1:] {
		if n == 0 {
			return newErr("read", d.f.name, d.path, ErrLayout, "axis %d of shape %v is empty, expected %s with every axis at least 1", i+1, d.shape, axes)
		}
	}
	return nil
}

// checkFinite refuses field values that are NaN or infinite, naming how
// many there are and the first one's sample (counted from first) and
// position in it (sample has the per-sample shape); with first < 0 the
// data is one sample (a sample group's) and only the position is named.
func checkFinite(d *Dataset, data []float32, sample []int, first int) error {
	nan, inf, at := 0, 0, -1
	for i, v := range data {
		switch {
		case v != v:
			nan++
		case v > math.MaxFloat32 || v < -math.MaxFloat32:
			inf++
		default:
			continue
		}
		if at < 0 {
			at = i
		}
	}
	if at < 0 {
		return nil
	}
	var what []string
	if nan > 0 {
		what = append(what, fmt.Sprintf("%d NaN", nan))
	}
	if inf > 0 {
		what = append(what, fmt.Sprintf("%d infinite", inf))
	}
	if first < 0 {
		return newErr("read", d.f.name, d.path, ErrNonFinite, "%s values, first at %v (of shape %v)",
			strings.Join(what, " and "), unravel(at, sample), sample)
	}
	per := max(elements(sample), 1)
	return newErr("read", d.f.name, d.path, ErrNonFinite, "%s values, first in sample %d at %v (of a sample shaped %v)",
		strings.Join(what, " and "), first+at/per, unravel(at%per, sample), sample)
}

// unravel turns a row-major offset into an index of shape.
func unravel(k int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] > 0 {
			idx[i] = k % shape[i]
			k /= shape[i]
		}
	}
	return idx
}

// readFieldSamples reads samples [start, start+n) (n < 0: all from start)
// of a checked field and refuses non-finite values; it returns the data
// and the shape read.
func readFieldSamples(d *Dataset, start, n int) ([]float32, []int, error) {
	if n < 0 {
		n = max(d.Len()-start, 0)
	}
	data, err := ReadSamples[float32](d, start, n)
	if err != nil {
		return nil, nil, err
	}
	if err := checkFinite(d, data, d.shape[1:], start); err != nil {
		return nil, nil, err
	}
	shape := d.Shape()
	shape[0] = n
	return data, shape, nil
}

// ReadTensorSet reads n samples starting at start (n < 0: all from start)
// from a file in the tensor layout. It refuses a tensor of another rank, of
// integers, or holding NaN or infinite values, and coordinates that are
// not one finite, strictly monotone value per grid point.
func ReadTensorSet(f *File, start, n int) (*TensorSet, error) {
	d, err := f.OpenDataset(keyTensor)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := checkField(d, 3, 5, axesTimeField); err != nil {
		return nil, err
	}
	c, err := readCoords(f, d.path, d.shape[1:])
	if err != nil {
		return nil, err
	}
	data, shape, err := readFieldSamples(d, start, n)
	if err != nil {
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
	if err := checkField(u, 4, 4, axesDarcyU); err != nil {
		return nil, err
	}
	if err := checkField(nu, 3, 3, axesDarcyNu); err != nil {
		return nil, err
	}
	us, ns := u.Shape(), nu.Shape()
	if us[1] != 1 {
		return nil, newErr("read", f.name, u.path, ErrLayout,
			"has shape %v: %d values on its second axis, expected %s (one steady solution per sample)", us, us[1], axesDarcyU)
	}
	if ns[0] != us[0] || ns[1] != us[2] || ns[2] != us[3] {
		return nil, newErr("read", f.name, nu.path, ErrLayout,
			"has shape %v, expected [%d %d %d] to match %s %v", ns, us[0], us[2], us[3], u.path, us)
	}
	s := &DarcySet{X: us[2], Y: us[3]}
	if s.Coords, err = readCoords(f, u.path, []int{-1, s.X, s.Y}); err != nil {
		return nil, err
	}
	var shape []int
	if s.U, shape, err = readFieldSamples(u, start, n); err != nil {
		return nil, err
	}
	s.N = shape[0]
	if s.Nu, _, err = readFieldSamples(nu, start, n); err != nil {
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
	d, err := g.OpenDataset("data")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := checkField(d, 3, 5, axesSampleGroup); err != nil {
		return nil, err
	}
	shape := d.Shape()
	spatial := append([]int{shape[0]}, shape[1:len(shape)-1]...)
	s := &SampleGroup{Name: strings.TrimPrefix(g.path, "/"), Shape: shape}
	axes := []struct {
		name string
		dst  *[]float64
		n    int // expected values; T may also be T+1
	}{{"grid/x", &s.Grid.X, 0}, {"grid/y", &s.Grid.Y, 0}, {"grid/z", &s.Grid.Z, 0}, {"grid/t", &s.Grid.T, spatial[0]}}
	for i, a := range axes {
		if g.Kind(a.name) != KindDataset {
			continue
		}
		n := a.n
		if i < 3 {
			if i >= len(spatial)-1 {
				return nil, newErr("read", f.name, g.abs(a.name), ErrLayout, "given for a %dD field %s %v", len(spatial)-1, d.path, shape)
			}
			n = spatial[i+1]
		}
		if *a.dst, err = readAxis(g, a.name, d.path, n, i == 3); err != nil {
			return nil, err
		}
	}
	if s.Data, err = ReadAll[float32](d); err != nil {
		return nil, err
	}
	if err := checkFinite(d, s.Data, shape, -1); err != nil {
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
	err = checkField(d, 3, 5, axesTimeField)
	shape := d.Shape()
	d.Close()
	if err != nil {
		return nil, err
	}
	s := &CFDSet{Fields: map[string][]float32{}}
	if s.Coords, err = readCoords(f, "/density", shape[1:]); err != nil {
		return nil, err
	}
	for _, name := range cfdFieldsFor(len(shape) - 2) {
		d, err := f.OpenDataset(name)
		if err != nil {
			return nil, err
		}
		if got := d.Shape(); !slices.Equal(got, shape) {
			d.Close()
			return nil, newErr("read", f.name, d.path, ErrLayout, "has shape %v, expected %v like /density", got, shape)
		}
		if err := checkField(d, 3, 5, axesTimeField); err != nil {
			d.Close()
			return nil, err
		}
		v, got, err := readFieldSamples(d, start, n)
		d.Close()
		if err != nil {
			return nil, err
		}
		s.Fields[name] = v
		s.Shape = got
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
	for _, a := range []struct {
		name string
		v    []float64
	}{{keyX, c.X}, {keyY, c.Y}, {keyZ, c.Z}, {keyT, c.T}} {
		if err := checkAxisValues(f.name, op, "/"+a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// checkAxisValues refuses coordinates that are not finite or not strictly
// monotone (increasing or decreasing), naming the first offending index.
func checkAxisValues(file, op, object string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return newErr(op, file, object, ErrNonFinite, "coordinate %d of %d is %v, expected finite values", i, len(v), x)
		}
	}
	if len(v) < 2 {
		return nil
	}
	up := v[1] > v[0]
	for i := 1; i < len(v); i++ {
		if (up && v[i] > v[i-1]) || (!up && v[i] < v[i-1]) {
			continue
		}
		if v[i] == v[i-1] {
			return newErr(op, file, object, ErrLayout,
				"coordinates are not strictly monotone: values %d and %d are both %v", i-1, i, v[i])
		}
		dir := "increasing"
		if !up {
			dir = "decreasing"
		}
		return newErr(op, file, object, ErrLayout,
			"coordinates are not monotone: value %d is %v after %v, but the axis starts %s", i, v[i], v[i-1], dir)
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

// readCoords reads the coordinates present for a field of dims = [T,
// X(, Y(, Z))] (T < 0: no time axis), checking each axis's shape against
// the field before reading it and its values after.
func readCoords(f *File, field string, dims []int) (Coordinates, error) {
	var c Coordinates
	dst := []*[]float64{&c.X, &c.Y, &c.Z}
	names := []string{keyX, keyY, keyZ}
	spatial := dims[1:]
	for i := range names {
		if f.Kind(names[i]) != KindDataset {
			continue
		}
		if i >= len(spatial) {
			return c, newErr("read", f.name, "/"+names[i], ErrLayout, "given for a %dD field %s %v", len(spatial), field, dims)
		}
		v, err := readAxis(f.Group, names[i], field, spatial[i], false)
		if err != nil {
			return c, err
		}
		*dst[i] = v
	}
	if dims[0] >= 0 && f.Kind(keyT) == KindDataset {
		v, err := readAxis(f.Group, keyT, field, dims[0], true)
		if err != nil {
			return c, err
		}
		c.T = v
	}
	return c, nil
}

// readAxis reads the coordinate dataset name under g, which must be
// one-dimensional with n values (or n+1 for a time axis, as PDEBench's 1D
// sets store), finite and strictly monotone.
func readAxis(g *Group, name, field string, n int, time bool) ([]float64, error) {
	d, err := g.OpenDataset(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	want := fmt.Sprint(n)
	if time {
		want = fmt.Sprintf("%d or %d", n, n+1)
	}
	if d.Rank() != 1 {
		return nil, newErr("read", d.f.name, d.path, ErrLayout, "has shape %v, expected one axis of %s values (the grid of %s)", d.shape, want, field)
	}
	if l := d.shape[0]; l != n && !(time && l == n+1) {
		return nil, newErr("read", d.f.name, d.path, ErrLayout, "has %d values, expected %s (the grid of %s)", l, want, field)
	}
	v, err := ReadAll[float64](d)
	if err != nil {
		return nil, err
	}
	return v, checkAxisValues(d.f.name, "read", d.path, v)
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
