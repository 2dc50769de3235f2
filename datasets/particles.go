package datasets

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Particle trajectories (docs/DATA.md, "Particle trajectories"): one group
// per trajectory under /trajectories, named by its index in six digits,
// holding the positions of every saved frame, optional per-particle
// features and optional per-frame scalars. The number of particles may
// differ between trajectories; frames within one trajectory share it.

// ParticleLayout is the value of the "layout" attribute of /trajectories.
const ParticleLayout = "surrogo-particles/1"

// Names of the particle layout's groups, datasets and attributes.
const (
	keyTrajectories = "trajectories"
	keyPositions    = "positions"
	keyFeatures     = "features"
	keyScalars      = "scalars"
	attrLayout      = "layout"
	attrMaterial    = "material"
	attrMatPrefix   = "material."
	attrDt          = "dt"
	attrFrameStride = "frame_stride"
	attrBoxLo       = "box_lo"
	attrBoxHi       = "box_hi"
	attrFeatNames   = "feature_names"
	axesPositions   = "[T, N, d] with d = 2 or 3"
	axesFeatures    = "[N, F]"
)

// ParticleTrajectory is one particle trajectory: positions of N particles
// in d dimensions at T saved frames, with what describes them. It is what
// AppendTrajectory writes and ReadTrajectory and ReadTrajectoryFrames
// return (the latter a window of the frames).
type ParticleTrajectory struct {
	Frames    int // T: frames held in Positions
	Particles int // N
	Dim       int // d: 2 or 3
	// FirstFrame is the index in the stored trajectory of Positions' first
	// frame: t0 for a window read by ReadTrajectoryFrames, otherwise 0.
	// AppendTrajectory requires 0.
	FirstFrame int
	// Positions is [T, N, d] row-major: particle p's coordinate k at frame
	// t is Positions[(t*N+p)*d+k]. Every value must be finite.
	Positions []float32

	// FeatureDim is F, the number of per-particle features (0: none).
	FeatureDim int
	// Features is [N, F] row-major (material id, mass, volume, ...);
	// nil when F is 0.
	Features []float32
	// FeatureNames optionally names the F features.
	FeatureNames []string
	// Scalars are per-frame quantities (kinetic energy, ...), each with
	// one value per frame of Positions.
	Scalars map[string][]float64

	// Material names the material model ("water", "sand", "jelly", ...).
	Material string
	// MaterialParams are the material's parameters (E, nu, friction
	// angle, ...), stored as attributes "material.<name>".
	MaterialParams map[string]float64
	// Dt is the solver's time step; FrameStride the solver steps between
	// saved frames, so frames are Dt*FrameStride apart (0 when unknown).
	Dt          float64
	FrameStride int
	// BoxLo and BoxHi bound the domain, d values each (nil when unknown).
	BoxLo, BoxHi []float64
}

// TrajectoryName formats trajectory i's group name ("000007").
func TrajectoryName(i int) string { return fmt.Sprintf("%06d", i) }

// trajectoryPath is the absolute path of trajectory i's group.
func trajectoryPath(i int) string { return "/" + keyTrajectories + "/" + TrajectoryName(i) }

