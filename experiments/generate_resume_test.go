package experiments

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/datasets"
)

// TestCancelledGenerationResumes: cancelling generation (as SIGINT and
// SIGTERM do) keeps NAME.tmp with the samples written so far, nothing
// under the final name; a rerun resumes from them and its file equals an
// uninterrupted generation's.
func TestCancelledGenerationResumes(t *testing.T) {
	for _, workers := range []int{1, 3} {
		cfg, err := loadText(t, burgersConfig)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, err = Generate(ctx, cfg, GenerateOptions{Workers: workers, Resume: true, Progress: func(d, n int) {
			if d == 3 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "kept in") {
			t.Fatalf("workers %d: cancelled generation: %v", workers, err)
		}
		if _, err := os.Stat(cfg.Data.Output); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("workers %d: cancelled generation left a file under the final name", workers)
		}
		if _, err := os.Stat(cfg.Data.Output + datasets.TmpSuffix); err != nil {
			t.Fatalf("workers %d: cancelled generation removed its temporary file: %v", workers, err)
		}
		if _, err := os.Stat(cfg.Data.Output + ".lock"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("workers %d: the data lock was not released", workers)
		}
		resumedAt := -1
		path, err := Generate(context.Background(), cfg, GenerateOptions{Workers: workers, Resume: true,
			Resumed: func(done, total int) { resumedAt = done }})
		if err != nil {
			t.Fatal(err)
		}
		if resumedAt != 3 { // cancelled when the third sample was written: nothing after it
			t.Errorf("workers %d: resumed after %d samples, want 3", workers, resumedAt)
		}
		ref, err := loadText(t, burgersConfig)
		if err != nil {
			t.Fatal(err)
		}
		refPath, err := Generate(context.Background(), ref, GenerateOptions{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		read := func(p string) []float32 {
			f, err := datasets.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			v, _, err := datasets.Read[float32](f.Group, "tensor")
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if !reflect.DeepEqual(read(path), read(refPath)) {
			t.Errorf("workers %d: resumed data differ from an uninterrupted generation", workers)
		}
	}
}
