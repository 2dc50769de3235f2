package plotting

import (
	"bytes"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fallingBlock is a 2-D block of 5 x 4 particles falling from y = 0.6 to
// y = 0.2 over 5 frames in the unit box, coloured by frame number.
func fallingBlock() Particles {
	p := Particles{Frames: 5, N: 20, Dim: 2, Label: "speed", Lo: [2]float64{-0.05, -0.05}, Hi: [2]float64{1.05, 1.05},
		BoxLo: [2]float64{0, 0}, BoxHi: [2]float64{1, 1}, Radius: 0.02, Times: []float64{0, 0.1, 0.2, 0.3, 0.4}}
	for t := 0; t < p.Frames; t++ {
		for i := 0; i < p.N; i++ {
			p.Positions = append(p.Positions, float32(0.4+0.05*float64(i%5)), float32(0.6-0.1*float64(t)+0.05*float64(i/5)))
			p.Values = append(p.Values, float64(t))
		}
	}
	return p
}

func TestWriteParticleFrames(t *testing.T) {
	base := filepath.Join(t.TempDir(), "figs", "particles")
	files, err := WriteParticleFrames(base, "block", fallingBlock(), []int{0, 2, 4}, []string{"png", "svg"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("wrote %v", files)
	}
	raw, _ := os.ReadFile(base + ".png")
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Two columns wide at 96 dpi, panels about square.
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 672 || h < 200 || h > 300 {
		t.Errorf("png %dx%d, want 672 wide and 200-300 high", w, h)
	}
	svg, _ := os.ReadFile(base + ".svg")
	for _, want := range []string{"block", "t = 0", "t = 0.2", "t = 0.4", "speed"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestParticlesRefused(t *testing.T) {
	cases := []struct {
		name string
		bad  func(p *Particles)
		want string
	}{
		{"dimension", func(p *Particles) { p.Dim = 4 }, "4 dimensions"},
		{"positions", func(p *Particles) { p.Positions = p.Positions[1:] }, "199 positions for 5 frames of 20 particles"},
		{"values", func(p *Particles) { p.Values = p.Values[:3] }, "3 colour values"},
		{"classes", func(p *Particles) { p.Classes = []int{1} }, "1 classes for 20 particles"},
		{"view", func(p *Particles) { p.Hi[1] = p.Lo[1] }, "empty view"},
		{"radius", func(p *Particles) { p.Radius = 0 }, "radius must be positive"},
		{"axes", func(p *Particles) { p.Axes = [2]int{1, 1} }, "view axes [1 1]"},
		{"axis beyond 2-D", func(p *Particles) { p.Axes = [2]int{0, 2} }, "view axes [0 2] of a 2-D"},
	}
	for _, c := range cases {
		p := fallingBlock()
		c.bad(&p)
		_, err := WriteParticleFrames(filepath.Join(t.TempDir(), "p"), "", p, []int{0}, []string{"png"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if err := WriteParticleGIF(filepath.Join(t.TempDir(), "p.gif"), p, GIFOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (gif): %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := WriteParticleFrames(filepath.Join(t.TempDir(), "p"), "", fallingBlock(), []int{5}, nil); err == nil || !strings.Contains(err.Error(), "frame 5 of 5") {
		t.Errorf("frame out of range: %v", err)
	}
}

// TestWriteParticleGIF: one image per frame, looping, the box outlined in
// black, each particle a disc of its colour map entry (the last frame's
// particles, at the top of the range, in the map's top colour).
func TestWriteParticleGIF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "anim", "particles.gif")
	p := fallingBlock()
	if err := WriteParticleGIF(path, p, GIFOptions{Size: 200, Delay: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".tmp"); err == nil {
		t.Error("temporary file left behind")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) != 5 || !reflect.DeepEqual(anim.Delay, []int{7, 7, 7, 7, 7}) || anim.LoopCount != 0 {
		t.Fatalf("%d images, delays %v, loop %d", len(anim.Image), anim.Delay, anim.LoopCount)
	}
	last := anim.Image[4]
	if b := last.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
		t.Fatalf("image %v", b)
	}
	// The view [-0.05, 1.05] spans 184 pixels inside a margin of 8: data
	// (x, y) is at pixel (8 + (x + 0.05) 184 / 1.1, 192 - (y + 0.05) 184 / 1.1).
	pixel := func(x, y float64) (int, int) { return int(8 + (x+0.05)*184/1.1), int(192 - (y+0.05)*184/1.1) }
	for _, corner := range [][2]float64{{0, 0}, {0, 0.5}, {1, 1}} {
		x, y := pixel(corner[0], corner[1])
		if c := last.At(x, y); !sameColor(c, color.Black) {
			t.Errorf("box at %v (pixel %d, %d) is %v, want black", corner, x, y, c)
		}
	}
	// Particle 0 of the last frame at (0.4, 0.2).
	x, y := pixel(0.4, 0.2)
	top, _ := newColorer(p).cmap.At(4)
	if c := last.At(x, y); !sameColor(c, top) {
		t.Errorf("particle pixel (%d, %d) is %v, want the map's top %v", x, y, c, top)
	}
	if c := last.At(100, 20); !sameColor(c, color.White) {
		t.Errorf("empty pixel %v, want white", c)
	}
}

func sameColor(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	near := func(u, v uint32) bool { return u>>8 <= v>>8+2 && v>>8 <= u>>8+2 }
	return near(r1, r2) && near(g1, g2) && near(b1, b2)
}

func TestKeptFrames(t *testing.T) {
	cases := []struct {
		n, limit int
		want     []int
	}{
		{5, 200, []int{0, 1, 2, 3, 4}},
		{10, 5, []int{0, 2, 4, 6, 9}},
		{10, 4, []int{0, 3, 6, 9}},
		{1, 3, []int{0}},
	}
	for _, c := range cases {
		if got := keptFrames(c.n, c.limit); !reflect.DeepEqual(got, c.want) {
			t.Errorf("keptFrames(%d, %d) = %v, want %v", c.n, c.limit, got, c.want)
		}
	}
}

// TestDrawOrder3D: a side view (x, z) from negative y draws particles of
// larger y first; a top view (x, y) from positive z draws smaller z first.
func TestDrawOrder3D(t *testing.T) {
	p := Particles{Frames: 1, N: 3, Dim: 3, Positions: []float32{0, 0.5, 0.1, 0, 0.9, 0.3, 0, 0.1, 0.2}}
	p.Axes = [2]int{0, 2}
	if got := p.drawOrder(0); !reflect.DeepEqual(got, []int{1, 0, 2}) {
		t.Errorf("side view order %v, want [1 0 2] (far y first)", got)
	}
	p.Axes = [2]int{}
	if got := p.drawOrder(0); !reflect.DeepEqual(got, []int{0, 2, 1}) {
		t.Errorf("top view order %v, want [0 2 1] (low z first)", got)
	}
	if x, y := p.at(0, 1); x != 0 || y != float64(float32(0.9)) {
		t.Errorf("view coordinates %v %v", x, y)
	}
}
