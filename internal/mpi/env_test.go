package mpi

import (
	"os"
	"testing"
)

// unsetenv removes names for the test (t.Setenv first, so they come back).
func unsetenv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.Unsetenv(n); err != nil {
			t.Fatal(err)
		}
	}
}
