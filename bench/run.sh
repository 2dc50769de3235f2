#!/usr/bin/env bash
# Side-by-side timing of the performance issue's workloads: surrogo
# (bench/workloads) vs PyTorch (bench/torch_workloads.py), same models and
# thread count, one process per workload and framework (so the peak memory
# is the workload's), alternating Go and PyTorch ROUNDS times. Prints the
# medians, the ratios surrogo / PyTorch and the peak resident memory as a
# Markdown table for docs/PERFORMANCE.md, then the GEMM kernel rate.
# Needs Debian's python3-torch (apt-get install python3-torch).
#
#   bench/run.sh [ROUNDS] [THREADS] [ITERS] [WORKLOAD...]
#
# Besides workload names, two sets are known (not in the default list:
# they take minutes): "factformer" (the FactFormer and IFactFormer-m
# training steps and the FactFormer forward at 64^2) and
# "factformer-sweep" (one block's forward at 32^2 to 256^2, both variants,
# and dense attention at 16^2 to 64^2). Families with three or more grid
# sizes (NAME-<s>) also get the exponent p of a least-squares fit
# time = a N^p on log-log axes, N = s^2 grid points.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-2}"
iters="${3:-5}"
shift $(($# < 3 ? $# : 3))
workloads=()
for w in "$@"; do
	case "$w" in
	factformer) workloads+=(factformer-step-64 ifactformer-m-step-64 factformer-infer-64) ;;
	factformer-sweep)
		for s in 32 64 128 256; do workloads+=("factformer-block-infer-$s" "ifactformer-m-block-infer-$s"); done
		workloads+=(attention-infer-16 attention-infer-32 attention-infer-64)
		;;
	*) workloads+=("$w") ;;
	esac
done
if [ ${#workloads[@]} -eq 0 ]; then
	workloads=(fno2d-step-64 fno2d-step-128 fno2d-infer-64 fno2d-infer-128 fno1d-step t1-step pinn-step-f64 pinn-step-f32)
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$GO" build -o "$tmp/workloads" ./bench/workloads
/usr/bin/python3 bench/torch_workloads.py check >/dev/null
for r in $(seq "$rounds"); do
	for w in "${workloads[@]}"; do
		GOMAXPROCS="$threads" "$tmp/workloads" -w "$w" -iters "$iters" >>"$tmp/go.jsonl"
		/usr/bin/python3 bench/torch_workloads.py "$w" "$iters" "$threads" >>"$tmp/torch.jsonl"
	done
done
GOMAXPROCS="$threads" "$GO" test -run '^$' -bench 'MatMul' -benchtime 20x ./tensor >"$tmp/gemm.txt"
/usr/bin/python3 - "$tmp" "$rounds" "$threads" "$iters" "${workloads[@]}" <<'PY'
import json, math, os, platform, re, statistics, sys
import torch
tmp, rounds, threads, iters, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
def load(f):
    d = {}
    for line in open(f"{tmp}/{f}.jsonl"):
        r = json.loads(line)
        d.setdefault(r["workload"], []).append(r)
    return d
go, to = load("go"), load("torch")
med = lambda rs, k: statistics.median(r[k] for r in rs)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"Machine: {cpu}, {os.cpu_count()} cores; {threads} threads; PyTorch {torch.__version__}; "
      f"medians of {rounds} rounds x {iters} iterations (ms per iteration; peak resident MiB of the process)\n")
print("| workload | surrogo ms | PyTorch ms | time ratio | surrogo MiB | PyTorch MiB | memory ratio |")
print("|---|---|---|---|---|---|---|")
for n in names:
    g, t = med(go[n], "ms"), med(to[n], "ms")
    gm, tm = med(go[n], "peak_rss_mib"), med(to[n], "peak_rss_mib")
    print(f"| {n} | {g:.1f} | {t:.1f} | {g / t:.2f} | {gm:.0f} | {tm:.0f} | {gm / tm:.2f} |")
# Scaling exponents: time = a N^p fitted by least squares on log-log axes.
fam = {}
for n in names:
    m = re.fullmatch(r"(.+)-(\d+)", n)
    if m:
        fam.setdefault(m.group(1), []).append((int(m.group(2)) ** 2, n))
def slope(pts):
    xs, ys = [math.log(x) for x, _ in pts], [math.log(y) for _, y in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
fits = {k: v for k, v in fam.items() if len(v) >= 3}
if fits:
    print("\n| family | grid points N | surrogo p | PyTorch p |")
    print("|---|---|---|---|")
    for k, v in fits.items():
        pg = slope([(N, med(go[n], "ms")) for N, n in v])
        pt = slope([(N, med(to[n], "ms")) for N, n in v])
        print(f"| {k} | {v[0][0]} .. {v[-1][0]} | {pg:.2f} | {pt:.2f} |")
base_g = statistics.median(r["base_rss_mib"] for rs in go.values() for r in rs)
base_t = statistics.median(r["base_rss_mib"] for rs in to.values() for r in rs)
print(f"\nResident memory before the model is built: surrogo {base_g:.0f} MiB, PyTorch {base_t:.0f} MiB (after import torch).")
# GEMM rate: surrogo's MatMul benchmarks report GFLOP/s; PyTorch's sgemm in the same run.
torch.set_num_threads(threads)
import time
def tgemm(m, k, n, reps=20):
    a, b = torch.randn(m, k), torch.randn(k, n)
    a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * m * k * n * reps / (time.perf_counter() - t0) / 1e9
print("\n| GEMM (float32) | surrogo GFLOP/s | PyTorch GFLOP/s |")
print("|---|---|---|")
shapes = {"MatMul256Float32": (256, 256, 256), "MatMul1024Float32": (1024, 1024, 1024), "MatMulBatchedFloat32": (32768, 32, 32)}
for line in open(f"{tmp}/gemm.txt"):
    m = re.match(r"Benchmark(\S+?)(?:-\d+)?\s+\d+\s+\d+ ns/op\s+([\d.]+) GFLOP/s", line)  # no -N suffix at GOMAXPROCS=1
    if m and m.group(1) in shapes:
        s = shapes[m.group(1)]
        print(f"| {s[0]} x {s[1]} x {s[2]} | {float(m.group(2)):.1f} | {tgemm(*s):.1f} |")
PY
