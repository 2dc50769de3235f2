package buildinfo

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	if v := Version(); v == "" {
		t.Fatal("empty version")
	}
	old := version
	defer func() { version = old }()
	version = "v0.3.1-4-gabc"
	if Version() != "v0.3.1-4-gabc" {
		t.Fatalf("linker-stamped version ignored: %q", Version())
	}
	if !strings.HasPrefix(GoVersion(), "go") {
		t.Fatalf("Go version %q", GoVersion())
	}
}
