package datasets

// #include <stdlib.h>
// #include "h5shim.h"
import "C"

import (
	"fmt"
	"math"
	"sort"
	"unsafe"
)

// object is what groups and datasets share: a place in a file and
// attributes.
type object struct {
	f      *File
	path   string       // absolute path inside the file
	id     func() int64 // the open HDF5 handle
	closed *bool
	what   string // "group" or "dataset", for messages
}

// Path returns the object's absolute path inside the file ("/" for the root).
func (o *object) Path() string { return o.path }

// File returns the file the object belongs to.
func (o *object) File() *File { return o.f }

func (o *object) check(op string) error {
	if *o.closed || o.f.closed {
		return newErr(op, o.f.name, o.path, ErrClosed, "%s is closed", o.what)
	}
	return nil
}

func (o *object) attrObject(name string) string {
	return o.path + "@" + name
}

// AttrInfo describes one attribute: its element type and length. Scalar is
// true for a scalar dataspace (Len is then 1).
type AttrInfo struct {
	Name   string
	Dtype  Dtype
	Len    int
	Scalar bool

	elemSize int // bytes per stored element (a fixed-length string's length)
}

// Attrs lists the object's attributes in name order.
func (o *object) Attrs() ([]AttrInfo, error) {
	if err := o.check("list attributes of"); err != nil {
		return nil, err
	}
	lockH5()
	defer unlockH5()
	id := hid(o.id())
	n := int(C.sg_attr_count(id))
	if n < 0 {
		return nil, h5Err("list attributes of", o.f.name, o.path, "counting attributes")
	}
	out := make([]AttrInfo, 0, n)
	buf := make([]byte, 1024)
	for i := 0; i < n; i++ {
		got := int(C.sg_attr_name(id, C.int(i), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))))
		if got >= len(buf) && got < 1<<20 {
			// A long name: ask again with room for it.
			buf = make([]byte, got+1)
			got = int(C.sg_attr_name(id, C.int(i), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf))))
		}
		if got < 0 {
			return nil, h5Err("list attributes of", o.f.name, o.path, fmt.Sprintf("reading attribute name %d", i))
		}
		if got >= len(buf) {
			got = len(buf) - 1
		}
		name := string(buf[:got])
		info, err := o.attrInfoLocked(name)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// AttrNames lists the object's attribute names in sorted order.
func (o *object) AttrNames() ([]string, error) {
	infos, err := o.Attrs()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(infos))
	for i, a := range infos {
		names[i] = a.Name
	}
	return names, nil
}

// HasAttr reports whether the attribute exists.
func (o *object) HasAttr(name string) bool {
	if o.check("read attribute") != nil {
		return false
	}
	lockH5()
	defer unlockH5()
	cn := cString(name)
	defer freeC(cn)
	return C.sg_attr_exists(hid(o.id()), cn) > 0
}

func (o *object) attrInfoLocked(name string) (AttrInfo, error) {
	cn := cString(name)
	defer freeC(cn)
	exists := C.sg_attr_exists(hid(o.id()), cn)
	if exists < 0 {
		return AttrInfo{}, h5Err("read attribute", o.f.name, o.attrObject(name), "looking up attribute")
	}
	if exists == 0 {
		return AttrInfo{}, newErr("read attribute", o.f.name, o.attrObject(name), ErrNotFound,
			"no attribute %q on %s %s", name, o.what, o.path)
	}
	var cls, signed, vl, rank C.int
	var size C.size_t
	var np C.hsize_t
	if C.sg_attr_info(hid(o.id()), cn, &cls, &size, &signed, &vl, &rank, &np) < 0 {
		return AttrInfo{}, h5Err("read attribute", o.f.name, o.attrObject(name), "describing attribute")
	}
	if rank > 1 {
		// Multi-dimensional attributes are read flattened.
		rank = 1
	}
	if uint64(np) > math.MaxInt32 {
		return AttrInfo{}, newErr("read attribute", o.f.name, o.attrObject(name), ErrCorrupt,
			"the attribute claims %d values; HDF5 attributes hold at most 64 KiB unless stored densely, and this count is not plausible", uint64(np))
	}
	return AttrInfo{
		Name:   name,
		Dtype:  dtypeFromInfo(typeClass(cls), int(size), signed != 0),
		Len:    int(np),
		Scalar: rank == 0,

		elemSize: int(min(uint64(size), math.MaxInt32)),
	}, nil
}

// checkAttrAlloc refuses to read an attribute whose values would not fit
// ReadLimit (elemSize bytes each in memory).
func (o *object) checkAttrAlloc(info AttrInfo, elemSize int) error {
	need := byteCount(max(info.Len, 1), elemSize)
	if need <= ReadLimit() {
		return nil
	}
	mem, src := MemoryAvailable()
	return newErr("read attribute", o.f.name, o.attrObject(info.Name), ErrTooLarge,
		"reading its %d values needs %s, more than the %s one read may use (%s)",
		info.Len, humanBytes(need), humanBytes(ReadLimit()), limitSource(ReadLimit(), mem, src))
}

