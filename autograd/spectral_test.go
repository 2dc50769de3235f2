package autograd

import (
	"errors"
	"math/cmplx"
	"testing"

	"github.com/surrogo/surrogo/tensor"
)

// TestSpectralConvMatchesDefinition checks the forward pass against its
// definition in the frequency domain: rfftn(y) must equal the weighted sum
// of the input's modes on the two kept corner blocks, zero elsewhere, up to
// the projection irfftn makes on the zero-frequency column (it keeps the
// Hermitian part (Z[k] + conj(Z[-k])) / 2 there, as torch.fft.irfftn).
func TestSpectralConvMatchesDefinition(t *testing.T) {
	r := tensor.NewRNG(11)
	const B, Cin, Cout, n1, n2, m1, m2 = 2, 3, 2, 8, 7, 2, 3
	x := tensor.RandN[float64](r, B, Cin, n1, n2)
	w := tensor.RandN[float64](r, 2, Cin, Cout, m1, m2, 2)
	y := SpectralConv(Const(x), Const(w), []int{m1, m2})
	Y := tensor.RFFTN(y.Value, 2)
	X := tensor.RFFTN(x, 2)
	h := n2/2 + 1
	mixed := func(b, o, k1, k2 int) complex128 {
		blk, a := -1, 0
		switch {
		case k1 < m1:
			blk, a = 0, k1
		case k1 >= n1-m1:
			blk, a = 1, k1-(n1-m1)
		}
		var z complex128
		if blk < 0 || k2 >= m2 {
			return 0
		}
		for i := 0; i < Cin; i++ {
			q := 2 * ((((blk*Cin+i)*Cout+o)*m1+a)*m2 + k2)
			z += X.At(((b*Cin+i)*n1+k1)*h+k2) * complex(w.Data()[q], w.Data()[q+1])
		}
		return z
	}
	for b := 0; b < B; b++ {
		for o := 0; o < Cout; o++ {
			for k1 := 0; k1 < n1; k1++ {
				for k2 := 0; k2 < h; k2++ {
					want := mixed(b, o, k1, k2)
					if k2 == 0 {
						want = (want + cmplx.Conj(mixed(b, o, (n1-k1)%n1, 0))) / 2
					}
					got := Y.At(((b*Cout+o)*n1+k1)*h + k2)
					if cmplx.Abs(got-want) > 1e-10 {
						t.Fatalf("b %d o %d bin (%d,%d): %v, want %v", b, o, k1, k2, got, want)
					}
				}
			}
		}
	}
}

func TestSpectralConvGradients(t *testing.T) {
	r := tensor.NewRNG(12)
	cases := []struct {
		name  string
		x, w  []int
		modes []int
	}{
		{"1d", []int{2, 3, 10}, []int{1, 3, 2, 4, 2}, []int{4}},
		{"1d nyquist kept", []int{1, 2, 8}, []int{1, 2, 2, 5, 2}, []int{5}},
		{"2d", []int{2, 2, 8, 6}, []int{2, 2, 3, 2, 3, 2}, []int{2, 3}},
		{"2d odd", []int{1, 2, 7, 9}, []int{2, 2, 2, 3, 2, 2}, []int{3, 2}},
		{"3d", []int{1, 2, 6, 4, 6}, []int{4, 2, 2, 2, 2, 3, 2}, []int{2, 2, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.RandN[float64](r, c.x...)
			w := tensor.RandN[float64](r, c.w...)
			f := func(v []*Var[float64]) *Var[float64] { return SpectralConv(v[0], v[1], c.modes) }
			checkGrad(t, f, []*tensor.Tensor[float64]{x, w}, false)
		})
	}
}

func TestSpectralConvIsFirstOrder(t *testing.T) {
	r := tensor.NewRNG(13)
	x := Param(tensor.RandN[float64](r, 1, 1, 8))
	w := Param(tensor.RandN[float64](r, 1, 1, 1, 3, 2))
	_, err := Grad([]*Var[float64]{Sum(Square(SpectralConv(x, w, []int{3})))}, []*Var[float64]{x}, nil, true)
	if !errors.Is(err, ErrFirstOrder) {
		t.Fatalf("createGraph through SpectralConv: %v", err)
	}
}

// TestComplexRowKernels: the mode-mixing product the build uses
// (vectorised C under cgo, every level the CPU has) equals the Go loop bit
// for bit, for sizes that are not multiples of a vector.
func TestComplexRowKernels(t *testing.T) {
	r := tensor.NewRNG(21)
	rnd := func(n int) []float64 { return tensor.RandN[float64](r, n).Data() }
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {8, 32, 32}, {20, 64, 64}, {2, 9, 33}, {32, 8, 32}} {
		rows, inner, cols := sz[0], sz[1], sz[2]
		xr, xi, mr, mi := rnd(rows*inner), rnd(rows*inner), rnd(inner*cols), rnd(inner*cols)
		wantR, wantI := make([]float64, rows*cols), make([]float64, rows*cols)
		cmulRows(wantR, wantI, xr, xi, mr, mi, rows, inner, cols)
		for level := 0; level <= simdLevel; level++ {
			gotR, gotI := make([]float64, rows*cols), make([]float64, rows*cols)
			cmulRowsAt(level, gotR, gotI, xr, xi, mr, mi, rows, inner, cols)
			for k := range wantR {
				if gotR[k] != wantR[k] || gotI[k] != wantI[k] {
					t.Fatalf("level %d %v: product %d = %g%+gi, want %g%+gi", level, sz, k, gotR[k], gotI[k], wantR[k], wantI[k])
				}
			}
		}
	}
	// The sums themselves: one entry by hand.
	accR, accI := make([]float64, 1), make([]float64, 1)
	cmulRowsKernel(accR, accI, []float64{1, 2}, []float64{3, 4}, []float64{5, 6}, []float64{7, 8}, 1, 2, 1)
	if accR[0] != (1*5-3*7)+(2*6-4*8) || accI[0] != (1*7+3*5)+(2*8+4*6) {
		t.Fatalf("(1+3i)(5+7i) + (2+4i)(6+8i) = %g%+gi", accR[0], accI[0])
	}
}
