package mpi

import (
	"os"
	"os/exec"
	"strconv"
)

// Mpirun returns the command that runs np copies of name with args under
// OpenMPI's mpirun, as the tests launch them: --oversubscribe (more ranks
// than cores), root allowed (CI runs as root, which mpirun refuses
// unless told), and OpenMPI's shared-memory transport without its
// single-copy mechanism (cross-memory attach, which containers often
// forbid). The environment is the caller's plus those settings.
func Mpirun(np int, name string, args ...string) *exec.Cmd {
	full := append([]string{"--oversubscribe", "-np", strconv.Itoa(np), name}, args...)
	cmd := exec.Command("mpirun", full...)
	cmd.Env = append(os.Environ(),
		"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_btl_vader_single_copy_mechanism=none")
	return cmd
}
