#!/usr/bin/env python3
"""Write small PDEBench-layout fixture files with h5py.

Usage: python3 pdebench_fixtures.py OUTDIR [--nan-sample K]

Writes exactly these five files into OUTDIR (created if missing), with
PDEBench's file names, dataset names, shape conventions, coordinate
conventions and root attributes (as pdebench/data_gen writes them:
data_gen_NLE/Data_Merge.py for the 1-D, Darcy and CFD files,
gen_diff_react.py for the per-sample groups):

  1D_Burgers_Sols_Nu0.01.hdf5      tensor [N, T, X] float32,
                                   x-coordinate [X], t-coordinate [T+1]
                                   (float32), attribute Nu = 0.01.
                                   gzip level 4 with shuffle, chunks
                                   (1, T, X).
  1D_Advection_Sols_beta0.1.hdf5   the same layout, attribute beta = 0.1.
                                   LZF, chunks (1, 1, X).
  2D_DarcyFlow_beta1.0_Train.hdf5  tensor [N, 1, X, Y] (the solution u),
                                   nu [N, X, Y] (the coefficient),
                                   x-/y-coordinate, attribute beta = 1.0.
                                   gzip level 1, chunks of one sample.
  2D_diff-react_NA_NA.h5           groups "0000", "0001", ...: data
                                   [T, X, Y, C] float32 with C = 2,
                                   grid/x [X], grid/y [Y], grid/t [T]
                                   (float32), group attribute config
                                   (YAML text). LZF, h5py's own chunks,
                                   as PDEBench writes them.
  1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5
                                   density, pressure, Vx [N, T, X],
                                   x-coordinate [X], t-coordinate [T+1],
                                   attributes eta = zeta = 0.01. density
                                   gzip, pressure LZF, Vx gzip without
                                   shuffle, chunks (1, 1, X).

Sizes: N = 12 samples, T = 11 frames, X = 32 points in 1-D, 16 x 16 in
2-D (Darcy and the sample groups).

Every stored field value is

    value(k, s, t, i, j) = 32 k + (s + 1) (1 + t/16 + i/512 + j/8192)

with s the sample, t the frame, i and j the grid indices (j = 0 in 1-D)
and k the variable: 0 for a one-variable field; the channel c for the
sample groups; 0, 1, 2 for density, pressure, Vx. Darcy's nu is frame
t = 0 and its solution u (tensor) is frame t = 1, both with k = 0. The
values are dyadic rationals of at most 21 significant bits, so float64
arithmetic and the cast to float32 are exact: a reader recomputes them
with the same formula and compares with ==.

--nan-sample K writes NaN into sample K's last frame at grid point i = 3
(j = 2 in 2-D): in tensor (1-D files), in Darcy's solution tensor (frame
1), in group K's data (channel 0), and in the CFD file's pressure only.

Prints nothing on success; exits non-zero with a message otherwise.
"""

import argparse
import os
import sys

import h5py
import numpy as np

N, T, X = 12, 11, 32
X2 = Y2 = 16
C = 2
NAN_I, NAN_J = 3, 2

BURGERS = "1D_Burgers_Sols_Nu0.01.hdf5"
ADVECTION = "1D_Advection_Sols_beta0.1.hdf5"
DARCY = "2D_DarcyFlow_beta1.0_Train.hdf5"
DIFF_REACT = "2D_diff-react_NA_NA.h5"
CFD = "1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5"


def value(k, s, t, i, j=0):
    """The formula above, vectorised over numpy index arrays."""
    return 32.0 * k + (s + 1.0) * (1.0 + t / 16.0 + i / 512.0 + j / 8192.0)


def field_1d(k=0):
    """[N, T, X] float32 of variable k."""
    s, t, i = np.meshgrid(np.arange(N), np.arange(T), np.arange(X), indexing="ij")
    return value(k, s, t, i).astype(np.float32)


def cell_centres(lo, hi, n):
    """PDEBench's cell-centred coordinates: xe[:-1] + dx/2 (float32)."""
    edges = np.linspace(lo, hi, n + 1, dtype=np.float32)
    return (edges[:-1] + np.float32(0.5) * (edges[1] - edges[0])).astype(np.float32)


def times(n, dt):
    """PDEBench's t-coordinate: arange(n) * dt_save (float32)."""
    return (np.arange(n) * dt).astype(np.float32)


