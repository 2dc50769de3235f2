//go:build !cgo || purego

package tensor

// gelu32Kernel writes GELU(src) to dst (the Go loop; cgo builds use a
// vectorised C loop with identical results).
func gelu32Kernel(dst, src []float32) { gelu32Run(dst, src) }

// geluBackward32Kernel writes g GELU'(x) to dst.
func geluBackward32Kernel(dst, x, g []float32) { geluBackward32Run(dst, x, g) }

// simdLevel is 0: the Go loops only.
const simdLevel = 0

func gelu32KernelAt(_ int, dst, src []float32) { gelu32Run(dst, src) }

func geluBackward32KernelAt(_ int, dst, x, g []float32) { geluBackward32Run(dst, x, g) }

func addRowsKernel(acc []float64, data []float32, inner int) bool { return false }

func addRowsKernelAt(_ int, acc []float64, data []float32, inner int) { addRowsGo(acc, data, inner) }
