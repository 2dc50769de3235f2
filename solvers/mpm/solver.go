package mpm

import (
	"context"
	"fmt"
	"math"

	"github.com/surrogo/surrogo/tensor/parallel"
)

// blockCells is the side, in cells, of the particle blocks of the
// parallel scatter. A particle whose stencil starts at node b touches
// nodes b..b+2, so two blocks of the same colour (block indices of equal
// parity on every axis, 2 blocks apart) never touch the same node when
// blockCells >= 2.
const blockCells = 4

// Solver advances particle states of one Params. It keeps its grid and
// scratch between steps (nothing is allocated per step after the first
// on a state). Not safe for concurrent use; make one per goroutine.
type Solver struct {
	p        Params
	d        int
	dx, inv  float64 // cell size and its inverse
	nodes    int     // grid nodes per axis, Cells + 1
	boundary int
	wall     Wall
	gravity  [3]float64
	model    model

	// grid holds (mass, momentum...) per node during the scatter and
	// (mass, velocity...) after the grid update: stride d + 1.
	grid []float64

	// Per-particle scratch for the state last stepped.
	stressOf *State
	mass     float64 // particle mass rho V0
	// stressScale is -dt V0 4/dx^2, the factor of tau in the scatter.
	stressScale float64
	stress      []float64 // Kirchhoff stress, d x d per particle
	block       []int32   // block of each particle's stencil
	order       []int32   // particles sorted by block
	start       []int32   // order[start[b]:start[b+1]] are block b's particles

	blocksPerAxis int
	// busy lists, per colour, the blocks that hold particles in this step,
	// in increasing order: the scatter splits them over the workers, so
	// that each gets a share of the particles however few blocks of the
	// grid they fill.
	busy [][]int32
	// cuts splits the current colour's busy blocks into chunks of about
	// equal particle counts, one per worker: chunk k is
	// busy[colour][cuts[k]:cuts[k+1]].
	cuts []int

	// The grid is cut into node blocks of blockCells^d nodes; active lists
	// those that particles touched in the last scatter (only they are
	// cleared and updated), activeMark marks them.
	nodeBlocksPerAxis int
	active            []int32
	activeMark        []bool

	// plate, when set, is a moving rigid plane (SetPlate); plateImpulse
	// holds the momentum it gave the nodes of each active node block in
	// the last grid update, plateForce their sum over Dt.
	plate        *Plate
	plateImpulse []float64
	plateForce   float64

	// grips, when set, prescribe the axial velocity of the nodes at the
	// ends of a body (SetGrips).
	grips *Grips

	// The loop bodies handed to parallel.For, built once.
	current        *State
	colour         int
	scatterBlocks  func(lo, hi int)
	updateBlocks   func(lo, hi int)
	gatherParticle func(lo, hi int)
}

// New prepares a solver for valid parameters.
func New(p Params) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	d := p.Dim
	s := &Solver{p: p, d: d, dx: p.Dx(), inv: 1 / p.Dx(), nodes: p.Cells + 1,
		boundary: p.boundary(), wall: p.wall(), model: newModel(p.Material, d)}
	copy(s.gravity[:], p.Gravity)
	s.grid = make([]float64, pow(s.nodes, d)*(d+1))
	s.blocksPerAxis = (p.Cells-2)/blockCells + 1
	s.busy = make([][]int32, 1<<d)
	s.start = make([]int32, pow(s.blocksPerAxis, d)+1)
	s.nodeBlocksPerAxis = (s.nodes + blockCells - 1) / blockCells
	s.activeMark = make([]bool, pow(s.nodeBlocksPerAxis, d))
	s.scatterBlocks = s.scatterColour
	s.updateBlocks = s.updateNodeBlocks
	s.gatherParticle = s.gatherRange
	return s, nil
}

func pow(n, d int) int {
	r := 1
	for ; d > 0; d-- {
		r *= n
	}
	return r
}

// Params returns the solver's parameters.
func (s *Solver) Params() Params { return s.p }

// ParticleMass returns rho V0 for a state's particle volume V0.
func (s *Solver) ParticleMass(st *State) float64 { return s.p.Material.Rho * st.Volume }

