#!/usr/bin/env bash
# Issue 16's MPM validation studies (solvers/mpm), one after another, each
# writing its curves as CSV under OUT (default runs/mpm-validation):
#   dam break vs Martin & Moyce (1952): mpm-dambreak.csv (front Z against T
#     at 16/32/64 cells per column width and Mach 0.05-0.3) and
#     martin-moyce-1952.csv (their n^2 = 2 points);
#   granular column collapse vs Lajeunesse et al. (2005):
#     mpm-column-summary.csv (run-out, height, slope per case) and
#     mpm-column-profiles.csv (deposit surfaces);
#   plasticine compression: mpm-plasticine.csv (stress-strain curves);
#   plasticine bar in slip grips, tension and compression:
#     mpm-plasticine-grips.csv (gauge-section stress-strain curves).
# About 20 minutes on an idle 2-core machine; the numbers are in the log
# (go test -v) and in docs/VALIDATION.md.
#   examples/paper/mpm-validation.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/mpm-validation}"
mkdir -p "$out"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
for study in DamBreakStudy ColumnStudy PlasticineStudy PlasticineGripStudy; do
	SURROGO_MPM_STUDY=1 SURROGO_MPM_CSV="$out" nice -n 10 "$GO" test -count=1 -timeout 2h -v \
		-run "^Test${study}\$" ./solvers/mpm | tee "$out/$study.log"
done
