#!/usr/bin/python3
"""Golden values from PyTorch for surrogo's engine tests.

Builds small networks with fixed random weights and writes inputs, weights,
outputs and gradients to testdata/torch_reference.h5, which the Go tests in
autograd/ and nn/ read. PyTorch is the independent reference: nobody here
wrote it. Run with Debian's python3-torch and python3-h5py:

    /usr/bin/python3 scripts/torch_reference.py [testdata/torch_reference.h5]

The output is committed, so CI does not need PyTorch. Regenerate it after
changing this script; the file must stay under 1 MB.
"""
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261126)
out_path = sys.argv[1] if len(sys.argv) > 1 else "testdata/torch_reference.h5"


def arr(t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t)
    return t.cpu().numpy()


def put(g, name, t):
    g.create_dataset(name, data=arr(t) if torch.is_tensor(t) else np.asarray(t))


def grads_of(loss, tensors):
    return torch.autograd.grad(loss, tensors)


f = h5py.File(out_path, "w")
f.attrs["torch_version"] = str(torch.__version__)
f.attrs["generator"] = "scripts/torch_reference.py"

# 1. FNO-2D block (float32): gelu(SpectralConv(x) + Conv1x1(x)), original
#    scripts' corner convention (weights1 rows :m1, weights2 rows -m1:).
g = f.create_group("fno_block")
B, C, n1, n2, m1, m2 = 2, 3, 16, 12, 4, 4
x = torch.randn(B, C, n1, n2, requires_grad=True)
scale = 1 / (C * C)
w1 = (scale * torch.rand(C, C, m1, m2, dtype=torch.cfloat)).requires_grad_()
w2 = (scale * torch.rand(C, C, m1, m2, dtype=torch.cfloat)).requires_grad_()
conv = torch.nn.Conv2d(C, C, 1)
xf = torch.fft.rfft2(x)
of = torch.zeros(B, C, n1, n2 // 2 + 1, dtype=torch.cfloat)
of[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", xf[:, :, :m1, :m2], w1)
of[:, :, -m1:, :m2] = torch.einsum("bixy,ioxy->boxy", xf[:, :, -m1:, :m2], w2)
spec = torch.fft.irfft2(of, s=(n1, n2))
y = F.gelu(spec + conv(x))
proj = torch.randn_like(y)
loss = (y * proj).sum()
gx, gw1, gw2, gcw, gcb = grads_of(loss, [x, w1, w2, conv.weight, conv.bias])
for k, v in dict(x=x, w1=w1, w2=w2, conv_w=conv.weight[:, :, 0, 0], conv_b=conv.bias, spec=spec, y=y, proj=proj,
                 grad_x=gx, grad_w1=gw1, grad_w2=gw2, grad_conv_w=gcw[:, :, 0, 0], grad_conv_b=gcb).items():
    put(g, k, v)
g.attrs["modes"] = [m1, m2]

# 2. PINN MLP (float64): u(x, t) = MLP, derivatives u_x, u_t, u_xx, the
#    viscous Burgers residual and the weight gradient of its mean square.
g = f.create_group("mlp_pinn")
nu = 0.01 / np.pi
mlp = torch.nn.Sequential(torch.nn.Linear(2, 20), torch.nn.Tanh(), torch.nn.Linear(20, 20), torch.nn.Tanh(),
                          torch.nn.Linear(20, 1)).double()
pts = (torch.rand(32, 2, dtype=torch.float64) * 2 - 1).requires_grad_()
u = mlp(pts)
du = torch.autograd.grad(u.sum(), pts, create_graph=True)[0]
u_x, u_t = du[:, 0:1], du[:, 1:2]
u_xx = torch.autograd.grad(u_x.sum(), pts, create_graph=True)[0][:, 0:1]
res = u_t + u * u_x - nu * u_xx
loss = (res ** 2).mean()
params = list(mlp.parameters())
wg = torch.autograd.grad(loss, params)
put(g, "pts", pts)
for i, (p, gp) in enumerate(zip(params, wg)):
    put(g, "param%d" % i, p)
    put(g, "grad%d" % i, gp)
for k, v in dict(u=u, u_x=u_x, u_t=u_t, u_xx=u_xx, residual=res).items():
    put(g, k, v)
g.attrs["nu"] = nu
g.attrs["loss"] = loss.item()

# 3. Multi-head attention (float32), torch.nn.MultiheadAttention.
g = f.create_group("attention")
E, H, L = 8, 2, 5
mha = torch.nn.MultiheadAttention(E, H, batch_first=True)
xa = torch.randn(2, L, E, requires_grad=True)
ya, _ = mha(xa, xa, xa, need_weights=False)
proj = torch.randn_like(ya)
loss = (ya * proj).sum()
gxa, gin_w, gin_b, gout_w, gout_b = grads_of(loss, [xa, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight,
                                                    mha.out_proj.bias])
for k, v in dict(x=xa, in_w=mha.in_proj_weight, in_b=mha.in_proj_bias, out_w=mha.out_proj.weight,
                 out_b=mha.out_proj.bias, y=ya, proj=proj, grad_x=gxa, grad_in_w=gin_w, grad_in_b=gin_b,
                 grad_out_w=gout_w, grad_out_b=gout_b).items():
    put(g, k, v)
g.attrs["heads"] = H

# 4. Message passing (float64): m_e = tanh(W_m [x_src, x_dst - x_src] + b_m),
#    a_i = sum_{e: dst(e)=i} m_e, y_i = W_u [x_i, a_i] + b_u.
g = f.create_group("message_passing")
N, D, Hd = 6, 3, 4
xm = torch.randn(N, D, dtype=torch.float64, requires_grad=True)
src = torch.tensor([0, 1, 2, 3, 4, 5, 0, 2, 4, 1])
dst = torch.tensor([1, 2, 3, 4, 5, 0, 3, 5, 1, 1])
lin_m = torch.nn.Linear(2 * D, Hd).double()
lin_u = torch.nn.Linear(D + Hd, D).double()
msg = torch.tanh(lin_m(torch.cat([xm[src], xm[dst] - xm[src]], dim=1)))
agg = torch.zeros(N, Hd, dtype=torch.float64).index_add(0, dst, msg)
ym = lin_u(torch.cat([xm, agg], dim=1))
proj = torch.randn_like(ym)
loss = (ym * proj).sum()
gr = grads_of(loss, [xm, lin_m.weight, lin_m.bias, lin_u.weight, lin_u.bias])
for k, v in dict(x=xm, src=src, dst=dst, wm=lin_m.weight, bm=lin_m.bias, wu=lin_u.weight, bu=lin_u.bias, y=ym,
                 proj=proj, grad_x=gr[0], grad_wm=gr[1], grad_bm=gr[2], grad_wu=gr[3], grad_bu=gr[4]).items():
    put(g, k, v)

# 5. T1 layer in DCT space (float32): z = DCT-II (orthonormal, both axes),
#    kept block z[:, :, :m1, :m2]; channel mixing per mode, GELU, mode
#    mixing along each axis per channel, residual (kairos T1Layer2d).
g = f.create_group("t1_layer")
B, C, n1, n2, m1, m2 = 2, 3, 10, 8, 5, 4


def dct_matrix(n):
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    c = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * j + 1) * k / (2 * n))
    c[0] /= np.sqrt(2.0)
    return torch.tensor(c, dtype=torch.float32)


