package experiments

import (
	"strings"
	"testing"
)

// solverConfigs are minimal configs of the solvers whose parameter errors
// TestSolverErrorsNameTheirKeys maps; PARAMS is replaced by [data.params]
// lines and RESOLUTION by data.resolution.
var solverConfigs = map[string]string{
	"convection": `
name = "convection-keys"
[data]
solver = "convection"
output = "OUT"
train = 1
resolution = RESOLUTION
t_end = 1
snapshots = 5
dt = 0.01
[data.params]
PARAMS
`,
	"navierstokes": `
name = "navierstokes-keys"
[data]
solver = "navierstokes"
output = "OUT"
train = 1
resolution = RESOLUTION
subsample = 2
t_end = 0.2
snapshots = 3
dt = 0.01
[data.params]
PARAMS
`,
	"darcy": `
name = "darcy-keys"
[data]
solver = "darcy"
output = "OUT"
train = 1
resolution = RESOLUTION
[data.params]
PARAMS
`,
}

// TestSolverErrorsNameTheirKeys: the registry relies on each solver's
// Validate and points its ParamError at the config key the parameter
// comes from, at its line, with what was expected and what was found.
func TestSolverErrorsNameTheirKeys(t *testing.T) {
	cases := []struct {
		name, solver, resolution, params string
		want                             []string
	}{
		{"convection negative rho", "convection", "64", "rho = -1.0",
			[]string{"config.toml:12: data.params.rho", "reaction rate must be non-negative, got -1"}},
		{"convection reaction with convection", "convection", "64", "beta = 30.0\nrho = 1.0",
			[]string{"config.toml:13: data.params.rho", "reaction (rho 1) with convection (beta 30)", "set rho or beta to 0"}},
		{"convection negative splitting_dt", "convection", "64", "nu = 0.01\nrho = 1.0\nsplitting_dt = -0.001",
			[]string{"config.toml:14: data.params.splitting_dt", "positive splitting step, got -0.001"}},
		{"convection negative nu", "convection", "64", "nu = -0.1",
			[]string{"config.toml:12: data.params.nu", "viscosity must be non-negative, got -0.1"}},
		{"navierstokes wavenumber", "navierstokes", "32", "forcing = \"kolmogorov\"\nwavenumber = 20",
			[]string{"config.toml:14: data.params.wavenumber", "[1, 10)", "N = 32 points", "got 20"}},
		{"navierstokes drag", "navierstokes", "32", "drag = -1.0",
			[]string{"config.toml:13: data.params.drag", "drag must be >= 0, got -1"}},
		{"navierstokes odd grid", "navierstokes", "31", "nu = 1e-3",
			[]string{"data.resolution", "even grid", "31"}},
		{"navierstokes empty scheme", "navierstokes", "32", `scheme = ""`,
			[]string{"config.toml:13: data.params.scheme", `unknown scheme "" (expected "fno-cn" or "etdrk4")`}},
		{"navierstokes empty forcing", "navierstokes", "32", `forcing = ""`,
			[]string{"config.toml:13: data.params.forcing", `unknown forcing ""`, `"kolmogorov"`}},
		{"darcy two points", "darcy", "2", "low = 4.0",
			[]string{"config.toml:7: data.resolution", "at least 3 nodes per side, got 2"}},
		{"darcy mean", "darcy", "33", `mean = "geometric"`,
			[]string{"config.toml:9: data.params.mean", `unknown face mean "geometric" (expected "arithmetic" or "harmonic")`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(solverConfigs[c.solver], "PARAMS", c.params, 1)
			text = strings.Replace(text, "RESOLUTION", c.resolution, 1)
			_, err := loadText(t, text)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
