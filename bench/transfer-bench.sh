#!/usr/bin/env bash
# Moves one single-file torrent over loopback between every pair of seed and leecher, side by
# side in one run: libtorrent->libtorrent (the reference), libtorrent->shoal, shoal->libtorrent,
# shoal->shoal, and aria2 as a leecher from both seeds (through opentracker: aria2 takes peers
# only from trackers). For each leecher it prints MB/s (wall time from start to exit, startup
# included), CPU seconds per GiB (user+sys of the leecher process), peak memory, and the ratios
# to libtorrent->libtorrent, and the CPU seconds per GiB the seed process spent while each
# leecher ran. Page cache warm; 1 MiB pieces (PIECE=16KiB for another size); medians of RUNS
# interleaved runs. PAIRS="libtorrent:libtorrent libtorrent:shoal" runs only those seed:leecher pairs.
#   bench/transfer-bench.sh [SIZE_MiB=1024] [RUNS=3]
#   PIECE=16KiB PAIRS="libtorrent:libtorrent libtorrent:shoal" bench/transfer-bench.sh 1024 3   # 65,536 pieces
# The rows above run over TCP (shoal leechers with --transport tcp, libtorrent with TCP only).
# With ENCRYPTION=1 it also runs RC4-encrypted leechers in the same rounds (MSE): shoal-rc4 is
# `shoal get --encryption require`, libtorrent-rc4 is libtorrent with pe_forced and RC4 only; the
# seeds keep their defaults, so these rows are the cost of RC4 against the plain rows beside them.
# With UTP=1 it also runs uTP-only leechers (shoal-utp: --transport utp; libtorrent-utp: TCP off)
# from both seeds (the libtorrent seed then serves TCP and uTP), for uTP's throughput side by side.
# With SHOAL_BASELINE=DIR (another checkout of Shoal, say the commit before a change), that build
# runs in the same rounds as "base" (base->libtorrent, libtorrent->base, base->base): a before and
# after in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
runs=${2:-3}
piece=${PIECE:-1MiB}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}
mkdir -p "$work"
for p in python3-libtorrent aria2 opentracker; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { echo "missing $p (apt-get install $p)"; exit 1; }
done

# The shipped form of the tool, as a user runs it: the Native AOT build of scripts/publish.sh.
shoal=$(scripts/publish.sh "$work/shoal" 2>/dev/null | tail -1)
seeds=(libtorrent shoal)
declare -A bin=([shoal]=$shoal)
if [ -n "${SHOAL_BASELINE:-}" ]; then
  if [ -x "$SHOAL_BASELINE/scripts/publish.sh" ]; then
    "$SHOAL_BASELINE/scripts/publish.sh" "$work/base" >/dev/null 2>&1
  else # a checkout from before the script: its ReadyToRun build
    dotnet publish "$SHOAL_BASELINE/src/Shoal.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/base" -v quiet -nologo >/dev/null
  fi
  bin[base]="$work/base/shoal"
  seeds+=(base)
fi
lt="$PWD/tests/Shoal.Interop.Tests/Scripts/lt.py"

seeddir="$work/seed"
mkdir -p "$seeddir"
data="$seeddir/data.bin"
[ -f "$data" ] && [ "$(stat -c %s "$data")" -eq $((size_mib * 1024 * 1024)) ] || head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$data"
cat "$data" > /dev/null

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tport=$(port)
# One torrent per seed (same data, another 'source' so another info-hash), so aria2, which
# finds peers only through the tracker, meets exactly one seed.
declare -A torrent
for s in "${seeds[@]}"; do
  torrent[$s]="$work/bench-$s.torrent"
  "$shoal" create "$data" -o "${torrent[$s]}" --piece-size "$piece" --no-date --source "$s" -t "http://127.0.0.1:$tport/announce" >/dev/null
done

# opentracker, for aria2 (its whitelist holds our torrent's hash)
otdir="$work/opentracker"; mkdir -p "$otdir"
for s in "${seeds[@]}"; do
  "$shoal" info "${torrent[$s]}" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["infoHashV1"])'
