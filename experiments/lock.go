package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockFileName is the lock file a run directory holds while a command
// writes into it.
const LockFileName = ".lock"

// ErrLocked is returned (wrapped) when another process holds the lock.
var ErrLocked = errors.New("in use by another process")

// Lock is an exclusive advisory lock (flock(2)) on a lock file. The kernel
// releases it when the holder exits, however it exits, so a lock left by a
// killed process never blocks: only the file, with the dead holder's
// details, remains, and the next Acquire takes it over.
//
// flock locks belong to an open file description: two Acquires of the same
// path conflict even inside one process.
type Lock struct {
	path string
	f    *os.File
}

// LockHolder is what a lock file records about its holder.
type LockHolder struct {
	PID     int
	Host    string
	Started time.Time
	Command string
}

func (h LockHolder) String() string {
	if h.PID == 0 && h.Host == "" {
		return "a process that has not recorded itself yet"
	}
	s := fmt.Sprintf("pid %d on host %s", h.PID, h.Host)
	if !h.Started.IsZero() {
		s += ", started " + h.Started.Format(time.RFC3339)
	}
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	return s
}

// LockRunDir takes the lock of a run directory (RUN_DIR/.lock), creating
// the directory if needed, for a command that writes into it. A second
// command on the same directory gets an error wrapping ErrLocked that names
// the holder (pid, host, start time) instead of interleaving its outputs
// with the first one's.
func LockRunDir(dir, command string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("experiments: run directory: %w", err)
	}
	l, err := AcquireLock(filepath.Join(dir, LockFileName), command)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("experiments: run directory %s: %w", dir, err)
	}
	return l, err
}

// AcquireLock takes the exclusive lock on path (created if missing) without
// waiting, and records the holder in it: pid, host, start time and
// command, one "key: value" line each. If another process holds it, the
// error wraps ErrLocked and names that holder.
//
// With SURROGO_LOCK_WAIT set to a duration (e.g. 5m), a lock held by
// another process is waited for, up to that long, before the error: the
// job scripts of simulate submit set it, because a requeued job can start
// while its previous run is still saving its checkpoint.
func AcquireLock(path, command string) (*Lock, error) {
	wait, err := lockWait()
	if err != nil {
		return nil, err
	}
	return AcquireLockWaiting(context.Background(), path, command, wait, nil)
}

// AcquireLockWaiting is AcquireLock waiting up to wait for a held lock (or
// until ctx is done), telling waiting once, with the holder, when it
// starts to wait.
func AcquireLockWaiting(ctx context.Context, path, command string, wait time.Duration, waiting func(LockHolder)) (*Lock, error) {
	deadline := time.Now().Add(wait)
	told := false
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("experiments: lock file %s: %w", path, err)
		}
		if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			holder := readHolder(f)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) && time.Now().Before(deadline) && ctx.Err() == nil {
				if !told && waiting != nil {
					waiting(holder)
				}
				told = true
				select {
				case <-ctx.Done():
				case <-time.After(lockPoll):
				}
				continue
			}
			if errors.Is(err, syscall.EWOULDBLOCK) && ctx.Err() != nil {
				return nil, fmt.Errorf("%w: held by %s; lock file %s: stopped waiting: %w", ErrLocked, holder, path, context.Cause(ctx))
			}
			if errors.Is(err, syscall.EWOULDBLOCK) && wait > 0 {
				return nil, fmt.Errorf("%w: held by %s for all of the %v waited; lock file %s (wait for it to finish, or stop it)", ErrLocked, holder, wait, path)
			}
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: held by %s; lock file %s (wait for it to finish, or stop it)", ErrLocked, holder, path)
			}
			return nil, fmt.Errorf("experiments: locking %s: %w", path, err)
		}
		// A releasing holder removes the file while it still holds the
		// lock; if this handle is no longer the file under path, the lock
		// taken is on a removed file: start again.
		if same, err := samePath(f, path); err != nil || !same {
			f.Close()
			if err != nil && attempt >= 10 {
				return nil, fmt.Errorf("experiments: lock file %s: %w", path, err)
			}
			if attempt >= 10 {
				return nil, fmt.Errorf("experiments: lock file %s keeps being replaced", path)
			}
			continue
		}
		l := &Lock{path: path, f: f}
		if err := l.record(command); err != nil {
			l.Release()
			return nil, fmt.Errorf("experiments: lock file %s: %w", path, err)
		}
		return l, nil
	}
}

// LockWaitEnv names the environment variable that makes AcquireLock wait
// for a held lock.
const LockWaitEnv = "SURROGO_LOCK_WAIT"

// lockPoll is how often a waiting AcquireLock tries again.
const lockPoll = 200 * time.Millisecond

// maxLockWait bounds SURROGO_LOCK_WAIT.
const maxLockWait = time.Hour

// lockWait reads SURROGO_LOCK_WAIT: 0 when unset.
func lockWait() (time.Duration, error) {
	v := os.Getenv(LockWaitEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxLockWait {
		return 0, fmt.Errorf("experiments: %s=%q: expected a duration from 0s to %v, e.g. 5m", LockWaitEnv, v, maxLockWait)
	}
	return d, nil
}

// record writes the holder's details into the (locked) file.
func (l *Lock) record(command string) error {
	host, _ := os.Hostname()
	text := fmt.Sprintf("pid: %d\nhost: %s\nstarted: %s\ncommand: %s\n", os.Getpid(), host,
		time.Now().UTC().Format(time.RFC3339), strings.ReplaceAll(command, "\n", " "))
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt([]byte(text), 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// Release removes the lock file and drops the lock. It is idempotent and
// safe on a nil Lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	var err error
	if same, _ := samePath(l.f, l.path); same {
		if rerr := os.Remove(l.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	if cerr := l.f.Close(); cerr != nil && err == nil { // closing drops the flock
		err = cerr
	}
	l.f = nil
	return err
}

// Path returns the lock file.
func (l *Lock) Path() string { return l.path }

// ReadLockHolder reads the holder recorded in a lock file (whether or not
// the lock is still held).
func ReadLockHolder(path string) (LockHolder, error) {
	f, err := os.Open(path)
	if err != nil {
		return LockHolder{}, err
	}
	defer f.Close()
	return readHolder(f), nil
}

func readHolder(f *os.File) LockHolder {
	var h LockHolder
	raw, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err != nil {
		return h
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "host":
			h.Host = v
		case "started":
			h.Started, _ = time.Parse(time.RFC3339, v)
		case "command":
			h.Command = v
		}
	}
	return h
}

// samePath reports whether the open file f is still the file at path.
func samePath(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// flock calls flock(2), retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
