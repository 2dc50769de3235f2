package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDir copies the regular files under src into dst (created).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot reads the named files of a run directory (nil: absent).
func snapshot(t *testing.T, dir string, names ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		out[n] = raw
	}
	return out
}

// sameFiles fails the test for every file whose bytes changed.
func sameFiles(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	for n, want := range before {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("%s changed (%d bytes before, %d after)", n, len(want), len(got))
		}
	}
}

// noStaged fails the test if staged or temporary outputs were left behind.
func noStaged(t *testing.T, dir string) {
	t.Helper()
	for _, pat := range []string{"*.new", "*.tmp", "*.new.tmp"} {
		left, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, p := range left {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				t.Errorf("left behind: %s", p)
			}
		}
	}
}

var trainOutputs = []string{"train_log.csv", "train.json", "normalizers.h5", "checkpoints/last.h5"}

// TestFailedTrainKeepsOutputs: a train that is refused (checkpoint of
// another model or optimizer, past train.epochs, damaged, unreadable data)
// leaves the log, train.json, normalizers and checkpoint byte-identical.
func TestFailedTrainKeepsOutputs(t *testing.T) {
	text := strings.Replace(fnoConfig, "epochs = 6", "epochs = 3", 1)
	mk := setupRun(t, text)
	base := mk()
	if _, err := Train(context.Background(), base, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		break_ func(t *testing.T, cfg *Config)
		want   []string
	}{
		{"other width", func(t *testing.T, c *Config) { c.Model.Width = 12 }, []string{"cannot resume from", "last.h5", "shape", "start over"}},
		{"other activation", func(t *testing.T, c *Config) { c.Model.Activation = "tanh" }, []string{"another configuration", "config.activation"}},
		{"other optimizer", func(t *testing.T, c *Config) { c.Train.Optimizer = "adamw" }, []string{"train.optimizer = \"adamw\"", "adam"}},
		{"epochs below the checkpoint", func(t *testing.T, c *Config) { c.Train.Epochs = 2 }, []string{"at epoch 3, past train.epochs = 2"}},
		{"damaged checkpoint", func(t *testing.T, c *Config) {
			if err := os.WriteFile(checkpointPath(c), []byte("not a checkpoint"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"cannot resume from", "last.h5"}},
		{"unreadable data", func(t *testing.T, c *Config) {
			bad := filepath.Join(t.TempDir(), "bad.h5")
			os.WriteFile(bad, []byte("garbage"), 0o644)
			c.Data.Output = bad
		}, []string{"bad.h5", "HDF5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := mk()
			copyDir(t, base.RunDir(), cfg.RunDir())
			// A stale line of an epoch past the checkpoint, as a killed run
			// leaves: only a resumed training may drop it.
			logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
			f, _ := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("4,12,0.005,0.5,,1.000\n")
			f.Close()
			c.break_(t, cfg)
			before := snapshot(t, cfg.RunDir(), trainOutputs...)
			_, err := Train(context.Background(), cfg, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			sameFiles(t, cfg.RunDir(), before)
			noStaged(t, cfg.RunDir())
		})
	}
}

// TestTrainResumeLog: resuming drops the log lines after the checkpoint's
// epoch (a stale line and a line cut short) once, keeps the earlier lines
// byte for byte, and logs every epoch exactly once; a rerun of a finished
// training changes nothing, and one whose train.json was lost rebuilds it.
func TestTrainResumeLog(t *testing.T) {
	mk := setupRun(t, fnoConfig) // 6 epochs, checkpoints every 2
	cfg := mk()
	cfg.Train.Epochs = 4
	if _, err := Train(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(cfg.RunDir(), "train_log.csv")
	first, _ := os.ReadFile(logPath)
	f, _ := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("5,15,0.0025,0.1,,0.500\n6,1") // died in epoch 6's line
	f.Close()
	cfg.Train.Epochs = 6
	s, err := Train(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ResumedFrom != 4 || s.Epochs != 6 {
		t.Errorf("summary %+v, want resumed from 4 to 6", s)
	}
	raw, _ := os.ReadFile(logPath)
	if !bytes.HasPrefix(raw, first) {
		t.Errorf("the first 4 epochs' lines changed:\n%s\nthen\n%s", first, raw)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 7 || lines[0] != trainLogHeader {
		t.Fatalf("log:\n%s", raw)
	}
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, fmt.Sprintf("%d,", i+1)) || strings.Count(l, ",") != 5 {
			t.Errorf("line %d: %q", i+1, l)
		}
	}

	// Finished: nothing is rewritten.
	before := snapshot(t, cfg.RunDir(), trainOutputs...)
	s2, err := Train(context.Background(), cfg, nil)
	if err != nil || s2.ResumedFrom != 6 || s2.TestRelL2 != s.TestRelL2 || s2.TrainLoss != s.TrainLoss {
		t.Errorf("rerun of a finished training: %+v %v", s2, err)
	}
	sameFiles(t, cfg.RunDir(), before)

	// Killed after the last checkpoint, before train.json.
	os.Remove(filepath.Join(cfg.RunDir(), "train.json"))
	s3, err := Train(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readTrainSummary(cfg)
	if err != nil || got.Epochs != 6 || got.TestRelL2 != s.TestRelL2 || got.TrainLoss != s.TrainLoss || got.Params != s.Params || s3.Epochs != 6 {
		t.Errorf("rebuilt train.json %+v (%v), trained %+v", got, err, s)
	}
	sameFiles(t, cfg.RunDir(), map[string][]byte{"train_log.csv": before["train_log.csv"], "checkpoints/last.h5": before["checkpoints/last.h5"]})
}
