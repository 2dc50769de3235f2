package mpm

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor"
)

// Shape names the kind of a body part.
type Shape string

// The part shapes.
const (
	Box  Shape = "box"  // axis-aligned box of half extents Half
	Ball Shape = "ball" // disc (2-D) or sphere (3-D) of radius Radius
	// Union names a random body made of 2-3 overlapping boxes and balls
	// (Scene.Shapes only; a Part is a box or a ball).
	Union Shape = "union"
)

// Part is one box or ball of a body.
type Part struct {
	Shape  Shape
	Center [3]float64
	Half   [3]float64 // box half extents
	Radius float64    // ball radius
}

// Body is a union of parts moving rigidly at first: velocity
// v(x) = Velocity + Omega x (x - centroid). In 2-D only Omega[2] (the
// rotation rate about z) counts.
type Body struct {
	Parts    []Part
	Velocity [3]float64
	Omega    [3]float64
}

// Scene describes the initial bodies of a sample: fixed ones, or random
// ones drawn from seed and sample index.
type Scene struct {
	// Bodies, when not empty, are used for every sample.
	Bodies []Body
	// MinBodies and MaxBodies bound the number of random bodies (0 and 0
	// mean 1 and 1). Fewer are placed when no free room is found in 100
	// tries.
	MinBodies, MaxBodies int
	// MinSize and MaxSize bound a random body's half-extent as fractions
	// of the box side (0 and 0 mean 0.06 and 0.12).
	MinSize, MaxSize float64
	// MaxLinearSpeed bounds the speed of a random body and MaxAngularSpeed
	// its rotation rate (upstream NCLaw data: both up to 3).
	MaxLinearSpeed, MaxAngularSpeed float64
	// Shapes, when not empty, lists the shapes a random body may take
	// (Box, Ball, Union), drawn with equal odds. Empty means a single box
	// or ball (equal odds) two times in three and a union otherwise.
	Shapes []Shape
	// Jitter moves each particle off its lattice point by a uniform offset
	// of up to Jitter/2 spacings per axis, in [0, 1).
	Jitter float64
}

func (sc Scene) bodyCount() (lo, hi int) {
	if sc.MinBodies == 0 && sc.MaxBodies == 0 {
		return 1, 1
	}
	return sc.MinBodies, sc.MaxBodies
}

func (sc Scene) sizes() (lo, hi float64) {
	if sc.MinSize == 0 && sc.MaxSize == 0 {
		return 0.06, 0.12
	}
	return sc.MinSize, sc.MaxSize
}

// maxInitialSpeed bounds the initial particle speeds of the scene's
// bodies in a box of side length.
func (sc Scene) maxInitialSpeed(length float64) float64 {
	if len(sc.Bodies) == 0 {
		_, size := sc.sizes()
		return sc.MaxLinearSpeed + sc.MaxAngularSpeed*2*math.Sqrt(3)*size*length
	}
	v := 0.0
	for _, b := range sc.Bodies {
		lo, hi := b.bounds()
		reach := 0.0
		for a := 0; a < 3; a++ {
			reach += (hi[a] - lo[a]) * (hi[a] - lo[a])
		}
		v = math.Max(v, norm3(b.Velocity)+norm3(b.Omega)*math.Sqrt(reach))
	}
	return v
}

// interior returns the part of the box outside the wall layers.
func (p Params) interior() (lo, hi float64) {
	w := float64(p.boundary()) * p.Dx()
	return w, p.Length - w
}

func (sc Scene) validate(p Params) error {
	for i, b := range sc.Bodies {
		if err := b.validate(p, i); err != nil {
			return err
		}
	}
	lo, hi := sc.bodyCount()
	minSize, maxSize := sc.sizes()
	wallLo, wallHi := p.interior()
	switch {
	case lo < 1:
		return paramError("scene.min_bodies", "need at least 1 body, got %d", sc.MinBodies)
	case hi < lo:
		return paramError("scene.max_bodies", "need max_bodies >= min_bodies = %d, got %d", sc.MinBodies, sc.MaxBodies)
	case !(minSize > 0):
		return paramError("scene.min_size", "body size must be positive, got %v", sc.MinSize)
	case !(maxSize >= minSize) || !finite(maxSize):
		return paramError("scene.max_size", "need max_size >= min_size = %v and finite, got %v", minSize, sc.MaxSize)
	case 2*maxSize*p.Length > wallHi-wallLo:
		return paramError("scene.max_size", "a body of half-extent %v L = %.4g does not fit between the walls (%.4g wide)", maxSize, maxSize*p.Length, wallHi-wallLo)
	case !(sc.MaxLinearSpeed >= 0) || !finite(sc.MaxLinearSpeed):
		return paramError("scene.max_linear_speed", "speed bound must be >= 0 and finite, got %v", sc.MaxLinearSpeed)
	case !(sc.MaxAngularSpeed >= 0) || !finite(sc.MaxAngularSpeed):
		return paramError("scene.max_angular_speed", "rotation rate bound must be >= 0 and finite, got %v", sc.MaxAngularSpeed)
	case !(sc.Jitter >= 0 && sc.Jitter < 1):
		return paramError("scene.jitter", "jitter must be in [0, 1) particle spacings, got %v", sc.Jitter)
	}
	for _, s := range sc.Shapes {
		if s != Box && s != Ball && s != Union {
			return paramError("scene.shapes", "unknown shape %q (expected %q, %q or %q)", s, Box, Ball, Union)
		}
	}
	return nil
}

