// Package mpi is the communicator of data-parallel training: the
// processes that mpirun starts (ranks 0..P-1 of MPI_COMM_WORLD) sum
// buffers elementwise (allreduce), broadcast them and wait for each
// other (barrier).
//
// Built with the tag mpi (`go build -tags mpi`, which `make build` uses
// when `pkg-config --exists ompi`), it wraps OpenMPI through cgo. Without
// the tag it is a genuine one-process communicator: Size 1, Rank 0, an
// allreduce that leaves the buffer as it is (the sum over one process);
// Init then refuses to run when mpirun (or another MPI launcher) started
// more than one process, since each would train alone, saying to build
// with -tags mpi.
//
// Data-parallel training splits every global batch of N samples into P
// parts of n_r samples (sum_r n_r = N). Each rank computes the gradient
// g_r of its part's mean loss; the gradient of the whole batch's mean
// loss is the weighted mean
//
//	g = sum_r n_r g_r / sum_r n_r,
//
// one AllreduceSum of the buffer [n_r g_r, n_r L_r] per step (and the
// same sum of per-sample losses for losses that sum rather than average
// over the batch). Every rank then takes the same optimizer step from the
// same g, so the parameters stay identical on all ranks without being
// sent: only gradients travel, 2(P-1)/P times their bytes per rank and
// step with a ring allreduce.
//
// Threads: Go runs goroutines on OS threads of its choosing, so MPI is
// initialised at MPI_THREAD_SERIALIZED (any thread may call MPI, one at a
// time; a mutex here guarantees the "one at a time"). MPI_Init_thread and
// MPI_Finalize must run on the same OS thread, so Init locks its
// goroutine to its thread (runtime.LockOSThread) and Finalize, which must
// be called from that goroutine, unlocks it. OpenMPI's own handlers of
// SIGSEGV, SIGBUS, SIGFPE and SIGILL would replace Go's (which turn a nil
// dereference into a panic), so Init disables them (OMPI_MCA_opal_signal
// empty) unless the environment sets that parameter.
package mpi
