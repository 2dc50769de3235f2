#!/usr/bin/python3
"""MLS-MPM with APIC transfers in vectorised NumPy: the scheme of surrogo's
solvers/mpm (quadratic B-splines, MLS stress force, slip / sticky walls one
boundary layer thick, gravity, particles clamped one cell inside the box),
for the speed comparison of issue 16 and an agreement check.

The structure is the classic MLS-MPM loop (Hu et al. 2018): particle to grid
by np.bincount over the 3^d stencil nodes of all particles at once, the grid
update on the whole grid, grid to particle by gathering the same nodes.
Materials: the weakly compressible fluid (Tait, tau = -(K / gamma)
(J^(1 - gamma) - J) I, F reset to J^(1/d) I) and fixed-corotated elasticity
(tau = 2 mu (F - R) F^T + lambda (J - 1) J I, R from a batched SVD).

    /usr/bin/python3 bench/mpm.py bench WORKLOAD STEPS
        one workload of bench/run_mpm.sh (mpm-water-2d-128, mpm-jelly-3d-64,
        ...: the dam-break block of solvers/mpm's step benchmarks); prints
        JSON: median ms per step, particles, peak and base resident MiB.
    /usr/bin/python3 bench/mpm.py agree DIR
        reads DIR/params.json and the state DIR/state.bin (float64 X, V, C,
        F), runs params["steps"] steps and writes DIR/numpy.bin (X, V, C, F
        after them): the Go test TestNumPyReferenceAgrees compares.
"""
import itertools
import json
import resource
import sys
import time

import numpy as np


