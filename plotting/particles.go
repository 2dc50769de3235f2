package plotting

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Particles is a particle trajectory to draw: N particles in 2 or 3
// dimensions at T frames, seen in the plane of two axes (Axes); in 3-D
// particles are projected along the third, nearer ones drawn over farther
// ones.
type Particles struct {
	Frames, N, Dim int
	// Positions is [T, N, Dim] row-major.
	Positions []float32
	// Axes are the horizontal and vertical axes of the view ({0, 0}
	// means {0, 1}: x and y). In 3-D the viewer looks along the third
	// axis towards Axes[0] x Axes[1], so {0, 2} is a side view (x right,
	// z up) from negative y.
	Axes [2]int
	// Values, if set, colour the particles through a sequential colour
	// map with a colour bar named Label: [T, N] (speed, ...).
	Values []float64
	Label  string
	// Classes, if set instead, colour particle p by class Classes[p]
	// (body, material) from a fixed palette.
	Classes []int
	// Lo and Hi bound the view along Axes.
	Lo, Hi [2]float64
	// BoxLo and BoxHi, if they differ, are a box drawn as an outline (the
	// walls).
	BoxLo, BoxHi [2]float64
	// Radius is a particle's drawn radius in data units (about half the
	// particle spacing).
	Radius float64
	// Times, if set, label each frame: t = Times[i].
	Times []float64
}

// check verifies the sizes of p and the view.
func (p Particles) check() error {
	switch {
	case p.Dim != 2 && p.Dim != 3:
		return fmt.Errorf("plotting: particles in %d dimensions, expected 2 or 3", p.Dim)
	case p.Frames < 1 || p.N < 1 || len(p.Positions) != p.Frames*p.N*p.Dim:
		return fmt.Errorf("plotting: %d positions for %d frames of %d particles in %d-D", len(p.Positions), p.Frames, p.N, p.Dim)
	case p.Values != nil && len(p.Values) != p.Frames*p.N:
		return fmt.Errorf("plotting: %d colour values for %d frames of %d particles", len(p.Values), p.Frames, p.N)
	case p.Classes != nil && len(p.Classes) != p.N:
		return fmt.Errorf("plotting: %d classes for %d particles", len(p.Classes), p.N)
	case p.Times != nil && len(p.Times) != p.Frames:
		return fmt.Errorf("plotting: %d times for %d frames", len(p.Times), p.Frames)
	case p.axes()[0] == p.axes()[1] || p.axes()[0] < 0 || p.axes()[1] < 0 || p.axes()[0] >= p.Dim || p.axes()[1] >= p.Dim:
		return fmt.Errorf("plotting: view axes %v of a %d-D trajectory, expected two different axes", p.Axes, p.Dim)
	case !(p.Lo[0] < p.Hi[0] && p.Lo[1] < p.Hi[1]):
		return fmt.Errorf("plotting: empty view [%v, %v] x [%v, %v]", p.Lo[0], p.Hi[0], p.Lo[1], p.Hi[1])
	case !(p.Radius > 0):
		return fmt.Errorf("plotting: particle radius must be positive, got %v", p.Radius)
	}
	return nil
}

// classColors are the colours of particle classes, after the line colours.
var classColors = append(append([]color.Color(nil), lineColors...),
	color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255}, color.RGBA{204, 121, 167, 255})

// colorer maps particle p of frame t to its colour.
type colorer struct {
	p    Particles
	cmap palette.ColorMap // nil without Values
}

// newColorer sets the colour map's range to the values' (from 0 when none
// is negative, so that speeds read from rest).
func newColorer(p Particles) colorer {
	c := colorer{p: p}
	if p.Values == nil {
		return c
	}
	lo, hi := minMax(p.Values)
	if lo >= 0 {
		lo = 0
	}
	c.cmap = moreland.Kindlmann()
	c.cmap.SetMin(lo)
	c.cmap.SetMax(hi)
	return c
}

func (c colorer) at(t, i int) color.Color {
	switch {
	case c.cmap != nil:
		v := c.p.Values[t*c.p.N+i]
		v = math.Max(c.cmap.Min(), math.Min(c.cmap.Max(), v))
		col, err := c.cmap.At(v)
		if err != nil {
			return color.Black // NaN
		}
		return col
	case c.p.Classes != nil:
		k := c.p.Classes[i]
		return classColors[((k%len(classColors))+len(classColors))%len(classColors)]
	}
	return lineColors[0]
}

// axes returns the view's axes (the default {0, 1} for the zero value).
func (p Particles) axes() [2]int {
	if p.Axes == [2]int{} {
		return [2]int{0, 1}
	}
	return p.Axes
}

// axisNames label the axes of the view.
var axisNames = [3]string{"x", "y", "z"}

// at returns particle i's coordinates on the view's axes at frame t.
func (p Particles) at(t, i int) (float64, float64) {
	a := p.axes()
	base := (t*p.N + i) * p.Dim
	return float64(p.Positions[base+a[0]]), float64(p.Positions[base+a[1]])
}

