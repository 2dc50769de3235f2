package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/hdf5"

	"github.com/surrogo/surrogo/internal/buildinfo"
)

// ErrCorrupt marks a file that carries the HDF5 signature but cannot be
// opened: truncated by a killed writer, or damaged.
var ErrCorrupt = errors.New("truncated or damaged HDF5 file")

// TmpSuffix is appended to a file's name while it is being written; Close
// renames NAME.tmp to NAME, so a reader never sees a half-written file under
// its final name.
const TmpSuffix = ".tmp"

// Format names surrogo's own field layout (docs/DATA.md); it is stored in
// the root attribute "surrogo_format" of every file surrogo writes.
const Format = "surrogo-fields/1"

// File is an open HDF5 file. It embeds its root group, so groups, datasets
// and attributes at the root are reached directly (f.Dataset("tensor"),
// f.SetAttr("Nu", 0.01)).
//
// A File is safe for use by several goroutines: every call into libhdf5 is
// serialised.
type File struct {
	*Group
	name     string // the path the caller gave
	diskPath string // the path open on disk: NAME.tmp while writing
	h        *hdf5.File
	writable bool
	closed   bool
	handles  map[*object]func()
}

// Name returns the file's path as given to Open or Create (the final name,
// also while NAME.tmp is being written).
func (f *File) Name() string { return f.name }

// Writable reports whether the file was created or resumed for writing.
func (f *File) Writable() bool { return f.writable }

// Open opens an existing HDF5 file read-only. It reports a missing file
// (and a NAME.tmp left behind by an interrupted writer), a directory, a file
// without the HDF5 signature and a truncated file as distinct errors naming
// the path.
func Open(path string) (*File, error) {
	if err := checkReadable(path); err != nil {
		return nil, err
	}
	lockH5()
	defer unlockH5()
	h, err := hdf5.OpenFile(path, hdf5.F_ACC_RDONLY)
	if err != nil {
		return nil, newErr("open", path, "", ErrCorrupt, "cannot open (%s)", lastH5Error())
	}
	return newFile(path, path, h, false)
}

func checkReadable(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg := "no such file"
		if _, e := os.Stat(path + TmpSuffix); e == nil {
			msg += fmt.Sprintf("; %s%s exists: a write was interrupted before it completed", path, TmpSuffix)
		}
		return newErr("open", path, "", ErrNotFound, "%s", msg)
	case err != nil:
		return &Error{Op: "open", File: path, Err: err}
	case st.IsDir():
		return newErr("open", path, "", ErrArgument, "is a directory, expected an HDF5 file")
	case st.Size() == 0:
		return newErr("open", path, "", ErrNotHDF5, "file is empty (0 bytes)")
	}
	lockH5()
	ok := hdf5.IsHDF5(path)
	if !ok {
		lastH5Error() // clear the stack
	}
	unlockH5()
	if !ok {
		return newErr("open", path, "", ErrNotHDF5, "no HDF5 signature in %d bytes", st.Size())
	}
	return nil
}

// Create starts a new file that appears at path only when Close succeeds:
// it is written as path+".tmp" (replacing any stale one), then flushed,
// synced and renamed. Abort discards it. The root carries provenance
// attributes (surrogo version, Go version, creation time, format); add the
// producer's with SetProvenance.
func Create(path string) (*File, error) {
	if err := checkCreatable(path); err != nil {
		return nil, err
	}
	tmp := path + TmpSuffix
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{Op: "create", File: path, Msg: "removing stale " + tmp, Err: err}
	}
	return createAt(path, tmp)
}

