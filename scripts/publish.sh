#!/usr/bin/env bash
# Builds `shoal` for linux-x64 as users run it, needing no .NET where it runs:
#   scripts/publish.sh [OUTPUT_DIR] [--single-file]
# Default: Native AOT (machine code: starts in milliseconds, ~18 MB). It needs a C toolchain:
# apt-get install clang zlib1g-dev. OUTPUT_DIR/shoal is the program; libe_sqlite3.so beside it is
# loaded only by `shoal tracker --private` (its user database).
# --single-file: one self-contained file with ReadyToRun code instead (no C toolchain needed).
# Prints the executable's path (default artifacts/publish/shoal) last. With SHOAL_BUILD_DIR set,
# every intermediate file goes there instead of the projects' bin/ and obj/ (the tests use it, so
# that a publish never touches the build they run from).
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/publish
mode=aot
for arg in "$@"; do
  case "$arg" in
    --single-file) mode=single ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done
common=(-c Release -r linux-x64 -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out")
[ -n "${SHOAL_BUILD_DIR:-}" ] && common+=(--artifacts-path "$SHOAL_BUILD_DIR")
if [ "$mode" = aot ]; then
  command -v clang >/dev/null || { echo "Native AOT needs clang and zlib1g-dev (apt-get install clang zlib1g-dev), or use --single-file" >&2; exit 1; }
  dotnet publish src/Shoal.Cli/Shoal.Cli.csproj "${common[@]}" -p:PublishAot=true -p:StripSymbols=true >&2
  rm -f "$out"/*.dbg
else
  dotnet publish src/Shoal.Cli/Shoal.Cli.csproj "${common[@]}" --self-contained -p:PublishSingleFile=true \
    -p:PublishReadyToRun=true -p:IncludeNativeLibrariesForSelfExtract=true >&2
fi
echo "$out/shoal"