// drawOrder returns the particles of frame t back to front: in 3-D by
// their distance along the viewing axis, whose positive direction
// Axes[0] x Axes[1] points at the viewer; in index order in 2-D.
func (p Particles) drawOrder(t int) []int {
	order := make([]int, p.N)
	for i := range order {
		order[i] = i
	}
	if p.Dim == 3 {
		a := p.axes()
		depth := 3 - a[0] - a[1]
		sign := float32(-1)
		if (a[1]-a[0]+3)%3 == 1 { // a cyclic pair: x y, y z, z x
			sign = 1
		}
		near := func(i int) float32 { return sign * p.Positions[(t*p.N+i)*3+depth] }
		sort.SliceStable(order, func(a, b int) bool { return near(order[a]) < near(order[b]) })
	}
	return order
}

// WriteParticleFrames draws the given frames of p side by side, two
// columns wide, the particles as dots (coloured by Values with a colour
// bar, or by Classes), into base.<format> for each format.
func WriteParticleFrames(base, title string, p Particles, frames []int, formats []string) ([]string, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("plotting: no frames to draw")
	}
	for _, t := range frames {
		if t < 0 || t >= p.Frames {
			return nil, fmt.Errorf("plotting: frame %d of %d", t, p.Frames)
		}
	}
	col := newColorer(p)
	barWidth := 0.0
	if col.cmap != nil {
		barWidth = 0.1
	}
	panelWidth := (1 - barWidth) / float64(len(frames))
	// The data area is about 80% of a panel: dots of the particles' size.
	scale := float64(PageWidth) * panelWidth * 0.8 / math.Max(p.Hi[0]-p.Lo[0], p.Hi[1]-p.Lo[1])
	radius := vg.Length(math.Max(p.Radius*scale, 0.25))
	var plots []*plot.Plot
	for k, t := range frames {
		pl, err := p.framePlot(t, col, radius, k == 0)
		if err != nil {
			return nil, err
		}
		plots = append(plots, pl)
	}
	widths := make([]float64, len(frames))
	for i := range widths {
		widths[i] = panelWidth
	}
	if col.cmap != nil {
		bar := newPlot("", "", p.Label)
		bar.Add(&plotter.ColorBar{ColorMap: col.cmap, Vertical: true})
		bar.HideX()
		bar.Y.Padding = 0
		plots, widths = append(plots, bar), append(widths, barWidth)
	}
	// Square data areas below the panel titles, above the axis labels.
	height := PageWidth*vg.Length(panelWidth)*0.8 + 6*FontSize*vg.Points(1)
	return save(base, formats, PageWidth, height, func(dc draw.Canvas) {
		if title != "" {
			dc = titled(dc, title)
		}
		drawRow(dc, plots, widths)
	})
}

// framePlot is the panel of frame t: the particles as dots in the view.
func (p Particles) framePlot(t int, col colorer, radius vg.Length, first bool) (*plot.Plot, error) {
	name := fmt.Sprintf("frame %d", t)
	if p.Times != nil {
		name = fmt.Sprintf("t = %.3g", p.Times[t])
	}
	a := p.axes()
	yl := axisNames[a[1]]
	if !first {
		yl = ""
	}
	pl := newPlot(name, axisNames[a[0]], yl)
	order := p.drawOrder(t)
	pts := make(plotter.XYs, p.N)
	for k, i := range order {
		pts[k].X, pts[k].Y = p.at(t, i)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("plotting: frame %d: %w", t, err)
	}
	sc.GlyphStyleFunc = func(k int) draw.GlyphStyle {
		return draw.GlyphStyle{Color: col.at(t, order[k]), Radius: radius, Shape: draw.CircleGlyph{}}
	}
	if p.BoxLo != p.BoxHi {
		box, err := plotter.NewLine(plotter.XYs{{X: p.BoxLo[0], Y: p.BoxLo[1]}, {X: p.BoxHi[0], Y: p.BoxLo[1]},
			{X: p.BoxHi[0], Y: p.BoxHi[1]}, {X: p.BoxLo[0], Y: p.BoxHi[1]}, {X: p.BoxLo[0], Y: p.BoxLo[1]}})
		if err != nil {
			return nil, fmt.Errorf("plotting: box: %w", err)
		}
		box.Color, box.Width = color.Gray{Y: 100}, vg.Points(0.5)
		pl.Add(box)
	}
	pl.Add(sc)
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = p.Lo[0], p.Hi[0], p.Lo[1], p.Hi[1]
	return pl, nil
}

// drawRow draws plots side by side, plot i taking widths[i] of the width.
func drawRow(dc draw.Canvas, plots []*plot.Plot, widths []float64) {
	w := dc.Max.X - dc.Min.X
	x := dc.Min.X
	for i, p := range plots {
		sub := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: dc.Min.Y}, Max: vg.Point{X: x + vg.Length(widths[i])*w, Y: dc.Max.Y}}}
		p.Draw(sub)
		x += vg.Length(widths[i]) * w
	}
}
