#!/usr/bin/env bash
# The picker's cost per request for a torrent of 1,024 pieces and of 262,144 pieces (50 peers
# with 95% of the pieces each, one-block pieces: every request starts a new piece), with
# BenchmarkDotNet's short job, and the ratio of the two: it should stay under 2 whatever the
# torrent's size. With SHOAL_BASELINE=DIR (another checkout, say the commit before a change) the
# same benchmark also runs against that checkout's engine, for a before and after.
#   bench/picker-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

run() { # $1: a checkout; prints "PIECES MEAN_NS" lines
  local checkout=$1
  if [ "$checkout" != "$PWD" ]; then
    cp bench/Shoal.Benchmarks/PickerBenchmarks.cs "$checkout/bench/Shoal.Benchmarks/"
  fi
  (cd "$checkout/bench/Shoal.Benchmarks" && dotnet run -c Release -- --filter '*PickerBenchmarks*' --job short 2>&1) |
    /usr/bin/python3 -c '
import re, sys
units = {"ns": 1, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}
for line in sys.stdin:
    cells = [c.strip() for c in line.split("|")]
    if len(cells) > 4 and cells[1].startswith("\x27request") and cells[2].isdigit():
        value, unit = cells[3].replace(",", "").split()
        print(cells[2], float(value) * units[unit])
'
}

report() { # $1: label, $2: the lines of run
  /usr/bin/python3 -c '
import sys
label, rows = sys.argv[1], dict(l.split() for l in sys.argv[2].strip().splitlines())
small, big = float(rows["1024"]), float(rows["262144"])
print(f"{label:>9}: 1,024 pieces {small/1000:9.2f} us/request ({1e9/small:12,.0f} requests/s); 262,144 pieces {big/1000:9.2f} us/request ({1e9/big:12,.0f} requests/s); ratio {big/small:.2f}")
' "$1" "$2"
}

current=$(run "$PWD")
report shoal "$current"
if [ -n "${SHOAL_BASELINE:-}" ]; then
  base=$(run "$SHOAL_BASELINE")
  report baseline "$base"
fi
