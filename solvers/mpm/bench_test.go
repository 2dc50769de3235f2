package mpm

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// damBreak returns a block of material (0.4 wide, 0.6 high, 0.4 deep in
// 3-D) in the corner of the unit box under gravity, slip walls.
func damBreak(dim, cells int, m Material) Params {
	var centre, half [3]float64
	lo := float64(3) / float64(cells)
	for a := 0; a < dim; a++ {
		half[a] = 0.2
		centre[a] = lo + 0.2
	}
	half[dim-1] = 0.3
	centre[dim-1] = lo + 0.3
	g := make([]float64, dim)
	g[dim-1] = -9.8
	p := Params{Dim: dim, Cells: cells, Length: 1, Gravity: g, Material: m,
		Scene: Scene{Bodies: []Body{{Parts: []Part{{Shape: Box, Center: centre, Half: half}}}}}}
	p.Dt = p.MaxStableDt()
	return p
}

func benchmarkStep(b *testing.B, dim, cells int, m Material) {
	p := damBreak(dim, cells, m)
	st, err := p.Sample(0, 0)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(p)
	if err != nil {
		b.Fatal(err)
	}
	for k := 0; k < 20; k++ { // let the block start to move
		s.Step(st)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		s.Step(st)
	}
	work := float64(st.Len()) * float64(b.N)
	b.ReportMetric(work/b.Elapsed().Seconds(), "particle-steps/s")
	// CPU time, less sensitive to a loaded machine than wall time.
	b.ReportMetric(work/(cpuTime()-cpu).Seconds(), "particle-steps/cpu-s")
	b.ReportMetric(float64(st.Len()), "particles")
}

var water = Material{Kind: Fluid, Bulk: 1e4, Rho: 1000}
var jelly = Material{Kind: Corotated, E: 1e5, Nu: 0.3, Rho: 1000}
var sand = Material{Kind: Sand, E: 1e5, Nu: 0.3, Rho: 1000, FrictionAngle: 30}

// 2-D: 128^2 cells, 15.7k particles; 3-D: 32^3 cells, 25.7k particles.
func BenchmarkStep2DWater(b *testing.B) { benchmarkStep(b, 2, 128, water) }
func BenchmarkStep2DJelly(b *testing.B) { benchmarkStep(b, 2, 128, jelly) }
func BenchmarkStep2DSand(b *testing.B)  { benchmarkStep(b, 2, 128, sand) }
func BenchmarkStep3DWater(b *testing.B) { benchmarkStep(b, 3, 32, water) }
func BenchmarkStep3DJelly(b *testing.B) { benchmarkStep(b, 3, 32, jelly) }
func BenchmarkStep3DSand(b *testing.B)  { benchmarkStep(b, 3, 32, sand) }
