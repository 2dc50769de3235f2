// Package gns is the full-order graph network simulator of
// Sanchez-Gonzalez, Godwin, Pfaff, Ying, Leskovec and Battaglia,
// "Learning to simulate complex physics with graph networks" (ICML 2020):
// every particle is a node, and an encode-process-decode network predicts
// each particle's acceleration from its recent positions. It is the
// baseline the reduced-order GIOROM must beat. Generic over float32
// (training) and float64 (checks); positions are float32 in the data and
// float64 in the feature and integrator arithmetic.
//
// # Inputs
//
// From C+1 positions x_{t-C} .. x_t of N particles in d = 2 or 3
// dimensions (frame units: no time step), velocities v_k = x_k - x_{k-1}.
// Node i's features (C d + 2 d):
//
//	(v_k - vel_mean) / vel_std,  k = t-C+1 .. t (oldest first)
//	clip((x_t - lo) / r, -1, 1),  clip((hi - x_t) / r, -1, 1)   per axis
//
// Edges j -> i connect every pair within the radius r of each other at
// x_t, self-loops included (geometry.RadiusGraph, sorted by receiver);
// edge features (d + 1):
//
//	(x_j - x_i) / r,  |x_j - x_i| / r
//
// Statistics are per axis, pooled over every particle and frame of the
// training trajectories (lagrangian.Accumulator; upstream GIOROM's std of
// per-trajectory stds is not used), and both standard deviations include
// the training noise: std_eff = sqrt(std^2 + NoiseStd^2).
//
// # Network
//
// MLP(in, out) is Linear(in, L), ReLU, (Linear(L, L), ReLU) repeated
// MLPHidden-1 times, Linear(L, out); the encoder and processor MLPs end
// in a LayerNorm, the decoder's does not. With node latents h and edge
// latents e:
//
//	h_i = MLP_v(node features_i),  e_ij = MLP_e(edge features_ij)
//	MessagePassing times, with unshared weights:
//	  e'_ij = MLP([e_ij, h_i, h_j])
//	  a_i   = sum_j e'_ij   (or the mean; 0 for a node without edges)
//	  h_i  <- h_i + MLP([h_i, a_i])
//	  e_ij <- e_ij + e'_ij
//	a_hat_i = MLP_dec(h_i)   (d outputs)
//
// # Training and integration
//
// Loss takes a window of C+2 frames. The inputs get GNS's random-walk
// noise: the velocities a random walk of C steps of N(0, NoiseStd^2 / C)
// (the last velocity's noise has std NoiseStd), the positions its
// integral (the first input position unperturbed). As in GNS, the target
// position is the clean next frame shifted by the last input's noise, so
// the target acceleration a = (x_{t+1} + n_t) - 2 x~_t + x~_{t-1} gives
// the clean next velocity and keeps the position error the noise made;
// it is normalised as (a - acc_mean) / acc_std_eff; the loss is the mean
// squared error over
// all particles and axes.
//
// Step de-normalises the prediction and integrates with semi-implicit
// Euler, v_{t+1} = v_t + a, x_{t+1} = x_t + v_{t+1}, then clamps the new
// positions to [BoxLo, BoxHi], as the MPM solver's walls keep particles
// in (the implicit velocity of the next step is reduced accordingly).
// The radius search runs in an unbounded box, so positions outside the
// walls (noise on a particle at a wall) never make it fail; a non-finite
// prediction is an error naming the step and particle. Rollout feeds the
// predictions back, keeps positions in float64 between steps, and checks
// its context before every step.
//
// Parameters are named "encoder.node.*", "encoder.edge.*",
// "processor.<k>.edge.*", "processor.<k>.node.*", "decoder.*"; the
// PyTorch reference scripts/gns_reference.py implements the same model
// independently (concatenated inputs, index_add_) and agrees to 1e-14.
package gns
