package tensor

import "testing"

// Benchmarks for the performance issue's starting point (go test -bench .).

func BenchmarkMatMul256Float32(b *testing.B) {
	r := NewRNG(1)
	x, y := RandN[float32](r, 256, 256), RandN[float32](r, 256, 256)
	b.SetBytes(2 * 256 * 256 * 256) // reported MB/s = MFLOP/s
	for i := 0; i < b.N; i++ {
		MatMul(x, y, false, false)
	}
}

func BenchmarkMatMulBatchedFloat32(b *testing.B) {
	// FNO-2D pointwise layer: [8*64*64, 32] @ [32, 32].
	r := NewRNG(1)
	x, w := RandN[float32](r, 8, 4096, 32), RandN[float32](r, 32, 32)
	b.SetBytes(2 * 8 * 4096 * 32 * 32)
	for i := 0; i < b.N; i++ {
		MatMul(x, w, false, true)
	}
}

func BenchmarkRFFT2Float32(b *testing.B) {
	// FNO-2D: batch 8, width 32, 64 x 64.
	r := NewRNG(1)
	x := RandN[float32](r, 8, 32, 64, 64)
	for i := 0; i < b.N; i++ {
		RFFTN(x, 2)
	}
}

func BenchmarkIRFFT2Float32(b *testing.B) {
	r := NewRNG(1)
	X := RFFTN(RandN[float32](r, 8, 32, 64, 64), 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		IRFFTN(X, 2, 64)
	}
}
