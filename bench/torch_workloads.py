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


WORKLOADS = {
    "fno2d-step-64": fno2d(64, True), "fno2d-step-128": fno2d(128, True),
    "fno2d-infer-64": fno2d(64, False), "fno2d-infer-128": fno2d(128, False),
    "fno1d-step": fno1d, "t1-step": t1,
    "pinn-step-f64": pinn(torch.float64), "pinn-step-f32": pinn(torch.float32),
}


def check():
    n = 64
    j = torch.arange(n, dtype=torch.float64)
    mat = torch.cos(math.pi * (j[None, :] + 0.5) * j[:, None] / n) * math.sqrt(2 / n)
    mat[0] /= math.sqrt(2)
    x = torch.randn(3, n, dtype=torch.float64)
    e1 = (dct(x) - x @ mat.T).abs().max().item()
    e2 = (idct(dct(x)) - x).abs().max().item()
    print(json.dumps({"dct_vs_matrix": e1, "idct_roundtrip": e2}))
    if e1 > 1e-12 or e2 > 1e-12:
        sys.exit(1)


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
