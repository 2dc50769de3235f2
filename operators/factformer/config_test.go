package factformer

import (
	"math"
	"strings"
	"testing"

	"github.com/surrogo/surrogo/nn"
	"github.com/surrogo/surrogo/tensor"
)

// Upstream totals count the frozen B matrices too (PyTorch lists them
// among the parameters with requires_grad=False).
func TestParamCountsMatchUpstream(t *testing.T) {
	cases := []struct {
		name             string
		cfg              Config
		trainable, total float64
	}{
		// configs/ns2d_fact_lm.yml: in_time_window 10, out_dim 1.
		{"FactFormer KF2D", Config{}, 3_463_489, 3_464_001},
		// configs/ns3d_fact_lm.yml: 4 fields, 10 frames, grouped conv embedding.
		{"FactFormer iso-3D", Config{SpatialDim: 3}, 5_093_956 - 4*3*64, 5_093_956},
		// configs/IFactFormer.yml at HEAD (no to_out_1).
		{"IFactFormer-m", Config{Variant: VariantIFactParall}, 1_163_331 - 144, 1_163_331},
		{"IFactFormer-o", Config{Variant: VariantIFactChain}, 1_071_171 - 144, 1_071_171},
	}
	for _, c := range cases {
		got := c.cfg.ParamCount()
		if got != c.trainable || got+c.cfg.FrozenCount() != c.total {
			t.Errorf("%s: %v trainable + %v frozen, upstream has %v + %v", c.name, got, c.cfg.FrozenCount(), c.trainable, c.total-c.trainable)
		}
		t.Logf("%s: %.0f trainable, %.0f with the frozen B", c.name, got, got+c.cfg.FrozenCount())
	}
}

func TestParamCountMatchesBuiltModels(t *testing.T) {
	r := tensor.NewRNG(5)
	for _, c := range []Config{
		{}, // KF2D
		{SpatialDim: 3, Dim: 32, DimHead: 8, Heads: 2},
		{Variant: VariantIFactParall, Dim: 24, DimHead: 6, Heads: 2},
		{Variant: VariantIFactChain, SpatialDim: 2, Dim: 16, DimHead: 4, Heads: 3, Depth: 2, Layers: 3, InFields: 2, InFrames: 4},
		{SpatialDim: 1, Dim: 16, DimHead: 4, Heads: 2, Depth: 1, LatentMultiplier: 1.5, DecoderGroups: 4, Embed: EmbedConv, InFields: 2, InFrames: 3, OutFields: 2},
	} {
		m, err := New[float32](c, r)
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Params()
		if err := nn.CheckNames(ps); err != nil {
			t.Fatal(err)
		}
		if got, want := c.ParamCount(), float64(nn.CountParams(ps)); got != want {
			t.Errorf("%+v: ParamCount %v, the built model has %v", c, got, want)
		}
		if got, want := c.FrozenCount(), float64(nn.CountParams(m.Buffers())); got != want {
			t.Errorf("%+v: FrozenCount %v, the built model has %v", c, got, want)
		}
	}
	// Far too large to build (about 2 axes * 2 * 2^30 * 2^20 * 2^21 per block * 2^20 blocks), and no overflow.
	huge := Config{Dim: 1 << 30, Heads: 1 << 20, DimHead: 1 << 20, Depth: 1 << 20}
	if n := huge.ParamCount(); !(n > 1e27) || math.IsInf(n, 0) {
		t.Errorf("huge config: ParamCount %v", n)
	}
}

func TestBadConfigs(t *testing.T) {
	r := tensor.NewRNG(3)
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Variant: "factformer-x"}, "variant must be"},
		{Config{SpatialDim: 4}, "spatial_dim must be 1, 2 or 3"},
		{Config{Dim: 130}, "multiple of 8"},
		{Config{Dim: 24, LatentMultiplier: 1.25}, "latent width"},
		{Config{DimHead: 3, KernelMultiplier: 1}, "must be even for the rotary"},
		{Config{Heads: -1}, "heads must be at least 1"},
		{Config{Layers: 4}, "applies to the ifactformer variants"},
		{Config{Variant: VariantIFactParall, MaxLatentSteps: 2}, "max_latent_steps applies to variant factformer only"},
		{Config{Variant: VariantIFactChain, LatentMultiplier: 2}, "latent_multiplier applies"},
		{Config{Variant: VariantIFactChain, InFields: 5}, "multiple of in_fields"},
		{Config{Embed: "mlp"}, "embed must be"},
		{Config{OutNorm: "batch"}, "out_norm must be"},
		{Config{Coordinates: "chebyshev"}, "coordinates must be"},
		{Config{Extent: []float64{1}}, "extent must list 2"},
		{Config{Extent: []float64{1, math.NaN()}}, "extent[1]"},
		{Config{RFFSigma: math.Inf(1)}, "rff_sigma"},
		{Config{DecoderGroups: 3}, "decoder_groups must divide"},
	}
	for _, c := range cases {
		_, err := New[float32](c.cfg, r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.cfg, err, c.want)
		}
	}
}

func TestCoordinates(t *testing.T) {
	c := Config{Extent: []float64{2 * math.Pi, 1}}
	pos := c.Coords([]int{5, 4})
	if pos[0][4] != 2*math.Pi || pos[1][3] != 1 || pos[0][1] != math.Pi/2 {
		t.Errorf("endpoint coordinates %v", pos)
	}
	c.Coordinates = CoordsPeriodic
	pos = c.Coords([]int{4, 4})
	if pos[0][3] != 1.5*math.Pi || pos[1][2] != 0.5 || pos[0][0] != 0 {
		t.Errorf("periodic coordinates %v", pos)
	}
}
