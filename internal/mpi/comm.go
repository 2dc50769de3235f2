package mpi

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// ErrNotBuilt is returned (wrapped) by Init of a build without MPI when a
// launcher started more than one process.
var ErrNotBuilt = errors.New("this simulate was built without MPI (build it with `go build -tags mpi`, as `make build` does when pkg-config finds ompi)")

// ErrMPI is wrapped by the errors of MPI calls.
var ErrMPI = errors.New("mpi")

// launchedSize is the number of processes an MPI launcher says it started
// (OpenMPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE of MPICH's and SLURM's
// launchers); 1 when none did. name is the variable read ("" when none).
func launchedSize() (size int, name string, err error) {
	for _, name := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		v, ok := os.LookupEnv(name)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, name, fmt.Errorf("mpi: %s=%q, expected a positive process count", name, v)
		}
		return n, name, nil
	}
	return 1, "", nil
}

// checkRoot refuses a root outside the ranks 0..size-1.
func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("mpi: broadcast root %d, expected a rank in 0..%d: %w", root, size-1, ErrMPI)
	}
	return nil
}
