#!/usr/bin/env bash
# A run partitioned over 2 ranks writes a checkpoint at T; resumed from it
# over 2 ranks, over 4 ranks with 2 threads each, and as one process, it gives
# the tables and trace hash of the uninterrupted run on one process.
# usage: partitioned_checkpoint.sh SIMULACRA SCENARIO T [--set ...]
set -euo pipefail
BIN="$1"; FILE="$2"; T="$3"; shift 3
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
ARGS=("$@")
line="$(grep -m1 '^# test-overrides:' "$FILE" || true)"
if [ -n "$line" ]; then
  read -r -a more <<< "${line#\# test-overrides:}"
  ARGS+=("${more[@]}")
fi
hash() { grep -o '"trace_hash": "[0-9a-f]*"' "$1/provenance.json"; }

"$BIN" run "$FILE" -o "$OUT/one" --format csv --quiet "${ARGS[@]}"
label="$(ls "$OUT/one" | grep -v runs.csv | head -1)"
"$HERE/mpirun.sh" 2 "$BIN" run "$FILE" -o "$OUT/ranks" --format csv --quiet --checkpoint-at "$T" "${ARGS[@]}"
diff -r -x provenance.json -x checkpoints "$OUT/one" "$OUT/ranks"
ckpt="$(ls -d "$OUT"/ranks/checkpoints/*.at-* | head -1)"
test -f "$ckpt/state.bin"
"$HERE/mpirun.sh" 2 "$BIN" resume "$ckpt" -o "$OUT/r2" --quiet
"$HERE/mpirun.sh" 4 "$BIN" resume "$ckpt" -o "$OUT/r4" --quiet --threads 2
"$BIN" resume "$ckpt" -o "$OUT/r1" --quiet
for r in r2 r4 r1; do
  diff -r -x provenance.json "$OUT/one/$label" "$OUT/$r/$label"
  test "$(hash "$OUT/one/$label")" = "$(hash "$OUT/$r/$label")"
done
grep -q '"ranks": "4"' "$OUT/r4/$label/provenance.json"
echo "checkpoint $(basename "$ckpt") of 2 ranks resumed over 2 and 4 ranks and one process: identical tables, $(hash "$OUT/one/$label")"
