// Package burgers2d solves the 2-D viscous Burgers equation on the
// periodic unit square [0, 1)^2, the data of the mesh movers of issue 18
// (DMM and MM-PDE, Hu et al., "Better Neural PDE Solvers Through
// Data-Free Mesh Movers", ICLR 2024).
//
// # Equations
//
// EquationVector (the default) is the velocity system
//
//	u_t + u u_x + v u_y = nu Lap u,
//	v_t + u v_x + v v_y = nu Lap v,
//
// in advective form. EquationScalar is one scalar field,
//
//	u_t + u u_x + u u_y = nu Lap u,
//
// computed in conservation form, u_t + (u^2/2)_x + (u^2/2)_y = nu Lap u.
// Units are those of the equation: x in [0, 1), t and nu as given, no
// rescaling.
//
// What is conserved: the scalar equation conserves the mean of u and its
// energy E = (1/2) mean u^2 decays, dE/dt = -nu mean|grad u|^2. The vector
// system conserves the means of u and v only for curl-free fields (u =
// grad phi, kept curl-free by the equation; the scheme keeps it so up to
// the aliasing of modes beyond N/3, which the initial field is not
// truncated to: the measured drift of the means is 8e-16); in general
// d/dt mean(u) = mean(u v_y) and d/dt mean(v) = mean(v u_x), and
// dE/dt = mean(div u |u|^2 / 2) - nu mean|grad u|^2 has no sign, though
// the energy of the tested fields falls at every step.
//
// # Scheme
//
// Fourier pseudo-spectral, as solvers/navierstokes: derivatives in
// Fourier space, products in physical space, the nonlinear term truncated
// by the 2/3 rule (|k_x| or |k_y| >= N/3 zeroed, odd derivatives of
// Nyquist modes zero), and time advanced by ETDRK4 (solvers/internal/etd,
// Cox-Matthews with Kassam-Trefethen coefficients), exact on the viscous
// term; the two components are stacked into one spectrum for the stepper.
// Steps of at most Dt are shortened to hit every frame time
// (solvers/internal/march). Solve refuses an initial field with CFL
// number dt (max|u| + max|v|) N above MaxCFL.
//
// Reference solution: ColeHopf, u = -2 nu grad log theta with theta a
// positive sum of decaying cosines solving theta_t = nu Lap theta, exact
// for the vector system with curl-free data. The scalar equation reduces,
// for u = g(x + y, t), to 1-D Burgers for 2g with viscosity 2 nu (tested
// against burgers.ColeHopf).
//
// # Initial conditions
//
// Generate(seed, i) starts from InitialCondition(seed, i): each component
// is an independent periodic Gaussian random field (solvers/grf, law GRF1)
//
//	N(0, s^2 (-Lap + ICTau^2)^-ICAlpha),   s = ICStd / sqrt(sum_k lambda_k),
//
// i.e. Fourier coefficients with E|u_k|^2 proportional to
// (4 pi^2 |k|^2 + ICTau^2)^-ICAlpha, mean exactly zero, pointwise standard
// deviation ICStd on the grid. U is stream (seed, 2i) and V stream
// (seed, 2i+1) of grf.Periodic.Sample, so the scalar equation's sample i
// starts from the vector system's U. Frames lie at t = k TEnd/(Frames-1).
// Smooth random data steepen into fronts where the flow converges, which
// then move and merge while viscosity thins them.
//
// # Upstream data, and what is unverified
//
// MM-PDE's Burgers data (mesh/data/burgers_192.npy) are [N, 31, 192, 192]
// arrays of one scalar field u on [0, 1]^2, 31 frames over t in [0, 30];
// the repository has no generator, and neither the equation nor the
// viscosity, initial-condition family, solver or N could be confirmed (the
// repository's PDEs.py gives only the domain, tmax and grid). This package
// therefore offers the standard vector system (whose u component stands
// in for upstream's field) and the scalar equation; DefaultParams (nu 5e-4
// at 192^2, ICStd 0.1, ICAlpha 3, ICTau 5, dt 5e-3, 31 frames to t 30) is
// surrogo's choice, made so that fronts form by t ~ 2 and stay resolved
// on 192^2, not upstream's.
package burgers2d