// SetAttr writes (or replaces) an attribute. Supported values: string,
// []string (stored as variable-length UTF-8, which h5py reads as str),
// float64, float32, int, int32, int64, uint8, bool (stored as uint8 0/1),
// and slices []float64, []float32, []int, []int32, []int64.
func (o *object) SetAttr(name string, value any) error {
	if err := o.check("write attribute"); err != nil {
		return err
	}
	if !o.f.writable {
		return newErr("write attribute", o.f.name, o.attrObject(name), ErrReadOnly, "cannot write attributes")
	}
	if name == "" {
		return newErr("write attribute", o.f.name, o.path, ErrArgument, "attribute name is empty")
	}
	lockH5()
	defer unlockH5()
	cn := cString(name)
	defer freeC(cn)
	id := hid(o.id())
	var rc C.int
	switch v := value.(type) {
	case string:
		rc = writeStringsAttr(id, cn, 0, []string{v})
	case []string:
		rc = writeStringsAttr(id, cn, 1, v)
	case float64:
		rc = C.sg_attr_write_num(id, cn, Float64.kind(), 0, 1, unsafe.Pointer(&v))
	case float32:
		rc = C.sg_attr_write_num(id, cn, Float32.kind(), 0, 1, unsafe.Pointer(&v))
	case int:
		x := int64(v)
		rc = C.sg_attr_write_num(id, cn, Int64.kind(), 0, 1, unsafe.Pointer(&x))
	case int64:
		rc = C.sg_attr_write_num(id, cn, Int64.kind(), 0, 1, unsafe.Pointer(&v))
	case int32:
		rc = C.sg_attr_write_num(id, cn, Int32.kind(), 0, 1, unsafe.Pointer(&v))
	case uint8:
		rc = C.sg_attr_write_num(id, cn, Uint8.kind(), 0, 1, unsafe.Pointer(&v))
	case bool:
		var x uint8
		if v {
			x = 1
		}
		rc = C.sg_attr_write_num(id, cn, Uint8.kind(), 0, 1, unsafe.Pointer(&x))
	case []float64:
		rc = writeNumAttr(id, cn, Float64, v)
	case []float32:
		rc = writeNumAttr(id, cn, Float32, v)
	case []int:
		x := make([]int64, len(v))
		for i := range v {
			x[i] = int64(v[i])
		}
		rc = writeNumAttr(id, cn, Int64, x)
	case []int64:
		rc = writeNumAttr(id, cn, Int64, v)
	case []int32:
		rc = writeNumAttr(id, cn, Int32, v)
	default:
		return newErr("write attribute", o.f.name, o.attrObject(name), ErrArgument,
			"unsupported attribute value of type %T (expected string, number, or a slice of them)", value)
	}
	if rc < 0 {
		return h5Err("write attribute", o.f.name, o.attrObject(name), "writing")
	}
	return nil
}

func writeNumAttr[T Number](id C.hid_t, cn *C.char, d Dtype, v []T) C.int {
	var p unsafe.Pointer
	var dummy T
	if len(v) > 0 {
		p = unsafe.Pointer(&v[0])
	} else {
		p = unsafe.Pointer(&dummy)
	}
	return C.sg_attr_write_num(id, cn, d.kind(), 1, C.hsize_t(len(v)), p)
}

