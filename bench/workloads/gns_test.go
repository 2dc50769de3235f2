package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/surrogo/surrogo/geometry"
	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/operators/gns"
	"github.com/surrogo/surrogo/tensor"
)

const torchPython = "/usr/bin/python3"

func writeF32(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for k, x := range v {
		binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(x))
	}
	return os.WriteFile(path, b, 0o644)
}

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]float32, len(b)/4)
	for k := range v {
		v[k] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
	}
	return v, nil
}

// TestTorchGNSAgrees checks that bench/gns_torch.py computes what the GNS
// workloads time: surrogo's initial weights go to PyTorch through a file,
// both take one training step without noise on the 600-particle window
// (both variants of the PyTorch interaction layer), and the edge count,
// the loss before and after the Adam step and every gradient must agree
// to float32 rounding. PyTorch also checks that its positions generator
// reproduces Go's bit for bit. Skipped without /usr/bin/python3 and torch.
func TestTorchGNSAgrees(t *testing.T) {
	if err := exec.Command(torchPython, "-c", "import torch, numpy").Run(); err != nil {
		t.Skipf("no PyTorch at %s: %v", torchPython, err)
	}
	for _, latent := range []int{64, 128} {
		nx, ny := gnsBlocks[600][0], gnsBlocks[600][1]
		n := nx * ny
		cfg := gnsConfig(latent, 0)
		m, err := gns.New[float32](cfg, tensor.NewRNG(3))
		if err != nil {
			t.Fatal(err)
		}
		pos := gnsPositions(nx, ny)
		dir := t.TempDir()
		params := m.Params()
		var flat []float32
		var names []string
		for _, p := range params {
			flat = append(flat, p.Var.Value.Data()...)
			names = append(names, p.Name)
		}
		js, err := json.Marshal(struct {
			gns.Config
			N          int      `json:"n"`
			NX         int      `json:"nx"`
			NY         int      `json:"ny"`
			ParamNames []string `json:"param_names"`
		}{m.Cfg, n, nx, ny, names})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644),
			writeF32(filepath.Join(dir, "positions.f32"), pos), writeF32(filepath.Join(dir, "params.f32"), flat)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		last := make([]float64, n*2)
		for k := range last {
			last[k] = float64(pos[(gnsHistory)*n*2+k])
		}
		g, err := geometry.RadiusGraph(last, 2, geometry.Box{}, cfg.Radius, true)
		if err != nil {
			t.Fatal(err)
		}
		edges := len(g.Senders)
		step := gnsTrainStep(m, nn.NewAdam[float32](1e-4, 0), pos, n, nil)
		loss0, err := step()
		if err != nil {
			t.Fatal(err)
		}
		var grads []float32
		for _, p := range params {
			grads = append(grads, p.Var.Grad.Data()...)
		}
		l1, err := m.Loss(pos, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		loss1 := float64(l1.Value.Item())
		if out, err := exec.Command(torchPython, filepath.Join("..", "gns_torch.py"), "agree", dir).CombinedOutput(); err != nil {
			t.Fatalf("bench/gns_torch.py: %v\n%s", err, out)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "torch.json"))
		if err != nil {
			t.Fatal(err)
		}
		var ref struct {
			SamePositions bool   `json:"same_positions"`
			Torch         string `json:"torch"`
			Concat, Split struct {
				Loss0 float64 `json:"loss0"`
				Loss1 float64 `json:"loss1"`
				Edges int     `json:"edges"`
			}
		}
		if err := json.Unmarshal(raw, &ref); err != nil {
			t.Fatal(err)
		}
		if !ref.SamePositions {
			t.Errorf("latent %d: bench/gns_torch.py's positions differ from gnsPositions", latent)
		}
		for _, v := range []struct {
			name         string
			loss0, loss1 float64
			edges        int
		}{{name: "concat", loss0: ref.Concat.Loss0, loss1: ref.Concat.Loss1, edges: ref.Concat.Edges},
			{name: "split", loss0: ref.Split.Loss0, loss1: ref.Split.Loss1, edges: ref.Split.Edges}} {
			tg, err := readF32(filepath.Join(dir, "grads_"+v.name+".f32"))
			if err != nil {
				t.Fatal(err)
			}
			if len(tg) != len(grads) {
				t.Fatalf("%s: %d gradients from PyTorch, %d from Go", v.name, len(tg), len(grads))
			}
			// Gradients: per tensor, the L2 norm of the difference over
			// the L2 norm of PyTorch's gradient (a pre-activation that
			// rounds to the other side of a ReLU's kink changes single
			// entries more).
			worst, worstName, off := 0.0, "", 0
			for _, p := range params {
				k := p.Var.Value.Len()
				num, den := 0.0, 0.0
				for j := off; j < off+k; j++ {
					d := float64(grads[j]) - float64(tg[j])
					num += d * d
					den += float64(tg[j]) * float64(tg[j])
				}
				if den > 0 && math.Sqrt(num/den) > worst {
					worst, worstName = math.Sqrt(num/den), p.Name
				}
				off += k
			}
			r0, r1 := math.Abs(loss0-v.loss0)/math.Abs(v.loss0), math.Abs(loss1-v.loss1)/math.Abs(v.loss1)
			t.Logf("latent %d, %s (torch %s): %d particles, %d edges (PyTorch %d); loss %.7g vs %.7g (rel %.1e), after Adam %.7g vs %.7g (rel %.1e); gradients rel %.1e (%s)",
				latent, v.name, ref.Torch, n, edges, v.edges, loss0, v.loss0, r0, loss1, v.loss1, r1, worst, worstName)
			if v.edges != edges {
				t.Errorf("latent %d, %s: %d edges in PyTorch, %d in Go", latent, v.name, v.edges, edges)
			}
			if r0 > 1e-5 || r1 > 1e-3 || worst > 1e-3 {
				t.Errorf("latent %d, %s: Go and PyTorch differ: loss %.2g, loss after Adam %.2g, gradients %.2g (relative)", latent, v.name, r0, r1, worst)
			}
		}
	}
}
