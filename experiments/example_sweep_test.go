package experiments_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/experiments"
)

// PlanSweep expands -grid axes over a config into points, the first axis
// varying slowest, each with its own run directory under
// <run_dir>/sweep/, and validates every point's config before anything
// runs. Sweep.RunPoint(ctx, i, opts) then runs point i like simulate run:
// a job array's task i calls simulate sweep -point i with the same flags.
func ExamplePlanSweep() {
	dir, err := os.MkdirTemp("", "surrogo-sweep-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	study := `
name = "lr-width"
seed = 1
run_dir = "` + filepath.Join(dir, "run") + `"

[data]
solver = "burgers"
train = 8
test = 2
resolution = 32
t_end = 0.1
dt = 1e-3

[data.params]
nu = 0.1

[model]
kind = "fno"
width = 8
modes = [6]

[train]
epochs = 2
batch = 4
schedule = "cosine"
`
	path := filepath.Join(dir, "study.toml")
	if err := os.WriteFile(path, []byte(study), 0o644); err != nil {
		log.Fatal(err)
	}
	var axes []experiments.SweepAxis
	for _, flag := range []string{"train.lr=1e-3,3e-4", "model.modes=[4],[8]"} {
		a, err := experiments.ParseSweepAxis(flag)
		if err != nil {
			log.Fatal(err)
		}
		axes = append(axes, a)
	}
	sw, err := experiments.PlanSweep(path, nil, axes)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range sw.Points {
		rel, _ := filepath.Rel(dir, p.Dir)
		data, _ := filepath.Rel(dir, p.DataFile)
		fmt.Printf("%d  %-28s  %s  (data %s)\n", p.Index, p.Label, rel, data)
	}
	// Output:
	// 0  train.lr=1e-3, model.modes=[4]  run/sweep/train.lr=1e-3,model.modes=4  (data run/sweep/data/95964115724905fb9f1e/data.h5)
	// 1  train.lr=1e-3, model.modes=[8]  run/sweep/train.lr=1e-3,model.modes=8  (data run/sweep/data/95964115724905fb9f1e/data.h5)
	// 2  train.lr=3e-4, model.modes=[4]  run/sweep/train.lr=3e-4,model.modes=4  (data run/sweep/data/95964115724905fb9f1e/data.h5)
	// 3  train.lr=3e-4, model.modes=[8]  run/sweep/train.lr=3e-4,model.modes=8  (data run/sweep/data/95964115724905fb9f1e/data.h5)
}
