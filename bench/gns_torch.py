#!/usr/bin/python3
"""PyTorch side of the GNS training-step comparison (bench/run_gns.sh): the
model of surrogo's operators/gns (encoder MLPs, interaction layers with
residual node and edge updates, decoder; MLPs of 3 Linear layers with ReLU
and an output LayerNorm except the decoder's; sum aggregation) in plain
PyTorch, gather by index_select and scatter-sum by index_add_, float32.

One training step, as bench/workloads times it: random-walk noise on the
input frames, the radius graph on the noisy last positions, the node and
edge features and the target acceleration (in float64, as surrogo, then
float32 for the network), the MSE loss, backward, Adam (lr 1e-4). The
radius graph is brute force and cell-free: the N x N squared distances in
float64, <= r^2 (self loops included), then nonzero, which sorts the edges
by receiver like geometry.RadiusGraph.

Two variants of the interaction layer's edge MLP input:
  concat  cat([e, h[receivers], h[senders]]) then Linear, as upstream GNS
          (Sanchez-Gonzalez et al. 2020 and its PyTorch ports) writes it;
  split   the first Linear's weight split by columns, h W_r^T and h W_s^T
          computed on the N nodes and then gathered, as surrogo's
          nn.InteractionLayer does (the same affine map, fewer products).

    /usr/bin/python3 bench/gns_torch.py bench WORKLOAD ITERS THREADS [concat|split]
        one workload (gns-2d-600-w64, gns-2d-2400-w128, ...): prints JSON:
        median ms per step, median ms of the graph build inside it, edges,
        particles, peak and base resident MiB.
    /usr/bin/python3 bench/gns_torch.py agree DIR
        reads DIR/config.json, DIR/positions.f32, DIR/params.f32 (surrogo's
        initial weights in its Params order), runs one step without noise,
        checks that its own positions generator gives DIR's positions, and
        writes DIR/torch.json (losses before and after the Adam step, edge
        count, both variants) and DIR/grads_VARIANT.f32 (the gradients of
        the first step): the Go test TestTorchGNSAgrees compares.
"""
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HISTORY = 5
BLOCKS = {600: (30, 20), 2400: (60, 40)}


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gns_hash(p, k):
    """bench/workloads gnsHash: exact in float64."""
    return ((p * 2654435761 + k * 40503) % (1 << 32)) / float(1 << 32) - 0.5


