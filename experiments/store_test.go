package experiments

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storeStudy is burgersConfig under NAME with its data in the store
// STORE, its run directory in RUN, and EXTRA appended.
func storeStudy(t *testing.T, name, store, run, extra string) (*Config, error) {
	t.Helper()
	text := strings.Replace(burgersConfig, `name = "burgers-test"`, fmt.Sprintf("name = %q\nrun_dir = %q", name, run), 1)
	text = strings.Replace(text, `output = "OUT"`, fmt.Sprintf("store = %q", store), 1)
	return Load(writeConfig(t, t.TempDir(), text+extra))
}

// TestDataStoreKeys: runs of equal data settings (whatever their name,
// run directory or model) get one data file in the store, other data
// settings another; the store's place does not change the key; the
// resolved config loads again to the same file.
func TestDataStoreKeys(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	model := "\n[model]\nkind = \"fno\"\nwidth = 4\nmodes = [4]\n[train]\nepochs = 1\nbatch = 4\nschedule = \"none\"\n"
	a, err := storeStudy(t, "a", store, filepath.Join(dir, "a"), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := storeStudy(t, "b", store, filepath.Join(dir, "b"), model)
	if err != nil {
		t.Fatal(err)
	}
	if a.Data.Output != b.Data.Output || filepath.Dir(filepath.Dir(a.Data.Output)) != store || filepath.Base(a.Data.Output) != StoreFileName {
		t.Errorf("equal data settings: %s and %s, want one file STORE/<key>/data.h5 in %s", a.Data.Output, b.Data.Output, store)
	}
	other, err := storeStudy(t, "a", store, filepath.Join(dir, "a"), "")
	if err != nil {
		t.Fatal(err)
	}
	other2, err := Parse(other.Path(), []byte(strings.Replace(other.Text(), "nu = 0.05", "nu = 0.06", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if other2.Data.Output == a.Data.Output {
		t.Errorf("other data settings share the file %s", a.Data.Output)
	}
	moved, err := storeStudy(t, "a", filepath.Join(dir, "elsewhere"), filepath.Join(dir, "a"), "")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(filepath.Dir(moved.Data.Output)) != filepath.Base(filepath.Dir(a.Data.Output)) {
		t.Errorf("moving the store changed the key: %s vs %s", moved.Data.Output, a.Data.Output)
	}
	text, err := b.ResolvedTOML()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("resolved.toml", text)
	if err != nil {
		t.Fatalf("the resolved config does not load again: %v\n%s", err, text)
	}
	if again.Data.Output != b.Data.Output {
		t.Errorf("resolved config: data in %s, want %s", again.Data.Output, b.Data.Output)
	}
	for _, tc := range []struct{ text, want string }{
		{strings.Replace(burgersConfig, `output = "OUT"`, "output = \"x.h5\"\nstore = \"s\"", 1), "data.store: the data store chooses the data file: remove data.output (x.h5), or data.store"},
		{"name = \"f\"\n[data]\nfile = \"nowhere.h5\"\nstore = \"s\"\n", "data.store: does not apply to data.file"},
	} {
		if _, err := Parse(filepath.Join(dir, "c.toml"), []byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
}

// TestDataStoreGeneratesOnce: a run that finds the store's file locked
// waits for the lock, then generates; a second run of the same data
// settings keeps the file, also while another holds the lock; cancelled
// while waiting, a run says who holds the file.
func TestDataStoreGeneratesOnce(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	a, err := storeStudy(t, "a", store, filepath.Join(dir, "a"), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := storeStudy(t, "b", store, filepath.Join(dir, "b"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(a.Data.Output), 0o755); err != nil {
		t.Fatal(err)
	}
	held, err := AcquireLock(a.Data.Output+".lock", "generate elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan LockHolder, 1)
	done := make(chan error, 1)
	go func() {
		_, err := Generate(context.Background(), b, GenerateOptions{Resume: true, Waiting: func(_ string, h LockHolder) { waiting <- h }})
		done <- err
	}()
	select {
	case h := <-waiting:
		if !strings.Contains(h.Command, "generate elsewhere") {
			t.Errorf("waiting for %v, want the holder's command", h)
		}
	case err := <-done:
		t.Fatalf("generation did not wait for the held store file: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("generation neither waited nor finished")
	}
	// The holder lets go (having left no file): the waiting run takes
	// the lock and generates.
	held.Release()
	if err := <-done; err != nil {
		t.Fatalf("the waiting generation: %v", err)
	}
	kept := ""
	if _, err := Generate(context.Background(), a, GenerateOptions{Resume: true, Kept: func(p string) { kept = p }}); err != nil || kept != a.Data.Output {
		t.Errorf("a second run of these data settings: kept %q, %v; want %s kept", kept, err, a.Data.Output)
	}

	held, err = AcquireLock(a.Data.Output+".lock", "generate elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	// A complete file is kept without the lock: nobody waits once it exists.
	kept = ""
	if _, err := Generate(context.Background(), b, GenerateOptions{Resume: true, Kept: func(p string) { kept = p },
		Waiting: func(string, LockHolder) { t.Error("waited for a complete file") }}); err != nil || kept != b.Data.Output {
		t.Errorf("a complete file under a held lock: kept %q, %v; want it kept at once", kept, err)
	}
	if err := os.Remove(a.Data.Output); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Generate(ctx, b, GenerateOptions{Resume: true, Waiting: func(string, LockHolder) { cancel() }})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "generate elsewhere") || !strings.Contains(err.Error(), "stopped waiting") {
		t.Errorf("cancelled while waiting: %v; want ErrLocked naming the holder", err)
	}
}
