package plotting

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
)

// GIFOptions steer WriteParticleGIF.
type GIFOptions struct {
	// Size is the image's side in pixels (0: 480).
	Size int
	// Delay is the time each frame shows, in hundredths of a second (0:
	// about 6 s for the whole animation, from 2 to 10 per frame).
	Delay int
	// MaxFrames bounds the frames drawn: every k-th frame is kept so that
	// at most this many remain, the last always among them (0: 200).
	MaxFrames int
}

func (o GIFOptions) withDefaults(frames int) GIFOptions {
	if o.Size <= 0 {
		o.Size = 480
	}
	if o.MaxFrames <= 0 {
		o.MaxFrames = 200
	}
	if o.Delay <= 0 {
		shown := min(frames, o.MaxFrames)
		o.Delay = max(2, min(10, 600/max(shown, 1)))
	}
	return o
}

// gifPalette is white (background), black (the box), then the colours of
// the particles: 250 steps of the colour map, or the class colours.
func gifPalette(col colorer) color.Palette {
	pal := color.Palette{color.White, color.Black}
	switch {
	case col.cmap != nil:
		lo, hi := col.cmap.Min(), col.cmap.Max()
		for k := 0; k < 250; k++ {
			c, err := col.cmap.At(lo + (hi-lo)*float64(k)/249)
			if err != nil {
				c = color.Black
			}
			pal = append(pal, c)
		}
	case col.p.Classes != nil:
		pal = append(pal, classColors...)
	default:
		pal = append(pal, lineColors[0])
	}
	return pal
}

// paletteIndex is the palette entry of particle i at frame t.
func paletteIndex(col colorer, t, i int) uint8 {
	switch {
	case col.cmap != nil:
		lo, hi := col.cmap.Min(), col.cmap.Max()
		v := col.p.Values[t*col.p.N+i]
		if math.IsNaN(v) {
			return 1
		}
		k := int(math.Round((v - lo) / (hi - lo) * 249))
		return uint8(2 + max(0, min(249, k)))
	case col.p.Classes != nil:
		k := col.p.Classes[i] % len(classColors)
		return uint8(2 + (k+len(classColors))%len(classColors))
	}
	return 2
}

// WriteParticleGIF writes an animation of p to path (atomically: path
// appears only complete), one image per kept frame: the box outlined,
// each particle a filled disc of its radius, coloured as
// WriteParticleFrames colours it, looping forever.
func WriteParticleGIF(path string, p Particles, opts GIFOptions) error {
	if err := p.check(); err != nil {
		return err
	}
	opts = opts.withDefaults(p.Frames)
	col := newColorer(p)
	pal := gifPalette(col)
	anim := &gif.GIF{}
	for _, t := range keptFrames(p.Frames, opts.MaxFrames) {
		anim.Image = append(anim.Image, p.raster(t, opts.Size, pal, col))
		anim.Delay = append(anim.Delay, opts.Delay)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return fmt.Errorf("plotting: encoding %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// keptFrames returns every k-th frame of n, k the smallest stride that
// keeps at most limit, and the last frame.
func keptFrames(n, limit int) []int {
	stride := (n + limit - 1) / limit
	var out []int
	for t := 0; t < n; t += stride {
		out = append(out, t)
	}
	if out[len(out)-1] != n-1 {
		if len(out) == limit {
			out = out[:limit-1]
		}
		out = append(out, n-1)
	}
	return out
}

// raster draws frame t on a size x size paletted image: the view with a
// margin of 4%, the box in black, the particles back to front.
func (p Particles) raster(t, size int, pal color.Palette, col colorer) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, size, size), pal) // index 0: white
	margin := 0.04 * float64(size)
	scale := (float64(size) - 2*margin) / math.Max(p.Hi[0]-p.Lo[0], p.Hi[1]-p.Lo[1])
	toPixel := func(x, y float64) (float64, float64) {
		return margin + (x-p.Lo[0])*scale, float64(size) - margin - (y-p.Lo[1])*scale
	}
	if p.BoxLo != p.BoxHi {
		x0, y1 := toPixel(p.BoxLo[0], p.BoxLo[1])
		x1, y0 := toPixel(p.BoxHi[0], p.BoxHi[1])
		outline(img, int(math.Round(x0)), int(math.Round(y0)), int(math.Round(x1)), int(math.Round(y1)), 1)
	}
	r := math.Max(p.Radius*scale, 0.7)
	for _, i := range p.drawOrder(t) {
		cx, cy := toPixel(p.at(t, i))
		disc(img, cx, cy, r, paletteIndex(col, t, i))
	}
	return img
}

// outline draws the rectangle [x0, x1] x [y0, y1] in palette entry c.
func outline(img *image.Paletted, x0, y0, x1, y1 int, c uint8) {
	for x := x0; x <= x1; x++ {
		img.SetColorIndex(x, y0, c)
		img.SetColorIndex(x, y1, c)
	}
	for y := y0; y <= y1; y++ {
		img.SetColorIndex(x0, y, c)
		img.SetColorIndex(x1, y, c)
	}
}

// disc fills the pixels whose centres lie within r of (cx, cy) (at least
// the pixel holding the centre) with palette entry c.
func disc(img *image.Paletted, cx, cy, r float64, c uint8) {
	img.SetColorIndex(int(math.Floor(cx)), int(math.Floor(cy)), c)
	for y := int(math.Floor(cy - r)); y <= int(math.Ceil(cy+r)); y++ {
		for x := int(math.Floor(cx - r)); x <= int(math.Ceil(cx+r)); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			if dx*dx+dy*dy <= r*r {
				img.SetColorIndex(x, y, c) // outside the image: ignored
			}
		}
	}
}