func writeStringsAttr(id C.hid_t, cn *C.char, rank int, v []string) C.int {
	n := len(v)
	// The array of pointers lives in C memory: cgo forbids Go memory that
	// holds Go pointers from being passed to C.
	arr := (**C.char)(C.malloc(C.size_t(max(n, 1)) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(arr))
	ptrs := unsafe.Slice(arr, max(n, 1))
	for i, s := range v {
		ptrs[i] = C.CString(s)
	}
	defer func() {
		for i := 0; i < n; i++ {
			C.free(unsafe.Pointer(ptrs[i]))
		}
	}()
	return C.sg_attr_write_strings(id, cn, C.int(rank), arr, C.size_t(n))
}

// Attr reads an attribute as a Go value: string or []string for text,
// float64 or []float64 for floats, int64 or []int64 for integers. Scalars
// come back as scalars, one-dimensional attributes as slices.
func (o *object) Attr(name string) (any, error) {
	if err := o.check("read attribute"); err != nil {
		return nil, err
	}
	lockH5()
	defer unlockH5()
	info, err := o.attrInfoLocked(name)
	if err != nil {
		return nil, err
	}
	if err := o.checkAttrAlloc(info, max(8, info.elemSize)); err != nil {
		return nil, err
	}
	switch {
	case info.Dtype == String:
		s, err := o.readStringsLocked(info)
		if err != nil {
			return nil, err
		}
		if info.Scalar {
			if len(s) == 0 {
				return "", nil // a null dataspace holds no value
			}
			return s[0], nil
		}
		return s, nil
	case info.Dtype.IsFloat():
		v := make([]float64, max(info.Len, 1))
		if err := o.readNumLocked(info, Float64, unsafe.Pointer(&v[0])); err != nil {
			return nil, err
		}
		if info.Scalar {
			return v[0], nil
		}
		return v[:info.Len], nil
	case info.Dtype.IsInt():
		if info.Dtype == Uint64 {
			v := make([]uint64, max(info.Len, 1))
			if err := o.readNumLocked(info, Uint64, unsafe.Pointer(&v[0])); err != nil {
				return nil, err
			}
			out := make([]int64, len(v))
			for i, x := range v {
				out[i] = int64(x)
			}
			if info.Scalar {
				return out[0], nil
			}
			return out[:info.Len], nil
		}
		v := make([]int64, max(info.Len, 1))
		if err := o.readNumLocked(info, Int64, unsafe.Pointer(&v[0])); err != nil {
			return nil, err
		}
		if info.Scalar {
			return v[0], nil
		}
		return v[:info.Len], nil
	}
	return nil, newErr("read attribute", o.f.name, o.attrObject(name), ErrDtype,
		"attribute has an unsupported type (expected text, float or integer)")
}

func (o *object) readNumLocked(info AttrInfo, as Dtype, p unsafe.Pointer) error {
	cn := cString(info.Name)
	defer freeC(cn)
	if info.Len == 0 {
		return nil
	}
	if C.sg_attr_read_num(hid(o.id()), cn, as.kind(), p) < 0 {
		return h5Err("read attribute", o.f.name, o.attrObject(info.Name), "reading")
	}
	return nil
}

func (o *object) readStringsLocked(info AttrInfo) ([]string, error) {
	n := max(info.Len, 1)
	cn := cString(info.Name)
	defer freeC(cn)
	arr := (**C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(arr))
	ptrs := unsafe.Slice(arr, n)
	if C.sg_attr_read_strings(hid(o.id()), cn, arr, C.size_t(n)) < 0 {
		return nil, h5Err("read attribute", o.f.name, o.attrObject(info.Name), "reading text")
	}
	out := make([]string, n)
	for i := range ptrs {
		if ptrs[i] != nil {
			out[i] = C.GoString(ptrs[i])
			C.free(unsafe.Pointer(ptrs[i]))
		}
	}
	if info.Len == 0 {
		return out[:0], nil
	}
	return out, nil
}

// AttrString reads a text attribute (variable- or fixed-length).
func (o *object) AttrString(name string) (string, error) {
	v, err := o.Attr(name)
	if err != nil {
		return "", err
	}
	switch s := v.(type) {
	case string:
		return s, nil
	case []string:
		if len(s) == 1 {
			return s[0], nil
		}
	}
	return "", newErr("read attribute", o.f.name, o.attrObject(name), ErrDtype,
		"expected a text attribute, found %s", describeValue(v))
}

// AttrFloat64 reads a numeric scalar attribute (float or integer; a
// one-element array is accepted) as float64.
func (o *object) AttrFloat64(name string) (float64, error) {
	v, err := o.Attr(name)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case []float64:
		if len(x) == 1 {
			return x[0], nil
		}
	case []int64:
		if len(x) == 1 {
			return float64(x[0]), nil
		}
	}
	return 0, newErr("read attribute", o.f.name, o.attrObject(name), ErrDtype,
		"expected a numeric scalar attribute, found %s", describeValue(v))
}

// AttrInt64 reads an integer scalar attribute.
func (o *object) AttrInt64(name string) (int64, error) {
	v, err := o.Attr(name)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case []int64:
		if len(x) == 1 {
			return x[0], nil
		}
	}
	return 0, newErr("read attribute", o.f.name, o.attrObject(name), ErrDtype,
		"expected an integer scalar attribute, found %s", describeValue(v))
}

// AttrFloat64s reads a numeric attribute (scalar or array) as []float64.
func (o *object) AttrFloat64s(name string) ([]float64, error) {
	v, err := o.Attr(name)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case float64:
		return []float64{x}, nil
	case []float64:
		return x, nil
	case int64:
		return []float64{float64(x)}, nil
	case []int64:
		out := make([]float64, len(x))
		for i := range x {
			out[i] = float64(x[i])
		}
		return out, nil
	}
	return nil, newErr("read attribute", o.f.name, o.attrObject(name), ErrDtype,
		"expected a numeric attribute, found %s", describeValue(v))
}

// DeleteAttr removes an attribute; removing a missing one is not an error.
func (o *object) DeleteAttr(name string) error {
	if err := o.check("delete attribute"); err != nil {
		return err
	}
	if !o.f.writable {
		return newErr("delete attribute", o.f.name, o.attrObject(name), ErrReadOnly, "cannot delete attributes")
	}
	lockH5()
	defer unlockH5()
	cn := cString(name)
	defer freeC(cn)
	if C.sg_attr_delete(hid(o.id()), cn) < 0 {
		return h5Err("delete attribute", o.f.name, o.attrObject(name), "deleting")
	}
	return nil
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return "text"
	case []string:
		return fmt.Sprintf("%d text values", len(x))
	case float64:
		return "a float"
	case []float64:
		return fmt.Sprintf("%d floats", len(x))
	case int64:
		return "an integer"
	case []int64:
		return fmt.Sprintf("%d integers", len(x))
	}
	return fmt.Sprintf("%T", v)
}
