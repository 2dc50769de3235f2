#!/usr/bin/python3
"""Reference timings of one solver time step in NumPy and PyTorch (CPU).

The same schemes as surrogo's solvers/navierstokes (FNO's Crank-Nicolson /
forward-Euler step and ETDRK4, 2/3 dealiasing, FNO forcing) and
solvers/burgers (ETDRK4 at 8192 points), written the straightforward way
in each library. Prints JSON: median milliseconds per step per workload.

    /usr/bin/python3 bench/solvers.py numpy|torch [threads]
"""
import json
import sys
import time

import numpy as np

backend = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
if backend == "torch":
    import torch
    torch.set_num_threads(threads)
    fft = torch.fft
    xp = torch

    def asarr(a):
        return torch.from_numpy(np.ascontiguousarray(a))
else:
    fft = np.fft
    xp = np

    def asarr(a):
        return a


def median_ms(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * float(np.median(ts))


def etd_coefs(lin, h):
    m = 32
    r = np.exp(1j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    LR = h * lin[..., None] + r
    Q = h * np.real(np.mean((np.exp(LR / 2) - 1) / LR, axis=-1))
    f1 = h * np.real(np.mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR ** 2)) / LR ** 3, axis=-1))
    f2 = h * np.real(np.mean((2 + LR + np.exp(LR) * (-2 + LR)) / LR ** 3, axis=-1))
    f3 = h * np.real(np.mean((-4 - 3 * LR - LR ** 2 + np.exp(LR) * (4 - LR)) / LR ** 3, axis=-1))
    return [asarr(c) for c in (np.exp(h * lin), np.exp(h * lin / 2), Q, f1, f2, f3)]


def ns_setup(n, nu=1e-3, dt=1e-4):
    k1 = np.fft.fftfreq(n, 1.0 / n)
    k2 = np.fft.rfftfreq(n, 1.0 / n)
    kx, ky = np.meshgrid(2 * np.pi * k1, 2 * np.pi * k2, indexing="ij")
    lap = kx ** 2 + ky ** 2
    lap_p = lap.copy()
    lap_p[0, 0] = 1
    mask = (np.abs(np.meshgrid(k1, k2, indexing="ij")[0]) < n / 3) & (np.abs(np.meshgrid(k1, k2, indexing="ij")[1]) < n / 3)
    x = np.arange(n) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    f = 0.1 * (np.sin(2 * np.pi * (X + Y)) + np.cos(2 * np.pi * (X + Y)))
    w = np.random.default_rng(0).standard_normal((n, n))
    return dict(kx=asarr(1j * kx), ky=asarr(1j * ky), lap=asarr(lap), lap_p=asarr(lap_p), mask=asarr(mask),
                fh=fft.rfft2(asarr(f)), wh=fft.rfft2(asarr(w)), nu=nu, dt=dt, n=n, lin=-nu * lap)


def ns_rhs(s, wh):
    n = s["n"]
    psi = wh / s["lap_p"]
    u = fft.irfft2(s["ky"] * psi, s=(n, n))
    v = fft.irfft2(-s["kx"] * psi, s=(n, n))
    wx = fft.irfft2(s["kx"] * wh, s=(n, n))
    wy = fft.irfft2(s["ky"] * wh, s=(n, n))
    F = fft.rfft2(u * wx + v * wy) * s["mask"]
    return s["fh"] - F


def ns_cn_step(s):
    N = ns_rhs(s, s["wh"])
    a = 0.5 * s["dt"] * s["nu"] * s["lap"]
    s["wh"] = (s["dt"] * N + (1 - a) * s["wh"]) / (1 + a)


def ns_etd_step(s):
    E, E2, Q, f1, f2, f3 = s["etd"]
    w = s["wh"]
    Nv = ns_rhs(s, w)
    a = E2 * w + Q * Nv
    Na = ns_rhs(s, a)
    b = E2 * w + Q * Na
    Nb = ns_rhs(s, b)
    c = E2 * a + Q * (2 * Nb - Nv)
    Nc = ns_rhs(s, c)
    s["wh"] = E * w + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3


def burgers_setup(n=8192, nu=0.1, dt=1e-5):
    k = 2 * np.pi * np.fft.rfftfreq(n, 1.0 / n)
    mask = np.arange(n // 2 + 1) < n / 3
    u = np.random.default_rng(0).standard_normal(n)
    return dict(n=n, ik=asarr(-0.5j * k * mask), v=fft.rfft(asarr(u)), etd=etd_coefs(-nu * k ** 2, dt))


def burgers_N(s, v):
    u = fft.irfft(v, n=s["n"])
    return s["ik"] * fft.rfft(u * u)


def burgers_step(s):
    E, E2, Q, f1, f2, f3 = s["etd"]
    v = s["v"]
    Nv = burgers_N(s, v)
    a = E2 * v + Q * Nv
    Na = burgers_N(s, a)
    b = E2 * v + Q * Na
    Nb = burgers_N(s, b)
    c = E2 * a + Q * (2 * Nb - Nv)
    Nc = burgers_N(s, c)
    s["v"] = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3


out = {}
for n in (64, 256):
    s = ns_setup(n)
    s["etd"] = etd_coefs(-1e-3 * s["lap"].numpy() if backend == "torch" else -1e-3 * s["lap"], 1e-4)
    reps = 50 if n == 64 else 10
    out["ns_fno_cn_%d" % n] = median_ms(lambda: ns_cn_step(s), reps)
    out["ns_etdrk4_%d" % n] = median_ms(lambda: ns_etd_step(s), reps)
bs = burgers_setup()
out["burgers_etdrk4_8192"] = median_ms(lambda: burgers_step(bs), 30)
print(json.dumps(out))
