// Package nn holds the trainable building blocks on top of autograd:
// parameters with names (Module, Param), layers (Linear, MLP, LayerNorm,
// GroupNorm, InstanceNorm, Dropout, activations), seeded initialisers
// (uniform, normal, Xavier/Glorot, Kaiming/He, FNO's complex init, T1's
// variance-preserving init), losses (FNO's per-sample relative L2, MSE,
// L1, relative H1), optimizers with PyTorch's update rules (SGD with
// momentum/Nesterov, Adam, AdamW, Adamax, and L-BFGS with a strong-Wolfe
// line search), gradient clipping by global norm, learning-rate schedules
// (step, multistep, exponential, cosine with warmup, one-cycle,
// reduce-on-plateau), HDF5 checkpoints through datasets, and a generic
// training loop (Trainer) with evaluation, cancellation, NaN/Inf detection
// and bit-identical resumption.
package nn
