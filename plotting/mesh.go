package plotting

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MeshPanel is one 2-D mesh to draw: its nodes, its cells as node indices
// and, optionally, a value per node or per cell that fills the cells. It
// takes plain slices, the layout of mesh.Mesh and of datasets.Mesh with
// dimension 2, so that plotting needs neither package.
type MeshPanel struct {
	// Title is drawn above the panel ("uniform", "Monge-Ampere", ...).
	Title string
	// Nodes is [N, 2] row-major: node i at (Nodes[2i], Nodes[2i+1]).
	Nodes []float64
	// Cells is [C, K] row-major: node indices in [0, N), in order around
	// each cell.
	Cells []int32
	// K is the number of nodes of a cell: 3 (triangles) or 4 (quads).
	K int
	// NodeValues ([N]) or CellValues ([C]), at most one of them and both
	// optional, fill the cells through the figure's colour map; with node
	// values a cell takes the mean of its corners' values.
	NodeValues, CellValues []float64
}

// Meshes is a row of meshes drawn side by side, each with equal scales on
// its two axes, as the cell edges over the cells filled by their values.
// Panels with values share one colour map and its colour bar, named
// Label: a sequential map over the values' range, or a diverging one
// symmetric about 0 when the values change sign markedly.
type Meshes struct {
	Title  string
	Label  string
	Panels []MeshPanel
}

// maxMeshPanels bounds the panels of one figure (a row across a page).
const maxMeshPanels = 12

// Edge colours: dark grey over white, lighter over filled cells so that
// the fill stays readable.
var (
	meshEdgeColor       = color.Gray{Y: 30}
	meshFilledEdgeColor = color.Gray{Y: 90}
)

// meshEdgeWidth is the width of a cell edge.
const meshEdgeWidth = 0.4 // points

// WriteMeshes draws the panels of m side by side, two columns wide, into
// base.<format> for each format (png, svg, pdf; DefaultFormats when none)
// and returns the files written. Every panel is checked first: K of 3 or
// 4, N >= 1 finite nodes, C >= 1 cells whose indices lie in [0, N), and
// values of the right count, all finite; the error names the panel and
// the node, cell or value at fault.
func WriteMeshes(base string, m Meshes, formats []string) ([]string, error) {
	plots, widths, err := meshPlots(m)
	if err != nil {
		return nil, err
	}
	return save(base, formats, PageWidth, meshHeight(m), func(dc draw.Canvas) {
		if m.Title != "" {
			dc = titled(dc, m.Title)
		}
		drawRow(dc, plots, widths)
	})
}

// meshHeight is the figure height that makes each panel's data area about
// square: the panel width plus room for the titles.
func meshHeight(m Meshes) vg.Length {
	width := float64(PageWidth) * (1 - meshBarWidth(m)) / float64(max(len(m.Panels), 1))
	h := vg.Length(width) + 3*FontSize*vg.Points(1)
	if m.Title != "" {
		h += 2 * FontSize * vg.Points(1)
	}
	return h
}

// meshBarWidth is the fraction of the width a colour bar takes (0 when no
// panel has values).
func meshBarWidth(m Meshes) float64 {
	for _, p := range m.Panels {
		if p.NodeValues != nil || p.CellValues != nil {
			return 0.1
		}
	}
	return 0
}

// meshPlots checks m and builds its panels (and colour bar) with their
// shares of the width.
func meshPlots(m Meshes) ([]*plot.Plot, []float64, error) {
	if len(m.Panels) == 0 || len(m.Panels) > maxMeshPanels {
		return nil, nil, fmt.Errorf("plotting: WriteMeshes: %d panels; want 1 to %d", len(m.Panels), maxMeshPanels)
	}
	fills := make([][]float64, len(m.Panels))
	for i, p := range m.Panels {
		if err := p.check(); err != nil {
			return nil, nil, fmt.Errorf("plotting: WriteMeshes: panel %d (%q): %w", i, p.Title, err)
		}
		fills[i] = p.cellFill()
	}
	cmap := meshColorMap(m.Panels)
	bar := meshBarWidth(m)
	var plots []*plot.Plot
	var widths []float64
	for i, p := range m.Panels {
		plots = append(plots, meshPlot(p, fills[i], cmap))
		widths = append(widths, (1-bar)/float64(len(m.Panels)))
	}
	if cmap != nil {
		b := newPlot("", "", m.Label)
		b.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
		b.HideX()
		b.Y.Padding = 0
		plots, widths = append(plots, b), append(widths, bar)
	}
	return plots, widths, nil
}

