//go:build !cgo || purego

package autograd

func cmulRowsKernel(accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	cmulRows(accR, accI, xr, xi, mr, mi, rows, inner, cols)
}

func cmulRowsTNKernel(accR, accI, xr, xi, gr, gi []float64, n, rows, cols int) {
	cmulRowsTN(accR, accI, xr, xi, gr, gi, n, rows, cols)
}

const simdLevel = 0

func cmulRowsAt(_ int, accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	cmulRows(accR, accI, xr, xi, mr, mi, rows, inner, cols)
}

func cmulRowsTNAt(_ int, accR, accI, xr, xi, gr, gi []float64, n, rows, cols int) {
	cmulRowsTN(accR, accI, xr, xi, gr, gi, n, rows, cols)
}
