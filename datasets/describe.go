package datasets

// #include "h5shim.h"
import "C"

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// DescribeOptions controls Describe.
type DescribeOptions struct {
	// Stats adds min, max, mean and the count of non-finite values of every
	// numeric dataset (reads all data, in pieces of at most PieceBytes).
	Stats bool
	// MaxAttrChars truncates long attribute values (0: 72).
	MaxAttrChars int
	// PieceBytes bounds the memory of one read while computing statistics
	// (0: 32 MiB); pieces are whole chunks where the chunks allow.
	PieceBytes int64
	// Progress, if set, receives a line at every tenth of a dataset whose
	// statistics take more than progressPieces pieces.
	Progress io.Writer
	// All lists every trajectory group of a particle file; by default the
	// first two are listed and the rest summed up in one line (the
	// summary before the tree covers them all).
	All bool
}

// progressPieces is the size, in pieces, from which statistics report
// progress.
const progressPieces = 16

// maxSparseChunks bounds the stored chunks of a partly written dataset
// whose statistics are gathered chunk by chunk (HDF5 1.10 finds the i-th
// stored chunk by walking the index from the start).
const maxSparseChunks = 4096

// Describe writes the tree of f, as `h5ls -rv` would but on one screen:
// every group and dataset with its attributes; datasets with dtype, shape,
// max shape when extendible, chunks, filters and stored size, and a
// warning where the file holds less than the shape claims. A dataset whose
// statistics cannot be read gets a line saying why; the listing goes on
// and Describe returns the first such error at the end.
func Describe(w io.Writer, f *File, opts DescribeOptions) error {
	if opts.MaxAttrChars <= 0 {
		opts.MaxAttrChars = 72
	}
	size := int64(-1)
	if st, err := os.Stat(f.diskPath); err == nil {
		size = st.Size()
	}
	layout, err := DetectLayout(f)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s  (HDF5, %s", f.name, humanBytes(size))
	if layout != LayoutUnknown {
		fmt.Fprintf(w, ", layout %s", layout)
	}
	fmt.Fprintln(w, ")")
	if err := describeParticles(w, f); err != nil {
		return err
	}
	fmt.Fprintln(w, "/  group")
	if err := describeAttrs(w, &f.Group.object, opts); err != nil {
		return err
	}
	var statsErr error
	elided := false
	err = f.Walk(func(e Entry) error {
		if i, ok := elidedTrajectory(e.Path); ok && !opts.All {
			if !elided {
				elided = true
				n, err := TrajectoryCount(f)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s .. %s  %d more trajectory groups like those above (simulate inspect -all lists them)\n",
					e.Path, trajectoryPath(n-1), n-i)
			}
			return nil
		}
		switch e.Kind {
		case KindGroup:
			g, err := f.OpenGroup(e.Path)
			if err != nil {
				return err
			}
			defer g.Close()
			fmt.Fprintf(w, "%s  group\n", e.Path)
			return describeAttrs(w, &g.object, opts)
		case KindDataset:
			d, err := f.OpenDataset(e.Path)
			if err != nil {
				return err
			}
			defer d.Close()
			serr, err := describeDataset(w, d, opts)
			if err != nil {
				return err
			}
			if serr != nil && statsErr == nil {
				statsErr = serr
			}
			return describeAttrs(w, &d.object, opts)
		default:
			fmt.Fprintf(w, "%s  %s\n", e.Path, e.Kind)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return statsErr
}

// describeDataset writes d's line, a warning when the file holds less than
// its shape claims, and with opts.Stats its statistics. statsErr is a
// failure to read the data (reported on its own line as well); err a
// failure to describe the dataset at all.
func describeDataset(w io.Writer, d *Dataset, opts DescribeOptions) (statsErr, err error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  dataset %s %s", d.path, d.dtype, shapeString(d.shape))
	for i, m := range d.maxShape {
		if m != d.shape[i] {
			fmt.Fprintf(&b, " max %s", shapeString(d.maxShape))
			break
		}
	}
	if d.chunks != nil {
		fmt.Fprintf(&b, " chunks %s", shapeString(d.chunks))
	} else if len(d.shape) > 0 {
		b.WriteString(" contiguous")
	}
	filters, err := d.Filters()
	if err != nil {
		return nil, err
	}
	if len(filters) > 0 {
		names := make([]string, len(filters))
		for i, f := range filters {
			names[i] = f.String()
		}
		fmt.Fprintf(&b, " %s", strings.Join(names, "+"))
	}
	st, err := d.Storage()
	if err != nil {
		return nil, err
	}
	if st.ClaimedBytes > 0 {
		fmt.Fprintf(&b, "  %s", humanBytes(st.Bytes))
		if st.Bytes != st.ClaimedBytes {
			fmt.Fprintf(&b, " of %s (%s)", humanBytes(st.ClaimedBytes), percent(st.Bytes, st.ClaimedBytes))
		}
	}
	fmt.Fprintln(w, b.String())
	if !st.Complete() {
		if st.Chunked {
			fmt.Fprintf(w, "    warning: the file stores %d of the %d chunks this shape spans; the rest was never written and reads as fill values\n",
				st.StoredChunks, st.TotalChunks)
		} else {
			fmt.Fprintf(w, "    warning: the file stores no data for this dataset; it was never written and reads as fill values\n")
		}
	}
	if !opts.Stats || !(d.dtype.IsFloat() || d.dtype.IsInt()) || d.Size() == 0 {
		return nil, nil
	}
	s, err := datasetStats(d, st, opts)
	if err != nil {
		fmt.Fprintf(w, "    stats: cannot read the data: %v\n", err)
		return err, nil
	}
	if s.count+s.nonFinite == 0 {
		fmt.Fprintf(w, "    stats: none, %s\n", s.note)
		return nil, nil
	}
	fmt.Fprintf(w, "    min %.6g  max %.6g  mean %.6g", s.min, s.max, s.mean)
	if s.nonFinite > 0 {
		fmt.Fprintf(w, "  non-finite %d", s.nonFinite)
	}
	if s.note != "" {
		fmt.Fprintf(w, "  (%s)", s.note)
	}
	fmt.Fprintln(w)
	return nil, nil
}

// percent formats part/whole, with decimals where it rounds to 0%.
func percent(part, whole int64) string {
	p := 100 * float64(part) / float64(whole)
	if p > 0 && p < 0.5 {
		return fmt.Sprintf("%.2g%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

type stats struct {
	min, max, mean float64
	count          int
	nonFinite      int
	note           string // what the statistics cover, when not everything
}

func (s *stats) add(v []float64) {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.nonFinite++
			continue
		}
		s.min = math.Min(s.min, x)
		s.max = math.Max(s.max, x)
		s.mean += x // the sum until finish
		s.count++
	}
}

func (s *stats) finish() {
	if s.count > 0 {
		s.mean /= float64(s.count)
	} else {
		s.min, s.max, s.mean = math.NaN(), math.NaN(), math.NaN()
	}
}

// datasetStats streams d in pieces of at most opts.PieceBytes (as float64)
// so that memory stays bounded whatever the shape claims. Of a partly
// written dataset it reads only what the file stores: its stored chunks
// when they are few, else the pieces whose chunks are all stored.
func datasetStats(d *Dataset, st Storage, opts DescribeOptions) (stats, error) {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	pieceBytes := opts.PieceBytes
	if pieceBytes <= 0 {
		pieceBytes = 32 << 20
	}
	maxElems := int(max(pieceBytes/8, 1))
	if err := d.checkChunkBytes("read"); err != nil {
		return s, err
	}
	if len(d.shape) == 0 {
		v, err := ReadAll[float64](d)
		if err != nil {
			return s, err
		}
		s.add(v)
		s.finish()
		return s, nil
	}
	if !st.Complete() && st.Chunked && st.StoredChunks <= maxSparseChunks {
		err := sparseStats(d, st, maxElems, &s)
		s.finish()
		return s, err
	}
	if !st.Complete() && !st.Chunked {
		s.finish()
		s.note = "the file stores no data for this dataset"
		return s, nil
	}
	piece := pieceShape(d.shape, d.chunks, maxElems)
	pieces := tileCount(d.shape, piece)
	if !st.Complete() && d.chunkBoxes(make([]int, len(d.shape)), d.shape, nil) > maxChunkLookups {
		s.finish()
		s.note = fmt.Sprintf("skipped: %d of %d chunks were never written, too many chunks to find the stored ones", st.TotalChunks-st.StoredChunks, st.TotalChunks)
		return s, nil
	}
	buf := make([]float64, elements(piece))
	done, skipped, nextReport := 0, 0, 1
	var err error
	read := func(start, count []int) error {
		v := buf[:elements(count)]
		if err := transfer(d, "read", start, count, v, false); err != nil {
			return err
		}
		s.add(v)
		return nil
	}
	forEachTile(d.shape, piece, func(start, count []int) bool {
		switch {
		case st.Complete() || d.checkReadable("read", start, count) == nil:
			err = read(start, count)
		case elements(count) <= elements(d.chunks):
			skipped += elements(count) // within one chunk, never written
		default:
			// Some of the piece's chunks are stored: read those.
			skipped, err = readStoredChunks(d, start, count, skipped, read)
		}
		if err != nil {
			return false
		}
		done++
		if opts.Progress != nil && pieces >= progressPieces && done*10 >= nextReport*pieces {
			fmt.Fprintf(opts.Progress, "    %s: %d%% (%d of %d pieces)\n", d.path, 100*done/pieces, done, pieces)
			for done*10 >= nextReport*pieces {
				nextReport++
			}
		}
		return true
	})
	s.finish()
	if skipped > 0 {
		s.note = fmt.Sprintf("over the stored data only: %d values in chunks never written skipped", skipped)
	}
	return s, err
}

// readStoredChunks calls read for each stored chunk under the box [start,
// start+count) (whole chunks, clipped to the dataset) and adds the values
// of the others to skipped.
func readStoredChunks(d *Dataset, start, count []int, skipped int, read func(start, count []int) error) (int, error) {
	var err error
	d.chunkBoxes(start, count, func(coord []int) bool {
		at, n := make([]int, len(coord)), make([]int, len(coord))
		for i, c := range coord {
			at[i] = c * d.chunks[i]
			n[i] = min(d.chunks[i], d.shape[i]-at[i])
		}
		lockH5()
		stored, _, _, lerr := d.chunkAtLocked(coord)
		unlockH5()
		switch {
		case lerr != nil:
			err = lerr
		case stored:
			err = read(at, n)
		default:
			skipped += elements(n)
		}
		return err == nil
	})
	return skipped, err
}

// sparseStats gathers the statistics of a partly written dataset from its
// stored chunks, one at a time.
func sparseStats(d *Dataset, st Storage, maxElems int, s *stats) error {
	lockH5()
	chunks := make([][]int, 0, st.StoredChunks)
	var lerr error
	for i := int64(0); i < st.StoredChunks; i++ {
		off := make([]C.hsize_t, len(d.shape))
		var addr, size C.ulonglong
		if C.sg_chunk_by_index(hid(d.hid), C.ulonglong(i), hsizePtr(off), &addr, &size) < 0 {
			lerr = h5Err("read", d.f.name, d.path, fmt.Sprintf("looking up stored chunk %d", i))
			break
		}
		start := make([]int, len(off))
		for k, o := range off {
			start[k] = int(min(uint64(o), math.MaxInt64))
		}
		chunks = append(chunks, start)
	}
	unlockH5()
	if lerr != nil {
		return lerr
	}
	var values int
	for _, start := range chunks {
		count := make([]int, len(start))
		ok := true
		for k := range start {
			if start[k] >= d.shape[k] {
				ok = false // a chunk beyond the extent: not part of the data
				break
			}
			count[k] = min(d.chunks[k], d.shape[k]-start[k])
		}
		if !ok {
			continue
		}
		piece := pieceShape(count, nil, maxElems)
		buf := make([]float64, elements(piece))
		var err error
		forEachTile(count, piece, func(off, n []int) bool {
			at := make([]int, len(off))
			for k := range off {
				at[k] = start[k] + off[k]
			}
			v := buf[:elements(n)]
			if err = transfer(d, "read", at, n, v, false); err != nil {
				return false
			}
			s.add(v)
			values += len(v)
			return true
		})
		if err != nil {
			return err
		}
	}
	s.note = fmt.Sprintf("over the %d stored chunks only, %d values; %d chunks were never written",
		len(chunks), values, st.TotalChunks-st.StoredChunks)
	return nil
}

// pieceShape returns the shape of the boxes that tile shape for streaming:
// whole chunks (chunk nil: single elements) grown along the trailing axes
// first, each at most maxElems elements (a chunk larger than that is split
// along its leading axes).
func pieceShape(shape, chunk []int, maxElems int) []int {
	p := make([]int, len(shape))
	for i := range p {
		p[i] = 1
		if chunk != nil {
			p[i] = max(min(chunk[i], shape[i]), 1)
		}
	}
	for elements(p) > maxElems {
		i := 0
		for i < len(p)-1 && p[i] == 1 {
			i++
		}
		if p[i] == 1 {
			break
		}
		p[i] = (p[i] + 1) / 2
	}
	for i := len(p) - 1; i >= 0; i-- {
		rest := elements(p) / p[i]
		fit := maxElems / max(rest, 1) // at most this many along axis i
		if fit >= shape[i] {
			p[i] = max(shape[i], 1)
			continue
		}
		if fit > p[i] {
			p[i] = fit / p[i] * p[i] // whole multiples of the chunk
		}
		break
	}
	return p
}

// tileCount is the number of pieces of shape piece that tile shape.
func tileCount(shape, piece []int) int {
	n := make([]int, len(shape))
	for i := range shape {
		n[i] = (shape[i] + piece[i] - 1) / piece[i]
	}
	return elements(n)
}

// forEachTile calls fn with the start and count of every piece tiling
// shape (the last along an axis may be shorter), in row-major order,
// until fn returns false.
func forEachTile(shape, piece []int, fn func(start, count []int) bool) {
	r := len(shape)
	for _, n := range shape {
		if n == 0 {
			return
		}
	}
	start, count := make([]int, r), make([]int, r)
	for {
		for i := range count {
			count[i] = min(piece[i], shape[i]-start[i])
		}
		if !fn(start, count) {
			return
		}
		i := r - 1
		for i >= 0 {
			start[i] += piece[i]
			if start[i] < shape[i] {
				break
			}
			start[i] = 0
			i--
		}
		if i < 0 {
			return
		}
	}
}

func describeAttrs(w io.Writer, o *object, opts DescribeOptions) error {
	infos, err := o.Attrs()
	if err != nil {
		return err
	}
	width := 0
	for _, a := range infos {
		width = max(width, len(a.Name))
	}
	for _, a := range infos {
		v, err := o.Attr(a.Name)
		var text string
		if err != nil {
			text = "<" + a.Dtype.String() + ", unreadable>"
		} else {
			text = formatValue(v, opts.MaxAttrChars)
		}
		fmt.Fprintf(w, "    @%-*s = %s\n", width, a.Name, text)
	}
	return nil
}

func formatValue(v any, maxChars int) string {
	var s string
	switch x := v.(type) {
	case string:
		lines := strings.Count(x, "\n")
		first, _, _ := strings.Cut(x, "\n")
		s = fmt.Sprintf("%q", first)
		if lines > 0 && strings.TrimSpace(x[len(first):]) != "" {
			s += fmt.Sprintf(" ... (%d lines)", lines+1)
		}
	case float64:
		s = fmt.Sprintf("%g", x)
	case int64:
		s = fmt.Sprintf("%d", x)
	case []float64:
		s = formatList(len(x), func(i int) string { return fmt.Sprintf("%g", x[i]) })
	case []int64:
		s = formatList(len(x), func(i int) string { return fmt.Sprintf("%d", x[i]) })
	case []string:
		s = formatList(len(x), func(i int) string { return fmt.Sprintf("%q", x[i]) })
	default:
		s = fmt.Sprint(v)
	}
	if r := []rune(s); len(r) > maxChars {
		s = string(r[:maxChars-3]) + "..."
	}
	return s
}

func formatList(n int, item func(int) string) string {
	parts := make([]string, 0, min(n, 9))
	for i := 0; i < n && i < 8; i++ {
		parts = append(parts, item(i))
	}
	if n > 8 {
		parts = append(parts, fmt.Sprintf("... (%d values)", n))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func shapeString(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		if x < 0 {
			parts[i] = "inf"
		} else {
			parts[i] = fmt.Sprint(x)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func humanBytes(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}
