package experiments

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/solvers/burgers2d"
)

const burgers2DConfig = `
name = "burgers2d-test"
seed = 3
[data]
solver = "burgers2d"
output = "OUT"
train = 2
resolution = 32
subsample = 2
t_end = 0.5
snapshots = 3
dt = 0.01
[data.params]
nu = 0.01
store = "STORE"
`

// The generated file holds, for each sample, the stored scalar of the
// solver's own solution from the same initial condition, subsampled:
// u, v or the speed.
func TestGenerateBurgers2D(t *testing.T) {
	p := burgers2d.Params{Nu: 0.01, N: 32, Dt: 0.01, TEnd: 0.5, Frames: 3, ICAlpha: 3, ICTau: 5, ICStd: 0.1}
	s, err := burgers2d.New(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"u", "v", "speed"} {
		cfg, set := generateTensors(t, strings.Replace(burgers2DConfig, "STORE", store, 1))
		if want := []int{2, 3, 16, 16}; !slices.Equal(set.Shape, want) {
			t.Fatalf("%s: shape %v, want %v", store, set.Shape, want)
		}
		worst := 0.0
		for i := 0; i < 2; i++ {
			out, err := s.Solve(context.Background(), p.InitialCondition(cfg.Seed, i), []float64{0, 0.25, 0.5}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, fr := range out {
				for a := 0; a < 16; a++ {
					for b := 0; b < 16; b++ {
						j := 2*a*32 + 2*b
						want := map[string]float64{"u": fr.U[j], "v": fr.V[j], "speed": math.Hypot(fr.U[j], fr.V[j])}[store]
						got := float64(set.Data[((i*3+k)*16+a)*16+b])
						worst = math.Max(worst, math.Abs(got-want))
					}
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: stored field differs from the solver's by %g", store, worst)
		}
	}
}

// The scalar equation after a burn-in: the stored frames are the
// solver's at burn_in + the frame times.
func TestGenerateBurgers2DScalarBurnIn(t *testing.T) {
	text := strings.Replace(burgers2DConfig, `store = "STORE"`, `equation = "scalar"`, 1)
	text = strings.Replace(text, "t_end = 0.5", "t_end = 0.5\nburn_in = 0.2", 1)
	cfg, set := generateTensors(t, text)
	p := burgers2d.Params{Nu: 0.01, N: 32, Dt: 0.01, Equation: burgers2d.EquationScalar, TEnd: 0.7, Frames: 3, ICAlpha: 3, ICTau: 5, ICStd: 0.1}
	s, err := burgers2d.New(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Solve(context.Background(), p.InitialCondition(cfg.Seed, 1), []float64{0.2, 0.45, 0.7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for k, fr := range out {
		for a := 0; a < 16; a++ {
			for b := 0; b < 16; b++ {
				got := float64(set.Data[((3+k)*16+a)*16+b])
				worst = math.Max(worst, math.Abs(got-fr.U[2*a*32+2*b]))
			}
		}
	}
	if worst > 1e-6 {
		t.Errorf("scalar equation after burn-in: stored frames differ from the solver's by %g", worst)
	}
}

// generateTensors generates the config text's data and reads its tensor
// set back.
func generateTensors(t *testing.T, text string) (*Config, *datasets.TensorSet) {
	t.Helper()
	cfg, err := loadText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, readTensors(t, path)
}

// readTensors reads the whole tensor set of the data file at path.
func readTensors(t *testing.T, path string) *datasets.TensorSet {
	t.Helper()
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := datasets.ReadTensorSet(f, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestBurgers2DBadParams(t *testing.T) {
	for _, tc := range []struct{ edit, key string }{
		{`store = "w"`, "data.params.store"},
		{"nu = -1", "data.params.nu"},
		{`equation = "heat"`, "data.params.equation"},
	} {
		text := strings.Replace(burgers2DConfig, `store = "STORE"`, "", 1)
		text = strings.Replace(text, "nu = 0.01", tc.edit, 1)
		if tc.key == "data.params.store" {
			text = strings.Replace(burgers2DConfig, `store = "STORE"`, tc.edit, 1)
		}
		_, err := loadText(t, text)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s: error %v, want one naming %s", tc.edit, err, tc.key)
		}
	}
	text := strings.Replace(burgers2DConfig, `store = "STORE"`, `equation = "scalar"`+"\n"+`store = "speed"`, 1)
	if _, err := loadText(t, text); err == nil || !strings.Contains(err.Error(), "store") {
		t.Errorf("scalar equation storing the speed: error %v", err)
	}
}
