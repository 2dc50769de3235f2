package experiments

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// checkTypes walks a decoded TOML tree against the struct it will be
// decoded into and refuses, at the key's line, a value of the wrong type
// ("model.modes must be a list of integers, found 16 (an integer)"), a
// non-finite number anywhere (no key of surrogo means nan or inf), and a
// negative value for an unsigned key. Keys the struct does not have are
// left to the strict decoder's unknown-key report; [data.params] is
// checked against the solver's own parameter struct once the solver is
// known.
func checkTypes(tree map[string]any, t reflect.Type, prefix string) *typeError {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := prefix + k
		f, ok := fieldByTag(t, k)
		if !ok {
			continue
		}
		if err := checkValue(key, tree[k], f.Type); err != nil {
			return err
		}
	}
	return nil
}

// typeError is a value that does not fit its key: of another type
// (mismatch), or of the right type and out of its domain.
type typeError struct {
	key, msg string
	mismatch bool
}

func (e *typeError) Error() string { return e.key + " " + e.msg }

// fieldByTag finds the struct field whose toml tag is name.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

var primitiveType = reflect.TypeOf(toml.Primitive{})

// checkValue checks one decoded value v against the Go type it will fill.
func checkValue(key string, v any, t reflect.Type) *typeError {
	if t == primitiveType {
		return nil // decoded later against a type chosen by another key
	}
	wrong := func() *typeError {
		return &typeError{key: key, msg: fmt.Sprintf("must be %s, found %s", describeType(t), describeValue(v)), mismatch: true}
	}
	switch t.Kind() {
	case reflect.Struct:
		sub, ok := v.(map[string]any)
		if !ok {
			return &typeError{key: key, msg: fmt.Sprintf("must be a table ([%s]), found %s", key, describeValue(v)), mismatch: true}
		}
		return checkTypes(sub, t, key+".")
	case reflect.Slice:
		list, ok := asList(v)
		if !ok {
			return wrong()
		}
		for i, e := range list {
			err := checkValue(fmt.Sprintf("%s[%d]", key, i), e, t.Elem())
			if err != nil && err.mismatch && t.Elem().Kind() != reflect.Struct {
				return wrong() // name the list, not the element
			}
			if err != nil {
				return err
			}
		}
		return nil
	case reflect.String:
		if _, ok := v.(string); !ok {
			return wrong()
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong()
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if _, ok := v.(int64); !ok {
			return wrong()
		}
	case reflect.Uint64:
		n, ok := v.(int64)
		if !ok {
			return wrong()
		}
		if n < 0 {
			return &typeError{key: key, msg: fmt.Sprintf("must be a non-negative integer, found %d", n)}
		}
	case reflect.Float64, reflect.Float32:
		switch x := v.(type) {
		case int64:
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &typeError{key: key, msg: fmt.Sprintf("must be a finite number, found %v", x)}
			}
		default:
			return wrong()
		}
	}
	return nil
}

// asList returns a decoded TOML array as a list: an array of values, or
// an array of tables ([[name]] sections).
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []map[string]any:
		list := make([]any, len(x))
		for i, t := range x {
			list[i] = t
		}
		return list, true
	}
	return nil, false
}

// describeType names a Go field type in TOML words.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "a list of " + plural(describeType(t.Elem()))
	case reflect.Struct:
		return "a table"
	}
	return t.String()
}

func plural(s string) string {
	switch s {
	case "an integer":
		return "integers"
	case "a non-negative integer":
		return "non-negative integers"
	case "a number":
		return "numbers"
	case "a string":
		return "strings"
	case "true or false":
		return "booleans"
	case "a table":
		return "tables"
	}
	return s
}

// describeValue shows a decoded TOML value and its kind: 16 (an integer).
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q (a string)", x)
	case int64:
		return fmt.Sprintf("%d (an integer)", x)
	case float64:
		return fmt.Sprintf("%v (a number with a fraction or exponent)", x)
	case bool:
		return fmt.Sprintf("%v (a boolean)", x)
	case []any:
		return fmt.Sprintf("%s (a list)", shortTOML(x))
	case map[string]any:
		return "a table"
	case []map[string]any:
		return fmt.Sprintf("%d tables (an array of tables)", len(x))
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// shortTOML prints a list compactly, cut at 60 characters.
func shortTOML(list []any) string {
	parts := make([]string, len(list))
	for i, e := range list {
		if s, ok := e.(string); ok {
			parts[i] = fmt.Sprintf("%q", s)
		} else {
			parts[i] = fmt.Sprint(e)
		}
	}
	s := "[" + strings.Join(parts, ", ") + "]"
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
