#!/usr/bin/env bash
# Side-by-side speed of one GNS training step: surrogo's operators/gns
# (through bench/workloads, at THREADS workers and at 1) vs the same model
# in PyTorch (bench/gns_torch.py, torch.set_num_threads(THREADS) and 1):
# loss on one window of a 2-D particle block (random-walk noise, radius
# graph, features, encoder, 4 interaction layers, decoder, MSE), backward,
# Adam; float32, same positions (generated identically on both sides),
# same MLP shapes with LayerNorm. The radius graph is built inside the
# timed step on both sides, as upstream GNS does every step: surrogo with
# geometry.RadiusGraph's cell list, PyTorch by brute force (N x N squared
# distances, then nonzero; its median share is the "graph" column).
# PyTorch runs two interaction layers: "concat" (cat([e, h_r, h_s]) then
# Linear, as upstream GNS writes it; the ratio columns use it) and "split"
# (the first Linear split by columns and applied to the nodes before the
# gather, as surrogo's nn.InteractionLayer does).
# One process per workload, implementation and thread count (so the peak
# resident memory is the workload's), alternating ROUNDS times. First
# checks that the two agree (TestTorchGNSAgrees: surrogo's initial weights
# copied to PyTorch, same loss before and after one Adam step, same
# gradients, same edge count). Prints medians as a Markdown table for
# docs/PERFORMANCE.md. Needs /usr/bin/python3 with torch and numpy.
#
#   bench/run_gns.sh [ROUNDS] [THREADS] [ITERS] [WORKLOAD...]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-2}"
iters="${3:-10}"
shift $(($# < 3 ? $# : 3))
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
	workloads=(gns-2d-600-w64 gns-2d-600-w128 gns-2d-2400-w64 gns-2d-2400-w128)
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
PY=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$GO" test -count=1 -run '^TestTorchGNSAgrees$' ./bench/workloads >/dev/null
"$GO" build -o "$tmp/workloads" ./bench/workloads
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$rounds"); do
	for w in "${workloads[@]}"; do
		GOMAXPROCS="$threads" "$tmp/workloads" -w "$w" -iters "$iters" >>"$tmp/go.jsonl"
		GOMAXPROCS=1 "$tmp/workloads" -w "$w" -iters "$iters" >>"$tmp/go1.jsonl"
		for v in concat split; do
			"$PY" bench/gns_torch.py bench "$w" "$iters" "$threads" "$v" >>"$tmp/torch-$v.jsonl"
			"$PY" bench/gns_torch.py bench "$w" "$iters" 1 "$v" >>"$tmp/torch1-$v.jsonl"
		done
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$PY" - "$tmp" "$rounds" "$threads" "$iters" "${workloads[@]}" <<'PY'
import json, os, platform, statistics, sys
import torch
tmp, rounds, threads, iters, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def load(f):
    d = {}
    for line in open(f"{tmp}/{f}.jsonl"):
        r = json.loads(line)
        d.setdefault(r["workload"], []).append(r)
    return d
go, go1 = load("go"), load("go1")
tc, tc1, ts, ts1 = load("torch-concat"), load("torch1-concat"), load("torch-split"), load("torch1-split")
med = lambda rs, k: statistics.median(r[k] for r in rs)
mib = lambda rs: f"{med(rs, 'peak_rss_mib'):.0f} ({statistics.median(r['peak_rss_mib'] - r['base_rss_mib'] for r in rs):.0f})"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Machine: {cpu}, {os.cpu_count()} cores; PyTorch {torch.__version__}; medians of {rounds} rounds x {iters} steps "
      f"(ms per training step, radius graph included on both sides; peak resident MiB of the process at {threads} threads, "
      f"in brackets above the resident memory before the model was built)\n")
T = threads
print(f"| workload | particles | edges | surrogo ms ({T} thr) | surrogo ms (1 thr) | PyTorch ms ({T} thr) | PyTorch ms (1 thr) "
      f"| surrogo / PyTorch ({T} thr) | surrogo / PyTorch (1 thr) | PyTorch split ms ({T} thr) | PyTorch split ms (1 thr) "
      f"| PyTorch graph ms ({T} thr) | surrogo MiB | PyTorch MiB |")
print("|" + "---|" * 14)
for n in names:
    g, g1, t, t1 = med(go[n], "ms"), med(go1[n], "ms"), med(tc[n], "ms"), med(tc1[n], "ms")
    s, s1 = med(ts[n], "ms"), med(ts1[n], "ms")
    if go[n][0]["particles"] != tc[n][0]["particles"]:
        sys.exit(f"{n}: surrogo has {go[n][0]['particles']} particles, PyTorch {tc[n][0]['particles']}")
    print(f"| {n} | {tc[n][0]['particles']} | {med(tc[n], 'edges'):.0f} | {g:.1f} | {g1:.1f} | {t:.1f} | {t1:.1f} "
          f"| {g / t:.2f} | {g1 / t1:.2f} | {s:.1f} | {s1:.1f} | {med(tc[n], 'graph_ms'):.1f} | {mib(go[n])} | {mib(tc[n])} |")
PY
