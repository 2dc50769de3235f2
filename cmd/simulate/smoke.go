package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/surrogo/surrogo/datasets"
)

// The smoke run is the stand-in demo until the quickstart (Burgers -> FNO)
// lands: it streams samples of an exactly known field to an HDF5 file in
// surrogo's PDEBench-compatible layout, closes it atomically, reads it back
// and checks every value against the formula.
//
// The field is the exact solution of the periodic heat equation
// u_t = nu u_xx on [0, 1):
//
//	u(x, t) = sum_{k=1..K} a_k exp(-nu (2 pi k)^2 t) sin(2 pi k x + phi_k),
//
// with a_k ~ N(0, 1/k^2) and phi_k ~ U(0, 2 pi) drawn from (seed, sample).
type heatParams struct {
	Nu      float64 `json:"nu"`
	Modes   int     `json:"modes"`
	Points  int     `json:"points"`
	Steps   int     `json:"steps"`
	TFinal  float64 `json:"t_final"`
	Samples int     `json:"samples"`
}

// heatField is one sample's modes.
type heatField struct {
	nu         float64
	amp, phase []float64
}

func (p heatParams) field(seed uint64, i int) heatField {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	h := heatField{nu: p.Nu, amp: make([]float64, p.Modes), phase: make([]float64, p.Modes)}
	for k := range h.amp {
		h.amp[k] = r.NormFloat64() / float64(k+1)
		h.phase[k] = 2 * math.Pi * r.Float64()
	}
	return h
}

// at evaluates the exact solution at (x, t).
func (h heatField) at(x, t float64) float64 {
	s := 0.0
	for k := range h.amp {
		w := 2 * math.Pi * float64(k+1)
		s += h.amp[k] * math.Exp(-h.nu*w*w*t) * math.Sin(w*x+h.phase[k])
	}
	return s
}

// grid returns the x and t coordinates.
func (p heatParams) grid() (x, t []float64) {
	x = make([]float64, p.Points)
	for j := range x {
		x[j] = float64(j) / float64(p.Points)
	}
	t = make([]float64, p.Steps)
	for n := range t {
		t[n] = p.TFinal * float64(n) / float64(p.Steps-1)
	}
	return x, t
}

// sample evaluates sample i on the grid, [Steps, Points], in float32.
func (p heatParams) sample(seed uint64, i int) []float32 {
	h := p.field(seed, i)
	xs, ts := p.grid()
	u := make([]float32, p.Steps*p.Points)
	for n, t := range ts {
		for j, x := range xs {
			u[n*p.Points+j] = float32(h.at(x, t))
		}
	}
	return u
}

func runSmoke(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "runs/demo", "output directory")
	n := fs.Int("n", 32, "number of samples")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return usageError{fmt.Sprintf("-n must be at least 1, found %d", *n)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("creating output directory: %w", err)
	}
	p := heatParams{Nu: 0.01, Modes: 4, Points: 256, Steps: 51, TFinal: 1, Samples: *n}
	path := filepath.Join(*out, "fields.h5")
	start := time.Now()
	if err := writeHeat(path, p, *seed); err != nil {
		return err
	}
	maxErr, err := verifyHeat(path, p, *seed)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	raw := int64(p.Samples * p.Steps * p.Points * 4)
	fmt.Fprintf(stdout, "wrote %s: %d samples x %d times x %d points, float32, %.1f KiB on disk (%.0f%% of raw)\n",
		path, p.Samples, p.Steps, p.Points, float64(st.Size())/1024, 100*float64(st.Size())/float64(raw))
	fmt.Fprintf(stdout, "re-read and checked against the exact heat-equation solution: max |error| %.2e (float32 rounding), %.2fs\n",
		maxErr, time.Since(start).Seconds())
	return nil
}

func writeHeat(path string, p heatParams, seed uint64) error {
	f, err := datasets.Create(path)
	if err != nil {
		return err
	}
	params, _ := json.Marshal(p)
	if err := f.SetProvenance(datasets.Provenance{Kind: "demo", Name: "heat-exact", Parameters: string(params), Seed: int64(seed)}); err != nil {
		f.Abort()
		return err
	}
	d, err := f.CreateDataset("tensor", datasets.Float32, []int{0, p.Steps, p.Points}, &datasets.Options{Extendible: true})
	if err != nil {
		f.Abort()
		return err
	}
	for i := 0; i < p.Samples; i++ {
		if err := datasets.Append(d, p.sample(seed, i)); err != nil {
			f.Abort()
			return err
		}
	}
	x, tc := p.grid()
	if err := datasets.Write(f.Group, "x-coordinate", []int{p.Points}, x, &datasets.Options{Dtype: datasets.Float32}); err != nil {
		f.Abort()
		return err
	}
	if err := datasets.Write(f.Group, "t-coordinate", []int{p.Steps}, tc, &datasets.Options{Dtype: datasets.Float32}); err != nil {
		f.Abort()
		return err
	}
	if err := f.SetAttr("Nu", p.Nu); err != nil {
		f.Abort()
		return err
	}
	return f.Close()
}

func verifyHeat(path string, p heatParams, seed uint64) (float64, error) {
	f, err := datasets.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	set, err := datasets.ReadTensorSet(f, 0, -1)
	if err != nil {
		return 0, err
	}
	if set.Samples() != p.Samples || set.Params["Nu"] != p.Nu {
		return 0, fmt.Errorf("%s: read back %d samples with Nu=%v, wrote %d with Nu=%v", path, set.Samples(), set.Params["Nu"], p.Samples, p.Nu)
	}
	per := p.Steps * p.Points
	maxErr := 0.0
	for i := 0; i < p.Samples; i++ {
		got := set.Data[i*per : (i+1)*per]
		for j, v := range p.sample(seed, i) {
			maxErr = math.Max(maxErr, math.Abs(float64(got[j]-v)))
		}
	}
	if maxErr != 0 {
		return maxErr, fmt.Errorf("%s: values read back differ from those written by up to %g", path, maxErr)
	}
	// The stored float32 values against the exact float64 formula, at the
	// coordinates read back from the file.
	exactErr := 0.0
	for i := 0; i < p.Samples; i++ {
		h := p.field(seed, i)
		for n, t := range set.Coords.T {
			for j, x := range set.Coords.X {
				exactErr = math.Max(exactErr, math.Abs(float64(set.Data[i*per+n*p.Points+j])-h.at(x, t)))
			}
		}
	}
	if exactErr > 1e-5 {
		return exactErr, fmt.Errorf("%s: stored field differs from the exact solution by %g, expected float32 rounding (< 1e-5)", path, exactErr)
	}
	return exactErr, nil
}