// prepare sizes the scratch for st and computes the stresses and blocks
// of its particles.
func (s *Solver) prepare(st *State) {
	n, dd := st.Len(), s.d*s.d
	if cap(s.stress) < n*dd {
		s.stress = make([]float64, n*dd)
		s.block = make([]int32, n)
		s.order = make([]int32, n)
	}
	s.stress, s.block, s.order = s.stress[:n*dd], s.block[:n], s.order[:n]
	s.mass = s.ParticleMass(st)
	s.stressScale = -s.p.Dt * st.Volume * 4 * s.inv * s.inv
	for p := 0; p < n; p++ {
		f := st.F[p*dd : (p+1)*dd]
		if s.d == 2 {
			m := mat2(f)
			t := s.model.update2(&m)
			copy(f, m[:])
			copy(s.stress[p*dd:], t[:])
		} else {
			m := mat3(f)
			t := s.model.update3(&m)
			copy(f, m[:])
			copy(s.stress[p*dd:], t[:])
		}
		s.block[p] = s.blockOf(st.X[p*s.d : (p+1)*s.d])
	}
	s.sortByBlock()
	clear(s.grid)
	s.active = s.active[:0]
	clear(s.activeMark)
	s.stressOf = st
}

// clearActive zeroes the node blocks of the last scatter.
func (s *Solver) clearActive() {
	for _, nb := range s.active {
		s.forNodeRows(int(nb), func(row []float64, _ [3]int) { clear(row) })
		s.activeMark[nb] = false
	}
	s.active = s.active[:0]
}

// markActive lists the blocks that hold particles by colour (busy) and
// the node blocks that their stencils reach: a particle block b covers
// nodes b B .. b B + B + 1 on each axis, in node blocks b and b + 1.
func (s *Solver) markActive() {
	nb, nn := s.blocksPerAxis, s.nodeBlocksPerAxis
	for c := range s.busy {
		s.busy[c] = s.busy[c][:0]
	}
	for b := 0; b+1 < len(s.start); b++ {
		if s.start[b] == s.start[b+1] {
			continue
		}
		var idx [3]int
		colour := 0
		for a, r := s.d-1, b; a >= 0; a, r = a-1, r/nb {
			idx[a] = r % nb
			colour |= (idx[a] & 1) << (s.d - 1 - a) // the last axis in bit 0
		}
		s.busy[colour] = append(s.busy[colour], int32(b))
		for corner := 0; corner < 1<<s.d; corner++ {
			id := 0
			for a := 0; a < s.d; a++ {
				id = id*nn + min(idx[a]+(corner>>a&1), nn-1)
			}
			if !s.activeMark[id] {
				s.activeMark[id] = true
				s.active = append(s.active, int32(id))
			}
		}
	}
}

// forNodeRows calls visit on each run of nodes of node block nb along the
// last axis (stride d + 1 per node), with the index of its first node.
func (s *Solver) forNodeRows(nb int, visit func(row []float64, first [3]int)) {
	nn, stride := s.nodeBlocksPerAxis, s.d+1
	var lo, hi [3]int
	for a, r := s.d-1, nb; a >= 0; a, r = a-1, r/nn {
		lo[a] = (r % nn) * blockCells
		hi[a] = min(lo[a]+blockCells, s.nodes)
	}
	last := s.d - 1
	rowLen := (hi[last] - lo[last]) * stride
	idx := lo
	for {
		n := 0
		for a := 0; a < s.d; a++ {
			n = n*s.nodes + idx[a]
		}
		visit(s.grid[n*stride:n*stride+rowLen], idx)
		// Advance the index over the leading axes.
		a := last - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < hi[a] {
				break
			}
			idx[a] = lo[a]
		}
		if a < 0 {
			return
		}
	}
}

// blockOf returns the block of the stencil of a particle at x.
func (s *Solver) blockOf(x []float64) int32 {
	b := 0
	for a := 0; a < s.d; a++ {
		base := int(x[a]*s.inv - 0.5)
		b = b*s.blocksPerAxis + base/blockCells
	}
	return int32(b)
}

// sortByBlock fills order and start by a counting sort of the particles
// on their block (stable: particles of a block keep their index order).
func (s *Solver) sortByBlock() {
	clear(s.start)
	for _, b := range s.block {
		s.start[b+1]++
	}
	for b := 1; b < len(s.start); b++ {
		s.start[b] += s.start[b-1]
	}
	// start[b] is now the first slot of block b; fill and advance it, then
	// shift back.
	for p, b := range s.block {
		s.order[s.start[b]] = int32(p)
		s.start[b]++
	}
	copy(s.start[1:], s.start[:len(s.start)-1])
	s.start[0] = 0
}

