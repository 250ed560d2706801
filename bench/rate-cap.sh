#!/usr/bin/env bash
# Checks the rate caps over 20 s: a shoal seed capped with --max-up, then a shoal leecher capped
# with --max-down, each moving a file bigger than 25 s at the cap. The rate is taken from the
# leecher's JSON lines between t=5 s and t=25 s (after start-up), and printed against the cap.
#   bench/rate-cap.sh [CAP=4MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:-4MiB}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/rate
rm -rf "$work"; mkdir -p "$work/seed"
bin=$(scripts/publish.sh "$work/bin" 2>/dev/null | tail -1) # the shipped form: Native AOT
shoal() { "$bin" "$@"; }
bytes=$(/usr/bin/python3 -c "
import re,sys; m=re.match(r'([\d.]+)\s*([KMG]i?B?)?$', '$cap'); v=float(m.group(1)); u=(m.group(2) or '')
f={'':1,'K':1024,'KiB':1024,'KB':1000,'M':1<<20,'MiB':1<<20,'MB':10**6,'G':1<<30,'GiB':1<<30,'GB':10**9}[u]; print(int(v*f))")
head -c $((bytes * 30)) /dev/urandom > "$work/seed/data.bin"
shoal create "$work/seed/data.bin" -o "$work/t.torrent" --piece-size 256KiB >/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

measure() { # SEED_ARGS... -- GET_ARGS...
  local seed_args=() get_args=() side=seed
  for a in "$@"; do if [ "$a" = "--" ]; then side=get; elif [ $side = seed ]; then seed_args+=("$a"); else get_args+=("$a"); fi; done
  SHOAL_STATE_DIR="$work/s-state" "$bin" seed "$work/t.torrent" "$work/seed" --bind 127.0.0.1 --port "$port" --json "${seed_args[@]}" > "$work/seed.log" 2>&1 &
  local seed_pid=$!
  rm -rf "$work/leech" "$work/l-state"; mkdir -p "$work/leech"
  SHOAL_STATE_DIR="$work/l-state" timeout 27 "$bin" get "$work/t.torrent" -o "$work/leech" \
    --bind 127.0.0.1 --port 0 --peer "127.0.0.1:$port" --json "${get_args[@]}" > "$work/get.log" 2>/dev/null || true
  kill $seed_pid 2>/dev/null || true; wait $seed_pid 2>/dev/null || true
  /usr/bin/python3 - "$work/get.log" "$bytes" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cap = int(sys.argv[2])
# the 20 s window from 5 s after start-up
first = next(l for l in lines if l["elapsed"] >= 5)
last = next(l for l in lines if l["elapsed"] >= first["elapsed"] + 20)
rate = (last["downloaded"] - first["downloaded"]) / (last["elapsed"] - first["elapsed"])
print(f"  measured {rate/1048576:.3f} MiB/s over 20 s against a cap of {cap/1048576:.3f} MiB/s: {100*(rate-cap)/cap:+.1f}%")
PY
}
echo "upload cap $cap on the seed:"
measure --max-up "$cap" --
echo "download cap $cap on the leecher:"
measure -- --max-down "$cap"
