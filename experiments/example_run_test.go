package experiments_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/surrogo/surrogo/experiments"
)

// Run drives a whole study from Go: generate Burgers solutions, train an
// FNO-1D on them, evaluate it against the solver and draw the figures,
// into one run directory. A second Run of the same config skips every
// finished stage.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "surrogo-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	study := `
name = "example"
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
epochs = 3
batch = 4
step_size = 2
`
	path := filepath.Join(dir, "study.toml")
	if err := os.WriteFile(path, []byte(study), 0o644); err != nil {
		log.Fatal(err)
	}
	cfg, err := experiments.LoadWithOverrides(path, []experiments.Override{{Key: "train.lr", Value: "3e-3"}})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := experiments.Run(context.Background(), cfg, experiments.RunOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, stage := range []string{experiments.StageGenerate, experiments.StageTrain, experiments.StageEval, experiments.StagePlot} {
		fmt.Println(stage, rec.Stages[stage].Status)
	}
	m, err := experiments.ReadMetrics(cfg.RunDir())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("test samples evaluated:", m.TestRelL2 > 0)
	// Output:
	// generate done
	// train done
	// eval done
	// plot done
	// test samples evaluated: true
}
