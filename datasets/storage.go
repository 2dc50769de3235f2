package datasets

// #include "h5shim.h"
import "C"

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// HDF5 answers a read of storage the file never wrote with fill values
// (zeros) and no error, so a dataset whose shape was extended, or claimed
// by a damaged file, past what was written reads as plausible data. Reads
// here first check that the chunks under the selection exist.

// maxChunkLookups bounds the chunks one check looks up one by one; a
// selection spanning more of a partly written dataset is refused whole.
const maxChunkLookups = 1 << 22

// maxLocateReads bounds the chunks read one at a time to find the one
// that failed to decode.
const maxLocateReads = 1 << 16

// storage is what the file holds of a dataset: its layout, and for a
// chunked one how many of the chunks its shape spans are stored.
type storage struct {
	known         bool
	stored, total int64 // chunks (chunked datasets)
	bytes         int64 // bytes in the file
}

// Storage describes how much of a dataset the file actually holds.
type Storage struct {
	Chunked bool
	// StoredChunks of TotalChunks (the chunks the dataset's shape spans)
	// are in the file; chunked datasets only.
	StoredChunks, TotalChunks int64
	// Bytes is the storage the data occupy in the file (compressed);
	// ClaimedBytes is the shape's size in the stored type.
	Bytes, ClaimedBytes int64
}

// Complete reports whether every part of the dataset was written: all
// chunks are stored, or a contiguous dataset has its storage.
func (s Storage) Complete() bool {
	if s.ClaimedBytes == 0 {
		return true
	}
	if s.Chunked {
		return s.StoredChunks >= s.TotalChunks
	}
	return s.Bytes > 0
}

// Storage reports how much of the dataset the file holds (one pass over
// the chunk index; kept for files opened read-only).
func (d *Dataset) Storage() (Storage, error) {
	if err := d.check("describe"); err != nil {
		return Storage{}, err
	}
	lockH5()
	defer unlockH5()
	st, err := d.storageLocked()
	if err != nil {
		return Storage{}, err
	}
	return Storage{Chunked: d.chunks != nil, StoredChunks: st.stored, TotalChunks: st.total, Bytes: st.bytes,
		ClaimedBytes: byteCount(d.Size(), d.dtype.Size())}, nil
}

// ChunkInfo says where the file stores one chunk of a dataset.
type ChunkInfo struct {
	Stored bool   // false: never written (reads as fill values)
	Offset uint64 // byte offset in the file
	Size   uint64 // stored (compressed) bytes
}

// ChunkAt describes the chunk at position coord of the chunk grid (chunk
// k along an axis covers elements [k*c, (k+1)*c) for chunk dimension c).
func (d *Dataset) ChunkAt(coord []int) (ChunkInfo, error) {
	if err := d.check("describe"); err != nil {
		return ChunkInfo{}, err
	}
	if d.chunks == nil {
		return ChunkInfo{}, newErr("describe", d.f.name, d.path, ErrLayout, "the dataset is not chunked")
	}
	grid := d.chunkGrid()
	if len(coord) != len(grid) {
		return ChunkInfo{}, newErr("describe", d.f.name, d.path, ErrShape, "chunk position %v has rank %d, expected %d", coord, len(coord), len(grid))
	}
	for i, c := range coord {
		if c < 0 || c >= grid[i] {
			return ChunkInfo{}, newErr("describe", d.f.name, d.path, ErrRange, "chunk position %v is outside the chunk grid %v", coord, grid)
		}
	}
	lockH5()
	defer unlockH5()
	ok, addr, size, err := d.chunkAtLocked(coord)
	return ChunkInfo{Stored: ok, Offset: addr, Size: size}, err
}

// chunkGrid is the number of chunks along each axis.
func (d *Dataset) chunkGrid() []int {
	g := make([]int, len(d.shape))
	for i, n := range d.shape {
		c := max(d.chunks[i], 1)
		g[i] = n / c
		if n%c != 0 {
			g[i]++
		}
	}
	return g
}

// storageLocked returns (and for a read-only file caches) what the file
// holds of d; the caller holds h5mu.
func (d *Dataset) storageLocked() (storage, error) {
	if d.store.known {
		return d.store, nil
	}
	var st storage
	st.bytes = int64(C.sg_storage_size(hid(d.hid)))
	if d.chunks != nil && d.Size() > 0 {
		var n C.ulonglong
		if C.sg_num_chunks(hid(d.hid), &n) < 0 {
			return st, h5Err("read", d.f.name, d.path, "counting the stored chunks")
		}
		st.stored = int64(min(uint64(n), uint64(1<<62)))
		st.total = int64(elements(d.chunkGrid()))
	}
	st.known = !d.f.writable
	d.store = st
	return st, nil
}