def positions(nx, ny):
    """bench/workloads gnsPositions, same float64 operations: [C+2, n, 2] float32."""
    n = nx * ny
    p = np.arange(n, dtype=np.int64)
    h = [((p * 2654435761 + k * 40503) % (1 << 32)).astype(np.float64) / float(1 << 32) - 0.5 for k in range(4)]
    ix, iy = (p % nx).astype(np.float64), (p // nx).astype(np.float64)
    x0 = (0.1 + 0.015 * ix) + 0.004 * h[0]
    y0 = (0.1 + 0.015 * iy) + 0.004 * h[1]
    vx, vy = 0.002 * h[2], 0.002 * h[3]
    out = np.empty((HISTORY + 2, n, 2), dtype=np.float32)
    for f in range(HISTORY + 2):
        ff = float(f)
        out[f, :, 0] = x0 + ff * vx
        out[f, :, 1] = (y0 + ff * vy) - 1e-4 * (ff * ff)
    return out


def config(latent, noise):
    """bench/workloads gnsConfig."""
    return {"dim": 2, "history": HISTORY, "radius": 0.035, "latent": latent, "message_passing": 4, "mlp_hidden": 2,
            "aggregate": "sum", "noise_std": noise, "box_lo": [0, 0], "box_hi": [1, 1],
            "stats": {"vel_mean": [0, 0], "vel_std": [1e-3, 1e-3], "acc_mean": [0, -2e-4], "acc_std": [3e-4, 3e-4]}}


class MLP(nn.Module):
    def __init__(self, cin, hidden, layers, cout, norm):
        super().__init__()
        dims = [cin] + [hidden] * layers + [cout]
        self.lins = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.norm = nn.LayerNorm(cout) if norm else None

    def rest(self, y):
        """The MLP after the first layer's affine map y."""
        for lin in self.lins[1:]:
            y = lin(F.relu(y))
        return self.norm(y) if self.norm is not None else y

    def forward(self, x):
        return self.rest(self.lins[0](x))

    def named(self, prefix):
        out = []
        for i, lin in enumerate(self.lins):
            out += [(f"{prefix}.{i}.weight", lin.weight), (f"{prefix}.{i}.bias", lin.bias)]
        if self.norm is not None:
            out += [(f"{prefix}.norm.weight", self.norm.weight), (f"{prefix}.norm.bias", self.norm.bias)]
        return out


class Interaction(nn.Module):
    def __init__(self, latent, hidden_layers, split):
        super().__init__()
        self.latent, self.split = latent, split
        self.edge = MLP(3 * latent, latent, hidden_layers, latent, True)
        self.node = MLP(2 * latent, latent, hidden_layers, latent, True)

    def forward(self, h, e, senders, receivers):
        n, L = h.shape[0], self.latent
        if self.split:
            first = self.edge.lins[0]
            w = first.weight
            pre = F.linear(e, w[:, :L], first.bias)
            pre = pre + F.linear(h, w[:, L:2 * L]).index_select(0, receivers)
            pre = pre + F.linear(h, w[:, 2 * L:]).index_select(0, senders)
            msg = self.edge.rest(pre)
        else:
            msg = self.edge(torch.cat([e, h.index_select(0, receivers), h.index_select(0, senders)], dim=1))
        agg = torch.zeros(n, msg.shape[1], dtype=msg.dtype).index_add_(0, receivers, msg)
        return h + self.node(torch.cat([h, agg], dim=1)), e + msg


class GNS(nn.Module):
    def __init__(self, cfg, split):
        super().__init__()
        d, c, L, k = cfg["dim"], cfg["history"], cfg["latent"], cfg["mlp_hidden"]
        self.enc_node = MLP((c + 2) * d, L, k, L, True)
        self.enc_edge = MLP(d + 1, L, k, L, True)
        self.processor = nn.ModuleList(Interaction(L, k, split) for _ in range(cfg["message_passing"]))
        self.decoder = MLP(L, L, k, d, False)

    def forward(self, nodes, edges, senders, receivers):
        h, e = self.enc_node(nodes), self.enc_edge(edges)
        for p in self.processor:
            h, e = p(h, e, senders, receivers)
        return self.decoder(h)

    def named(self):
        """surrogo's Params order and names."""
        out = self.enc_node.named("encoder.node") + self.enc_edge.named("encoder.edge")
        for k, p in enumerate(self.processor):
            out += p.edge.named(f"processor.{k}.edge") + p.node.named(f"processor.{k}.node")
        return out + self.decoder.named("decoder")


class Step:
    """One training step on a window [C+2, n, d] (float64 tensor)."""

    def __init__(self, cfg, split, lr=1e-4):
        self.cfg = cfg
        self.model = GNS(cfg, split)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        noise = cfg["noise_std"]
        eff = lambda v: torch.tensor([(x * x + noise * noise) ** 0.5 or 1.0 for x in v], dtype=torch.float64)  # Stats.Effective
        st = cfg["stats"]
        self.vel_mean, self.vel_std = torch.tensor(st["vel_mean"], dtype=torch.float64), eff(st["vel_std"])
        self.acc_mean, self.acc_std = torch.tensor(st["acc_mean"], dtype=torch.float64), eff(st["acc_std"])
        self.lo = torch.tensor(cfg["box_lo"], dtype=torch.float64)
        self.hi = torch.tensor(cfg["box_hi"], dtype=torch.float64)
        self.graph_s = 0.0

    def graph(self, x):
        """Brute-force radius graph with self loops, sorted by receiver."""
        r2 = self.cfg["radius"] ** 2
        d2 = None
        for a in range(x.shape[1]):
            diff = x[:, a, None] - x[None, :, a]
            d2 = diff * diff if d2 is None else d2 + diff * diff
        receivers, senders = (d2 <= r2).nonzero(as_tuple=True)
        return senders, receivers

    def loss(self, window, noisy=True):
        c, R = self.cfg["history"], self.cfg["radius"]
        inp = window[:c + 1]
        if noisy and self.cfg["noise_std"] > 0:
            s = self.cfg["noise_std"] / c ** 0.5
            walk = torch.cumsum(s * torch.randn(c, *inp.shape[1:], dtype=torch.float64), dim=0)
            inp = torch.cat([inp[:1], inp[1:] + walk])
        last = inp[c]
        t0 = time.perf_counter()
        senders, receivers = self.graph(last)
        self.graph_s = time.perf_counter() - t0
        n = last.shape[0]
        vel = (inp[1:] - inp[:-1] - self.vel_mean) / self.vel_std  # [c, n, d]
        walls = torch.cat([((last - self.lo) / R).clamp(-1, 1), ((self.hi - last) / R).clamp(-1, 1)], dim=1)
        nodes = torch.cat([vel.permute(1, 0, 2).reshape(n, -1), walls], dim=1).float()
        rel = (last.index_select(0, senders) - last.index_select(0, receivers)) / R
        edges = torch.cat([rel, (rel * rel).sum(1, keepdim=True).sqrt()], dim=1).float()
        acc = window[c + 1] - 2 * inp[c] + inp[c - 1]
        target = ((acc - self.acc_mean) / self.acc_std).float()
        pred = self.model(nodes, edges, senders, receivers)
        return F.mse_loss(pred, target), senders.shape[0]

    def __call__(self, window, noisy=True):
        self.opt.zero_grad(set_to_none=False)
        loss, edges = self.loss(window, noisy)
        loss.backward()
        self.opt.step()
        return loss.item(), edges


def parse(name):
    m = re.fullmatch(r"gns-2d-(\d+)-w(\d+)", name)
    if not m or int(m.group(1)) not in BLOCKS:
        sys.exit(f"unknown workload {name!r}: want gns-2d-{{600,2400}}-w{{64,128}}")
    return BLOCKS[int(m.group(1))], int(m.group(2))


def bench(name, iters, threads, variant):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    (nx, ny), latent = parse(name)
    base = rss_mib()
    step = Step(config(latent, 3e-4), variant == "split")
    window = torch.from_numpy(positions(nx, ny)).double()
    times, graph = [], []
    for i in range(iters + 1):
        t0 = time.perf_counter()
        _, edges = step(window)
        if i > 0:  # the first iteration warms up, as bench/workloads
            times.append((time.perf_counter() - t0) * 1e3)
            graph.append(step.graph_s * 1e3)
    times.sort()
    graph.sort()
    print(json.dumps({"workload": name, "variant": variant, "threads": threads, "ms": times[len(times) // 2],
                      "graph_ms": graph[len(graph) // 2], "edges": edges, "particles": nx * ny,
                      "peak_rss_mib": rss_mib(), "base_rss_mib": base, "torch": torch.__version__}))


def agree(d):
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(d, "config.json")))
    n, frames = cfg["n"], cfg["history"] + 2
    pos = np.fromfile(os.path.join(d, "positions.f32"), dtype="<f4").reshape(frames, n, cfg["dim"])
    mine = positions(cfg["nx"], cfg["ny"])
    same_positions = bool(np.array_equal(pos, mine))
    flat = np.fromfile(os.path.join(d, "params.f32"), dtype="<f4")
    window = torch.from_numpy(pos).double()
    out = {"same_positions": same_positions, "torch": torch.__version__}
    for variant in ("concat", "split"):
        step = Step(cfg, variant == "split")
        off = 0
        named = step.model.named()
        if [k for k, _ in named] != cfg["param_names"]:
            sys.exit(f"parameter names differ:\n{[k for k, _ in named]}\n{cfg['param_names']}")
        with torch.no_grad():
            for _, p in named:
                p.copy_(torch.from_numpy(flat[off:off + p.numel()].copy()).reshape(p.shape))
                off += p.numel()
        if off != flat.size:
            sys.exit(f"params.f32 has {flat.size} values, the model {off}")
        loss0, edges = step(window, noisy=False)
        np.concatenate([p.grad.numpy().ravel() for _, p in named]).astype("<f4").tofile(
            os.path.join(d, f"grads_{variant}.f32"))
        with torch.no_grad():
            loss1, _ = step.loss(window, noisy=False)
        out[variant] = {"loss0": loss0, "loss1": loss1.item(), "edges": edges}
    json.dump(out, open(os.path.join(d, "torch.json"), "w"))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else "concat")
    elif len(sys.argv) == 3 and sys.argv[1] == "agree":
        agree(sys.argv[2])
    else:
        sys.exit(__doc__)
