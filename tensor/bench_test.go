package tensor

import "testing"

// Benchmarks for the performance issue's starting point (go test -bench .).

// benchGEMM times MatMul(x, y) and reports its rate in GFLOP/s
// (2 m k n floating-point operations per product).
func benchGEMM(b *testing.B, x, y *Tensor[float32], transY bool, flops float64) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		MatMul(x, y, false, transY)
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul256Float32(b *testing.B) {
	r := NewRNG(1)
	x, y := RandN[float32](r, 256, 256), RandN[float32](r, 256, 256)
	benchGEMM(b, x, y, false, 2*256*256*256)
}

func BenchmarkMatMul1024Float32(b *testing.B) {
	r := NewRNG(1)
	x, y := RandN[float32](r, 1024, 1024), RandN[float32](r, 1024, 1024)
	benchGEMM(b, x, y, false, 2*1024*1024*1024)
}

func BenchmarkMatMulBatchedFloat32(b *testing.B) {
	// FNO-2D pointwise layer: [8*64*64, 32] @ [32, 32].
	r := NewRNG(1)
	x, w := RandN[float32](r, 8, 4096, 32), RandN[float32](r, 32, 32)
	benchGEMM(b, x, w, true, 2*8*4096*32*32)
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

// BenchmarkRealFFT2 is the solvers' 2-D transform pair (forward and
// inverse) at 256^2.
func BenchmarkRealFFT2(b *testing.B) {
	const n = 256
	f := NewRealFFT2(n, n)
	x := RandN[float64](NewRNG(1), n, n).Data()
	X := make([]complex128, n*(n/2+1))
	for i := 0; i < b.N; i++ {
		f.Forward(X, x)
		f.Inverse(x, X)
	}
}

// BenchmarkComplexFFT1024 is one complex transform of length 1024.
func BenchmarkComplexFFT1024(b *testing.B) {
	p := planFor(1024)
	x := make([]complex128, 1024)
	out := make([]complex128, 1024)
	for i := range x {
		x[i] = complex(float64(i%7), float64(i%5))
	}
	for i := 0; i < b.N; i++ {
		p.transform(out, x, false)
	}
}