// isTrajectoryName reports whether s is six decimal digits.
func isTrajectoryName(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkTrajectory verifies a trajectory before it is written: every shape
// consistent, positions and features finite, the box ordered.
func checkTrajectory(f *File, p string, tr *ParticleTrajectory) error {
	bad := func(sentinel error, obj, format string, args ...any) error {
		return newErr("write", f.name, p+obj, sentinel, format, args...)
	}
	if tr.Dim != 2 && tr.Dim != 3 {
		return bad(ErrShape, "/"+keyPositions, "dimension %d, expected 2 or 3", tr.Dim)
	}
	if tr.Frames < 1 || tr.Particles < 1 {
		return bad(ErrShape, "/"+keyPositions, "%d frames of %d particles, expected at least one of each", tr.Frames, tr.Particles)
	}
	if tr.FirstFrame != 0 {
		return bad(ErrArgument, "", "first frame %d, expected 0 (a whole trajectory, not a window)", tr.FirstFrame)
	}
	if want := tr.Frames * tr.Particles * tr.Dim; len(tr.Positions) != want {
		return bad(ErrShape, "/"+keyPositions, "shape [%d %d %d] needs %d values, found %d", tr.Frames, tr.Particles, tr.Dim, want, len(tr.Positions))
	}
	if at := firstNonFinite(tr.Positions); at >= 0 {
		return bad(ErrNonFinite, "/"+keyPositions, "value %v at %s", tr.Positions[at], positionText(at, tr.Particles, tr.Dim, 0))
	}
	if tr.FeatureDim < 0 {
		return bad(ErrShape, "/"+keyFeatures, "feature dimension %d is negative", tr.FeatureDim)
	}
	if want := tr.Particles * tr.FeatureDim; len(tr.Features) != want {
		return bad(ErrShape, "/"+keyFeatures, "shape [%d %d] needs %d values, found %d", tr.Particles, tr.FeatureDim, want, len(tr.Features))
	}
	if at := firstNonFinite(tr.Features); at >= 0 {
		return bad(ErrNonFinite, "/"+keyFeatures, "value %v at particle %d feature %d", tr.Features[at], at/tr.FeatureDim, at%tr.FeatureDim)
	}
	if tr.FeatureNames != nil && len(tr.FeatureNames) != tr.FeatureDim {
		return bad(ErrShape, "/"+keyFeatures, "%d feature names for %d features", len(tr.FeatureNames), tr.FeatureDim)
	}
	for name, v := range tr.Scalars {
		if name == "" || strings.Contains(name, "/") {
			return bad(ErrArgument, "/"+keyScalars, "scalar name %q must be non-empty and without '/'", name)
		}
		if len(v) != tr.Frames {
			return bad(ErrShape, "/"+keyScalars+"/"+name, "%d values, expected one per frame (%d)", len(v), tr.Frames)
		}
	}
	for name, v := range tr.MaterialParams {
		if name == "" || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(ErrArgument, "@"+attrMatPrefix+name, "material parameter %q = %v, expected a named finite value", name, v)
		}
	}
	if math.IsNaN(tr.Dt) || math.IsInf(tr.Dt, 0) || tr.Dt < 0 || tr.FrameStride < 0 {
		return bad(ErrArgument, "", "time step %v and frame stride %d, expected finite non-negative values", tr.Dt, tr.FrameStride)
	}
	if (tr.BoxLo == nil) != (tr.BoxHi == nil) {
		return bad(ErrArgument, "@"+attrBoxLo, "box_lo and box_hi must be given together")
	}
	if tr.BoxLo != nil {
		if err := checkBox(tr.BoxLo, tr.BoxHi, tr.Dim); err != "" {
			return bad(ErrArgument, "@"+attrBoxLo, "%s", err)
		}
	}
	return nil
}

// checkBox returns what is wrong with the bounds lo, hi of a d-dimensional
// box, or "".
func checkBox(lo, hi []float64, d int) string {
	if len(lo) != d || len(hi) != d {
		return fmt.Sprintf("box_lo has %d values and box_hi %d, expected %d each (the dimension)", len(lo), len(hi), d)
	}
	for k := range lo {
		if !(lo[k] < hi[k]) || math.IsInf(lo[k], 0) || math.IsInf(hi[k], 0) {
			return fmt.Sprintf("box axis %d is [%v, %v], expected finite bounds with lo < hi", k, lo[k], hi[k])
		}
	}
	return ""
}

// firstNonFinite returns the index of the first NaN or infinite value, or -1.
func firstNonFinite[T float32 | float64](v []T) int {
	for i, x := range v {
		if x != x || float64(x) > math.MaxFloat64 || float64(x) < -math.MaxFloat64 {
			return i
		}
	}
	return -1
}

// positionText names element at of a [T, N, d] window starting at frame t0.
func positionText(at, n, d, t0 int) string {
	return fmt.Sprintf("frame %d, particle %d, coordinate %d", t0+at/(n*d), at/d%n, at%d)
}

