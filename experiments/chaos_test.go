package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFieldEnergies: a vorticity with a known velocity on the 2 pi box.
// psi = sin x sin 2y gives omega = -lap psi = 5 sin x sin 2y, (1/2)<omega^2>
// = 25/8 and the kinetic energy (1/2)<|u|^2> = (1/2)(<(2 sin x cos 2y)^2> +
// <(cos x sin 2y)^2>) = 5/8; in 1-D f = cos 3x has (1/2)<f^2> = 1/4 and
// (1/2) sum |f_k|^2 / k^2 = 1/36.
func TestFieldEnergies(t *testing.T) {
	cases := []struct {
		name       string
		spatial    []int
		f          func(x, y float64) float64
		ms, energy float64
	}{
		{"1-D cos 3x", []int{32}, func(x, _ float64) float64 { return math.Cos(3 * x) }, 0.25, 1.0 / 36},
		{"2-D vorticity", []int{32, 24}, func(x, y float64) float64 { return 5 * math.Sin(x) * math.Sin(2*y) }, 25.0 / 8, 5.0 / 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ny := 1
			if len(c.spatial) == 2 {
				ny = c.spatial[1]
			}
			f := make([]float64, c.spatial[0]*ny)
			for i := 0; i < c.spatial[0]; i++ {
				for j := 0; j < ny; j++ {
					f[i*ny+j] = c.f(2*math.Pi*float64(i)/float64(c.spatial[0]), 2*math.Pi*float64(j)/float64(ny))
				}
			}
			ms, en := fieldEnergies(f, c.spatial)
			if math.Abs(ms-c.ms) > 1e-12 || math.Abs(en-c.energy) > 1e-12 {
				t.Errorf("mean square %.15g, energy %.15g; want %.15g, %.15g", ms, en, c.ms, c.energy)
			}
		})
	}
}

// TestDistributionDistances: the Wasserstein-1 distance of a shifted
// sample is the shift; spectra a factor e apart are 1 apart in log
// distance; histogram densities integrate to one.
func TestDistributionDistances(t *testing.T) {
	a := make([]float64, 1000)
	b := make([]float64, 1000)
	for i := range a {
		a[i] = math.Sin(float64(i)) * 3
		b[999-i] = a[i] + 0.25 // reversed order: sorting must pair them
	}
	if d := wasserstein1(a, b); math.Abs(d-0.25) > 1e-12 {
		t.Errorf("W1 of a shift by 0.25: %v", d)
	}
	if d := wasserstein1(a, a); d != 0 {
		t.Errorf("W1 of a sample with itself: %v", d)
	}
	s := []float64{9, 4, 2, 1, 0.5}
	e := make([]float64, len(s))
	for i := range s {
		e[i] = s[i] * math.E
	}
	if d := logSpectralDistance(s, e); math.Abs(d-1) > 1e-12 {
		t.Errorf("log-spectral distance of spectra a factor e apart: %v", d)
	}
	h := histogramPair(3, a, b, 40)
	for _, dens := range [][]float64{h.Truth, h.Pred} {
		total := 0.0
		for i, p := range dens {
			total += p * (h.Edges[i+1] - h.Edges[i])
		}
		if math.Abs(total-1) > 1e-12 {
			t.Errorf("density integrates to %v", total)
		}
	}
}

// TestLongRollout: on Navier-Stokes data a long rollout from each test
// trajectory's first window predicts its first t_out frames exactly as the
// test-set rollout does (same model, same frames: the same errors), then
// goes on; persistence and the statistics are recorded for every step
// and compare step.
func TestLongRollout(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(rolloutConfig, "snapshots = 6", "snapshots = 12", 1)
	text = strings.Replace(text, "[eval]\n", "[eval]\nrollout_steps = 10\ncompare_steps = [1, 10]\n", 1)
	cfg := dataConfig(t, dir, text)
	if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	m := readMetrics(t, cfg)
	r := m.LongRollout
	if r == nil || r.Steps != 10 || len(r.RelL2) != 10 || len(r.Persistence) != 10 || len(r.EnergyPred) != 10 {
		t.Fatalf("long_rollout = %+v", r)
	}
	for k, v := range m.RolloutRelL2 {
		if math.Abs(r.RelL2[k]-v) > 1e-6*v {
			t.Errorf("step %d: long rollout rel L2 %v, test rollout %v (the same prediction)", k+1, r.RelL2[k], v)
		}
	}
	if len(r.SpectrumDistance) != 2 || len(r.PDFDistance) != 2 || len(r.Spectra) != 2 || len(r.Histograms) != 2 {
		t.Fatalf("compare steps [1, 10]: %d spectrum and %d pdf distances", len(r.SpectrumDistance), len(r.PDFDistance))
	}
	for i, d := range append(append([]float64{}, r.SpectrumDistance...), r.PDFDistance...) {
		if !(d > 0) {
			t.Errorf("distance %d is %v: a trained model is not exactly the truth", i, d)
		}
	}
	t.Logf("rel L2 %v\npersistence %v\nspectrum %v pdf %v", r.RelL2, r.Persistence, r.SpectrumDistance, r.PDFDistance)
	if r.TimeAveraged.EnergyTruth <= 0 || r.TimeAveraged.MeanSquareTruth <= 0 {
		t.Errorf("time-averaged truth energy %v, mean square %v", r.TimeAveraged.EnergyTruth, r.TimeAveraged.MeanSquareTruth)
	}
	for _, fig := range []string{"long_rollout_error", "long_rollout_spectra", "long_rollout_pdf", "long_rollout_energy"} {
		if _, err := os.Stat(filepath.Join(cfg.RunDir(), "figures", fig+".png")); err != nil {
			t.Errorf("figure %s: %v", fig, err)
		}
	}
}

