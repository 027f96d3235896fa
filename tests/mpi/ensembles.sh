#!/usr/bin/env bash
# Ensembles across MPI ranks (issue 16): `mpirun -np N simulacra run|rare|calibrate`
# gives the same dataset, run list, estimate and posterior as one process,
# with runs spread over the ranks.
# usage: ensembles.sh SIMULACRA SOURCE-DIR
set -euo pipefail
BIN="$1"; SRC="$2"
MPI="$SRC/tests/mpi/mpirun.sh"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# 1. Replicates and a sweep of the town: every table (CSV, byte for byte), the
#    run list and each trace hash equal the single-process run's.
{ cat "$SRC/scenarios/epidemic/town.yaml"; printf 'replicates: 3\nsweep:\n  populations.town.params.beta: [0.02, 0.04]\n'; } \
  > "$OUT/town.yaml"
TOWN=("$OUT/town.yaml" --set populations[0].params.persons=3000 --set duration=80d --format csv --quiet)
"$BIN" run "${TOWN[@]}" -o "$OUT/one"
test "$(grep -c ',ok$' "$OUT/one/runs.csv")" -eq 6
for n in 2 4; do
  "$MPI" "$n" "$BIN" run "${TOWN[@]}" -o "$OUT/np$n"
  cmp "$OUT/one/runs.csv" "$OUT/np$n/runs.csv"
  diff -r -x provenance.json "$OUT/one" "$OUT/np$n"
  ranks=""
  for run in "$OUT/np$n"/*/; do
    hash() { grep -o '"trace_hash": "[0-9a-f]*"' "$1/provenance.json"; }
    test "$(hash "$run")" = "$(hash "$OUT/one/$(basename "$run")")"
    ranks+="$(grep -o '"mpi_rank": "[0-9]* of '"$n"'"' "$run/provenance.json")"$'\n'
  done
  used=$(sort -u <<< "$ranks" | grep -c .)
  if [ "$used" -lt 2 ]; then echo "np $n: every run ran on one rank: $ranks" >&2; exit 1; fi
  echo "run: $n ranks (runs on $used of them): identical tables, runs.csv and trace hashes"
done

# 2. Rare events: AMS batches and importance-sampling stages over ranks give
#    the same estimate, samples and datasets.
BD="$SRC/scenarios/engine/birth_death.yaml"
for method in ams is; do
  args=(--event "bd.level >= 12" --samples 100 --batches 4 --format csv --quiet)
  [ "$method" = is ] && args+=(--method is --tilt bd.lambda --stage-samples 100)
  "$BIN" rare "$BD" "${args[@]}" -o "$OUT/rare_$method"
  "$MPI" 2 "$BIN" rare "$BD" "${args[@]}" -o "$OUT/rare_${method}_np2"
  cmp "$OUT/rare_$method/samples.csv" "$OUT/rare_${method}_np2/samples.csv"
  diff <(grep -v wall_seconds "$OUT/rare_$method/estimate.json") <(grep -v wall_seconds "$OUT/rare_${method}_np2/estimate.json")
  diff -r -x provenance.json -x estimate.json "$OUT/rare_$method" "$OUT/rare_${method}_np2"
  echo "rare $method: 2 ranks: identical estimate, samples and datasets"
done

# 3. Calibration: ABC-SMC's simulations over ranks give the same posterior.
CAL=("$SRC/scenarios/epidemic/calibration_town.yaml" --observed "$SRC/scenarios/epidemic/data/calibration_cases.csv"
     --target "town.cumulative_infections ~ cases" --fit "populations[0].params.beta=loguniform(0.005,0.2)"
     --budget 200 --population 20 --seed 4 --predictive 10 --quiet)
"$BIN" calibrate "${CAL[@]}" -o "$OUT/cal"
"$MPI" 2 "$BIN" calibrate "${CAL[@]}" -o "$OUT/cal_np2"
cmp "$OUT/cal/posterior.csv" "$OUT/cal_np2/posterior.csv"
cmp "$OUT/cal/fit.csv" "$OUT/cal_np2/fit.csv"
echo "calibrate abc: 2 ranks: identical posterior and predictive fit"

# 4. A failing run is reported by every rank's exit status and in the run
#    list; the other runs' datasets are whole.
set +e
sed 's/\[0.02, 0.04\]/[0.02, -0.5]/' "$OUT/town.yaml" > "$OUT/bad.yaml"
msg="$("$MPI" 2 "$BIN" run "$OUT/bad.yaml" --set populations[0].params.persons=3000 --set duration=80d -o "$OUT/bad" 2>&1)"
rc=$?
set -e
if [ "$rc" -ne 2 ]; then echo "expected exit 2 for a refused sweep point, got $rc: $msg" >&2; exit 1; fi
grep -qF "beta" <<< "$msg"
if [ -e "$OUT/bad" ]; then echo "output written for a refused scenario" >&2; exit 1; fi
test "$(grep -c "beta" <<< "$msg")" -eq 1  # printed once, by rank 0
echo "a bad sweep point under mpirun: exit 2, named"

# 5. A rank that dies (killed at its first checkpoint) stops the launch with a
#    non-zero status; runs.csv on disk lists the runs that finished (their
#    tables equal the single-process ones) and marks the dead rank's run
#    unfinished, with no file of it under its final name.
set +e
"$MPI" 1 "$BIN" run "${TOWN[@]}" -o "$OUT/died" --checkpoint-at 40d : \
  -np 1 env SIMULACRA_FAULT_KILL_AT_CHECKPOINT=1 "$BIN" run "${TOWN[@]}" -o "$OUT/died" --checkpoint-at 40d > /dev/null 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ]; then echo "a launch with a killed rank exited 0" >&2; exit 1; fi
test -f "$OUT/died/runs.csv"
python3 - "$OUT/died/runs.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 6 and {r["status"] for r in rows} <= {"ok", "unfinished"}, rows
assert any(r["status"] == "unfinished" for r in rows), "the killed rank's run is not marked unfinished"
PY
while IFS=, read -r _ label _ _ _ _ _ _ _ _ status; do
  if [ "$status" = ok ]; then
    diff -r -x provenance.json "$OUT/one/$label" "$OUT/died/$label"
  else
    test ! -e "$OUT/died/$label"
  fi
done < <(tail -n +2 "$OUT/died/runs.csv")
echo "a killed rank: exit $rc, runs.csv says $(grep -c ',ok$' "$OUT/died/runs.csv") of 6 finished (identical tables), the rest unfinished"
