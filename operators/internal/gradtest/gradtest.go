// Package gradtest checks a model's parameter gradients against central
// finite differences; the operators' tests share it.
package gradtest

import (
	"math"
	"testing"

	"github.com/surrogo/surrogo/autograd"
	"github.com/surrogo/surrogo/nn"
)

// Check differentiates loss with respect to every parameter and compares
// the first, middle and last entries with (L(p + h) - L(p - h)) / 2h,
// h = 1e-6, within 1e-6 relative.
func Check(t testing.TB, params []nn.Param[float64], loss func() *autograd.Var[float64]) {
	t.Helper()
	vars := make([]*autograd.Var[float64], len(params))
	for i, p := range params {
		vars[i] = p.Var
	}
	grads, err := autograd.Grad([]*autograd.Var[float64]{loss()}, vars, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	at := func() float64 {
		var l float64
		autograd.NoGrad(func() { l = loss().Value.Item() })
		return l
	}
	for i, p := range params {
		d := p.Var.Value.Data()
		for _, j := range []int{0, len(d) / 2, len(d) - 1} {
			old := d[j]
			d[j] = old + 1e-6
			lp := at()
			d[j] = old - 1e-6
			lm := at()
			d[j] = old
			num := (lp - lm) / 2e-6
			if got := grads[i].Value.Data()[j]; math.Abs(got-num) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Fatalf("%s[%d]: gradient %v, finite difference %v", p.Name, j, got, num)
			}
		}
	}
}
