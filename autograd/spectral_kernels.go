package autograd

// The complex product of the spectral layers' mode mixing and of its
// weight gradient, on split real/imaginary float64 rows. cgo builds run the
// same arithmetic as a vectorised C loop (simd_cgo.go); this Go loop is the
// fallback and the reference the C one is tested against, bit for bit.

// cmulRows sets acc[r, o] = sum_i x[r, i] m[i, o] for x [rows, inner] and
// m [inner, cols], accumulating over i in order.
func cmulRows(accR, accI, xr, xi, mr, mi []float64, rows, inner, cols int) {
	clear(accR[:rows*cols])
	clear(accI[:rows*cols])
	for r := 0; r < rows; r++ {
		dR, dI := accR[r*cols:(r+1)*cols], accI[r*cols:(r+1)*cols]
		for i := 0; i < inner; i++ {
			ar, ai := xr[r*inner+i], xi[r*inner+i]
			rowR, rowI := mr[i*cols:(i+1)*cols], mi[i*cols:(i+1)*cols]
			for o := range dR {
				dR[o] += ar*rowR[o] - ai*rowI[o]
				dI[o] += ar*rowI[o] + ai*rowR[o]
			}
		}
	}
}
