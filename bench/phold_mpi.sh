#!/usr/bin/env bash
# PHOLD partitioned over 1, 2 and 4 MPI ranks, beside ROSS's phold model
# sequential (--synch=1), conservative (--synch=2) and optimistic (--synch=3)
# on the same machine with the same parameters (ROSS's meaning, which
# Simulacra's bench phold shares: remote 0.25, lookahead 0.1, mean delay 1.0
# lookahead included). Wall and CPU seconds of every process from
# /usr/bin/time; events per second and per CPU-second from them.
#
# usage: bench/phold_mpi.sh [BUILD_DIR]
#   ROSS_PHOLD=/path/to/ROSS/build/models/phold/phold   ROSS's binary (skipped if unset or absent)
#   LPS, START, END                                      PHOLD size (default 65536 LPs, 16 start events, end 20)
#   THREADS                                              engine threads per rank (default 1)
# On a machine with fewer cores than ranks, ranks take turns on the cores:
# the figures then show the cost of the protocol, not a speed-up.
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
HERE="$(cd "$(dirname "$0")" && pwd)"
MPIRUN="$HERE/../tests/mpi/mpirun.sh"
LPS="${LPS:-65536}"
START="${START:-16}"
END="${END:-20}"
THREADS="${THREADS:-1}"
ROSS_PHOLD="${ROSS_PHOLD:-}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Runs a command under /usr/bin/time; prints "wall cpu" (seconds) on fd 3.
timed() {
  /usr/bin/time -f "%e %U %S" -o "$TMP/time" "$@" > "$TMP/out" 2>&1 || { cat "$TMP/out" >&2; return 1; }
  read -r wall user sys < "$TMP/time"
  echo "$wall $(echo "$user + $sys" | bc -l)"
}

line() {  # name events wall cpu extra
  printf '%-30s %12s events %8.2f s wall %8.2f s cpu %12.0f ev/s %12.0f ev/cpu-s  %s\n' "$1" "$2" "$3" "$4" \
    "$(echo "$2 / $3" | bc -l)" "$(echo "$2 / $4" | bc -l)" "$5"
}

echo "PHOLD lps=$LPS start_events=$START end=$END remote=0.25 lookahead=0.1 mean=1.0 threads/rank=$THREADS ($(nproc) cores)"
for n in 1 2 4; do
  if [ "$n" -eq 1 ]; then
    read -r wall cpu < <(timed "$BIN" bench phold --lps "$LPS" --start-events "$START" --end "$END" --threads "$THREADS")
  else
    read -r wall cpu < <(timed "$MPIRUN" "$n" "$BIN" bench phold --lps "$LPS" --start-events "$START" --end "$END" \
      --threads "$THREADS")
  fi
  events="$(awk '/^committed_events/ {print $2}' "$TMP/out")"
  extra="trace $(awk '/^trace_hash/ {print $2}' "$TMP/out")"
  if [ "$n" -gt 1 ]; then
    extra="$extra; windows $(awk '/^windows/ {print $2}' "$TMP/out"), per window: $(awk '/^events_per_window/ {print $2}' "$TMP/out") events, $(awk '/^remote_per_window/ {print $2}' "$TMP/out") to other ranks, $(awk '/^bytes_per_window/ {print $2}' "$TMP/out") bytes, $(awk '/^exchange_us/ {print $2}' "$TMP/out") us exchanging"
  fi
  line "simulacra $n rank(s)" "$events" "$wall" "$cpu" "$extra"
done

if [ -z "$ROSS_PHOLD" ] || [ ! -x "$ROSS_PHOLD" ]; then
  echo "ROSS: skipped (set ROSS_PHOLD to ROSS's built models/phold/phold)"
  exit 0
fi
ROSS_PHOLD="$(realpath "$ROSS_PHOLD")"
for synch in 1 2 3; do
  for n in 1 2 4; do
    [ "$synch" -eq 1 ] && [ "$n" -gt 1 ] && continue  # sequential is one process
    args=(--synch="$synch" --nlp="$((LPS / n))" --start-events="$START" --end="$END" --remote=0.25 --lookahead=0.1
          --mean=1.0)
    [ "$synch" -eq 2 ] && args+=(--cons-lookahead=0.1)
    # Optimistic runs hold events until GVT passes them: room for them all.
    [ "$synch" -eq 3 ] && args+=(--extramem="$((LPS * START / n + 100000))")
    name=(x sequential conservative optimistic)
    wall="" cpu=""
    # In the scratch folder: ROSS writes ross.csv and ross_all_lp_stats/ where it runs.
    read -r wall cpu < <(cd "$TMP" && timed "$MPIRUN" "$n" "$ROSS_PHOLD" "${args[@]}" 2>/dev/null) || true
    if [ -z "$wall" ]; then
      echo "ROSS ${name[$synch]} $n rank(s): failed: $(grep -m1 -i error "$TMP/out")"
      continue
    fi
    events="$(awk '/Net Events Processed/ {print $NF; exit}' "$TMP/out")"
    line "ROSS ${name[$synch]} $n rank(s)" "$events" "$wall" "$cpu" \
      "$(awk '/Event Rate/ {printf "ROSS says %s ev/s", $NF; exit}' "$TMP/out")"
  done
done
