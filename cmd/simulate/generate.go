package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/surrogo/surrogo/experiments"
)

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shard := fs.String("shard", "", "write only shard k of n, as k/n (e.g. 2/4); shards concatenated equal the full set")
	workers := fs.Int("workers", 0, "samples solved in parallel (default GOMAXPROCS)")
	out := fs.String("out", "", "output file (overrides data.output)")
	quiet := fs.Bool("q", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate generate [-shard k/n] [-workers n] [-out FILE] [-q] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	k, n, err := parseShard(*shard)
	if err != nil {
		return usageError{err.Error()}
	}
	cfg, err := experiments.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	if *out != "" {
		if err := cfg.SetDataOutput(*out); err != nil {
			return usageError{fmt.Sprintf("-out %s: %v", *out, err)}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	lo, hi := experiments.SampleRange(cfg.Data.Samples(), k, n)
	// Resume: a generation of the same settings stopped by Ctrl-C, SIGTERM
	// or a kill continues from the samples its NAME.tmp holds.
	opts := experiments.GenerateOptions{Shard: k, Shards: n, Workers: *workers, Resume: true}
	start := time.Now()
	if !*quiet {
		opts.Progress = progressReporter(stdout, fmt.Sprintf("generate %s", cfg.Data.Solver), hi-lo)
		opts.Resumed = func(done, total int) {
			fmt.Fprintf(stdout, "resuming after %d of %d samples\n", done, total)
		}
	}
	kept, merged := false, 0
	opts.Kept = func(string) { kept = true }
	opts.Merged = func(n int) { merged = n }
	path, err := experiments.Generate(ctx, cfg, opts)
	if gs := (*experiments.GenerationStopped)(nil); errors.As(err, &gs) {
		return resumableError{err}
	}
	if err != nil {
		return err
	}
	if !*quiet && merged > 0 {
		fmt.Fprintf(stdout, "merged the %d shards of generate -shard into %s in %.1fs\n", merged, path, time.Since(start).Seconds())
	} else if !*quiet && kept {
		fmt.Fprintf(stdout, "nothing to generate: %s already holds samples %d..%d of these settings (delete it to generate again)\n", path, lo, hi-1)
	} else if !*quiet && cfg.Data.File != "" {
		fmt.Fprintf(stdout, "nothing to generate: %s is read as it is (checked)\n", path)
	} else if !*quiet {
		fmt.Fprintf(stdout, "wrote %s: samples %d..%d of %d (%s) in %.1fs\n", path, lo, hi-1, cfg.Data.Samples(), cfg.Data.Solver, time.Since(start).Seconds())
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()} // the flag package printed the usage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(pos)
}

func parseShard(s string) (k, n int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("-shard %q: expected k/n with 1 <= k <= n, e.g. 2/4", s)
	}
	return k, n, nil
}

// progressReporter draws a bar with rate and ETA on a terminal and logs
// plain timestamped lines (about every 10%) otherwise, as batch jobs want.
func progressReporter(w io.Writer, what string, total int) func(done, total int) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		return func(done, _ int) { bar.Set(done) }
	}
	log := slog.New(slog.NewTextHandler(w, nil))
	start := time.Now()
	step := max(total/10, 1)
	return func(done, _ int) {
		if done%step == 0 || done == total {
			el := time.Since(start).Seconds()
			eta := el / float64(done) * float64(total-done)
			log.Info(what, "done", done, "total", total, "elapsed_s", fmt.Sprintf("%.1f", el), "eta_s", fmt.Sprintf("%.1f", eta))
		}
	}
}

// runMerge joins the shard files of generate -shard k/n into the data
// file (experiments.MergeShards).
func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shards := fs.Int("shards", 0, "the n of generate -shard k/n (default: found from the shard files present)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simulate merge [-shards n] CONFIG.toml")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"expected one CONFIG.toml"}
	}
	if *shards == 1 || *shards < 0 {
		return usageError{fmt.Sprintf("-shards %d: want the n >= 2 of generate -shard k/n", *shards)}
	}
	cfg, err := experiments.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	defer stop()
	start := time.Now()
	path, err := experiments.MergeShards(ctx, cfg, *shards)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d samples into %s in %.1fs\n", cfg.Data.Samples(), path, time.Since(start).Seconds())
	return nil
}
