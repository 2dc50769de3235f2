package datasets

// #cgo pkg-config: hdf5
// #cgo LDFLAGS: -lhdf5 -llzf
// #include <stdlib.h>
// #include "h5shim.h"
import "C"

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"gonum.org/v1/hdf5"
)

// h5mu serialises every call into libhdf5. Debian's (and most HPC sites')
// serial HDF5 build is not thread-safe, and the field store is used from
// concurrent goroutines (data loaders, generators).
var h5mu sync.Mutex

// lockH5 takes h5mu and silences HDF5's automatic error printing on the
// calling OS thread: a thread-safe libhdf5 keeps that setting per thread,
// and Go runs calls on whichever thread is free, so one call at start-up
// is not enough (a full disk printed a 40-line stack otherwise). Errors
// reach the user through lastH5Error.
func lockH5() {
	h5mu.Lock()
	C.sg_quiet()
}

// initErr records whether the LZF codec could be registered; reading an
// LZF-compressed dataset reports it.
var initErr error

// lzfBuiltin reports whether LZF goes through surrogo's own codec (linked
// against liblzf) rather than an HDF5 plugin found on the plugin path.
var lzfBuiltin bool

func init() {
	// Importing gonum.org/v1/hdf5 has already called H5open and silenced the
	// automatic error printing; keep it that way.
	_ = hdf5.DisplayErrors(false)
	switch C.sg_init() {
	case -1:
		initErr = fmt.Errorf("registering the LZF filter: %s", lastH5Error())
	case 1:
		lzfBuiltin = true
	}
}

// lastH5Error returns the current HDF5 error stack as one line and clears it.
// Callers hold h5mu.
func lastH5Error() string {
	buf := make([]byte, 640)
	C.sg_error_message((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	// Some HDF5 messages span lines; errors here are one line.
	return strings.Join(strings.Fields(string(buf)), " ")
}

// cString converts s for a C call; the caller frees it.
func cString(s string) *C.char { return C.CString(s) }

func freeC(p *C.char) { C.free(unsafe.Pointer(p)) }

// hid converts a binding identifier to the C handle type.
func hid(id int64) C.hid_t { return C.hid_t(id) }

// hsizes converts Go dimensions to a C array (nil for an empty slice).
func hsizes(v []int) []C.hsize_t {
	if len(v) == 0 {
		return nil
	}
	out := make([]C.hsize_t, len(v))
	for i, x := range v {
		if x < 0 {
			out[i] = C.hsize_t(^uint64(0)) // H5S_UNLIMITED
		} else {
			out[i] = C.hsize_t(x)
		}
	}
	return out
}

func hsizePtr(v []C.hsize_t) *C.hsize_t {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// typeClass is the coarse HDF5 type class of a dataset or attribute.
type typeClass int

const (
	classInt    typeClass = C.SG_CLASS_INT
	classFloat  typeClass = C.SG_CLASS_FLOAT
	classString typeClass = C.SG_CLASS_STRING
	classOther  typeClass = C.SG_CLASS_OTHER
)

// Known filter ids (HDF5's registered numbers).
const (
	filterDeflate = 1
	filterShuffle = 2
	filterFletch  = 3
	filterSzip    = 4
	filterNbit    = 5
	filterScale   = 6
	filterLZF     = C.SG_FILTER_LZF
)

const maxRank = 32
