package datasets

// #include "h5shim.h"
import "C"

import (
	"errors"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// ErrExists marks an attempt to create a dataset or group where something
// already is.
var ErrExists = errors.New("already exists")

// Compression selects the filter pipeline of a new dataset.
type Compression int

const (
	// Default is shuffle + gzip level 1: fast, and it shrinks smooth float
	// fields by 10-40%.
	Default Compression = iota
	// None stores the data uncompressed (contiguous unless chunks are
	// given or the dataset is extendible).
	None
	// Gzip is shuffle + deflate at Options.Level.
	Gzip
	// LZF is shuffle + LZF, readable by h5py and PyTables.
	LZF
)

// String names the compression ("default", "none", "gzip", "lzf").
func (c Compression) String() string {
	switch c {
	case Default:
		return "default"
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case LZF:
		return "lzf"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// Options controls how a dataset is created. The zero value gives the
// default for fields: the Go element type, chunks of whole samples along the
// leading axis, shuffle + gzip level 1, fixed size.
type Options struct {
	// Dtype is the stored element type; Invalid means the Go type's. A
	// float64 slice written with Dtype Float32 is rounded on the way.
	Dtype Dtype
	// Chunks is the chunk shape; nil chooses whole samples along the
	// leading axis (several per chunk when samples are small), split along
	// the other axes when a sample exceeds ChunkTargetBytes.
	Chunks []int
	// Compression picks the filters; Level is the gzip level (1..9, 0
	// means 1) for Gzip.
	Compression Compression
	Level       int
	// NoShuffle leaves out the byte-shuffle filter before compression.
	NoShuffle bool
	// Extendible lets the leading axis grow without limit (see Append).
	Extendible bool
}

// ChunkTargetBytes bounds the size of an automatically chosen chunk; chunks
// of small samples are grown to ChunkMinBytes.
const (
	ChunkTargetBytes = 1 << 20
	ChunkMinBytes    = 64 << 10
)

// Dataset is an open HDF5 dataset.
type Dataset struct {
	object
	hid      int64
	closeFn  func()
	isClosed bool
	dtype    Dtype
	shape    []int
	maxShape []int
	chunks   []int
	layout   C.int   // SG_LAYOUT_*
	store    storage // what the file holds of it, see storageLocked
}

// Dtype returns the stored element type.
func (d *Dataset) Dtype() Dtype { return d.dtype }

// Shape returns the current dimensions (a copy).
func (d *Dataset) Shape() []int { return append([]int(nil), d.shape...) }

// Rank returns the number of dimensions (0 for a scalar).
func (d *Dataset) Rank() int { return len(d.shape) }

// Len returns the length of the leading axis: the number of samples in a
// field dataset (1 for a scalar).
func (d *Dataset) Len() int {
	if len(d.shape) == 0 {
		return 1
	}
	return d.shape[0]
}

// Size returns the number of elements (math.MaxInt64 when a damaged
// file's shape claims more).
func (d *Dataset) Size() int { return elements(d.shape) }

// SampleSize returns the number of elements of one entry along the leading
// axis (math.MaxInt64 when a damaged file's shape claims more).
func (d *Dataset) SampleSize() int {
	if len(d.shape) == 0 {
		return 1
	}
	return elements(d.shape[1:])
}

// MaxShape returns the maximum dimensions; -1 marks an unlimited axis.
func (d *Dataset) MaxShape() []int { return append([]int(nil), d.maxShape...) }

// Chunks returns the chunk shape, or nil for a contiguous dataset.
func (d *Dataset) Chunks() []int { return append([]int(nil), d.chunks...) }

// StoredBytes returns the bytes the dataset's data occupy in the file
// (after compression).
func (d *Dataset) StoredBytes() int64 {
	if d.check("describe") != nil {
		return 0
	}
	lockH5()
	defer unlockH5()
	return int64(C.sg_storage_size(hid(d.hid)))
}

// Filter is one stage of a dataset's filter pipeline.
type Filter struct {
	ID    int    // HDF5 filter id (1 deflate, 2 shuffle, 32000 LZF, ...)
	Name  string // "gzip", "shuffle", "lzf", "fletcher32", ...
	Level int    // the gzip level; 0 for others
}

// String formats the filter as h5ls does ("gzip(1)", "shuffle").
func (f Filter) String() string {
	if f.ID == filterDeflate {
		return fmt.Sprintf("gzip(%d)", f.Level)
	}
	return f.Name
}

// Filters lists the dataset's filter pipeline in application order.
func (d *Dataset) Filters() ([]Filter, error) {
	if err := d.check("describe"); err != nil {
		return nil, err
	}
	lockH5()
	defer unlockH5()
	var ids [16]C.int
	var params [16]C.uint
	n := int(C.sg_dataset_filters(hid(d.hid), &ids[0], &params[0], 16))
	if n < 0 {
		return nil, h5Err("describe", d.f.name, d.path, "reading filters")
	}
	out := make([]Filter, 0, n)
	for i := 0; i < n && i < 16; i++ {
		out = append(out, filterName(int(ids[i]), int(params[i])))
	}
	return out, nil
}

// filterName names filter id; param is its first parameter.
func filterName(id, param int) Filter {
	f := Filter{ID: id}
	switch f.ID {
	case filterDeflate:
		f.Name, f.Level = "gzip", param
	case filterShuffle:
		f.Name = "shuffle"
	case filterFletch:
		f.Name = "fletcher32"
	case filterSzip:
		f.Name = "szip"
	case filterNbit:
		f.Name = "nbit"
	case filterScale:
		f.Name = "scaleoffset"
	case filterLZF:
		f.Name = "lzf"
	default:
		f.Name = fmt.Sprintf("filter%d", f.ID)
	}
	return f
}

func (d *Dataset) closeLocked() {
	if !d.isClosed {
		d.isClosed = true
		d.closeFn()
	}
}

// Close releases the dataset. Closing the file closes it too.
func (d *Dataset) Close() error {
	if d.isClosed || d.f.closed {
		return nil
	}
	lockH5()
	defer unlockH5()
	d.f.untrack(&d.object)
	d.closeLocked()
	return nil
}

// refreshLocked re-reads type, shape and layout; the caller holds h5mu.
func (d *Dataset) refreshLocked() error {
	var cls, signed, rank, chunked C.int
	var size C.size_t
	var dims, maxdims, chunk [maxRank]C.hsize_t
	if C.sg_dataset_info(hid(d.hid), &cls, &size, &signed, &rank, &dims[0], &maxdims[0], &chunked, &chunk[0]) < 0 {
		return h5Err("describe", d.f.name, d.path, "reading type and shape")
	}
	d.dtype = dtypeFromInfo(typeClass(cls), int(size), signed != 0)
	d.shape = make([]int, rank)
	d.maxShape = make([]int, rank)
	d.chunks = nil
	d.store = storage{}
	for i := 0; i < int(rank); i++ {
		if uint64(dims[i]) > math.MaxInt64 {
			return newErr("describe", d.f.name, d.path, ErrCorrupt,
				"dimension %d of the dataset's shape is %d, more than any file can hold", i, uint64(dims[i]))
		}
		d.shape[i] = int(dims[i])
		if uint64(maxdims[i]) == ^uint64(0) {
			d.maxShape[i] = -1
		} else {
			d.maxShape[i] = int(min(uint64(maxdims[i]), math.MaxInt64))
		}
	}
	if chunked != 0 {
		d.chunks = make([]int, rank)
		for i := range d.chunks {
			d.chunks[i] = int(chunk[i])
			if d.chunks[i] <= 0 {
				return newErr("describe", d.f.name, d.path, ErrCorrupt,
					"chunk shape %v has a zero dimension", d.chunks)
			}
		}
	}
	if d.layout = C.sg_dataset_layout(hid(d.hid)); d.layout < 0 {
		return h5Err("describe", d.f.name, d.path, "reading the storage layout")
	}
	return nil
}

// OpenDataset opens an existing dataset.
func (g *Group) OpenDataset(name string) (*Dataset, error) {
	if err := g.check("open dataset"); err != nil {
		return nil, err
	}
	p := g.abs(name)
	lockH5()
	defer unlockH5()
	switch k := g.f.kindLocked(p); k {
	case KindDataset:
	case KindNone:
		return nil, newErr("open dataset", g.f.name, p, ErrNotFound, "no such dataset")
	default:
		return nil, newErr("open dataset", g.f.name, p, ErrLayout, "expected a dataset, found a %s", k)
	}
	h, err := g.f.h.OpenDataset(p)
	if err != nil {
		return nil, h5Err("open dataset", g.f.name, p, "opening")
	}
	return g.f.wrapDataset(p, h.ID(), func() { h.Close() })
}

// wrapDataset registers an open dataset; the caller holds h5mu.
func (f *File) wrapDataset(p string, id int64, closeFn func()) (*Dataset, error) {
	d := &Dataset{hid: id, closeFn: closeFn}
	d.object = object{f: f, path: p, id: func() int64 { return d.hid }, closed: &d.isClosed, what: "dataset"}
	if err := d.refreshLocked(); err != nil {
		closeFn()
		return nil, err
	}
	f.track(&d.object, d.closeLocked)
	return d, nil
}

// CreateDataset creates an empty dataset of the given element type and
// shape (the leading axis may be 0 for an extendible dataset), creating
// missing parent groups.
func (g *Group) CreateDataset(name string, dtype Dtype, shape []int, opts *Options) (*Dataset, error) {
	if err := g.check("create dataset"); err != nil {
		return nil, err
	}
	p := g.abs(name)
	fail := func(sentinel error, format string, args ...any) (*Dataset, error) {
		return nil, newErr("create dataset", g.f.name, p, sentinel, format, args...)
	}
	if !g.f.writable {
		return fail(ErrReadOnly, "cannot create datasets")
	}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Dtype != Invalid {
		dtype = opts.Dtype
	}
	if dtype.kind() < 0 {
		return fail(ErrDtype, "cannot store element type %s (expected a numeric type)", dtype)
	}
	if len(shape) > maxRank {
		return fail(ErrShape, "rank %d exceeds HDF5's maximum of %d", len(shape), maxRank)
	}
	for i, n := range shape {
		if n < 0 {
			return fail(ErrShape, "dimension %d of shape %v is negative", i, shape)
		}
	}
	if opts.Extendible && len(shape) == 0 {
		return fail(ErrShape, "a scalar dataset cannot be extendible")
	}
	compressed := opts.Compression != None
	level := 0
	switch opts.Compression {
	case Default:
		level = 1
	case Gzip:
		level = opts.Level
		if level == 0 {
			level = 1
		}
		if level < 1 || level > 9 {
			return fail(ErrArgument, "gzip level %d out of range (expected 1..9)", opts.Level)
		}
	case None, LZF:
	default:
		return fail(ErrArgument, "unknown compression %d", int(opts.Compression))
	}
	chunks := opts.Chunks
	if chunks != nil {
		if len(chunks) != len(shape) {
			return fail(ErrShape, "chunk shape %v has rank %d, expected rank %d like shape %v", chunks, len(chunks), len(shape), shape)
		}
		for i, c := range chunks {
			if c <= 0 {
				return fail(ErrShape, "chunk dimension %d of %v must be positive", i, chunks)
			}
		}
	} else if len(shape) > 0 && (compressed || opts.Extendible) {
		chunks = autoChunks(shape, dtype.Size())
	}
	if len(shape) > 0 && tensor.Size(shape) == 0 && !opts.Extendible && chunks == nil {
		// HDF5 cannot lay out an empty contiguous dataset portably.
		chunks = autoChunks(shape, dtype.Size())
	}
	maxShape := append([]int(nil), shape...)
	if opts.Extendible {
		maxShape[0] = -1
	}

	lockH5()
	defer unlockH5()
	if k := g.f.kindLocked(p); k != KindNone {
		return fail(ErrExists, "a %s already exists at this path", k)
	}
	cn := cString(p)
	defer freeC(cn)
	dims, maxd, ch := hsizes(shape), hsizes(maxShape), hsizes(chunks)
	shuffle, gz, lzf := 0, level, 0
	if compressed && !opts.NoShuffle {
		shuffle = 1
	}
	if opts.Compression == LZF {
		lzf, gz = 1, 0
	}
	id := C.sg_create_dataset(hid(g.f.h.ID()), cn, dtype.kind(), C.int(len(shape)),
		hsizePtr(dims), hsizePtr(maxd), hsizePtr(ch), C.int(shuffle), C.int(gz), C.int(lzf))
	if id < 0 {
		return nil, h5Err("create dataset", g.f.name, p, "creating")
	}
	return g.f.wrapDataset(p, int64(id), func() { C.H5Dclose(id) })
}

// autoChunks chooses whole samples along the leading axis, several per
// chunk up to ChunkMinBytes, and halves the largest trailing axis while a
// chunk exceeds ChunkTargetBytes.
func autoChunks(shape []int, elem int) []int {
	c := make([]int, len(shape))
	for i, n := range shape {
		c[i] = max(n, 1)
	}
	if len(shape) == 1 {
		c[0] = min(max(shape[0], 1), max(ChunkTargetBytes/elem, 1))
		if shape[0] == 0 {
			c[0] = max(ChunkMinBytes/elem, 1)
		}
		return c
	}
	sample := elem * tensor.Size(c[1:])
	for sample > ChunkTargetBytes {
		big := 1
		for i := 2; i < len(c); i++ {
			if c[i] > c[big] {
				big = i
			}
		}
		if c[big] == 1 {
			break
		}
		c[big] = (c[big] + 1) / 2
		sample = elem * tensor.Size(c[1:])
	}
	per := max(ChunkMinBytes/max(sample, 1), 1)
	per = min(per, 1024)
	if shape[0] > 0 {
		per = min(per, shape[0])
	}
	c[0] = per
	return c
}
