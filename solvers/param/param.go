// Package param holds the error every solver's Validate returns for a
// parameter out of its domain, so that callers (the config layer) can
// point it at their own key for that parameter with one errors.As,
// whichever solver it came from.
package param

import "fmt"

// Error is a parameter out of its domain: Solver names the package
// (burgers, grf, ...), Param the Params field in lower case (nu, length,
// n, dt, alpha, ...), Msg what it must be and what it is.
type Error struct {
	Solver, Param, Msg string
}

func (e *Error) Error() string { return e.Solver + ": " + e.Param + ": " + e.Msg }

// Errorf returns an *Error for solver's parameter name.
func Errorf(solver, name, format string, args ...any) error {
	return &Error{Solver: solver, Param: name, Msg: fmt.Sprintf(format, args...)}
}
