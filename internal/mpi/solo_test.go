//go:build !mpi

package mpi

import (
	"errors"
	"testing"
)

// TestSolo: the build without MPI is one process whose allreduce is the
// identity, and it refuses to start when a launcher says it started
// several processes.
func TestSolo(t *testing.T) {
	tests := []struct {
		name, env, value string
		wantErr          error
	}{
		{"no launcher", "", "", nil},
		{"mpirun -np 1", "OMPI_COMM_WORLD_SIZE", "1", nil},
		{"mpirun -np 2", "OMPI_COMM_WORLD_SIZE", "2", ErrNotBuilt},
		{"srun --mpi=pmi2 -n 4", "PMI_SIZE", "4", ErrNotBuilt},
		{"srun --mpi=pmix -n 3", "PMIX_RANK", "0", ErrNotBuilt},
		{"srun -n 2 without PMI", "SLURM_STEP_NUM_TASKS", "2", ErrNotBuilt},
		{"srun -n 1", "SLURM_STEP_NUM_TASKS", "1", nil},
		{"garbled", "OMPI_COMM_WORLD_SIZE", "two", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_STEP_NUM_TASKS"}
			for _, v := range vars {
				t.Setenv(v, "")
			}
			unsetenv(t, vars...)
			if tc.env != "" {
				t.Setenv(tc.env, tc.value)
			}
			if tc.env == "PMIX_RANK" {
				t.Setenv("SLURM_STEP_NUM_TASKS", "3")
			}
			c, err := Init()
			if tc.value == "two" {
				if err == nil {
					t.Fatalf("Init with %s=%s: no error", tc.env, tc.value)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Init: error %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			buf := []float32{1, -2, 3}
			if err := c.AllreduceSumFloat32(buf); err != nil || buf[0] != 1 || buf[1] != -2 || buf[2] != 3 {
				t.Errorf("AllreduceSumFloat32 over one process: %v, %v; want [1 -2 3]", buf, err)
			}
			if c.Rank() != 0 || c.Size() != 1 {
				t.Errorf("rank %d of %d, want 0 of 1", c.Rank(), c.Size())
			}
			if err := c.BroadcastFloat64([]float64{1}, 1); err == nil {
				t.Error("broadcast from rank 1 of 1: no error")
			}
		})
	}
}
