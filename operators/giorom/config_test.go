package giorom

import (
	"math"
	"strings"
	"testing"
)

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		dim, grid, recon int
	}{{2, 32, 32}, {3, 16, 16}} {
		cfg := Config{Dim: tc.dim, Radius: 0.05, BoxLo: make([]float64, tc.dim), BoxHi: tinyConfig(tc.dim).BoxHi, Stats: unitStats(tc.dim)}.WithDefaults()
		if cfg.History != 5 || cfg.Latent != 128 || cfg.InteractionLayers != 2 || cfg.GridNodes != tc.grid ||
			cfg.KernelHidden != 64 || cfg.AttentionLayers != 2 || cfg.AttentionWidth != 128 || cfg.Sampling != 0.25 ||
			cfg.ReconGrid != tc.recon || cfg.ReconSamples != 8 || cfg.PELevels != 3 || cfg.ReconHidden != 64 {
			t.Errorf("%d-D defaults: %+v", tc.dim, cfg)
		}
		if want := 2.0 / float64(tc.grid-1); math.Abs(cfg.GNORadius-want) > 1e-15 {
			t.Errorf("%d-D default gno_radius %v, want 2 spacings %v", tc.dim, cfg.GNORadius, want)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%d-D defaults invalid: %v", tc.dim, err)
		}
	}
}

func TestBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"dim", func(c *Config) { c.Dim = 4 }},
		{"history", func(c *Config) { c.History = -1 }},
		{"latent", func(c *Config) { c.Latent = -2 }},
		{"kernel_hidden", func(c *Config) { c.KernelHidden = -1 }},
		{"attention_width", func(c *Config) { c.AttentionWidth = -1 }},
		{"grid_nodes", func(c *Config) { c.GridNodes = 1 }},
		{"recon_grid", func(c *Config) { c.ReconGrid = 1 }},
		{"radius", func(c *Config) { c.Radius = 0 }},
		{"radius", func(c *Config) { c.Radius = math.Inf(1) }},
		{"sampling", func(c *Config) { c.Sampling = 1.5 }},
		{"sampling", func(c *Config) { c.Sampling = -0.1 }},
		{"noise_std", func(c *Config) { c.NoiseStd = -1 }},
		{"gno_radius", func(c *Config) { c.GNORadius = -1 }},
		{"gno_radius", func(c *Config) { c.GNORadius = 0.2 }}, // half the cell diagonal of a 4-node grid is 0.236
		{"box_lo", func(c *Config) { c.BoxLo = []float64{0} }},
		{"box axis 1", func(c *Config) { c.BoxHi = []float64{1, 0} }},
		{"pe_levels", func(c *Config) { c.PELevels = -1 }},
		{"stats.acc_std", func(c *Config) { c.Stats.AccStd = []float64{1, -1} }},
	} {
		cfg := tinyConfig(2)
		tc.edit(&cfg)
		_, err := New[float32](cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got error %v", tc.field, err)
		}
	}
	cfg := tinyConfig(2)
	cfg.GNORadius = math.Sqrt(2) / 3 / 2 * 1.0000001
	if err := cfg.WithDefaults().Validate(); err != nil {
		t.Errorf("gno_radius at half the cell diagonal refused: %v", err)
	}
}
