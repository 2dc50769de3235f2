// Package buildinfo reports which surrogo build produced an output: the
// version (from `git describe`, stamped at link time by the Makefile, or read
// from the Go build information when built with plain `go build`) and the Go
// toolchain version. Every file and run directory surrogo writes records both.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set by the linker:
//
//	go build -ldflags "-X github.com/surrogo/surrogo/internal/buildinfo.version=$(git describe --always --dirty)"
var version string

// Version returns the surrogo version: the linker-stamped `git describe`
// string when present, else the module version or VCS revision recorded by
// the Go toolchain, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// GoVersion returns the Go toolchain that built the binary, e.g. "go1.26.8".
func GoVersion() string { return runtime.Version() }
