#!/usr/bin/env bash
# Dataset export speed and memory: 100 M rows of a six-column event table
# through the HDF5 and the CSV writer (issue 3's target: peak RSS < 300 MB).
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
ROWS="${EXPORT_ROWS:-100000000}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
for f in hdf5 csv; do
  echo "\$ simulacra bench export --rows $ROWS --format $f"
  "$BIN" bench export --rows "$ROWS" --format "$f" --output "$DIR"
done
