#!/usr/bin/env bash
# Issue 15's comparison on Kolmogorov flow at CPU scale: the data once
# (kolmogorov-cpu.toml, ~19 CPU-minutes), then FNO-2D, FactFormer,
# IFactFormer-m, IFactFormer-o and T1 on it, one after another, each a
# resumable run (kill it and start again: finished stages are skipped,
# training continues from its last epoch); then the comparison tables.
#   examples/paper/kolmogorov-study.sh [MODEL ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
sim="${SIMULATE:-bin/simulate}"
[ -x "$sim" ] || go build -o "$sim" ./cmd/simulate
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(fno factformer ifactformer-m ifactformer-o t1)
# generate resumes from data.h5.tmp; a finished data.h5 is kept.
[ -f runs/kolmogorov-cpu/data/data.h5 ] || nice -n 10 "$sim" generate -workers 2 examples/paper/kolmogorov-cpu.toml
for m in "${models[@]}"; do
	nice -n 10 "$sim" run -q "examples/paper/kolmogorov-$m-cpu.toml"
done
runs=()
for m in fno t1 factformer ifactformer-o ifactformer-m; do
	[ -f "runs/kolmogorov-$m-cpu/metrics.json" ] && runs+=("runs/kolmogorov-$m-cpu")
done
"$sim" compare -figure docs/figures/kolmogorov-rollout-error "${runs[@]}"
