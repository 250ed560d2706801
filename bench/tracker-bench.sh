#!/usr/bin/env bash
# Drives UDP and HTTP announces at `shoal tracker` and at opentracker, side by side in one run:
# the tracker pinned to core 0 and the load generator (bench/TrackerLoad) to core 1. The two
# trackers take turns for ROUNDS rounds (the order flips each round, so neither always runs
# after the other's TIME_WAIT sockets); the medians and their ratio are printed. HTTP is also
# measured against bench/KestrelFloor, Kestrel with a fixed reply and nothing behind it: the
# most any tracker on Kestrel can reach here. `shoal-redis` is the Shoal tracker with its swarms
# in a redis-server (no persistence) that shares core 0 with it. Then the Shoal tracker's memory with 1 million
# peers (skip with SHOAL_BENCH_MEMORY=0).
#   bench/tracker-bench.sh [SECONDS=8] [TORRENTS=1000] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
torrents=${2:-1000}
rounds=${3:-3}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/tracker
rm -rf "$work"; mkdir -p "$work/ot"
for p in opentracker redis-server; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q "install ok installed" || { echo "missing $p (apt-get install $p)"; exit 1; }
done
shoal=$(scripts/publish.sh "$work/shoal" 2>/dev/null | tail -1) # the shipped form: Native AOT
dotnet build bench/TrackerLoad -c Release -v quiet -nologo >/dev/null
dotnet build bench/KestrelFloor -c Release -v quiet -nologo >/dev/null
load="dotnet bench/TrackerLoad/bin/Release/net10.0/TrackerLoad.dll"
$load hashes "$torrents" > "$work/ot/whitelist"
cp "$work/ot/whitelist" "$work/allow.txt"
echo "access.whitelist /whitelist" > "$work/ot/opentracker.conf"
chmod -R a+rX "$work/ot"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pid=""
redis_pid=""
cleanup() { for p in $pid $redis_pid; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start() { # NAME PORT
  case $1 in
    shoal) taskset -c 0 "$shoal" tracker --bind 127.0.0.1 --port "$2" --allow-list "$work/allow.txt" > "$work/shoal.log" 2>&1 & ;;
    shoal-redis)
      rp=$(port)
      taskset -c 0 redis-server --port "$rp" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
      redis_pid=$!
      for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$rp") 2>/dev/null && break; sleep 0.1; done
      taskset -c 0 "$shoal" tracker --bind 127.0.0.1 --port "$2" --allow-list "$work/allow.txt" --store "redis://127.0.0.1:$rp" > "$work/shoal-redis.log" 2>&1 & ;;
    floor) taskset -c 0 dotnet bench/KestrelFloor/bin/Release/net10.0/KestrelFloor.dll "$2" > "$work/floor.log" 2>&1 & ;;
    opentracker) taskset -c 0 opentracker -i 127.0.0.1 -p "$2" -P "$2" -d "$work/ot" -u nobody -f "$work/ot/opentracker.conf" > "$work/ot.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.1; done
}
stop() {
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  if [ -n "$redis_pid" ]; then kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=""; fi
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
declare -A runs
for round in $(seq 1 "$rounds"); do
  order="shoal shoal-redis opentracker floor"; [ $((round % 2)) = 0 ] && order="floor opentracker shoal-redis shoal"
  for name in $order; do
    p=$(port); start $name "$p"
    if [ $name != floor ]; then
      runs[$name-udp]+=" $(taskset -c 1 $load udp "$p" "$seconds" 100000000 "$torrents" 256 16 | sed -n 's/.*rate=//p')"
    fi
    runs[$name-http]+=" $(taskset -c 1 $load http "$p" "$seconds" 100000000 "$torrents" 64 16 | sed -n 's/.*rate=//p')"
    stop
  done
done
echo "announces per second: tracker on core 0, load on core 1, $rounds rounds of $seconds s each, $torrents torrents (median; all runs in brackets)"
printf '%-6s %26s %26s %7s\n' "" "shoal" "opentracker" "ratio"
for proto in udp http; do
  s=$(echo ${runs[shoal-$proto]} | median); o=$(echo ${runs[opentracker-$proto]} | median)
  printf '%-6s %8s [%15s] %8s [%15s] %7s\n' "$proto" "$s" "$(echo ${runs[shoal-$proto]} | tr ' ' ',')" "$o" "$(echo ${runs[opentracker-$proto]} | tr ' ' ',')" "$(echo "scale=2; $s / $o" | bc)"
done
for proto in udp http; do
  r=$(echo ${runs[shoal-redis-$proto]} | median)
  echo "shoal with swarms in Redis, $proto: $r [$(echo ${runs[shoal-redis-$proto]} | tr ' ' ',')], $(echo "scale=2; $r / $(echo ${runs[shoal-$proto]} | median)" | bc) of in-process, $(echo "scale=2; $r / $(echo ${runs[opentracker-$proto]} | median)" | bc) of opentracker"
done
f=$(echo ${runs[floor-http]} | median)
echo "Kestrel floor (fixed reply, nothing behind it), HTTP: $f [$(echo ${runs[floor-http]} | tr ' ' ',')], $(echo "scale=2; $f / $(echo ${runs[opentracker-http]} | median)" | bc) of opentracker"
echo

[ "${SHOAL_BENCH_MEMORY:-1}" = 1 ] || exit 0
# Memory with a million peers: 16 source addresses x 62,500 ports, spread over the torrents.
p=$(port); start shoal "$p"
taskset -c 1 $load udp "$p" 120 1000000 "$torrents" 256 16 > "$work/million.txt"
peers=$(curl -s "http://127.0.0.1:$p/stats" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "shoal tracker with $peers peers registered: $((rss / 1024)) MiB resident"
stop
