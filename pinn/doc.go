// Package pinn is physics-informed networks for the 1-D periodic transport
// problems of "Lagrangian PINNs" (Mojgani, Balajewicz, Hassanzadeh, CMAME
// 2023) on x in [0, 2 pi), t in [0, T]:
//
//	convection(-diffusion)   u_t + beta u_x = nu u_xx
//	viscous Burgers          u_t + u u_x = nu u_xx
//	reaction(-diffusion)     u_t = nu u_xx + rho u (1 - u)
//
// PINN (Eulerian) is a tanh MLP u(x, t) on the periodic embedding
// (cos x, sin x, t), trained on the residual r = u_t + F(u) u_x - nu u_xx
// - R(u) at collocation points and the initial condition, with the
// reference code's loss of un-squared norms
//
//	L = g_r ||r||_2 + g_ic ||u(., 0) - u0||_2          (g_r 1, g_ic 1000).
//
// LPINN (Lagrangian) has two branches over labels (x0, t): the state on the
// characteristics u(x0, t) and the characteristic curve x_L(x0, t), with
//
//	r_x = d x_L / dt - F(u)          F = beta (convection), u (Burgers), 0 (reaction)
//	r_u = d u / dt - nu d^2 u / d x0^2 - R(u)
//	L = g_rx ||r_x|| + g_ru ||r_u|| + g_ic (||x_L(., 0) - x0|| + ||u(., 0) - u0||)
//
// (g_rx 10, g_ru 1, g_ic 1000). The curve branch predicts the displacement,
// x_L = x0 + d(cos x0, sin x0, t): the displacement is periodic in x0 while
// x_L is not, so the periodic embedding stays consistent (the reference
// code feeds the embedding to a network that outputs x_L itself, which
// cannot meet x_L(0, 0) = 0 and x_L(2 pi, 0) = 2 pi at once). By default
// the branches are separate networks (the paper); SharedLayers shares the
// first two and the output layer and reuses the second hidden layer for
// the deeper u-layers, as the released code does.
//
// Evaluation maps the Lagrangian prediction back to the Eulerian grid at
// each time by periodic linear interpolation of (x_L mod 2 pi, u).
//
// Training is Phases run by nn.Trainer (Adam, AMSGrad as the reference
// code, on random collocation batches, then L-BFGS on one fixed draw), so
// it checkpoints and resumes like every model; Fit runs them without
// checkpoints.
package pinn
