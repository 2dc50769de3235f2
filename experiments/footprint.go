package experiments

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/surrogo/surrogo/datasets"
)

// The footprint check: before anything is allocated, estimate the memory
// each stage needs (and the disk the generated data takes) from the
// configuration alone, and refuse at load what cannot fit, naming the key
// most responsible, the estimate and the machine's memory. The estimates
// are deliberately coarse (within a factor of about two of the measured
// peaks in docs/PERFORMANCE.md): they exist to turn "resolution = 1e12"
// or "width = 1e8" into one clear error instead of an out-of-memory crash
// hours later, not to pack a machine to the last byte.

// footprint is one stage's estimate in bytes, by part.
type footprint struct {
	stage string
	parts []part
}

type part struct {
	what  string
	bytes float64
	key   string // the config key that scales this part most
}

func (f footprint) total() float64 {
	s := 0.0
	for _, p := range f.parts {
		s += p.bytes
	}
	return s
}

// largest is the part that dominates the estimate.
func (f footprint) largest() part {
	best := f.parts[0]
	for _, p := range f.parts[1:] {
		if p.bytes > best.bytes {
			best = p
		}
	}
	return best
}

func (f footprint) String() string {
	items := make([]string, len(f.parts))
	for i, p := range f.parts {
		items[i] = fmt.Sprintf("%s %s", p.what, formatBytes(p.bytes))
	}
	return fmt.Sprintf("%s needs about %s of memory (%s)", f.stage, formatBytes(f.total()), strings.Join(items, ", "))
}

// formatBytes prints a byte count with a binary unit: 23.4 GiB.
func formatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

// machineMemory is the memory this process may use (datasets.MemoryAvailable:
// MemTotal, the cgroup limit, GOMEMLIMIT); 0 when it cannot be read, and
// then nothing is refused.
func machineMemory() float64 {
	mem, source := datasets.MemoryAvailable()
	if strings.HasPrefix(source, "assumed") {
		return 0
	}
	return float64(mem)
}

// freeDisk is the space available to this user on the file system that
// holds path (or its nearest existing ancestor); 0 when unknown.
func freeDisk(path string) float64 {
	dir := filepath.Dir(path)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err == nil {
			return float64(st.Bavail) * float64(st.Bsize)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return 0
		}
		dir = parent
	}
}

// workspaceBytes is an estimate of a solver's working floats per grid
// point (float64 state, spectra, ETDRK4 stages and coefficients, CG
// vectors), beside the stored frames.
func (s solverSpec) workspaceBytes(points float64) float64 {
	return 8 * s.workspace * points
}

// generateFootprint estimates the generate stage: what the solver needs
// on each worker (its generator says).
func (c *Config) generateFootprint() footprint {
	return footprint{stage: "generate", parts: c.gen.footprint(float64(runtime.GOMAXPROCS(0)))}
}

// storedFloats is the number of values stored per sample.
func (c *Config) storedFloats() float64 {
	if e := c.ext; e != nil {
		n := float64(e.frames * e.variables)
		for _, s := range e.stored {
			n *= float64(s)
		}
		return n
	}
	return c.gen.storedValues()
}

// dataBytes is the size of the generated file (float32 values, before
// compression).
func (c *Config) dataBytes() float64 {
	return 4 * c.storedFloats() * float64(c.Data.Samples())
}

// checkGenerateFootprint refuses a generate stage that cannot fit in
// memory, or whose data cannot fit on the disk that will hold it.
func (c *Config) checkGenerateFootprint(raw []byte) error {
	if c.ext != nil {
		return nil // the data exists: nothing to generate
	}
	mem := machineMemory()
	if f := c.generateFootprint(); mem > 0 && f.total() > mem {
		return c.fail(raw, f.largest().key, "%s, more than this machine's %s", f, formatBytes(mem))
	}
	if _, err := os.Stat(c.Data.Output); err == nil {
		return nil // generated already: nothing more to write
	}
	need := c.dataBytes()
	if st, err := os.Stat(c.Data.Output + ".tmp"); err == nil {
		need -= float64(st.Size()) // an interrupted run resumes in place
	}
	key := "data.train"
	if c.storedFloats() > 1e8 {
		key = "data.resolution"
	}
	if free := freeDisk(c.Data.Output); free > 0 && need > free {
		return c.fail(raw, key, "the generated data takes about %s (%d samples of %.3g values in float32), more than the %s free on the disk of %s",
			formatBytes(need), c.Data.Samples(), c.storedFloats(), formatBytes(free), filepath.Dir(c.Data.Output))
	}
	return nil
}

