package param_test

import (
	"errors"
	"fmt"

	"github.com/surrogo/surrogo/solvers/param"
)

func ExampleErrorf() {
	err := fmt.Errorf("building the solver: %w", param.Errorf("burgers", "nu", "viscosity must be positive, got %v", -1))
	var pe *param.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Solver, pe.Param)
	}
	fmt.Println(err)
	// Output:
	// burgers nu
	// building the solver: burgers: nu: viscosity must be positive, got -1
}
