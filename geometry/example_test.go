package geometry_test

import (
	"fmt"

	"github.com/surrogo/surrogo/geometry"
)

func ExampleRadiusGraph() {
	// Four particles in the periodic unit square; 0 and 3 are neighbours
	// through the seam at x = 0 = 1.
	pos := []float64{
		0.05, 0.5,
		0.25, 0.5,
		0.40, 0.5,
		0.90, 0.5,
	}
	box := geometry.Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}, Periodic: []bool{true, true}}
	g, err := geometry.RadiusGraph(pos, 2, box, 0.2, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, dist, _ := g.Displacements(pos, pos, 2, box)
	for i := range g.NumReceivers() {
		fmt.Printf("%d <- %v\n", i, g.Neighbours(i))
	}
	fmt.Printf("edges %d, |x_0 - x_3| = %.2f\n", g.NumEdges(), dist[g.Offsets[0]+1])
	_, err = geometry.RadiusGraph(pos, 2, box, 0.6, false)
	fmt.Println(err)
	// Output:
	// 0 <- [1 3]
	// 1 <- [0 2]
	// 2 <- [1]
	// 3 <- [0]
	// edges 6, |x_0 - x_3| = 0.15
	// geometry: RadiusGraph: radius r = 0.6 on periodic axis 0 of length 1; want r < half the period (0.5) so that minimum images are unique
}
