#!/usr/bin/env bash
# Creates a torrent of the same file with shoal, mktorrent and libtorrent, side by side in one
# run, and prints each median time and the ratio to shoal. Page cache warm; 1 MiB pieces.
#   bench/create-bench.sh [SIZE_MiB=1024] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
runs=${2:-5}
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}
mkdir -p "$work"

for p in mktorrent python3-libtorrent; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { echo "missing $p (apt-get install $p)"; exit 1; }
done

# The shipped form of the tool, as a user runs it: the Native AOT build of scripts/publish.sh.
shoal=$(scripts/publish.sh "$work/shoal" 2>/dev/null | tail -1)

data="$work/data-${size_mib}MiB.bin"
[ -f "$data" ] || head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$data"
cat "$data" > /dev/null   # warm the page cache

lt_create() { # FLAGS OUT
  /usr/bin/python3 - "$data" "$2" "$1" <<'PY'
import sys, os, libtorrent as lt
data, out, flags = sys.argv[1], sys.argv[2], sys.argv[3]
fs = lt.file_storage(); lt.add_files(fs, data)
ct = lt.create_torrent(fs, 1 << 20, flags={"v1": lt.create_torrent.v1_only, "hybrid": 0}[flags])
lt.set_piece_hashes(ct, os.path.dirname(data))
open(out, "wb").write(lt.bencode(ct.generate()))
PY
}

declare -A cmds=(
  [shoal_v1]="$shoal create $data -o $work/s1.torrent --piece-size 1MiB --no-date"
  [mktorrent_v1]="mktorrent -t $(nproc) -l 20 -o $work/m1.torrent $data"
  [libtorrent_v1]="lt_create v1 $work/l1.torrent"
  [shoal_hybrid]="$shoal create $data -o $work/sh.torrent --piece-size 1MiB --no-date --hybrid"
  [libtorrent_hybrid]="lt_create hybrid $work/lh.torrent"
)
order=(shoal_v1 mktorrent_v1 libtorrent_v1 shoal_hybrid libtorrent_hybrid)
declare -A times
for ((r = 0; r < runs; r++)); do
  for name in "${order[@]}"; do   # interleaved, so drift hits every program alike
    rm -f "$work"/{s1,m1,l1,sh,lh}.torrent
    start=$(date +%s%N)
    eval "${cmds[$name]}" >/dev/null 2>&1
    end=$(date +%s%N)
    times[$name]+="$(( (end - start) / 1000000 )) "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "create a torrent of ${size_mib} MiB (1 MiB pieces), median of $runs runs, $(nproc) cores"
printf '%-20s %10s %14s\n' program "time (ms)" "vs shoal"
for name in "${order[@]}"; do
  m=$(echo "${times[$name]}" | median)
  times[${name}_median]=$m
done
for name in "${order[@]}"; do
  m=${times[${name}_median]}
  base=${times[shoal_v1_median]}
  [[ $name == *hybrid ]] && base=${times[shoal_hybrid_median]}
  printf '%-20s %10s %13sx\n' "$name" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"
done
echo "(vs shoal > 1.00 means that program is slower than shoal)"
