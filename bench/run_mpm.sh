#!/usr/bin/env bash
# Side-by-side speed of one MLS-MPM step: surrogo's solvers/mpm (Go, through
# bench/workloads, at THREADS workers and at 1) vs the same scheme in
# vectorised NumPy (bench/mpm.py), same scene and particles, one process per
# workload and implementation (so that the peak resident memory is the
# workload's), alternating ROUNDS times. First checks that the two agree
# (TestNumPyReferenceAgrees: same initial state from a file, 20 steps, to
# rounding). Prints medians as a Markdown table for docs/PERFORMANCE.md:
# milliseconds and particle-steps per second, the speed-up NumPy / surrogo,
# and resident memory per particle (peak minus the resident memory before
# the scene was built, over the particle count). Needs Debian's
# python3-numpy.
#
#   bench/run_mpm.sh [ROUNDS] [THREADS] [GO_ITERS] [NUMPY_STEPS] [WORKLOAD...]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-2}"
go_iters="${3:-20}"
numpy_steps="${4:-5}"
shift $(($# < 4 ? $# : 4))
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
	for m in water jelly; do
		workloads+=("mpm-$m-2d-128" "mpm-$m-2d-256" "mpm-$m-3d-32" "mpm-$m-3d-64")
	done
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$GO" test -count=1 -run '^TestNumPyReferenceAgrees$' ./solvers/mpm >/dev/null
"$GO" build -o "$tmp/workloads" ./bench/workloads
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$rounds"); do
	for w in "${workloads[@]}"; do
		GOMAXPROCS="$threads" "$tmp/workloads" -w "$w" -iters "$go_iters" >>"$tmp/go.jsonl"
		GOMAXPROCS=1 "$tmp/workloads" -w "$w" -iters "$go_iters" >>"$tmp/go1.jsonl"
		/usr/bin/python3 bench/mpm.py bench "$w" "$numpy_steps" >>"$tmp/numpy.jsonl"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
/usr/bin/python3 - "$tmp" "$rounds" "$threads" "${workloads[@]}" <<'PY'
import json, os, platform, statistics, sys
import numpy as np
tmp, rounds, threads, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def load(f):
    d = {}
    for line in open(f"{tmp}/{f}.jsonl"):
        r = json.loads(line)
        d.setdefault(r["workload"], []).append(r)
    return d
go, go1, npy = load("go"), load("go1"), load("numpy")
med = lambda rs, k: statistics.median(r[k] for r in rs)
def per_particle(rs):  # resident bytes per particle above the process's base
    return statistics.median((r["peak_rss_mib"] - r["base_rss_mib"]) * 2**20 / r["particles"] for r in rs)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Machine: {cpu}, {os.cpu_count()} cores; surrogo at {threads} workers and at 1; NumPy {np.__version__} "
      f"(single-threaded here); medians of {rounds} rounds (ms per step; memory: peak minus base resident, per particle)\n")
print(f"| workload | particles | surrogo ms ({threads} thr) | surrogo ms (1 thr) | NumPy ms | NumPy / surrogo ({threads} thr) | NumPy / surrogo (1 thr) "
      f"| surrogo M particle-steps/s ({threads} thr) | NumPy M particle-steps/s | surrogo B/particle | NumPy B/particle |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for n in names:
    parts = go[n][0]["particles"]
    if parts != npy[n][0]["particles"]:
        sys.exit(f"{n}: surrogo has {parts} particles, NumPy {npy[n][0]['particles']}")
    g, g1, p = med(go[n], "ms"), med(go1[n], "ms"), med(npy[n], "ms")
    print(f"| {n} | {parts} | {g:.2f} | {g1:.2f} | {p:.1f} | {p / g:.0f}x | {p / g1:.0f}x "
          f"| {parts / g / 1e3:.2f} | {parts / p / 1e3:.3f} | {per_particle(go[n]):.0f} | {per_particle(npy[n]):.0f} |")
PY