// Step advances st by one time step Dt: particle-to-grid transfer, grid
// update, grid-to-particle transfer with the constitutive update. The
// solver keeps st's stresses between steps: after changing st by other
// means, call Reset.
func (s *Solver) Step(st *State) {
	if s.stressOf != st || len(s.block) != st.Len() {
		s.prepare(st)
	}
	s.current = st
	s.clearActive()
	s.markActive()
	for c := range s.busy {
		s.colour = c
		chunks, perChunk := s.cutColour(c, parallel.Workers())
		parallel.For(chunks, perChunk*pow(3, s.d)*8, s.scatterBlocks)
	}
	s.preparePlate()
	// About 60 operations per node (measured: 360 ns per 2-D node block).
	parallel.For(len(s.active), pow(blockCells, s.d)*64, s.updateBlocks)
	s.finishPlate()
	s.advanceGrips()
	parallel.For(st.Len(), pow(3, s.d)*12+200, s.gatherParticle)
	s.sortByBlock()
	s.current = nil
}

// Reset makes the next Step recompute the stresses from F.
func (s *Solver) Reset() { s.stressOf = nil }

// cutColour fills cuts with the chunks of colour c's busy blocks for
// the given number of workers, each with about the same number of
// particles (the blocks at the edge of a body hold few); it returns the
// number of chunks and the particles per chunk.
func (s *Solver) cutColour(c, workers int) (chunks, perChunk int) {
	blocks := s.busy[c]
	particles := 0
	for _, b := range blocks {
		particles += int(s.start[b+1] - s.start[b])
	}
	chunks = max(1, min(workers, len(blocks)))
	s.cuts = append(s.cuts[:0], 0)
	sum := 0
	for i, b := range blocks {
		sum += int(s.start[b+1] - s.start[b])
		// Close chunk k once it holds k/chunks of the particles.
		if k := len(s.cuts); k < chunks && sum*chunks >= k*particles {
			s.cuts = append(s.cuts, i+1)
		}
	}
	for len(s.cuts) <= chunks {
		s.cuts = append(s.cuts, len(blocks))
	}
	return chunks, 1 + particles/chunks
}

// scatterColour transfers the particles of chunks lo..hi of the current
// colour's busy blocks to the grid.
func (s *Solver) scatterColour(lo, hi int) {
	st := s.current
	for _, b := range s.busy[s.colour][s.cuts[lo]:s.cuts[hi]] {
		for k := s.start[b]; k < s.start[b+1]; k++ {
			if s.d == 2 {
				s.scatter2(st, int(s.order[k]))
			} else {
				s.scatter3(st, int(s.order[k]))
			}
		}
	}
}

// gatherRange transfers the grid velocities back to particles lo..hi.
func (s *Solver) gatherRange(lo, hi int) {
	st := s.current
	for p := lo; p < hi; p++ {
		if s.d == 2 {
			s.gather2(st, p)
		} else {
			s.gather3(st, p)
		}
		s.block[p] = s.blockOf(st.X[p*s.d : (p+1)*s.d])
	}
}

// updateNodeBlocks turns momentum into velocity, adds gravity and
// applies the walls on the active node blocks lo..hi.
func (s *Solver) updateNodeBlocks(lo, hi int) {
	stride := s.d + 1
	for k, nb := range s.active[lo:hi] {
		impulse := 0.0
		s.forNodeRows(int(nb), func(row []float64, first [3]int) {
			idx := first
			for n := 0; n < len(row); n += stride {
				impulse += s.updateNode(row[n:n+stride], idx)
				idx[s.d-1]++
			}
		})
		if s.plate != nil {
			s.plateImpulse[lo+k] = impulse
		}
	}
}

// updateNode updates one node's (mass, momentum) into (mass, velocity),
// applies the walls, the grips and the plate, and returns the momentum the plate
// gave the node along its axis.
func (s *Solver) updateNode(node []float64, idx [3]int) float64 {
	m := node[0]
	if m <= 0 {
		return 0
	}
	v := node[1:]
	for a := range v {
		v[a] = v[a]/m + s.p.Dt*s.gravity[a]
	}
	s.applyWalls(v, idx)
	if s.grips != nil {
		s.applyGrips(v, idx)
	}
	if s.plate == nil {
		return 0
	}
	return m * s.applyPlate(v, idx)
}

