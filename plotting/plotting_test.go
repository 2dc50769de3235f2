package plotting

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func TestWriteCurvesFormats(t *testing.T) {
	base := filepath.Join(t.TempDir(), "figs", "loss")
	x := []float64{1, 2, 3, 4}
	files, err := WriteCurves(base, Curves{XLabel: "epoch", YLabel: "error", LogY: true,
		Series: []Series{{Name: "train", X: x, Y: []float64{1, 0.1, 0.01, 0.001}}, {Name: "test", X: x, Y: []float64{1, math.NaN(), 0.02, 0}, Points: true}}},
		[]string{"png", "svg", "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("wrote %v", files)
	}
	raw, _ := os.ReadFile(base + ".png")
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// One column at the PNG default of 96 dpi: 3.4 in wide, 3:4 aspect.
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 326 || h != 245 {
		t.Errorf("png %dx%d, want 326x245", w, h)
	}
	svg, _ := os.ReadFile(base + ".svg")
	for _, want := range []string{"<svg", "train", "test", "epoch", "0.01"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if pdf, _ := os.ReadFile(base + ".pdf"); !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Error("not a PDF")
	}
	if _, err := os.Stat(base + ".png.tmp"); err == nil {
		t.Error("temporary file left behind")
	}
	if _, err := WriteCurves(base, Curves{}, []string{"gif"}); err == nil || !strings.Contains(err.Error(), `format "gif"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestWriteFieldPanels(t *testing.T) {
	nx, ny := 16, 12
	truth, pred := Field{NX: nx, NY: ny, Values: make([]float64, nx*ny)}, Field{NX: nx, NY: ny, Values: make([]float64, nx*ny)}
	for i := range truth.Values {
		truth.Values[i] = math.Sin(float64(i))
		pred.Values[i] = truth.Values[i] + 0.01*math.Cos(float64(i))
	}
	base := filepath.Join(t.TempDir(), "fields")
	if _, err := WriteFieldPanels(base, "sample", truth, pred, []string{"png"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(base + ".png")
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 672 { // 7 in at 96 dpi
		t.Errorf("width %d, want 672", w)
	}
	if _, err := WriteFieldPanels(base, "", truth, Field{NX: nx, NY: ny + 1, Values: pred.Values}, nil); err == nil || !strings.Contains(err.Error(), "equal grids") {
		t.Errorf("mismatched grids: %v", err)
	}
}

func TestLogTicksNarrowRange(t *testing.T) {
	// Within one decade there is no power of ten to label: fall back to
	// round linear ticks so the axis still has numbers.
	labelled := 0
	for _, tk := range (logTicks{}).Ticks(0.025, 0.029) {
		if tk.Label != "" {
			labelled++
		}
	}
	if labelled < 2 {
		t.Errorf("%d labelled ticks on [0.025, 0.029]", labelled)
	}
	var labels []string
	for _, tk := range (logTicks{}).Ticks(1e-4, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if strings.Join(labels, " ") != "1e-4 1e-3 0.01 0.1 1" {
		t.Errorf("labels %v", labels)
	}
}

// TestWriteCurvesSinglePoint: one point below 1 on log-log axes (a
// resolution study with only the training grid) draws instead of failing
// on an empty axis range.
func TestWriteCurvesSinglePoint(t *testing.T) {
	for _, c := range []Curves{
		{LogX: true, LogY: true, XTicksAtData: true, Series: []Series{{Name: "trained at 16", X: []float64{16}, Y: []float64{0.75}, Points: true}}},
		{Series: []Series{{Name: "flat", X: []float64{1, 2}, Y: []float64{-0.5, -0.5}}}},
	} {
		if _, err := WriteCurves(filepath.Join(t.TempDir(), "one"), c, []string{"png"}); err != nil {
			t.Errorf("%+v: %v", c.Series[0], err)
		}
	}
}

// TestLegendLeft: the legend goes to the top corner the curves leave
// empty: left for rising curves (errors over a rollout), right for
// falling ones (a training loss), on linear and log axes.
func TestLegendLeft(t *testing.T) {
	rising, falling := plotter.XYs{}, plotter.XYs{}
	for i := 1; i <= 50; i++ {
		x := float64(i)
		rising = append(rising, plotter.XY{X: x, Y: 1e-10 * math.Pow(1e6, x/50)})
		falling = append(falling, plotter.XY{X: x, Y: 1e-4 / x})
	}
	lin := plot.Axis{Min: 1, Max: 50, Scale: plot.LinearScale{}}
	for _, c := range []struct {
		name   string
		series plotter.XYs
		y      plot.Axis
		left   bool
	}{
		{"rising, log", rising, plot.Axis{Min: 1e-10, Max: 1e-3, Scale: plot.LogScale{}}, true},
		{"falling, log", falling, plot.Axis{Min: 1e-6, Max: 1e-3, Scale: plot.LogScale{}}, false},
		{"rising, linear", rising, plot.Axis{Min: 0, Max: 1.5e-4, Scale: plot.LinearScale{}}, true},
		{"falling, linear", falling, plot.Axis{Min: 0, Max: 1.5e-4, Scale: plot.LinearScale{}}, false},
	} {
		if got := legendLeft([]plotter.XYs{c.series}, lin, c.y, 0.3); got != c.left {
			t.Errorf("%s: legend left %v, want %v", c.name, got, c.left)
		}
	}
}