// AppendTrajectory writes tr as the next trajectory of f (the first is
// 000000) and returns its index. tr is checked whole before anything is
// written: a Dim other than 2 or 3, lengths that disagree with Frames,
// Particles, Dim and FeatureDim, non-finite positions or features, and a
// box without lo < hi are refused. Positions are chunked by whole frames,
// so windows of frames read without decoding the rest.
func AppendTrajectory(f *File, tr *ParticleTrajectory) (int, error) {
	i, err := TrajectoryCount(f)
	if err != nil {
		return 0, err
	}
	p := trajectoryPath(i)
	if err := checkTrajectory(f, p, tr); err != nil {
		return 0, err
	}
	if i == 0 && !f.Has(keyTrajectories) {
		root, err := f.CreateGroup(keyTrajectories)
		if err != nil {
			return 0, err
		}
		err = root.SetAttr(attrLayout, ParticleLayout)
		root.Close()
		if err != nil {
			return 0, err
		}
	}
	g, err := f.CreateGroup(p)
	if err != nil {
		return 0, err
	}
	defer g.Close()
	if err := Write(g, keyPositions, []int{tr.Frames, tr.Particles, tr.Dim}, tr.Positions, nil); err != nil {
		return 0, err
	}
	if tr.FeatureDim > 0 {
		if err := Write(g, keyFeatures, []int{tr.Particles, tr.FeatureDim}, tr.Features, nil); err != nil {
			return 0, err
		}
		if tr.FeatureNames != nil {
			if err := g.SetAttr(attrFeatNames, tr.FeatureNames); err != nil {
				return 0, err
			}
		}
	}
	for name, v := range tr.Scalars {
		if err := Write(g, keyScalars+"/"+name, []int{len(v)}, v, nil); err != nil {
			return 0, err
		}
	}
	attrs := []struct {
		name string
		v    any
		ok   bool
	}{
		{attrMaterial, tr.Material, tr.Material != ""},
		{attrDt, tr.Dt, true},
		{attrFrameStride, int64(tr.FrameStride), true},
		{attrBoxLo, tr.BoxLo, tr.BoxLo != nil},
		{attrBoxHi, tr.BoxHi, tr.BoxHi != nil},
	}
	for _, a := range attrs {
		if a.ok {
			if err := g.SetAttr(a.name, a.v); err != nil {
				return 0, err
			}
		}
	}
	for name, v := range tr.MaterialParams {
		if err := g.SetAttr(attrMatPrefix+name, v); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// TrajectoryCount returns the number of trajectories in f (0 when it has
// no /trajectories group). The groups must be named 000000, 000001, ...
// without gaps; anything else under /trajectories is refused (ErrLayout).
func TrajectoryCount(f *File) (int, error) {
	switch k := f.Kind(keyTrajectories); k {
	case KindNone:
		return 0, nil
	case KindGroup:
	default:
		return 0, newErr("read", f.name, "/"+keyTrajectories, ErrLayout, "is a %s, expected a group of trajectories", k)
	}
	g, err := f.OpenGroup(keyTrajectories)
	if err != nil {
		return 0, err
	}
	defer g.Close()
	if g.HasAttr(attrLayout) {
		l, err := g.AttrString(attrLayout)
		if err != nil {
			return 0, err
		}
		if l != ParticleLayout {
			return 0, newErr("read", f.name, g.attrObject(attrLayout), ErrLayout, "is %q, expected %q", l, ParticleLayout)
		}
	}
	entries, err := g.Entries()
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Kind != KindGroup || !isTrajectoryName(e.Name) {
			return 0, newErr("read", f.name, e.Path, ErrLayout, "is a %s, expected only trajectory groups named like %q", e.Kind, TrajectoryName(0))
		}
		names = append(names, e.Name)
	}
	sort.Strings(names)
	for i, n := range names {
		if n != TrajectoryName(i) {
			return 0, newErr("read", f.name, "/"+keyTrajectories+"/"+n, ErrLayout,
				"trajectory %s follows %d others, expected %s (trajectories numbered from 0 without gaps)", n, i, TrajectoryName(i))
		}
	}
	return len(names), nil
}

// TrajectorySize is the shape of one stored trajectory.
type TrajectorySize struct {
	Frames, Particles, Dim, FeatureDim int
}

// TrajectorySizes returns every trajectory's frames, particles, dimension
// and feature count, from the datasets' shapes alone (no values are read),
// so a loader can plan windows and batches. Shapes are checked as
// ReadTrajectory checks them.
func TrajectorySizes(f *File) ([]TrajectorySize, error) {
	n, err := TrajectoryCount(f)
	if err != nil {
		return nil, err
	}
	out := make([]TrajectorySize, n)
	for i := range out {
		t, err := openTrajectory(f, i)
		if err != nil {
			return nil, err
		}
		out[i] = t.size
		t.close()
	}
	return out, nil
}

// openedTrajectory is a trajectory's group and datasets with their shapes
// checked.
type openedTrajectory struct {
	g        *Group
	pos, fea *Dataset // fea is nil without features
	size     TrajectorySize
}

func (t *openedTrajectory) close() {
	if t.fea != nil {
		t.fea.Close()
	}
	t.pos.Close()
	t.g.Close()
}

// openTrajectory opens trajectory i and checks its datasets' ranks, types
// and shapes against each other.
func openTrajectory(f *File, i int) (*openedTrajectory, error) {
	// The group's existence answers the range check; the count (a walk
	// over every trajectory) is taken only to word the refusal, so a
	// source reading trajectory after trajectory stays linear.
	if i < 0 || f.Kind(trajectoryPath(i)) != KindGroup {
		n, err := TrajectoryCount(f)
		if err != nil {
			return nil, err
		}
		return nil, newErr("read", f.name, trajectoryPath(i), ErrRange, "trajectory %d requested, the file holds %d", i, n)
	}
	t := &openedTrajectory{}
	var err error
	if t.g, err = f.OpenGroup(trajectoryPath(i)); err != nil {
		return nil, err
	}
	fail := func(e error) (*openedTrajectory, error) {
		t.g.Close()
		if t.pos != nil {
			t.pos.Close()
		}
		if t.fea != nil {
			t.fea.Close()
		}
		return nil, e
	}
	if t.pos, err = t.g.OpenDataset(keyPositions); err != nil {
		return fail(err)
	}
	if err := checkFloatRank(t.pos, 3, axesPositions); err != nil {
		return fail(err)
	}
	s := t.pos.Shape()
	if s[2] != 2 && s[2] != 3 {
		return fail(newErr("read", f.name, t.pos.path, ErrLayout, "has shape %v: dimension %d, expected %s", s, s[2], axesPositions))
	}
	t.size = TrajectorySize{Frames: s[0], Particles: s[1], Dim: s[2]}
	if t.g.Has(keyFeatures) {
		if t.fea, err = t.g.OpenDataset(keyFeatures); err != nil {
			return fail(err)
		}
		if err := checkFloatRank(t.fea, 2, axesFeatures); err != nil {
			return fail(err)
		}
		fs := t.fea.Shape()
		if fs[0] != s[1] {
			return fail(newErr("read", f.name, t.fea.path, ErrShape,
				"has shape %v: features for %d particles, expected %d like %s %v", fs, fs[0], s[1], t.pos.path, s))
		}
		t.size.FeatureDim = fs[1]
	}
	return t, nil
}

// checkFloatRank refuses a dataset of another rank, of integers, or with an
// empty axis (axes names the layout's shape).
func checkFloatRank(d *Dataset, rank int, axes string) error {
	return checkField(d, rank, rank, axes)
}

// ReadTrajectory reads trajectory i whole; see ReadTrajectoryFrames.
func ReadTrajectory(f *File, i int) (*ParticleTrajectory, error) {
	t, err := openTrajectory(f, i)
	if err != nil {
		return nil, err
	}
	frames := t.size.Frames
	t.close()
	return ReadTrajectoryFrames(f, i, 0, frames)
}

// ReadTrajectoryFrames reads frames [t0, t1) of trajectory i with a
// hyperslab read (the other frames are not decoded), with the
// trajectory's features, attributes and the window of its scalars;
// FirstFrame is t0. It refuses a window outside the trajectory
// (ErrRange), shapes that disagree (ErrShape, ErrLayout), a buffer over
// ReadLimit (ErrTooLarge, before allocating), NaN or infinite positions
// and features (ErrNonFinite, naming the frame and particle), and a box
// that is not d ordered pairs.
func ReadTrajectoryFrames(f *File, i, t0, t1 int) (*ParticleTrajectory, error) {
	t, err := openTrajectory(f, i)
	if err != nil {
		return nil, err
	}
	defer t.close()
	sz := t.size
	if t0 < 0 || t1 < t0 || t1 > sz.Frames {
		return nil, newErr("read", f.name, t.pos.path, ErrRange,
			"frames [%d, %d) of trajectory %d requested, it holds %d", t0, t1, i, sz.Frames)
	}
	tr := &ParticleTrajectory{Frames: t1 - t0, Particles: sz.Particles, Dim: sz.Dim, FirstFrame: t0, FeatureDim: sz.FeatureDim}
	start, count := []int{t0, 0, 0}, []int{t1 - t0, sz.Particles, sz.Dim}
	if err := checkAlloc(t.pos, "read", count, 4, Float32); err != nil {
		return nil, err
	}
	tr.Positions = make([]float32, elements(count))
	if err := ReadSlab(t.pos, start, count, tr.Positions); err != nil {
		return nil, err
	}
	if at := firstNonFinite(tr.Positions); at >= 0 {
		return nil, newErr("read", f.name, t.pos.path, ErrNonFinite, "value %v at %s of trajectory %d",
			tr.Positions[at], positionText(at, sz.Particles, sz.Dim, t0), i)
	}
	if t.fea != nil {
		if tr.Features, err = ReadAll[float32](t.fea); err != nil {
			return nil, err
		}
		if at := firstNonFinite(tr.Features); at >= 0 {
			return nil, newErr("read", f.name, t.fea.path, ErrNonFinite, "value %v at particle %d, feature %d of trajectory %d",
				tr.Features[at], at/sz.FeatureDim, at%sz.FeatureDim, i)
		}
		if t.g.HasAttr(attrFeatNames) {
			v, err := t.g.Attr(attrFeatNames)
			if err != nil {
				return nil, err
			}
			names, ok := v.([]string)
			if s, one := v.(string); one {
				names, ok = []string{s}, true
			}
			if !ok || len(names) != sz.FeatureDim {
				return nil, newErr("read", f.name, t.g.attrObject(attrFeatNames), ErrLayout,
					"is %s, expected %d feature names like %s %v", describeValue(v), sz.FeatureDim, t.fea.path, t.fea.shape)
			}
			tr.FeatureNames = names
		}
	}
	if err := readTrajectoryScalars(t, tr, t0, t1); err != nil {
		return nil, err
	}
	if err := readTrajectoryAttrs(t.g, tr); err != nil {
		return nil, err
	}
	return tr, nil
}

// readTrajectoryScalars reads frames [t0, t1) of every per-frame scalar.
func readTrajectoryScalars(t *openedTrajectory, tr *ParticleTrajectory, t0, t1 int) error {
	if !t.g.Has(keyScalars) {
		return nil
	}
	sg, err := t.g.OpenGroup(keyScalars)
	if err != nil {
		return err
	}
	defer sg.Close()
	entries, err := sg.Entries()
	if err != nil {
		return err
	}
	tr.Scalars = make(map[string][]float64, len(entries))
	for _, e := range entries {
		if e.Kind != KindDataset {
			return newErr("read", sg.f.name, e.Path, ErrLayout, "is a %s, expected a per-frame scalar dataset [T]", e.Kind)
		}
		d, err := sg.OpenDataset(e.Name)
		if err != nil {
			return err
		}
		if err := checkFloatRank(d, 1, "[T]"); err != nil {
			d.Close()
			return err
		}
		if d.shape[0] != t.size.Frames {
			d.Close()
			return newErr("read", sg.f.name, d.path, ErrShape, "has %d values, expected one per frame (%d) like %s",
				d.shape[0], t.size.Frames, t.pos.path)
		}
		v, err := ReadSamples[float64](d, t0, t1-t0)
		d.Close()
		if err != nil {
			return err
		}
		tr.Scalars[e.Name] = v
	}
	return nil
}

// readTrajectoryAttrs reads the material, its parameters, the time step,
// frame stride and box of a trajectory group.
func readTrajectoryAttrs(g *Group, tr *ParticleTrajectory) error {
	infos, err := g.Attrs()
	if err != nil {
		return err
	}
	for _, a := range infos {
		var err error
		switch name := a.Name; {
		case name == attrMaterial:
			tr.Material, err = g.AttrString(name)
		case name == attrDt:
			tr.Dt, err = g.AttrFloat64(name)
		case name == attrFrameStride:
			var v int64
			v, err = g.AttrInt64(name)
			if err == nil && (v < 0 || v > math.MaxInt32) {
				err = newErr("read", g.f.name, g.attrObject(name), ErrRange, "is %d, expected a non-negative stride", v)
			}
			tr.FrameStride = int(v)
		case name == attrBoxLo:
			tr.BoxLo, err = g.AttrFloat64s(name)
		case name == attrBoxHi:
			tr.BoxHi, err = g.AttrFloat64s(name)
		case strings.HasPrefix(name, attrMatPrefix):
			var v float64
			if v, err = g.AttrFloat64(name); err == nil {
				if tr.MaterialParams == nil {
					tr.MaterialParams = map[string]float64{}
				}
				tr.MaterialParams[strings.TrimPrefix(name, attrMatPrefix)] = v
			}
		}
		if err != nil {
			return err
		}
	}
	if (tr.BoxLo == nil) != (tr.BoxHi == nil) {
		return newErr("read", g.f.name, g.path, ErrLayout, "has only one of box_lo and box_hi, expected both or neither")
	}
	if tr.BoxLo != nil {
		if msg := checkBox(tr.BoxLo, tr.BoxHi, tr.Dim); msg != "" {
			return newErr("read", g.f.name, g.attrObject(attrBoxLo), ErrLayout, "%s", msg)
		}
	}
	return nil
}
