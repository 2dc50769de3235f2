package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/surrogo/surrogo/experiments"
)

// loadForStage parses the common flags of train and eval.
func loadForStage(name string, args []string, stderr io.Writer) (*experiments.Config, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("q", false, "no per-epoch output")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: simulate %s [-q] CONFIG.toml\n", name)
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return nil, false, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, false, usageError{"expected one CONFIG.toml"}
	}
	cfg, err := experiments.Load(fs.Arg(0))
	if err != nil {
		return nil, false, err
	}
	if !cfg.HasModel() {
		return nil, false, fmt.Errorf("%s: no [model] and [train] sections to %s", fs.Arg(0), name)
	}
	return cfg, *quiet, nil
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	cfg, quiet, err := loadForStage("train", args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var log io.Writer = stdout
	if quiet {
		log = nil
	}
	s, err := experiments.Train(ctx, cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %s: %d parameters, %d epochs in %.1fs, test rel L2 %.4g\n", cfg.Name, s.Params, s.Epochs, s.Seconds, s.TestRelL2)
	return nil
}

func runEval(args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadForStage("eval", args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := experiments.Evaluate(ctx, cfg)
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(m, "", "  ")
	fmt.Fprintf(stdout, "%s\n", raw)
	return nil
}
