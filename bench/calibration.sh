#!/usr/bin/env bash
# Calibration (issue 12): simulations per second and wall time of ABC-SMC on
# the synthetic-recovery case (the 10,000-person calibration town, beta = 0.03
# to recover) on 1 and 2 jobs, and the posterior's error against the exact
# answer for the conjugate Gaussian model (external simulator) at 1k and 10k
# simulations.
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
SIMS="${SIMS:-1000}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S=scenarios/epidemic/calibration_town.yaml
BIG="--set populations[0].params.persons=10000"

# The observed series: cumulative infections every other day of a run with beta = 0.03, seed 99.
"$BIN" run "$S" $BIG --set seed=99 --format csv -o "$OUT/truth" --quiet
python3 - "$OUT/truth" "$OUT/cases.csv" <<'PY'
import csv, glob, sys
rows = csv.DictReader(open(glob.glob(sys.argv[1] + "/*/observables.csv")[0]))
with open(sys.argv[2], "w") as f:
    f.write("time,cases\n")
    for r in rows:
        t = float(r["time"])
        if r["name"] == "town.cumulative_infections" and t > 0 and t % 2 == 0:
            f.write(f"{t:g},{r['value']}\n")
PY
echo "synthetic recovery: 10,000-person town, beta = 0.03, $SIMS simulations, population 100"
for jobs in 1 2; do
  "$BIN" calibrate "$S" $BIG --observed "$OUT/cases.csv" --target "town.cumulative_infections ~ cases" \
    --fit "populations[0].params.beta=loguniform(0.005,0.2)" --budget "$SIMS" --population 100 --seed 7 \
    --jobs "$jobs" -o "$OUT/town$jobs" --quiet
  python3 - "$OUT/town$jobs/report.json" "$jobs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["parameters"][0]
print(f"  --jobs {sys.argv[2]}: {r['simulations']} simulations in {r['wall_seconds']:.1f} s wall = "
      f"{r['simulations'] / r['wall_seconds']:.1f} simulations/s; beta median {p['median']:.4f}, "
      f"90% [{p['q05']:.4f}, {p['q95']:.4f}] (truth 0.03)")
PY
done
cmp -s "$OUT/town1/posterior.csv" "$OUT/town2/posterior.csv" && echo "  same posterior for 1 and 2 jobs"

echo "conjugate Gaussian (external simulator, python3): exact posterior N(1.0909, 0.3015^2)"
for case in "1000 100" "10000 1000"; do
  set -- $case
  "$BIN" calibrate --simulator "python3 scenarios/external/gaussian_simulator.py" --prior scenarios/external/gaussian_prior.yml \
    --observed scenarios/external/gaussian_observed.csv --target ybar --budget "$1" --population "$2" --seed 5 \
    -o "$OUT/g$1" --quiet
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