xt = torch.randn(B, C, n1, n2, requires_grad=True)
D1, D2 = dct_matrix(n1), dct_matrix(n2)
z = torch.einsum("ki,bcij,lj->bckl", D1, xt, D2)[:, :, :m1, :m2]
w_ch = (0.3 * torch.randn(C, C, m1, m2)).requires_grad_()
w_s1 = (torch.randn(m1, m1, C) / np.sqrt(m1)).requires_grad_()
w_s2 = (torch.randn(m2, m2, C) / np.sqrt(m2)).requires_grad_()
h = F.gelu(torch.einsum("bixy,ioxy->boxy", z, w_ch))
h = torch.einsum("bcix,ioc->bcox", h, w_s1)
h = torch.einsum("bcyi,ioc->bcyo", h, w_s2)
yt = h + z
proj = torch.randn_like(yt)
loss = (yt * proj).sum()
gr = grads_of(loss, [xt, w_ch, w_s1, w_s2])
for k, v in dict(x=xt, w_ch=w_ch, w_s1=w_s1, w_s2=w_s2, z=z, y=yt, proj=proj, grad_x=gr[0], grad_w_ch=gr[1],
                 grad_w_s1=gr[2], grad_w_s2=gr[3]).items():
    put(g, k, v)
g.attrs["modes"] = [m1, m2]

