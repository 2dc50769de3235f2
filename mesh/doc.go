// Package mesh holds 2-D meshes for the data-free mesh movers (DMM,
// MM-PDE): a Mesh of triangles or quads (the datasets mesh layout: nodes
// [N, 2], cells [C, k], corners counter-clockwise), structured meshes of
// the unit square, exact cell geometry, the quality measures that judge a
// moved mesh, point location and finite-element interpolation, and the
// node graphs a message-passing network needs. It imports geometry (kNN,
// grid stencils) and tensor/parallel, never files or configs.
//
// # Cells and areas
//
// A triangle (p0, p1, p2) has signed area
//
//	A = ((p1 - p0) x (p2 - p0)) / 2,   a x b = a_x b_y - a_y b_x,
//
// positive when counter-clockwise. A quad (p0, p1, p2, p3) has the exact
// (shoelace) area
//
//	A = (1/2) sum_v p_v x p_{v+1} = ((p2 - p0) x (p3 - p1)) / 2,
//
// half the cross product of its diagonals. The DMM reference code uses
// |p2 - p0| |p3 - p1| / 2, the product of the diagonals' lengths, which is
// exact only when they are perpendicular (a square, a rhombus) and
// overestimates every other quad (a 2:1 rectangle by 25 %).
//
// A cell is inverted (the mesh tangled) when a corner turns the wrong way:
// (p_{v+1} - p_v) x (p_{v-1} - p_v) <= 0 at some corner v. For a triangle
// every corner gives 2A; for a quad all four corners are positive exactly
// when it is convex and counter-clockwise. The Jacobian determinant of the
// bilinear map below is affine in (xi, eta) and equals the
// corner products at the corners, so positive corners make it positive on
// the whole cell and the map one-to-one.
//
// # Interpolation weights
//
// On a triangle the P1 weights of a point x are its barycentric
// coordinates, ratios of signed areas:
//
//	l1 = A(p0, x, p2) / A,  l2 = A(p0, p1, x) / A,  l0 = 1 - l1 - l2,
//
// exact for affine functions. A quad is the image of the reference square
// [0, 1]^2 under the bilinear map
//
//	x(xi, eta) = (1-xi)(1-eta) p0 + xi (1-eta) p1 + xi eta p2 + (1-xi) eta p3,
//
// whose coefficients are the Q1 weights, exact for functions bilinear in
// (xi, eta) and so for affine functions of x, and, on an axis-aligned
// rectangle, for any a + b x + c y + d x y. The reference coordinates of a
// point come from Newton's method on F(xi, eta) = x(xi, eta) - x from
// (1/2, 1/2):
//
//	J = [dx/dxi  dx/deta],  dx/dxi = (1-eta)(p1 - p0) + eta (p2 - p3),
//	                        dx/deta = (1-xi)(p3 - p0) + xi (p2 - p1),
//	(xi, eta) <- (xi, eta) - J^-1 F,
//
// stopped when the mapped point is within rounding of the query (16 eps
// times the cell's coordinate scale) or after a step of at most 1e-12;
// convergence is quadratic, so either leaves rounding-level error. On a
// parallelogram the map is affine and the first step is exact up to
// rounding; on cells thinner than about 1e-4 the steps stay at rounding
// size, and the residual test is what ends the iteration.
//
// # Point location
//
// A Locator buckets the cells into a uniform grid of about 4C buckets over
// the mesh's bounding box, each cell in every bucket its bounding box
// meets, so a query tests only the cells of its own bucket (and, only when
// none holds it, those of the 3 x 3 buckets around it). A cell contains
// a point when the signed distance to every edge's line is non-negative.
// Within OutsideTol (relative to the bounding box's diagonal) points
// outside every cell (rounding on the boundary) are taken by the cell they
// are least outside of, with clamped weights; points farther out are
// errors. Tangled meshes are refused, since their cells overlap.
//
// # Quality of a moved mesh
//
// A mesh equidistributes a monitor m > 0 when m_c A_c is the same for every
// cell c, so cells are small where m is large; Equidistribution reports the
// mean, standard deviation, coefficient of variation (std / mean) and range
// (max - min) of m_c A_c, all but the mean 0 at perfect equidistribution.
// AspectRatios measures cell shape (1 ideal): the radius ratio R / (2r) for
// triangles and L_max (sum of edges) / (4A) for quads. BoundaryDrift checks
// that nodes on the unit square's boundary stayed on their sides.
//
// # Grids and the interpolation premise
//
// Mesh movers start from fields on uniform n x n grids of [0, 1]^2 (node
// i*n + j at (i/(n-1), j/(n-1)), the order of StructuredQuad(n, n) and of
// the solvers' [i][j] arrays). SampleGrid interpolates such a field
// bilinearly to any points, ToMesh to a mesh's nodes; FromMesh takes node
// values back to the grid with the mesh's own interpolant, and
// RoundTripError measures |u - FromMesh(ToMesh(u))| / |u|, which a good
// moved mesh makes smaller than the uniform one.
package mesh
