// Package nn holds the trainable building blocks on top of autograd:
// parameters with names (Module, Param), layers (Linear, MLP, LayerNorm,
// GroupNorm, InstanceNorm, Dropout, activations), seeded initialisers
// (uniform, normal, Xavier/Glorot, Kaiming/He; the operators' own inits
// live in their packages), losses (FNO's per-sample relative L2, MSE,
// L1, relative H1), optimizers with PyTorch's update rules (SGD with
// momentum/Nesterov, Adam, AdamW, Adamax, and L-BFGS with a strong-Wolfe
// line search), gradient clipping by global norm, learning-rate schedules
// (step, multistep, exponential, cosine with warmup, one-cycle,
// reduce-on-plateau), HDF5 checkpoints through datasets, and the training
// loop of every model family (Trainer): phases run in order (a first-order
// optimizer, or L-BFGS, as a PINN's Adam then L-BFGS), evaluation,
// checkpoints every k epochs or steps, NaN/Inf detection, cancellation
// that writes a checkpoint of the last completed step, and bit-identical
// resumption (L-BFGS's curvature pairs included).
package nn
