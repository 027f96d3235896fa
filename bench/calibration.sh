#!/usr/bin/env bash
# Calibration (issue 12), as `bash bench/calibration.sh [BUILD]`:
#  1. synthetic recovery: the 10,000-person recovery town (beta = 0.05,
#     community contacts cut on day 30, seed 99; scenarios/epidemic/
#     recovery_town.yaml and data/recovery_cases.csv) calibrated by ABC-SMC,
#     NPE and NPE in 4 sequential rounds (each on the raw series and with
#     learned summaries) with SIMS simulations (default 5,000) and by BO
#     with BO_SIMS (200): medians, 90 % intervals, simulations per second;
#  2. throughput: each method on the same case with THROUGHPUT_SIMS (1,000)
#     simulations (BO: BO_SIMS) on 1 and 2 jobs, and whether the posteriors
#     are identical;
#  3. the conjugate Gaussian model (external simulator, exact posterior
#     N(12/11, 1/11)): ABC-SMC's error at 1k and 10k simulations.
# NPE's two-sample accuracy at 1k/10k/100k simulations is bench/npe_bo.sh.
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
SIMS="${SIMS:-5000}"
BO_SIMS="${BO_SIMS:-200}"
THROUGHPUT_SIMS="${THROUGHPUT_SIMS:-1000}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S=scenarios/epidemic/recovery_town.yaml
ARGS=(--observed scenarios/epidemic/data/recovery_cases.csv --target "town.new_infections_last_day ~ cases | poisson"
      --fit "populations[0].params.beta=loguniform(0.01,0.2)" --fit "timeline[0].at=uniform(10d,60d)" --seed 7 --quiet)

report() {  # folder, label
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
truth = {"populations[0].params.beta": 0.05, "timeline[0].at": 30.0}
parts = []
for p in r["parameters"]:
    t = truth[p["name"]]
    ok = "covers" if p["q05"] <= t <= p["q95"] else "MISSES"
    parts.append(f"{p['name'].split('.')[-1]} median {p['median']:.4g} ({100 * (p['median'] / t - 1):+.1f}% of truth {t:g}), "
                 f"90% [{p['q05']:.4g}, {p['q95']:.4g}] {ok}")
print(f"  {sys.argv[2]}: {r['simulations']} simulations in {r['wall_seconds']:.1f} s wall "
      f"({r['simulations'] / r['wall_seconds']:.1f}/s); " + "; ".join(parts))
PY
}

echo "1. synthetic recovery, 10,000-person town, truth beta = 0.05 and intervention on day 30"
"$BIN" calibrate "$S" "${ARGS[@]}" --budget "$SIMS" --population 200 -o "$OUT/abc"
report "$OUT/abc" "abc-smc"
"$BIN" calibrate "$S" "${ARGS[@]}" --method npe --budget "$SIMS" --summary-net 0 -o "$OUT/npe_raw"
report "$OUT/npe_raw" "npe, raw series"
"$BIN" calibrate "$S" "${ARGS[@]}" --method npe --budget "$SIMS" -o "$OUT/npe"
report "$OUT/npe" "npe, learned summaries"
"$BIN" calibrate "$S" "${ARGS[@]}" --method npe --rounds 4 --budget "$SIMS" --summary-net 0 -o "$OUT/snpe_raw"
report "$OUT/snpe_raw" "npe, 4 rounds, raw series"
"$BIN" calibrate "$S" "${ARGS[@]}" --method npe --rounds 4 --budget "$SIMS" -o "$OUT/snpe"
report "$OUT/snpe" "npe, 4 rounds, learned summaries"
"$BIN" calibrate "$S" "${ARGS[@]}" --method bo --budget "$BO_SIMS" -o "$OUT/bo"
report "$OUT/bo" "bo"

echo "2. throughput: each method with THROUGHPUT_SIMS=$THROUGHPUT_SIMS simulations (bo: BO_SIMS) on 1 and 2 jobs"
for method in abc-smc npe bo; do
  budget="$THROUGHPUT_SIMS"; [ "$method" = bo ] && budget="$BO_SIMS"
  for jobs in 1 2; do
    "$BIN" calibrate "$S" "${ARGS[@]}" --method "$method" --budget "$budget" --population 100 --predictive 0 \
      --jobs "$jobs" -o "$OUT/$method$jobs"
    report "$OUT/$method$jobs" "$method --jobs $jobs"
  done
  cmp -s "$OUT/${method}1/posterior.csv" "$OUT/${method}2/posterior.csv" && echo "  $method: same posterior for 1 and 2 jobs"
done

echo "3. conjugate Gaussian (external simulator, python3): exact posterior N(1.0909, 0.3015^2)"
for case in "1000 100" "10000 1000"; do
  set -- $case
  "$BIN" calibrate --simulator "python3 scenarios/external/gaussian_simulator.py" --prior scenarios/external/gaussian_prior.yml \
    --observed scenarios/external/gaussian_observed.csv --target ybar --budget "$1" --population "$2" --seed 5 \
    --predictive 0 -o "$OUT/g$1" --quiet
  python3 - "$OUT/g$1" "$1" <<'PY'
import csv, json, math, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "posterior.csv"))))
w = [float(r["weight"]) for r in rows]; mu = [float(r["mu"]) for r in rows]
m = sum(a * b for a, b in zip(w, mu)); sd = math.sqrt(sum(a * (b - m) ** 2 for a, b in zip(w, mu)))
em, es = 12 / 11, math.sqrt(1 / 11)
rep = json.load(open(os.path.join(d, "report.json")))
print(f"  {sys.argv[2]:>6} simulations: mean error {m - em:+.4f} ({abs(m - em) / es:.2f} posterior sd), "
      f"sd {sd:.4f} ({100 * (sd / es - 1):+.1f}%), {rep['wall_seconds']:.1f} s wall")
PY
done
