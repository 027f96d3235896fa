#!/usr/bin/env bash
# `simulacra calibrate --simulator`: the conjugate Gaussian model as an
# external program (posterior within sampling error, the same for any --jobs,
# an uninformative parameter reported as such), and every bad input refused
# with exit 2, a message naming it, and no output folder.
set -euo pipefail
BIN="$1"; EXT="$2"; GSIM="$3"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
SIM="$GSIM"  # tests/experiments/gaussian_simulator.cpp: the model of $EXT/gaussian_simulator.py, quick to start
OBS="$EXT/gaussian_observed.csv"
printf 'mu: normal(0, 1)\nnu: uniform(0, 1)\n' > "$OUT/prior2.yml"

"$BIN" calibrate --simulator "$SIM" --prior "$OUT/prior2.yml" --observed "$OBS" --target ybar \
  --budget 12000 --population 600 --seed 3 --jobs 2 -o "$OUT/g" --quiet
python3 - "$OUT/g" <<'PY'
import csv, json, math, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "posterior.csv"))))
w = [float(r["weight"]) for r in rows]
mu = [float(r["mu"]) for r in rows]
m = sum(a * b for a, b in zip(w, mu))
sd = math.sqrt(sum(a * (b - m) ** 2 for a, b in zip(w, mu)))
exact_m, exact_sd = 12 / 11, math.sqrt(1 / 11)
print(f"external Gaussian: posterior mean {m:.4f} (exact {exact_m:.4f}), sd {sd:.4f} (exact {exact_sd:.4f})")
assert abs(m - exact_m) < 0.06, m
assert abs(sd / exact_sd - 1) < 0.2, sd
rep = json.load(open(os.path.join(d, "report.json")))
p = {x["name"]: x for x in rep["parameters"]}
assert p["mu"]["identified"] and not p["nu"]["identified"], p
assert rep["mode"] == "external simulator" and rep["targets"][0]["contribution"] == 1, rep["targets"]
assert not os.path.exists(os.path.join(d, "calibrated.yaml"))
PY

# Neural posterior estimation on the same model: 3,000 prior simulations, a
# mixture density network, 2,000 posterior draws.
"$BIN" calibrate --simulator "$SIM" --prior "$EXT/gaussian_prior.yml" --observed "$OBS" --target ybar \
  --method npe --budget 3000 --seed 3 -o "$OUT/npe" --quiet
python3 - "$OUT/npe" <<'PY'
import csv, json, math, os, sys
d = sys.argv[1]
mu = [float(r["mu"]) for r in csv.DictReader(open(os.path.join(d, "posterior.csv")))]
assert len(mu) == 2000, len(mu)
m = sum(mu) / len(mu)
sd = math.sqrt(sum((x - m) ** 2 for x in mu) / len(mu))
exact_m, exact_sd = 12 / 11, math.sqrt(1 / 11)
print(f"external Gaussian, NPE: posterior mean {m:.4f} (exact {exact_m:.4f}), sd {sd:.4f} (exact {exact_sd:.4f})")
assert abs(m - exact_m) < 0.06, m
assert abs(sd / exact_sd - 1) < 0.2, sd
assert json.load(open(os.path.join(d, "report.json")))["method"] == "npe"
PY

# Sequential NPE: two rounds of 1,500, the second from the prior truncated to
# the first posterior; the same closed form.
"$BIN" calibrate --simulator "$SIM" --prior "$EXT/gaussian_prior.yml" --observed "$OBS" --target ybar \
  --method npe --rounds 2 --budget 3000 --seed 3 -o "$OUT/snpe" --quiet
python3 - "$OUT/snpe" <<'PY'
import csv, math, os, sys
mu = [float(r["mu"]) for r in csv.DictReader(open(os.path.join(sys.argv[1], "posterior.csv")))]
m = sum(mu) / len(mu)
sd = math.sqrt(sum((x - m) ** 2 for x in mu) / len(mu))
print(f"external Gaussian, NPE 2 rounds: posterior mean {m:.4f} (exact {12 / 11:.4f}), sd {sd:.4f} (exact {math.sqrt(1 / 11):.4f})")
assert abs(m - 12 / 11) < 0.06, m
assert abs(sd / math.sqrt(1 / 11) - 1) < 0.2, sd
PY

