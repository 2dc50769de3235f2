// Command reconsweep measures GIOROM's untrained reconstruction
// interpolant against inverse-distance interpolation over a range of
// reconstruction grids, on the trajectories of a particle data file (the
// numbers behind docs/VALIDATION.md's grid remark): every particle is
// reconstructed from four random subsets of the stored positions of each
// trajectory, on every tenth frame from frame 6, and the relative L2 of
// the displacement from the first frame is printed per trajectory and
// pooled over the trajectories.
//
//	go run ./bench/reconsweep -data runs/gns-water-cpu/data/data.h5 -s 0.05 -grids 14,20,28
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"strconv"
	"strings"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/operators/giorom"
	"github.com/surrogo/surrogo/tensor"
)

func main() {
	path := flag.String("data", "runs/gns-water-cpu/data/data.h5", "particle data file (12 training, then test trajectories)")
	sampling := flag.Float64("s", 0.05, "fraction of the particles kept")
	grids := flag.String("grids", "14,20,28", "reconstruction grid sizes, comma-separated")
	train := flag.Int("train", 12, "training trajectories (the first ones)")
	onTrain := flag.Bool("on-train", false, "judge on the training trajectories instead of the test ones")
	seed := flag.Uint64("seed", 7, "seed of the subsets")
	flag.Parse()
	trs, lo, hi, err := readTrajectories(*path, *train, *onTrain)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range strings.Split(*grids, ",") {
		n, err := strconv.Atoi(g)
		if err != nil {
			log.Fatalf("grid %q: %v", g, err)
		}
		if err := sweep(trs, lo, hi, *sampling, n, *seed); err != nil {
			log.Fatal(err)
		}
	}
}

// judged is a trajectory and its index in the file.
type judged struct {
	tr *datasets.ParticleTrajectory
	k  int
}

// readTrajectories reads the trajectories to judge and the box the
// training ones occupy (as the pipeline's fitParticles).
func readTrajectories(path string, train int, onTrain bool) ([]judged, []float64, []float64, error) {
	f, err := datasets.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	total, err := datasets.TrajectoryCount(f)
	if err != nil {
		return nil, nil, nil, err
	}
	lo, hi := []float64{math.Inf(1), math.Inf(1)}, []float64{math.Inf(-1), math.Inf(-1)}
	var out []judged
	for k := range total {
		tr, err := datasets.ReadTrajectory(f, k)
		if err != nil {
			return nil, nil, nil, err
		}
		if tr.Dim != 2 {
			return nil, nil, nil, fmt.Errorf("%s: trajectory %d is %d-D; the sweep is 2-D", path, k, tr.Dim)
		}
		if k < train {
			for i, x := range tr.Positions {
				lo[i%2], hi[i%2] = math.Min(lo[i%2], float64(x)), math.Max(hi[i%2], float64(x))
			}
		}
		if (k < train) == onTrain {
			out = append(out, judged{tr, k})
		}
	}
	return out, lo, hi, nil
}

// sweep prints the interpolant's and inverse distance's errors at one
// grid size.
func sweep(trs []judged, lo, hi []float64, sampling float64, grid int, seed uint64) error {
	one := []float64{1, 1}
	cfg := giorom.Config{Dim: 2, Radius: 0.02 / math.Sqrt(sampling), Latent: 8, InteractionLayers: 1, GridNodes: 4, Sampling: sampling,
		BoxLo: lo, BoxHi: hi, Recon: true, ReconGrid: grid, AttentionWidth: 8, KernelHidden: 8, ReconHidden: 8, AttentionLayers: 1,
		Stats: giorom.Stats{VelMean: []float64{0, 0}, VelStd: one, AccMean: []float64{0, 0}, AccStd: one}}
	m, err := giorom.New[float32](cfg, tensor.NewRNG(1))
	if err != nil {
		return err
	}
	var pooled [3]float64 // interpolant, inverse distance, displacement
	for _, j := range trs {
		var e [3]float64
		if err := judge(m, j, seed, &e); err != nil {
			return err
		}
		fmt.Printf("  trajectory %d (%d particles): interpolant %.4f, inverse distance %.4f\n", j.k, j.tr.Particles, math.Sqrt(e[0]/e[2]), math.Sqrt(e[1]/e[2]))
		for i := range e {
			pooled[i] += e[i]
		}
	}
	fmt.Printf("sampling %.2f, grid %d: interpolant %.4f, inverse distance %.4f (pooled)\n", sampling, grid,
		math.Sqrt(pooled[0]/pooled[2]), math.Sqrt(pooled[1]/pooled[2]))
	return nil
}

// judge adds one trajectory's squared errors (mean over particles and
// coordinates, summed over frames and subsets) and squared displacements.
func judge(m *giorom.Model[float32], j judged, seed uint64, e *[3]float64) error {
	tr, full := j.tr, j.tr.Particles*2
	ref := tr.Positions[:full]
	for draw := range 4 {
		idx := m.SampleIndices(tr.Particles, tensor.NewRNGStream(seed, 1<<35+uint64(4*j.k+draw)))
		for t := 6; t < tr.Frames; t += 10 {
			frame := tr.Positions[t*full : (t+1)*full]
			cur := make([]float32, 0, 2*len(idx))
			for _, i := range idx {
				cur = append(cur, frame[2*i], frame[2*i+1])
			}
			interp, err := m.Interpolate(ref, tr.Particles, idx, cur)
			if err != nil {
				return err
			}
			idw, err := giorom.InverseDistanceReconstruct(ref, tr.Particles, 2, idx, cur)
			if err != nil {
				return err
			}
			e[0] += meanSquare(interp, frame)
			e[1] += meanSquare(idw, frame)
			e[2] += meanSquare(frame, ref)
		}
	}
	return nil
}

func meanSquare(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s / float64(len(a))
}
