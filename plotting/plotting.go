package plotting

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sizes of a two-column paper.
const (
	ColumnWidth = 3.4 * vg.Inch // one column
	PageWidth   = 7 * vg.Inch   // both columns
	FontSize    = 9             // points, body text of most venues
)

// DefaultFormats are written unless the caller asks otherwise.
var DefaultFormats = []string{"png", "svg"}

// Series is one line of a curve plot.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool // a prediction beside its truth
	Points bool // draw markers (few points)
}

// Curves describes a line plot.
type Curves struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Series                []Series
	// XTicksAtData labels the x axis exactly at the data's x values (a
	// few resolutions or steps) instead of round numbers.
	XTicksAtData bool
	// YDecades, if positive, limits a log y axis to this many decades
	// below the largest value (hides round-off floors).
	YDecades float64
	// Legend adds one solid and one dashed black entry ("truth",
	// "prediction") to those of the named series: pairs of a solid series
	// and the dashed one after it share a colour.
	Legend []string
}

// palette of line colours that stays distinguishable in greyscale print.
var lineColors = []color.Color{
	color.RGBA{0, 90, 181, 255},   // blue
	color.RGBA{220, 50, 32, 255},  // red
	color.RGBA{0, 0, 0, 255},      // black
	color.RGBA{26, 133, 55, 255},  // green
	color.RGBA{153, 79, 0, 255},   // brown
	color.RGBA{118, 42, 131, 255}, // purple
}

func newPlot(title, xl, yl string) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xl, yl
	size := font.Length(FontSize)
	p.Title.TextStyle.Font.Size = size
	p.X.Label.TextStyle.Font.Size = size
	p.Y.Label.TextStyle.Font.Size = size
	p.X.Tick.Label.Font.Size = size - 1
	p.Y.Tick.Label.Font.Size = size - 1
	p.Legend.TextStyle.Font.Size = size - 1
	p.Legend.Top = true
	return p
}

