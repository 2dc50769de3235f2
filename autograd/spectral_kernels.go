package autograd

// The complex products of the spectral layers' mode mixing, on split
// real/imaginary float64 rows. cgo builds run the same arithmetic as
// vectorised C loops (spectral_cgo.go); these Go loops are the fallback
// and the reference the C ones are tested against, bit for bit.

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

// cmulRowsTN sets acc[i, o] = sum_b x[b, i] g[b, o] for x [n, rows] and
// g [n, cols], accumulating over b in order.
func cmulRowsTN(accR, accI, xr, xi, gr, gi []float64, n, rows, cols int) {
	clear(accR[:rows*cols])
	clear(accI[:rows*cols])
	for b := 0; b < n; b++ {
		rowR, rowI := gr[b*cols:(b+1)*cols], gi[b*cols:(b+1)*cols]
		for i := 0; i < rows; i++ {
			ar, ai := xr[b*rows+i], xi[b*rows+i]
			dR, dI := accR[i*cols:(i+1)*cols], accI[i*cols:(i+1)*cols]
			for o := range rowR {
				dR[o] += ar*rowR[o] - ai*rowI[o]
				dI[o] += ar*rowI[o] + ai*rowR[o]
			}
		}
	}
}
