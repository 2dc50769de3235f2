package experiments

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestReadMetricsRefusesIncomplete: metrics.json that is null, {}, lacks
// keys or holds null values is refused naming the file and what is
// missing, not read as zeros.
func TestReadMetricsRefusesIncomplete(t *testing.T) {
	full := `{"test_rel_l2": 0.1, "test_rel_l2_std": 0.01, "test_rel_l2_max": 0.2, "test_samples": 8, "resolution": [64],
"params": 10, "train_seconds": 1, "inference_seconds_per_sample": 0.001, "solver_seconds_per_sample": 0.1, "speedup": 100}`
	cases := []struct {
		name, text string
		want       []string // nil: accepted
	}{
		{"complete", full, nil},
		{"null", "null", []string{"expected a JSON object", "found null"}},
		{"empty object", "{}", []string{"missing test_rel_l2, test_rel_l2_std", "speedup", "found no keys"}},
		{"missing keys", `{"test_rel_l2": 0.1}`, []string{"missing test_rel_l2_std", "found keys test_rel_l2"}},
		{"null value", strings.Replace(full, `"speedup": 100`, `"speedup": null`, 1), []string{"null speedup"}},
		{"array", "[1, 2]", []string{"expected a JSON object"}},
		{"not JSON", "test_rel_l2 = 0.1", []string{"expected a JSON object"}},
		{"empty file", "", []string{"expected a JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(c.text), 0o644)
			m, err := ReadMetrics(dir)
			if c.want == nil {
				if err != nil || m.TestRelL2 != 0.1 || m.Speedup != 100 {
					t.Fatalf("%+v %v", m, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %+v", m)
			}
			for _, w := range append(c.want, filepath.Join(dir, "metrics.json")) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := ReadMetrics(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no metrics.json") {
		t.Errorf("missing file: %v", err)
	}
}

// plotRun writes a run directory Plot can draw: 1-D predictions of two
// samples, metrics and the given train_log.csv.
func plotRun(t *testing.T, log string, truth, pred []float32) string {
	t.Helper()
	dir := t.TempDir()
	cfg := &Config{RunDirectory: dir}
	cfg.Model.Kind = "fno"
	x := tensor.New[float32](2, 16, 1)
	if err := writePredictions(cfg, filepath.Join(dir, "predictions.h5"), x, tensor.FromSlice(truth, 2, 16, 1), tensor.FromSlice(pred, 2, 16, 1)); err != nil {
		t.Fatal(err)
	}
	m := &Metrics{TestRelL2: 0.1, TestSamples: 2, Resolution: []int{16}, RolloutRelL2: []float64{0, 0}}
	if err := writeJSON(filepath.Join(dir, "metrics.json"), m); err != nil {
		t.Fatal(err)
	}
	if log != "-" {
		os.WriteFile(filepath.Join(dir, "train_log.csv"), []byte(log), 0o644)
	}
	return dir
}

// TestPlotDegenerateInputs: an empty or header-only train_log.csv, losses
// that a log axis cannot show, and all-zero fields leave the figures they
// affect out with a note instead of panicking inside gonum/plot.
func TestPlotDegenerateInputs(t *testing.T) {
	wave := make([]float32, 32)
	for i := range wave {
		wave[i] = float32(math.Sin(2 * math.Pi * float64(i%16) / 16))
	}
	zeros := make([]float32, 32)
	header := trainLogHeader + "\n"
	cases := []struct {
		name        string
		log         string
		truth, pred []float32
		absent      []string // figures left out
		notes       []string
	}{
		{"normal", header + "1,3,0.001,0.5,0.4,1.0\n2,6,0.001,0.25,,1.0\n", wave, wave, []string{"rollout_error"}, []string{"rollout_error figure left out"}},
		{"empty log", "", wave, wave, []string{"loss"}, []string{"loss figure left out", "holds no epochs", "found 0 lines"}},
		{"header only", header, wave, wave, []string{"loss"}, []string{"loss figure left out", "found 1 lines"}},
		{"zero losses", header + "1,3,0.001,0,0,1.0\n2,6,0.001,-1,,1.0\n", wave, wave, []string{"loss"}, []string{"loss figure left out", "none of its 4 values", "log axis"}},
		{"NaN losses", header + "1,3,0.001,NaN,NaN,1.0\n", wave, wave, []string{"loss"}, []string{"loss figure left out"}},
		{"line cut short", header + "1,3,0.001,0.5,0.4,1.0\n2,6,0.0", wave, wave, nil, nil},
		{"zero fields", header + "1,3,0.001,0.5,0.4,1.0\n", zeros, zeros, []string{"spectrum"}, []string{"spectrum figure left out"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := plotRun(t, c.log, c.truth, c.pred)
			var notes strings.Builder
			files, err := Plot(dir, PlotOptions{Formats: []string{"svg"}, Log: &notes})
			if err != nil {
				t.Fatal(err)
			}
			drawn := map[string]bool{}
			for _, f := range files {
				drawn[strings.TrimSuffix(filepath.Base(f), ".svg")] = true
			}
			for _, name := range []string{"loss", "samples", "spectrum"} {
				want := true
				for _, a := range c.absent {
					want = want && a != name
				}
				if drawn[name] != want {
					t.Errorf("figure %s drawn %v, want %v (files %v)", name, drawn[name], want, files)
				}
			}
			for _, w := range c.notes {
				if !strings.Contains(notes.String(), w) {
					t.Errorf("notes %q lack %q", notes.String(), w)
				}
			}
		})
	}
	// What Plot cannot do without is refused, naming the file.
	dir := plotRun(t, "-", wave, wave)
	if _, err := Plot(dir, PlotOptions{}); err == nil || !strings.Contains(err.Error(), "train_log.csv") {
		t.Errorf("no train_log.csv: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "metrics.json"), []byte("{}"), 0o644)
	if _, err := Plot(dir, PlotOptions{}); err == nil || !strings.Contains(err.Error(), "missing test_rel_l2") {
		t.Errorf("metrics {}: %v", err)
	}
}