// applyWalls applies the box walls to the velocity v of the node idx.
func (s *Solver) applyWalls(v []float64, idx [3]int) {
	if s.wall == NoWall {
		return
	}
	high := s.p.Cells - s.boundary
	for a := range v {
		into := (idx[a] < s.boundary && v[a] < 0) || (idx[a] > high && v[a] > 0)
		switch {
		case s.wall == Sticky && (idx[a] < s.boundary || idx[a] > high):
			clear(v)
			return
		case into:
			normal := math.Abs(v[a])
			v[a] = 0
			applyFriction(v, s.p.Friction*normal)
		}
	}
}

// applyFriction shrinks the tangential velocity v (its normal component
// already zero) by up to dv: Coulomb friction of normal speed dv / mu.
func applyFriction(v []float64, dv float64) {
	if dv <= 0 {
		return
	}
	speed := 0.0
	for _, c := range v {
		speed += c * c
	}
	speed = math.Sqrt(speed)
	if speed <= dv {
		clear(v)
		return
	}
	scale := 1 - dv/speed
	for a := range v {
		v[a] *= scale
	}
}

// weights returns the quadratic B-spline weights of the three nodes
// base, base+1, base+2 for a particle at fx = x/dx - base in [0.5, 1.5).
// stencilAxis returns, along one axis, the first node of the 3-node
// stencil of a particle at grid coordinate g = x / dx, the particle's
// offset from it in cells and the three B-spline weights.
func stencilAxis(g float64) (base int, frac float64, w [3]float64) {
	base = int(g - 0.5)
	frac = g - float64(base)
	return base, frac, weights(frac)
}

func weights(fx float64) [3]float64 {
	return [3]float64{0.5 * (1.5 - fx) * (1.5 - fx), 0.75 - (fx-1)*(fx-1), 0.5 * (fx - 0.5) * (fx - 0.5)}
}

// clampPosition keeps a coordinate one cell inside the box, where its
// stencil lies on the grid; NaN goes to dx, so that a blown-up particle
// cannot index outside the grid before Run reports it.
func (s *Solver) clampPosition(x float64) float64 {
	switch {
	case !(x >= s.dx):
		return s.dx
	case x > s.p.Length-s.dx:
		return s.p.Length - s.dx
	}
	return x
}

// Simulate runs frames - 1 intervals of substeps steps from st (which it
// advances) and returns the positions at every frame as float32 [N, Dim]
// arrays, frame 0 the initial state. It stops with an error when ctx is
// cancelled or when a particle's velocity becomes non-finite or carries
// it more than one cell in a step (an unstable run).
func Simulate(ctx context.Context, p Params, st *State, frames, substeps int) ([][]float32, error) {
	s, err := New(p)
	if err != nil {
		return nil, err
	}
	return s.Run(ctx, st, frames, substeps)
}

// Run is Simulate with this solver.
func (s *Solver) Run(ctx context.Context, st *State, frames, substeps int) ([][]float32, error) {
	if frames < 1 || substeps < 1 {
		return nil, fmt.Errorf("mpm: need at least 1 frame and 1 substep per frame, got %d and %d", frames, substeps)
	}
	if err := st.check(s.d, s.dx, s.p.Length-s.dx); err != nil {
		return nil, fmt.Errorf("mpm: initial state: %w", err)
	}
	if err := s.checkSpeeds(st, 0); err != nil {
		return nil, err
	}
	s.Reset()
	out := make([][]float32, 0, frames)
	out = append(out, st.Positions())
	step := 0
	for f := 1; f < frames; f++ {
		for k := 0; k < substeps; k++ {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("mpm: stopped at step %d: %w", step, err)
			}
			s.Step(st)
			step++
		}
		if err := s.checkSpeeds(st, step); err != nil {
			return nil, err
		}
		out = append(out, st.Positions())
	}
	return out, nil
}

// checkSpeeds reports a particle with a non-finite velocity or one that
// moves more than a cell per step.
func (s *Solver) checkSpeeds(st *State, step int) error {
	limit := s.dx / s.p.Dt
	for i := 0; i < st.Len(); i++ {
		v2 := 0.0
		for _, v := range st.V[i*s.d : (i+1)*s.d] {
			v2 += v * v
		}
		if !(math.Sqrt(v2) <= limit) {
			return fmt.Errorf("mpm: unstable at step %d (t = %.4g): particle %d has speed %.4g, above dx / dt = %.4g (reduce dt: the stability limit %.4g assumes speeds up to %.4g)",
				step, float64(step)*s.p.Dt, i, math.Sqrt(v2), limit, s.p.MaxStableDt(), s.p.speedBound())
		}
	}
	return nil
}
