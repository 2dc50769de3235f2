#!/usr/bin/python3
"""Golden values from PyTorch for surrogo's 2-D convolution.

For each case below, draws x [N, C, H, W], a weight [O, C, kH, kW], a bias
[O] and a projection p (float64, fixed seed) and writes to
testdata/torch_conv2d.h5, one group per case:

    y      = F.conv2d(x, w, b, stride, padding)
    loss   = sum(tanh(y) * p)
    grad_x, grad_w, grad_b = d loss / d (x, w, b)
    second = sum(grad_x^2) + sum(grad_w^2)
    grad2_x, grad2_w = d second / d (x, w)   (double backward)

autograd/conv_test.go reads it. PyTorch is the independent reference. The
output is committed, so CI does not need PyTorch; run with Debian's
python3-torch and python3-h5py:

    /usr/bin/python3 scripts/torch_conv2d_reference.py [testdata/torch_conv2d.h5]
"""
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

# name: (N, C, H, W, O, kH, kW, stride, padding)
CASES = {
    "dmm_first": (2, 1, 12, 12, 8, 5, 5, (2, 2), (2, 2)),
    "same_5x5": (2, 4, 7, 6, 3, 5, 5, (1, 1), (2, 2)),
    "valid_non_square": (3, 2, 6, 9, 4, 3, 2, (1, 1), (0, 0)),
    "mixed": (2, 3, 9, 8, 2, 3, 4, (2, 1), (1, 2)),
}


def case_group(f, name, spec, gen):
    n, c, h, w_, o, kh, kw, stride, padding = spec

    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).requires_grad_()

    x, w, b = randn(n, c, h, w_), randn(o, c, kh, kw), randn(o)
    y = F.conv2d(x, w, b, stride=stride, padding=padding)
    p = torch.randn(*y.shape, generator=gen, dtype=torch.float64)
    loss = (torch.tanh(y) * p).sum()
    gx, gw, gb = torch.autograd.grad(loss, [x, w, b], create_graph=True)
    second = (gx ** 2).sum() + (gw ** 2).sum()
    g2x, g2w = torch.autograd.grad(second, [x, w])
    g = f.create_group(name)
    g.create_dataset("stride", data=np.asarray(stride, dtype=np.int64))
    g.create_dataset("padding", data=np.asarray(padding, dtype=np.int64))
    for k, v in dict(x=x, w=w, b=b, p=p, y=y, loss=loss, grad_x=gx, grad_w=gw, grad_b=gb, second=second,
                     grad2_x=g2x, grad2_w=g2w).items():
        g.create_dataset(k, data=v.detach().numpy())


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "testdata/torch_conv2d.h5"
    gen = torch.Generator().manual_seed(20260518)
    with h5py.File(out_path, "w") as f:
        f.attrs["torch_version"] = str(torch.__version__).encode()
        for name, spec in CASES.items():
            case_group(f, name, spec, gen)
    print("wrote", out_path)


if __name__ == "__main__":
    main()
