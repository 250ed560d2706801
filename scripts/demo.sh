#!/usr/bin/env bash
# Builds shoal and runs it on a generated sample: create a hybrid torrent of a folder, show it,
# verify it, print its magnet link, then flip one byte and show verify naming the bad piece.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Shoal.Cli -c Release -v quiet -nologo >/dev/null
shoal() { dotnet src/Shoal.Cli/bin/Release/net10.0/shoal.dll "$@"; }

work=$(mktemp -d)
mkdir -p "$work/sample/docs"
head -c 5000000 /dev/urandom > "$work/sample/data.bin"
head -c 12345 /dev/urandom > "$work/sample/docs/readme.txt"
: > "$work/sample/docs/empty"

echo "== shoal create (hybrid v1+v2)"
shoal create "$work/sample" -o "$work/sample.torrent" --hybrid -t http://127.0.0.1:6969/announce
echo; echo "== shoal info"
shoal info "$work/sample.torrent"
echo; echo "== shoal magnet"
shoal magnet "$work/sample.torrent"
echo; echo "== shoal verify (intact)"
shoal verify "$work/sample.torrent" "$work"
echo; echo "== shoal verify (after flipping one byte at offset 3000000 of data.bin)"
old=$(od -An -tu1 -j3000000 -N1 "$work/sample/data.bin" | tr -d ' ')
printf "\\$(printf %o $((255 - old)))" | dd of="$work/sample/data.bin" bs=1 seek=3000000 conv=notrunc status=none
shoal verify "$work/sample.torrent" "$work" || echo "(exit code $?, as expected)"
rm -rf "$work"
