#!/usr/bin/env bash
# Runs one library scenario at test scale: validates it, then runs it with the
# overrides on its "# test-overrides:" line (if any) into a temporary folder,
# and checks that a dataset and runs.csv appeared.
set -euo pipefail
BIN="$1"
FILE="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$BIN" validate "$FILE"
ARGS=()
line="$(grep -m1 '^# test-overrides:' "$FILE" || true)"
if [ -n "$line" ]; then
  read -r -a ARGS <<< "${line#\# test-overrides:}"
fi
"$BIN" run "$FILE" -o "$OUT/ds" "${ARGS[@]}"
test -s "$OUT/ds/runs.csv"
ls "$OUT/ds" | grep -qE '\.h5$|^[^.]+$'
