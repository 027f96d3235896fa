#!/usr/bin/env bash
# `simulacra calibrate` as a user drives it: bad input refused with exit 2 and
# nothing written; beta recovered from a synthetic series made with beta = 0.03.
set -euo pipefail
BIN="$1"; DATA="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S="$DATA/calibration_town.yaml"
OBS="$DATA/data/calibration_cases.csv"
printf 'time,cases\n2,10\n4,\n6,14\n' > "$OUT/gap.csv"

refused() {
  local want="$1"; shift
  set +e
  msg="$("$BIN" calibrate "$S" -o "$OUT/bad" "$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc: $msg" >&2; exit 1; fi
  if ! grep -qF -- "$want" <<< "$msg"; then echo "expected '$want' for $*, got: $msg" >&2; exit 1; fi
  if [ -e "$OUT/bad" ]; then echo "output written for $*" >&2; exit 1; fi
}
ok_fit="populations[0].params.beta=loguniform(0.005,0.2)"
refused "populations[0].params.bta" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.bta=uniform(0,1)"
refused "which the scenario refuses" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.beta=uniform(-0.1,0.3)"
refused "unknown column 'case'" --observed "$OBS" --target "town.cumulative_infections ~ case" --fit "$ok_fit"
refused "did you mean" --observed "$OBS" --target "town.cumulativ_infections ~ cases" --fit "$ok_fit"
refused "gap.csv:3" --observed "$OUT/gap.csv" --target "town.cumulative_infections ~ cases" --fit "$ok_fit"
refused "unknown distribution" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.beta=beta(1,2)"
refused "observation models apply to series" --observed "$OBS" --target "final(town.cumulative_infections) ~ final(cases) | poisson" --fit "$ok_fit"
refused "--fit 'r=uniform(0.1,1)'" --observed "$OBS" --target "town.cumulative_infections ~ cases | binomial(r)" --fit "$ok_fit"
refused "compare a series with a series" --observed "$OBS" --target "town.cumulative_infections ~ max(cases)" --fit "$ok_fit"
python3 - "$OBS" "$OUT/dates.csv" <<'PY'
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w") as f:
    f.write("date,cases\n")
    for r in rows:
        f.write(f"{datetime.date(2020, 3, 1) + datetime.timedelta(days=int(r['time']))},{r['cases']}\n")
PY
refused "needs --start" --observed "$OUT/dates.csv" --target "town.cumulative_infections ~ cases" --fit "$ok_fit"
refused "--start '2020-13-01'" --observed "$OUT/dates.csv" --target "town.cumulative_infections ~ cases" --fit "$ok_fit" --start 2020-13-01
refused "--replicates" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "$ok_fit" --replicates 0

# A date column with --start gives the same times, so the same posterior.
small=(--target "town.cumulative_infections ~ cases" --fit "$ok_fit" --budget 200 --population 20 --seed 4 --quiet)
"$BIN" calibrate "$S" --observed "$OBS" "${small[@]}" -o "$OUT/by_time"
"$BIN" calibrate "$S" --observed "$OUT/dates.csv" --start 2020-03-01 "${small[@]}" -o "$OUT/by_date"
cmp "$OUT/by_time/posterior.csv" "$OUT/by_date/posterior.csv"

# Statistic targets, weekly sums, count models and a fitted reporting rate run
# and are reported with their shares.
"$BIN" calibrate "$S" --observed "$OBS" --target "final(town.cumulative_infections) ~ final(cases)" \
  --target "quantile(town.cumulative_infections, 0.25) ~ quantile(cases, 0.25)" \
  --target "town.cumulative_infections ~ cases | binomial(rho)" --target "town.new_infections_last_day ~ cases | weekly | negbin(5)" \
  --fit "populations[0].params.beta=loguniform(0.03,0.2)" --fit "rho=uniform(0.5,1)" --budget 300 --population 30 --replicates 2 -o "$OUT/stats" --quiet
