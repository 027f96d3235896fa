#!/usr/bin/env bash
# What writing the dataset costs (issue 15): CPU-seconds (user + sys), bytes
# written and peak RSS of `simulacra run` without a dataset (--format none),
# with HDF5 at each compression setting and with CSV (plain, and gzip with
# --compression fast), for the market reference
# day, the 1,000,000-person epidemic (all tables) and the traffic reference
# hour with 1-s trajectories; then the start-up of `simulacra --help`.
# Usage: bench/output.sh [build-dir]   (default: build)
# OUTPUT_CASES=market,epidemic,traffic picks cases; OUTPUT_EPIDEMIC_PERSONS
# shrinks the epidemic (default 1000000).
set -euo pipefail
BUILD="${1:-build}"
BIN="$(cd "$BUILD" && pwd)/bin/simulacra"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CASES="${OUTPUT_CASES:-market,epidemic,traffic}"
PERSONS="${OUTPUT_EPIDEMIC_PERSONS:-1000000}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT

# One run: prints cpu_s bytes peak_rss_mb (the dataset is deleted afterwards).
measure() {
  local out="$DIR/out"
  rm -rf "$out"
  /usr/bin/time -f "%U %S %M" -o "$DIR/time" "$BIN" run --quiet -o "$out" "$@" > "$DIR/log" 2>&1 || {
    cat "$DIR/log" >&2
    return 1
  }
  local bytes
  bytes=$(find "$out" -type f ! -name runs.csv -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  rm -rf "$out"
  awk -v bytes="$bytes" '{printf "%.2f %d %.0f\n", $1 + $2, bytes, $3 / 1024}' "$DIR/time"
}

bench_case() {
  local name="$1"
  shift
  echo "== $name"
  echo "\$ simulacra run $* --format none | --format hdf5 --compression none|fast|small | --format csv [--compression fast]"
  printf '%-22s %9s %8s %14s %12s\n' output cpu_s ratio bytes peak_rss_mb
  local base=""
  for mode in none hdf5:none hdf5:fast hdf5:small csv csv:fast; do
    local args=(--format "${mode%%:*}")
    [[ "$mode" == *:* ]] && args+=(--compression "${mode#*:}")
    read -r cpu bytes rss < <(measure "$@" "${args[@]}")
    [ -z "$base" ] && base="$cpu"
    printf '%-22s %9.2f %8s %14d %12d\n' "$mode" "$cpu" \
      "$(awk -v c="$cpu" -v b="$base" 'BEGIN {printf "%.2f", (b > 0 ? c / b : 0)}')" "$bytes" "$rss"
  done
  echo
}

[[ ",$CASES," == *",market,"* ]] && bench_case "market reference day (6.5 h, 1,116 agents)" \
  "$ROOT/scenarios/market/reference_day.yaml"
[[ ",$CASES," == *",epidemic,"* ]] && bench_case "epidemic city ($PERSONS persons, 200 d, all tables)" \
  "$ROOT/scenarios/epidemic/city.yaml" --set "populations[0].params.persons=$PERSONS" --set 'outputs.tables=[]'
[[ ",$CASES," == *",traffic,"* ]] && bench_case "traffic 10 x 10 grid rush hour, trajectories every 1 s" \
  "$ROOT/scenarios/traffic/grid_rush_hour.yaml" --set 'populations[0].params.trajectory_interval=1s'

echo "== start-up"
echo "\$ simulacra --help   (5 runs; wall s, cpu s, peak RSS MB)"
for _ in 1 2 3 4 5; do
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" "$BIN" --help > /dev/null
  awk '{printf "%.3f %.3f %.1f\n", $1, $2 + $3, $4 / 1024}' "$DIR/time"
done
