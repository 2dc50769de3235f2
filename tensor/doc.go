// Package tensor is the bottom floor of surrogo's engine: dense row-major
// N-d arrays of float32 or float64 (one generic implementation, type
// parameter T) and the numeric kernels the layers above need.
//
//   - Tensor[T]: contiguous data with a shape; Reshape shares data (and
//     FromSlice wraps the caller's slice), and every operation allocates
//     its result except the few that say they work in place (Set, Fill,
//     CopyFrom, AddInPlace, Axpy, SliceAdd).
//   - CTensor[T]: complex values stored interleaved (re, im) in a []T, so
//     spectra need no second element type.
//   - Elementwise ops with NumPy broadcasting (Add, Mul, ...), unary maths
//     (Exp, Tanh, GELU, ...), reductions (SumAxes, MeanAxes, MaxAxis, SumTo),
//     layout (Permute, Transpose, Slice, Pad, Concat, Stack), Gather and
//     ScatterAdd along an axis (graph message passing), Softmax.
//   - Segments and stencils (segment.go) for graph networks and particle
//     transfers. SegmentSum sums CSR row ranges of an [E, ...] tensor (edges
//     sorted by receiver, offsets of length S+1): out_s = sum_{e in segment
//     s} x_e; RepeatSegments copies row s back to its segment's rows and is
//     its adjoint, <SegmentSum(a), b> = <a, RepeatSegments(b)>. SegmentSum
//     is the parallel fast path of ScatterAdd along axis 0, whose loop is
//     serial. A Stencil is a fixed sparse map with K entries per target
//     row: ApplyStencil gives out_m = sum_k w_mk x_{idx_mk} (interpolation,
//     "sample"), ApplyStencilT its exact transpose, out_n = sum over the
//     entries (m, k) with idx_mk = n of w_mk y_m ("splat"), so
//     <A x, y> = <x, A^T y>. Both are parallel over output rows, each row
//     summed in a fixed order, so results do not depend on the number of
//     workers.
//   - MatMul and batched MatMul through OpenBLAS (cgo, single-threaded,
//     split over surrogo's own workers), or gonum's blas32 / blas64 when
//     built with -tags purego.
//   - RFFTN / IRFFTN over the last 1-3 axes (torch.fft conventions:
//     X_k = sum_j x_j exp(-2 pi i jk/n), inverse scaled by 1/n, half
//     spectrum on the last axis), FFT along any axis, and the orthonormal
//     DCT-II/DCT-III along any axis (DCTMatrix, ApplyAlongAxis), which T1
//     uses; truncated DCT matrices give pruned transforms.
//   - Conv2D: PyTorch's conv2d (cross-correlation, zero padding, integer
//     stride and padding per axis) y[n,o] = sum_c w[o,c] * x[n,c] by
//     im2col and GEMM, and its adjoints Conv2DInputGrad (col2im of W^T dy,
//     a transposed convolution) and Conv2DWeightGrad (sum_n dy_n col_n^T),
//     over fixed batch groups summed in order (worker-independent).
//   - RealFFT, RealFFT2, ComplexFFT: the same FFT on plain []float64 and
//     []complex128 slices, without tensors, for the solvers' inner loops.
//   - Buffer recycling (pool.go): Recycle hands a tensor's buffer back
//     once nothing reads it, Empty takes one of the same length without
//     clearing it (for kernels that write every element), and a Recycler
//     counts references to buffers shared by views so each is recycled
//     once, after its last holder is done. Free buffers are pooled by
//     element type and length, at most 1 GiB, and dropped after 4 idle
//     generations (a Recycler's Flush starts one). SURROGO_POISON=1 fills
//     every Empty and recycled buffer with NaN, which the tests use to
//     catch a kernel that reads what it did not write and a read after
//     recycling.
//   - RNG: xoshiro256** seeded by SplitMix64, normal by Box-Muller; the
//     stream depends only on the seed (NewRNGStream: on seed and stream
//     number), and RNGState saves and restores it for checkpoints.
//
// Kernels split large loops over goroutines with tensor/parallel. The
// arithmetic-bound float32 loops (GELU and its backward, row sums) also
// exist as plain C loops that GCC vectorises, AVX2 chosen at run time
// (simd_cgo.go); they perform the same operations in the same order, so
// results are bit-identical, and -tags purego builds use the Go loops. Shape
// mismatches inside kernels are programmer errors and panic with the
// shapes named; user input is validated on higher floors.
package tensor