// chunkBoxes calls fn with the coordinates (in chunks) of every chunk
// that the box [start, start+count) touches, in row-major order, until fn
// returns false. It returns the number of chunks the box touches.
func (d *Dataset) chunkBoxes(start, count []int, fn func(coord []int) bool) int {
	r := len(d.shape)
	lo, hi := make([]int, r), make([]int, r)
	for i := range lo {
		c := max(d.chunks[i], 1)
		lo[i] = start[i] / c
		hi[i] = (start[i] + count[i] - 1) / c
	}
	spans := make([]int, r)
	for i := range spans {
		spans[i] = hi[i] - lo[i] + 1
	}
	total := elements(spans)
	if fn == nil {
		return total
	}
	coord := append([]int(nil), lo...)
	for {
		if !fn(coord) {
			return total
		}
		i := r - 1
		for i >= 0 {
			coord[i]++
			if coord[i] <= hi[i] {
				break
			}
			coord[i] = lo[i]
			i--
		}
		if i < 0 {
			return total
		}
	}
}

// chunkOffset is the element offset of chunk coordinate coord.
func (d *Dataset) chunkOffset(coord []int) []C.hsize_t {
	off := make([]C.hsize_t, len(coord))
	for i, c := range coord {
		off[i] = C.hsize_t(c * d.chunks[i])
	}
	return off
}

// chunkLinear is the row-major index of chunk coordinate coord in the grid.
func chunkLinear(coord, grid []int) int {
	k := 0
	for i, c := range coord {
		k = k*grid[i] + c
	}
	return k
}

// chunkAtLocked reports whether the chunk at coord is stored, with its
// file address and stored size; the caller holds h5mu.
func (d *Dataset) chunkAtLocked(coord []int) (stored bool, addr, size uint64, err error) {
	off := d.chunkOffset(coord)
	var a, s C.ulonglong
	switch C.sg_chunk_at(hid(d.hid), hsizePtr(off), &a, &s) {
	case 1:
		return true, uint64(a), uint64(s), nil
	case 0:
		return false, 0, 0, nil
	}
	return false, 0, 0, h5Err("read", d.f.name, d.path, fmt.Sprintf("looking up the chunk at %v", elementOffset(off)))
}

func elementOffset(off []C.hsize_t) []uint64 {
	out := make([]uint64, len(off))
	for i, v := range off {
		out[i] = uint64(v)
	}
	return out
}

// checkReadable refuses a read of the box [start, start+count) (nil: the
// whole dataset) that HDF5 would answer with fill values for storage never
// written, or that needs chunk buffers beyond ReadLimit.
func (d *Dataset) checkReadable(op string, start, count []int) error {
	if start == nil {
		start, count = make([]int, len(d.shape)), d.shape
	}
	if elements(count) == 0 || len(d.shape) == 0 {
		return nil
	}
	if err := d.checkChunkBytes(op); err != nil {
		return err
	}
	lockH5()
	defer unlockH5()
	st, err := d.storageLocked()
	if err != nil {
		return err
	}
	claimed := byteCount(d.Size(), d.dtype.Size())
	if d.chunks == nil {
		if st.bytes == 0 && d.layout == C.SG_LAYOUT_CONTIGUOUS {
			return newErr(op, d.f.name, d.path, ErrUnwritten,
				"the file stores no data for shape %s (%s claimed): the dataset was created but never written, and would read as fill values",
				shapeList(d.shape), humanBytes(claimed))
		}
		return nil
	}
	if st.stored >= st.total {
		return nil
	}
	where := d.boxText(start, count)
	whole := fmt.Sprintf("the file stores %d of the %d chunks of shape %s that shape %s spans (%s of a claimed %s)",
		st.stored, st.total, shapeList(d.chunks), shapeList(d.shape), humanBytes(st.bytes), humanBytes(claimed))
	n := d.chunkBoxes(start, count, nil)
	if n > maxChunkLookups {
		return newErr(op, d.f.name, d.path, ErrUnwritten,
			"%s; reading %s would return fill values where nothing was written (a writer stopped early, or the shape is damaged)", whole, where)
	}
	missing, first := 0, []int(nil)
	var lerr error
	d.chunkBoxes(start, count, func(coord []int) bool {
		ok, _, _, err := d.chunkAtLocked(coord)
		if err != nil {
			lerr = err
			return false
		}
		if !ok {
			if missing == 0 {
				first = append([]int(nil), coord...)
			}
			missing++
		}
		return true
	})
	if lerr != nil {
		return lerr
	}
	if missing == 0 {
		return nil
	}
	off := d.chunkOffset(first)
	return newErr(op, d.f.name, d.path, ErrUnwritten,
		"%d of the %d chunks under %s were never written (the first at element %v%s) and would read as fill values; %s (a writer stopped early, or the shape is damaged)",
		missing, n, where, elementOffset(off), d.sampleText(int(off[0])), whole)
}

