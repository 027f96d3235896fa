#!/usr/bin/env bash
# Ensemble throughput across MPI ranks (issue 16): replicates of the
# 10,000-person town (80 days, no dataset written) as one process and under
# mpirun with 1, 2 and 4 ranks. Prints wall seconds, CPU seconds (user + sys
# of every rank, from /usr/bin/time on mpirun), runs per second and runs per
# CPU-second. On a 2-core machine 4 ranks share 2 cores.
# Usage: bench/mpi_ensemble.sh [build-dir]   MPI_RUNS=N sets the run count (default 40).
set -euo pipefail
BUILD="${1:-build}"
BIN="$(cd "$BUILD" && pwd)/bin/simulacra"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${MPI_RUNS:-40}"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
ARGS=(run "$ROOT/scenarios/epidemic/town.yaml" --set populations[0].params.persons=10000 --set duration=80d
      --set "replicates=$RUNS" --set engine.threads=1 --format none --quiet)

measure() {  # label command...
  local label="$1"; shift
  rm -rf "$DIR/out"
  /usr/bin/time -f "%e %U %S" -o "$DIR/time" "$@" -o "$DIR/out" > "$DIR/log" 2>&1 || { cat "$DIR/log" >&2; exit 1; }
  test "$(grep -c ',ok$' "$DIR/out/runs.csv")" -eq "$RUNS"
  awk -v label="$label" -v runs="$RUNS" '{cpu = $2 + $3; printf "%-14s %8.2f %8.2f %9.2f %12.2f\n", label, $1, cpu, runs / $1, runs / cpu}' "$DIR/time"
}

echo "\$ simulacra ${ARGS[*]} -o OUT   ($RUNS runs of the 10,000-person town; $(nproc) cores)"
printf '%-14s %8s %8s %9s %12s\n' launch wall_s cpu_s runs_per_s runs_per_cpu_s
measure "1 process" "$BIN" "${ARGS[@]}"
for n in 1 2 4; do
  measure "mpirun -np $n" bash "$ROOT/tests/mpi/mpirun.sh" "$n" "$BIN" "${ARGS[@]}"
done
