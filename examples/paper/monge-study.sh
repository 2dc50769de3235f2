#!/usr/bin/env bash
# The classical mover on 2-D Burgers fields at several monitor weights:
# one run directory, runs/monge-burgers2d (its data generated once, 4 test
# samples at 192^2); each beta re-evaluates it (a [model] key of a family
# that trains nothing only reruns evaluation), and its metrics and figures
# are kept in runs/monge-burgers2d-bBETA; then a comparison table.
#   examples/paper/monge-study.sh [BETA ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
sim="${SIMULATE:-bin/simulate}"
[ -x "$sim" ] || go build -o "$sim" ./cmd/simulate
betas=("$@")
[ ${#betas[@]} -gt 0 ] || betas=(2 5 10 20 100)
dirs=()
for b in "${betas[@]}"; do
	keep="runs/monge-burgers2d-b$b"
	if nice -n 10 "$sim" run -q -set "model.beta=$b" examples/paper/monge-burgers2d.toml; then
		rm -rf "$keep" && mkdir -p "$keep"
		cp -r runs/monge-burgers2d/{config.toml,metrics.json,figures} "$keep/"
		dirs+=("$keep")
	else
		echo "beta $b: the classical mover failed (above)"
	fi
done
[ ${#dirs[@]} -eq 0 ] || "$sim" compare "${dirs[@]}"
