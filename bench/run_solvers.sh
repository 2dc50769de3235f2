#!/usr/bin/env bash
# Side-by-side timing of one solver time step: surrogo (Go) vs NumPy vs
# PyTorch (CPU, same thread count), run alternately ROUNDS times; prints
# medians in milliseconds and the ratio surrogo / PyTorch as a Markdown
# table for docs/PERFORMANCE.md. Needs Debian's python3-numpy and
# python3-torch (apt-get install python3-torch).
#
#   bench/run_solvers.sh [ROUNDS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-2}"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
	GOMAXPROCS="$threads" "$GO" test -run '^$' -bench 'Step' -benchtime 20x ./solvers/navierstokes ./solvers/burgers >"$tmp/go.$r"
	/usr/bin/python3 bench/solvers.py numpy "$threads" >"$tmp/numpy.$r"
	/usr/bin/python3 bench/solvers.py torch "$threads" >"$tmp/torch.$r"
done
/usr/bin/python3 - "$tmp" "$rounds" "$threads" <<'PY'
import json, re, statistics, sys, platform, os
tmp, rounds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = {"Step/fno-cn/64": "ns_fno_cn_64", "Step/etdrk4/64": "ns_etdrk4_64", "Step/fno-cn/256": "ns_fno_cn_256",
         "Step/etdrk4/256": "ns_etdrk4_256", "Step8192": "burgers_etdrk4_8192"}
go, npy, tor = {}, {}, {}
for r in range(1, rounds + 1):
    for line in open(f"{tmp}/go.{r}"):
        m = re.match(r"Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(\d+) ns/op", line)
        if m and m.group(1) in names:
            go.setdefault(names[m.group(1)], []).append(int(m.group(2)) / 1e6)
    for d, f in ((npy, "numpy"), (tor, "torch")):
        for k, v in json.load(open(f"{tmp}/{f}.{r}")).items():
            d.setdefault(k, []).append(v)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Machine: {cpu}, {os.cpu_count()} cores; threads {threads}; medians of {rounds} rounds (ms per step)\n")
print("| workload | surrogo | NumPy | PyTorch | surrogo / PyTorch | surrogo / NumPy |")
print("|---|---|---|---|---|---|")
for k in names.values():
    g, n, t = (statistics.median(d[k]) for d in (go, npy, tor))
    print(f"| {k} | {g:.3f} | {n:.3f} | {t:.3f} | {g / t:.2f} | {g / n:.2f} |")
PY
