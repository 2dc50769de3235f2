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

	"github.com/surrogo/surrogo/datasets"
)

// TestLockConflictsInOneProcess: flock locks belong to an open file
// description, so a second acquisition from the same process conflicts
// and names the holder; after Release the next one succeeds.
func TestLockConflictsInOneProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	first, err := LockRunDir(dir, "run first.toml")
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	for _, cmd := range []string{"run second.toml", "train second.toml", "plot"} {
		_, err = LockRunDir(dir, cmd)
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("%s: second lock: %v, want ErrLocked", cmd, err)
		}
		for _, want := range []string{dir, fmt.Sprintf("pid %d", os.Getpid()), "on host " + host, "started 20", "(run first.toml)",
			filepath.Join(dir, LockFileName)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", cmd, err, want)
			}
		}
	}
	h, err := ReadLockHolder(filepath.Join(dir, LockFileName))
	if err != nil || h.PID != os.Getpid() || h.Host != host || h.Started.IsZero() || h.Command != "run first.toml" {
		t.Errorf("recorded holder %+v (%v)", h, err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Release left the lock file: %v", err)
	}
	again, err := LockRunDir(dir, "run third.toml")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	again.Release()
}

// TestStaleLockDoesNotBlock: a lock file left by a process that is gone
// (no flock held) is taken over, whatever it holds.
func TestStaleLockDoesNotBlock(t *testing.T) {
	cases := []struct{ name, content string }{
		{"dead holder", "pid: 999999\nhost: elsewhere\nstarted: 2020-01-01T00:00:00Z\ncommand: run old.toml\n"},
		{"empty", ""},
		{"garbage", "\x00\x01not a lock file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, LockFileName)
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := LockRunDir(dir, "run new.toml")
			if err != nil {
				t.Fatalf("stale lock blocked: %v", err)
			}
			defer l.Release()
			h, err := ReadLockHolder(path)
			if err != nil || h.PID != os.Getpid() || h.Command != "run new.toml" {
				t.Errorf("holder after takeover %+v (%v)", h, err)
			}
		})
	}
}

// TestLockReplacedFile: a lock whose file was removed and recreated under
// it (as Release does) is not shared: the new file's holder wins.
func TestLockReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LockFileName)
	a, err := AcquireLock(path, "a")
	if err != nil {
		t.Fatal(err)
	}
	// Someone removes the file while a holds it; b creates a new one.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	b, err := AcquireLock(path, "b")
	if err != nil {
		t.Fatalf("b on a fresh file: %v", err)
	}
	a.Release() // must not remove b's file
	if h, err := ReadLockHolder(path); err != nil || h.Command != "b" {
		t.Errorf("after a's release: holder %+v (%v), want b", h, err)
	}
	if _, err := AcquireLock(path, "c"); !errors.Is(err, ErrLocked) {
		t.Errorf("c while b holds: %v", err)
	}
	b.Release()
}

// TestGenerateLocksItsOutput: a second generation of the same file while
// one runs is refused, naming the holder.
func TestGenerateLocksItsOutput(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(cfg.Data.Output), 0o755)
	held, err := AcquireLock(cfg.Data.Output+".lock", "generate other.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Generate(context.Background(), cfg, GenerateOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "generate other.toml") || !strings.Contains(err.Error(), cfg.Data.Output) {
		t.Errorf("generation while locked: %v", err)
	}
	held.Release()
	if _, err := Generate(context.Background(), cfg, GenerateOptions{}); err != nil {
		t.Errorf("after release: %v", err)
	}
}

// TestGenerateKeepsCompleteOutput: with Resume (the pipeline's and
// simulate generate's setting) a complete file of the same settings is
// kept, not generated again, and Kept is told; a file of other settings,
// or a generation without Resume, is generated over.
func TestGenerateKeepsCompleteOutput(t *testing.T) {
	cfg, err := loadText(t, burgersConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Generate(context.Background(), cfg, GenerateOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.Stat(path)
	var kept string
	if _, err := Generate(context.Background(), cfg, GenerateOptions{Resume: true, Kept: func(p string) { kept = p }}); err != nil {
		t.Fatal(err)
	}
	again, _ := os.Stat(path)
	if kept != path || !again.ModTime().Equal(first.ModTime()) {
		t.Fatalf("second generation of the same settings: kept %q, modified %v -> %v; want %s kept untouched", kept, first.ModTime(), again.ModTime(), path)
	}
	other := strings.Replace(burgersConfig, "nu = 0.05", "nu = 0.04", 1)
	text := strings.ReplaceAll(other, "OUT", path)
	cfg2, err := Load(writeConfig(t, t.TempDir(), text))
	if err != nil {
		t.Fatal(err)
	}
	kept = ""
	if _, err := Generate(context.Background(), cfg2, GenerateOptions{Resume: true, Kept: func(p string) { kept = p }}); err != nil || kept != "" {
		t.Fatalf("other settings: kept %q, %v; want generated", kept, err)
	}
	f, err := datasets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _ := cfg2.StageHash(StageGenerate)
	if h, _ := f.AttrString("generate_hash"); h != want+" shard 1/1" {
		t.Errorf("the file's generate_hash %q; want the new settings' %q", h, want+" shard 1/1")
	}
}

// TestLockWait: with SURROGO_LOCK_WAIT a held lock is waited for and
// taken once released; past the wait, or without it, the holder is
// named; a value that is not a duration is refused by name.
func TestLockWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := AcquireLock(path, "first")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(LockWaitEnv, "")
	if _, err := AcquireLock(path, "second"); !errors.Is(err, ErrLocked) {
		t.Fatalf("without a wait: %v, want ErrLocked at once", err)
	}
	t.Setenv(LockWaitEnv, "300ms")
	start := time.Now()
	if _, err := AcquireLock(path, "second"); !errors.Is(err, ErrLocked) || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("a lock held past the wait: %v after %v, want ErrLocked after 300ms", err, time.Since(start))
	}
	t.Setenv(LockWaitEnv, "1m")
	go func() {
		time.Sleep(300 * time.Millisecond)
		first.Release()
	}()
	second, err := AcquireLock(path, "second")
	if err != nil {
		t.Fatalf("a lock released during the wait: %v", err)
	}
	second.Release()
	t.Setenv(LockWaitEnv, "5 minutes")
	if _, err := AcquireLock(path, "third"); err == nil || !strings.Contains(err.Error(), `SURROGO_LOCK_WAIT="5 minutes": expected a duration`) {
		t.Errorf("a bad SURROGO_LOCK_WAIT: %v", err)
	}
}
