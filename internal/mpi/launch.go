package mpi

import (
	"os"
	"os/exec"
)

// Mpirun returns the command mpirun args..., as the tests launch it:
// --oversubscribe (more ranks than cores), root allowed (CI runs as root,
// which mpirun refuses unless told), and OpenMPI's shared-memory
// transport without its single-copy mechanism (cross-memory attach, which
// containers often forbid). args are mpirun's: "-np", "2", a program and
// its arguments, or several such separated by ":". The environment is the
// caller's plus those settings.
func Mpirun(args ...string) *exec.Cmd {
	cmd := exec.Command("mpirun", append([]string{"--oversubscribe"}, args...)...)
	cmd.Env = append(os.Environ(),
		"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
		"OMPI_MCA_btl_vader_single_copy_mechanism=none")
	return cmd
}
