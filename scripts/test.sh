#!/usr/bin/env bash
# Installs what the tests need (Debian packages of the reference clients) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3-libtorrent python3-transmissionrpc mktorrent transmission-cli transmission-daemon aria2 opentracker chromium clang zlib1g-dev busybox redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

# A test that hangs fails after 10 minutes with a dump of the test process, instead of eating CI's limit.
# The failures are printed again at the end, where a log cut to its tail still shows them.
# Every task that ends in an exception nobody observed is written here by the test processes
# (tests/Common/UnobservedTasks.cs); the run fails unless there are none.
log=$(mktemp)
export SHOAL_UNOBSERVED_TASKS=$(mktemp)
status=0
dotnet test Shoal.slnx -c Release --logger "console;verbosity=normal" --blame-hang-timeout 10m --blame-hang-dump-type mini "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "=== failed tests (repeated from above) ==="
  grep -E -A14 '^\s+Failed [A-Za-z]' "$log" | head -300 || true
fi
if [ -s "$SHOAL_UNOBSERVED_TASKS" ]; then
  echo "=== tasks that ended in an exception nobody observed: $(grep -c '^\[Shoal' "$SHOAL_UNOBSERVED_TASKS") ==="
  cat "$SHOAL_UNOBSERVED_TASKS"
  status=1
else
  echo "unobserved task exceptions over the whole run: 0"
fi
rm -f "$log" "$SHOAL_UNOBSERVED_TASKS"
exit "$status"