// TestTrainWindowsAll: train.windows = all trains on every window of
// every training trajectory and tests on every window of the test ones
// (6 snapshots, t_in 2 + t_out 3: two windows per trajectory).
func TestTrainWindowsAll(t *testing.T) {
	dir := t.TempDir()
	text := strings.Replace(rolloutConfig, "eval_every = 4\n", "eval_every = 4\nwindows = \"all\"\n", 1)
	cfg := dataConfig(t, dir, text)
	if _, err := Run(context.Background(), cfg, RunOptions{}); err != nil {
		raw, _ := os.ReadFile(filepath.Join(cfg.RunDir(), "metrics.json"))
		t.Fatalf("%v\n%s", err, raw)
	}
	if m := readMetrics(t, cfg); m.TestSamples != 4*2 {
		t.Errorf("%d test samples, want 4 trajectories x 2 windows", m.TestSamples)
	}
	raw, err := os.ReadFile(filepath.Join(cfg.RunDir(), "train_log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 12 trajectories x 2 windows in batches of 4: 6 steps per epoch.
	if first := strings.Split(string(raw), "\n")[1]; !strings.HasPrefix(first, "1,6,") {
		t.Errorf("first epoch line %q, want 6 steps", first)
	}
}

// TestTrainingKeysRefused: the onecycle, clipping, windows and long-rollout
// keys are checked at their line.
func TestTrainingKeysRefused(t *testing.T) {
	cases := []struct {
		name, base, from, to, key, msg string
	}{
		{"pct without onecycle", fnoConfig, "schedule = \"step\"", "schedule = \"step\"\npct_start = 0.2", "train.pct_start", "train.schedule is \"step\""},
		{"pct out of range", fnoConfig, "schedule = \"step\"", "schedule = \"onecycle\"\npct_start = 1.5", "train.pct_start", "must be in (0, 1)"},
		{"negative clip", fnoConfig, "schedule = \"step\"", "schedule = \"step\"\nclip_norm = -1", "train.clip_norm", "must be >= 0"},
		{"windows on a map", fnoConfig, "schedule = \"step\"", "schedule = \"step\"\nwindows = \"all\"", "train.windows", "the map task"},
		{"window_every without windows", rolloutConfig, "eval_every = 4", "eval_every = 4\nwindow_every = 2", "train.window_every", "spaces the windows"},
		{"unknown windows", rolloutConfig, "eval_every = 4", "eval_every = 4\nwindows = \"some\"", "train.windows", "expected first or all"},
		{"rollout too long", rolloutConfig, "[eval]\n", "[eval]\nrollout_steps = 5\n", "eval.rollout_steps", "the data stores 6 per trajectory (4 after them)"},
		{"compare beyond", rolloutConfig, "[eval]\n", "[eval]\nrollout_steps = 4\ncompare_steps = [5]\n", "eval.compare_steps", "between 1 and eval.rollout_steps 4"},
		{"compare alone", rolloutConfig, "[eval]\n", "[eval]\ncompare_steps = [1]\n", "eval.compare_steps", "set eval.rollout_steps"},
		{"long rollout on a map", fnoConfig, "[eval]\n", "[eval]\nrollout_steps = 3\n", "eval.rollout_steps", "needs the rollout task"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(c.base, c.from) {
				t.Fatalf("base config lacks %q", c.from)
			}
			dir := t.TempDir()
			text := strings.Replace(c.base, c.from, c.to, 1)
			p := filepath.Join(dir, "c.toml")
			os.WriteFile(p, []byte(strings.ReplaceAll(strings.ReplaceAll(text, "OUT", filepath.Join(dir, "d.h5")), "RUN", dir)), 0o644)
			_, err := Load(p)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want %s: %s", err, c.key, c.msg)
			}
		})
	}
}
