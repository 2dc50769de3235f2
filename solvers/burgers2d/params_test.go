package burgers2d

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/solvers/param"
)

// TestValidate: every bad parameter gives a *param.Error naming it and
// the value found; New and Generate refuse it without panicking.
func TestValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("default parameters: %v", err)
	}
	nan := math.NaN()
	cases := []struct {
		name, param, found string
		edit               func(*Params)
	}{
		{"zero nu", "nu", "got 0", func(p *Params) { p.Nu = 0 }},
		{"nan nu", "nu", "NaN", func(p *Params) { p.Nu = nan }},
		{"inf nu", "nu", "+Inf", func(p *Params) { p.Nu = math.Inf(1) }},
		{"odd n", "n", "got 33", func(p *Params) { p.N = 33 }},
		{"small n", "n", "got 6", func(p *Params) { p.N = 6 }},
		{"negative dt", "dt", "got -0.1", func(p *Params) { p.Dt = -0.1 }},
		{"equation", "equation", `"vectorial"`, func(p *Params) { p.Equation = "vectorial" }},
		{"t_end", "t_end", "got 0", func(p *Params) { p.TEnd = 0 }},
		{"frames", "frames", "got 1", func(p *Params) { p.Frames = 1 }},
		{"ic_alpha", "ic_alpha", "got 1", func(p *Params) { p.ICAlpha = 1 }},
		{"ic_tau", "ic_tau", "NaN", func(p *Params) { p.ICTau = nan }},
		{"ic_std", "ic_std", "got -1", func(p *Params) { p.ICStd = -1 }},
	}
	for _, c := range cases {
		p := smallParams("")
		c.edit(&p)
		err := p.Validate()
		var pe *param.Error
		if !errors.As(err, &pe) || pe.Solver != "burgers2d" || pe.Param != c.param || !strings.Contains(pe.Msg, c.found) {
			t.Errorf("%s: got %v, want a burgers2d %s error containing %q", c.name, err, c.param, c.found)
			continue
		}
		if _, genErr := generate(p); genErr == nil {
			t.Errorf("%s: New + Generate accepted it", c.name)
		}
	}
}

func generate(p Params) ([]Field, error) {
	s, err := New(p)
	if err != nil {
		return nil, err
	}
	return s.Generate(context.Background(), 1, 0)
}

// TestSolveRefusesBadInput: wrong sizes, missing or extra components,
// non-finite values, a CFL number above MaxCFL, bad output times and a
// negative sample index are errors, not panics.
func TestSolveRefusesBadInput(t *testing.T) {
	p := smallParams(EquationVector)
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	good := p.InitialCondition(1, 0)
	bad := append([]float64(nil), good.U...)
	bad[5] = math.Inf(-1)
	fast := make([]float64, len(good.U))
	for j := range fast {
		fast[j] = 10
	}
	cases := []struct {
		name, want string
		f          Field
		times      []float64
	}{
		{"short", "has 10 values", Field{U: good.U[:10], V: good.V}, []float64{1}},
		{"no v", "component 1 has 0 values", Field{U: good.U}, []float64{1}},
		{"inf", "not finite at point 5", Field{U: bad, V: good.V}, []float64{1}},
		{"cfl", "CFL number", Field{U: fast, V: good.V}, []float64{1}},
		{"times", "non-decreasing", good, []float64{1, 0.5}},
	}
	for _, c := range cases {
		_, err := s.Solve(context.Background(), c.f, c.times, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	sc, _ := New(smallParams(EquationScalar))
	if _, err := sc.Solve(context.Background(), good, []float64{1}, nil); err == nil || !strings.Contains(err.Error(), "U only") {
		t.Errorf("scalar with V: got %v", err)
	}
	if _, err := s.Generate(context.Background(), 1, -1); err == nil {
		t.Error("negative sample index accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Solve(ctx, good, []float64{1}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled wrapped", err)
	}
}
