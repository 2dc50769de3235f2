package nn

import (
	"fmt"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/tensor"
)

// Param is a named trainable tensor. Names are dotted paths
// ("blocks.0.weight") and key checkpoints.
type Param[T tensor.Float] struct {
	Name string
	Var  *autograd.Var[T]
}

// Module is anything with parameters.
type Module[T tensor.Float] interface {
	Params() []Param[T]
}

// Prefixed returns params with prefix + "." prepended to every name.
func Prefixed[T tensor.Float](prefix string, params []Param[T]) []Param[T] {
	out := make([]Param[T], len(params))
	for i, p := range params {
		out[i] = Param[T]{Name: prefix + "." + p.Name, Var: p.Var}
	}
	return out
}

// Collect gathers the parameters of named sub-modules, prefixing names.
func Collect[T tensor.Float](parts ...Named[T]) []Param[T] {
	var out []Param[T]
	for _, p := range parts {
		out = append(out, Prefixed(p.Name, p.Module.Params())...)
	}
	return out
}

// Named pairs a sub-module with its name inside its parent.
type Named[T tensor.Float] struct {
	Name   string
	Module Module[T]
}

// CountParams returns the number of scalar parameters.
func CountParams[T tensor.Float](params []Param[T]) int {
	n := 0
	for _, p := range params {
		n += p.Var.Value.Len()
	}
	return n
}

// ZeroGrad clears the gradients of params.
func ZeroGrad[T tensor.Float](params []Param[T]) {
	for _, p := range params {
		p.Var.ZeroGrad()
	}
}

// CheckNames reports duplicate or empty parameter names.
func CheckNames[T tensor.Float](params []Param[T]) error {
	seen := map[string]bool{}
	for _, p := range params {
		if p.Name == "" {
			return fmt.Errorf("nn: a parameter has no name")
		}
		if seen[p.Name] {
			return fmt.Errorf("nn: parameter name %q used twice", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// ParamList is a Module made of loose parameters.
type ParamList[T tensor.Float] []Param[T]

// Params returns the list.
func (l ParamList[T]) Params() []Param[T] { return l }