// bounds returns the bounding box of the body's parts.
func (b Body) bounds() (lo, hi [3]float64) {
	for a := 0; a < 3; a++ {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for _, pt := range b.Parts {
		for a := 0; a < 3; a++ {
			h := pt.Half[a]
			if pt.Shape == Ball {
				h = pt.Radius
			}
			lo[a] = math.Min(lo[a], pt.Center[a]-h)
			hi[a] = math.Max(hi[a], pt.Center[a]+h)
		}
	}
	return lo, hi
}

func (b Body) validate(p Params, i int) error {
	key := fmt.Sprintf("scene.bodies[%d]", i)
	if len(b.Parts) == 0 {
		return paramError(key, "a body needs at least one part")
	}
	for j, pt := range b.Parts {
		if err := pt.validate(p.Dim); err != nil {
			return paramError(fmt.Sprintf("%s.parts[%d]", key, j), "%v", err)
		}
	}
	wallLo, wallHi := p.interior()
	lo, hi := b.bounds()
	for a := 0; a < p.Dim; a++ {
		if lo[a] < wallLo || hi[a] > wallHi {
			return paramError(key, "body spans [%.4g, %.4g] on axis %d, outside the box between its walls [%.4g, %.4g]", lo[a], hi[a], a, wallLo, wallHi)
		}
	}
	for a := 0; a < 3; a++ {
		if !finite(b.Velocity[a]) || !finite(b.Omega[a]) {
			return paramError(key, "velocity and omega must be finite, got %v and %v", b.Velocity, b.Omega)
		}
	}
	return nil
}

func (pt Part) validate(dim int) error {
	for a := 0; a < dim; a++ {
		if !finite(pt.Center[a]) {
			return fmt.Errorf("centre must be finite, got %v", pt.Center)
		}
	}
	switch pt.Shape {
	case Box:
		for a := 0; a < dim; a++ {
			if !(pt.Half[a] > 0) || !finite(pt.Half[a]) {
				return fmt.Errorf("box half extents must be positive and finite, got %v", pt.Half[:dim])
			}
		}
	case Ball:
		if !(pt.Radius > 0) || !finite(pt.Radius) {
			return fmt.Errorf("ball radius must be positive and finite, got %v", pt.Radius)
		}
	default:
		return fmt.Errorf("unknown shape %q (expected %q or %q)", pt.Shape, Box, Ball)
	}
	return nil
}

// contains reports whether x (first dim coordinates) lies in the part.
func (pt Part) contains(x [3]float64, dim int) bool {
	r2 := 0.0
	for a := 0; a < dim; a++ {
		d := x[a] - pt.Center[a]
		if pt.Shape == Box && math.Abs(d) > pt.Half[a] {
			return false
		}
		r2 += d * d
	}
	return pt.Shape == Box || r2 <= pt.Radius*pt.Radius
}

// Sample returns the initial state of sample i of the stream seeded by
// seed: the scene's fixed bodies or random ones, all drawn from a
// generator that depends only on (seed, i).
func (p Params) Sample(seed uint64, i int) (*State, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	r := tensor.NewRNGStream(seed, uint64(i))
	bodies := p.Scene.Bodies
	if len(bodies) == 0 {
		bodies = p.RandomBodies(r)
	}
	return p.Particles(bodies, r), nil
}

// RandomBodies draws the bodies of a scene: their number, shapes (a box, a
// ball, or a union of 2-3 of them), sizes, positions (not overlapping,
// between the walls) and velocities. p must be valid.
func (p Params) RandomBodies(r *tensor.RNG) []Body {
	lo, hi := p.Scene.bodyCount()
	count := lo + r.Intn(hi-lo+1)
	minSize, maxSize := p.Scene.sizes()
	var bodies []Body
	var boxes [][2][3]float64 // placed bounding boxes, with a gap
	for len(bodies) < count {
		size := (minSize + (maxSize-minSize)*r.Float64()) * p.Length
		centre, ok := p.placeBody(r, size, boxes)
		if !ok {
			break
		}
		gap := 2 * p.Dx()
		var box [2][3]float64
		for a := 0; a < p.Dim; a++ {
			box[0][a], box[1][a] = centre[a]-size-gap, centre[a]+size+gap
		}
		boxes = append(boxes, box)
		b := Body{Parts: p.randomParts(r, centre, size)}
		b.Velocity, b.Omega = p.randomMotion(r)
		bodies = append(bodies, b)
	}
	return bodies
}

// placeBody draws a centre whose cube of half-side size lies between the
// walls and outside the placed boxes, in up to 100 tries.
func (p Params) placeBody(r *tensor.RNG, size float64, placed [][2][3]float64) ([3]float64, bool) {
	wallLo, wallHi := p.interior()
	for try := 0; try < 100; try++ {
		var c [3]float64
		for a := 0; a < p.Dim; a++ {
			c[a] = wallLo + size + (wallHi-wallLo-2*size)*r.Float64()
		}
		free := true
		for _, box := range placed {
			overlap := true
			for a := 0; a < p.Dim; a++ {
				if c[a]+size <= box[0][a] || c[a]-size >= box[1][a] {
					overlap = false
				}
			}
			free = free && !overlap
		}
		if free {
			return c, true
		}
	}
	return [3]float64{}, false
}

// randomParts fills the cube of half-side size around centre with a
// shape drawn from Scene.Shapes, or by default with one box or ball or
// (one time in three) a union of 2-3 of them.
func (p Params) randomParts(r *tensor.RNG, centre [3]float64, size float64) []Part {
	if shapes := p.Scene.Shapes; len(shapes) > 0 {
		switch shapes[r.Intn(len(shapes))] {
		case Box:
			return []Part{boxPart(r, centre, size, p.Dim)}
		case Ball:
			return []Part{ballPart(centre, size)}
		}
		return p.randomUnion(r, centre, size)
	}
	if r.Intn(3) > 0 {
		return []Part{randomPart(r, centre, size, p.Dim)}
	}
	return p.randomUnion(r, centre, size)
}

// randomUnion fills the cube of half-side size around centre with a
// union of 2-3 boxes and balls: a first part of half-size 0.5-0.7 size at
// the centre, and parts centred inside it that stay in the cube, so the
// union is connected.
func (p Params) randomUnion(r *tensor.RNG, centre [3]float64, size float64) []Part {
	first := randomPart(r, centre, (0.5+0.2*r.Float64())*size, p.Dim)
	parts := []Part{first}
	extra := 1 + r.Intn(2)
	for k := 0; k < extra; k++ {
		var c [3]float64
		reach := 0.0
		for a := 0; a < p.Dim; a++ {
			h := first.Half[a]
			if first.Shape == Ball {
				h = first.Radius / math.Sqrt(float64(p.Dim))
			}
			off := 0.8 * h * (2*r.Float64() - 1)
			c[a] = centre[a] + off
			reach = math.Max(reach, math.Abs(off))
		}
		room := size - reach
		parts = append(parts, randomPart(r, c, room*(0.5+0.5*r.Float64()), p.Dim))
	}
	return parts
}

// randomPart returns a ball of radius h or a box with half extents in
// [h/2, h] at c, with equal odds.
func randomPart(r *tensor.RNG, c [3]float64, h float64, dim int) Part {
	if r.Intn(2) == 0 {
		return ballPart(c, h)
	}
	return boxPart(r, c, h, dim)
}

// ballPart is the ball of radius h at c.
func ballPart(c [3]float64, h float64) Part { return Part{Shape: Ball, Center: c, Radius: h} }

// boxPart is a box at c with half extents drawn in [h/2, h].
func boxPart(r *tensor.RNG, c [3]float64, h float64, dim int) Part {
	pt := Part{Shape: Box, Center: c}
	for a := 0; a < dim; a++ {
		pt.Half[a] = h * (0.5 + 0.5*r.Float64())
	}
	return pt
}

// randomMotion draws a velocity of uniform direction and magnitude in
// [0, MaxLinearSpeed], and a rotation of magnitude in [0,
// MaxAngularSpeed] about a uniform axis (2-D: about z, either sense).
func (p Params) randomMotion(r *tensor.RNG) (v, omega [3]float64) {
	v = scale3(randomDirection(r, p.Dim), p.Scene.MaxLinearSpeed*r.Float64())
	if p.Dim == 2 {
		omega[2] = p.Scene.MaxAngularSpeed * (2*r.Float64() - 1)
		return v, omega
	}
	return v, scale3(randomDirection(r, 3), p.Scene.MaxAngularSpeed*r.Float64())
}

func randomDirection(r *tensor.RNG, dim int) [3]float64 {
	for {
		var u [3]float64
		for a := 0; a < dim; a++ {
			u[a] = r.Normal()
		}
		if n := norm3(u); n > 1e-12 {
			return scale3(u, 1/n)
		}
	}
}

// Particles samples the bodies on the particle lattice x = (k + 1/2) h of
// spacing h = Spacing() (shared by all bodies, so that touching bodies do
// not overlap), jittered by r when Scene.Jitter > 0, each particle in the
// first body that contains its lattice point. Velocities are the bodies'
// rigid motions about their centroids, C their velocity gradient, F = I.
func (p Params) Particles(bodies []Body, r *tensor.RNG) *State {
	d := p.Dim
	h := p.Spacing()
	st := &State{Dim: d, Volume: p.ParticleVolume()}
	taken := map[[3]int]bool{}
	for bi, b := range bodies {
		first := st.Len()
		lo, hi := b.bounds()
		forLattice(lo, hi, h, d, func(k [3]int) {
			var x [3]float64
			for a := 0; a < d; a++ {
				x[a] = (float64(k[a]) + 0.5) * h
			}
			if taken[k] || !b.contains(x, d) {
				return
			}
			taken[k] = true
			for a := 0; a < d; a++ {
				if p.Scene.Jitter > 0 {
					x[a] += p.Scene.Jitter * h * (r.Float64() - 0.5)
				}
				st.X = append(st.X, x[a])
			}
			st.Body = append(st.Body, int32(bi))
		})
		p.setRigidMotion(st, b, first)
	}
	return st
}

func (b Body) contains(x [3]float64, dim int) bool {
	for _, pt := range b.Parts {
		if pt.contains(x, dim) {
			return true
		}
	}
	return false
}

// forLattice calls visit for every lattice index k with (k + 1/2) h in
// [lo, hi] on the first dim axes, in lexicographic order.
func forLattice(lo, hi [3]float64, h float64, dim int, visit func(k [3]int)) {
	var first, last [3]int
	for a := 0; a < dim; a++ {
		first[a] = int(math.Ceil(lo[a]/h - 0.5))
		last[a] = int(math.Floor(hi[a]/h - 0.5))
	}
	var k [3]int
	var walk func(a int)
	walk = func(a int) {
		if a == dim {
			visit(k)
			return
		}
		for k[a] = first[a]; k[a] <= last[a]; k[a]++ {
			walk(a + 1)
		}
	}
	walk(0)
}

// setRigidMotion gives particles first.. of st the body's rigid velocity
// about their centroid, C = grad v, and F = I.
func (p Params) setRigidMotion(st *State, b Body, first int) {
	d := p.Dim
	n := st.Len()
	var centroid [3]float64
	for i := first; i < n; i++ {
		for a := 0; a < d; a++ {
			centroid[a] += st.X[i*d+a] / float64(n-first)
		}
	}
	omega := b.Omega
	if d == 2 {
		omega = [3]float64{0, 0, b.Omega[2]}
	}
	// grad(omega x r) is the skew matrix W with W r = omega x r.
	skew := mat3{0, -omega[2], omega[1], omega[2], 0, -omega[0], -omega[1], omega[0], 0}
	for i := first; i < n; i++ {
		var rel [3]float64
		for a := 0; a < d; a++ {
			rel[a] = st.X[i*d+a] - centroid[a]
		}
		spin := cross3(omega, rel)
		for a := 0; a < d; a++ {
			st.V = append(st.V, b.Velocity[a]+spin[a])
		}
		for a := 0; a < d; a++ {
			for c := 0; c < d; c++ {
				st.C = append(st.C, skew[3*a+c])
				st.F = append(st.F, identity(a, c))
			}
		}
	}
}

func identity(a, c int) float64 {
	if a == c {
		return 1
	}
	return 0
}