// check verifies the sizes, indices and values of a panel.
func (p MeshPanel) check() error {
	if p.K != 3 && p.K != 4 {
		return fmt.Errorf("%d nodes a cell; want 3 (triangles) or 4 (quads)", p.K)
	}
	if len(p.Nodes) == 0 || len(p.Nodes)%2 != 0 {
		return fmt.Errorf("%d node coordinates; want a non-zero multiple of 2 ([N, 2])", len(p.Nodes))
	}
	if len(p.Cells) == 0 || len(p.Cells)%p.K != 0 {
		return fmt.Errorf("%d cell indices; want a non-zero multiple of %d ([C, %d])", len(p.Cells), p.K, p.K)
	}
	for i, x := range p.Nodes {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("node %d has coordinate %d = %g; want finite", i/2, i%2, x)
		}
	}
	n := len(p.Nodes) / 2
	for i, v := range p.Cells {
		if v < 0 || int64(v) >= int64(n) {
			return fmt.Errorf("cell %d corner %d is node %d; want an index in [0, %d)", i/p.K, i%p.K, v, n)
		}
	}
	return p.checkValues()
}

// checkValues verifies the node or cell values of a panel.
func (p MeshPanel) checkValues() error {
	n, c := len(p.Nodes)/2, len(p.Cells)/p.K
	switch {
	case p.NodeValues != nil && p.CellValues != nil:
		return errors.New("both node and cell values; want at most one of them")
	case p.NodeValues != nil && len(p.NodeValues) != n:
		return fmt.Errorf("%d node values; want one per node, %d", len(p.NodeValues), n)
	case p.CellValues != nil && len(p.CellValues) != c:
		return fmt.Errorf("%d cell values; want one per cell, %d", len(p.CellValues), c)
	}
	if err := checkFiniteValues("node", p.NodeValues); err != nil {
		return err
	}
	return checkFiniteValues("cell", p.CellValues)
}

// checkFiniteValues reports the first value that is NaN or infinite,
// naming it "what i".
func checkFiniteValues(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value of %s %d is %g; want finite", what, i, x)
		}
	}
	return nil
}

// cellFill returns the value that fills each cell of a checked panel, or
// nil when it has no values.
func (p MeshPanel) cellFill() []float64 {
	if p.NodeValues == nil {
		return p.CellValues
	}
	out := make([]float64, len(p.Cells)/p.K)
	for c := range out {
		for _, v := range p.Cells[c*p.K : (c+1)*p.K] {
			out[c] += p.NodeValues[v] / float64(p.K)
		}
	}
	return out
}

// meshColorMap returns the colour map over the joint range of the panels'
// node and cell values, or nil when no panel has any. Values that change
// sign, the smaller side reaching at least 10% of the larger, get a
// diverging map symmetric about 0; others a sequential one.
func meshColorMap(panels []MeshPanel) palette.ColorMap {
	lo, hi, found := math.Inf(1), math.Inf(-1), false
	for _, p := range panels {
		for _, vs := range [][]float64{p.NodeValues, p.CellValues} {
			for _, v := range vs {
				lo, hi, found = math.Min(lo, v), math.Max(hi, v), true
			}
		}
	}
	if !found {
		return nil
	}
	var cmap palette.ColorMap
	if lo < 0 && hi > 0 && math.Min(-lo, hi) >= 0.1*math.Max(-lo, hi) {
		m := math.Max(-lo, hi)
		lo, hi = -m, m
		cmap = moreland.SmoothBlueRed()
	} else {
		cmap = moreland.Kindlmann()
	}
	if !(hi > lo) {
		lo, hi = lo-0.5, hi+0.5 // one value: the middle of the map
	}
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	return cmap
}

