//go:build !mpi

package mpi

import (
	"fmt"
	"os"
)

// Enabled reports whether this build talks to MPI (the tag mpi).
const Enabled = false

// Comm is the world communicator. In this build (no tag mpi) it is the
// one process there is.
type Comm struct{}

// Init returns the communicator of the one process there is, or an error
// wrapping ErrNotBuilt when an MPI launcher started several processes.
func Init() (*Comm, error) {
	n, name, err := launchedSize()
	if err != nil {
		return nil, err
	}
	if n > 1 {
		return nil, fmt.Errorf("mpi: %s says an MPI launcher started %d processes, and each would train alone: %w", name, n, ErrNotBuilt)
	}
	return &Comm{}, nil
}

// Rank is this process's index, 0.
func (*Comm) Rank() int { return 0 }

// Size is the number of processes, 1.
func (*Comm) Size() int { return 1 }

// AllreduceSumFloat32 sums buf over the processes in place: over one
// process, buf itself.
func (*Comm) AllreduceSumFloat32(buf []float32) error { return nil }

// AllreduceSumFloat64 sums buf over the processes in place: over one
// process, buf itself.
func (*Comm) AllreduceSumFloat64(buf []float64) error { return nil }

// BroadcastFloat64 copies root's buf to every process: here root must be 0
// and buf stays as it is.
func (*Comm) BroadcastFloat64(buf []float64, root int) error { return checkRoot(root, 1) }

// Barrier waits for every process: here, for none.
func (*Comm) Barrier() error { return nil }

// Abort ends the process with code.
func (*Comm) Abort(code int) { os.Exit(code) }

// Finalize ends the communicator.
func (*Comm) Finalize() error { return nil }