def write_1d(path, attrs, nan_sample, **opts):
    u = field_1d()
    if nan_sample is not None:
        u[nan_sample, T - 1, NAN_I] = np.nan
    with h5py.File(path, "w") as f:
        f.create_dataset("tensor", data=u, **opts)
        f.create_dataset("x-coordinate", data=cell_centres(0.0, 1.0, X))
        f.create_dataset("t-coordinate", data=times(T + 1, 0.1))
        for k, v in attrs.items():
            f.attrs[k] = v


def write_darcy(path, nan_sample):
    s, i, j = np.meshgrid(np.arange(N), np.arange(X2), np.arange(Y2), indexing="ij")
    nu = value(0, s, 0, i, j).astype(np.float32)
    u = value(0, s, 1, i, j).astype(np.float32)[:, None, :, :]
    if nan_sample is not None:
        u[nan_sample, 0, NAN_I, NAN_J] = np.nan
    with h5py.File(path, "w") as f:
        f.create_dataset("tensor", data=u, chunks=(1, 1, X2, Y2), compression="gzip", compression_opts=1)
        f.create_dataset("nu", data=nu, chunks=(1, X2, Y2), compression="gzip", compression_opts=1)
        f.create_dataset("x-coordinate", data=cell_centres(0.0, 1.0, X2))
        f.create_dataset("y-coordinate", data=cell_centres(0.0, 1.0, Y2))
        f.attrs["beta"] = 1.0


CONFIG = """name: 2d_diff-react_NA_NA
sim:
  julia_ck: false
  t: 5
  tdim: %d
  xdim: %d
  ydim: %d
  n: 1
  seed: %d
"""


def write_diff_react(path, nan_sample):
    t, i, j, c = np.meshgrid(np.arange(T), np.arange(X2), np.arange(Y2), np.arange(C), indexing="ij")
    x = cell_centres(-1.0, 1.0, X2)
    y = cell_centres(-1.0, 1.0, Y2)
    tc = np.linspace(0.0, 5.0, T, dtype=np.float32)
    with h5py.File(path, "w") as f:
        for s in range(N):
            data = value(c, s, t, i, j).astype(np.float32)
            if s == nan_sample:
                data[T - 1, NAN_I, NAN_J, 0] = np.nan
            name = str(s).zfill(4)
            f.create_dataset(name + "/data", data=data, dtype="float32", compression="lzf")
            f.create_dataset(name + "/grid/x", data=x, dtype="float32", compression="lzf")
            f.create_dataset(name + "/grid/y", data=y, dtype="float32", compression="lzf")
            f.create_dataset(name + "/grid/t", data=tc, dtype="float32", compression="lzf")
            f[name].attrs["config"] = CONFIG % (T, X2, Y2, s)


def write_cfd(path, nan_sample):
    fields = {"density": field_1d(0), "pressure": field_1d(1), "Vx": field_1d(2)}
    if nan_sample is not None:
        fields["pressure"][nan_sample, T - 1, NAN_I] = np.nan
    opts = {
        "density": dict(compression="gzip", compression_opts=4, shuffle=True),
        "pressure": dict(compression="lzf"),
        "Vx": dict(compression="gzip", compression_opts=1, shuffle=False),
    }
    with h5py.File(path, "w") as f:
        for name in ("density", "pressure", "Vx"):
            f.create_dataset(name, data=fields[name], chunks=(1, 1, X), **opts[name])
        f.create_dataset("x-coordinate", data=cell_centres(-1.0, 1.0, X))
        f.create_dataset("t-coordinate", data=times(T + 1, 0.05))
        f.attrs["eta"] = 0.01
        f.attrs["zeta"] = 0.01


def main(argv):
    p = argparse.ArgumentParser(description="Write small PDEBench-layout HDF5 fixtures.")
    p.add_argument("outdir", metavar="OUTDIR")
    p.add_argument("--nan-sample", metavar="K", type=int, default=None,
                   help="write a NaN into sample K's last frame")
    a = p.parse_args(argv)
    if a.nan_sample is not None and not 0 <= a.nan_sample < N:
        p.error("--nan-sample %d: expected 0 to %d" % (a.nan_sample, N - 1))
    os.makedirs(a.outdir, exist_ok=True)
    out = lambda name: os.path.join(a.outdir, name)
    write_1d(out(BURGERS), {"Nu": 0.01}, a.nan_sample,
             chunks=(1, T, X), compression="gzip", compression_opts=4, shuffle=True)
    write_1d(out(ADVECTION), {"beta": 0.1}, a.nan_sample, chunks=(1, 1, X), compression="lzf")
    write_darcy(out(DARCY), a.nan_sample)
    write_diff_react(out(DIFF_REACT), a.nan_sample)
    write_cfd(out(CFD), a.nan_sample)


if __name__ == "__main__":
    main(sys.argv[1:])
