//go:build mpi

package mpi

import (
	"os"
	"testing"
)

// childEnv marks a test process that mpirun started.
const childEnv = "SURROGO_MPI_TEST_CHILD"

// TestAllreduceTwoRanks runs this test binary on two ranks under mpirun:
// each checks that the allreduce sums (float32, float64, lengths 1 and
// 1000), the broadcast copies rank 0's buffer and the barrier returns.
func TestAllreduceTwoRanks(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		cmd := Mpirun("-np", "2", os.Args[0], "-test.run=^TestAllreduceTwoRanks$", "-test.v")
		cmd.Env = append(cmd.Env, childEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mpirun -np 2: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	c, err := Init()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Finalize()
	if c.Size() != 2 {
		t.Fatalf("size %d, want 2", c.Size())
	}
	r := float64(c.Rank())
	for _, n := range []int{1, 1000} {
		f32, f64 := make([]float32, n), make([]float64, n)
		for i := range n {
			// rank 0: i, rank 1: 0.5 - 2i; the sum is 0.5 - i, exact in float32
			f32[i], f64[i] = float32(r*0.5+(1-3*r)*float64(i)), r*0.5+(1-3*r)*float64(i)
		}
		if err := c.AllreduceSumFloat32(f32); err != nil {
			t.Fatal(err)
		}
		if err := c.AllreduceSumFloat64(f64); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			want := 0.5 - float64(i)
			if float64(f32[i]) != want || f64[i] != want {
				t.Fatalf("rank %d, n %d, element %d: sums %v (float32), %v (float64), want %v", c.Rank(), n, i, f32[i], f64[i], want)
			}
		}
	}
	b := []float64{r + 7, r * 3}
	if err := c.BroadcastFloat64(b, 0); err != nil {
		t.Fatal(err)
	}
	if b[0] != 7 || b[1] != 0 {
		t.Errorf("rank %d: broadcast from 0 gave %v, want [7 0]", c.Rank(), b)
	}
	if err := c.Barrier(); err != nil {
		t.Fatal(err)
	}
}
