#!/usr/bin/env bash
# A run killed with SIGKILL and resumed from its last checkpoint gives the
# uninterrupted run's tables (CSV, byte for byte) and trace hash.
# usage: checkpoint_resume.sh SIMULACRA SCENARIO T1 T2 [--set ...]
# T1, T2: simulated times inside the run (e.g. 30s 60s); the process writes
# its checkpoint at T1 and is killed where it would write the one at T2.
set -euo pipefail
BIN="$1"; FILE="$2"; T1="$3"; T2="$4"; shift 4
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
ARGS=("$@")
line="$(grep -m1 '^# test-overrides:' "$FILE" || true)"
if [ -n "$line" ]; then
  read -r -a more <<< "${line#\# test-overrides:}"
  ARGS+=("${more[@]}")
fi

"$BIN" run "$FILE" -o "$OUT/plain" --format csv --quiet "${ARGS[@]}"
set +e
SIMULACRA_FAULT_KILL_AT_CHECKPOINT=2 "$BIN" run "$FILE" -o "$OUT/killed" --format csv --quiet \
  --checkpoint-at "$T1" --checkpoint-at "$T2" "${ARGS[@]}"
rc=$?
set -e
if [ "$rc" -ne 137 ]; then echo "expected the run to be killed (137), got $rc" >&2; exit 1; fi
ckpt="$(ls -d "$OUT"/killed/checkpoints/*.at-* | head -1)"
test -f "$ckpt/state.bin"
# Resume twice from the same checkpoint, once with another thread count.
"$BIN" resume "$ckpt" -o "$OUT/resumed" --quiet --threads 1
"$BIN" resume "$ckpt" -o "$OUT/resumed2" --quiet --threads 2
label="$(ls "$OUT/plain" | grep -v runs.csv | head -1)"
for r in resumed resumed2; do
  diff -r -x provenance.json "$OUT/plain/$label" "$OUT/$r/$label"
  hash() { grep -o '"trace_hash": "[0-9a-f]*"' "$1/provenance.json"; }
  test "$(hash "$OUT/plain/$label")" = "$(hash "$OUT/$r/$label")"
done
echo "resumed $label from $(basename "$ckpt"): identical tables and trace hash"