// checkChunkBytes refuses to read from chunks larger than ReadLimit: HDF5
// holds a whole chunk in memory to read any part of it, and a damaged file
// may claim chunks of up to 4 GiB elements.
func (d *Dataset) checkChunkBytes(op string) error {
	if d.chunks == nil {
		return nil
	}
	if need := byteCount(elements(d.chunks), d.dtype.Size()); need > ReadLimit() {
		mem, src := MemoryAvailable()
		return newErr(op, d.f.name, d.path, ErrTooLarge,
			"its chunks of shape %s need %s each, more than the %s one read may use (%s)",
			shapeList(d.chunks), humanBytes(need), humanBytes(ReadLimit()), limitSource(ReadLimit(), mem, src))
	}
	return nil
}

// boxText describes a selection for messages: "samples [0, 8)" when it
// covers whole samples, else the box.
func (d *Dataset) boxText(start, count []int) string {
	if len(d.shape) > 0 && slices.Equal(count[1:], d.shape[1:]) {
		if start[0] == 0 && count[0] == d.shape[0] {
			return "the whole dataset"
		}
		return fmt.Sprintf("samples [%d, %d)", start[0], start[0]+count[0])
	}
	return fmt.Sprintf("the selection at %v of %s", start, shapeList(count))
}

// sampleText names the sample of a leading-axis index, for messages.
func (d *Dataset) sampleText(i int) string {
	if len(d.shape) < 2 {
		return ""
	}
	return fmt.Sprintf(", sample %d", i)
}

// locateBadChunkLocked reads the chunks under a failed read's selection
// one by one, in the dataset's own type (no conversion), and describes the
// first that fails: its index in the chunk grid, where it starts, its
// place in the file and the cause. It returns "" when none fails on its
// own or the selection spans too many chunks. The caller holds h5mu.
func (d *Dataset) locateBadChunkLocked(start, count []int) string {
	if d.chunks == nil || d.dtype.kind() < 0 {
		return ""
	}
	if start == nil {
		start, count = make([]int, len(d.shape)), d.shape
	}
	chunkBytes := byteCount(elements(d.chunks), d.dtype.Size())
	if chunkBytes > ReadLimit() || d.chunkBoxes(start, count, nil) > maxLocateReads {
		return ""
	}
	buf := make([]byte, max(chunkBytes, 1))
	grid := d.chunkGrid()
	found := ""
	d.chunkBoxes(start, count, func(coord []int) bool {
		st := make([]C.hsize_t, len(coord))
		ct := make([]C.hsize_t, len(coord))
		for i, c := range coord {
			s := c * d.chunks[i]
			st[i] = C.hsize_t(s)
			ct[i] = C.hsize_t(min(d.chunks[i], d.shape[i]-s))
		}
		if C.sg_read(hid(d.hid), d.dtype.kind(), C.int(len(coord)), hsizePtr(st), hsizePtr(ct), unsafe.Pointer(&buf[0])) >= 0 {
			return true
		}
		cause := lastH5Stack()
		place := ""
		if ok, addr, size, err := d.chunkAtLocked(coord); err == nil && ok {
			place = fmt.Sprintf("; %d bytes at file offset %d", size, addr)
		}
		found = fmt.Sprintf("chunk %d of %d (grid position %v, elements from %v%s%s) cannot be read: %s",
			chunkLinear(coord, grid), elements(grid), coord, elementOffset(st), d.sampleText(int(st[0])), place,
			explainCause(cause, d.filterNames()))
		return false
	})
	return found
}

// filterNames lists the dataset's filters for messages; the caller holds
// h5mu.
func (d *Dataset) filterNames() string {
	var ids [16]C.int
	var params [16]C.uint
	n := int(C.sg_dataset_filters(hid(d.hid), &ids[0], &params[0], 16))
	var names []string
	for i := 0; i < n && i < 16; i++ {
		names = append(names, filterName(int(ids[i]), int(params[i])).String())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// explainCause puts HDF5's innermost complaint about a chunk into words.
func explainCause(st h5Stack, filters string) string {
	msg := st.inner
	if msg == "" {
		msg = st.msg
	}
	if st.empty {
		msg = "no cause given"
	}
	switch {
	case strings.Contains(msg, "inflate()"):
		return fmt.Sprintf("its gzip stream is corrupt (filters %s; HDF5: %s)", filters, msg)
	case strings.Contains(msg, "checksum") || strings.Contains(msg, "Fletcher32"):
		return fmt.Sprintf("its checksum does not match its data (filters %s; HDF5: %s)", filters, msg)
	case strings.Contains(msg, "filter returned failure") || strings.Contains(msg, "filter pipeline"):
		return fmt.Sprintf("a filter failed to decode it (filters %s; HDF5: %s)", filters, msg)
	case strings.Contains(msg, "addr overflow") || strings.Contains(msg, "eoa") || strings.Contains(msg, "EOF"):
		return fmt.Sprintf("it lies beyond the end of the file, which is truncated or damaged (HDF5: %s)", msg)
	}
	return "HDF5: " + msg
}
