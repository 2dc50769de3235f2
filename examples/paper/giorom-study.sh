#!/usr/bin/env bash
# Issue 17's comparison at CPU scale: for water and sand (2-D MLS-MPM,
# the same 15 trajectories for every model of a material), the
# full-order GNS (gns-MATERIAL-cpu.toml) and GIOROM advancing 25%, 10% and
# 5% of the particles (giorom-MATERIAL-cpu.toml with model.sampling set
# and the sparse-graph radius 0.02 / sqrt(sampling), so a sampled
# particle keeps about as many neighbours as in the GNS, and the
# reconstruction's splat grid 64 sqrt(sampling) nodes per axis, about four
# sampled particles per cell: 32, 20, 14), one resumable
# run after another (kill it and start again: finished stages are
# skipped, training continues from its last completed step). The configs
# roll out from stored frame 250, after the bodies first touch a wall;
# each run is also evaluated from frame 0 (the bodies' free flight) in a
# copy RUN-flight: its checkpoint hard-linked (written only by rename, so
# the original is never modified), the data read where the run's
# config.toml names it (data.output). Then one comparison table per
# material and window.
#   examples/paper/giorom-study.sh [MATERIAL ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
sim="${SIMULATE:-bin/simulate}"
[ -x "$sim" ] || go build -o "$sim" ./cmd/simulate
materials=("$@")
[ ${#materials[@]} -gt 0 ] || materials=(water sand)
for m in "${materials[@]}"; do
	nice -n 10 "$sim" run -q "examples/paper/gns-$m-cpu.toml"
	for s in 25 10 5; do
		r=$(awk "BEGIN { printf \"%.4f\", 0.02 / sqrt($s / 100) }")
		g=$(awk "BEGIN { printf \"%d\", 64 * sqrt($s / 100) + 0.5 }")
		nice -n 10 "$sim" run -q -set "name=giorom-$m-cpu-$s" -set "model.sampling=0.$(printf %02d "$s")" \
			-set "model.radius=$r" -set "model.recon_grid=$g" "examples/paper/giorom-$m-cpu.toml"
	done
	runs=("runs/gns-$m-cpu" "runs/giorom-$m-cpu-25" "runs/giorom-$m-cpu-10" "runs/giorom-$m-cpu-5")
	for r in "${runs[@]}"; do
		mkdir -p "$r-flight"
		[ -d "$r-flight/checkpoints" ] || cp -al "$r/checkpoints" "$r-flight/"
		[ -f "$r-flight/run.json" ] || cp "$r/run.json" "$r/train.json" "$r/train_log.csv" "$r-flight/"
		nice -n 10 "$sim" run -q -out "$r-flight" -set eval.start_frame=0 "$r/config.toml"
	done
	"$sim" compare -figure "docs/figures/giorom-$m-rollout-mse" "${runs[@]}"
	"$sim" compare -figure "docs/figures/giorom-$m-flight-rollout-mse" "${runs[@]/%/-flight}"
done
