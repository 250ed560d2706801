#!/usr/bin/env bash
# The seed's three ways, in one run: `shoal demo` (one capped seed and PEERS capped leechers on
# 127.0.0.1, through Shoal's tracker) with --seed-mode plain, super (BEP 16 superseeding) and
# initial (superseeding until the leechers together hold every piece, the demo's default),
# interleaved, RUNS times each, for two seeds: one as fast as a leecher's download (4 MiB/s)
# and a thin one (1 MiB/s). Leechers upload 1 MiB/s and download 4 MiB/s; the file is 16 MiB.
# Printed per row, medians: the copies of the file the seed uploaded until the leechers
# together held every piece (the seed could leave then), until the first leecher held them
# all, and the swarm's time against the peer-to-peer lower bound.
#   bench/superseed-bench.sh [RUNS=3] [PEERS=20]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
peers=${2:-20}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/superseed
mkdir -p "$work"
shoal=$(scripts/publish.sh "$work/bin" 2>/dev/null | tail -1) # the shipped form: Native AOT

declare -A results
for seed_up in 4MiB 1MiB; do
  for ((run = 1; run <= runs; run++)); do
    for mode in plain super initial; do
      out=$("$shoal" demo --peers "$peers" --seed-up "$seed_up" --seed-mode "$mode")
      copies=$(sed -n 's/.*uploaded \([0-9.]*\) copies until the leechers together.*, \([0-9.]*\) until one.*/\1 \2/p' <<< "$out")
      ratio=$(sed -n 's/.*(the swarm took \([0-9.]*\)x that).*/\1/p' <<< "$out")
      [ -n "$copies" ] && [ -n "$ratio" ] || { echo "demo failed:"; echo "$out"; exit 1; }
      results[$seed_up/$mode]+="$copies $ratio;"
    done
  done
done

printf '\n%-10s %-12s %14s %14s %12s\n' "seed up" "seeding" "copies: spread" "copies: whole" "time/bound"
for seed_up in 4MiB 1MiB; do
  for mode in plain super initial; do
    /usr/bin/python3 - "$seed_up" "$mode" "${results[$seed_up/$mode]}" <<'PY'
import statistics, sys
rows = [list(map(float, r.split())) for r in sys.argv[3].split(';') if r.strip()]
med = [statistics.median(c) for c in zip(*rows)]
name = sys.argv[2]
print(f"{sys.argv[1]:<10} {name:<12} {med[0]:12.2f} {med[1]:14.2f} {med[2]:11.2f}x")
PY
  done
done
echo "($runs runs each, medians; $peers leechers at 1 MiB/s up, 4 MiB/s down; 16 MiB file)"