// WriteCurves draws c one column wide into base.<format> for each format
// and returns the files written.
func WriteCurves(base string, c Curves, formats []string) ([]string, error) {
	p := newPlot(c.Title, c.XLabel, c.YLabel)
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if c.XTicksAtData {
		var ticks []plot.Tick
		seen := map[float64]bool{}
		for _, s := range c.Series {
			for _, x := range s.X {
				if !seen[x] {
					seen[x] = true
					ticks = append(ticks, plot.Tick{Value: x, Label: fmt.Sprintf("%g", x)})
				}
			}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	p.Add(plotter.NewGrid())
	n, entries := 0, len(c.Legend)
	var drawn []plotter.XYs
	for _, s := range c.Series {
		pts := make(plotter.XYs, 0, len(s.X))
		for i := range s.X {
			x, y := s.X[i], s.Y[i]
			if math.IsNaN(y) || math.IsInf(y, 0) || (c.LogY && y <= 0) || (c.LogX && x <= 0) {
				continue // gaps (epochs without a test evaluation, zero errors on a log axis)
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
		}
		if len(pts) == 0 {
			continue
		}
		col := lineColors[n%len(lineColors)]
		if s.Dashed && n > 0 {
			col = lineColors[(n-1)%len(lineColors)] // same colour as the truth it follows
		} else {
			n++
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plotting: %s: %w", s.Name, err)
		}
		drawn = append(drawn, pts)
		l.Color, l.Width = col, vg.Points(1.2)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		if s.Points {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.Color, sc.Radius = col, vg.Points(2)
			sc.Shape = draw.CircleGlyph{}
			p.Add(sc)
		}
		// Every named series gets an entry; with a Legend (truth, prediction
		// pairs) the named ones tell the pairs' colours apart.
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
			entries++
		}
	}
	for i, name := range c.Legend {
		l := &plotter.Line{LineStyle: draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}}
		if i == 1 {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Legend.Add(name, l)
	}
	// A single value (or equal values) gives an empty range, which a log
	// axis cannot draw: widen it by a factor 2 (or 1 linearly) each way.
	widen := func(a *plot.Axis, log bool) {
		switch {
		case a.Min != a.Max:
		case log:
			a.Min, a.Max = a.Min/2, a.Max*2
		default:
			a.Min, a.Max = a.Min-1, a.Max+1
		}
	}
	widen(&p.X, c.LogX)
	widen(&p.Y, c.LogY)
	if c.LogY && c.YDecades > 0 {
		if lo := p.Y.Max / math.Pow(10, c.YDecades); p.Y.Min < lo {
			p.Y.Min = lo
		}
	}
	// Headroom for the legend so it does not cover data, in the top
	// corner the curves leave emptier.
	if entries > 0 {
		rows := float64(entries)
		if c.LogY {
			p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, 0.09*rows)
		} else {
			p.Y.Max += 0.09 * rows * (p.Y.Max - p.Y.Min)
		}
		p.Legend.Left = legendLeft(drawn, p.X, p.Y, 0.09*rows)
	}
	return save(base, formats, ColumnWidth, ColumnWidth*0.75, p.Draw)
}

// legendLeft reports whether the top-left corner of the plot holds fewer
// of the curves' points than the top-right one: the corners are the left
// and right halves of the top band of the given height (a fraction of
// the axis range; a log axis measured in decades).
func legendLeft(series []plotter.XYs, x, y plot.Axis, band float64) bool {
	frac := func(a plot.Axis, v float64) float64 {
		if _, log := a.Scale.(plot.LogScale); log {
			return math.Log(v/a.Min) / math.Log(a.Max/a.Min)
		}
		return (v - a.Min) / (a.Max - a.Min)
	}
	left, right := 0, 0
	for _, pts := range series {
		for _, p := range pts {
			if frac(y, p.Y) < 1-band-0.1 {
				continue
			}
			if frac(x, p.X) < 0.5 {
				left++
			} else {
				right++
			}
		}
	}
	return left < right
}

// logTicks labels powers of ten as 10^n when the axis spans at least one
// of them, and falls back to round linear ticks on a narrow range (where
// powers of ten would leave the axis unlabelled).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 {
		lo = math.SmallestNonzeroFloat64
	}
	e0, e1 := int(math.Ceil(math.Log10(lo))), int(math.Floor(math.Log10(hi)))
	if e1-e0 >= 1 {
		step := max(1, (e1-e0+5)/6) // at most ~6 labels
		var ticks []plot.Tick
		for e := int(math.Floor(math.Log10(lo))); e <= e1+1; e++ {
			v := math.Pow(10, float64(e))
			if v < lo || v > hi {
				continue
			}
			label := ""
			if (e-e0)%step == 0 {
				label = fmt.Sprintf("1e%d", e)
				switch e {
				case 0:
					label = "1"
				case 1:
					label = "10"
				case 2:
					label = "100"
				case -1:
					label = "0.1"
				case -2:
					label = "0.01"
				}
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		return ticks
	}
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Field is a 2-D field on an nx x ny grid, row-major (x the slow axis).
type Field struct {
	NX, NY int
	Values []float64
	// XLabel and YLabel name the axes (default "x" and "y"); the slow
	// axis is drawn horizontally.
	XLabel, YLabel string
}

// grid adapts a Field to plotter.GridXYZ: columns are x, rows are y.
type grid struct{ f Field }

func (g grid) Dims() (c, r int)   { return g.f.NX, g.f.NY }
func (g grid) Z(c, r int) float64 { return g.f.Values[c*g.f.NY+r] }
func (g grid) X(c int) float64    { return (float64(c) + 0.5) / float64(g.f.NX) }
func (g grid) Y(r int) float64    { return (float64(r) + 0.5) / float64(g.f.NY) }

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if !math.IsNaN(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	return lo, hi
}

// WriteFieldPanels draws truth | prediction | error (prediction - truth)
// two columns wide: truth and prediction share one colour bar (a
// sequential map over their joint range), the error has its own symmetric
// diverging one.
func WriteFieldPanels(base, title string, truth, pred Field, formats []string) ([]string, error) {
	if truth.NX != pred.NX || truth.NY != pred.NY || len(truth.Values) != truth.NX*truth.NY || len(pred.Values) != len(truth.Values) {
		return nil, fmt.Errorf("plotting: field panels need equal grids, got %dx%d (%d values) and %dx%d (%d values)",
			truth.NX, truth.NY, len(truth.Values), pred.NX, pred.NY, len(pred.Values))
	}
	errv := make([]float64, len(truth.Values))
	var emax float64
	for i := range errv {
		errv[i] = pred.Values[i] - truth.Values[i]
		emax = math.Max(emax, math.Abs(errv[i]))
	}
	if emax == 0 {
		emax = 1
	}
	lo1, hi1 := minMax(truth.Values)
	lo2, hi2 := minMax(pred.Values)
	lo, hi := math.Min(lo1, lo2), math.Max(hi1, hi2)

	// Fields that change sign (vorticity, velocity) get a diverging map
	// symmetric about zero; one-signed fields (pressure, concentration;
	// undershoots below 10% of the range do not count) a perceptually
	// uniform sequential one. The error has its own diverging
	// map in other colours, so the two bars are not confused.
	var fieldMap palette.ColorMap
	if lo < 0 && hi > 0 && math.Min(-lo, hi) > 0.1*math.Max(-lo, hi) {
		m := math.Max(-lo, hi)
		lo, hi = -m, m
		fieldMap = moreland.SmoothBlueRed()
	} else {
		fieldMap = moreland.Kindlmann()
	}
	fieldMap.SetMin(lo)
	fieldMap.SetMax(hi)
	errMap := moreland.SmoothPurpleOrange()
	errMap.SetMin(-emax)
	errMap.SetMax(emax)

	xl, yl := truth.XLabel, truth.YLabel
	if xl == "" {
		xl, yl = "x", "y"
	}
	panel := func(name string, f Field, cm palette.ColorMap, zlo, zhi float64) *plot.Plot {
		p := newPlot(name, xl, yl)
		hm := plotter.NewHeatMap(grid{f}, cm.Palette(255))
		hm.Min, hm.Max = zlo, zhi
		hm.Rasterized = true
		p.Add(hm)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p
	}
	bar := func(cm palette.ColorMap) *plot.Plot {
		p := newPlot("", "", "")
		p.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
		p.HideX()
		p.Y.Padding = 0
		return p
	}
	plots := []*plot.Plot{
		panel("truth", truth, fieldMap, lo, hi),
		panel("prediction", pred, fieldMap, lo, hi),
		bar(fieldMap),
		panel("error", Field{NX: truth.NX, NY: truth.NY, Values: errv}, errMap, -emax, emax),
		bar(errMap),
	}
	// Column widths: three square panels and two narrow bars.
	widths := []float64{0.3, 0.3, 0.075, 0.25, 0.075}
	height := PageWidth * 0.3
	return save(base, formats, PageWidth, height, func(dc draw.Canvas) {
		if title != "" {
			dc = titled(dc, title)
		}
		drawRow(dc, plots, widths)
	})
}

// titled writes a figure title at the top of dc and returns the rest.
func titled(dc draw.Canvas, title string) draw.Canvas {
	sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, FontSize), XAlign: draw.XCenter, YAlign: draw.YTop,
		Handler: plot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y}, title)
	dc.Max.Y -= sty.Height(title) * 1.8
	return dc
}

// save renders draw onto a w x h canvas in each format and writes
// base.<format> atomically.
func save(base string, formats []string, w, h vg.Length, render func(draw.Canvas)) ([]string, error) {
	if len(formats) == 0 {
		formats = DefaultFormats
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, fmt.Errorf("plotting: %w", err)
	}
	var written []string
	for _, format := range formats {
		c, err := draw.NewFormattedCanvas(w, h, format)
		if err != nil {
			return written, fmt.Errorf("plotting: format %q (expected png, svg or pdf): %w", format, err)
		}
		render(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return written, fmt.Errorf("plotting: rendering %s: %w", base, err)
		}
		path := base + "." + format
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// writeFileAtomic writes data to path through path.tmp, fsync and a
// rename (creating path's directory): path holds its old content or all
// of data, never a part.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("plotting: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("plotting: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plotting: writing %s: %w", path, err)
	}
	return nil
}
