package experiments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// requiredMetrics are the keys every metrics.json holds: the fields of
// Metrics that are always written (not omitempty).
var requiredMetrics = func() []string {
	var keys []string
	t := reflect.TypeOf(Metrics{})
	for i := 0; i < t.NumField(); i++ {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && !strings.Contains(opts, "omitempty") {
			keys = append(keys, name)
		}
	}
	return keys
}()

// ReadMetrics reads a run directory's metrics.json and checks that it is
// what the evaluate stage writes: a JSON object with every key of Metrics
// that is always present (test_rel_l2, params, speedup, ...), none null.
// A file that is null, {} or lacks keys is refused with an error naming
// the file and the missing keys, rather than read as zeros.
func ReadMetrics(runDir string) (*Metrics, error) {
	path := filepath.Join(runDir, "metrics.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("experiments: %s: no metrics.json (has the eval stage run? `simulate eval CONFIG.toml`): %w", runDir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("experiments: reading %s: %w", path, err)
	}
	m, err := parseMetrics(raw)
	if err != nil {
		return nil, fmt.Errorf("experiments: %s: %w (rerun `simulate eval CONFIG.toml` to rewrite it)", path, err)
	}
	return m, nil
}

// parseMetrics decodes metrics.json text and checks its keys.
func parseMetrics(raw []byte) (*Metrics, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("expected a JSON object of metrics: %w", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("expected a JSON object of metrics, found %s", bytes.TrimSpace(raw))
	}
	var missing, null []string
	for _, k := range requiredMetrics {
		v, ok := obj[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case bytes.Equal(bytes.TrimSpace(v), []byte("null")):
			null = append(null, k)
		}
	}
	if len(missing) > 0 || len(null) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, fmt.Sprintf("missing %s", strings.Join(missing, ", ")))
		}
		if len(null) > 0 {
			parts = append(parts, fmt.Sprintf("null %s", strings.Join(null, ", ")))
		}
		found := "no keys"
		if len(obj) > 0 {
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			found = "keys " + strings.Join(keys, ", ")
		}
		return nil, fmt.Errorf("not the evaluate stage's metrics: %s (expected %s; found %s)",
			strings.Join(parts, "; "), strings.Join(requiredMetrics, ", "), found)
	}
	var m Metrics
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// checkFiniteMetrics names the first metric that is NaN or infinite (JSON
// cannot hold them, and a table or figure of them means nothing).
func checkFiniteMetrics(m *Metrics) error {
	bad := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("experiments: metric %s is %v, expected a finite number", name, v)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"test_rel_l2", m.TestRelL2}, {"test_rel_l2_std", m.TestRelL2Std}, {"test_rel_l2_max", m.TestRelL2Max},
		{"train_seconds", m.TrainSeconds}, {"inference_seconds_per_sample", m.InferenceSecondsPerSample},
		{"solver_seconds_per_sample", m.SolverSecondsPerSample}, {"speedup", m.Speedup},
	} {
		if err := bad(c.name, c.v); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(m.SuperResolution))
	for k := range m.SuperResolution {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := bad("super_resolution["+k+"]", m.SuperResolution[k]); err != nil {
			return err
		}
	}
	if err := bad("chamfer_last", m.ChamferLast); err != nil {
		return err
	}
	if r := m.Sparse; r != nil {
		for _, c := range []struct {
			name string
			v    float64
		}{{"sparse.sampling", r.Sampling}, {"sparse.subset_rel_l2", r.SubsetRelL2}, {"sparse.step_seconds_per_frame", r.StepSecondsPerFrame},
			{"sparse.recon_seconds_per_frame", r.ReconSecondsPerFrame}, {"sparse.recon_rel_l2", r.ReconRelL2}, {"sparse.idw_rel_l2", r.IDWRelL2}, {"sparse.interp_rel_l2", r.InterpRelL2}} {
			if err := bad(c.name, c.v); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			name string
			v    []float64
		}{{"dense_rollout_mse", r.DenseRolloutMSE}, {"recon_rel_l2_per_trajectory", r.ReconPerTrajectory},
			{"idw_rel_l2_per_trajectory", r.IDWPerTrajectory}, {"interp_rel_l2_per_trajectory", r.InterpPerTrajectory}} {
			for i, v := range c.v {
				if err := bad(fmt.Sprintf("sparse.%s[%d]", c.name, i), v); err != nil {
					return err
				}
			}
		}
	}
	if err := bad("constant_velocity_rel_l2", m.ConstantVelocityRelL2); err != nil {
		return err
	}
	for i, v := range m.ConstantVelocityMSE {
		if err := bad(fmt.Sprintf("constant_velocity_mse[%d]", i), v); err != nil {
			return err
		}
	}
	for i, v := range m.RolloutMSE {
		if err := bad(fmt.Sprintf("rollout_mse[%d] (predicted frame %d)", i, i+1), v); err != nil {
			return err
		}
	}
	for i, v := range m.RolloutRelL2 {
		if err := bad(fmt.Sprintf("rollout_rel_l2[%d] (predicted frame %d)", i, i+1), v); err != nil {
			return err
		}
	}
	if r := m.MeshPDE; r != nil {
		for _, c := range []struct {
			name string
			v    float64
		}{{"mesh_pde.one_step_node_rel_l2", r.OneStepNodeRelL2}, {"mesh_pde.one_step_interpolation_error", r.InterpolationError},
			{"mesh_pde.one_step_persistence_rel_l2", r.PersistenceRelL2}, {"mesh_pde.mesh_seconds_per_step", r.MeshSecondsPerStep},
			{"mesh_pde.network_seconds_per_step", r.NetworkSecondsPerStep}, {"mesh_pde.train_mesh_seconds", r.TrainMeshSeconds}} {
			if err := bad(c.name, c.v); err != nil {
				return err
			}
		}
		for i, v := range r.RolloutPersistence {
			if err := bad(fmt.Sprintf("mesh_pde.rollout_persistence_rel_l2[%d] (frame %d after the start)", i, i+1), v); err != nil {
				return err
			}
		}
	}
	if r := m.LongRollout; r != nil {
		for name, vs := range map[string][]float64{"rel_l2": r.RelL2, "persistence_rel_l2": r.Persistence,
			"spectrum_distance": r.SpectrumDistance, "pdf_distance": r.PDFDistance, "mean_square_prediction": r.MeanSquarePred,
			"energy_prediction": r.EnergyPred, "mean_square_truth": r.MeanSquareTruth, "energy_truth": r.EnergyTruth} {
			for i, v := range vs {
				if err := bad(fmt.Sprintf("long_rollout.%s[%d]", name, i), v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkFinitePredictions reports predictions [N, ...] that hold NaN or
// infinite values, naming the first test sample affected and the counts:
// "model predictions are not finite: 12 NaN values in test sample 3". what
// says which predictions ("" for the test set; "at resolution 128", ...).
func checkFinitePredictions(pred []float32, samples int, what string) error {
	if samples < 1 || len(pred) == 0 {
		return nil
	}
	per := len(pred) / samples
	first, affected, nanAll, infAll := -1, 0, 0, 0
	var nanFirst, infFirst int
	for i := 0; i < samples; i++ {
		nan, inf := 0, 0
		for _, v := range pred[i*per : (i+1)*per] {
			switch x := float64(v); {
			case math.IsNaN(x):
				nan++
			case math.IsInf(x, 0):
				inf++
			}
		}
		if nan+inf == 0 {
			continue
		}
		affected++
		nanAll += nan
		infAll += inf
		if first < 0 {
			first, nanFirst, infFirst = i, nan, inf
		}
	}
	if first < 0 {
		return nil
	}
	counts := func(nan, inf int) string {
		var parts []string
		if nan > 0 {
			parts = append(parts, fmt.Sprintf("%d NaN", nan))
		}
		if inf > 0 {
			parts = append(parts, fmt.Sprintf("%d Inf", inf))
		}
		return strings.Join(parts, " and ") + " values"
	}
	if what != "" {
		what = " " + what
	}
	msg := fmt.Sprintf("model predictions%s are not finite: %s in test sample %d", what, counts(nanFirst, infFirst), first)
	if affected > 1 {
		msg += fmt.Sprintf(" (%d of %d samples affected, %s in all)", affected, samples, counts(nanAll, infAll))
	}
	return errors.New(msg)
}
