// Package geometry holds the point-set geometry that particle models (GNS,
// GIOROM) and mesh movers share: radius graphs, k-nearest neighbours,
// Chamfer distances, multilinear grid stencils and inverse-distance
// interpolation, in 2-D and 3-D, on float64 points stored flat (point i at
// pos[i*dim:(i+1)*dim]). It imports only the standard library and
// tensor/parallel.
//
// # Domains and minimum images
//
// A Box bounds each axis by [Lo, Hi]; an axis may be periodic with period
// L = Hi - Lo. The displacement between x_i and x_j along a periodic axis
// is the minimum image
//
//	d = (x_i - x_j) - L round((x_i - x_j) / L),   |d| <= L/2,
//
// so positions on a periodic axis may be given unwrapped. A radius search
// requires r < L/2 on every periodic axis, which makes the image within r
// unique. Distances are Euclidean in the minimum images; "within r" means
// sum_a d_a^2 <= r^2 evaluated in float64, so pairs exactly at distance r
// are included. Points must lie in [Lo, Hi] on the axes that do not wrap;
// the zero Box is unbounded.
//
// # Cell lists
//
// Searches bin the (source) points once into a regular grid of cells by a
// stable counting sort (count per cell, prefix sum, place), so each cell
// lists its points in increasing index. For a radius r the cells have side
// s_a >= r along every axis (slightly more, r (1 + 1e-6), so that rounding
// in a cell index cannot separate two points within r by two cells): if
// |x_i - x_j| <= r then |d_a| <= r <= s_a on every axis, so x_j lies in
// one of the 3^dim cells adjacent to (or equal to) the cell of x_i, wrapped
// on periodic axes. The cost is O(n (points per cell) 3^dim) instead of
// O(n^2). The number of cells is capped (at max(4096, 2n) for n points,
// and 2^24); a capped grid has wider cells, which keeps every search exact.
//
// For k nearest neighbours the cells hold about two sources each and each
// query scans rings of cells R = 0, 1, 2, ... around its own cell. After
// ring R every source not yet scanned lies outside the scanned block of
// (2R+1)^dim cells, so at least the distance g_R from the query to the
// block's nearest open face away; the scan stops when the k-th smallest
// squared distance found is strictly below g_R^2, so no unscanned source
// can tie or beat it. Results are ordered by distance, then index.
//
// Every search runs in parallel over receivers (queries) with
// tensor/parallel; each row is computed alone and written to its own slots,
// so the output does not depend on the number of workers. Radius graphs are
// built in two passes (count, then fill), so the edge count is checked
// against a memory bound before the edges are allocated.
//
// # Multilinear stencils
//
// On a node-centred grid with spacing h_a the point x has local
// coordinates t_a = (x_a - lo_a) / h_a = i_a + f_a, f_a in [0, 1], and the
// 2^dim corners o in {0, 1}^dim of its cell the weights
//
//	w_o = prod_a (f_a if o_a = 1 else 1 - f_a).
//
// They are the tensor product of the 1-D hat functions, non-negative, sum to
// 1 (prod_a ((1 - f_a) + f_a)) and reproduce affine functions: sum_o w_o
// (i_a + o_a) = i_a + f_a on each axis. Points outside the grid are clamped
// onto it.
//
// # Inverse-distance weighting
//
// Shepard's interpolant from the k nearest sources, u(q) = sum_j w_j u_j /
// sum_j w_j with w_j = |q - s_j|^-p, is the classical baseline for
// reconstructing a field at arbitrary points from scattered samples; it is
// exact at the sources and reproduces constants, not linear functions.
//
// # Chamfer distance
//
// Chamfer uses the squared-distance convention of point-cloud papers,
// CD(A, B) = mean_{a in A} min_{b in B} |a - b|^2 + mean_{b in B} min_{a in
// A} |a - b|^2; ChamferEuclidean the same with distances.
package geometry