# 6. Norm layers (float64).
g = f.create_group("norms")
xn = (3 * torch.randn(2, 4, 5, 3, dtype=torch.float64) + 1).requires_grad_()
lw, lb = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
gw, gb = torch.randn(4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
outs = dict(layer=F.layer_norm(xn, (5, 3), lw, lb), group=F.group_norm(xn, 2, gw, gb), instance=F.instance_norm(xn))
put(g, "x", xn)
for k, v in dict(ln_w=lw, ln_b=lb, gn_w=gw, gn_b=gb).items():
    put(g, k, v)
for k, yv in outs.items():
    p = torch.randn_like(yv)
    put(g, k, yv)
    put(g, k + "_proj", p)
    put(g, k + "_grad_x", torch.autograd.grad((yv * p).sum(), xn)[0])

# 7. Optimizer trajectories (float64 and one float32 run):
#    loss(w) = |A w - b|^2 / 2 + 0.1 sum sin(3 w), 6 steps each.
g = f.create_group("optim")
A = torch.randn(8, 6, dtype=torch.float64)
bvec = torch.randn(8, dtype=torch.float64)
w0 = torch.randn(6, dtype=torch.float64)
put(g, "A", A)
put(g, "b", bvec)
put(g, "w0", w0)
configs = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.02),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    "adamax": lambda p: torch.optim.Adamax(p, lr=0.1, weight_decay=0.01),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.3, weight_decay=0.01, amsgrad=True),
}
for name, make in list(configs.items()) + [("adam_float32", configs["adam"])]:
    dt = torch.float32 if name.endswith("float32") else torch.float64
    w = w0.clone().to(dt).requires_grad_()
    opt = make([w])
    traj = []
    for _ in range(6):
        opt.zero_grad()
        l = 0.5 * ((A.to(dt) @ w - bvec.to(dt)) ** 2).sum() + 0.1 * torch.sin(3 * w).sum()
        l.backward()
        opt.step()
        traj.append(w.detach().clone())
    put(g, name, torch.stack(traj))

# 8. Learning-rate schedules: the rate used in each of 12 epochs.
g = f.create_group("schedules")


def lrs(make_sched, n=12, metrics=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    s = make_sched(opt)
    out = []
    for i in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
    return out


plateau_metrics = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3]
put(g, "step", lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)))
put(g, "multistep", lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [2, 5], 0.1)))
put(g, "exponential", lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)))
put(g, "cosine", lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 8, eta_min=0.01), n=9))
put(g, "onecycle", lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20), n=20))
put(g, "plateau", lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2),
                      metrics=plateau_metrics))
put(g, "plateau_metrics", plateau_metrics)

# 9. FFTs (float64): rfftn over the last 2 and 3 axes, and irfftn back.
g = f.create_group("fft")
xf2 = torch.randn(2, 6, 10, dtype=torch.float64)
xf3 = torch.randn(2, 4, 6, 5, dtype=torch.float64)
put(g, "x2", xf2)
put(g, "X2", torch.fft.rfftn(xf2, dim=(-2, -1)))
put(g, "x3", xf3)
put(g, "X3", torch.fft.rfftn(xf3, dim=(-3, -2, -1)))
Zr = torch.randn(2, 6, 6, dtype=torch.cdouble)
put(g, "Z", Zr)
put(g, "irfft2_Z", torch.fft.irfftn(Zr, s=(6, 10), dim=(-2, -1)))

# 10. The whole T1 rFFT ("dft") model (float64): lift, rfft2 (ortho), kept
#     block rows 0..m1-1 and n1-m1..n1-1 x columns 0..m2-1, two layers of
#     complex channel mixing -> tanh of the real and imaginary parts ->
#     complex mode mixing along each axis -> residual, complex head
#     fc1 -> split sin -> fc2 (no biases),
#     the block zero-filled back into the half spectrum, irfft2 (ortho).
#     Weights in surrogo's layout: complex ones carry a trailing axis of 2.
g = f.create_group("t1_dft")
B, n1, n2, W, H, m1, m2, L = 2, 8, 10, 4, 6, 2, 3, 2
k1, k2 = 2 * m1, m2
a_in = torch.randn(B, n1, n2, 1, dtype=torch.float64, requires_grad=True)
gx, gy = torch.linspace(0, 1, n1, dtype=torch.float64), torch.linspace(0, 1, n2, dtype=torch.float64)
coords = torch.stack(torch.meshgrid(gx, gy, indexing="ij"), -1).expand(B, n1, n2, 2)
fc0 = torch.nn.Linear(3, W).double()
xl = fc0(torch.cat([a_in, coords], -1)).permute(0, 3, 1, 2)
rows = list(range(m1)) + list(range(n1 - m1, n1))
zc = torch.fft.rfft2(xl, norm="ortho")[:, :, rows, :m2]
vc = torch.view_as_complex
leaves = [a_in, fc0.weight, fc0.bias]
names = ["grad_a", "grad_fc0_w", "grad_fc0_b"]
for l in range(L):
    wch = (0.3 * torch.randn(W, W, k1, k2, 2, dtype=torch.float64)).requires_grad_()
    ws1 = (torch.randn(k1, k1, W, 2, dtype=torch.float64) / np.sqrt(k1)).requires_grad_()
    ws2 = (torch.randn(k2, k2, W, 2, dtype=torch.float64) / np.sqrt(k2)).requires_grad_()
    h = torch.einsum("bixy,ioxy->boxy", zc, vc(wch))
    h = torch.complex(torch.tanh(h.real), torch.tanh(h.imag))
    h = torch.einsum("bcix,ioc->bcox", h, vc(ws1))
    h = torch.einsum("bcyi,ioc->bcyo", h, vc(ws2))
    zc = h + zc
    for nm, t in ((f"ch{l}", wch), (f"s1_{l}", ws1), (f"s2_{l}", ws2)):
        put(g, nm, t)
        leaves.append(t)
        names.append("grad_" + nm)
