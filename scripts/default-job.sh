#!/usr/bin/env bash
# `make run`: the default job — the default scenario, written to out/.
set -euo pipefail
BUILD="${1:-build}"
SCENARIO="${SIMULACRA_SCENARIO:-scenarios/epidemic/town.yaml}"
OUT="out/$(basename "$SCENARIO" .yaml)"
echo "run: simulacra run $SCENARIO -o $OUT"
"$BUILD/bin/simulacra" run "$SCENARIO" -o "$OUT"
echo "run: inspect it with: $BUILD/bin/simulacra inspect $OUT/<run>.h5"
