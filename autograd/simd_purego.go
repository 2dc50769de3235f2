//go:build !cgo || purego

package autograd

// simdLevel is 0: the Go loop only.
const simdLevel = 0

func cmulRowsKernel(accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	cmulRows(accR, accI, xr, xi, mr, mi, rows, inner, cols)
}

func cmulRowsAt(_ int, accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	cmulRows(accR, accI, xr, xi, mr, mi, rows, inner, cols)
}
