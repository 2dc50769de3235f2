// Package mmpde is MM-PDE (Hu et al., ICLR 2024) rewritten for surrogo: a
// message-passing network that advances a scalar field one time step on
// the nodes of a mesh of the unit square, used on a mesh moved to each
// field (MM-PDE) and on the uniform mesh (its baseline, the same network).
//
// # Network (Model)
//
// The nodes are the mesh's N nodes x_i, the state the field's values u_i
// there. The graph joins each node to its k nearest other nodes (upstream:
// k = 35 at 48^2; default 8 here), built on the node positions, so on a
// moved mesh it follows the nodes into the fronts. With the training
// statistics (Stats: mean and standard deviation of u, root mean square
// of the one-step increment) and the uniform spacing h = 1/(n-1) of the
// mesh's n nodes per axis, the features are
//
//	node i:       ((u_i - mean) / std,  2 x_i - 1)
//	edge j -> i:  ((u_j - u_i) / std,  (x_j - x_i) / h,  |x_j - x_i| / h)
//
// (upstream's message inputs h_i, h_j, u_i - u_j, Delta x, Delta y, as in
// Brandstetter et al.'s MP-PDE). An encode-process-decode network
// (Battaglia et al.; operators/gns's layout) maps them through MLP
// encoders with LayerNorm, Layers interaction layers (edge MLP on
// [h_i, h_j, e_ij], mean aggregation, node MLP, residual updates), and an
// MLP decoder to d_i, and the step is
//
//	u_i(t + dt) = u_i(t) + incStd * d_i.
//
// Upstream's decoder has no u_i(t) + residual (WAVE2-METHODS 3e, defect 7);
// surrogo keeps it for both networks.
//
// # Training (Loss)
//
// One step, teacher forced: for a pair of frames (t, t + dt) of a
// trajectory, the mesh of frame t (moved to it, or uniform), u(t) and
// u(t + dt) sampled at its nodes (Sample, from the solver's grid), and
//
//	loss = mean over nodes of (d_i - (u_i(t + dt) - u_i(t)) / incStd)^2.
//
// # Rollout (Rollout)
//
// The field starts on the solver's fine grid of the unit square, where it
// is judged. The state lives on the mesh's nodes: the first mesh is moved
// to the field (Mover; the uniform baseline's mover returns the uniform
// mesh) and samples it (bilinear); each step advances the node values with
// the network and interpolates them to the fine grid with the mesh's own
// interpolant (Q1 on its quadrilaterals, mesh.Locator) for judging; then
// the mesh is moved to the prediction and the values carried to the new
// nodes by the old mesh's interpolant (the remap, which a moving mesh pays
// every step and a fixed mesh never). Upstream instead keeps the state on
// the uniform 48^2 grid and passes it through learned interpolators (an
// MLP over 30 neighbours each way), so its moved mesh never holds more of
// the field than the uniform grid does; here the moved mesh's advantage is
// the one the method claims, the same node budget spent where the field
// varies (mesh/monge's round trip measures it without a network).
//
// The domain is treated as the closed unit square, as upstream: a
// periodic field's graph does not wrap, and the network sees the
// positions, so boundary nodes can learn one-sided stencils (a periodic
// rollout keeps its grid's copies at x = 1 and y = 1 equal to x = 0 and
// y = 0).
package mmpde
