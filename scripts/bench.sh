#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, against the Release build.
set -euo pipefail
BUILD="${1:-build}"
for b in bench/*.sh; do
  echo "== $b"
  bash "$b" "$BUILD"
done