fc1 = (0.5 * torch.randn(W, H, 2, dtype=torch.float64)).requires_grad_()
fc2 = (0.5 * torch.randn(H, 1, 2, dtype=torch.float64)).requires_grad_()
zl = zc.permute(0, 2, 3, 1)
h = torch.einsum("bxyi,io->bxyo", zl, vc(fc1))
u = torch.einsum("bxyi,io->bxyo", torch.complex(torch.sin(h.real), torch.sin(h.imag)), vc(fc2))
full = torch.zeros(B, 1, n1, n2 // 2 + 1, dtype=torch.cdouble)
full[:, :, rows, :m2] = u.permute(0, 3, 1, 2)
y = torch.fft.irfft2(full, s=(n1, n2), norm="ortho").permute(0, 2, 3, 1)
proj = torch.randn_like(y)
leaves += [fc1, fc2]
names += ["grad_fc1", "grad_fc2"]
gr = grads_of((y * proj).sum(), leaves)
for k, v in dict(a=a_in, fc0_w=fc0.weight, fc0_b=fc0.bias, fc1=fc1, fc2=fc2, y=y, proj=proj).items():
    put(g, k, v)
for k, v in zip(names, gr):
    put(g, k, v)
put(g, "modes_list", [m1, m2])

# 11. One LPINN training step (float64): two separate tanh branches on
#     (cos x0, sin x0, t) -- u with 3 tanh layers of 6, the displacement d
#     with 2 (x_L = x0 + d) -- for u_t + beta u_x = nu u_xx (beta 2, nu 0.05):
#     r_x = d_t - beta, r_u = u_t - nu u_x0x0, loss 10 ||r_x|| + ||r_u||
#     + 1000 (||d(x0, 0)|| + ||u(x0, 0) - sin x0||), its gradients, and one
#     Adam step (amsgrad, lr 0.01).
g = f.create_group("lpinn_step")
H = 6


def branch(depth):
    return [torch.nn.Linear(3, H).double()] + [torch.nn.Linear(H, H).double() for _ in range(depth - 1)] + \
        [torch.nn.Linear(H, 1).double()]


def run_branch(layers, x, t):
    h = torch.cat([torch.cos(x), torch.sin(x), t], 1)
    for i, layer in enumerate(layers):
        h = layer(h)
        if i + 1 < len(layers):
            h = torch.tanh(h)
    return h


Ub, Db = branch(3), branch(2)
xc = (2 * np.pi * torch.rand(12, 1, dtype=torch.float64)).requires_grad_()
tc = torch.rand(12, 1, dtype=torch.float64).requires_grad_()
x0 = torch.linspace(0, 2 * np.pi, 6, dtype=torch.float64)[:5].reshape(5, 1)
u0 = torch.sin(x0)
for name, layers in (("u", Ub), ("x", Db)):
    for i, layer in enumerate(layers):
        put(g, f"{name}{i}_w", layer.weight)
        put(g, f"{name}{i}_b", layer.bias)
uo = run_branch(Ub, xc, tc)
ux, ut = torch.autograd.grad(uo, (xc, tc), torch.ones_like(uo), create_graph=True)
uxx = torch.autograd.grad(ux, xc, torch.ones_like(ux), create_graph=True)[0]
do = run_branch(Db, xc, tc)
dtt = torch.autograd.grad(do, tc, torch.ones_like(do), create_graph=True)[0]
zeros = torch.zeros_like(x0)
loss = 10 * torch.norm(dtt - 2.0) + torch.norm(ut - 0.05 * uxx) + \
    1000 * (torch.norm(run_branch(Db, x0, zeros)) + torch.norm(run_branch(Ub, x0, zeros) - u0))
plist = [(f"{name}{i}_{k}", getattr(layer, "weight" if k == "w" else "bias"))
         for name, layers in (("u", Ub), ("x", Db)) for i, layer in enumerate(layers) for k in ("w", "b")]
grads = torch.autograd.grad(loss, [p for _, p in plist])
opt = torch.optim.Adam([p for _, p in plist], lr=0.01, amsgrad=True)
for (_, p), gr in zip(plist, grads):
    p.grad = gr
opt.step()
for (name, p), gr in zip(plist, grads):
    put(g, "grad_" + name, gr)
    put(g, "step_" + name, p)
for k, v in dict(x=xc, t=tc, x0=x0, u0=u0, loss=loss).items():
    put(g, k, v)

f.close()
print("wrote", out_path)
