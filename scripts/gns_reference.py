#!/usr/bin/env python3
"""Golden values for operators/gns (TestGoldenPyTorch).

An independent float64 PyTorch implementation of the GNS encode-process-
decode simulator as operators/gns documents it: features from a window of
positions (normalised velocities, wall distances / r clipped to [-1, 1],
edge displacement sender - receiver over r and its length), a brute-force
radius graph with self-loops, MLPs Linear-ReLU-...-Linear with LayerNorm
on the encoder and processor outputs, interaction layers on the
concatenation [e, h_receiver, h_sender], sum or mean aggregation, residual
node and edge updates, the noisy-input target acceleration, the MSE of the
normalised acceleration, its gradients, and one Step (no noise, clamped to
the box). Writes operators/gns/testdata/gns_reference.json.

Usage: python3 scripts/gns_reference.py
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def mlp_params(rng, name, sizes, layer_norm):
    ps = {}
    for i in range(len(sizes) - 1):
        ps[f"{name}.{i}.weight"] = rng.normal(0, 0.6, (sizes[i + 1], sizes[i]))
        ps[f"{name}.{i}.bias"] = rng.normal(0, 0.2, sizes[i + 1])
    if layer_norm:
        ps[f"{name}.norm.weight"] = 1 + rng.normal(0, 0.2, sizes[-1])
        ps[f"{name}.norm.bias"] = rng.normal(0, 0.2, sizes[-1])
    return ps


def mlp(p, name, x, layers, layer_norm):
    for i in range(layers):
        if i > 0:
            x = torch.relu(x)
        x = x @ p[f"{name}.{i}.weight"].T + p[f"{name}.{i}.bias"]
    if layer_norm:
        x = torch.nn.functional.layer_norm(x, x.shape[-1:], p[f"{name}.norm.weight"], p[f"{name}.norm.bias"], 1e-5)
    return x


def case(seed, agg):
    rng = np.random.default_rng(seed)
    d, c, L, M, H, n = 2, 3, 6, 2, 2, 10
    radius, noise_std = 0.3, 0.003
    lo, hi = np.zeros(d), np.array([1.0, 1.2])
    stats = {"vel_mean": [0.002, -0.001], "vel_std": [0.01, 0.02], "acc_mean": [0.0, -0.0005], "acc_std": [0.001, 0.002]}
    # A window [c+2, n, d] of float32-exact positions inside the box; two particles near walls.
    x0 = rng.uniform(0.1, 0.9, (n, d))
    x0[0] = [0.02, 0.5]
    x0[1] = [0.5, 1.15]
    v = rng.normal(0, 0.01, (n, d))
    a = rng.normal(0, 0.002, (n, d))
    pos = np.stack([x0 + k * v + 0.5 * k * k * a for k in range(c + 2)]).astype(np.float32).astype(np.float64)
    noise = np.zeros((c + 1, n, d))
    # GNS's random walk: velocity noise cumulated, positions its integral.
    noise[1:] = np.cumsum(np.cumsum(rng.normal(0, noise_std / np.sqrt(c), (c, n, d)), axis=0), axis=0)

    nodes_in, edges_in = (c + 2) * d, d + 1
    p = {}
    p.update(mlp_params(rng, "encoder.node", [nodes_in] + [L] * H + [L], True))
    p.update(mlp_params(rng, "encoder.edge", [edges_in] + [L] * H + [L], True))
    for k in range(M):
        p.update(mlp_params(rng, f"processor.{k}.edge", [3 * L] + [L] * H + [L], True))
        p.update(mlp_params(rng, f"processor.{k}.node", [2 * L] + [L] * H + [L], True))
    p.update(mlp_params(rng, "decoder", [L] + [L] * H + [d], False))
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}

    vel_std = np.sqrt(np.array(stats["vel_std"]) ** 2 + noise_std ** 2)
    acc_std = np.sqrt(np.array(stats["acc_std"]) ** 2 + noise_std ** 2)
    vel_mean, acc_mean = np.array(stats["vel_mean"]), np.array(stats["acc_mean"])

    def forward(window):
        last = window[-1]
        vel = (np.diff(window, axis=0) - vel_mean) / vel_std  # [c, n, d]
        feats = np.concatenate([vel.transpose(1, 0, 2).reshape(n, c * d),
                                np.clip((last - lo) / radius, -1, 1), np.clip((hi - last) / radius, -1, 1)], axis=1)
        senders, receivers = [], []
        for i in range(n):
            for j in range(n):
                if np.sum((last[i] - last[j]) ** 2) <= radius * radius:
                    senders.append(j)
                    receivers.append(i)
        senders, receivers = np.array(senders), np.array(receivers)
        disp = (last[senders] - last[receivers]) / radius
        efeat = np.concatenate([disp, np.linalg.norm(disp, axis=1, keepdims=True)], axis=1)
        h = mlp(tp, "encoder.node", torch.tensor(feats), H + 1, True)
        e = mlp(tp, "encoder.edge", torch.tensor(efeat), H + 1, True)
        s_idx, r_idx = torch.tensor(senders), torch.tensor(receivers)
        counts = torch.bincount(r_idx, minlength=n).clamp(min=1).unsqueeze(1).double()
        for k in range(M):
            msg = mlp(tp, f"processor.{k}.edge", torch.cat([e, h[r_idx], h[s_idx]], 1), H + 1, True)
            aggr = torch.zeros(n, L).index_add_(0, r_idx, msg)
            if agg == "mean":
                aggr = aggr / counts
            h = h + mlp(tp, f"processor.{k}.node", torch.cat([h, aggr], 1), H + 1, True)
            e = e + msg
        return mlp(tp, "decoder", h, H + 1, False), len(senders)

    noisy = pos[: c + 1] + noise
    pred, edges = forward(noisy)
    # GNS: the target position keeps the last input's noise.
    target_acc = (pos[c + 1] + noise[c]) - 2 * noisy[c] + noisy[c - 1]
    target = torch.tensor((target_acc - acc_mean) / acc_std)
    loss = torch.mean((pred - target) ** 2)
    loss.backward()
    grads = {k: t.grad.numpy().tolist() for k, t in tp.items()}

    with torch.no_grad():
        clean = pos[: c + 1]
        pn, _ = forward(clean)
        acc = pn.numpy() * acc_std + acc_mean
        nxt = np.clip(clean[c] + (clean[c] - clean[c - 1]) + acc, lo, hi)

    cfg = {"dim": d, "history": c, "radius": radius, "latent": L, "message_passing": M, "mlp_hidden": H,
           "aggregate": agg, "noise_std": noise_std, "box_lo": lo.tolist(), "box_hi": hi.tolist(), "stats": stats}
    return {"config": cfg, "n": n, "edges": edges, "positions": pos.ravel().tolist(), "noise": noise.ravel().tolist(),
            "params": {k: np.asarray(v).ravel().tolist() for k, v in p.items()},
            "loss": loss.item(), "pred": pred.detach().numpy().ravel().tolist(),
            "grads": {k: np.asarray(v).ravel().tolist() for k, v in grads.items()}, "step": nxt.ravel().tolist()}


def main():
    out = {"torch": torch.__version__, "cases": [case(1, "sum"), case(2, "mean")]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "operators", "gns", "testdata", "gns_reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, [(cs["config"]["aggregate"], cs["edges"], cs["loss"]) for cs in out["cases"]])


if __name__ == "__main__":
    main()
