package datasets

// #include "h5shim.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// Dtype is the element type of a dataset or attribute as stored in a file.
type Dtype int

// The element types surrogo reads and writes. Files store them as
// little-endian IEEE floats and two's-complement integers.
const (
	Invalid Dtype = iota
	Float32
	Float64
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	String // variable- or fixed-length text (attributes only)
	Other  // compound, enum, opaque, ...: listed by inspect, not read
)

var dtypeNames = [...]string{
	Invalid: "invalid", Float32: "float32", Float64: "float64",
	Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Uint8: "uint8", Uint16: "uint16", Uint32: "uint32", Uint64: "uint64",
	String: "string", Other: "other",
}

// String returns the NumPy-style name ("float32", "int64", ...).
func (d Dtype) String() string {
	if d < 0 || int(d) >= len(dtypeNames) {
		return fmt.Sprintf("Dtype(%d)", int(d))
	}
	return dtypeNames[d]
}

// Size is the number of bytes of one element (0 for String and Other).
func (d Dtype) Size() int {
	switch d {
	case Int8, Uint8:
		return 1
	case Int16, Uint16:
		return 2
	case Float32, Int32, Uint32:
		return 4
	case Float64, Int64, Uint64:
		return 8
	}
	return 0
}

// IsFloat reports whether d is a floating-point type.
func (d Dtype) IsFloat() bool { return d == Float32 || d == Float64 }

// IsInt reports whether d is a signed or unsigned integer type.
func (d Dtype) IsInt() bool { return d >= Int8 && d <= Uint64 }

func (d Dtype) isUnsigned() bool { return d >= Uint8 && d <= Uint64 }

// kind is the shim's element code for d.
func (d Dtype) kind() C.int {
	switch d {
	case Float32:
		return C.SG_FLOAT32
	case Float64:
		return C.SG_FLOAT64
	case Int8:
		return C.SG_INT8
	case Int16:
		return C.SG_INT16
	case Int32:
		return C.SG_INT32
	case Int64:
		return C.SG_INT64
	case Uint8:
		return C.SG_UINT8
	case Uint16:
		return C.SG_UINT16
	case Uint32:
		return C.SG_UINT32
	case Uint64:
		return C.SG_UINT64
	}
	return -1
}

// dtypeFromInfo maps the shim's type description to a Dtype.
func dtypeFromInfo(cls typeClass, size int, signed bool) Dtype {
	switch cls {
	case classFloat:
		switch size {
		case 4:
			return Float32
		case 8:
			return Float64
		}
	case classInt:
		switch {
		case size == 1 && signed:
			return Int8
		case size == 1:
			return Uint8
		case size == 2 && signed:
			return Int16
		case size == 2:
			return Uint16
		case size == 4 && signed:
			return Int32
		case size == 4:
			return Uint32
		case size == 8 && signed:
			return Int64
		case size == 8:
			return Uint64
		}
	case classString:
		return String
	}
	return Other
}

// Number is the set of Go element types the field store reads and writes.
// Go's int is stored as int64.
type Number interface {
	~float32 | ~float64 | ~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Float is the set of floating-point element types.
type Float interface{ ~float32 | ~float64 }

// dtypeOf returns the Dtype that holds a Go value of type T.
func dtypeOf[T Number]() Dtype {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	case int8:
		return Int8
	case int16:
		return Int16
	case int32:
		return Int32
	case int64, int:
		return Int64
	case uint8:
		return Uint8
	case uint16:
		return Uint16
	case uint32:
		return Uint32
	case uint64:
		return Uint64
	}
	// Named types (~float32, ...) take their underlying type's Dtype.
	return dtypeOfUnderlying[T]()
}

// dtypeOfUnderlying tells floats from integers by arithmetic (one half of
// one is zero only for integers) and signed from unsigned by wrap-around.
func dtypeOfUnderlying[T Number]() Dtype {
	var z T
	one := T(1)
	half := one
	half /= 2
	signed := z-one < 0
	size := int(unsafe.Sizeof(z))
	if half != 0 {
		if size == 4 {
			return Float32
		}
		return Float64
	}
	return dtypeFromInfo(classInt, size, signed)
}

// convertible reports whether HDF5 may convert file elements of type from
// into memory elements of type to without losing information silently:
// floats widen or narrow between each other (rounding), integers become
// floats or wider integers; floats never become integers, and integers
// never narrow.
func convertible(from, to Dtype) bool {
	switch {
	case from == to:
		return true
	case from.IsFloat() && to.IsFloat():
		return true
	case from.IsInt() && to.IsFloat():
		return true
	case from.IsInt() && to.IsInt():
		if to.Size() < from.Size() {
			return false
		}
		if from.isUnsigned() == to.isUnsigned() {
			return true
		}
		// Unsigned into a strictly wider signed type is exact.
		return from.isUnsigned() && to.Size() > from.Size()
	}
	return false
}
