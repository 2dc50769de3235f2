package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"
	"golang.org/x/term"

	"github.com/surrogo/surrogo/experiments"
)

// logWriter passes lines through on a terminal; otherwise (a batch job's
// log file) each line becomes a timestamped log/slog record.
func logWriter(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return &slogLines{log: slog.New(slog.NewTextHandler(w, nil))}
}

// slogLines logs every complete line written to it.
type slogLines struct {
	log     *slog.Logger
	pending []byte
}

func (s *slogLines) Write(p []byte) (int, error) {
	s.pending = append(s.pending, p...)
	for {
		i := bytes.IndexByte(s.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		s.log.Info(string(s.pending[:i]))
		s.pending = s.pending[i+1:]
	}
}

// overrides collects repeated -set KEY=VALUE flags.
type overrides []experiments.Override

func (o *overrides) String() string { return fmt.Sprint(*o) }

func (o *overrides) Set(s string) error {
	ov, err := experiments.ParseOverride(s)
	if err != nil {
		return err
	}
	*o = append(*o, ov)
	return nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets overrides
	fs.Var(&sets, "set", "override a config key, KEY=VALUE (repeatable), e.g. -set train.lr=3e-4")
	out := fs.String("out", "", "run directory (overrides run_dir; default runs/<name>)")
	force := fs.Bool("force", false, "start over when the run directory holds a run of a different config")
	workers := fs.Int("workers", 0, "samples solved in parallel (default GOMAXPROCS)")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate run [-set KEY=VALUE ...] [-out DIR] [-force] [-workers n] [-q] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	if *out != "" {
		sets = append(sets, experiments.Override{Key: "run_dir", Value: fmt.Sprintf("%q", *out)})
	}
	cfg, err := experiments.LoadWithOverrides(fs.Arg(0), sets)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	opts := experiments.RunOptions{Force: *force, Workers: *workers}
	if !*quiet {
		opts.Log = logWriter(stdout)
		opts.Progress = progressReporter(stdout, "generate "+cfg.Data.Solver, cfg.Data.Samples())
	}
	if _, err := experiments.Run(ctx, cfg, opts); err != nil {
		return stopped(ctx, err, "simulate run "+strings.Join(args, " "))
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "run %s complete in %s\n", cfg.Name, cfg.RunDir())
	if cfg.HasModel() {
		return printCompare(stdout, []string{cfg.RunDir()})
	}
	return nil
}

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	formats := fs.String("formats", "png,svg", "comma-separated figure formats: png, svg, pdf")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate plot [-formats png,svg,pdf] RUN_DIR")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one RUN_DIR"}
	}
	var fm []string
	for _, f := range strings.Split(*formats, ",") {
		switch f = strings.TrimSpace(f); f {
		case "png", "svg", "pdf":
			fm = append(fm, f)
		default:
			return usageError{fmt.Sprintf("-formats: unknown format %q (expected png, svg or pdf)", f)}
		}
	}
	unlock, err := lockExistingRunDir(fs.Arg(0), "plot")
	if err != nil {
		return err
	}
	defer unlock()
	files, err := experiments.Plot(fs.Arg(0), experiments.PlotOptions{Formats: fm, Log: stderr})
	for _, f := range files {
		fmt.Fprintln(stdout, "wrote", f)
	}
	return err
}

func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets overrides
	fs.Var(&sets, "set", "override a config key, KEY=VALUE (repeatable)")
	schema := fs.Bool("schema", false, "print every key with its type, default and meaning (markdown)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate config [-set KEY=VALUE ...] CONFIG.toml\n       simulate config -schema")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *schema {
		if fs.NArg() != 0 {
			return usageError{"-schema takes no CONFIG.toml"}
		}
		_, err := io.WriteString(stdout, experiments.SchemaMarkdown())
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	cfg, err := experiments.LoadWithOverrides(fs.Arg(0), sets)
	if err != nil {
		return err
	}
	text, err := cfg.ResolvedTOML()
	if err != nil {
		return err
	}
	_, err = stdout.Write(text)
	return err
}

// lockExistingRunDir takes the lock of a run directory that exists, for a
// command that writes into it (a directory that does not exist holds
// nothing to protect; the command reports what it lacks). It returns the
// function that releases the lock.
func lockExistingRunDir(dir, command string) (func(), error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return func() {}, nil
	}
	l, err := experiments.LockRunDir(dir, command)
	if err != nil {
		return nil, err
	}
	return func() { l.Release() }, nil
}

// runSummary reads the study name and "kind variant mesh width modes" from a resolved
// config.toml (name falls back to the given one).
func runSummary(text, name string) (string, string) {
	var c struct {
		Name  string `toml:"name"`
		Model struct {
			Kind    string `toml:"kind"`
			Variant string `toml:"variant"`
			Mesh    string `toml:"mesh"`
			Width   int    `toml:"width"`
			Modes   []int  `toml:"modes"`
		} `toml:"model"`
	}
	if _, err := decodeTOML(text, &c); err != nil || c.Model.Kind == "" {
		return name, "?"
	}
	if c.Name != "" {
		name = c.Name
	}
	kind := c.Model.Kind
	if c.Model.Variant != "" && c.Model.Variant != kind {
		kind += " " + c.Model.Variant
	}
	if c.Model.Mesh != "" { // mmpde: moved or uniform
		kind += " " + c.Model.Mesh
	}
	if len(c.Model.Modes) == 0 {
		return name, fmt.Sprintf("%s w%d", kind, c.Model.Width)
	}
	return name, fmt.Sprintf("%s w%d m%v", kind, c.Model.Width, c.Model.Modes)
}

func decodeTOML(text string, v any) (toml.MetaData, error) { return toml.Decode(text, v) }
