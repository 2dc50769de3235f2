package datasets

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
	// numeric dataset (reads all data, sample block by sample block).
	Stats bool
	// MaxAttrChars truncates long attribute values (0: 72).
	MaxAttrChars int
}

// Describe writes the tree of f, as `h5ls -rv` would but on one screen:
// every group and dataset with its attributes; datasets with dtype, shape,
// max shape when extendible, chunks, filters and stored size.
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
	fmt.Fprintln(w, "/  group")
	if err := describeAttrs(w, &f.Group.object, opts); err != nil {
		return err
	}
	return f.Walk(func(e Entry) error {
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
			if err := describeDataset(w, d, opts); err != nil {
				return err
			}
			return describeAttrs(w, &d.object, opts)
		default:
			fmt.Fprintf(w, "%s  %s\n", e.Path, e.Kind)
		}
		return nil
	})
}

func describeDataset(w io.Writer, d *Dataset, opts DescribeOptions) error {
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
		return err
	}
	if len(filters) > 0 {
		names := make([]string, len(filters))
		for i, f := range filters {
			names[i] = f.String()
		}
		fmt.Fprintf(&b, " %s", strings.Join(names, "+"))
	}
	logical := int64(d.Size()) * int64(d.dtype.Size())
	stored := d.StoredBytes()
	if logical > 0 {
		fmt.Fprintf(&b, "  %s", humanBytes(stored))
		if stored != logical {
			fmt.Fprintf(&b, " of %s (%.0f%%)", humanBytes(logical), 100*float64(stored)/float64(logical))
		}
	}
	fmt.Fprintln(w, b.String())
	if opts.Stats && (d.dtype.IsFloat() || d.dtype.IsInt()) && d.Size() > 0 {
		s, err := datasetStats(d)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "    min %.6g  max %.6g  mean %.6g", s.min, s.max, s.mean)
		if s.nonFinite > 0 {
			fmt.Fprintf(w, "  non-finite %d", s.nonFinite)
		}
		fmt.Fprintln(w)
	}
	return nil
}

type stats struct {
	min, max, mean float64
	nonFinite      int
}

// datasetStats streams d in blocks of about 8 MiB.
func datasetStats(d *Dataset) (stats, error) {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	var sum float64
	count := 0
	add := func(v []float64) {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				s.nonFinite++
				continue
			}
			s.min = math.Min(s.min, x)
			s.max = math.Max(s.max, x)
			sum += x
			count++
		}
	}
	if len(d.shape) == 0 {
		v, err := ReadAll[float64](d)
		if err != nil {
			return s, err
		}
		add(v)
	} else {
		per := max(1, (8<<20)/max(8*d.SampleSize(), 1))
		for start := 0; start < d.Len(); start += per {
			n := min(per, d.Len()-start)
			v, err := ReadSamples[float64](d, start, n)
			if err != nil {
				return s, err
			}
			add(v)
		}
	}
	if count > 0 {
		s.mean = sum / float64(count)
	} else {
		s.min, s.max, s.mean = math.NaN(), math.NaN(), math.NaN()
	}
	return s, nil
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