def rss_mib():
    """Peak resident set of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Solver:
    """One Params of solvers/mpm, prepared for NumPy."""

    def __init__(self, p):
        self.d = d = p["dim"]
        self.cells = p["cells"]
        self.length = p["length"]
        self.dx = self.length / self.cells
        self.inv = 1 / self.dx
        self.dt = p["dt"]
        self.nodes = self.cells + 1
        self.gravity = np.zeros(d) if not p.get("gravity") else np.array(p["gravity"], dtype=np.float64)
        self.boundary = p.get("boundary") or 3
        self.wall = p.get("wall") or "slip"
        self.volume = p["volume"]
        m = p["material"]
        self.kind = m["kind"]
        self.mass = m["rho"] * self.volume
        if self.kind == "fluid":
            self.bulk, self.gamma = m["bulk"], (m.get("gamma") or 1.0)
        elif self.kind == "corotated":
            e, nu = m["e"], m["nu"]
            self.mu = e / (2 * (1 + nu))
            self.lam = e * nu / ((1 + nu) * (1 - 2 * nu))
        else:
            raise ValueError(f"material {self.kind!r} not implemented here (fluid, corotated)")
        self.offsets = np.array(list(itertools.product(range(3), repeat=d)))  # (3^d, d), last axis fastest
        self.strides = np.array([self.nodes ** (d - 1 - a) for a in range(d)])
        idx = np.indices((self.nodes,) * d).reshape(d, -1)  # node index per axis, flat row-major
        high = self.cells - self.boundary
        self.low_wall = idx < self.boundary  # (d, nodes^d)
        self.high_wall = idx > high

    def stress(self, F):
        """Kirchhoff stress of each F, (n, d, d); F is admissible (fluid: J^(1/d) I)."""
        d = self.d
        if self.kind == "fluid":
            j = np.linalg.det(F)
            t = -(self.bulk / self.gamma) * (j ** (1 - self.gamma) - j)
            return t[:, None, None] * np.eye(d)
        u, s, vt = np.linalg.svd(F)
        # Signed SVD: U and V rotations, the last singular value negative for an inverted F.
        flip = np.linalg.det(u) < 0
        u[flip, :, -1] *= -1
        s[flip, -1] *= -1
        flip = np.linalg.det(vt) < 0
        vt[flip, -1, :] *= -1
        s[flip, -1] *= -1
        j = np.prod(s, axis=1)
        t = 2 * self.mu * (s - 1) * s + (self.lam * (j - 1) * j)[:, None]
        return np.matmul(u * t[:, None, :], u.transpose(0, 2, 1))

    def step(self, x, v, C, F):
        """Advances the particles by one time step (arrays updated in place)."""
        n, d = x.shape
        k = len(self.offsets)
        # Particle to grid.
        tau = self.stress(F)
        affine = self.mass * C - (self.dt * self.volume * 4 * self.inv * self.inv) * tau
        g = x * self.inv
        base = (g - 0.5).astype(np.int64)
        fx = g - base
        w = np.stack([0.5 * (1.5 - fx) ** 2, 0.75 - (fx - 1) ** 2, 0.5 * (fx - 0.5) ** 2])  # (3, n, d)
        # Per stencil node (k, n): flat node index, weight, offset x_i - x_p.
        node = (base @ self.strides)[None, :] + (self.offsets @ self.strides)[:, None]
        weight = np.ones((k, n))
        for a in range(d):
            weight *= w[self.offsets[:, a], :, a]
        dpos = (self.offsets[:, None, :] - fx[None, :, :]) * self.dx  # (k, n, d)
        momentum = self.mass * v[None, :, :] + sum(affine[None, :, :, j] * dpos[:, :, None, j] for j in range(d))
        flat = node.ravel()
        size = self.nodes ** d
        grid_m = np.bincount(flat, weights=(weight * self.mass).ravel(), minlength=size)
        grid_v = np.stack([np.bincount(flat, weights=(weight * momentum[:, :, a]).ravel(), minlength=size) for a in range(d)])
        # Grid update.
        has = grid_m > 0
        grid_v[:, has] = grid_v[:, has] / grid_m[has] + self.dt * self.gravity[:, None]
        self.apply_walls(grid_v)
        # Grid to particle.
        gv = grid_v[:, node]  # (d, k, n)
        wv = weight[None] * gv
        v[:] = wv.sum(axis=1).T
        scale = 4 * self.inv * self.inv
        for a in range(d):
            for b in range(d):
                C[:, a, b] = scale * (wv[a] * dpos[:, :, b]).sum(axis=0)
        np.clip(x + self.dt * v, self.dx, self.length - self.dx, out=x)
        F[:] = np.matmul(np.eye(d) + self.dt * C, F)
        if self.kind == "fluid":
            j = np.linalg.det(F)
            F[:] = (j ** (1 / d))[:, None, None] * np.eye(d)

    def apply_walls(self, gv):
        if self.wall == "none":
            return
        if self.wall == "sticky":
            gv[:, (self.low_wall | self.high_wall).any(axis=0)] = 0
            return
        for a in range(self.d):
            into = (self.low_wall[a] & (gv[a] < 0)) | (self.high_wall[a] & (gv[a] > 0))
            gv[a, into] = 0


# The step benchmarks of solvers/mpm (bench_test.go damBreak): a block 0.4
# wide, 0.6 high (0.4 deep in 3-D) in the corner of the unit box, slip
# walls, gravity 9.8, dt at the stability limit 0.5 dx / (c + sqrt(2 g)).
MATERIALS = {
    "water": {"kind": "fluid", "bulk": 1e4, "rho": 1000.0},
    "jelly": {"kind": "corotated", "e": 1e5, "nu": 0.3, "rho": 1000.0},
}


def sound_speed(m):
    if m["kind"] == "fluid":
        return (m["bulk"] / m["rho"]) ** 0.5
    e, nu = m["e"], m["nu"]
    mu, lam = e / (2 * (1 + nu)), e * nu / ((1 + nu) * (1 - 2 * nu))
    return ((lam + 2 * mu) / m["rho"]) ** 0.5


def dam_break(name):
    """Params and initial particles of a workload mpm-MATERIAL-Dd-CELLS."""
    _, material, dims, cells = name.split("-")
    d, cells = int(dims[0]), int(cells)
    m = MATERIALS[material]
    dx = 1.0 / cells
    h = dx / 2  # 2^d particles per cell
    lo = 3.0 / cells
    half = np.full(d, 0.2)
    half[-1] = 0.3
    centre = lo + half
    axes = []
    for a in range(d):
        first = int(np.ceil((centre[a] - half[a]) / h - 0.5))
        last = int(np.floor((centre[a] + half[a]) / h - 0.5))
        axes.append((np.arange(first, last + 1) + 0.5) * h)
    x = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    x = x[np.all(np.abs(x - centre) <= half, axis=1)].copy()
    gravity = [0.0] * d
    gravity[-1] = -9.8
    dt = 0.5 * dx / (sound_speed(m) + (2 * 9.8 * 1.0) ** 0.5)
    p = {"dim": d, "cells": cells, "length": 1.0, "dt": dt, "gravity": gravity, "volume": h ** d, "material": m}
    n = len(x)
    return p, x, np.zeros((n, d)), np.zeros((n, d, d)), np.tile(np.eye(d), (n, 1, 1))


def bench(name, steps):
    base = rss_mib()
    p, x, v, C, F = dam_break(name)
    s = Solver(p)
    for _ in range(2):  # warm-up, as the Go workload
        s.step(x, v, C, F)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        s.step(x, v, C, F)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"workload": name, "ms": 1000 * float(np.median(times)), "particles": len(x),
                      "peak_rss_mib": rss_mib(), "base_rss_mib": base}))


def agree(directory):
    with open(f"{directory}/params.json") as f:
        p = json.load(f)
    d, n = p["dim"], p["particles"]
    raw = np.fromfile(f"{directory}/state.bin", dtype="<f8")
    sizes = [n * d, n * d, n * d * d, n * d * d]
    if raw.size != sum(sizes):
        raise SystemExit(f"state.bin has {raw.size} values, {sum(sizes)} expected")
    parts = np.split(raw, np.cumsum(sizes)[:-1])
    x, v = parts[0].reshape(n, d).copy(), parts[1].reshape(n, d).copy()
    C, F = parts[2].reshape(n, d, d).copy(), parts[3].reshape(n, d, d).copy()
    s = Solver(p)
    for _ in range(p["steps"]):
        s.step(x, v, C, F)
    np.concatenate([x.ravel(), v.ravel(), C.ravel(), F.ravel()]).astype("<f8").tofile(f"{directory}/numpy.bin")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "agree":
        agree(sys.argv[2])
    else:
        raise SystemExit(__doc__)
