package nn

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/tensor"
)

// Checkpoint is a training state that resumes bit-identically: every
// parameter by name, the optimizer's moments and step, the schedule, the
// epoch and global step, the training RNG, and the model's configuration.
type Checkpoint struct {
	Epoch, Step int // completed epochs and optimizer steps
	Optimizer   OptimizerState
	Schedule    map[string]float64
	RNG         tensor.RNGState
	ModelConfig string             // the model's configuration (JSON or TOML)
	Metrics     map[string]float64 // latest evaluation, for the record
}

// Checkpoint file layout (HDF5, written atomically through datasets):
//
//	/params/<name>                 the parameter, its own dtype and shape
//	/optimizer@kind, @<scalar>     optimizer kind and scalars (lr, step)
//	/optimizer/<param>/<slot>      float64 moment buffers
//	/schedule@<key>                schedule state
//	/@epoch, @step, @rng_state, @rng_spare, @rng_has_spare, @model_config,
//	/@metric.<name>
const checkpointFormat = "surrogo-checkpoint/1"

// SaveCheckpoint writes params and ck to path atomically.
func SaveCheckpoint[T tensor.Float](path string, params []Param[T], ck *Checkpoint) (err error) {
	if err := CheckNames(params); err != nil {
		return err
	}
	f, err := datasets.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	for _, p := range params {
		if strings.Contains(p.Name, "/") {
			return fmt.Errorf("nn: parameter name %q contains '/'", p.Name)
		}
		if err := datasets.Write(f.Group, "params/"+p.Name, p.Var.Value.Shape(), p.Var.Value.Data(), &datasets.Options{Compression: datasets.None}); err != nil {
			return err
		}
	}
	og, err := f.CreateGroup("optimizer")
	if err != nil {
		return err
	}
	if err := og.SetAttr("kind", ck.Optimizer.Kind); err != nil {
		return err
	}
	for k, v := range ck.Optimizer.Scalars {
		if err := og.SetAttr(k, v); err != nil {
			return err
		}
	}
	for pname, slots := range ck.Optimizer.Slots {
		for slot, v := range slots {
			if err := datasets.Write(og, pname+"/"+slot, []int{len(v)}, v, &datasets.Options{Compression: datasets.None}); err != nil {
				return err
			}
		}
	}
	sg, err := f.CreateGroup("schedule")
	if err != nil {
		return err
	}
	for k, v := range ck.Schedule {
		if err := sg.SetAttr(k, v); err != nil {
			return err
		}
	}
	words := make([]int64, 4)
	for i, w := range ck.RNG.S {
		words[i] = int64(w)
	}
	attrs := map[string]any{
		"checkpoint_format": checkpointFormat,
		"epoch":             ck.Epoch,
		"step":              ck.Step,
		"rng_state":         words,
		"rng_spare":         ck.RNG.Spare,
		"rng_has_spare":     ck.RNG.HasSpare,
		"model_config":      ck.ModelConfig,
		"n_params":          len(params),
	}
	for k, v := range ck.Metrics {
		attrs["metric."+k] = v
	}
	for k, v := range attrs {
		if err := f.SetAttr(k, v); err != nil {
			return err
		}
	}
	return f.Close()
}

// ErrCheckpointMismatch marks a checkpoint that does not fit the model.
var ErrCheckpointMismatch = errors.New("checkpoint does not match the model")

