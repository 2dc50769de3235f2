#!/usr/bin/python3
"""PyTorch side of the performance comparison: the workloads of
bench/workloads (Go) with the same architectures, shapes, initialisation
scheme, loss and optimiser. Prints one JSON line like the Go command:
median milliseconds per iteration, peak resident memory and the resident
memory before the model was built (after importing torch).

    /usr/bin/python3 bench/torch_workloads.py fno2d-step-64 [ITERS] [THREADS]
    /usr/bin/python3 bench/torch_workloads.py check   # DCT helpers against a matrix DCT

The FNO is the reference implementation's (rfft2, two weight corners,
1x1 convolution, GELU). T1 follows kairos: a full DCT-II by FFT (even/odd
reordering), the layers on the kept block, the bias-free head on the block
(identical to kairos's head on the zero-padded spectrum), then the inverse
DCT by FFT on the zero-padded block, relative L2 in physical space as
surrogo's T1.
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rel_l2(pred, target):
    b = pred.shape[0]
    num = (pred - target).reshape(b, -1).norm(dim=1)
    den = target.reshape(b, -1).norm(dim=1)
    return (num / den).mean()


# ---------------------------------------------------------------- FNO

class SpectralConv(nn.Module):
    def __init__(self, cin, cout, modes):
        super().__init__()
        self.modes = modes
        scale = 1 / (cin * cout)
        corners = 2 if len(modes) == 2 else 1
        self.w = nn.ParameterList([nn.Parameter(scale * torch.rand(cin, cout, *modes, dtype=torch.cfloat))
                                   for _ in range(corners)])

    def forward(self, x):
        if len(self.modes) == 1:
            (m,) = self.modes
            xf = torch.fft.rfft(x)
            out = torch.zeros(x.shape[0], self.w[0].shape[1], x.shape[-1] // 2 + 1, dtype=torch.cfloat)
            out[:, :, :m] = torch.einsum("bix,iox->box", xf[:, :, :m], self.w[0])
            return torch.fft.irfft(out, n=x.shape[-1])
        m1, m2 = self.modes
        s1, s2 = x.shape[-2:]
        xf = torch.fft.rfft2(x)
        out = torch.zeros(x.shape[0], self.w[0].shape[1], s1, s2 // 2 + 1, dtype=torch.cfloat)
        out[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", xf[:, :, :m1, :m2], self.w[0])
        out[:, :, -m1:, :m2] = torch.einsum("bixy,ioxy->boxy", xf[:, :, -m1:, :m2], self.w[1])
        return torch.fft.irfftn(out, s=(s1, s2))


class FNO(nn.Module):
    def __init__(self, dim, width, modes, layers=4, hidden=128):
        super().__init__()
        self.dim = dim
        self.fc0 = nn.Linear(1 + dim, width)
        conv = nn.Conv1d if dim == 1 else nn.Conv2d
        self.spectral = nn.ModuleList([SpectralConv(width, width, modes) for _ in range(layers)])
        self.pointwise = nn.ModuleList([conv(width, width, 1) for _ in range(layers)])
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, a):
        shape = a.shape[1:-1]
        axes = [torch.linspace(0, 1, n).reshape(*[n if j == i else 1 for j in range(len(shape))], 1)
                for i, n in enumerate(shape)]
        grid = [g.expand(a.shape[0], *shape, 1) for g in axes]
        x = self.fc0(torch.cat([a] + grid, dim=-1))
        x = x.movedim(-1, 1)
        for i, (s, w) in enumerate(zip(self.spectral, self.pointwise)):
            x = s(x) + w(x)
            if i + 1 < len(self.spectral):
                x = F.gelu(x)
        x = x.movedim(1, -1)
        return self.fc2(F.gelu(self.fc1(x)))


# ---------------------------------------------------------------- T1

def dct(x):
    """Orthonormal DCT-II along the last axis by one FFT (Makhoul)."""
    n = x.shape[-1]
    v = torch.cat([x[..., ::2], x[..., 1::2].flip(-1)], dim=-1)
    vf = torch.fft.fft(v, dim=-1)
    k = torch.arange(n, dtype=x.dtype) * (-math.pi / (2 * n))
    out = vf.real * torch.cos(k) - vf.imag * torch.sin(k)
    scale = torch.full((n,), math.sqrt(2 / n), dtype=x.dtype)
    scale[0] = math.sqrt(1 / n)
    return out * scale


def idct(c):
    """Inverse of dct (orthonormal DCT-III) along the last axis by one FFT."""
    n = c.shape[-1]
    scale = torch.full((n,), math.sqrt(2 / n), dtype=c.dtype)
    scale[0] = math.sqrt(1 / n)
    c = c / scale  # back to the unnormalised coefficients X_k
    k = torch.arange(n, dtype=c.dtype) * (math.pi / (2 * n))
    # V_k = exp(i pi k / 2n) (X_k - i X_{n-k}), X_n = 0; v = ifft(V)
    rev = torch.cat([torch.zeros_like(c[..., :1]), -c.flip(-1)[..., :-1]], dim=-1)
    vr = c * torch.cos(k) - rev * torch.sin(k)
    vi = c * torch.sin(k) + rev * torch.cos(k)
    v = torch.fft.ifft(torch.complex(vr, vi), dim=-1).real
    x = torch.empty_like(v)
    x[..., ::2] = v[..., : (n + 1) // 2]
    x[..., 1::2] = v[..., (n + 1) // 2:].flip(-1)
    return x


def dct2(x):
    return dct(dct(x).transpose(-1, -2)).transpose(-1, -2)


def idct2(x):
    return idct(idct(x).transpose(-1, -2)).transpose(-1, -2)


class T1(nn.Module):
    """kairos T1_2d (DCT, GELU, residual, VP init) in the NS configuration."""

    def __init__(self, width=48, modes=24, layers=8, signal=64, hidden=128):
        super().__init__()
        self.m = modes
        self.fc0 = nn.Linear(3, width)
        std = math.sqrt(signal * signal / (width * modes * modes))  # VP, gain 1
        self.ch = nn.ParameterList([nn.Parameter(std * torch.randn(width, width, modes, modes)) for _ in range(layers)])
        self.a1 = nn.ParameterList([nn.Parameter(math.sqrt(1 / modes) * torch.randn(modes, modes, width)) for _ in range(layers)])
        self.a2 = nn.ParameterList([nn.Parameter(math.sqrt(1 / modes) * torch.randn(modes, modes, width)) for _ in range(layers)])
        self.fc1 = nn.Linear(width, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, 1, bias=False)
        nn.init.normal_(self.fc1.weight, std=1e-8)
        nn.init.normal_(self.fc2.weight, std=1e-8)

    def forward(self, a):
        b, s1, s2, _ = a.shape
        gx = torch.linspace(0, 1, s1).reshape(1, s1, 1, 1).expand(b, s1, s2, 1)
        gy = torch.linspace(0, 1, s2).reshape(1, 1, s2, 1).expand(b, s1, s2, 1)
        x = self.fc0(torch.cat([a, gx, gy], dim=-1)).movedim(-1, 1)
        z = dct2(x)[:, :, : self.m, : self.m]
        for ch, a1, a2 in zip(self.ch, self.a1, self.a2):
            h = F.gelu(torch.einsum("bixy,ioxy->boxy", z, ch))
            h = torch.einsum("bcix,ioc->bcox", h, a1)
            h = torch.einsum("bcyi,ioc->bcyo", h, a2)
            z = h + z
        u = self.fc2(torch.sin(self.fc1(z.movedim(1, -1)))).movedim(-1, 1)
        full = F.pad(u, (0, s2 - self.m, 0, s1 - self.m))
        return idct2(full).movedim(1, -1)


# ---------------------------------------------------------------- FactFormer

# FactFormer (BaratiLab/FactFormer) and IFactFormer-m (HEAD) in plain
# torch ops, with upstream's module and parameter names, so that `check`
# can load the golden state_dicts of scripts/torch_reference.py section 12
# and compare. Two choices follow surrogo's implementation (same values,
# less work than upstream's order): the reducers average over the other
# axes before their bias-free projections (upstream projects the whole
# grid, then averages), and the integral is normalised in the head-first
# layout before one permute to channels-last.

class GeGLU(nn.Module):
    def forward(self, x):
        c = x.shape[-1] // 2
        return F.gelu(x[..., :c]) * x[..., c:]


class FeedForward(nn.Module):  # upstream MLP: .net = [Linear, act, Dropout, Linear]
    def __init__(self, dim_in, hidden, dim_out, gated):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim_in, 2 * hidden if gated else hidden), GeGLU() if gated else nn.GELU(),
                                 nn.Dropout(0.0), nn.Linear(hidden, dim_out))

    def forward(self, x):
        return self.net(x)


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class PoolingReducer(nn.Module):
    def __init__(self, dim, latent):
        super().__init__()
        self.to_in = nn.Linear(dim, dim, bias=False)
        self.out_ffn = PreNorm(dim, FeedForward(dim, dim, latent, gated=True))

    def forward(self, pooled):  # [b, n, dim]: the mean over the other axes
        return self.out_ffn(self.to_in(pooled))


class LowRankKernel(nn.Module):
    """K[b, h, i, j] = sum_e rot(q)[b, h, i, e] rot(k)[b, h, j, e], 1-D rotary positions (min_freq 1/64), no softmax."""

    def __init__(self, latent, d, heads, scaling):
        super().__init__()
        self.to_q = nn.Linear(latent, heads * d, bias=False)
        self.to_k = nn.Linear(latent, heads * d, bias=False)
        nn.init.xavier_uniform_(self.to_q.weight, gain=0.02)
        nn.init.xavier_uniform_(self.to_k.weight, gain=0.02)
        self.heads, self.d, self.scaling = heads, d, scaling

    def forward(self, z, x):  # z: [b, n, latent], x: [n] coordinates
        b, n, _ = z.shape
        inv = 1.0 / (10000 ** (torch.arange(0, self.d, 2).float() / self.d))
        ang = (x * 64.0)[:, None] * inv[None, :]
        ang = torch.cat((ang, ang), dim=-1)
        cos, sin = ang.cos(), ang.sin()
        half = self.d // 2

        def rot(t):
            t = t.reshape(b, n, self.heads, self.d).transpose(1, 2)
            return t * cos + torch.cat((-t[..., half:], t[..., :half]), dim=-1) * sin

        kern = rot(self.to_q(z)) @ rot(self.to_k(z)).transpose(-1, -2)
        return kern if self.scaling == 1 else kern * self.scaling


class FABlock(nn.Module):
    """Factorized attention over 1-3 axes: chained integrals and the domain-wise GroupNorm (FactFormer), or the
    axis integrals side by side per head and the instance norm (IFactFormer-m, parallel=True)."""

    def __init__(self, dim, dim_head, latent, heads, dim_out, km, axes, parallel):
        super().__init__()
        self.heads, self.dim_head, self.axes, self.parallel = heads, dim_head, axes, parallel
        self.in_norm = nn.LayerNorm(dim)
        self.to_v = nn.Linear(dim, heads * dim_head, bias=False)
        self.to_in = nn.Linear(dim, dim, bias=False)
        scaling = 1 / math.sqrt(dim_head * km) if km > 4 else 1.0
        for a, name in enumerate("xyz"[:axes]):
            # upstream's to_y, to_z start with a Rearrange (no parameters): index 1
            layers = [PoolingReducer(dim, latent)] if a == 0 else [nn.Identity(), PoolingReducer(dim, latent)]
            setattr(self, "to_" + name, nn.Sequential(*layers))
            setattr(self, "low_rank_kernel_" + name, LowRankKernel(latent, dim_head * km, heads, scaling))
        width = (axes if parallel else 1) * heads * dim_head
        # upstream: [GroupNorm, Linear, GELU, Linear] or [InstanceNorm3d, Rearrange, Linear, GELU, Linear]
        lead = [nn.Identity(), nn.Identity()] if parallel else [nn.Identity()]
        self.to_out = nn.Sequential(*lead, nn.Linear(width, dim_out, bias=False), nn.GELU(),
                                    nn.Linear(dim_out, dim_out, bias=False))

    def forward(self, u, pos):  # u: [b, s..., dim], pos: one coordinate vector per axis
        b, sp, d = u.shape[0], u.shape[1:-1], self.axes
        un = self.in_norm(u)
        v = self.to_v(un).reshape(b, -1, self.heads, self.dim_head).transpose(1, 2).reshape(b, self.heads, *sp, -1)
        kernels = []
        for a, name in enumerate("xyz"[:d]):
            others = tuple(1 + o for o in range(d) if o != a)
            pooled = un.mean(dim=others) if others else un
            z = getattr(self, "to_" + name)[-1](self.to_in(pooled))
            kernels.append(getattr(self, "low_rank_kernel_" + name)(z, pos[a]))
        letters = "ijk"[:d]
        outs, w = [], v
        for a, k in enumerate(kernels):
            spec = "bh" + letters[a] + "m,bh" + letters[:a] + "m" + letters[a + 1:] + "c->bh" + letters + "c"
            if self.parallel:
                outs.append(torch.einsum(spec, k, v))
            else:
                w = torch.einsum(spec, k, w)
        if self.parallel:  # InstanceNorm: each channel over the grid, biased variance, eps 1e-5
            w = torch.cat(outs, dim=-1)
            grid = tuple(range(2, 2 + d))
            mean = w.mean(dim=grid, keepdim=True)
            w = (w - mean) / (w.var(dim=grid, unbiased=False, keepdim=True) + 1e-5).sqrt()
        else:  # GroupNorm per head over the grid and its channels, torch.var (unbiased), eps 1e-8
            y = w.reshape(b, self.heads, -1)
            y = (y - y.mean(-1, keepdim=True)) / (y.var(-1, keepdim=True) + 1e-8).sqrt()
            w = y.reshape(w.shape)
        c = w.shape[-1]
        w = w.reshape(b, self.heads, -1, c).transpose(1, 2).reshape(b, *sp, self.heads * c)
        return self.to_out(w)


class FourierFeatures(nn.Module):
    def __init__(self, pos_dim, half, sigma):
        super().__init__()
        self._B = nn.Parameter(torch.randn(pos_dim, half) * sigma, requires_grad=False)

    def forward(self, p):  # p: [points, pos_dim]
        x = 2 * math.pi * (p @ self._B)
        return torch.cat([torch.sin(x), torch.cos(x)], dim=-1)


class Encoder(nn.Module):
    def __init__(self, dim, dim_head, heads, depth, km, axes, parallel, sigma):
        super().__init__()
        self.layers = nn.ModuleList([nn.ModuleList([
            nn.Sequential(FourierFeatures(axes, dim // 2, sigma), nn.Linear(dim, dim)),
            FABlock(dim, dim_head, dim, heads, dim, km, axes, parallel)]) for _ in range(depth)])


class FactFormer2D(nn.Module):
    """FactFormer-2D (upstream FactFormer2D: linear embedding of the stacked frames, depth distinct blocks, latent
    time marching, GroupNorm/conv decoder), or with n_layer > 0 IFactFormer-m in 2-D: one weight-shared parallel block
    iterated n_layer times (u <- u + block(u) / n_layer) and the conv head. [b, nx, ny, in_tw] -> [b, nx, ny, steps*out]."""

    def __init__(self, in_tw, out_dim, dim, dim_head, heads, depth, km, lm=2.0, steps=1, sigma=8.0, n_layer=0):
        super().__init__()
        self.n_layer = n_layer
        self.to_in = nn.Linear(in_tw, dim)
        self.encoder = Encoder(dim, dim_head, heads, depth, km, 2, n_layer > 0, sigma)
        if n_layer > 0:
            self.simple_to_out = nn.Sequential(nn.Identity(), nn.Conv1d(dim, dim // 2, 1, bias=False), nn.GELU(),
                                               nn.Conv1d(dim // 2, out_dim, 1))
            return
        latent = int(dim * lm)
        self.expand_latent = nn.Linear(dim, latent, bias=False)
        self.latent_time_emb = nn.Parameter(torch.randn(1, steps, 1, 1, latent) * 0.02)
        self.propagator = PreNorm(latent, FeedForward(latent, dim, latent, gated=False))
        self.simple_to_out = nn.Sequential(
            nn.Identity(), nn.GroupNorm(int(8 * lm), latent), nn.Conv1d(latent, dim, 1, groups=8, bias=False), nn.GELU(),
            nn.Conv1d(dim, dim // 2, 1, bias=False), nn.GELU(), nn.Conv1d(dim // 2, out_dim, 1))

    def forward(self, x, pos, steps=1):
        b, nx, ny, _ = x.shape
        u = self.to_in(x)
        pts = torch.stack(torch.meshgrid(pos[0], pos[1], indexing="ij"), dim=-1).reshape(-1, 2)
        for pe, blk in self.encoder.layers:
            u = u + pe(pts).reshape(1, nx, ny, -1)
            if self.n_layer == 0:
                u = blk(u, pos) + u
            for _ in range(self.n_layer):
                u = u + blk(u, pos) / self.n_layer
        if self.n_layer > 0:
            return self.simple_to_out[1:](u.reshape(b, nx * ny, -1).transpose(1, 2)).transpose(1, 2).reshape(b, nx, ny, -1)
        z = self.expand_latent(u)
        frames = []
        for t in range(steps):
            z = z + self.latent_time_emb[:, t]
            z = self.propagator(z) + z
            frames.append(self.simple_to_out[1:](z.reshape(b, nx * ny, -1).transpose(1, 2)).reshape(b, -1, nx, ny))
        return torch.stack(frames, 1).permute(0, 3, 4, 1, 2).reshape(b, nx, ny, -1)


class DenseAttention(nn.Module):
    """Pre-norm multi-head softmax attention over all points: the O(N^2) contrast of the block sweep."""

    def __init__(self, dim, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * heads * dim_head, bias=False)
        self.proj = nn.Linear(heads * dim_head, dim, bias=False)

    def forward(self, x):  # [b, n, dim]
        b, n, _ = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, n, 3, self.heads, self.dim_head).permute(2, 0, 3, 1, 4)
        a = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(self.dim_head), dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, -1))


def coords(n, length=2 * math.pi):
    return torch.linspace(0, length, n)


# ---------------------------------------------------------------- workloads

def adam_step(model, x, y, opt):
    def step():
        opt.zero_grad()
        rel_l2(model(x), y).backward()
        opt.step()
    return step


def fno2d(s, train):
    def build():
        m = FNO(2, 32, (12, 12))
        x, y = torch.randn(8, s, s, 1), torch.randn(8, s, s, 1)
        if not train:
            def infer():
                with torch.no_grad():
                    m(x)
            return infer
        return adam_step(m, x, y, torch.optim.Adam(m.parameters(), lr=1e-3))
    return build


def fno1d():
    m = FNO(1, 64, (16,))
    x, y = torch.randn(20, 1024, 1), torch.randn(20, 1024, 1)
    return adam_step(m, x, y, torch.optim.Adam(m.parameters(), lr=1e-3, weight_decay=1e-4))


def t1():
    m = T1()
    x, y = torch.randn(64, 64, 64, 1), torch.randn(64, 64, 64, 1)
    return adam_step(m, x, y, torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=1e-4))


def pinn(dtype):
    def build():
        torch.set_default_dtype(dtype)
        layers = [nn.Linear(2, 50), nn.Tanh()]
        for _ in range(3):
            layers += [nn.Linear(50, 50), nn.Tanh()]
        net = nn.Sequential(*layers, nn.Linear(50, 1))
        pts = torch.rand(25600, 2) * 2 - 1
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            x = pts.clone().requires_grad_(True)
            u = net(x)
            du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
            ux, ut = du[:, 0:1], du[:, 1:2]
            uxx = torch.autograd.grad(ux, x, torch.ones_like(ux), create_graph=True)[0][:, 0:1]
            res = ut + u * ux - 0.01 * uxx
            (res ** 2).mean().backward()
            opt.step()
        return step
    return build


# The small Kolmogorov-flow FactFormer and IFactFormer-m of bench/workloads:
# dim 64, heads 4, dim_head 32, kernel multiplier 2, 4 input frames of one
# field; FactFormer depth 3, latent multiplier 2, 2 latent steps;
# IFactFormer-m one block iterated 10 times, one frame. Batch 4.
FACTFORMER_KF = dict(in_tw=4, out_dim=1, dim=64, dim_head=32, heads=4, depth=3, km=2, lm=2.0, steps=2)
IFACTFORMER_M = dict(in_tw=4, out_dim=1, dim=64, dim_head=32, heads=4, depth=1, km=2, n_layer=10)


def factformer(cfg, s, train):
    def build():
        m = FactFormer2D(**cfg)
        steps = cfg.get("steps", 1)
        pos = [coords(s), coords(s)]
        x, y = torch.randn(4, s, s, 4), torch.randn(4, s, s, steps)
        if not train:
            def infer():
                with torch.no_grad():
                    m(x, pos, steps)
            return infer
        params = [p for p in m.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-4)

        def step():
            opt.zero_grad()
            rel_l2(m(x, pos, steps), y).backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        return step
    return build


# Block sweep: dim 64, heads 4, dim_head 32, kernel multiplier 2, batch 4.
def fablock(parallel, s):
    def build():
        blk = FABlock(64, 32, 64, 4, 64, 2, 2, parallel)
        pos = [coords(s), coords(s)]
        x = torch.randn(4, s, s, 64)

        def infer():
            with torch.no_grad():
                blk(x, pos)
        return infer
    return build


def attention(s):
    def build():
        m = DenseAttention(64, 4, 32)
        x = torch.randn(4, s * s, 64)

        def infer():
            with torch.no_grad():
                m(x)
        return infer
    return build


WORKLOADS = {
    "fno2d-step-64": fno2d(64, True), "fno2d-step-128": fno2d(128, True),
    "fno2d-infer-64": fno2d(64, False), "fno2d-infer-128": fno2d(128, False),
    "fno1d-step": fno1d, "t1-step": t1,
    "pinn-step-f64": pinn(torch.float64), "pinn-step-f32": pinn(torch.float32),
    "factformer-step-64": factformer(FACTFORMER_KF, 64, True),
    "ifactformer-m-step-64": factformer(IFACTFORMER_M, 64, True),
    "factformer-infer-64": factformer(FACTFORMER_KF, 64, False),
}
for _s in (16, 32, 64, 128, 256):
    WORKLOADS[f"factformer-block-infer-{_s}"] = fablock(False, _s)
    WORKLOADS[f"ifactformer-m-block-infer-{_s}"] = fablock(True, _s)
    if _s <= 64:  # the score matrix is batch x heads x N^2 floats: 1 GiB at 64^2
        WORKLOADS[f"attention-infer-{_s}"] = attention(_s)


def check():
    n = 64
    j = torch.arange(n, dtype=torch.float64)
    mat = torch.cos(math.pi * (j[None, :] + 0.5) * j[:, None] / n) * math.sqrt(2 / n)
    mat[0] /= math.sqrt(2)
    x = torch.randn(3, n, dtype=torch.float64)
    e1 = (dct(x) - x @ mat.T).abs().max().item()
    e2 = (idct(dct(x)) - x).abs().max().item()
    report = {"dct_vs_matrix": e1, "idct_roundtrip": e2}
    ok = e1 <= 1e-12 and e2 <= 1e-12
    # The FactFormer modules: parameter counts equal surrogo's ParamCount
    # for the two workload models, and outputs and gradients equal the
    # PyTorch goldens of section 12 (float32; surrogo matches those to 2e-5).
    # The goldens were written by PyTorch on an Intel machine; PyTorch's own
    # float32 kernels on another CPU (AMD EPYC, 2026-12-02) reproduce the
    # blocks to 3.5e-6 but the 3-step model only to 6.2e-5, so the model
    # is held to 1e-4.
    counts = {"factformer": (FACTFORMER_KF, 412385), "ifactformer-m": (IFACTFORMER_M, 138401)}
    for name, (cfg, want) in counts.items():
        got = sum(p.numel() for p in FactFormer2D(**cfg).parameters() if p.requires_grad)
        report["params_" + name] = got
        ok = ok and got == want
    errs = factformer_goldens()
    report.update(errs)
    ok = ok and all(e <= (1e-4 if k == "factformer_model" else 2e-5) for k, e in errs.items() if isinstance(e, float))
    print(json.dumps(report))
    if not ok:
        sys.exit(1)


def factformer_goldens(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch_reference.h5")):
    """Largest relative errors (max |diff| / max |golden|) of the outputs and all gradients of sum(y * proj)."""
    try:
        import h5py
    except ImportError:
        return {"factformer_goldens": "skipped: no h5py (scripts/setup.sh test installs it)"}
    f = h5py.File(path, "r")
    t = lambda ds: torch.from_numpy(ds[()])
    out = {}

    def compare(name, module, run):
        g = f[name]
        module.load_state_dict({k: t(g["params/" + k]) for k in module.state_dict()})
        x = t(g["input0"]).requires_grad_()
        y = run(module, x)
        named = [(k, p) for k, p in module.named_parameters() if p.requires_grad]
        grads = torch.autograd.grad((y * t(g["proj"])).sum(), [x] + [p for _, p in named])
        pairs = [(y, g["y"]), (grads[0], g["grad_input0"])] + [(gr, g["grads/" + k]) for (k, _), gr in zip(named, grads[1:])]
        out[name] = max(float((a.detach() - t(b)).abs().max() / t(b).abs().max()) for a, b in pairs)

    g = f["factformer_block"]
    pos = [t(g["pos0"]), t(g["pos1"])]
    compare("factformer_block", FABlock(8, 4, 8, 2, 8, 2, 2, False), lambda m, u: m(u, pos))
    g = f["ifactformer_m_block"]
    pos3 = [t(g["pos%d" % a]) for a in range(3)]
    compare("ifactformer_m_block", FABlock(8, 3, 8, 2, 8, 2, 3, True), lambda m, u: m(u, pos3))
    model = FactFormer2D(in_tw=3, out_dim=1, dim=16, dim_head=4, heads=2, depth=2, km=2, lm=1.5, steps=3)
    compare("factformer_model", model, lambda m, x: m(x, pos, 3))
    return out


def main():
    if sys.argv[1:2] == ["check"]:
        check()
        return
    name = sys.argv[1]
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    if name not in WORKLOADS:
        sys.exit(f"torch_workloads: workload must be one of {', '.join(sorted(WORKLOADS))}, got {name!r}")
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    base = rss_mib()
    step = WORKLOADS[name]()
    times = []
    for i in range(iters + 1):
        t0 = time.perf_counter()
        step()
        if i > 0:  # the first iteration warms caches and allocators
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"workload": name, "ms": times[len(times) // 2], "peak_rss_mib": rss_mib(), "base_rss_mib": base}))


if __name__ == "__main__":
    main()
