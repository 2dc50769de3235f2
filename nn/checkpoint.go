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
// parameter by name, the optimizer's state (Adam's moments and step, or an
// L-BFGS run's curvature pairs and point), the schedule, the position in
// the training (phase, epoch, batch, step), the training RNG, and the
// model's configuration.
type Checkpoint struct {
	Epoch, Step int // completed epochs (over all phases) and optimizer steps
	// Batch counts the completed batches of epoch Epoch+1 (0 at an epoch's
	// end); EpochLoss sums their losses and EpochSeconds their time, so a
	// checkpoint taken inside an epoch (on cancellation, or every k steps)
	// resumes it exactly.
	Batch        int
	EpochLoss    float64
	EpochSeconds float64
	// Phase is the index of the Trainer phase whose optimizer state this
	// is; PhaseRNG is the RNG as that phase began (for Phase.Begin).
	Phase       int
	PhaseRNG    tensor.RNGState
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
//	/optimizer/<param>/<slot>      float64 moment buffers (L-BFGS: /optimizer/lbfgs/{x,g,s,y})
//	/schedule@<key>                schedule state
//	/@epoch, @step, @batch, @epoch_loss, @epoch_seconds, @phase,
//	/@rng_state, @rng_spare, @rng_has_spare, @phase_rng_state,
//	/@phase_rng_spare, @phase_rng_has_spare, @model_config, @metric.<name>
//
// Format 1 (before phases) lacks batch, epoch_loss, epoch_seconds, phase
// and phase_rng_*: it reads as phase 0 at the end of an epoch.
const checkpointFormat = "surrogo-checkpoint/2"

// checkpointFormat1 is the format before phases and in-epoch positions.
const checkpointFormat1 = "surrogo-checkpoint/1"

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
	attrs := map[string]any{
		"checkpoint_format": checkpointFormat,
		"epoch":             ck.Epoch,
		"step":              ck.Step,
		"batch":             ck.Batch,
		"epoch_loss":        ck.EpochLoss,
		"epoch_seconds":     ck.EpochSeconds,
		"phase":             ck.Phase,
		"model_config":      ck.ModelConfig,
		"n_params":          len(params),
	}
	rngAttrs(attrs, "rng", ck.RNG)
	rngAttrs(attrs, "phase_rng", ck.PhaseRNG)
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

// rngAttrs adds an RNG state as the attributes <prefix>_state (4 x int64),
// <prefix>_spare and <prefix>_has_spare.
func rngAttrs(attrs map[string]any, prefix string, st tensor.RNGState) {
	words := make([]int64, 4)
	for i, w := range st.S {
		words[i] = int64(w)
	}
	attrs[prefix+"_state"] = words
	attrs[prefix+"_spare"] = st.Spare
	attrs[prefix+"_has_spare"] = st.HasSpare
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
	format, err := f.AttrString("checkpoint_format")
	if err != nil || (format != checkpointFormat && format != checkpointFormat1) {
		return nil, fmt.Errorf("nn: %s is not a surrogo checkpoint (format %q, expected %q or %q): %w", path, format, checkpointFormat, checkpointFormat1, ErrCheckpointMismatch)
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
	if err := readPosition(f, ck, format == checkpointFormat1); err != nil {
		return nil, fmt.Errorf("nn: %s: %w", path, err)
	}
	if ck.ModelConfig, err = f.AttrString("model_config"); err != nil {
		return nil, err
	}
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

// readPosition reads where the checkpoint stands: epoch, step, the
// in-epoch position and phase (absent in format 1: zeros), and the RNGs.
func readPosition(f *datasets.File, ck *Checkpoint, format1 bool) error {
	ints := []struct {
		name string
		dst  *int
	}{{"epoch", &ck.Epoch}, {"step", &ck.Step}, {"batch", &ck.Batch}, {"phase", &ck.Phase}}
	floats := []struct {
		name string
		dst  *float64
	}{{"epoch_loss", &ck.EpochLoss}, {"epoch_seconds", &ck.EpochSeconds}}
	if format1 {
		ints, floats = ints[:2], nil
	}
	for _, a := range ints {
		v, err := f.AttrInt64(a.name)
		if err != nil {
			return err
		}
		*a.dst = int(v)
	}
	for _, a := range floats {
		v, err := f.AttrFloat64(a.name)
		if err != nil {
			return err
		}
		*a.dst = v
	}
	var err error
	if ck.RNG, err = readRNG(f, "rng"); err != nil || format1 {
		return err
	}
	ck.PhaseRNG, err = readRNG(f, "phase_rng")
	return err
}

// readRNG reads the RNG state written by rngAttrs.
func readRNG(f *datasets.File, prefix string) (tensor.RNGState, error) {
	var st tensor.RNGState
	words, err := f.Attr(prefix + "_state")
	if err != nil {
		return st, err
	}
	w, ok := words.([]int64)
	if !ok || len(w) != 4 {
		return st, fmt.Errorf("%s_state is %v, expected 4 integers: %w", prefix, words, ErrCheckpointMismatch)
	}
	for i := range w {
		st.S[i] = uint64(w[i])
	}
	if st.Spare, err = f.AttrFloat64(prefix + "_spare"); err != nil {
		return st, err
	}
	has, err := f.AttrInt64(prefix + "_has_spare")
	st.HasSpare = has == 1
	return st, err
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
