package datasets

// #cgo pkg-config: hdf5
// #cgo LDFLAGS: -lhdf5 -llzf
// #include <stdlib.h>
// #include "h5shim.h"
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"gonum.org/v1/hdf5"
)

// h5mu serialises every call into libhdf5. Debian's (and most HPC sites')
// serial HDF5 build is not thread-safe, and the field store is used from
// concurrent goroutines (data loaders, generators).
var h5mu sync.Mutex

// lockH5 takes h5mu, pins the goroutine to its OS thread and silences
// HDF5's automatic error printing on that thread. A thread-safe libhdf5
// (Debian's is one) keeps the error stack and that setting per thread, and
// Go runs cgo calls on whichever thread the goroutine is on: unpinned, a
// failed call and the lastH5Error that follows could run on different
// threads, and the error read back was "unknown HDF5 error". Errors reach
// the user through lastH5Error. Release with unlockH5.
func lockH5() {
	h5mu.Lock()
	runtime.LockOSThread()
	C.sg_quiet()
}

// unlockH5 releases what lockH5 took.
func unlockH5() {
	runtime.UnlockOSThread()
	h5mu.Unlock()
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
	maybePreflightChild()
}

// h5Stack is the HDF5 error stack summed up: one line of text, and what
// the operating system reported underneath it.
type h5Stack struct {
	msg     string
	inner   string // the innermost description alone
	noSpace bool   // a write failed with ENOSPC
	file    string // the file a driver error names ("" if none)
	empty   bool   // HDF5 recorded no error
}

// lastH5Stack reads the current HDF5 error stack and clears it. Callers
// hold h5mu.
func lastH5Stack() h5Stack {
	buf := make([]byte, 640)
	file := make([]byte, 512)
	inner := make([]byte, 256)
	flags := C.sg_error_message((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)),
		(*C.char)(unsafe.Pointer(&file[0])), C.size_t(len(file)),
		(*C.char)(unsafe.Pointer(&inner[0])), C.size_t(len(inner)))
	return h5Stack{
		// Some HDF5 messages span lines; errors here are one line.
		msg:     strings.Join(strings.Fields(cText(buf)), " "),
		inner:   strings.Join(strings.Fields(cText(inner)), " "),
		noSpace: flags&C.SG_ERR_NOSPACE != 0,
		file:    cText(file),
		empty:   flags&C.SG_ERR_EMPTY != 0,
	}
}

// lastH5Error returns the current HDF5 error stack as one line and clears it.
// Callers hold h5mu.
func lastH5Error() string { return lastH5Stack().msg }

// cText is the NUL-terminated text at the start of buf.
func cText(buf []byte) string {
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
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
