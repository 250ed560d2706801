#!/usr/bin/env bash
# The multi-office lab (see lab.py): S offices of N hosts behind shaped WAN links and an origin
# office (tracker, HTTP web seed, seed); every host downloads the same file with Shoal, then with
# python3-libtorrent. Prints per-host completion times, WAN bytes per office and the total time
# against the lower bound; the summary comes last.
#   bench/lab/run.sh [--offices 4] [--hosts 6] [--size-mib 32] [--wan-mbit 16] [--origin-mbit 32]
#                    [--clients shoal,libtorrent] [--no-site-map] [--json FILE] ...
#   bench/lab/run.sh --update [--update-modes dht,http] [--poll-seconds 5] [--offices ...]: daemons
#     follow a channel; version 1, then version 2 with a tenth of its bytes changed (update.py).
# Needs root (network namespaces), iproute2, busybox, python3-libtorrent, clang (Native AOT).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${SHOAL_BENCH_DIR:-/tmp/shoal-bench}/lab
mkdir -p "$work"
for tool in ip tc busybox; do
  command -v "$tool" >/dev/null || { echo "the lab needs $tool (apt-get install iproute2 busybox)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null || { echo "the lab needs python3-libtorrent" >&2; exit 1; }
shoal=$(scripts/publish.sh "$work/bin" 2>/dev/null | tail -1) # the shipped form: Native AOT
exec /usr/bin/python3 bench/lab/lab.py --shoal "$shoal" --work "$work/run" "$@"
