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
// (OpenMPI's mpirun: OMPI_COMM_WORLD_SIZE; MPICH's or SLURM's PMI-2:
// PMI_SIZE; a PMIx launcher such as `srun --mpi=pmix`: PMIX_RANK, with
// the step's SLURM_STEP_NUM_TASKS when SLURM set it, else 1; an srun step
// without PMI: SLURM_STEP_NUM_TASKS); 1 when none did. name is the variable that says a launcher started this process (""
// when none).
func launchedSize() (size int, name string, err error) {
	for _, name := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if v, ok := os.LookupEnv(name); ok {
			n, err := positive(name, v)
			return n, name, err
		}
	}
	_, pmix := os.LookupEnv("PMIX_RANK")
	if v, ok := os.LookupEnv("SLURM_STEP_NUM_TASKS"); ok {
		// An srun step: with PMIx the ranks' launcher; without any PMI
		// (srun -n 2 alone) still that many copies of this process.
		n, err := positive("SLURM_STEP_NUM_TASKS", v)
		if pmix {
			return n, "PMIX_RANK", err
		}
		return n, "SLURM_STEP_NUM_TASKS", err
	}
	if pmix {
		return 1, "PMIX_RANK", nil
	}
	return 1, "", nil
}

// LaunchedSize is the number of processes an MPI launcher says it
// started (1 when none did), and the variable that says so: commands
// that run as one process refuse several.
func LaunchedSize() (size int, variable string, err error) { return launchedSize() }

// positive parses the process count v of the variable name.
func positive(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("mpi: %s=%q, expected a positive process count", name, v)
	}
	return n, nil
}

// checkRoot refuses a root outside the ranks 0..size-1.
func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("mpi: broadcast root %d, expected a rank in 0..%d: %w", root, size-1, ErrMPI)
	}
	return nil
}
