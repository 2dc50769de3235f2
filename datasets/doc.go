// Package datasets is surrogo's HDF5 field store: typed reading and writing
// of the arrays that solvers generate and models train on, in surrogo's own
// layout (docs/DATA.md) and in the layouts PDEBench ships.
//
// It sits on gonum.org/v1/hdf5 plus a small cgo shim (h5shim.c) for what
// that binding lacks, and hides the binding's pitfalls:
//
//   - reads convert to the caller's element type (a float64 file reads into
//     []float32 and back) and check buffer lengths; lossy conversions
//     (float to integer, narrowing integers) are refused;
//   - nested groups are created on demand; groups, datasets and attributes
//     can be listed;
//   - attributes (variable-length UTF-8 text, floats, integers, arrays)
//     work the same on files, groups and datasets;
//   - chunking with shuffle + gzip (level 1 by default) or LZF, readable by
//     h5py; LZF files (PDEBench) are read through liblzf;
//   - per-sample hyperslab reads and writes along the leading axis, and
//     Append to an extendible dataset so generators stream samples;
//   - files are written as NAME.tmp and renamed on Close, so a reader never
//     sees a half-written file under its final name; every file records
//     the surrogo version, Go version and creation time;
//   - every failure is an *Error naming the file, the object inside it and
//     what was expected versus found, wrapping a sentinel (ErrNotFound,
//     ErrNotHDF5, ErrCorrupt, ErrDtype, ErrShape, ErrRange, ...).
//
// On top of the store: PDEBench layouts (pdebench.go), normalizers that
// save to HDF5 (normalize.go) and a seeded mini-batch sampler (batch.go).
//
// All calls into libhdf5 are serialised by one mutex, so files and
// datasets may be read from several goroutines at once. A dataset that is
// being appended to, and a file being written, belong to one goroutine.
package datasets