// createAt starts file path written as disk (NAME.tmp).
func createAt(path, disk string) (*File, error) {
	lockH5()
	h, err := hdf5.CreateFile(disk, hdf5.F_ACC_TRUNC)
	if err != nil {
		e := stackErr("create", path, "", "creating the file", lastH5Stack())
		unlockH5()
		return nil, e
	}
	f, ferr := newFile(path, disk, h, true)
	unlockH5()
	if ferr != nil {
		return nil, ferr
	}
	if err := f.stampProvenance(); err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// Resume reopens path+".tmp" for writing when an earlier writer was
// interrupted and left it openable, so a generator can continue appending
// where it stopped; resumed reports whether that happened. Otherwise (no
// temporary file, or one too damaged to open) it behaves as Create.
func Resume(path string) (f *File, resumed bool, err error) {
	if err := checkCreatable(path); err != nil {
		return nil, false, err
	}
	tmp := path + TmpSuffix
	if st, e := os.Stat(tmp); e == nil && st.Mode().IsRegular() && st.Size() > 0 {
		lockH5()
		h, err := hdf5.OpenFile(tmp, hdf5.F_ACC_RDWR)
		if err == nil {
			f, ferr := newFile(path, tmp, h, true)
			unlockH5()
			if ferr == nil {
				return f, true, nil
			}
		} else {
			lastH5Error()
			unlockH5()
		}
	}
	f, err = Create(path)
	return f, false, err
}

func checkCreatable(path string) error {
	if path == "" {
		return newErr("create", path, "", ErrArgument, "empty file name")
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newErr("create", path, "", ErrNotFound, "directory %s does not exist", dir)
	case err != nil:
		return &Error{Op: "create", File: path, Err: err}
	case !st.IsDir():
		return newErr("create", path, "", ErrArgument, "%s is not a directory", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return newErr("create", path, "", ErrArgument, "is a directory, expected a file name")
	}
	return nil
}

// newFile wraps an open handle; the caller holds h5mu.
func newFile(name, disk string, h *hdf5.File, writable bool) (*File, error) {
	f := &File{name: name, diskPath: disk, h: h, writable: writable, handles: map[*object]func(){}}
	root, err := h.OpenGroup("/")
	if err != nil {
		msg := lastH5Error()
		h.Close()
		return nil, newErr("open", name, "/", ErrCorrupt, "cannot open the root group (%s)", msg)
	}
	f.Group = f.wrapGroup("/", root)
	return f, nil
}

// stampProvenance writes the attributes every surrogo file carries.
func (f *File) stampProvenance() error {
	attrs := []struct {
		name  string
		value string
	}{
		{"surrogo_version", buildinfo.Version()},
		{"go_version", buildinfo.GoVersion()},
		{"created", time.Now().UTC().Format(time.RFC3339)},
		{"surrogo_format", Format},
	}
	for _, a := range attrs {
		if err := f.SetAttr(a.name, a.value); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes buffered data to disk, so that a generator killed later
// leaves every sample appended so far in NAME.tmp for Resume.
func (f *File) Flush() error {
	if f.closed {
		return newErr("flush", f.name, "", ErrClosed, "file is closed")
	}
	if !f.writable {
		return nil
	}
	lockH5()
	defer unlockH5()
	if err := f.h.Flush(hdf5.F_SCOPE_GLOBAL); err != nil {
		return h5Err("flush", f.name, "", "flushing")
	}
	return nil
}

// Close closes every group and dataset still open in the file, then the
// file. For a file being written it flushes, syncs and renames NAME.tmp to
// NAME: only then does the file exist under its final name. Close is
// idempotent.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	if err := f.closeHandle(); err != nil {
		return err
	}
	if !f.writable {
		return nil
	}
	if err := syncFile(f.diskPath); err != nil {
		return &Error{Op: "close", File: f.name, Msg: "syncing " + f.diskPath, Err: err}
	}
	if err := os.Rename(f.diskPath, f.name); err != nil {
		return &Error{Op: "close", File: f.name, Msg: "renaming " + f.diskPath, Err: err}
	}
	if err := syncFile(filepath.Dir(f.name)); err != nil {
		return &Error{Op: "close", File: f.name, Msg: "syncing directory", Err: err}
	}
	return nil
}

// Abort closes the file and, for a file being written, deletes NAME.tmp:
// nothing appears under the final name. Use it when generation fails.
func (f *File) Abort() error {
	if f.closed {
		return nil
	}
	err := f.closeHandle()
	if f.writable {
		if rmErr := os.Remove(f.diskPath); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err == nil {
			err = &Error{Op: "abort", File: f.name, Err: rmErr}
		}
	}
	return err
}

func (f *File) closeHandle() error {
	lockH5()
	defer unlockH5()
	for _, closeFn := range f.handles {
		closeFn()
	}
	f.handles = nil
	f.closed = true
	if f.writable {
		if err := f.h.Flush(hdf5.F_SCOPE_GLOBAL); err != nil {
			e := h5Err("close", f.name, "", "flushing")
			f.h.Close()
			return e
		}
	}
	if err := f.h.Close(); err != nil {
		return h5Err("close", f.name, "", "closing")
	}
	return nil
}

func (f *File) track(o *object, closeFn func()) {
	f.handles[o] = closeFn
}

func (f *File) untrack(o *object) {
	if f.handles != nil {
		delete(f.handles, o)
	}
}

func syncFile(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return fh.Sync()
}

// Provenance records who produced a file: a solver or a model, its
// parameters, the seed and the resolved configuration.
type Provenance struct {
	Kind       string // "solver", "model", "evaluation", ...
	Name       string // registry name, e.g. "burgers", "fno"
	Parameters string // the producer's parameters, JSON-encoded
	Seed       int64
	Config     string // the resolved TOML configuration, if any
}

// SetProvenance writes p as root attributes producer_kind, producer,
// parameters, seed and config (empty fields are skipped).
func (f *File) SetProvenance(p Provenance) error {
	if p.Kind != "" {
		if err := f.SetAttr("producer_kind", p.Kind); err != nil {
			return err
		}
	}
	if p.Name != "" {
		if err := f.SetAttr("producer", p.Name); err != nil {
			return err
		}
	}
	if p.Parameters != "" {
		if err := f.SetAttr("parameters", p.Parameters); err != nil {
			return err
		}
	}
	if err := f.SetAttr("seed", p.Seed); err != nil {
		return err
	}
	if p.Config != "" {
		if err := f.SetAttr("config", p.Config); err != nil {
			return err
		}
	}
	return nil
}
