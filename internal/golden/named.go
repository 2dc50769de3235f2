package golden

import (
	"path/filepath"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// OpenNamed opens testdata/name, a reference file other than
// torch_reference.h5 (each written by its own script under scripts/), for
// t and closes it when t ends.
func OpenNamed(t *testing.T, name string) *File {
	t.Helper()
	path := filepath.Join(filepath.Dir(Path()), name)
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatalf("golden file %s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return &File{t: t, f: f}
}