# Same seed, same posterior, whatever the jobs and rows per invocation.
"$BIN" calibrate --simulator "$SIM" --prior "$EXT/gaussian_prior.yml" --observed "$OBS" --budget 800 --population 100 \
  --seed 9 --jobs 1 -o "$OUT/j1" --quiet
"$BIN" calibrate --simulator "$SIM" --prior "$EXT/gaussian_prior.yml" --observed "$OBS" --budget 800 --population 100 \
  --seed 9 --jobs 2 --rows-per-call 13 -o "$OUT/j2" --quiet
cmp "$OUT/j1/posterior.csv" "$OUT/j2/posterior.csv"
# Both summaries are targets by default, each with its share in the report.
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['targets']; assert [x['target'] for x in t]==['ybar','noise'], t; assert abs(sum(x['contribution'] for x in t)-1)<1e-9" "$OUT/j1/report.json"

refused() {
  local want="$1"; shift
  set +e
  msg="$("$BIN" calibrate -o "$OUT/bad" --budget 200 --population 20 --seed 1 "$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc: $msg" >&2; exit 1; fi
  if ! grep -qF -- "$want" <<< "$msg"; then echo "expected '$want' for $*, got: $msg" >&2; exit 1; fi
  if [ -e "$OUT/bad" ]; then echo "output written for $*" >&2; exit 1; fi
}
P="$EXT/gaussian_prior.yml"
refused "expected abc-smc, npe or bo" --simulator "$SIM" --prior "$P" --observed "$OBS" --method bo2
refused "at least 100 parameter vectors" --simulator "$SIM" --prior "$P" --observed "$OBS" --method npe --replicates 3
refused "100 parameter vectors per round" --simulator "$SIM" --prior "$P" --observed "$OBS" --method npe --rounds 3
refused "--rounds: expected at least 1" --simulator "$SIM" --prior "$P" --observed "$OBS" --method npe --rounds 0
# BO needs a likelihood: a single summary compared exactly has none.
refused "BO needs a likelihood" --simulator "$SIM" --prior "$P" --observed "$OBS" --target ybar --method bo
set +e
msg="$("$BIN" calibrate -o "$OUT/bad" --simulator "$SIM" --prior "$P" --observed "$OBS" --method bo --budget 4 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -qF "the initial design of 5" <<< "$msg" && [ ! -e "$OUT/bad" ] || { echo "bo budget 4: $rc $msg" >&2; exit 1; }
set +e
msg="$("$BIN" calibrate -o "$OUT/bad" --simulator "$SIM" --prior "$P" --observed "$OBS" --method bo --budget 5000 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -qF "use --method abc-smc or npe" <<< "$msg" && [ ! -e "$OUT/bad" ] || { echo "bo budget 5000: $rc $msg" >&2; exit 1; }
refused "simulator 'exit 3' exited with status 3" --simulator "exit 3" --prior "$P" --observed "$OBS"
refused "printed 1 rows of summaries for" --simulator "printf 'ybar,noise\n1,2\n'" --prior "$P" --observed "$OBS"
refused "printed the header 'y,noise', expected 'ybar,noise'" --simulator "printf 'y,noise\n'" --prior "$P" --observed "$OBS"
refused "column 'ybar': 'oops' is not a number, for parameter row 1 (mu=" \
  --simulator "awk 'NR==1{print \"ybar,noise\";next}{print \"oops,1\"}'" --prior "$P" --observed "$OBS"
printf 'mu: normal(0, -1)\n' > "$OUT/badprior.yml"
refused "badprior.yml:1: mu: prior 'normal(0, -1)': the standard deviation must be positive" --simulator "$SIM" --prior "$OUT/badprior.yml" --observed "$OBS"
refused "missing --prior" --simulator "$SIM" --observed "$OBS"
printf 'ybar,noise\n1.2,0.3\n1.1,0.2\n' > "$OUT/tworows.csv"
refused "expected one row of observed summaries" --simulator "$SIM" --prior "$P" --observed "$OUT/tworows.csv"
printf 'ybar,noise\n1.2,\n' > "$OUT/gap.csv"
refused "gap.csv:2" --simulator "$SIM" --prior "$P" --observed "$OUT/gap.csv"
refused "unknown summary 'ybr'" --simulator "$SIM" --prior "$P" --observed "$OBS" --target ybr
refused "unknown model 'gauss'" --simulator "$SIM" --prior "$P" --observed "$OBS" --target "ybar | gauss(1)"
echo "external simulator: all checks passed"