done > "$otdir/whitelist"
echo "access.whitelist /whitelist" > "$otdir/opentracker.conf"
chmod -R a+rX "$otdir"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
opentracker -i 127.0.0.1 -p "$tport" -P "$tport" -d "$otdir" -u nobody -f "$otdir/opentracker.conf" >/dev/null 2>&1 &
pids+=($!)

# Seeds, started once and kept for every run.
lt_log="$work/lt-seed.log"
# The libtorrent seed serves TCP only, unless UTP=1 asks for uTP rows: with uTP enabled its TCP
# uploads run at about half speed here (its leecher's CPU per GiB doubles), which would flatter
# every row measured against it.
lt_transport=tcp; [ "${UTP:-0}" = 1 ] && lt_transport=both
/usr/bin/python3 "$lt" swarm seed "${torrent[libtorrent]}" "$seeddir" --timeout 3600 --transport $lt_transport > "$lt_log" 2>&1 &
pids+=($!)
declare -A seedpid=([libtorrent]=$!)
declare -A seedport
for s in "${seeds[@]}"; do
  [ "$s" = libtorrent ] && continue
  seedport[$s]=$(port)
  rm -rf "$work/state-seed-$s"
  SHOAL_STATE_DIR="$work/state-seed-$s" "${bin[$s]}" seed "${torrent[$s]}" "$seeddir" --bind 127.0.0.1 --port "${seedport[$s]}" --json --announce-interval 2s > "$work/$s-seed.log" 2>&1 &
  pids+=($!)
  seedpid[$s]=$!
done
for _ in $(seq 1 600); do
  ready=1
  grep -q '^port ' "$lt_log" 2>/dev/null || ready=0
  for s in "${!seedport[@]}"; do grep -q '"state":"seeding"' "$work/$s-seed.log" || ready=0; done
  [ $ready = 1 ] && break
  sleep 0.1
done
ltport=$(sed -n 's/^port //p' "$lt_log" | head -1)
[ -n "$ltport" ] || { echo "libtorrent seed did not start"; cat "$lt_log"; exit 1; }

seedport[libtorrent]=$ltport
tcp_only() { # a build that knows --transport is asked for TCP (a baseline from before uTP has only TCP)
  "${bin[$1]}" get --help 2>/dev/null | grep -q -- --transport && echo "--transport tcp"
}
command_for() { # SEED LEECHER DIR: the leecher's command line
  local p=${seedport[$1]} t=${torrent[$1]}
  case $2 in
    libtorrent) echo "/usr/bin/python3 $lt swarm leech $t $3 --peer 127.0.0.1:$p --exit-when-done --timeout 600" ;;
    libtorrent-rc4) echo "/usr/bin/python3 $lt swarm leech $t $3 --peer 127.0.0.1:$p --exit-when-done --timeout 600 --encryption forced" ;;
    libtorrent-utp) echo "/usr/bin/python3 $lt swarm leech $t $3 --peer 127.0.0.1:$p --exit-when-done --timeout 600 --transport utp" ;;
    shoal|base) echo "env SHOAL_STATE_DIR=$3.state ${bin[$2]} get $t -o $3 --bind 127.0.0.1 --port 0 --peer 127.0.0.1:$p --json $(tcp_only "$2")" ;;
    shoal-rc4) echo "env SHOAL_STATE_DIR=$3.state ${bin[shoal]} get $t -o $3 --bind 127.0.0.1 --port 0 --peer 127.0.0.1:$p --json --transport tcp --encryption require" ;;
    shoal-utp) echo "env SHOAL_STATE_DIR=$3.state ${bin[shoal]} get $t -o $3 --bind 127.0.0.1 --port 0 --peer 127.0.0.1:$p --json --transport utp" ;;
    aria2) echo "aria2c --interface=127.0.0.1 --disable-ipv6=true --enable-dht=false --bt-enable-lpd=false --enable-peer-exchange=false" \
             "--console-log-level=error --summary-interval=0 --file-allocation=none --seed-time=0 --bt-tracker-interval=1" \
             "--listen-port=$(port) -d $3 $t" ;;
  esac
}

