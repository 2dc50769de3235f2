package mesh_test

import (
	"fmt"
	"math"

	"github.com/surrogo/surrogo/mesh"
)

// A mesh mover's output checked the way DMM papers judge it: move a 9 x 9
// mesh, confirm it is untangled and its boundary intact, and measure its
// cells and the equidistribution of a monitor.
func Example() {
	ref, _ := mesh.StructuredQuad(9, 9)
	nodes := make([]float64, len(ref.Nodes))
	for i := 0; i < len(nodes); i += 2 {
		x, y := ref.Nodes[i], ref.Nodes[i+1]
		nodes[i] = x + 0.05*math.Sin(math.Pi*x)*math.Sin(2*math.Pi*y)
		nodes[i+1] = y
	}
	moved, _ := ref.WithNodes(nodes)

	areas, _ := moved.Areas()
	total := 0.0
	for _, a := range areas {
		total += a
	}
	drift, _, _ := mesh.BoundaryDrift(ref, moved)
	fmt.Printf("cells %d, total area %.12f, untangled %v, boundary drift %g\n",
		moved.NumCells(), total, moved.CheckUntangled() == nil, drift)

	// Monitor 1 + 4x at the cell centres.
	centres, _ := moved.Centroids()
	monitor := make([]float64, moved.NumCells())
	for c := range monitor {
		monitor[c] = 1 + 4*centres[2*c]
	}
	eq, _ := moved.Equidistribution(monitor)
	fmt.Printf("m*A: CV %.3f, range %.4f\n", eq.CV, eq.Range)

	g, _ := moved.KNNGraph(4)
	fmt.Printf("kNN graph: %d edges into node 40, from %v\n", len(g.Neighbours(40)), g.Neighbours(40))
	// Output:
	// cells 64, total area 1.000000000000, untangled true, boundary drift 0
	// m*A: CV 0.389, range 0.0668
	// kNN graph: 4 edges into node 40, from [31 39 41 49]
}