// gridFootprints estimates the train stage of a grid operator
// (parameters with their gradients and Adam's two float64 slots, the
// activations of one batch, the data held in memory, raw and paired, in
// float32) and its evaluation at the largest eval.resolutions.
func (c *Config) gridFootprints(a gridArch) []footprint {
	m, t := c.Model, c.Train
	spatial := c.storedSpatial(t.Subsample)
	dim, points := len(spatial), 1.0
	for _, n := range spatial {
		points *= float64(n) * (1 + m.PadFraction)
	}
	width, batch, factor := float64(m.Width), float64(t.Batch), a.activationFactor(c)
	act := 4 * batch * factor * width * points
	// Batches stream from the file: the one training, the one prefetched
	// and the test set, each as stored (inputs and targets).
	data := 2 * 4 * c.storedFloats() * float64(2*t.Batch+c.Data.Test*c.windowsPerTrajectory())
	train := footprint{stage: "training", parts: []part{
		{"parameters with gradients and Adam state", 24 * a.params(c, dim), c.dominantModelKey()},
		{fmt.Sprintf("activations of a batch of %d", t.Batch), act, dominant(map[string]float64{
			"train.batch": batch / 20, "model.width": width / 64, "data.resolution": points / math.Pow(64, float64(dim)),
			"model.layers": factor / 40})},
		{"two batches and the test samples", data, c.dataKey()},
	}}
	if e, ok := c.evalFootprint(factor); ok {
		return []footprint{train, e}
	}
	return []footprint{train}
}

// pinnFootprint estimates the train stage of a PINN or LPINN: float64
// parameters and Adam state, and the activations of the second-order
// residual graph over every grid point (L-BFGS uses them all), about 16
// floats per neuron and point (docs/PERFORMANCE.md: the PINN step on
// 25,600 points at width 50, depth 5 peaks at 757 MiB).
func (c *Config) pinnFootprint() footprint {
	_, g, _ := c.pinnProblem()
	m := c.Model
	depth := float64(m.Layers + m.DepthX)
	width := float64(m.Width)
	points := float64(g.NX) * float64(g.NT)
	return footprint{stage: "training", parts: []part{
		{"parameters and Adam state", 32 * depth * width * (width + 1), dominant(map[string]float64{"model.width": width * width / 2500, "model.layers": depth / 7})},
		{fmt.Sprintf("residual graph over %.0f points", points), 8 * 16 * depth * width * points, dominant(map[string]float64{
			"model.width": width / 50, "model.layers": depth / 7, "data.resolution": float64(g.NX) / 256, "data.snapshots": float64(g.NT) / 100})},
	}}
}

// evalFootprint estimates re-solving and predicting at the largest
// eval.resolutions: the solver's workspace per worker and the model's
// forward pass (no gradients: a quarter of a training step's activations).
func (c *Config) evalFootprint(factor float64) (footprint, bool) {
	res := 0
	for _, r := range c.Eval.Resolutions {
		res = max(res, r)
	}
	if res == 0 {
		return footprint{}, false
	}
	spec := registry[c.Data.Solver]
	points := math.Pow(float64(res), float64(spec.dim))
	workers := float64(runtime.GOMAXPROCS(0))
	act := float64(c.Train.Batch) * factor * float64(c.Model.Width) * points // 4 bytes, a quarter of training's floats
	return footprint{stage: fmt.Sprintf("evaluation at resolution %d", res), parts: []part{
		{fmt.Sprintf("solver workspace for %.0f workers", workers), workers * spec.workspaceBytes(points), "eval.resolutions"},
		{fmt.Sprintf("the model on a batch of %d", c.Train.Batch), act, "eval.resolutions"},
	}}, true
}

// dominantModelKey names the [model] key that makes the parameter count
// largest relative to a typical operator (width 64, 4 layers, 16 modes per
// axis, projection 128).
func (c *Config) dominantModelKey() string {
	m := c.Model
	modes := 1.0
	for _, k := range m.Modes {
		modes *= float64(k) / 16
	}
	return dominant(map[string]float64{
		"model.width": float64(m.Width) * float64(m.Width) / (64 * 64), "model.layers": float64(m.Layers) / 4,
		"model.modes": modes, "model.proj_hidden": float64(m.ProjHidden) / 128})
}

// dataKey names the [data] key that makes the data largest.
func (c *Config) dataKey() string {
	if c.ext != nil {
		return "train.batch"
	}
	if c.storedFloats() > 1e7 {
		return "data.resolution"
	}
	return "data.train"
}

// dominant returns the key with the largest ratio (ties: the first in
// sorted order, so messages are reproducible).
func dominant(ratios map[string]float64) string {
	best, bestRatio := "", math.Inf(-1)
	for k, r := range ratios {
		if r > bestRatio || (r == bestRatio && k < best) {
			best, bestRatio = k, r
		}
	}
	return best
}

// checkModelFootprint refuses training (and evaluation at the largest
// eval.resolutions) that cannot fit in memory.
func (c *Config) checkModelFootprint(raw []byte) error {
	mem := machineMemory()
	if mem == 0 {
		return nil
	}
	for _, f := range c.family().footprints(c) {
		if f.total() > mem {
			return c.fail(raw, f.largest().key, "%s, more than this machine's %s", f, formatBytes(mem))
		}
	}
	return nil
}
