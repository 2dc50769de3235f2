#!/usr/bin/python3
"""Errors of PINN / LPINN runs from their predictions.h5: the relative L2
||u - u_pred|| / ||u|| over the (t, x) grid (surrogo's test_rel_l2) and
the same error relative to ||u - C||, C the mean of the initial condition
(the norm the LPINN paper prints beside its errors: it does not reward the
offset C of the moving-shock Burgers case).

    /usr/bin/python3 scripts/pinn_errors.py runs/sweep7/*/
"""
import sys

import h5py
import numpy as np

print("| run | rel L2 | error / norm of u - C |")
print("|---|---|---|")
for run in sys.argv[1:]:
    with h5py.File(f"{run.rstrip('/')}/predictions.h5", "r") as f:
        u, p = f["truth"][0, ..., 0], f["prediction"][0, ..., 0]
    c = u[0].mean()
    err = np.linalg.norm(u - p)
    print(f"| {run.rstrip('/').split('/')[-1]} | {err / np.linalg.norm(u):.4g} | {err / np.linalg.norm(u - c):.4g} |")
