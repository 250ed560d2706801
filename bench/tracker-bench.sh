#!/usr/bin/env bash
# Drives UDP and HTTP announces at `shoal tracker` and at opentracker, side by side in one run:
# the tracker pinned to core 0 and the load generator (bench/TrackerLoad) to core 1. Prints
# announces/s for each and the ratio, then the Shoal tracker's memory with 1 million peers.
#   bench/tracker-bench.sh [SECONDS=10] [TORRENTS=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
torrents=${2:-1000}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/tracker
rm -rf "$work"; mkdir -p "$work/ot"
dpkg-query -W -f='${Status}' opentracker 2>/dev/null | grep -q "install ok installed" || { echo "missing opentracker (apt-get install opentracker)"; exit 1; }
dotnet publish src/Shoal.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/shoal" -v quiet -nologo >/dev/null
dotnet build bench/TrackerLoad -c Release -v quiet -nologo >/dev/null
load="dotnet bench/TrackerLoad/bin/Release/net10.0/TrackerLoad.dll"
$load hashes "$torrents" > "$work/ot/whitelist"
cp "$work/ot/whitelist" "$work/allow.txt"
echo "access.whitelist /whitelist" > "$work/ot/opentracker.conf"
chmod -R a+rX "$work/ot"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
start() { # NAME PORT
  case $1 in
    shoal) taskset -c 0 "$work/shoal/shoal" tracker --bind 127.0.0.1 --port "$2" --allow-list "$work/allow.txt" > "$work/shoal.log" 2>&1 & ;;
    opentracker) taskset -c 0 opentracker -i 127.0.0.1 -p "$2" -P "$2" -d "$work/ot" -u nobody -f "$work/ot/opentracker.conf" > "$work/ot.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.1; done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

declare -A rate
for name in shoal opentracker; do
  p=$(port); start $name "$p"
  rate[$name-udp]=$(taskset -c 1 $load udp "$p" "$seconds" 100000000 "$torrents" 256 16 | sed -n 's/.*rate=//p')
  rate[$name-http]=$(taskset -c 1 $load http "$p" "$seconds" 100000000 "$torrents" 64 16 | sed -n 's/.*rate=//p')
  stop
done
echo "announces per second, tracker on core 0, load on core 1, $seconds s each, $torrents torrents"
printf '%-8s %14s %14s %10s\n' "" shoal opentracker "ratio"
for proto in udp http; do
  s=${rate[shoal-$proto]}; o=${rate[opentracker-$proto]}
  printf '%-8s %14s %14s %10s\n' "$proto" "$s" "$o" "$(echo "scale=2; $s / $o" | bc)"
done

[ "${SHOAL_BENCH_MEMORY:-1}" = 1 ] || exit 0
# Memory with a million peers: 16 source addresses x 62,500 ports, spread over the torrents.
p=$(port); start shoal "$p"
taskset -c 1 $load udp "$p" 120 1000000 "$torrents" 256 16 > "$work/million.txt"
peers=$(curl -s "http://127.0.0.1:$p/stats" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "shoal tracker with $peers peers registered: $((rss / 1024)) MiB resident"
stop
