#!/usr/bin/env bash
# One swarm's crowd at a tracker: PEERS distinct peers (each its own 127.20.x.y address) announce
# one torrent within ARRIVAL seconds, then every INTERVAL seconds, ROUNDS announces each, over UDP
# and then over HTTP (bench/TrackerLoad crowd), against `shoal tracker` (Native AOT) and
# opentracker in the same run, each freshly started. Prints each run's JSON line and a table.
#   bench/tracker-crowd.sh [PEERS=5000] [ARRIVAL=10] [ROUNDS=3] [INTERVAL=30]
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${1:-5000}
arrival=${2:-10}
rounds=${3:-3}
interval=${4:-30}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/tracker-crowd
rm -rf "$work"; mkdir -p "$work/ot"
ulimit -n 20000 # a socket per UDP peer, and HTTP connections in flight
dpkg-query -W -f='${Status}' opentracker 2>/dev/null | grep -q "install ok installed" || { echo "missing opentracker (apt-get install opentracker)"; exit 1; }
shoal=$(scripts/publish.sh "$work/shoal" 2>/dev/null | tail -1) # the shipped form: Native AOT
dotnet build bench/TrackerLoad -c Release -v quiet -nologo >/dev/null
load="dotnet bench/TrackerLoad/bin/Release/net10.0/TrackerLoad.dll"
# The crowd's torrent: SHA-1 of "crowd" (TrackerCrowd.cs); opentracker answers listed hashes only.
/usr/bin/python3 -c 'import hashlib; print(hashlib.sha1(b"crowd").hexdigest())' > "$work/ot/whitelist"
echo "access.whitelist /whitelist" > "$work/ot/opentracker.conf"
chmod -R a+rX "$work/ot"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT
: > "$work/results.jsonl"
for name in shoal opentracker; do
  for proto in udp http; do
    p=$(port)
    case $name in
      shoal) "$shoal" tracker --bind 127.0.0.1 --port "$p" --interval "${interval}s" > "$work/shoal.log" 2>&1 & ;;
      opentracker) opentracker -i 127.0.0.1 -p "$p" -P "$p" -d "$work/ot" -u nobody -f "$work/ot/opentracker.conf" > "$work/ot.log" 2>&1 & ;;
    esac
    pid=$!
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
    line=$($load crowd "$proto" "$p" "$peers" "$arrival" "$rounds" "$interval" || true)
    echo "{\"tracker\":\"$name\",${line#\{}" | tee -a "$work/results.jsonl"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
/usr/bin/python3 - "$work/results.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = rows[0]
print(f"\n{r['peers']} peers of one torrent arrive within {r['arrival_s']:g} s, then announce every {r['interval_s']:g} s ({r['rounds']} announces each)")
print(f"{'tracker':<12} {'proto':<5} {'answered':>12} {'refused':>7} {'timeouts':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'1st answer empty':>16} {'never heard':>11}")
for r in rows:
    print(f"{r['tracker']:<12} {r['protocol']:<5} {str(r['answered']) + '/' + str(r['announces']):>12} {r['refused']:>7} {r['timeouts']:>8} "
          f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['max_ms']:>7} {r['first_answer_empty']:>16} {r['never_heard']:>11}")
EOF