// meshPlot is the panel of one mesh: no axes, the mesh scaled to fit.
func meshPlot(p MeshPanel, fill []float64, cmap palette.ColorMap) *plot.Plot {
	pl := newPlot(p.Title, "", "")
	pl.HideAxes()
	pl.X.Padding, pl.Y.Padding = 0, 0
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, 1, 0, 1
	pl.Add(meshLayer{p: p, fill: fill, cmap: cmap})
	return pl
}

// meshLayer draws a mesh into a plot's data area with one scale for both
// axes, centred: it maps the nodes' bounding box itself and ignores the
// plot's axis ranges, which are hidden.
type meshLayer struct {
	p    MeshPanel
	fill []float64        // value of each cell, or nil
	cmap palette.ColorMap // nil when fill is
}

// Plot implements plot.Plotter.
func (l meshLayer) Plot(c draw.Canvas, _ *plot.Plot) {
	tr := newMeshTransform(l.p.Nodes, c)
	edge := draw.LineStyle{Color: meshEdgeColor, Width: vg.Points(meshEdgeWidth)}
	if l.fill != nil {
		edge.Color = meshFilledEdgeColor
	}
	pts := make([]vg.Point, l.p.K+1)
	for cell := range len(l.p.Cells) / l.p.K {
		for v, i := range l.p.Cells[cell*l.p.K : (cell+1)*l.p.K] {
			pts[v] = tr.at(l.p.Nodes[2*i], l.p.Nodes[2*i+1])
		}
		pts[l.p.K] = pts[0]
		if l.fill != nil {
			c.FillPolygon(l.color(cell), pts[:l.p.K])
		}
		c.StrokeLines(edge, pts)
	}
}

// color returns the colour of a cell's value.
func (l meshLayer) color(cell int) color.Color {
	col, err := l.cmap.At(math.Max(l.cmap.Min(), math.Min(l.cmap.Max(), l.fill[cell])))
	if err != nil {
		return color.Black // unreachable: the values are finite and clamped
	}
	return col
}

// meshTransform maps data coordinates to the canvas with one scale on both
// axes: the nodes' bounding box fills the canvas along its longer side
// (relative to the canvas) and is centred along the other.
type meshTransform struct {
	x0, y0 float64   // centre of the bounding box
	cx, cy vg.Length // centre of the canvas
	scale  float64   // canvas length per data unit
}

// meshInset is the margin around a mesh in its data area: it keeps the
// outermost edges whole and neighbouring panels apart.
const meshInset = 4 * vg.Length(meshEdgeWidth)

// newMeshTransform fits the bounding box of nodes [N, 2] into c, less
// meshInset on every side.
func newMeshTransform(nodes []float64, c draw.Canvas) meshTransform {
	c.Min.X, c.Min.Y, c.Max.X, c.Max.Y = c.Min.X+meshInset, c.Min.Y+meshInset, c.Max.X-meshInset, c.Max.Y-meshInset
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i, x := range nodes {
		lo[i%2], hi[i%2] = math.Min(lo[i%2], x), math.Max(hi[i%2], x)
	}
	w, h := float64(c.Max.X-c.Min.X), float64(c.Max.Y-c.Min.Y)
	scale := math.Inf(1)
	if span := hi[0] - lo[0]; span > 0 {
		scale = w / span
	}
	if span := hi[1] - lo[1]; span > 0 {
		scale = math.Min(scale, h/span)
	}
	if math.IsInf(scale, 1) {
		scale = math.Min(w, h) // a single point: a unit square around it
	}
	return meshTransform{x0: (lo[0] + hi[0]) / 2, y0: (lo[1] + hi[1]) / 2,
		cx: (c.Min.X + c.Max.X) / 2, cy: (c.Min.Y + c.Max.Y) / 2, scale: scale}
}

// at maps the data point (x, y) to the canvas.
func (t meshTransform) at(x, y float64) vg.Point {
	return vg.Point{X: t.cx + vg.Length((x-t.x0)*t.scale), Y: t.cy + vg.Length((y-t.y0)*t.scale)}
}
