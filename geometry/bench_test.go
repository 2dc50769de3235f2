package geometry

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchPoints returns n uniform points in the unit square and the radius
// that gives each about 20 neighbours.
func benchPoints(n int) ([]float64, float64) {
	rng := rand.New(rand.NewPCG(17, 0))
	pos := make([]float64, 2*n)
	for i := range pos {
		pos[i] = rng.Float64()
	}
	return pos, math.Sqrt(20 / (math.Pi * float64(n)))
}

func BenchmarkRadiusGraph(b *testing.B) {
	box := Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}}
	for _, n := range []int{10_000, 100_000} {
		pos, r := benchPoints(n)
		b.Run(fmt.Sprintf("2d/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := RadiusGraph(pos, 2, box, r, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
		})
	}
}

// BenchmarkRadiusGraphBruteForce is the all-pairs baseline for n = 10k.
func BenchmarkRadiusGraphBruteForce(b *testing.B) {
	n := 10_000
	pos, r := benchPoints(n)
	for b.Loop() {
		bruteRadius(pos, pos, 2, Box{}, r, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
}

func BenchmarkKNN(b *testing.B) {
	n := 100_000
	pos, _ := benchPoints(n)
	for b.Loop() {
		if _, _, err := KNN(pos, pos, 2, Box{}, 16); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
}
