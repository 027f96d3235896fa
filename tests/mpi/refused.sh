#!/usr/bin/env bash
# A population type that cannot run partitioned over ranks is refused by name
# on every rank, with exit status 2, and nothing is written.
# usage: refused.sh SIMULACRA SCENARIO TYPE [--set ...]
set -euo pipefail
BIN="$1"; FILE="$2"; TYPE="$3"; shift 3
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
set +e
"$HERE/mpirun.sh" 2 "$BIN" run "$FILE" -o "$OUT/out" --quiet "$@" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
set -e
cat "$OUT/stderr"
if [ "$rc" -ne 2 ]; then echo "expected exit status 2, got $rc" >&2; exit 1; fi
grep -q "population type '$TYPE' cannot run partitioned over ranks" "$OUT/stderr"
test "$(grep -c "cannot run partitioned" "$OUT/stderr")" -eq 1  # rank 0 alone says it
test ! -e "$OUT/out"
echo "refused $TYPE by name, nothing written"
