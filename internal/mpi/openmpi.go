//go:build mpi

package mpi

/*
#cgo pkg-config: ompi
#include <stdlib.h>
#include <mpi.h>

// OpenMPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_IN_PLACE, ...) are
// macros over its globals, which cgo cannot name: these wrappers do.
static int surrogo_init(int *provided) {
	int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
	if (err != MPI_SUCCESS) return err;
	return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}
static int surrogo_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int surrogo_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }
static int surrogo_sum_float(float *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static int surrogo_sum_double(double *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static int surrogo_bcast_double(double *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_DOUBLE, root, MPI_COMM_WORLD);
}
static int surrogo_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static void surrogo_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static int surrogo_finalize(void) { return MPI_Finalize(); }
static int surrogo_serialized(void) { return MPI_THREAD_SERIALIZED; }
static void surrogo_error_string(int code, char *buf) {
	int n = 0;
	if (MPI_Error_string(code, buf, &n) != MPI_SUCCESS) n = 0;
	buf[n] = 0;
}
static int surrogo_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// Enabled reports whether this build talks to MPI (the tag mpi).
const Enabled = true

// Comm is MPI_COMM_WORLD of the processes mpirun started, or, in a
// process no MPI launcher started, that one process without MPI.
type Comm struct {
	mu         sync.Mutex // MPI_THREAD_SERIALIZED: one call at a time
	rank, size int
	done       bool
	alone      bool // no launcher: MPI is not initialised
}

var initOnce struct {
	sync.Mutex
	comm *Comm
}

// Init initialises MPI (once per process; later calls return the same
// communicator) and locks the calling goroutine to its OS thread until
// Finalize, which must be called from the same goroutine. A process that
// no MPI launcher started (no OMPI_COMM_WORLD_SIZE or PMI_SIZE) is one
// process, without MPI (no singleton MPI_Init, which starts a daemon).
func Init() (*Comm, error) {
	initOnce.Lock()
	defer initOnce.Unlock()
	if initOnce.comm != nil {
		return initOnce.comm, nil
	}
	launched, name, err := launchedSize()
	if err != nil {
		return nil, err
	}
	if name == "" {
		initOnce.comm = &Comm{size: 1, alone: true}
		return initOnce.comm, nil
	}
	if _, set := os.LookupEnv("OMPI_MCA_opal_signal"); !set {
		os.Setenv("OMPI_MCA_opal_signal", "") // keep Go's signal handlers
	}
	runtime.LockOSThread()
	var provided C.int
	if err := check("MPI_Init_thread", C.surrogo_init(&provided)); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	if provided < C.surrogo_serialized() {
		C.surrogo_abort(1)
		return nil, fmt.Errorf("mpi: the MPI library provides thread level %d, Go needs MPI_THREAD_SERIALIZED (%d): %w", provided, C.surrogo_serialized(), ErrMPI)
	}
	var r, s C.int
	if err := check("MPI_Comm_rank", C.surrogo_rank(&r)); err != nil {
		return nil, err
	}
	if err := check("MPI_Comm_size", C.surrogo_size(&s)); err != nil {
		return nil, err
	}
	if launched > 1 && int(s) != launched {
		return nil, fmt.Errorf("mpi: the launcher started %d processes (%s), MPI_COMM_WORLD has %d: launch with mpirun, or srun with --mpi=pmix or pmi2: %w",
			launched, name, int(s), ErrMPI)
	}
	initOnce.comm = &Comm{rank: int(r), size: int(s)}
	return initOnce.comm, nil
}

// Rank is this process's index in 0..Size()-1.
func (c *Comm) Rank() int { return c.rank }

// Size is the number of processes.
func (c *Comm) Size() int { return c.size }

// maxCount is the most elements one MPI call takes (its count is a C int).
const maxCount = 1 << 30

// AllreduceSumFloat32 replaces buf, on every process, by its elementwise
// sum over the processes. Every process must call it with a buffer of the
// same length.
func (c *Comm) AllreduceSumFloat32(buf []float32) error {
	return chunked(c, "MPI_Allreduce", len(buf), func(lo, n int) C.int {
		return C.surrogo_sum_float((*C.float)(unsafe.Pointer(&buf[lo])), C.int(n))
	})
}

// AllreduceSumFloat64 replaces buf, on every process, by its elementwise
// sum over the processes. Every process must call it with a buffer of the
// same length.
func (c *Comm) AllreduceSumFloat64(buf []float64) error {
	return chunked(c, "MPI_Allreduce", len(buf), func(lo, n int) C.int {
		return C.surrogo_sum_double((*C.double)(unsafe.Pointer(&buf[lo])), C.int(n))
	})
}

// BroadcastFloat64 copies root's buf into every process's buf (of the
// same length).
func (c *Comm) BroadcastFloat64(buf []float64, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	return chunked(c, "MPI_Bcast", len(buf), func(lo, n int) C.int {
		return C.surrogo_bcast_double((*C.double)(unsafe.Pointer(&buf[lo])), C.int(n), C.int(root))
	})
}

// Barrier returns once every process has called it.
func (c *Comm) Barrier() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable("MPI_Barrier"); err != nil || c.alone {
		return err
	}
	return check("MPI_Barrier", C.surrogo_barrier())
}

// Abort ends every process of the job with code (MPI_Abort): for an error
// on one rank, which the others would otherwise wait for forever.
func (c *Comm) Abort(code int) {
	if !c.alone {
		C.surrogo_abort(C.int(code))
	}
	os.Exit(code)
}

// Finalize ends MPI; it must run on the goroutine that called Init. Later
// calls do nothing.
func (c *Comm) Finalize() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.alone { // alone: nothing to end, and Init may be called again
		return nil
	}
	c.done = true
	err := check("MPI_Finalize", C.surrogo_finalize())
	runtime.UnlockOSThread()
	return err
}

// chunked runs call over buf's elements [lo, lo+n) in pieces of at most
// maxCount, one MPI call at a time.
func chunked(c *Comm, name string, length int, call func(lo, n int) C.int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(name); err != nil || c.alone {
		return err
	}
	for lo := 0; lo < length; lo += maxCount {
		if err := check(name, call(lo, min(maxCount, length-lo))); err != nil {
			return err
		}
	}
	return nil
}

func (c *Comm) usable(name string) error {
	if c.done {
		return fmt.Errorf("mpi: %s after Finalize: %w", name, ErrMPI)
	}
	return nil
}

// check turns an MPI return code into an error naming the call.
func check(name string, code C.int) error {
	if code == 0 { // MPI_SUCCESS
		return nil
	}
	buf := (*C.char)(C.malloc(C.size_t(C.surrogo_max_error_string() + 1)))
	defer C.free(unsafe.Pointer(buf))
	C.surrogo_error_string(code, buf)
	return fmt.Errorf("mpi: %s failed (code %d: %s): %w", name, int(code), C.GoString(buf), ErrMPI)
}
