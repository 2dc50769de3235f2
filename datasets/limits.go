package datasets

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// A file states the shape of its datasets, and a damaged or hostile file
// can claim any shape: a 7 KB file may declare [1e9, 2, 32]. Every read
// that allocates its buffer here checks the bytes it needs against
// ReadLimit first, so such a file gets an error naming what it claims
// instead of crashing the process (Go's runtime cannot recover from an
// allocation beyond the machine's memory).

// readLimitFraction is the share of the memory available to the process
// that one read may take: training holds the data read, a copy arranged as
// inputs and targets, and the model's working set.
const readLimitFraction = 2

var readLimit atomic.Int64 // bytes; 0: the default from MemoryAvailable

// ReadLimit returns the most bytes one read may allocate: half the memory
// available to the process (see MemoryAvailable) unless SetReadLimit chose
// otherwise.
func ReadLimit() int64 {
	if n := readLimit.Load(); n > 0 {
		return n
	}
	m, _ := MemoryAvailable()
	return m / readLimitFraction
}

// SetReadLimit sets the most bytes one read may allocate and returns the
// previous setting (0 for the default); n <= 0 restores the default.
func SetReadLimit(n int64) (previous int64) {
	return readLimit.Swap(max(n, 0))
}

var memOnce struct {
	sync.Once
	bytes  int64
	source string
}

// MemoryAvailable returns the memory the process may use and where that
// figure comes from: the smallest of the machine's MemTotal
// (/proc/meminfo), the cgroup's memory limit (v2 memory.max or v1
// memory.limit_in_bytes) and Go's own memory limit (GOMEMLIMIT), read once.
// Where none can be read it assumes 4 GiB.
func MemoryAvailable() (bytes int64, source string) {
	memOnce.Do(func() {
		memOnce.bytes, memOnce.source = 4<<30, "assumed: /proc/meminfo unreadable"
		found := false
		take := func(n int64, src string) {
			if n > 0 && (!found || n < memOnce.bytes) {
				memOnce.bytes, memOnce.source, found = n, src, true
			}
		}
		if n, ok := memTotal("/proc/meminfo"); ok {
			take(n, "MemTotal in /proc/meminfo")
		}
		for _, p := range cgroupLimitFiles() {
			if n, ok := cgroupLimit(p); ok {
				take(n, "cgroup limit "+p)
			}
		}
		if n := debug.SetMemoryLimit(-1); n > 0 && n < math.MaxInt64 {
			take(n, "GOMEMLIMIT")
		}
	})
	return memOnce.bytes, memOnce.source
}

// memTotal reads MemTotal (in kB) from a meminfo file.
func memTotal(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
				return 0, false
			}
			return kb * 1024, true
		}
	}
	return 0, false
}

// cgroupLimitFiles lists the memory-limit files that may apply to this
// process: the cgroup v2 and v1 files at the mount root (what a container
// sees) and under the process's own cgroup path.
func cgroupLimitFiles() []string {
	files := []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}
	raw, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return files
	}
	for _, line := range strings.Split(string(raw), "\n") {
		// "0::/path" (v2) or "4:memory:/path" (v1).
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[2] == "/" || strings.Contains(parts[2], "..") {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = append(files, filepath.Join("/sys/fs/cgroup", parts[2], "memory.max"))
		case strings.Contains(","+parts[1]+",", ",memory,"):
			files = append(files, filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	return files
}

// cgroupLimit reads a cgroup memory limit; "max" and v1's "no limit"
// (a value near 2^63) are no limit.
func cgroupLimit(path string) (int64, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(raw))
	if s == "max" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= math.MaxInt64/2 {
		return 0, false
	}
	return n, true
}

// elements is the product of dims, saturating at math.MaxInt64 (a damaged
// file's claimed shape may overflow int).
func elements(dims []int) int {
	n := 1
	for _, d := range dims {
		if d <= 0 {
			return 0
		}
		if n > math.MaxInt64/d {
			n = math.MaxInt64
			continue
		}
		n *= d
	}
	return n
}

// byteCount is n elements of size bytes each, saturating.
func byteCount(n, size int) int64 {
	if n > 0 && size > 0 && n > math.MaxInt64/size {
		return math.MaxInt64
	}
	return int64(n) * int64(size)
}

// checkAlloc refuses a read of the box count (the whole dataset when
// count is nil) into elements of elemSize bytes when its buffer would
// exceed ReadLimit, naming the file, dataset, shape, bytes needed and
// memory available.
func checkAlloc(d *Dataset, op string, count []int, elemSize int, as Dtype) error {
	what := "shape " + shapeList(d.shape)
	if count == nil {
		count = d.shape
	} else if !slices.Equal(count, d.shape) {
		what = fmt.Sprintf("a selection of %s from shape %s", shapeList(count), shapeList(d.shape))
	}
	n := elements(count)
	need := byteCount(n, elemSize)
	limit := ReadLimit()
	if need <= limit {
		return nil
	}
	mem, src := MemoryAvailable()
	values := fmt.Sprintf("%d", n)
	if n == math.MaxInt64 {
		values = "more than 2^63"
	}
	return newErr(op, d.f.name, d.path, ErrTooLarge,
		"reading %s needs %s (%s %s values), more than the %s one read may use (%s)",
		what, humanBytes(need), values, as, humanBytes(limit), limitSource(limit, mem, src))
}

// limitSource explains where a read limit comes from.
func limitSource(limit, mem int64, src string) string {
	if readLimit.Load() > 0 {
		return fmt.Sprintf("set by SetReadLimit; %s of memory available (%s)", humanBytes(mem), src)
	}
	return fmt.Sprintf("1/%d of the %s of memory available, from %s", readLimitFraction, humanBytes(mem), src)
}

// shapeList formats dims as "[4 3 16]".
func shapeList(dims []int) string { return fmt.Sprint(dims) }

// checkBuffer refuses a buffer of n values of elemSize bytes (what it
// holds described by what) beyond ReadLimit, naming the file and object.
func checkBuffer(file, object, what string, n, elemSize int) error {
	need, limit := byteCount(n, elemSize), ReadLimit()
	if need <= limit {
		return nil
	}
	mem, src := MemoryAvailable()
	return newErr("read", file, object, ErrTooLarge, "%s needs %s, more than the %s one read may use (%s)",
		what, humanBytes(need), humanBytes(limit), limitSource(limit, mem, src))
}