// LoadCheckpoint reads path, copies every parameter into params (names and
// shapes must match exactly: a missing, extra or reshaped parameter is an
// error naming it) and returns the rest of the state.
func LoadCheckpoint[T tensor.Float](path string, params []Param[T]) (*Checkpoint, error) {
	f, err := datasets.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format, err := f.AttrString("checkpoint_format"); err != nil || format != checkpointFormat {
		return nil, fmt.Errorf("nn: %s is not a surrogo checkpoint (format %q): %w", path, format, ErrCheckpointMismatch)
	}
	pg, err := f.OpenGroup("params")
	if err != nil {
		return nil, err
	}
	entries, err := pg.Entries()
	if err != nil {
		return nil, err
	}
	inFile := map[string]bool{}
	for _, e := range entries {
		inFile[e.Name] = true
	}
	// Read everything first so a mismatch leaves the model untouched.
	values := make([][]T, len(params))
	for i, p := range params {
		if !inFile[p.Name] {
			return nil, fmt.Errorf("nn: %s: parameter %q (shape %v) is missing from the checkpoint: %w", path, p.Name, p.Var.Value.Shape(), ErrCheckpointMismatch)
		}
		delete(inFile, p.Name)
		v, shape, err := datasets.Read[T](pg, p.Name)
		if err != nil {
			return nil, err
		}
		if !tensor.SameShape(shape, p.Var.Value.Shape()) {
			return nil, fmt.Errorf("nn: %s: parameter %q has shape %v in the checkpoint, the model expects %v: %w", path, p.Name, shape, p.Var.Value.Shape(), ErrCheckpointMismatch)
		}
		values[i] = v
	}
	if len(inFile) > 0 {
		extra := make([]string, 0, len(inFile))
		for k := range inFile {
			extra = append(extra, k)
		}
		sort.Strings(extra)
		return nil, fmt.Errorf("nn: %s: checkpoint has parameters the model lacks: %s: %w", path, strings.Join(extra, ", "), ErrCheckpointMismatch)
	}
	ck := &Checkpoint{Metrics: map[string]float64{}, Schedule: map[string]float64{}}
	epoch, err := f.AttrInt64("epoch")
	if err != nil {
		return nil, err
	}
	step, err := f.AttrInt64("step")
	if err != nil {
		return nil, err
	}
	ck.Epoch, ck.Step = int(epoch), int(step)
	if ck.ModelConfig, err = f.AttrString("model_config"); err != nil {
		return nil, err
	}
	words, err := f.Attr("rng_state")
	if err != nil {
		return nil, err
	}
	w, ok := words.([]int64)
	if !ok || len(w) != 4 {
		return nil, fmt.Errorf("nn: %s: rng_state is not 4 integers: %w", path, ErrCheckpointMismatch)
	}
	for i := range w {
		ck.RNG.S[i] = uint64(w[i])
	}
	if ck.RNG.Spare, err = f.AttrFloat64("rng_spare"); err != nil {
		return nil, err
	}
	has, err := f.AttrInt64("rng_has_spare")
	if err != nil {
		return nil, err
	}
	ck.RNG.HasSpare = has == 1
	infos, err := f.Attrs()
	if err != nil {
		return nil, err
	}
	for _, a := range infos {
		if strings.HasPrefix(a.Name, "metric.") {
			if v, err := f.AttrFloat64(a.Name); err == nil {
				ck.Metrics[strings.TrimPrefix(a.Name, "metric.")] = v
			}
		}
	}
	if ck.Optimizer, err = readOptimizer(f); err != nil {
		return nil, err
	}
	sg, err := f.OpenGroup("schedule")
	if err != nil {
		return nil, err
	}
	sinfos, err := sg.Attrs()
	if err != nil {
		return nil, err
	}
	for _, a := range sinfos {
		v, err := sg.AttrFloat64(a.Name)
		if err != nil {
			return nil, err
		}
		ck.Schedule[a.Name] = v
	}
	for i, p := range params {
		copy(p.Var.Value.Data(), values[i])
	}
	return ck, nil
}

func readOptimizer(f *datasets.File) (OptimizerState, error) {
	st := OptimizerState{Scalars: map[string]float64{}, Slots: map[string]map[string][]float64{}}
	og, err := f.OpenGroup("optimizer")
	if err != nil {
		return st, err
	}
	if st.Kind, err = og.AttrString("kind"); err != nil {
		return st, err
	}
	infos, err := og.Attrs()
	if err != nil {
		return st, err
	}
	for _, a := range infos {
		if a.Name == "kind" {
			continue
		}
		v, err := og.AttrFloat64(a.Name)
		if err != nil {
			return st, err
		}
		st.Scalars[a.Name] = v
	}
	params, err := og.Entries()
	if err != nil {
		return st, err
	}
	for _, p := range params {
		if p.Kind != datasets.KindGroup {
			continue
		}
		pg, err := og.OpenGroup(p.Name)
		if err != nil {
			return st, err
		}
		slots, err := pg.Entries()
		if err != nil {
			pg.Close()
			return st, err
		}
		st.Slots[p.Name] = map[string][]float64{}
		for _, s := range slots {
			v, _, err := datasets.Read[float64](pg, s.Name)
			if err != nil {
				pg.Close()
				return st, err
			}
			st.Slots[p.Name][s.Name] = v
		}
		pg.Close()
	}
	return st, nil
}

// allFinite reports whether every parameter gradient is finite.
func gradsFinite[T tensor.Float](params []Param[T]) (string, bool) {
	for _, p := range params {
		if p.Var.Grad == nil {
			continue
		}
		for _, v := range p.Var.Grad.Data() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return p.Name, false
			}
		}
	}
	return "", true
}
