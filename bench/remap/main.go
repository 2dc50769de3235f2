// Command remap measures what re-moving the mesh every step costs an
// MM-PDE rollout by itself: a rollout (mesh/mmpde.Rollout, the pipeline's
// code path) whose network step is the identity (its decoder zeroed), so
// the field changes only through sampling it at each step's nodes and
// interpolating it back to the stored grid. On the uniform mesh only the
// first round trip loses anything; on meshes moved to each field every
// step loses again. It prints, for the moved and the uniform mesh, the
// relative L2 against the starting field after each step, averaged over
// the last -test samples of a burgers2d data file (the periodic grid of
// surrogo's solver).
//
//	go run ./bench/remap -data runs/mmpde-burgers2d/data/data.h5 -test 8 -frame 4 -steps 10 -n 24 -beta 2
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"

	"github.com/surrogo/surrogo/datasets"
	"github.com/surrogo/surrogo/mesh"
	"github.com/surrogo/surrogo/mesh/mmpde"
	"github.com/surrogo/surrogo/mesh/monge"
	"github.com/surrogo/surrogo/tensor"
)

func main() {
	path := flag.String("data", "runs/mmpde-burgers2d/data/data.h5", "burgers2d data file (tensor layout, periodic grid)")
	test := flag.Int("test", 8, "judge the last this many samples")
	frame := flag.Int("frame", 4, "the stored frame each rollout starts from")
	steps := flag.Int("steps", 10, "steps of the identity rollout")
	n := flag.Int("n", 24, "mesh nodes per axis")
	beta := flag.Float64("beta", 2, "gradient monitor weight of the moved meshes")
	flag.Parse()
	fields, fn, err := readFrames(*path, *test, *frame)
	if err != nil {
		log.Fatal(err)
	}
	model, err := identityModel(*n)
	if err != nil {
		log.Fatal(err)
	}
	uniform, err := mmpde.Uniform(*n)
	if err != nil {
		log.Fatal(err)
	}
	fallbacks := 0
	moved := func(ctx context.Context, coarse []float64) (*mesh.Mesh, error) {
		mon, err := monge.GradientMonitor(coarse, *n, *beta)
		if err != nil {
			return nil, err
		}
		res, err := monge.Move(ctx, *n, mon, monge.Options{Method: monge.Relaxation, Tol: 1e-6})
		if err != nil {
			fallbacks++
			return uniform(ctx, coarse)
		}
		return res.Mesh, nil
	}
	fmt.Printf("relative L2 against the starting field after k identity steps (%d fields, frame %d, %d x %d nodes, beta %g)\n", len(fields), *frame, *n, *n, *beta)
	fmt.Println("| mesh | " + header(*steps) + " |")
	for _, c := range []struct {
		name string
		move mmpde.Mover
	}{{"moved", moved}, {"uniform", uniform}} {
		mean := make([]float64, *steps)
		for _, f := range fields {
			out, _, _, err := model.Rollout(context.Background(), c.move, f, fn, *steps, true)
			if err != nil {
				log.Fatal(err)
			}
			for k, s := range out {
				mean[k] += relL2(s.Fine, f, fn) / float64(len(fields))
			}
		}
		fmt.Printf("| %s |", c.name)
		for _, v := range mean {
			fmt.Printf(" %.4f |", v)
		}
		fmt.Println()
	}
	if fallbacks > 0 {
		fmt.Printf("the classical mover failed %d times; those steps used the uniform mesh\n", fallbacks)
	}
}

// identityModel is an MM-PDE network whose step returns its input: every
// decoder parameter is zero, so the increment is.
func identityModel(n int) (*mmpde.Model[float64], error) {
	m, err := mmpde.New[float64](mmpde.Config{MeshNodes: n, Stats: mmpde.Stats{Std: 1, IncStd: 1}}, tensor.NewRNG(1))
	if err != nil {
		return nil, err
	}
	for _, p := range m.Decoder.Params() {
		clear(p.Var.Value.Data())
	}
	return m, nil
}

// readFrames reads frame t of the last test samples as fields on the
// periodic node grid (copies at x = 1 and y = 1 appended).
func readFrames(path string, test, t int) ([][]float64, int, error) {
	f, err := datasets.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	u, shape, err := datasets.Read[float32](f.Group, "tensor")
	if err != nil {
		return nil, 0, err
	}
	if len(shape) != 4 || shape[2] != shape[3] || t < 0 || t >= shape[1] || test < 1 || test > shape[0] {
		return nil, 0, fmt.Errorf("%s: tensor %v; want [samples, frames, n, n] with frame %d and %d test samples", path, shape, t, test)
	}
	g := shape[2]
	var out [][]float64
	for s := shape[0] - test; s < shape[0]; s++ {
		fr := u[(s*shape[1]+t)*g*g : (s*shape[1]+t+1)*g*g]
		node := make([]float64, (g+1)*(g+1))
		for i := 0; i <= g; i++ {
			for j := 0; j <= g; j++ {
				node[i*(g+1)+j] = float64(fr[(i%g)*g+j%g])
			}
		}
		out = append(out, node)
	}
	return out, g + 1, nil
}

// relL2 is |a - b| / |b| over the stored points (the copies left out).
func relL2(a, b []float64, fn int) float64 {
	var num, den float64
	for i := range fn - 1 {
		for j := range fn - 1 {
			k := i*fn + j
			num += (a[k] - b[k]) * (a[k] - b[k])
			den += b[k] * b[k]
		}
	}
	return math.Sqrt(num / den)
}

func header(steps int) string {
	s := ""
	for k := 1; k <= steps; k++ {
		if k > 1 {
			s += " | "
		}
		s += fmt.Sprintf("k = %d", k)
	}
	return s
}
