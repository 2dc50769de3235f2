package datasets

// #include "h5shim.h"
import "C"

import (
	"fmt"
	"github.com/surrogo/surrogo/tensor"
	"strconv"
	"unsafe"
)

func init() {
	if strconv.IntSize != 64 {
		panic("datasets: Go int must be 64 bits (it is stored as int64)")
	}
}

// Write creates the dataset name under g with the given shape and writes
// data (row-major, len(data) equal to the product of shape). Missing
// parent groups are created. opts may be nil for the field default.
func Write[T Number](g *Group, name string, shape []int, data []T, opts *Options) error {
	p := g.abs(name)
	if n := tensor.Size(shape); n != len(data) {
		return newErr("write", g.f.name, p, ErrShape,
			"shape %v needs %d elements, found %d", shape, n, len(data))
	}
	d, err := g.CreateDataset(name, dtypeOf[T](), shape, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	return WriteAll(d, data)
}

// WriteAll writes the whole dataset from data.
func WriteAll[T Number](d *Dataset, data []T) error {
	if err := d.check("write"); err != nil {
		return err
	}
	if n := d.Size(); n != len(data) {
		return newErr("write", d.f.name, d.path, ErrShape,
			"dataset of shape %v needs %d elements, found %d", d.shape, n, len(data))
	}
	return transfer(d, "write", nil, nil, data, true)
}

// Read opens the dataset name under g and returns its contents converted
// to T, with its shape.
func Read[T Number](g *Group, name string) ([]T, []int, error) {
	d, err := g.OpenDataset(name)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	data, err := ReadAll[T](d)
	return data, d.Shape(), err
}

// ReadAll reads the whole dataset, converted to T (see convertible: a
// float64 dataset reads into float32 and back; integers never narrow and
// floats never become integers). A dataset whose buffer would exceed
// ReadLimit is refused before allocating (ErrTooLarge), and so is one
// whose storage the file never wrote (ErrUnwritten).
func ReadAll[T Number](d *Dataset) ([]T, error) {
	if err := d.check("read"); err != nil {
		return nil, err
	}
	if err := checkConvert[T](d, "read", false); err != nil {
		return nil, err
	}
	if err := checkAlloc(d, "read", nil, dtypeOf[T]().Size(), dtypeOf[T]()); err != nil {
		return nil, err
	}
	dst := make([]T, d.Size())
	return dst, ReadInto(d, dst)
}

// ReadInto reads the whole dataset into dst, whose length must equal the
// number of elements.
func ReadInto[T Number](d *Dataset, dst []T) error {
	if err := d.check("read"); err != nil {
		return err
	}
	if n := d.Size(); n != len(dst) {
		return newErr("read", d.f.name, d.path, ErrShape,
			"dataset of shape %v has %d elements, buffer holds %d", d.shape, n, len(dst))
	}
	return readChecked(d, "read", nil, nil, dst)
}

// ReadSlab reads the box [start, start+count) into dst (len(dst) must be
// the product of count).
func ReadSlab[T Number](d *Dataset, start, count []int, dst []T) error {
	if err := checkSlab(d, "read", start, count, len(dst)); err != nil {
		return err
	}
	return readChecked(d, "read", start, count, dst)
}

// readChecked reads after checking the conversion and that the file holds
// the selection's storage.
func readChecked[T Number](d *Dataset, op string, start, count []int, dst []T) error {
	if err := checkConvert[T](d, op, false); err != nil {
		return err
	}
	if err := d.checkReadable(op, start, count); err != nil {
		return err
	}
	return transfer(d, op, start, count, dst, false)
}

// WriteSlab writes data into the box [start, start+count).
func WriteSlab[T Number](d *Dataset, start, count []int, data []T) error {
	if err := checkSlab(d, "write", start, count, len(data)); err != nil {
		return err
	}
	return transfer(d, "write", start, count, data, true)
}

// ReadSamples reads n entries of the leading axis starting at start: the
// per-sample partial read of a field dataset.
func ReadSamples[T Number](d *Dataset, start, n int) ([]T, error) {
	if err := d.check("read"); err != nil {
		return nil, err
	}
	if err := checkSamples(d, "read", start, n); err != nil {
		return nil, err
	}
	if err := checkConvert[T](d, "read", false); err != nil {
		return nil, err
	}
	_, count := sampleBox(d, start, n)
	if err := checkAlloc(d, "read", count, dtypeOf[T]().Size(), dtypeOf[T]()); err != nil {
		return nil, err
	}
	dst := make([]T, elements(count))
	return dst, ReadSamplesInto(d, start, n, dst)
}

// ReadSamplesInto reads n entries of the leading axis starting at start
// into dst.
func ReadSamplesInto[T Number](d *Dataset, start, n int, dst []T) error {
	if err := d.check("read"); err != nil {
		return err
	}
	if err := checkSamples(d, "read", start, n); err != nil {
		return err
	}
	st, ct := sampleBox(d, start, n)
	if err := checkSlab(d, "read", st, ct, len(dst)); err != nil {
		return err
	}
	return readChecked(d, "read", st, ct, dst)
}

// WriteSamples writes len(data)/SampleSize entries of the leading axis
// starting at start; the dataset must already be that long (see Append).
func WriteSamples[T Number](d *Dataset, start int, data []T) error {
	if err := d.check("write"); err != nil {
		return err
	}
	n, err := sampleCount(d, "write", len(data))
	if err != nil {
		return err
	}
	if err := checkSamples(d, "write", start, n); err != nil {
		return err
	}
	st, ct := sampleBox(d, start, n)
	return transfer(d, "write", st, ct, data, true)
}

// Append grows the leading axis of an extendible dataset by
// len(data)/SampleSize entries and writes them, so a generator can stream
// samples to disk without holding the whole set in memory.
func Append[T Number](d *Dataset, data []T) error {
	if err := d.check("append"); err != nil {
		return err
	}
	if len(d.shape) == 0 || d.maxShape[0] != -1 {
		return newErr("append", d.f.name, d.path, ErrArgument,
			"dataset of shape %v (max %v) is not extendible along its leading axis; create it with Options.Extendible",
			d.shape, d.maxShape)
	}
	n, err := sampleCount(d, "append", len(data))
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if !d.f.writable {
		return newErr("append", d.f.name, d.path, ErrReadOnly, "cannot append")
	}
	start := d.shape[0]
	newShape := d.Shape()
	newShape[0] += n
	lockH5()
	dims := hsizes(newShape)
	if C.sg_set_extent(hid(d.hid), C.int(len(dims)), hsizePtr(dims)) < 0 {
		e := h5Err("append", d.f.name, d.path, fmt.Sprintf("extending to %v", newShape))
		unlockH5()
		return e
	}
	err = d.refreshLocked()
	unlockH5()
	if err != nil {
		return err
	}
	st, ct := sampleBox(d, start, n)
	return transfer(d, "append", st, ct, data, true)
}

func sampleCount(d *Dataset, op string, length int) (int, error) {
	ss := d.SampleSize()
	if len(d.shape) == 0 {
		return 0, newErr(op, d.f.name, d.path, ErrShape, "a scalar dataset has no samples")
	}
	if ss == 0 {
		if length != 0 {
			return 0, newErr(op, d.f.name, d.path, ErrShape, "samples of shape %v are empty, found %d elements", d.shape[1:], length)
		}
		return 0, nil
	}
	if length%ss != 0 {
		return 0, newErr(op, d.f.name, d.path, ErrShape,
			"expected a whole number of samples of shape %v (%d elements each), found %d elements",
			d.shape[1:], ss, length)
	}
	return length / ss, nil
}

func checkSamples(d *Dataset, op string, start, n int) error {
	if len(d.shape) == 0 {
		return newErr(op, d.f.name, d.path, ErrShape, "a scalar dataset has no samples")
	}
	if start < 0 || n < 0 || start > d.shape[0]-n {
		return newErr(op, d.f.name, d.path, ErrRange,
			"samples [%d, %d) requested, the dataset holds %d (shape %v)", start, start+n, d.shape[0], d.shape)
	}
	return nil
}

func sampleBox(d *Dataset, start, n int) (st, ct []int) {
	st = make([]int, len(d.shape))
	ct = d.Shape()
	st[0], ct[0] = start, n
	return st, ct
}

func checkSlab(d *Dataset, op string, start, count []int, buf int) error {
	if err := d.check(op); err != nil {
		return err
	}
	if len(start) != len(d.shape) || len(count) != len(d.shape) {
		return newErr(op, d.f.name, d.path, ErrShape,
			"selection start %v count %v must have rank %d like shape %v", start, count, len(d.shape), d.shape)
	}
	for i := range start {
		if start[i] < 0 || count[i] < 0 || start[i] > d.shape[i]-count[i] {
			return newErr(op, d.f.name, d.path, ErrRange,
				"selection [%d, %d) on axis %d is outside the dataset's shape %v", start[i], start[i]+count[i], i, d.shape)
		}
	}
	if n := elements(count); n != buf {
		return newErr(op, d.f.name, d.path, ErrShape,
			"selection %v has %d elements, buffer holds %d", count, n, buf)
	}
	return nil
}

// checkConvert refuses a lossy conversion between the stored type and T.
func checkConvert[T Number](d *Dataset, op string, write bool) error {
	mem := dtypeOf[T]()
	from, to := d.dtype, mem
	if write {
		from, to = mem, d.dtype
	}
	if !convertible(from, to) {
		msg := fmt.Sprintf("cannot read %s elements into a buffer of %s without loss", d.dtype, mem)
		if write {
			msg = fmt.Sprintf("cannot store a buffer of %s as %s elements without loss", mem, d.dtype)
		}
		return newErr(op, d.f.name, d.path, ErrDtype, "%s", msg)
	}
	return nil
}

// transfer moves buf to or from the selection (nil start: everything),
// converting between the Go type and the stored type. A read that fails is
// retried chunk by chunk to name the chunk that cannot be decoded.
func transfer[T Number](d *Dataset, op string, start, count []int, buf []T, write bool) error {
	if err := checkConvert[T](d, op, write); err != nil {
		return err
	}
	mem := dtypeOf[T]()
	if len(buf) == 0 {
		return nil
	}
	if write && !d.f.writable {
		return newErr(op, d.f.name, d.path, ErrReadOnly, "cannot write")
	}
	st, ct := hsizes(start), hsizes(count)
	lockH5()
	defer unlockH5()
	var rc C.int
	ptr := unsafe.Pointer(&buf[0])
	if write {
		rc = C.sg_write(hid(d.hid), mem.kind(), C.int(len(d.shape)), hsizePtr(st), hsizePtr(ct), ptr)
	} else {
		rc = C.sg_read(hid(d.hid), mem.kind(), C.int(len(d.shape)), hsizePtr(st), hsizePtr(ct), ptr)
	}
	if rc < 0 {
		st := lastH5Stack()
		if write {
			return stackErr(op, d.f.name, d.path, "writing", st)
		}
		if loc := d.locateBadChunkLocked(start, count); loc != "" {
			if initErr != nil {
				loc += "; " + initErr.Error()
			}
			return newErr(op, d.f.name, d.path, ErrCorrupt, "%s", loc)
		}
		msg := st.msg
		if st.empty {
			msg = "HDF5 failed without saying why"
		}
		if initErr != nil {
			msg += "; " + initErr.Error()
		}
		return newErr(op, d.f.name, d.path, ErrHDF5, "%s", msg)
	}
	return nil
}
