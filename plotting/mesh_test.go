package plotting

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// stripMesh is a row of n unit quads along x, [0, n] x [0, 1].
func stripMesh(n int) MeshPanel {
	p := MeshPanel{K: 4}
	for i := range n + 1 {
		p.Nodes = append(p.Nodes, float64(i), 0, float64(i), 1) // nodes 2i (bottom), 2i+1 (top)
	}
	for i := range n {
		a := int32(2 * i)
		p.Cells = append(p.Cells, a, a+2, a+3, a+1)
	}
	return p
}

// twoTriangles is the unit square split along its diagonal (0,0)-(1,1).
func twoTriangles() MeshPanel {
	return MeshPanel{K: 3, Nodes: []float64{0, 0, 1, 0, 1, 1, 0, 1}, Cells: []int32{0, 1, 2, 0, 2, 3}}
}

// readPNG decodes the PNG at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// panelData returns the data area of panel 0 of a one-panel figure m as
// drawn on the PNG canvas, in points from the bottom left.
func panelData(t *testing.T, m Meshes) draw.Canvas {
	t.Helper()
	plots, widths, err := meshPlots(m)
	if err != nil {
		t.Fatal(err)
	}
	sub := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: PageWidth * vg.Length(widths[0]), Y: meshHeight(m)}}}
	return plots[0].DataCanvas(sub)
}

