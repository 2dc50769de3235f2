package datasets

import (
	"errors"
	"fmt"
	"syscall"
)

// Sentinel errors. Every error the package returns is an *Error that wraps
// one of these, so callers can test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrNotHDF5  = errors.New("not an HDF5 file")
	ErrDtype    = errors.New("dtype mismatch")
	ErrShape    = errors.New("shape mismatch")
	ErrRange    = errors.New("index out of range")
	ErrClosed   = errors.New("use of a closed handle")
	ErrReadOnly = errors.New("file opened read-only")
	ErrLayout   = errors.New("layout mismatch")
	ErrArgument = errors.New("invalid argument")
	ErrHDF5     = errors.New("HDF5 library error")
	// ErrTooLarge marks a read refused before allocating because its
	// buffer would not fit the memory the process may use (see ReadLimit).
	ErrTooLarge = errors.New("too large for memory")
	// ErrNonFinite marks a field holding NaN or infinite values.
	ErrNonFinite = errors.New("non-finite values")
	// ErrUnwritten marks a selection whose storage the file never wrote:
	// HDF5 would return fill values for it.
	ErrUnwritten = errors.New("data never written")
)

// Error describes a failed operation on an HDF5 file: what was attempted,
// on which file and object, and what was expected versus found.
type Error struct {
	Op     string // "open", "create", "read", "write", "append", "attribute", ...
	File   string // file path as the user gave it
	Object string // dataset, group or attribute path inside the file; "" for the file
	Msg    string // what was expected and what was found
	Err    error  // one of the sentinels above, or an underlying error
}

// Error formats as "datasets: OP FILE OBJECT: MSG: CAUSE". A full disk
// leads instead, so it is not lost behind the details: "datasets: no space
// left on device MSG (OP FILE OBJECT)", MSG naming the file written.
func (e *Error) Error() string {
	if errors.Is(e.Err, syscall.ENOSPC) {
		s := "datasets: " + syscall.ENOSPC.Error()
		if e.Msg != "" {
			s += " " + e.Msg
		}
		where := e.Op
		if e.File != "" {
			where += " " + e.File
		}
		if e.Object != "" {
			where += " " + e.Object
		}
		return s + " (" + where + ")"
	}
	s := "datasets: " + e.Op
	if e.File != "" {
		s += " " + e.File
	}
	if e.Object != "" {
		s += " " + e.Object
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel or underlying error.
func (e *Error) Unwrap() error { return e.Err }

func newErr(op, file, object string, sentinel error, format string, args ...any) *Error {
	return &Error{Op: op, File: file, Object: object, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// h5Err wraps the current HDF5 error stack; callers hold h5mu.
func h5Err(op, file, object, what string) *Error {
	return stackErr(op, file, object, what, lastH5Stack())
}

// stackErr turns an HDF5 error stack into an *Error: a full disk becomes
// syscall.ENOSPC naming the file being written, anything else ErrHDF5 with
// the stack's summary.
func stackErr(op, file, object, what string, st h5Stack) *Error {
	if st.noSpace {
		disk := st.file
		if disk == "" {
			disk = file
		}
		return &Error{Op: op, File: file, Object: object, Msg: "writing " + disk, Err: syscall.ENOSPC}
	}
	return &Error{Op: op, File: file, Object: object, Msg: what + ": " + st.msg, Err: ErrHDF5}
}
