#!/usr/bin/env bash
# The flash-crowd bench: one seed of a SIZE_MIB file on 127.0.0.1 and a crowd of synthetic leechers
# (bench/crowd, the real wire protocol, each from its own 127.10.x.y address) asking RATE bytes/s
# in all, split evenly, arriving over ARRIVAL seconds and measured for WINDOW seconds after. The
# same crowd meets `shoal seed --max-peers N` (Native AOT), a libtorrent 2.0.8 seed with its
# high-performance-seed settings (lt_seed.py) and transmission-daemon 3.00 (peer limits raised to
# N), one after another, each seed freshly started for each crowd size; SEEDS=...,shoal-default
# adds a Shoal seed with its default limits (60 peers a torrent), to see what refusing costs. Prints a table and writes
# every crowd's JSON to $work/results.jsonl.
#   bench/crowd/run.sh                      (SIZES=100,1000,5000 SEEDS=shoal,libtorrent,transmission
#                                            SIZE_MIB=256 ARRIVAL=5 WINDOW=40 RATE=40000000 CHURN=0.02)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${SIZES:-100,1000,5000}
seeds=${SEEDS:-shoal,libtorrent,transmission}
size_mib=${SIZE_MIB:-256}
arrival=${ARRIVAL:-5}
window=${WINDOW:-40}
rate=${RATE:-40000000}
churn=${CHURN:-0.02}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/crowd
rm -rf "$work"; mkdir -p "$work/data"
ulimit -n 20000 # a crowd of 5,000 and its seed: a socket each
for p in python3-libtorrent transmission-daemon transmission-cli; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q "install ok installed" || { echo "missing $p (apt-get install $p)"; exit 1; }
done
shoal=$(scripts/publish.sh "$work/shoal" 2>/dev/null | tail -1) # the shipped form: Native AOT
dotnet build bench/crowd -c Release -v quiet -nologo >/dev/null
crowd="dotnet bench/crowd/bin/Release/net10.0/Crowd.dll"
head -c $((size_mib << 20)) /dev/urandom > "$work/data/crowd.bin"
"$shoal" create "$work/data/crowd.bin" -o "$work/crowd.torrent" --v1 --piece-size 256KiB --no-date > /dev/null
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: until a line of FILE matches.
wait_for() {
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no '$2' in $1 within $3 s:"; tail -5 "$1"; exit 1
}

# start SEED N: starts the seed for a crowd of N; sets pid and port.
start() {
  local log="$work/$1-$2.log"
  case $1 in
    shoal|shoal-default) # shoal-default: the default connection limits (60 a torrent), to see what refusing costs
      local limit=(--max-peers "$2")
      [ "$1" = shoal-default ] && limit=()
      SHOAL_STATE_DIR="$work/state-$1-$2" "$shoal" seed "$work/crowd.torrent" "$work/data" --bind 127.0.0.1 --port 0 \
        --no-dht --no-lsd --no-pex --transport tcp "${limit[@]}" > "$log" 2>&1 &
      pid=$!
      wait_for "$log" "seeding 100" 60
      port=$(grep -o "listening on port [0-9]*" "$log" | grep -o "[0-9]*$") ;;
    libtorrent)
      /usr/bin/python3 bench/crowd/lt_seed.py "$work/crowd.torrent" "$work/data" "$2" > "$log" 2>&1 &
      pid=$!
      wait_for "$log" "^seeding" 60
      port=$(grep -o "^port [0-9]*" "$log" | grep -o "[0-9]*$") ;;
    transmission)
      local conf="$work/tr-$2" rpc
      rpc=$(free_port); port=$(free_port)
      mkdir -p "$conf"
      cat > "$conf/settings.json" <<EOF
{"peer-port": $port, "peer-port-random-on-start": false, "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
 "rpc-port": $rpc, "rpc-bind-address": "127.0.0.1", "rpc-authentication-required": false, "rpc-whitelist-enabled": false,
 "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false, "port-forwarding-enabled": false,
 "peer-limit-global": $(($2 + 100)), "peer-limit-per-torrent": $(($2 + 100)), "upload-slots-per-torrent": $(($2 + 100)),
 "speed-limit-up-enabled": false, "ratio-limit-enabled": false, "idle-seeding-limit-enabled": false,
 "download-dir": "$work/data", "encryption": 1, "message-level": 1}
EOF
      transmission-daemon -f -g "$conf" > "$log" 2>&1 &
      pid=$!
      for _ in $(seq 100); do transmission-remote "127.0.0.1:$rpc" -l > /dev/null 2>&1 && break; sleep 0.1; done
      transmission-remote "127.0.0.1:$rpc" -a "$work/crowd.torrent" -w "$work/data" > /dev/null
      # A seed with no peer shows as "Idle": done is 100% with every byte verified.
      seeded() { transmission-remote "127.0.0.1:$rpc" -t 1 -i 2>/dev/null | grep -q "Percent Done: 100%"; }
      for _ in $(seq 600); do seeded && break; sleep 0.1; done
      seeded || { echo "transmission never seeded"; exit 1; } ;;
  esac
}

: > "$work/results.jsonl"
for n in ${sizes//,/ }; do
  for seed in ${seeds//,/ }; do
    start "$seed" "$n"
    sleep 1 # the seed settles: its memory before the crowd is read now
    $crowd --torrent "$work/crowd.torrent" --target "127.0.0.1:$port" --leechers "$n" --arrival "$arrival" --window "$window" \
      --rate-total "$rate" --churn "$churn" --pid "$pid" --label "$seed" --json "$work/$seed-$n.json" 2>> "$work/crowd.log" \
      | tee -a "$work/results.jsonl" > /dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    tail -1 "$work/crowd.log"
    # A Shoal seed says on SIGTERM how many of the blocks it sent came from its read cache.
    grep -h "^read cache:" "$work/$seed-$n.log" 2>/dev/null | sed "s/^/  $seed, $n leechers: /" | tee -a "$work/read-cache.txt" || true
  done
done

/usr/bin/python3 - "$work/results.jsonl" "$size_mib" "$rate" "$arrival" "$window" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print()
print(f"crowd bench: one seed of {sys.argv[2]} MiB on loopback; the crowd asks {int(sys.argv[3]) / 1e6:g} MB/s in all, "
      f"arrives within {sys.argv[4]} s and is measured for {sys.argv[5]} s")
print(f"{'seed':<13} {'leechers':>8} {'MB/s':>7} {'served':>11} {'CPU s/GiB':>9} {'RSS MiB':>13} {'KiB/peer':>8} "
      f"{'hs p99 ms':>9} {'1st block p50/p99 s':>19} {'refused':>7}")
for r in rows:
    rss = f"{r['rss_start_mib']:.0f}->{r['rss_peak_mib']:.0f}" if r.get("rss_peak_mib") is not None else "-"
    first = f"{r['first_block_p50_s']}/{r['first_block_p99_s']}" if r.get("first_block_p50_s") is not None else "-"
    print(f"{r['label']:<13} {r['leechers']:>8} {r['served_mb_s']:>7.1f} {str(r['served_leechers']) + '/' + str(r['takers']):>11} "
          f"{r.get('cpu_s_per_gib') or '-':>9} {rss:>13} {r.get('rss_growth_kib_per_leecher') or '-':>8} "
          f"{r.get('handshake_p99_ms') or '-':>9} {first:>19} {r['refused']:>7}")
EOF
[ -s "$work/read-cache.txt" ] && { echo; cat "$work/read-cache.txt"; } || true
