#!/usr/bin/env bash
# Runs every `build/bin/simulacra ...` command shown in README.md and docs/, in a scratch
# folder that links the source's scenarios/ and the build's bin/, so the README
# cannot show a command that does not work.
set -euo pipefail
SRC="$1"
BUILD="$2"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ln -s "$SRC/scenarios" "$WORK/scenarios"
mkdir -p "$WORK/build"
ln -s "$BUILD/bin" "$WORK/build/bin"
cd "$WORK"
n=0
while IFS= read -r line; do
  cmd="${line%%#*}"            # drop trailing comments
  echo "+ $cmd"
  eval "$cmd" > /dev/null
  n=$((n + 1))
done < <(grep -hE '^build/bin/simulacra ' "$SRC/README.md" "$SRC"/docs/*.md)
test "$n" -ge 5
echo "ran $n README commands"