pairs=(libtorrent:libtorrent libtorrent:shoal shoal:libtorrent shoal:shoal libtorrent:aria2 shoal:aria2)
[ -n "${bin[base]:-}" ] && pairs+=(libtorrent:base base:libtorrent base:base)
[ "${ENCRYPTION:-0}" = 1 ] && pairs+=(libtorrent:libtorrent-rc4 libtorrent:shoal-rc4 shoal:libtorrent-rc4 shoal:shoal-rc4)
[ "${UTP:-0}" = 1 ] && pairs+=(libtorrent:libtorrent-utp libtorrent:shoal-utp shoal:libtorrent-utp shoal:shoal-utp)
[ -n "${PAIRS:-}" ] && read -r -a pairs <<< "$PAIRS"
declare -A wall cpu mem seedcpu
ticks=$(getconf CLK_TCK)
seed_ticks() { awk '{print $14 + $15}' "/proc/${seedpid[$1]}/stat"; } # user + system, in clock ticks
# Each run starts one pair later in the list (run r: pairs r, r+1, ...), so that no pair always
# follows the same one; and the last leecher's writes are flushed (sync) before the clock starts,
# so that one transfer's disk writeback does not slow the next: without both, the same build
# measured 511 and 798 MB/s in two places of one run.
n=${#pairs[@]}
for ((r = 0; r < runs; r++)); do
  for ((k = 0; k < n; k++)); do
    pair=${pairs[$(( (r + k) % n ))]}
    s=${pair%%:*}; l=${pair##*:}
    dir="$work/leech"; rm -rf "$dir" "$dir.state"; mkdir -p "$dir"; sync
    cmd=$(command_for "$s" "$l" "$dir")
    seed_before=$(seed_ticks "$s")
    start=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time.txt" bash -c "exec $cmd" >/dev/null 2>&1 || echo "$pair: leecher exited non-zero"
    end=$(date +%s%N)
    seed_after=$(seed_ticks "$s")
    seedcpu[$pair]+="$(echo "scale=2; ($seed_after - $seed_before) / $ticks" | bc) "
    cmp -s "$data" "$dir/data.bin" || { echo "$pair: data differs"; exit 1; }
    read -r user sys kb < "$work/time.txt"
    wall[$pair]+="$(( (end - start) / 1000000 )) "
    cpu[$pair]+="$(echo "$user + $sys" | bc) "
    mem[$pair]+="$kb "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gib=$(echo "scale=6; $size_mib / 1024" | bc)
ref=libtorrent:libtorrent
ref_ms=$(echo "${wall[$ref]}" | median); ref_cpu=$(echo "${cpu[$ref]}" | median)
echo "${size_mib} MiB over loopback, $piece pieces, median of $runs runs, $(nproc) cores; ratios are to libtorrent->libtorrent"
printf '%-24s %9s %9s %12s %11s %9s %14s\n' "seed -> leecher" "MB/s" "x speed" "CPU s/GiB" "x CPU" "peak MiB" "seed CPU s/GiB"
for pair in "${pairs[@]}"; do
  ms=$(echo "${wall[$pair]}" | median); c=$(echo "${cpu[$pair]}" | median); m=$(echo "${mem[$pair]}" | median)
  sc=$(echo "${seedcpu[$pair]}" | median)
  mbs=$(echo "scale=1; $size_mib * 1.048576 * 1000 / $ms" | bc)
  printf '%-24s %9s %9s %12s %11s %9s %14s\n' "${pair/:/ -> }" "$mbs" "$(echo "scale=2; $ref_ms / $ms" | bc)" \
    "$(echo "scale=2; $c / $gib" | bc)" "$(echo "scale=2; $c / $ref_cpu" | bc)" "$((m / 1024))" "$(echo "scale=2; $sc / $gib" | bc)"
done
echo "each run, MB/s and leecher CPU s (in run order):"
for pair in "${pairs[@]}"; do
  read -r -a ws <<< "${wall[$pair]}"; read -r -a cs <<< "${cpu[$pair]}"
  line=""
  for i in "${!ws[@]}"; do line+=" $(echo "scale=0; $size_mib * 1.048576 * 1000 / ${ws[$i]}" | bc)/${cs[$i]}"; done
  printf '  %-22s%s\n' "${pair/:/ -> }" "$line"
done
