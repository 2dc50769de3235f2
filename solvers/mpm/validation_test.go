package mpm

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The validation studies (dam break, granular column collapse, plasticine
// compression) run a reduced case in every go test and their full study
// (several resolutions, parameters) only with SURROGO_MPM_STUDY=1, which
// takes minutes (examples/paper/mpm-validation.sh). With SURROGO_MPM_CSV
// set to a directory, the studies write their curves there as CSV.

// studyEnabled skips t unless SURROGO_MPM_STUDY=1.
func studyEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv("SURROGO_MPM_STUDY") != "1" {
		t.Skip("set SURROGO_MPM_STUDY=1 to run the MPM validation study (minutes)")
	}
}

// skipLong skips t under -short.
func skipLong(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("long")
	}
}

// writeCSV writes rows under header to SURROGO_MPM_CSV/name when that
// variable names a directory; it does nothing otherwise.
func writeCSV(t *testing.T, name string, header []string, rows [][]float64) {
	t.Helper()
	dir := os.Getenv("SURROGO_MPM_CSV")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = strconv.FormatFloat(v, 'g', 6, 64)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// interpolate returns y(x) on the piecewise-linear curve (xs, ys), xs
// increasing, and false outside it.
func interpolate(xs, ys []float64, x float64) (float64, bool) {
	if len(xs) == 0 || x < xs[0] || x > xs[len(xs)-1] {
		return 0, false
	}
	for i := 1; i < len(xs); i++ {
		if x <= xs[i] {
			w := (x - xs[i-1]) / (xs[i] - xs[i-1])
			return ys[i-1] + w*(ys[i]-ys[i-1]), true
		}
	}
	return ys[len(ys)-1], true
}

// fmtFloats formats values with the given verb, space-separated.
func fmtFloats(format string, v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf(format, x)
	}
	return s
}

// maxSpeed returns the largest particle speed of st.
func maxSpeed(st *State) float64 {
	d, top := st.Dim, 0.0
	for i := 0; i < st.Len(); i++ {
		v2 := 0.0
		for _, v := range st.V[i*d : (i+1)*d] {
			v2 += v * v
		}
		top = math.Max(top, v2)
	}
	return math.Sqrt(top)
}
