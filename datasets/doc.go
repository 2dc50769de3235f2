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
// A file's bytes are not trusted (limits.go, storage.go, preflight.go):
//
//   - a read whose buffer would exceed ReadLimit (half the memory the
//     process may use: MemTotal, the cgroup limit, GOMEMLIMIT) is refused
//     before allocating (ErrTooLarge), whatever shape a file claims, and so
//     are chunks larger than that;
//   - a selection whose chunks the file never wrote is refused
//     (ErrUnwritten) instead of reading as fill values;
//   - a read that fails is retried chunk by chunk to name the chunk that
//     cannot be decoded, its file offset and the cause (ErrCorrupt);
//   - the PDEBench readers refuse NaN and infinite values (ErrNonFinite,
//     naming the first sample), integer fields, ranks other than the
//     layout's, and coordinates that are not finite, strictly monotone and
//     of the grid's length;
//   - libhdf5 1.10 itself crashes or loops on some damaged metadata, which
//     no check in this process can catch: Preflight walks a file in a
//     child process first (simulate inspect and the training loaders use
//     it);
//   - Describe streams statistics in pieces of bounded size.
//
// A full disk is reported as syscall.ENOSPC, the message leading with "no
// space left on device" and the file being written.
//
// On top of the store: PDEBench layouts (pdebench.go), normalizers that
// save to HDF5 (normalize.go) and a seeded mini-batch sampler (batch.go).
// Particle trajectories (particles.go) and meshes (mesh.go) have layouts too.
//
// All calls into libhdf5 are serialised by one mutex, so files and
// datasets may be read from several goroutines at once. A dataset that is
// being appended to, and a file being written, belong to one goroutine.
package datasets
