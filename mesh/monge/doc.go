// Package monge is the classical Monge-Ampere mesh mover, the reference
// the data-free mesh movers (DMM, MM-PDE) are judged against: an exact
// 1-D equidistribution and a 2-D finite-difference Monge-Ampere solver on
// the unit square, after the relaxation and quasi-Newton movers of Budd,
// Browne, McRae and Wallwork (Firedrake's Movement package,
// MongeAmpereMover). Every line is written here; it imports only mesh.
//
// # Equation
//
// A mesh of the computational square xi in [0, 1]^2 is moved to x = xi +
// grad phi(xi), the gradient of the convex potential |xi|^2/2 + phi, so
// the map is one-to-one when det(I + H(phi)) > 0, H the Hessian in xi. It
// equidistributes a monitor m(x) > 0 (cells small where m is large) when
//
//	m(xi + grad phi) det(I + H(phi)) = theta,   theta = integral of m dx / area,
//
// with phi_x = 0 on xi_1 in {0, 1} and phi_y = 0 on xi_2 in {0, 1}, so
// boundary nodes slide along their sides and corners stay. The monitor is
// evaluated at the physical point x, as in the textbook and Movement;
// upstream DMM's loss evaluates it with grad_xi(u o x), the
// Jacobian-transposed gradient, instead.
//
// # Monitors
//
// GridMonitor holds values on a fine uniform n x n grid (node i*n + j at
// (i/(n-1), j/(n-1))), sampled bilinearly with mesh.SampleGrid;
// FuncMonitor wraps an analytic function; GradientMonitor builds upstream
// DMM's m = 1 + beta |grad u| / mean|grad u| (beta = 100 upstream) from a
// grid field, central differences inside and second-order one-sided ones
// on the edges. Monitors must be finite and positive: the error names the
// node or point that is not.
//
// # Discretisation
//
// phi lives on the nodes of an N x N grid, N = (n-1) Refine + 1, spacing h.
// Ghost nodes mirror the grid (phi_{-1,j} = phi_{1,j}, likewise on every
// side), which is phi_n = 0 to second order. Then
//
//	x_ij = xi_ij + ((phi_{i+1,j} - phi_{i-1,j}) / 2h, (phi_{i,j+1} - phi_{i,j-1}) / 2h),
//	phi_xx, phi_yy: 3-point second differences,
//	phi_xy: (phi_{i+1,j+1} - phi_{i+1,j-1} - phi_{i-1,j+1} + phi_{i-1,j-1}) / 4h^2,
//
// so on the sides the normal displacement and phi_xy are exactly 0:
// boundary nodes stay on the boundary to the last bit (mesh.BoundaryDrift =
// 0) and corners never move. For a separable phi the scheme is the 1-D one,
// where the cell width is h times the mean of 1 + phi_xx at its ends, so a
// separable monitor m1(x) m2(y) is moved by the tensor product of two
// discrete 1-D equidistributions, second-order close to the exact ones.
//
// theta is computed consistently: the trapezoid-rule mean over the grid of
// m(x(xi)) det(I + H), the same quadrature as the residual, which then has
// zero mean, the compatibility condition of the Neumann problem (as
// Movement's theta = integral of m det(I + H) dxi / |Omega|). Upstream DMM
// divides the sum of m over the n^2 nodes by (n-1)^2, about (n/(n-1))^2 =
// 4.3 % high at n = 48, so its loss cannot reach 1.
//
// The Neumann Laplacian with mirror ghosts is diagonalised by the DCT-I
// (eigenvectors cos(pi k i/(N-1)), eigenvalues -(4/h^2) sin^2(pi k /
// (2(N-1)))); tensor.DCT2 is the DCT-II, the cell-centred Neumann basis,
// so the node-centred pair is built here as two dense N x N matrices
// (O(N^3) a solve, about 0.9 Mflop at N = 48).
//
// # Solvers and stopping rule
//
// Relaxation is Movement's parabolised Monge-Ampere equation,
//
//	-Lap (d phi / d tau) = m det(I + H(phi)) / theta - 1,
//
// forward Euler in pseudo-time (Movement: unnormalised residual, fixed
// step 0.1). Here the residual is divided by theta, so the step is
// dimensionless: it starts at Options.Step (0.5), grows by 1.2 (to at most
// 1) after a step that lowers the RMS residual and halves after one that
// does not; a step making det(I + H) <= 0 at a node, or raising the RMS
// above 2 times the best so far (Movement's dtol), is rejected. It suits
// moderate monitors (max m / min m up to a few tens); for upstream's
// gradient monitor (beta = 100, m from 1 to 1000) it does not converge.
//
// Newton is a Jacobian-free Newton-Krylov solve of the log form
// G = log(m det(I + H)) - mean log(m det(I + H)) = 0 (the same roots): GMRES
// on J P y = -G, P the inverse Neumann Laplacian (J at phi = 0 for a
// constant monitor), J v by a forward difference, and a backtracking line
// search that keeps det > 0 and lowers the RMS of G.
//
// Both stop when max over nodes |m det(I + H) / theta - 1| < Options.Tol
// (default 1e-8), Movement's rtol default. They fail after Options.MaxIter
// iterations with an error giving the residual, its worst node and the
// smallest det, and stop early when ctx is cancelled.
//
// Result gives the moved mesh (mesh.StructuredQuad(n, n).WithNodes), phi,
// the iterations and residual evaluations, the residual (max and RMS),
// theta, the smallest det(I + H) and cell area, and mesh.Equidistribution
// of m (at cell centroids) times area on the moved and the uniform mesh.
//
// # 1-D
//
// Equidistribute1D is the exact 1-D map: the cumulative trapezoid integral
// of m on a fine grid, inverted exactly as the piecewise quadratic it is
// (m linear on each fine interval); Residual1D checks nodes by Simpson's
// rule on each cell.
package monge
