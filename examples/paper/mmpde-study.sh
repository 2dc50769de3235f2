#!/usr/bin/env bash
# MM-PDE against its uniform-mesh baseline (issue 18, D4): the same
# config with model.mesh = moved and uniform, into runs/mmpde-burgers2d
# and runs/mmpde-burgers2d-uniform, side by side (one core each), then a
# comparison table. A killed study resumes where each run stopped.
#   examples/paper/mmpde-study.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
sim="${SIMULATE:-bin/simulate}"
[ -x "$sim" ] || go build -o "$sim" ./cmd/simulate
mkdir -p runs
cfg=examples/paper/mmpde-burgers2d.toml
GOMAXPROCS=1 nice -n 5 "$sim" run -workers 1 "$cfg" > runs/mmpde-burgers2d.log 2>&1 &
moved=$!
GOMAXPROCS=1 nice -n 5 "$sim" run -workers 1 -set model.mesh=uniform -out runs/mmpde-burgers2d-uniform "$cfg" > runs/mmpde-burgers2d-uniform.log 2>&1 &
uniform=$!
wait $moved
wait $uniform
"$sim" compare runs/mmpde-burgers2d runs/mmpde-burgers2d-uniform