// pixelAt returns the colour of the pixel at point (x, y) of a canvas of
// height h points, rendered at the PNG's 96 dpi.
func pixelAt(img image.Image, x, y, h vg.Length) color.RGBA {
	const dpi = 96.0 / 72
	px := int(math.Floor(float64(x) * dpi))
	py := int(math.Floor(float64(h-y) * dpi))
	r, g, b, a := img.At(img.Bounds().Min.X+px, img.Bounds().Min.Y+py).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// TestWriteMeshesPixels renders meshes to PNG and checks pixel colours at
// known data points against the colour map (cell and node values), white
// outside the mesh where equal axis scales leave room, and dark edges.
func TestWriteMeshesPixels(t *testing.T) {
	strip := stripMesh(3)
	strip.CellValues = []float64{0, 1, 2}
	tri := twoTriangles()
	tri.NodeValues = []float64{0, 3, 6, 0} // cell means 3 and 2 on the map of [0, 6]
	bare := stripMesh(2)
	white := color.RGBA{255, 255, 255, 255}
	kind := func(lo, hi, v float64) color.Color {
		c := moreland.Kindlmann()
		c.SetMin(lo)
		c.SetMax(hi)
		col, err := c.At(v)
		if err != nil {
			t.Fatal(err)
		}
		return col
	}
	type probe struct {
		name string
		x, y float64 // in data units, relative to the data area's centre and size
		want color.Color
	}
	tests := []struct {
		name   string
		panel  MeshPanel
		box    [2]float64 // the mesh's width and height
		probes []probe
	}{
		{"strip of 3 cells, cell values 0 1 2", strip, [2]float64{3, 1}, []probe{
			{"cell 0 centre", 0.5, 0.5, kind(0, 2, 0)},
			{"cell 1 centre", 1.5, 0.5, kind(0, 2, 1)},
			{"cell 2 centre", 2.5, 0.8, kind(0, 2, 2)},
			{"above the strip", 1.5, 1.4, white},
			{"below the strip", 1.5, -0.4, white},
		}},
		{"two triangles, node values", tri, [2]float64{1, 1}, []probe{
			{"lower-right triangle", 0.8, 0.2, kind(0, 6, 3)},
			{"upper-left triangle", 0.2, 0.8, kind(0, 6, 2)},
		}},
		{"bare strip of 2 cells", bare, [2]float64{2, 1}, []probe{
			{"cell 0 centre", 0.5, 0.5, white},
			{"cell 1 centre", 1.5, 0.5, white},
		}},
	}
	dir := t.TempDir()
	for k, tc := range tests {
		m := Meshes{Panels: []MeshPanel{tc.panel}, Label: "u"}
		files, err := WriteMeshes(filepath.Join(dir, tc.name), m, []string{"png"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		img := readPNG(t, files[0])
		dc := panelData(t, m)
		w, h := float64(dc.Max.X-dc.Min.X-2*meshInset), float64(dc.Max.Y-dc.Min.Y-2*meshInset)
		scale := math.Min(w/tc.box[0], h/tc.box[1])
		at := func(x, y float64) (vg.Length, vg.Length) { // centred, margins of meshInset
			return (dc.Min.X+dc.Max.X)/2 + vg.Length((x-tc.box[0]/2)*scale), (dc.Min.Y+dc.Max.Y)/2 + vg.Length((y-tc.box[1]/2)*scale)
		}
		for _, p := range tc.probes {
			x, y := at(p.x, p.y)
			if got := pixelAt(img, x, y, meshHeight(m)); !sameColor(got, p.want) {
				t.Errorf("%s: %s (%g, %g): pixel %v; want %v", tc.name, p.name, p.x, p.y, got, color.RGBAModel.Convert(p.want))
			}
		}
		if k == 2 { // the edge x = 1 between the two cells, half-way up
			x, y := at(1, 0.5)
			if d := darkest(img, x, y, meshHeight(m)); d > 160 {
				t.Errorf("%s: darkest pixel near the middle edge has grey %d; want an edge darker than 160", tc.name, d)
			}
		}
	}
}

// darkest returns the smallest red level of the 3 x 3 pixels around (x, y).
func darkest(img image.Image, x, y, h vg.Length) uint8 {
	d := uint8(255)
	step := vg.Length(72.0 / 96)
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			d = min(d, pixelAt(img, x+vg.Length(i)*step, y+vg.Length(j)*step, h).R)
		}
	}
	return d
}

// TestWriteMeshesFormats writes every format for several panels and checks
// the files exist, are not empty, and leave no temporary files.
func TestWriteMeshesFormats(t *testing.T) {
	a, b := stripMesh(4), twoTriangles()
	b.NodeValues = []float64{-1, 1, 2, -2}
	m := Meshes{Title: "uniform vs moved", Label: "u", Panels: []MeshPanel{{Title: "uniform", K: 4, Nodes: a.Nodes, Cells: a.Cells}, b}}
	base := filepath.Join(t.TempDir(), "sub", "meshes")
	files, err := WriteMeshes(base, m, []string{"png", "svg", "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("wrote %v; want 3 files", files)
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Size() < 500 {
			t.Errorf("%s: %v, %d bytes; want a file of at least 500 bytes", f, err, st.Size())
		}
		if _, err := os.Stat(f + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("%s.tmp left behind", f)
		}
	}
	img := readPNG(t, files[0])
	if got, want := img.Bounds().Dx(), int(math.Round(float64(PageWidth)*96/72)); got != want {
		t.Errorf("PNG width %d pixels; want %d (the page width at 96 dpi)", got, want)
	}
}

// TestWriteMeshesRefuses checks that bad input is refused with an error
// naming the panel and the node, cell or value at fault, and writes nothing.
func TestWriteMeshesRefuses(t *testing.T) {
	ok := stripMesh(2) // 6 nodes, 2 cells
	with := func(f func(p *MeshPanel)) Meshes {
		p := ok
		p.Nodes = append([]float64(nil), ok.Nodes...)
		p.Cells = append([]int32(nil), ok.Cells...)
		f(&p)
		return Meshes{Panels: []MeshPanel{ok, p}}
	}
	tests := []struct {
		name    string
		m       Meshes
		formats []string
		want    []string
	}{
		{"no panels", Meshes{}, nil, []string{"0 panels", "want 1 to 12"}},
		{"cell size", with(func(p *MeshPanel) { p.K = 5 }), nil, []string{"panel 1", "5 nodes a cell", "want 3 (triangles) or 4 (quads)"}},
		{"odd coordinates", with(func(p *MeshPanel) { p.Nodes = p.Nodes[:11] }), nil, []string{"panel 1", "11 node coordinates"}},
		{"ragged cells", with(func(p *MeshPanel) { p.Cells = p.Cells[:7] }), nil, []string{"7 cell indices", "multiple of 4"}},
		{"NaN node", with(func(p *MeshPanel) { p.Nodes[5] = math.NaN() }), nil, []string{"panel 1", "node 2 has coordinate 1 = NaN"}},
		{"index out of range", with(func(p *MeshPanel) { p.Cells[6] = 9 }), nil, []string{"panel 1", "cell 1 corner 2 is node 9", "[0, 6)"}},
		{"negative index", with(func(p *MeshPanel) { p.Cells[0] = -1 }), nil, []string{"cell 0 corner 0 is node -1"}},
		{"node values count", with(func(p *MeshPanel) { p.NodeValues = make([]float64, 5) }), nil, []string{"5 node values", "one per node, 6"}},
		{"cell values count", with(func(p *MeshPanel) { p.CellValues = make([]float64, 3) }), nil, []string{"3 cell values", "one per cell, 2"}},
		{"both values", with(func(p *MeshPanel) { p.NodeValues, p.CellValues = make([]float64, 6), make([]float64, 2) }), nil, []string{"both node and cell values"}},
		{"infinite cell value", with(func(p *MeshPanel) { p.CellValues = []float64{0, math.Inf(1)} }), nil, []string{"value of cell 1 is +Inf"}},
		{"NaN node value", with(func(p *MeshPanel) { p.NodeValues = []float64{0, 0, 0, math.NaN(), 0, 0} }), nil, []string{"value of node 3 is NaN"}},
		{"format", Meshes{Panels: []MeshPanel{ok}}, []string{"bmp"}, []string{`format "bmp"`, "png, svg or pdf"}},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		files, err := WriteMeshes(filepath.Join(dir, "bad"), tc.m, tc.formats)
		if err == nil {
			t.Errorf("%s: no error; want one naming %q", tc.name, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q; want it to contain %q", tc.name, err, w)
			}
		}
		if len(files) != 0 {
			t.Errorf("%s: wrote %v despite the error", tc.name, files)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("refused input left %d files in the directory", len(left))
	}
}
