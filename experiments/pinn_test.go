package experiments

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/nn"
)

const lpinnConfig = `
name = "lpinn-test"
seed = 3
run_dir = "RUN"

[data]
solver = "convection"
output = "OUT"
train = 0
test = 1
resolution = 32
t_end = 1.0
snapshots = 10
dt = 0.1

[data.params]
beta = 2.0
ic = "sin"

[model]
kind = "lpinn"
width = 16
layers = 3

[train]
epochs = 400
lr = 1e-2
amsgrad = true
lbfgs_iters = 100
`

// TestTrainLPINNThroughThePipeline generates the reference with the
// solver, trains an LPINN and a PINN on the equation, and evaluates both
// against the stored solution.
func TestTrainLPINNThroughThePipeline(t *testing.T) {
	for _, kind := range []string{"lpinn", "pinn"} {
		t.Run(kind, func(t *testing.T) {
			text := strings.Replace(lpinnConfig, `kind = "lpinn"`, `kind = "`+kind+`"`, 1)
			mk := setupRun(t, text)
			cfg := mk()
			s, err := Train(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Evaluate(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if m.TestRelL2 != s.TestRelL2 || m.Params != s.Params || !(m.SolverSecondsPerSample > 0) {
				t.Errorf("evaluate %+v vs train %+v", m, s)
			}
			// Measured 0.043 (OpenBLAS) and 0.065 (pure-Go GEMM): at this small
			// budget float rounding moves the result, so the bound has room.
			limit := 0.2
			if kind == "pinn" {
				limit = 1 // below the zero prediction: the Eulerian PINN learns transport slowly (the point of LPINN)
			}
			if !(m.TestRelL2 < limit) {
				t.Errorf("%s relative L2 %v, want < %v", kind, m.TestRelL2, limit)
			}
			t.Logf("%s: relative L2 %.4f, %d parameters, %.1fs", kind, m.TestRelL2, m.Params, s.Seconds)
		})
	}
}

func TestPINNConfigErrors(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"beta missing", "beta = 2.0\n", "", []string{"data.params", "missing beta"}},
		{"wrong solver", "solver = \"convection\"", "solver = \"burgers\"", []string{"data.params.beta", "unknown key for solver burgers"}},
		{"burgers length", "solver = \"convection\"", "solver = \"burgers\"", nil},
		{"no test sample", "train = 0\ntest = 1", "train = 1\ntest = 0", []string{"data.test", "first test sample"}},
		{"modes", "layers = 3", "layers = 3\nmodes = [4]", []string{"model.modes", "kind lpinn does not use this key", "fno, t1"}},
		{"negative collocation", "amsgrad = true", "amsgrad = true\ncollocation = -5", []string{"train.collocation"}},
		{"no optimisation", "epochs = 400\nlr = 1e-2\namsgrad = true\nlbfgs_iters = 100", "epochs = 0\nlr = 1e-2", []string{"train.epochs"}},
		{"weights", "amsgrad = true", "amsgrad = true\nloss_weights = [1, 2]", []string{"train.loss_weights", "3 weights"}},
		{"negative nu", "beta = 2.0", "beta = 2.0\nnu = -0.1", []string{"data.params.nu"}},
		{"curve keys on a pinn", "kind = \"lpinn\"", "kind = \"pinn\"\nhard_curve_ic = true", []string{"model.hard_curve_ic", "kind pinn does not use this key", "kind lpinn", ":22:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(lpinnConfig, c.from, c.to, 1)
			if c.want == nil { // burgers on the default unit length
				text = strings.Replace(text, "beta = 2.0\nic = \"sin\"", "nu = 0.01\nic = \"sin\"", 1)
				c.want = []string{"data.params", "length = 2 pi"}
			}
			_, err := loadText(t, text)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// cancelOn cancels a context when a progress line contains want.
type cancelOn struct {
	want   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.want) {
		c.cancel()
	}
	return len(p), nil
}

// TestPINNTrainingStopsAndResumes stops an LPINN's training by
// cancellation (as Ctrl-C and SIGTERM do) once inside the Adam phase and
// once inside the L-BFGS phase, with no periodic checkpoint in between:
// each stop writes the checkpoint of the last completed step, and the
// resumed training ends with the train_log.csv, losses, test error and
// weights of an uninterrupted one.
func TestPINNTrainingStopsAndResumes(t *testing.T) {
	mk := setupRun(t, strings.Replace(lpinnConfig, "lbfgs_iters = 100", "lbfgs_iters = 100\ncollocation = 128\ncheckpoint_every = 1000", 1))
	ref := mk()
	want, err := Train(context.Background(), ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mk()
	for _, stop := range []struct {
		at    string
		epoch int
		phase int
	}{{"step 100/500", 100, 0}, {"step 425/500", 425, 1}} {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Train(ctx, cfg, &cancelOn{want: stop.at, cancel: cancel})
		cancel()
		var in *nn.Interrupted
		if !errors.As(err, &in) || !errors.Is(err, context.Canceled) || in.Checkpoint != checkpointPath(cfg) {
			t.Fatalf("stopped at %s: %v", stop.at, err)
		}
		model, _ := cfg.pinnModel()
		ck, err := nn.LoadCheckpoint(checkpointPath(cfg), model.Params())
		if err != nil || ck.Epoch != stop.epoch || ck.Phase != stop.phase || ck.Batch != 0 {
			t.Fatalf("stopped at %s: checkpoint %+v, %v", stop.at, ck, err)
		}
	}
	got, err := Train(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.TestRelL2 != want.TestRelL2 || got.TrainLoss != want.TrainLoss || got.Steps != want.Steps || got.ResumedFrom != 425 {
		t.Errorf("resumed: %+v\nuninterrupted: %+v", got, want)
	}
	logOf := func(c *Config) []string {
		rows, err := readLogRows(filepath.Join(c.RunDir(), "train_log.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.line[:strings.LastIndex(r.line, ",")]) // without the seconds
		}
		return out
	}
	if a, b := logOf(cfg), logOf(ref); !reflect.DeepEqual(a, b) {
		t.Errorf("train_log.csv of the resumed run (%d lines) differs from the uninterrupted one's (%d)", len(a), len(b))
	}
	ma, _ := ref.pinnModel()
	mb, _ := cfg.pinnModel()
	if _, err := nn.LoadCheckpoint(checkpointPath(ref), ma.Params()); err != nil {
		t.Fatal(err)
	}
	if _, err := nn.LoadCheckpoint(checkpointPath(cfg), mb.Params()); err != nil {
		t.Fatal(err)
	}
	for i, p := range ma.Params() {
		if !reflect.DeepEqual(p.Var.Value.Data(), mb.Params()[i].Var.Value.Data()) {
			t.Fatalf("weights %s differ", p.Name)
		}
	}
}
