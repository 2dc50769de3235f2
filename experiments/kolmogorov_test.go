package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// kolmogorovConfig is Kolmogorov flow at toy size: 32^2 solved, 16^2
// stored; BURN is replaced by a burn_in line (or nothing), TEND and SNAPS
// by the window.
const kolmogorovConfig = `
name = "kolmogorov-test"
seed = 11

[data]
solver = "navierstokes"
output = "OUT"
train = 3
test = 1
resolution = 32
subsample = 2
BURN
t_end = TEND
snapshots = SNAPS
dt = 0.05

[data.params]
nu = 1e-2
length = 6.283185307179586
forcing = "kolmogorov"
wavenumber = 4
amplitude = -4.0
drag = 0.1
scheme = "etdrk4"
`

func kolmogorovText(burn, tEnd, snaps string) string {
	r := strings.NewReplacer("BURN", burn, "TEND", tEnd, "SNAPS", snaps)
	return r.Replace(kolmogorovConfig)
}

// TestBurnInStoresTheEndOfALongerRun: frames generated with burn_in 0.5
// over t_end 1 (5 snapshots, 0.25 apart) are the last 5 frames of a run
// without burn-in over t_end 1.5 (7 snapshots, 0.25 apart) with the same
// step: both march [0, 0.5] and then the same intervals in steps of 0.05.
// Their t-coordinates are the stored times 0.5 .. 1.5, and sample i
// depends only on (seed, i): the file written by 3 workers holds what
// the generator makes for each sample alone, in any order.
func TestBurnInStoresTheEndOfALongerRun(t *testing.T) {
	burned, err := loadText(t, kolmogorovText("burn_in = 0.5", "1.0", "5"))
	if err != nil {
		t.Fatal(err)
	}
	long, err := loadText(t, kolmogorovText("", "1.5", "7"))
	if err != nil {
		t.Fatal(err)
	}
	tb, tl := burned.grid().coords().T, long.grid().coords().T
	if want := []float64{0.5, 0.75, 1, 1.25, 1.5}; !reflect.DeepEqual(tb, want) {
		t.Fatalf("stored times with burn-in %v, want %v", tb, want)
	}
	for f := range tb {
		if math.Abs(tb[f]-tl[f+2]) > 1e-15 {
			t.Fatalf("stored time %d: %v with burn-in, %v without", f, tb[f], tl[f+2])
		}
	}
	const m = 16 * 16 // stored points per frame
	ctx := context.Background()
	samples := make([][]float32, burned.Data.Samples())
	for i := len(samples) - 1; i >= 0; i-- { // in reverse order
		a, err := burned.grid().sample(ctx, burned.Seed, i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := long.grid().sample(ctx, long.Seed, i)
		if err != nil {
			t.Fatal(err)
		}
		samples[i] = a["tensor"]
		if len(a["tensor"]) != 5*m || len(b["tensor"]) != 7*m {
			t.Fatalf("sample %d: %d and %d values", i, len(a["tensor"]), len(b["tensor"]))
		}
		scale, worst := 0.0, 0.0
		for j, v := range a["tensor"] {
			scale = math.Max(scale, math.Abs(float64(v)))
			worst = math.Max(worst, math.Abs(float64(v-b["tensor"][2*m+j])))
		}
		// Rounding only: the output times are computed differently
		// (0.5 + 1 * 1/4 against 1.5 * 3/6), so the step sizes may differ
		// in the last bit.
		if worst > 1e-5*scale {
			t.Errorf("sample %d: burn-in frames differ from the longer run's by %.3g (max |w| %.3g)", i, worst, scale)
		}
		if i == 0 {
			t.Logf("sample 0: largest difference %.3g with max |w| %.3g", worst, scale)
			if d := maxAbsDiff(a["tensor"][:m], b["tensor"][:m]); d < 1e-3*scale {
				t.Errorf("the first stored frame equals the initial condition's frame: the burn-in did nothing")
			}
		}
	}
	path, err := Generate(ctx, burned, GenerateOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	set := readTensors(t, path)
	if !reflect.DeepEqual(set.Shape, []int{4, 5, 16, 16}) {
		t.Fatalf("stored shape %v", set.Shape)
	}
	for j, v := range set.Coords.T {
		if math.Abs(v-tb[j]) > 1e-6 {
			t.Errorf("t-coordinate %v, want %v", set.Coords.T, tb)
			break
		}
	}
	for i, want := range samples {
		if !reflect.DeepEqual(set.Data[i*5*m:(i+1)*5*m], want) {
			t.Errorf("sample %d in the file differs from the sample made alone", i)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for j := range a {
		d = math.Max(d, math.Abs(float64(a[j]-b[j])))
	}
	return d
}

// TestBurnInHashOnlyWhenSet: burn_in = 0 (written or not) leaves the
// resolved settings and every stage hash as they were before the key
// existed (the hash of the resolved tree without it); a burn-in changes
// the generate hash and is the one changed key.
func TestBurnInHashOnlyWhenSet(t *testing.T) {
	for _, text := range []string{burgersConfig, kolmogorovText("", "1.0", "5")} {
		plain, err := loadText(t, text)
		if err != nil {
			t.Fatal(err)
		}
		zero, err := loadText(t, strings.Replace(text, "[data]\n", "[data]\nburn_in = 0.0\n", 1))
		if err != nil {
			t.Fatal(err)
		}
		burned, err := loadText(t, strings.Replace(text, "[data]\n", "[data]\nburn_in = 0.25\n", 1))
		if err != nil {
			t.Fatal(err)
		}
		// Outputs differ (each in its own temporary directory): compare
		// the settings, not where they are written.
		for _, c := range []*Config{zero, burned} {
			c.Data.Output = plain.Data.Output
		}
		hp, err := plain.StageHash(StageGenerate)
		if err != nil {
			t.Fatal(err)
		}
		hz, _ := zero.StageHash(StageGenerate)
		hb, _ := burned.StageHash(StageGenerate)
		if hp != hz {
			t.Errorf("%s: burn_in = 0 changes the generate hash", plain.Name)
		}
		if hp == hb {
			t.Errorf("%s: burn_in = 0.25 does not change the generate hash", plain.Name)
		}
		// The hash a surrogo without the key computed: the same tree
		// without data.burn_in.
		tree, err := plain.Resolved()
		if err != nil {
			t.Fatal(err)
		}
		data := tree["data"].(map[string]any)
		if _, ok := data["burn_in"]; !ok {
			t.Fatalf("%s: the resolved config lacks data.burn_in", plain.Name)
		}
		delete(data, "burn_in")
		old, err := hashTree(map[string]any{"seed": tree["seed"], "data": data})
		if err != nil {
			t.Fatal(err)
		}
		if old != hp {
			t.Errorf("%s: generate hash %s, without data.burn_in %s", plain.Name, hp, old)
		}
		tp, _ := plain.Resolved()
		tz, _ := zero.Resolved()
		tb, _ := burned.Resolved()
		if k := ChangedKeys(tp, tz); len(k) != 0 {
			t.Errorf("%s: burn_in = 0 counted as a change: %v", plain.Name, k)
		}
		if k := ChangedKeys(tp, tb); !reflect.DeepEqual(k, []string{"data.burn_in"}) {
			t.Errorf("%s: changed keys %v, want [data.burn_in]", plain.Name, k)
		}
	}
}

// TestBurnInRefusedAtItsLine: a negative, non-finite or uncountable
// burn-in, one for a steady solver, for a physics-informed network or for
// data read from a file is refused at data.burn_in's line.
func TestBurnInRefusedAtItsLine(t *testing.T) {
	ns := kolmogorovText("burn_in = BURN_IN", "1.0", "5")
	darcy := strings.Replace(darcyConfig, "[data]\n", "[data]\nburn_in = 1.0\n", 1)
	pinn := strings.Replace(lpinnConfig, "[data]\n", "[data]\nburn_in = 1.0\n", 1)
	file := `
name = "file"
seed = 1

[data]
file = "missing.h5"
burn_in = 1.0
train = 1
test = 1
`
	cases := []struct {
		name, text string
		want       []string
	}{
		{"negative", strings.Replace(ns, "BURN_IN", "-1.0", 1), []string{":12:", "data.burn_in", "must be finite and >= 0, got -1"}},
		{"infinite", strings.Replace(ns, "BURN_IN", "inf", 1), []string{":12:", "data.burn_in", "finite"}},
		{"nan", strings.Replace(ns, "BURN_IN", "nan", 1), []string{":12:", "data.burn_in", "finite"}},
		{"too many steps", strings.Replace(ns, "BURN_IN", "1e12", 1), []string{":12:", "data.burn_in", "burn_in / dt = 2e+13 time steps", "increase dt"}},
		{"steady solver", darcy, []string{"data.burn_in", "time-dependent solvers; darcy computes a steady state"}},
		{"pinn", pinn, []string{"data.burn_in", "model lpinn trains on the equation from its initial condition"}},
		{"data file", file, []string{":7:", "data.burn_in", "does not apply to data.file"}},
	}
	for _, c := range cases {
		text := strings.ReplaceAll(c.text, "RUN", filepath.Join(t.TempDir(), "run"))
		_, err := loadText(t, text)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v, want a *ConfigError", c.name, err)
			continue
		}
		if ce.Line == 0 {
			t.Errorf("%s: %v has no line", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v lacks %q", c.name, err, w)
			}
		}
	}
	// A burn-in is fine for every time-dependent solver.
	for _, text := range []string{burgersConfig, kolmogorovText("", "1.0", "5")} {
		if _, err := loadText(t, strings.Replace(text, "[data]\n", "[data]\nburn_in = 1.0\n", 1)); err != nil {
			t.Errorf("burn_in refused: %v", err)
		}
	}
	if _, err := os.Stat("missing.h5"); err == nil {
		t.Fatal("test fixture name in use")
	}
}