python3 - "$OUT/stats" <<'PY'
import json, os, sys
rep = json.load(open(os.path.join(sys.argv[1], "report.json")))
t = rep["targets"]
assert [x["model"] for x in t] == ["exact", "exact", "binomial(rho)", "negbin(5)"], t
assert t[0]["target"] == "final(town.cumulative_infections) ~ final(cases)" and t[0]["summaries"] == 1, t[0]
assert t[3]["target"].endswith("(weekly)") and t[2]["summaries"] == t[3]["summaries"] > 10, t
assert abs(sum(x["contribution"] for x in t) - 1) < 1e-9 and all(x["scale"] > 0 for x in t), t
assert [p["name"] for p in rep["parameters"]] == ["populations[0].params.beta", "rho"], rep["parameters"]
assert rep["replicates"] == 2 and rep["simulations"] <= 300, rep
# rho is an observation parameter, not a scenario value.
cal = open(os.path.join(sys.argv[1], "calibrated.yaml")).read()
assert "rho" not in cal, cal
PY

"$BIN" calibrate "$S" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "$ok_fit" \
  --budget 1500 --population 100 -o "$OUT/ok" --quiet
python3 - "$OUT/ok" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
rep = json.load(open(os.path.join(d, "report.json")))
p = rep["parameters"][0]
assert p["q05"] <= 0.03 <= p["q95"], p
assert abs(p["median"] / 0.03 - 1) < 0.2, p
assert p["identified"], p
rows = list(csv.DictReader(open(os.path.join(d, "posterior.csv"))))
assert len(rows) == 100 and abs(sum(float(r["weight"]) for r in rows) - 1) < 1e-6
assert "beta: " in open(os.path.join(d, "calibrated.yaml")).read()
print("calibrate: beta median", p["median"], "90%", p["q05"], p["q95"])
PY
"$BIN" validate "$OUT/ok/calibrated.yaml"

# The 1978 boarding-school outbreak (a published series) by Bayesian
# optimisation under a Poisson likelihood, with a prior in days: the estimate
# lies where the best runs are, calibrated.yaml carries the unit, and the
# predictive bands are ordered around every observed day.
B="$DATA/boarding_school.yaml"
"$BIN" calibrate "$B" --observed "$DATA/data/boarding_school_1978.csv" --start 1978-01-18 \
  --target "school.symptomatic ~ in_bed | poisson" --fit "populations[0].params.beta=loguniform(0.02,1)" \
  --fit "populations[0].params.symptomatic_mean=uniform(1d,6d)" --method bo --budget 60 --predictive 30 --seed 2 \
  -o "$OUT/bo" --quiet
python3 - "$OUT/bo" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
rep = json.load(open(os.path.join(d, "report.json")))
assert rep["method"] == "bo" and rep["simulations"] == 60, rep
ev = sorted(csv.DictReader(open(os.path.join(d, "evaluations.csv"))), key=lambda r: float(r["negative_log_posterior"]))
assert len(ev) == 60
best = [float(r["populations[0].params.symptomatic_mean"]) for r in ev[:10]]
est = rep["estimate"]["populations[0].params.symptomatic_mean"]
assert min(best) - 0.5 <= est <= max(best) + 0.5, (est, best)
fit = list(csv.DictReader(open(os.path.join(d, "fit.csv"))))
assert len(fit) == 14 and all(float(r["q05"]) <= float(r["median"]) <= float(r["q95"]) for r in fit)
cal = open(os.path.join(d, "calibrated.yaml")).read()
assert "symptomatic_mean: %sd" % repr(est) in cal or "symptomatic_mean: %.17gd" % est in cal, cal
print("calibrate --method bo: symptomatic_mean", est, "beta", rep["estimate"]["populations[0].params.beta"])
PY
"$BIN" validate "$OUT/bo/calibrated.yaml"
