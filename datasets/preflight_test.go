package datasets

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// crashers are damaged files found by fuzzing on which libhdf5 1.10.8
// itself crashes or loops every time (in H5HG_read / H5C_protect, reading
// a variable-length string attribute from a damaged global heap): nothing
// in this process can survive them, Preflight's child process can.
var crashers = []struct {
	file     string
	mentions []string
}{
	{"attr-vlen-heap-segv-1.h5", []string{"libhdf5 crashed (SIGSEGV) reading an attribute's value in a child process", "not opened here"}},
	{"attr-vlen-heap-segv-2.h5", []string{"libhdf5 crashed (SIGSEGV) reading an attribute's value in a child process"}},
	{"attr-vlen-heap-loop.h5", []string{"libhdf5 did not finish reading the file's metadata within 3s in a child process"}},
}

func TestPreflightRefusesLibHDF5Crashers(t *testing.T) {
	defer func(d time.Duration) { PreflightTimeout = d }(PreflightTimeout)
	PreflightTimeout = 3 * time.Second
	for _, c := range crashers {
		t.Run(c.file, func(t *testing.T) {
			p := filepath.Join("testdata", "hdf5-crashers", c.file)
			err := Preflight(p)
			if err == nil {
				// A libhdf5 that no longer crashes: the file must then be
				// readable here without harm.
				t.Logf("libhdf5 survives %s now", p)
				f, err := Open(p)
				if err == nil {
					Describe(io.Discard, f, DescribeOptions{Stats: true})
					f.Close()
				}
				return
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			assertMentions(t, err, append([]string{p}, c.mentions...)...)
		})
	}
}

func TestPreflightPassesAndRefusesLikeOpen(t *testing.T) {
	dir := t.TempDir()
	good := writeSmall(t, dir)
	if err := Preflight(good); err != nil {
		t.Fatalf("a healthy file: %v", err)
	}
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not HDF5"), 0o644)
	cases := []struct {
		path     string
		sentinel error
	}{
		{filepath.Join(dir, "missing.h5"), ErrNotFound},
		{text, ErrNotHDF5},
		{dir, ErrArgument},
	}
	for _, c := range cases {
		if err := Preflight(c.path); !errors.Is(err, c.sentinel) {
			t.Errorf("Preflight(%s) = %v, want %v", c.path, err, c.sentinel)
		}
	}
}

// TestLibHDF5CrashersStayInC reads every file in testdata/hdf5-crashers
// without Preflight, as the fuzz targets do, in a child process: libhdf5
// may crash or loop on it (some crash only sometimes, depending on what
// its uninitialised memory holds, which no preflight can catch), but the
// Go code may never panic nor a read return anything but an *Error.
func TestLibHDF5CrashersStayInC(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "hdf5-crashers", "*.h5"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no crashers: %v", err)
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			switch got, out := readInChild(t, "all", p, 3*time.Second); got {
			case childOK:
				t.Logf("libhdf5 survived %s this time", p)
			case childTimeout:
				t.Logf("libhdf5 loops on %s (killed after 3 s)", p)
			case childLibHDF5:
				t.Logf("libhdf5 crashed on %s: %s", p, firstLine(out))
			default:
				t.Errorf("reading %s failed outside libhdf5:\n%s", p, out)
			}
		})
	}
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "SIG") || strings.HasPrefix(l, "Fatal") {
			return l
		}
	}
	return ""
}
