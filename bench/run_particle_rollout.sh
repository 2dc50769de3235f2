#!/usr/bin/env bash
# Side-by-side rollout speed of trained particle models (issue 17's "time
# per step"): each RUN_DIR (relative to the repository root, the first
# the baseline, e.g. runs/gns-water-cpu) is re-evaluated from a copy (its
# config with run_dir moved to a temporary directory, its run record and
# training outputs, the checkpoints hard-linked; the data file is read
# where the config's data.output names it) by `simulate run`, whose only
# unfinished stages are then evaluate and plot (checked: the copy's
# checkpoint must still be the run's, so nothing retrained); one process
# per run, the runs alternating, ROUNDS times. Prints the median seconds per rolled-out step (the time-stepper
# alone and, for a reduced-order model, with the reconstruction of every
# particle), the MPM solver's seconds per frame measured in the same
# evaluations, and the speed-ups over the first run, as a Markdown table
# for docs/VALIDATION.md. Run it on a quiet machine: the evaluations that
# end a study share the CPU with whatever else runs.
#
#   bench/run_particle_rollout.sh [ROUNDS] RUN_DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
if [[ "${1:-}" =~ ^[0-9]+$ ]] && [ ! -d "$1" ]; then
	rounds="$1"
	shift
fi
[ "$rounds" -ge 1 ] || {
	echo "bench/run_particle_rollout.sh: ROUNDS must be at least 1, got $rounds" >&2
	exit 2
}
[ $# -ge 1 ] || {
	echo "usage: bench/run_particle_rollout.sh [ROUNDS] RUN_DIR..." >&2
	exit 2
}
for d in "$@"; do
	for f in config.toml run.json train.json checkpoints/last.h5 metrics.json; do
		[ -e "$d/$f" ] || {
			echo "bench/run_particle_rollout.sh: $d/$f is missing: want a finished run directory" >&2
			exit 1
		}
	done
	data=$(sed -n 's/^ *output = "\(.*\)"$/\1/p' "$d/config.toml" | head -1)
	[ -f "$data" ] || {
		echo "bench/run_particle_rollout.sh: $d/config.toml names the data file \"$data\", which is missing" >&2
		exit 1
	}
done
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$GO" build -o "$tmp/simulate" ./cmd/simulate
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$rounds"); do
	for d in "$@"; do
		c="$tmp/copy"
		rm -rf "$c"
		mkdir -p "$c"
		cp -al "$d/checkpoints" "$c/"
		cp "$d/run.json" "$d/train.json" "$c/"
		for f in train_log.csv normalizers.h5; do
			[ ! -e "$d/$f" ] || cp "$d/$f" "$c/"
		done
		# The copy is the same run in another directory: only run_dir
		# differs (mktemp's names need no escaping in sed or TOML).
		sed "s|^run_dir = .*|run_dir = \"$c\"|" "$d/config.toml" >"$c/config.toml"
		"$tmp/simulate" run -q "$c/config.toml" >/dev/null
		[ "$(stat -c %i "$c/checkpoints/last.h5")" = "$(stat -c %i "$d/checkpoints/last.h5")" ] || {
			echo "bench/run_particle_rollout.sh: re-evaluating $d trained again (its stages no longer match); time nothing" >&2
			exit 1
		}
		/usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); m["run"] = sys.argv[2]; print(json.dumps(m))' \
			"$c/metrics.json" "$d" >>"$tmp/metrics.jsonl"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
/usr/bin/python3 - "$tmp/metrics.jsonl" "$rounds" "$@" <<'PY'
import json, statistics, sys
path, rounds, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
by = {}
for line in open(path):
    m = json.loads(line)
    by.setdefault(m["run"], []).append(m)
def med(run, f):
    return statistics.median(f(m) for m in by[run])
def step(m):
    s = m.get("sparse")
    return s["step_seconds_per_frame"] if s else m["inference_seconds_per_sample"]
full = lambda m: m["inference_seconds_per_sample"]
solver = lambda m: m["solver_seconds_per_sample"]
base = runs[0]
print(f"Median of {rounds} evaluations per run, alternating; seconds per rolled-out step.")
print()
print("| run | advanced | s/step | + reconstruction | speed-up over " + base.rstrip("/").split("/")[-1] + " (step, with reconstruction) | MPM solver s/frame | solver / model |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in runs:
    m0 = by[r][0]
    frac = f'{100 * m0["sparse"]["sampling"]:.1f}%' if m0.get("sparse") else "100%"
    s, f, sv = med(r, step), med(r, full), med(r, solver)
    print(f"| {r} | {frac} | {s:.4g} | {f:.4g} | {med(base, step) / s:.2f}x, {med(base, full) / f:.2f}x | {sv:.3g} | {sv / f:.3g} |")
PY
