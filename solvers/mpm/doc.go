// Package mpm is a material point method solver, MLS-MPM (Hu et al.,
// 2018) with APIC transfers (Jiang et al., 2015), in 2-D and 3-D: the
// simulator that makes the particle trajectories of GIOROM / NCLaw-style
// datasets (water, elastic jelly, sand, plasticine).
//
// # Grid and transfers
//
// The box [0, L]^d carries a grid of nodes x_i = i dx, i in {0..Cells}^d,
// dx = L / Cells. Particle p has mass m_p = rho V0, initial volume V0, position
// x_p, velocity v_p, affine matrix C_p (an estimate of grad v) and
// deformation gradient F_p. Its quadratic B-spline weights are
//
//	w_ip = prod_a N(x_pa / dx - i_a),  N(r) = 3/4 - r^2 (|r| < 1/2),
//	                                        (3/2 - |r|)^2 / 2 (1/2 <= |r| < 3/2),
//
// over the 3^d nodes base .. base + 2, base = floor(x_p / dx - 1/2). With
// these, sum_i w_ip = 1, sum_i w_ip (x_i - x_p) = 0 and
// D = sum_i w_ip (x_i - x_p)(x_i - x_p)^T = dx^2/4 I. One step of dt:
//
//	P2G:  m_i  = sum_p w_ip m_p
//	      mv_i = sum_p w_ip [m_p v_p + (m_p C_p - dt V0 (4/dx^2) tau_p)(x_i - x_p)]
//	grid: v_i = mv_i / m_i + dt g, then the walls
//	G2P:  v_p = sum_i w_ip v_i,   C_p = (4/dx^2) sum_i w_ip v_i (x_i - x_p)^T
//	      x_p += dt v_p,          F_p <- (I + dt C_p) F_p, then the return mapping
//
// tau_p is the Kirchhoff stress (P F^T) of F_p. The stress term is MLS-MPM's
// force, -dt V0 (dpsi/dF) F^T D^-1 (x_i - x_p), which keeps momentum and
// (tau symmetric) angular momentum; APIC's transfers conserve the
// angular momentum sum m_p x_p x v_p + m_p (dx^2/4) eps : C_p^T exactly, so
// without walls and gravity mass, momentum and this angular momentum stay
// constant to rounding.
//
// Walls act on the grid: nodes with an index below Boundary (default 3) or
// above Cells - Boundary on an axis are wall nodes. Slip walls zero the
// velocity component of such a node that points into its wall; sticky walls
// zero its whole velocity. Particles are clamped to [dx, L - dx] so that
// their stencils stay on the grid. Slip walls may have Coulomb friction
// (Params.Friction, mu): a wall node that loses a normal velocity v_n also
// loses up to mu |v_n| of its tangential speed, which decelerates a body
// sliding on the floor by mu g. A Plate (Solver.SetPlate) is a rigid plane
// moving at a prescribed velocity that acts like a wall on the nodes past
// it (slip: the normal velocity relative to the plate; sticky: all of it),
// for loading tests; Solver.PlateForce is the force it exerted in the last
// step, Solver.MeanStress the volume-averaged Cauchy stress. Grips
// (Solver.SetGrips) prescribe the axial velocity of the nodes beyond two
// planes inside a body's ends, its lateral velocity free: a tension or
// compression test whose gauge section sees no contact. Grid contact
// is diffuse: material stops about half a cell from the constrained
// nodes, and the one or two particle layers at a wall or plate are
// compressed more than the rest.
//
// # Constitutive models
//
// All are isotropic: with the signed SVD F = U diag(s) V^T (U, V
// rotations; s_d < 0 only for an inverted F), tau = U diag(tau_i) U^T.
// mu and lambda are the Lame parameters of E and nu, J = det F.
//
//   - Fixed-corotated (Stomakhin et al., 2012):
//     tau_i = 2 mu (s_i - 1) s_i + lambda (J - 1) J, that is
//     tau = 2 mu (F - R) F^T + lambda (J - 1) J I with R = U V^T, computed
//     so, without an SVD: in 2-D R is closed-form, in 3-D Newton's polar
//     iteration X <- (X + X^-T) / 2 from F gives it (the SVD only when
//     det F <= 0, where the signed R is not F's orthogonal polar factor).
//   - Neo-Hookean: tau = mu (F F^T - I) + lambda log(J) I.
//   - Weakly compressible fluid: only J is kept, F = J^(1/d) I after every
//     step; Tait's equation of state p = (K / gamma) (J^-gamma - 1) (bulk
//     modulus K at J = 1) gives tau = -J p I. The default gamma = 1 gives
//     tau = K (J - 1) I; water's gamma = 7 stiffens under compression and
//     is only accepted at Mach <= 0.5 (sqrt(K / rho) >= 2 v_max).
//   - Sand (Klar et al., 2016): Hencky elasticity tau_i = 2 mu eps_i +
//     lambda tr(eps), eps = log s, with the Drucker-Prager return mapping
//     in eps: tr(eps) > 0 (tension) goes to the cone's tip, s = 1;
//     otherwise dgamma = |dev eps| + (d lambda + 2 mu) / (2 mu) tr(eps)
//     alpha, alpha = sqrt(2/3) 2 sin(phi) / (3 - sin(phi)) for the friction
//     angle phi, and a positive dgamma moves eps to eps - dgamma
//     dev(eps) / |dev eps|, onto the cone |dev tau| + alpha tr(tau) = 0 at
//     the same volume strain.
//   - Plasticine: Hencky elasticity with the von Mises return mapping:
//     dgamma = |dev eps| - tau_Y / (2 mu), tau_Y = sqrt((d-1)/d) sigma_Y,
//     and a positive dgamma shrinks dev(eps) by it, so the equivalent
//     stress sqrt(d/(d-1)) |dev tau| equals the yield stress sigma_Y
//     (a uniaxial Kirchhoff stress yields at sigma_Y).
//
// Strains pass through log: singular values below 1e-6 are raised to it.
//
// # Time step
//
// Validate refuses dt above CFL dx / (c + v_max), CFL = 0.5, c the P-wave
// speed sqrt((lambda + 2 mu) / rho) (sqrt(K / rho) for the fluid) and
// v_max the speed bound (MaxSpeed, or the scene's largest initial speed
// plus sqrt(2 |g| L)). Simulate stops with an error when a particle moves
// more than a cell in one step.
//
// # Initial conditions
//
// A Scene gives fixed bodies or draws 1..n random ones per sample: a box,
// a ball or a connected union of 2-3 of them (Shapes narrows the choice),
// of half-extent in
// [MinSize, MaxSize] L, placed between the walls without overlap, moving
// with a uniform random direction and speed up to MaxLinearSpeed and a
// rotation rate up to MaxAngularSpeed about their centroid (NCLaw draws
// linear and angular velocities up to 3). Particles fill the bodies on the
// lattice (k + 1/2) h, h = dx / ppc^(1/d), optionally jittered. Sample i
// draws everything from tensor.NewRNGStream(seed, i), so it depends only
// on (seed, i).
//
// # Parallel scatter
//
// Particles are sorted (counting sort, every step) into blocks of 4^d
// cells by their stencil base. Blocks whose indices have the same parity
// on every axis never write to the same node, so each of the 2^d colours
// scatters its blocks in parallel without locks (the blocks that hold
// particles, cut into one chunk per worker of equal particle counts),
// and every node sums its contributions in one fixed order: results are
// bitwise identical for any number of workers. Only node blocks that
// particles reach are cleared and updated.
package mpm
