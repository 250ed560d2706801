#!/usr/bin/env bash
# Builds shoal and runs its swarm demo: one capped seed and 20 capped leechers on 127.0.0.1,
# timed against one server at the same cap and against the peer-to-peer lower bound.
# Extra arguments go to `shoal demo` (see `shoal demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Shoal.Cli -c Release -v quiet -nologo >/dev/null
exec dotnet src/Shoal.Cli/bin/Release/net10.0/shoal.dll demo "$@"
