//go:build !cgo || purego

package tensor

// radix4RowsBlock does the fused radix-4 stage of size 2 size on the
// block of rows from start, columns lo..hi-1 of the [n][h] array X (the
// Go loop; cgo builds run a vectorised C copy with identical results).
func radix4RowsBlock(X []complex128, h, lo, hi, start, size int, w []complex128, sign float64) {
	radix4RowsBlockGo(X, h, lo, hi, start, size, w, sign)
}

func radix4RowsBlockAt(_ int, X []complex128, h, lo, hi, start, size int, w []complex128, sign float64) {
	radix4RowsBlockGo(X, h, lo, hi, start, size, w, sign)
}
