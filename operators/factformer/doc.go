// Package factformer is the factorized transformer of Li, Shu and Barati
// Farimani (FactFormer, NeurIPS 2023, BaratiLab/FactFormer) and its
// implicit, weight-shared form by Yang, Wang and Wang (IFactFormer-o and
// IFactFormer-m, arXiv 2412.18840, huiyu-2002/IFactFormer-m), one
// implementation for 1, 2 and 3 spatial axes, generic over float32 and
// float64.
//
// # The factorized attention block
//
// For a field u [B, s_1..s_d, dim] on a grid with coordinates x_a along
// axis a:
//
//	u_n  = LayerNorm(u)
//	v    = W_v u_n                                  heads H of dh channels
//	z_a  = R_a(mean over the axes b != a of W_in u_n)  [B, n_a, latent]
//	R_a  = Linear(dim -> latent) . GeGLU . Linear(dim -> 2 dim) . LayerNorm . Linear(dim -> dim)
//	GeGLU(y) = GELU(y_1) * y_2 for the halves y = (y_1, y_2)
//	q_a  = rot(W_q z_a), k_a = rot(W_k z_a)          H heads of width d = dh * kernel_multiplier
//	K_a[h, i, j] = c w_a sum_e q_a[h, i, e] k_a[h, j, e]   (no softmax)
//
// rot is the 1-D rotary embedding with min_freq 1/64: for coordinate x
// the angles are theta_e = 64 x 10000^(-2e/d), e < d/2, repeated for the
// second half, and rot(q) = q cos(theta) + (-q_2, q_1) sin(theta). The
// kernel scale c is 1, or 1/sqrt(d) when kernel_multiplier > 4, and the
// weight w_a is 1 as upstream, or 1/n_a with Config.Quadrature (upstream
// has no quadrature weight, so the kernel sum grows with the resolution;
// the normalisation after it hides this, but a model trained on one grid
// then sees differently scaled integrals on another).
//
// The integral is chained (FactFormer, IFactFormer-o)
//
//	w[h, i_1..i_d] = sum_{j_1..j_d} K_1[h, i_1, j_1] ... K_d[h, i_d, j_d] v[h, j_1..j_d]
//
// computed one axis at a time in O(N (n_1 + ... + n_d) dh) instead of
// the O(N^2 dh) of the dense kernel K_1 (x) ... (x) K_d, or parallel
// (IFactFormer-m): the single-axis integrals w_a = K_a x_a v are
// concatenated per head along the channels (head h's channels are
// [w_1, .., w_d], einops' "(h c)" after cat on c), giving d H dh channels.
// Then
//
//	out = W_2 GELU(W_1 Norm(w))   (W_1: H dh or d H dh -> dim, W_2: dim -> dim, no biases)
//
// Norm is, for FactFormer, upstream's channel-last GroupNorm with H groups,
// domain-wise (each head over all grid points and its channels), no
// affine map, eps 1e-8 and the unbiased variance of torch.var; for
// IFactFormer (-o and -m, out_norm = instance) it is InstanceNorm3d: each
// channel over the grid points, biased variance, eps 1e-5. We follow the
// IFactFormer repository's HEAD (003b490/d40753d) for -m: the norm acts
// on channel-first data, so it is a true per-channel instance norm, and
// there is no second output MLP. The published notebook (447c390) applied
// InstanceNorm3d to channel-last data (it normalised each x-slab over y,
// z and the channels) and had an extra MLP; its parameter count is 1,181,763
// against HEAD's 1,163,331.
//
// The reducers pool before their first projection: mean(W_r W_in u_n) =
// W_r W_in mean(u_n) because neither has a bias, so the two products run
// on [B, n_a, dim] instead of the whole grid. The results agree with
// upstream's order to rounding.
//
// # The models
//
// Positional features: RFF(p) = [sin(2 pi p B), cos(2 pi p B)] with a
// frozen B ~ N(0, rff_sigma^2) of shape [d, dim/2] per block (drawn from
// rff_seed, so the configuration fixes it; not in Params), added through
// a trainable Linear(dim, dim) before every block. The coordinates are
// linspace(0, L_a, n_a) with both ends, as upstream (L = 2 pi for
// Kolmogorov flow and isotropic turbulence), so on a periodic axis the
// first and last points, the same physical point, get different
// features; coordinates = "periodic" uses L_a i / n_a instead.
//
// FactFormer (variant "factformer"):
//
//	u_0 = E(x)                                        embed: Linear(in_fields*in_frames -> dim) (2-D), or conv
//	u_{l+1} = u_l + PE_l + FA_l(u_l + PE_l)           l < depth, distinct blocks
//	z_0 = W_e u_depth                                 Linear(dim -> latent), latent = int(dim * latent_multiplier)
//	z_t = z' + MLP(LayerNorm(z')), z' = z_{t-1} + tau_t    t = 1..steps, MLP [latent, dim, latent] with GELU
//	frame_t = D(z_t)
//	D = Conv(dim/2 -> out) . GELU . Conv(dim -> dim/2) . GELU . GroupedConv(latent -> dim, 8 groups) . GroupNorm(decoder_groups)
//
// tau_t is a learned time embedding (init N(0, 0.02^2)); one call gives
// steps frames, 1 <= steps <= max_latent_steps (ForwardSteps). All
// convolutions are 1x1 (Linear over channels, the grouped one with its
// 8 groups as a block-diagonal weight, which is what sets its parameter
// count). The conv embedding (3-D FactFormer, IFactFormer) is a grouped
// 1x1 convolution in_fields -> dim/2 with in_fields groups, GELU, and a
// convolution dim/2 -> dim over the in_frames time window, which
// collapses time.
//
// IFactFormer (variants "ifactformer-o" chained, "ifactformer-m"
// parallel): after the conv embedding, for each of depth blocks the
// positional features are added once and the one weight-shared block is
// iterated layers times as an explicit Euler step of a depth ODE,
//
//	u <- u + FA(u) / layers,
//
// then the head Conv(dim -> dim/2, no bias), GELU, Conv(dim/2 -> out)
// predicts one frame.
//
// Layouts follow the rest of surrogo: inputs [B, s..., in_fields *
// in_frames] and outputs [B, s..., out_fields * steps], channels last and
// frame-major (channel j*C + c is field c of frame j), as
// datasets.GridTask stacks frames. Parameters carry upstream's state_dict
// names (Params); shapes drop convolution kernel axes of size 1.
//
// Parameter counts (ParamCount, trainable; FrozenCount, the B matrices)
// reproduce upstream's: FactFormer KF2D 3,463,489 + 512 = 3,464,001,
// FactFormer iso-3D 5,093,956 in all, IFactFormer-m (HEAD) 1,163,331 and
// IFactFormer-o 1,071,171 in all.
//
// # Checks against PyTorch and upstream
//
// Section 12 of scripts/torch_reference.py rebuilds a 2-D FABlock, an
// IFactFormer-m block, a FactFormer-2D and an IFactFormer-m in PyTorch with
// upstream's module and parameter names; the Go forward values and all
// gradients agree to 2e-5 relative in float32 (golden_test.go). Those
// PyTorch modules were checked once against the upstream files themselves
// (their state_dicts loaded into upstream's classes): equal outputs. One
// upstream defect showed there: FactFormer's channel-last GroupNorm
// (libs/basics.py at c9801d1) returns [b, points, C] with the spatial
// axes flattened, so FactFormer2D/3D's residual "attn_layer(u) + u"
// cannot broadcast; this package keeps the grid shape, which is what the
// code means.
package factformer
