package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// libhdf5 1.10 trusts the bytes of a file's metadata: fuzzing found damaged
// files that make it read out of bounds (SIGSEGV) or corrupt malloc's heap
// (SIGABRT) while it iterates attributes, reads variable-length strings
// from the global heap or opens object headers, and others on which it
// loops for minutes. None of that can be caught from Go once it happens in
// this process. Preflight therefore lets a child process (this executable,
// re-run) walk the file's metadata first; only a file the child survives
// is opened here. `simulate inspect` and the training data loaders use it.

// PreflightTimeout bounds the child's walk of a file's metadata.
var PreflightTimeout = 60 * time.Second

// preflightEnv names the file a re-executed child walks.
const preflightEnv = "SURROGO_DATASETS_PREFLIGHT"

// preflightReadLimit bounds each read the child makes.
const preflightReadLimit = 64 << 20

// maybePreflightChild runs the child's walk and exits when this process
// was started by Preflight; it is called at the end of the package's
// initialisation, before any other package's init or main.
func maybePreflightChild() {
	p := os.Getenv(preflightEnv)
	if p == "" {
		return
	}
	preflightWalk(p)
	os.Exit(0)
}

// preflightWalk does what readers of the file will do, in the two orders
// they do it (libhdf5's crashes can depend on what it loaded before): the
// training loaders' (name the layout, read a sample through its PDEBench
// reader, then everything else) and inspect's (every object in turn, with
// its attributes, filters, storage and first sample), each on a fresh open.
// Errors are ignored (the parent meets and reports them); only surviving
// matters.
func preflightWalk(path string) {
	SetReadLimit(preflightReadLimit)
	for pass := 0; pass < 2; pass++ {
		f, err := Open(path)
		if err != nil {
			return
		}
		layout, _ := DetectLayout(f)
		if pass == 0 {
			readLayoutSample(f, layout)
		}
		walkEverything(f)
		f.Close()
	}
}

// readLayoutSample reads the first sample through the layout's reader.
func readLayoutSample(f *File, layout Layout) {
	switch layout {
	case LayoutTensor:
		ReadTensorSet(f, 0, 1)
	case LayoutDarcy:
		ReadDarcy(f, 0, 1)
	case LayoutCFD:
		ReadCFD(f, 0, 1)
	case LayoutSampleGroups:
		if names, err := SampleGroupNames(f); err == nil && len(names) > 0 {
			ReadSampleGroup(f, names[0])
		}
	}
}

// walkEverything visits every object with its attributes, filters and
// storage, and reads the first sample of every numeric dataset.
func walkEverything(f *File) {
	visitAttrs(&f.Group.object)
	f.Walk(func(e Entry) error {
		switch e.Kind {
		case KindGroup:
			if g, err := f.OpenGroup(e.Path); err == nil {
				visitAttrs(&g.object)
				g.Close()
			}
		case KindDataset:
			d, err := f.OpenDataset(e.Path)
			if err != nil {
				return nil
			}
			defer d.Close()
			visitAttrs(&d.object)
			d.Filters()
			d.Storage()
			if d.dtype.IsFloat() || d.dtype.IsInt() {
				if d.Rank() == 0 {
					ReadAll[float64](d)
				} else if d.Len() > 0 {
					ReadSamples[float64](d, 0, 1)
				}
			}
		}
		return nil
	})
}

func visitAttrs(o *object) {
	infos, err := o.Attrs()
	if err != nil {
		return
	}
	for _, a := range infos {
		o.Attr(a.Name)
	}
}

// Preflight walks the file at path in a child process (the running
// executable, re-run) as the readers will, and refuses it with ErrCorrupt
// when libhdf5 crashes on it or does not finish within PreflightTimeout,
// so that a damaged file cannot take this process down. It returns the
// errors Open would for a missing or non-HDF5 file, and nil when the child
// survives, or when no child can be started (the file is then opened
// unchecked). It costs one process start and a metadata walk.
func Preflight(path string) error {
	if err := checkReadable(path); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), PreflightTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.WaitDelay = time.Second // a killed child's output pipes are not waited on forever
	cmd.Env = append(os.Environ(), preflightEnv+"="+abs)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return newErr("open", path, "", ErrCorrupt,
			"libhdf5 did not finish reading the file's metadata within %v in a child process (a damaged file can make it loop), so it is not opened here",
			PreflightTimeout)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil // the child could not run: nothing learned
	}
	text := out.String()
	if !strings.Contains(text, "signal arrived during cgo execution") && !strings.Contains(text, "Fatal glibc error") &&
		exit.ExitCode() >= 0 {
		// Not libhdf5: the Go side failed (a panic, out of memory).
		return newErr("open", path, "", ErrCorrupt,
			"reading the file failed in a child process (%s), so it is not opened here; this is a surrogo bug, please report it with the file",
			firstFailure(text, exit))
	}
	return newErr("open", path, "", ErrCorrupt,
		"libhdf5 crashed (%s) %s in a child process after %v, so the file is not opened here: its metadata are damaged",
		crashSignal(out.String(), exit), crashSite(out.String()), time.Since(start).Round(time.Millisecond))
}

var (
	signalRE = regexp.MustCompile(`\b(SIG[A-Z]+)\b`)
	cfuncRE  = regexp.MustCompile(`_Cfunc_(sg_[a-z_]+|H5[A-Za-z0-9_]+)`)
)

// firstFailure is the first line saying why a child failed.
func firstFailure(out string, exit *exec.ExitError) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return l
		}
	}
	return exit.String()
}

// crashSignal names the signal a crashed child reported.
func crashSignal(out string, exit *exec.ExitError) string {
	if m := signalRE.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	if i := strings.Index(out, "fatal error: "); i >= 0 {
		line, _, _ := strings.Cut(out[i:], "\n")
		return line
	}
	return exit.String()
}

// crashSite says what the child was doing when libhdf5 crashed.
func crashSite(out string) string {
	m := cfuncRE.FindStringSubmatch(out)
	if m == nil {
		return "reading the file"
	}
	switch f := m[1]; {
	case strings.HasPrefix(f, "sg_attr_read"):
		return "reading an attribute's value"
	case strings.HasPrefix(f, "sg_attr"):
		return "listing or describing attributes"
	case f == "sg_link_kind":
		return "looking up an object"
	case f == "sg_read":
		return "reading data"
	case strings.HasPrefix(f, "sg_dataset") || strings.HasPrefix(f, "sg_num_chunks") || strings.HasPrefix(f, "sg_storage") || strings.HasPrefix(f, "sg_chunk"):
		return "describing a dataset"
	case strings.HasPrefix(f, "H5G") || strings.HasPrefix(f, "H5L"):
		return "listing a group"
	case strings.HasPrefix(f, "H5F"):
		return "opening the file"
	case strings.HasPrefix(f, "H5D") || strings.HasPrefix(f, "H5O"):
		return "opening an object"
	default:
		return fmt.Sprintf("in %s", f)
	}
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
